variable "name" {
  description = "Prefix of every resource name, e.g. \"<project>-<environment>\": lowercase letters, digits and dashes, 3 to 40 characters, starting with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 to /24. Each availability zone gets one private subnet of 1/16 of it (a /20 of a /16)."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/(1[6-9]|2[0-4])$", var.vpc_cidr)) && can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16."
  }
}

variable "az_count" {
  description = "Number of availability zones (one private subnet each): 2 to 6. Multi-AZ databases need at least 2; the ScyllaDB cluster wants 3 (one node per zone)."
  type        = number
  default     = 3

  validation {
    condition     = floor(var.az_count) == var.az_count && var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be an integer from 2 to 6."
  }
}

variable "interface_endpoints" {
  description = "AWS services reached through interface VPC endpoints (private DNS on), by the short name in com.amazonaws.<region>.<name>. The subnets have no route to the internet, so every AWS API a workload calls needs one. Defaults: secretsmanager (API keys and passwords the roles and the Weaviate tasks read), kms (decrypting them and the data keys), sts (credentials of roles assumed by the controller and the tasks), logs (CloudWatch Logs of ECS tasks and agents), ecr.api and ecr.dkr (Fargate pulls images from ECR; the layers come through the S3 gateway endpoint). Each costs about 0.01 USD per hour per availability zone."
  type        = list(string)
  default     = ["secretsmanager", "kms", "sts", "logs", "ecr.api", "ecr.dkr"]

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]{1,62}$", s))]) && length(var.interface_endpoints) == length(distinct(var.interface_endpoints))
    error_message = "interface_endpoints must be distinct service short names such as \"secretsmanager\" or \"ecr.api\" (lowercase letters, digits, dots and dashes)."
  }

  validation {
    condition     = contains(var.interface_endpoints, "secretsmanager") && contains(var.interface_endpoints, "kms")
    error_message = "interface_endpoints must include \"secretsmanager\" and \"kms\": the roles read secrets and decrypt them without internet access."
  }
}

variable "flow_log_retention_days" {
  description = "Days CloudWatch Logs keeps the VPC flow logs; one of the values CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653). At least 365 is what most audit baselines ask for."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period, in days (7 to 30), between scheduling the deletion of the KMS key and its deletion. Everything at rest is encrypted with this key: a deleted key makes every backup unreadable."
  type        = number
  default     = 30

  validation {
    condition     = floor(var.kms_deletion_window_days) == var.kms_deletion_window_days && var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be an integer from 7 to 30."
  }
}

variable "tags" {
  description = "Tags added to every resource of this module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
