# Common interface of every terraform/modules/<service>/aws module (keep identical across them).

variable "name" {
  description = "Prefix of every resource name, e.g. \"<project>-<environment>\": lowercase letters, digits and dashes, 3 to 40 characters, starting with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the service lives in (network module output vpc_id)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "IDs of the private subnets (no route to the internet), at least two in different availability zones (network module output private_subnet_ids)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must list at least two subnet IDs such as subnet-0123456789abcdef0."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts everything this module stores at rest (network module output kms_key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect to the S3 interface endpoint on HTTPS (443) only. Empty: no security group may. Clients inside the VPC normally reach S3 through the gateway endpoint (routed, no security group); what they may do is decided by IAM (the application policy)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "allowed_security_group_ids must hold security group IDs such as sg-0123456789abcdef0."
  }
}

variable "allowed_cidr_blocks" {
  description = "IPv4 CIDRs (VPN, peered VPC, bastion subnet) that may connect to the S3 interface endpoint on HTTPS (443) only. Never 0.0.0.0/0 or any other /0. Empty: no CIDR may."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_cidr_blocks : can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/(\\d|[12]\\d|3[0-2])$", c)) && can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "allowed_cidr_blocks must hold IPv4 CIDRs such as 10.0.0.0/16; 0.0.0.0/0 (or any /0) is refused: the service is never open to the internet."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "production" {
  description = "Production posture: true turns on Multi-AZ / automatic failover and deletion protection (buckets: no force_destroy); false (staging) allows a single node and lets Terraform destroy the service (final snapshots are taken either way). No default, as in every module of the common interface: the environment decides."
  type        = bool
}

variable "objectstore" {
  description = "S3 object storage settings: the buckets documents and backups (named <name>-<account>-<bucket>), their retention, access logging and the S3 interface endpoint for clients outside the VPC."
  type = object({
    backup_retention_days        = optional(number, 7)
    backup_noncurrent_days       = optional(number, 7)
    documents_noncurrent_days    = optional(number, 90)
    abort_incomplete_upload_days = optional(number, 7)
    access_logging               = optional(bool, true)
    access_log_retention_days    = optional(number, 365)
    interface_endpoint           = optional(bool, true)
    restrict_to_vpc              = optional(bool, true)
  })
  default = {}

  validation {
    condition = alltrue([for d in [
      var.objectstore.backup_retention_days,
      var.objectstore.backup_noncurrent_days,
      var.objectstore.documents_noncurrent_days,
      var.objectstore.abort_incomplete_upload_days,
      var.objectstore.access_log_retention_days,
    ] : floor(d) == d && d >= 1 && d <= 3650])
    error_message = "objectstore.backup_retention_days, backup_noncurrent_days, documents_noncurrent_days, abort_incomplete_upload_days and access_log_retention_days must be whole days from 1 to 3650."
  }
}
