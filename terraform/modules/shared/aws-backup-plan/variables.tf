variable "name" {
  description = "Name of what is backed up, e.g. \"<project>-<environment>-scylla\": the vault is <name>-backups, the plan <name>-daily, the selection <name>-data (each cut to AWS Backup's 50 characters), the role <name>-backup-<suffix> (name cut to 30 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "resources" {
  description = "ARNs of the resources backed up (EBS volumes, EFS file systems, ... that AWS Backup supports)."
  type        = list(string)

  validation {
    condition     = length(var.resources) > 0 && alltrue([for r in var.resources : can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:", r))])
    error_message = "resources must list at least one ARN (arn:aws:...)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the vault (the platform's key: network module output kms_key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "schedule" {
  description = "When the daily backup starts: an AWS Backup cron expression in UTC, e.g. cron(0 3 * * ? *) (03:00, the design's backup window). Each job may start within 60 minutes and must complete within 6 hours."
  type        = string

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.schedule))
    error_message = "schedule must be an AWS cron expression, e.g. cron(0 3 * * ? *)."
  }
}

variable "retention_days" {
  description = "Days each recovery point is kept, in the vault and in the copy vault (1-35; the design's retention is 7)."
  type        = number

  validation {
    condition     = floor(var.retention_days) == var.retention_days && var.retention_days >= 1 && var.retention_days <= 35
    error_message = "retention_days must be an integer from 1 to 35."
  }
}

variable "copy_vault_arn" {
  description = "Backup vault (normally in another region) that receives a copy of every recovery point; null = no copy."
  type        = string
  default     = null

  validation {
    condition     = var.copy_vault_arn == null || can(regex("^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:.+$", var.copy_vault_arn))
    error_message = "copy_vault_arn must be null or the ARN of an AWS Backup vault."
  }
}

variable "role_description" {
  description = "Description of the IAM role AWS Backup backs up and restores with (what it backs up, of which service)."
  type        = string

  validation {
    condition     = length(var.role_description) > 0 && length(var.role_description) <= 1000
    error_message = "role_description must be 1-1000 characters."
  }
}

variable "production" {
  description = "Production posture: true keeps the vault when Terraform destroys the module while it holds recovery points; false (staging) lets Terraform delete it with them (force_destroy)."
  type        = bool
}

variable "tags" {
  description = "Tags of the vault, the plan and the role (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
