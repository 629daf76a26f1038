# What every terraform/modules/<service>/aws module takes alike: name, network, kms_key_arn (typed
# here, validated by terraform/modules/shared/aws-service-interface), tags and production; then
# this service's object and its secrets.

variable "name" {
  description = "Prefix of every resource name, \"<project>-<environment>\" (3-40 lowercase letters, digits and dashes): the instance is <name>-postgres."
  type        = string
}

variable "network" {
  description = "The VPC and at least two private subnets (no route to the internet, distinct availability zones) of the instance (network module outputs vpc_id, private_subnet_ids), and who may connect to PostgreSQL on postgres.port only: allowed_security_group_ids, allowed_cidr_blocks (IPv4, never a /0). Empty lists: nobody may."
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
  description = "Production posture: true makes the instance Multi-AZ and turns on deletion protection; false (staging) runs it in one availability zone and lets Terraform destroy it. A final snapshot <name>-postgres-final is taken either way. No default, as in every module of the common interface: the environment decides."
  type        = bool
}

variable "postgres" {
  description = "RDS for PostgreSQL settings. Defaults are the design document's production sizing (8 GB+ memory, 4+ CPU: db.m7g.xlarge, 4 vCPU / 16 GiB) and its backup policy (7 days, backups 03:00-04:00 UTC, maintenance Sunday 04:00-05:00 UTC)."
  type = object({
    engine_version                    = optional(string, "17")
    instance_class                    = optional(string, "db.m7g.xlarge")
    allocated_storage_gb              = optional(number, 100)
    max_allocated_storage_gb          = optional(number, 500)
    storage_type                      = optional(string, "gp3")
    port                              = optional(number, 5432)
    database                          = optional(string, "app")
    admin_user                        = optional(string, "postgres")
    backup_retention_days             = optional(number, 7)
    backup_window                     = optional(string, "03:00-04:00")
    maintenance_window                = optional(string, "sun:04:00-sun:05:00")
    iam_auth                          = optional(bool, true)
    performance_insights_days         = optional(number, 7)
    monitoring_interval               = optional(number, 60)
    ca_cert_identifier                = optional(string, "rds-ca-rsa2048-g1")
    backup_replication_enabled        = optional(bool, false)
    backup_replication_retention_days = optional(number, 7)
    log_retention_days                = optional(number, 365)
    apply_immediately                 = optional(bool, false)
  })
  default = {}

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?$", var.postgres.engine_version)) && try(tonumber(split(".", var.postgres.engine_version)[0]) >= 17, false)
    error_message = "postgres.engine_version must be a PostgreSQL version of 17 or later, major (\"17\") or major.minor (\"17.5\"); the parameter group family follows the major version."
  }

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.postgres.instance_class))
    error_message = "postgres.instance_class must be an RDS instance class such as db.m7g.xlarge or db.t4g.medium."
  }

  validation {
    condition     = var.postgres.allocated_storage_gb >= 20 && var.postgres.allocated_storage_gb <= 65536 && (var.postgres.max_allocated_storage_gb == 0 || var.postgres.max_allocated_storage_gb >= var.postgres.allocated_storage_gb)
    error_message = "postgres.allocated_storage_gb must be 20-65536 GiB, and postgres.max_allocated_storage_gb 0 (no storage autoscaling) or at least allocated_storage_gb."
  }

  validation {
    condition     = contains(["gp3", "io1", "io2"], var.postgres.storage_type)
    error_message = "postgres.storage_type must be gp3, io1 or io2."
  }

  validation {
    condition     = floor(var.postgres.port) == var.postgres.port && var.postgres.port >= 1150 && var.postgres.port <= 65535
    error_message = "postgres.port must be an integer from 1150 to 65535 (RDS' allowed range)."
  }

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.postgres.database)) && !contains(["postgres", "template0", "template1", "rdsadmin"], var.postgres.database)
    error_message = "postgres.database must be a lowercase SQL identifier (letters, digits, underscores; at most 63) other than postgres, template0, template1 and rdsadmin."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,15}$", var.postgres.admin_user)) && !contains(["rdsadmin", "admin", "public"], var.postgres.admin_user)
    error_message = "postgres.admin_user must be 1-16 lowercase letters and digits starting with a letter (RDS' rule for the master user) and not rdsadmin, admin or public."
  }

  validation {
    condition     = floor(var.postgres.backup_retention_days) == var.postgres.backup_retention_days && var.postgres.backup_retention_days >= 1 && var.postgres.backup_retention_days <= 35
    error_message = "postgres.backup_retention_days must be an integer from 1 to 35 (0 would turn automated backups and point-in-time recovery off)."
  }

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.postgres.backup_window))
    error_message = "postgres.backup_window must be hh24:mi-hh24:mi in UTC, at least 30 minutes, e.g. 03:00-04:00."
  }

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.postgres.maintenance_window))
    error_message = "postgres.maintenance_window must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:04:00-sun:05:00."
  }

  validation {
    condition     = contains([7, 31, 62, 93, 124, 155, 186, 217, 248, 279, 310, 341, 372, 403, 434, 465, 496, 527, 558, 589, 620, 651, 682, 713, 731], var.postgres.performance_insights_days)
    error_message = "postgres.performance_insights_days must be 7 (free tier), a multiple of 31 up to 713, or 731."
  }

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.postgres.monitoring_interval)
    error_message = "postgres.monitoring_interval must be 0 (Enhanced Monitoring off), 1, 5, 10, 15, 30 or 60 seconds."
  }

  validation {
    condition     = can(regex("^rds-ca-[a-z0-9-]+$", var.postgres.ca_cert_identifier))
    error_message = "postgres.ca_cert_identifier must be an RDS certificate authority such as rds-ca-rsa2048-g1 or rds-ca-ecc384-g1."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.postgres.log_retention_days)
    error_message = "postgres.log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }

  validation {
    condition     = floor(var.postgres.backup_replication_retention_days) == var.postgres.backup_replication_retention_days && var.postgres.backup_replication_retention_days >= 1 && var.postgres.backup_replication_retention_days <= 35
    error_message = "postgres.backup_replication_retention_days must be an integer from 1 to 35."
  }
}

variable "postgres_admin_password" {
  description = "Password of the RDS master user (postgres.admin_user). Generated by Ansible's secrets role and passed in a 0600 var-file; it is also in the Terraform state (which the S3 backend keeps encrypted): RDS needs it at creation and the roles need it to connect."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.postgres_admin_password))
    error_message = "postgres_admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (RDS refuses / \" @ and spaces)."
  }
}
