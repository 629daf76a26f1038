# What every terraform/modules/<service>/aws module takes alike: name, network, kms_key_arn (typed
# here, validated by terraform/modules/shared/aws-service-interface), tags and production; then
# this service's object and its secrets.

variable "name" {
  description = "Prefix of every resource name, \"<project>-<environment>\" (3-40 lowercase letters, digits and dashes): the cluster is <name>-mongodb."
  type        = string
}

variable "network" {
  description = "The VPC and at least two private subnets (no route to the internet, distinct availability zones) of the cluster (network module outputs vpc_id, private_subnet_ids), and who may connect to DocumentDB on mongodb.port only: allowed_security_group_ids, allowed_cidr_blocks (IPv4, never a /0). Empty lists: nobody may."
  type = object({
    vpc_id                     = string
    subnet_ids                 = list(string)
    allowed_security_group_ids = optional(list(string), [])
    allowed_cidr_blocks        = optional(list(string), [])
  })
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the storage, snapshots, logs and Performance Insights data (network module output kms_key_arn)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of this module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "production" {
  description = "Production posture: true turns on deletion protection and needs at least two instances (mongodb.instance_count, a replica in another availability zone); false (staging) allows one instance and lets Terraform destroy the cluster. A final snapshot <name>-mongodb-final is taken either way. No default, as in every module of the common interface: the environment decides."
  type        = bool
}

variable "mongodb" {
  description = "Amazon DocumentDB (MongoDB-compatible) settings. Defaults are the design document's production sizing (16 GB+ memory, 8+ CPU: db.r6g.2xlarge, 8 vCPU / 64 GiB, the smallest DocumentDB class with 8 vCPU) with two instances (primary + replica in another availability zone) and 7-day backups in the design's windows."
  type = object({
    engine_version        = optional(string, "5.0.0")
    instance_class        = optional(string, "db.r6g.2xlarge")
    instance_count        = optional(number, 2)
    storage_type          = optional(string, "standard")
    port                  = optional(number, 27017)
    database              = optional(string, "app")
    admin_user            = optional(string, "platformadmin")
    backup_retention_days = optional(number, 7)
    backup_window         = optional(string, "03:00-04:00")
    maintenance_window    = optional(string, "sun:04:00-sun:05:00")
    profiler_threshold_ms = optional(number, 100)
    ca_cert_identifier    = optional(string, "rds-ca-rsa2048-g1")
    log_retention_days    = optional(number, 365)
    apply_immediately     = optional(bool, false)
  })
  default = {}

  validation {
    condition     = can(regex("^5\\.0\\.[0-9]+$", var.mongodb.engine_version))
    error_message = "mongodb.engine_version must be a DocumentDB 5.0 version such as 5.0.0 (the cluster parameter group family is docdb5.0)."
  }

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.mongodb.instance_class))
    error_message = "mongodb.instance_class must be a DocumentDB instance class such as db.r6g.2xlarge or db.t4g.medium."
  }

  validation {
    condition     = floor(var.mongodb.instance_count) == var.mongodb.instance_count && var.mongodb.instance_count >= 1 && var.mongodb.instance_count <= 16
    error_message = "mongodb.instance_count must be an integer from 1 to 16 (one primary, up to 15 replicas)."
  }

  # Without a replica in another zone a failover means recreating the primary.
  validation {
    condition     = !var.production || var.mongodb.instance_count >= 2
    error_message = "mongodb.instance_count must be at least 2 when production is true (a replica in another availability zone to fail over to)."
  }

  validation {
    condition     = contains(["standard", "iopt1"], var.mongodb.storage_type)
    error_message = "mongodb.storage_type must be standard or iopt1 (I/O-optimized)."
  }

  validation {
    condition     = floor(var.mongodb.port) == var.mongodb.port && var.mongodb.port >= 1150 && var.mongodb.port <= 65535
    error_message = "mongodb.port must be an integer from 1150 to 65535."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,63}$", var.mongodb.database)) && !contains(["admin", "local", "config"], var.mongodb.database)
    error_message = "mongodb.database must be 1-63 of A-Z a-z 0-9 _ - and not admin, local or config."
  }

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9]{0,62}$", var.mongodb.admin_user)) && !contains(["admin", "root", "serviceadmin"], lower(var.mongodb.admin_user))
    error_message = "mongodb.admin_user must be 1-63 letters and digits starting with a letter (DocumentDB's rule for the master user) and not admin, root or serviceadmin."
  }

  validation {
    condition     = floor(var.mongodb.backup_retention_days) == var.mongodb.backup_retention_days && var.mongodb.backup_retention_days >= 1 && var.mongodb.backup_retention_days <= 35
    error_message = "mongodb.backup_retention_days must be an integer from 1 to 35."
  }

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.mongodb.backup_window))
    error_message = "mongodb.backup_window must be hh24:mi-hh24:mi in UTC, at least 30 minutes, e.g. 03:00-04:00."
  }

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.mongodb.maintenance_window))
    error_message = "mongodb.maintenance_window must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:04:00-sun:05:00."
  }

  validation {
    condition     = floor(var.mongodb.profiler_threshold_ms) == var.mongodb.profiler_threshold_ms && var.mongodb.profiler_threshold_ms >= 50 && var.mongodb.profiler_threshold_ms <= 2147483646
    error_message = "mongodb.profiler_threshold_ms must be an integer of at least 50 (milliseconds after which an operation is profiled)."
  }

  validation {
    condition     = can(regex("^rds-ca-[a-z0-9-]+$", var.mongodb.ca_cert_identifier))
    error_message = "mongodb.ca_cert_identifier must be a certificate authority such as rds-ca-rsa2048-g1."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.mongodb.log_retention_days)
    error_message = "mongodb.log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "mongodb_admin_password" {
  description = "Password of the DocumentDB master user (mongodb.admin_user). Generated by Ansible's secrets role; also in the Terraform state, which the S3 backend keeps encrypted."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,100}$", var.mongodb_admin_password))
    error_message = "mongodb_admin_password must be 16-100 characters from A-Z a-z 0-9 _ . ~ - (DocumentDB allows at most 100)."
  }
}
