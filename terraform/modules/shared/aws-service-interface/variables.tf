variable "name" {
  description = "Prefix of every resource name of the service module, e.g. \"<project>-<environment>\": lowercase letters, digits and dashes, 3 to 40 characters, starting with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "network" {
  description = "Where the service lives: vpc_id (network module output vpc_id) and subnet_ids, at least two distinct private subnets (no route to the internet) in different availability zones (network module output private_subnet_ids). A service module passes its whole `network` input; who may reach the service (allowed_security_group_ids, allowed_cidr_blocks) is validated by terraform/modules/shared/aws-security-group, which makes the rules."
  type = object({
    vpc_id     = string
    subnet_ids = list(string)
  })

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.network.vpc_id))
    error_message = "network.vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }

  validation {
    condition     = length(var.network.subnet_ids) >= 2 && alltrue([for s in var.network.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))]) && length(distinct(var.network.subnet_ids)) == length(var.network.subnet_ids)
    error_message = "network.subnet_ids must list at least two distinct subnet IDs such as subnet-0123456789abcdef0, one per availability zone."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts everything the service module stores at rest (network module output kms_key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<uuid>), not an alias."
  }
}
