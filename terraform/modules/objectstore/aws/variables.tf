# What every terraform/modules/<service>/aws module takes alike: name, network, kms_key_arn (typed
# here, validated by terraform/modules/shared/aws-service-interface), tags and production; then
# this service's object and its secrets.

variable "name" {
  description = "Prefix of every resource name, \"<project>-<environment>\" (3-40 lowercase letters, digits and dashes): the buckets are <name>-<account>-<bucket>."
  type        = string
}

variable "network" {
  description = "The VPC whose requests the application policy admits (objectstore.restrict_to_vpc), the private subnets (at least two, distinct availability zones) of the S3 interface endpoint (network module outputs vpc_id, private_subnet_ids), and who may connect to that endpoint on HTTPS (443) only: allowed_security_group_ids, allowed_cidr_blocks (IPv4, never a /0; empty lists: nobody may). Clients inside the VPC normally reach S3 through the gateway endpoint (routed, no security group); what they may do is decided by IAM (the application policy)."
  type = object({
    vpc_id                     = string
    subnet_ids                 = list(string)
    allowed_security_group_ids = optional(list(string), [])
    allowed_cidr_blocks        = optional(list(string), [])
  })
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the documents and backups buckets (network module output kms_key_arn)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of this module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "production" {
  description = "Production posture: true keeps Terraform from deleting a bucket that still holds objects (no force_destroy, the buckets and the access-log bucket); false (staging) lets Terraform delete them with their objects. No default, as in every module of the common interface: the environment decides."
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
