# Inputs of the AWS environment. Service objects carry `enabled` (as locally) plus the settings
# of their module under terraform/modules/<service>/aws, with the same defaults: the module's
# validations apply to them. Defaults are the production sizing of the design document; the
# aws-staging inventory overrides them.

variable "project_name" {
  description = "Project name, first part of every resource name (<project>-<environment>-...) and value of the `project` tag: lowercase letters, digits and dashes, 3 to 32 characters, starting with a letter."
  type        = string
  default     = "multidb"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.project_name))
    error_message = "project_name must be 3-32 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "environment" {
  description = "Name of this instance of the AWS environment (e.g. aws, aws-staging): second part of every resource name and value of the `environment` tag. Lowercase letters, digits and dashes, 2 to 16 characters."
  type        = string
  default     = "aws"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment))
    error_message = "environment must be 2-16 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash (e.g. aws, aws-staging)."
  }

  # ElastiCache limits the replication group ID (<project>-<environment>-redis) to 40 characters.
  validation {
    condition     = length("${var.project_name}-${var.environment}") <= 34
    error_message = "project_name and environment together (<project_name>-<environment>) must be at most 34 characters: resource names such as <project>-<environment>-redis are limited to 40."
  }
}

variable "account_id" {
  description = "The AWS account this instance lives in (12 digits): the provider refuses credentials of any other account (allowed_account_ids). Empty: any account."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([0-9]{12})?$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account ID, or empty for any account."
  }
}

variable "region" {
  description = "AWS region of the environment, e.g. eu-central-1."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be an AWS region name such as us-east-1 or eu-central-1."
  }
}

variable "replica_region" {
  description = "AWS region that receives the cross-region copies of the PostgreSQL automated backups (used when postgres.backup_replication_enabled is true); must differ from region."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", var.replica_region)) && var.replica_region != var.region
    error_message = "replica_region must be an AWS region name such as us-west-2, other than region."
  }
}

variable "az_count" {
  description = "Number of availability zones, one private subnet each: 2 to 6 (3 lets ScyllaDB put one node per zone)."
  type        = number
  default     = 3

  validation {
    condition     = floor(var.az_count) == var.az_count && var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be an integer from 2 to 6."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 to /24; each availability zone gets 1/16 of it."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/(1[6-9]|2[0-4])$", var.vpc_cidr)) && can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR from /16 to /24, e.g. 10.42.0.0/16."
  }
}

variable "interface_endpoints" {
  description = "AWS APIs reached through interface VPC endpoints (short names of com.amazonaws.<region>.<name>); the subnets have no internet route. secretsmanager and kms are required; ssm, ssmmessages and ec2messages while ScyllaDB's nodes are reached through Session Manager (scylla.ssm_access); see terraform/modules/network/aws for why the others are there."
  type        = list(string)
  default     = ["secretsmanager", "kms", "sts", "logs", "ecr.api", "ecr.dkr", "ssm", "ssmmessages", "ec2messages"]

  validation {
    condition     = contains(var.interface_endpoints, "secretsmanager") && contains(var.interface_endpoints, "kms")
    error_message = "interface_endpoints must include \"secretsmanager\" and \"kms\"."
  }

  # Without them the SSM agent of a node in a private subnet never registers: no operator shell.
  validation {
    condition     = !(var.scylla.enabled && var.scylla.ssm_access) || alltrue([for e in ["ssm", "ssmmessages", "ec2messages"] : contains(var.interface_endpoints, e)])
    error_message = "interface_endpoints must include \"ssm\", \"ssmmessages\" and \"ec2messages\" while scylla.ssm_access is true (the nodes' SSM agent has no other way out of the private subnets)."
  }
}

variable "flow_log_retention_days" {
  description = "Days CloudWatch Logs keeps the VPC flow logs (one of CloudWatch's retention values; 365 by default)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (of the application, the Ansible controller, a bastion) whose members may connect to every service, each on its own port only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "allowed_security_group_ids must hold security group IDs such as sg-0123456789abcdef0."
  }
}

variable "allowed_cidr_blocks" {
  description = "IPv4 CIDRs (VPN, peered VPC, controller subnet) that may connect to every service, each on its own port only. Never 0.0.0.0/0 or any other /0."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_cidr_blocks : can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/(\\d|[12]\\d|3[0-2])$", c)) && can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "allowed_cidr_blocks must hold IPv4 CIDRs such as 10.0.0.0/16; 0.0.0.0/0 (or any /0) is refused: no service is ever open to the internet."
  }
}

variable "production" {
  description = "Production posture of every service: Multi-AZ / automatic failover, deletion protection, final snapshots kept, buckets not force-destroyed, the design's production sizing enforced where a module checks it. false for staging."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags on every resource (added to project, environment and managed-by)."
  type        = map(string)
  default     = {}
}

variable "postgres" {
  description = "PostgreSQL on RDS (terraform/modules/postgres/aws). Defaults: PostgreSQL 17 on db.m7g.xlarge (4 vCPU / 16 GiB, the design's 8 GB+ / 4+ CPU), 100-500 GiB gp3, backups kept 7 days (03:00-04:00 UTC), maintenance sun:04:00-sun:05:00 UTC."
  type = object({
    enabled                           = optional(bool, true)
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
}

variable "redis" {
  description = "Redis on ElastiCache (terraform/modules/redis/aws). Defaults: Redis OSS 7.1 on cache.m7g.large (2 vCPU / 6.38 GiB, the design's 2 GB+ / 2+ CPU), primary + replica, the local ACL for the app user, snapshots kept 7 days."
  type = object({
    enabled                 = optional(bool, true)
    engine_version          = optional(string, "7.1")
    node_type               = optional(string, "cache.m7g.large")
    num_cache_clusters      = optional(number, 2)
    port                    = optional(number, 6379)
    maxmemory_policy        = optional(string, "noeviction")
    admin_user              = optional(string, "platform_admin")
    app_user                = optional(string, "app")
    app_key_prefix          = optional(string, "app:")
    app_command_rules       = optional(list(string), ["+@all", "-@dangerous", "-@admin", "-script|flush", "-script|kill", "-function"])
    snapshot_retention_days = optional(number, 7)
    snapshot_window         = optional(string, "03:00-04:00")
    maintenance_window      = optional(string, "sun:04:00-sun:05:00")
    log_retention_days      = optional(number, 365)
    apply_immediately       = optional(bool, false)
  })
  default = {}
}

variable "mongodb" {
  description = "MongoDB API on Amazon DocumentDB (terraform/modules/mongodb/aws). Defaults: DocumentDB 5.0 on db.r6g.2xlarge (8 vCPU / 64 GiB, the design's 16 GB+ / 8+ CPU), two instances, backups kept 7 days."
  type = object({
    enabled               = optional(bool, true)
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
}

variable "objectstore" {
  description = "Object storage on S3 (terraform/modules/objectstore/aws): buckets documents and backups. Defaults: backups expire after 7 days (older versions too), older document versions after 90, access logs kept 365 days, an S3 interface endpoint for clients outside the VPC, application access only from the VPC."
  type = object({
    enabled                      = optional(bool, true)
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
}

variable "scylla" {
  description = "ScyllaDB on EC2 (terraform/modules/scylla/aws, whose `scylla` variable documents every attribute). `ami` has no default: the ScyllaDB machine image of the region must be given when enabled. Defaults: 3 nodes of m7i.2xlarge (8 vCPU / 32 GiB, the design's per-node minimum)."
  type = object({
    enabled                = optional(bool, true)
    ami                    = optional(string)
    node_count             = optional(number, 3)
    instance_type          = optional(string, "m7i.2xlarge")
    root_volume_size_gb    = optional(number, 30)
    data_volume_size_gb    = optional(number, 500)
    data_volume_type       = optional(string, "gp3")
    data_volume_iops       = optional(number, 3000)
    data_volume_throughput = optional(number, 250)
    keyspace               = optional(string, "app")
    admin_user             = optional(string, "platform_admin")
    cluster_name           = optional(string)
    ssm_access             = optional(bool, true)
    tls_secret_arn         = optional(string)
    backup_retention_days  = optional(number, 7)
    backup_schedule        = optional(string, "cron(0 3 * * ? *)")
    backup_copy_vault_arn  = optional(string)
  })
  default = {}
}

variable "weaviate" {
  description = "Weaviate on ECS Fargate behind an internal load balancer with TLS (terraform/modules/weaviate/aws, whose `weaviate` variable documents every attribute). `certificate_arn` (ACM) must be given when enabled."
  type = object({
    enabled                = optional(bool, true)
    image                  = optional(string, "cr.weaviate.io/semitechnologies/weaviate:1.38.11")
    cpus                   = optional(number, 1)
    memory_mb              = optional(number, 4096)
    port                   = optional(number, 443)
    grpc_port              = optional(number, 50051)
    certificate_arn        = optional(string, "")
    hostname               = optional(string)
    route53_zone_id        = optional(string)
    ca_bundle              = optional(string, "system")
    access_logs_bucket     = optional(string)
    image_pull_cidr_blocks = optional(list(string), [])
    admin_user             = optional(string, "admin")
    app_user               = optional(string, "app")
  })
  default = {}
}

# Secrets: generated by Ansible's secrets role and handed over in a 0600 var-file (never -var,
# never TF_VAR_ in a process environment), named as the platform's secrets. PostgreSQL's and
# Redis' admin passwords are required as locally; the others may be null while their service is
# off, and the service's module refuses null or a weak value when it is on.

variable "postgres_admin_password" {
  description = "Password of the RDS master user (postgres.admin_user). Generated by Ansible."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.postgres_admin_password))
    error_message = "postgres_admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (safe in connection strings)."
  }
}

variable "redis_admin_password" {
  description = "Password of the administrative ElastiCache RBAC user (redis.admin_user). Generated by Ansible."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.redis_admin_password))
    error_message = "redis_admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (safe in connection strings)."
  }
}

variable "redis_app_password" {
  description = "Password of the application ElastiCache RBAC user (redis.app_user). Generated by Ansible; on AWS Terraform creates the user (ElastiCache has no ACL SETUSER)."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.redis_app_password == null || can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.redis_app_password))
    error_message = "redis_app_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (safe in connection strings)."
  }
}

variable "mongodb_admin_password" {
  description = "Password of the DocumentDB master user (mongodb.admin_user). Generated by Ansible."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.mongodb_admin_password == null || can(regex("^[A-Za-z0-9_.~-]{16,100}$", var.mongodb_admin_password))
    error_message = "mongodb_admin_password must be 16-100 characters from A-Z a-z 0-9 _ . ~ - (DocumentDB allows at most 100)."
  }
}

variable "scylla_admin_password" {
  description = "Password of the ScyllaDB superuser role (scylla.admin_user). Generated by Ansible; the scylla module keeps it in Secrets Manager for the nodes' first boot."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.scylla_admin_password == null || can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.scylla_admin_password))
    error_message = "scylla_admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}

variable "weaviate_admin_api_key" {
  description = "API key of Weaviate's admin (RBAC root) user. Generated by Ansible; the weaviate module keeps it in Secrets Manager for the tasks."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.weaviate_admin_api_key == null || can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.weaviate_admin_api_key))
    error_message = "weaviate_admin_api_key must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}

variable "weaviate_app_api_key" {
  description = "API key of Weaviate's application user. Generated by Ansible."
  type        = string
  sensitive   = true
  default     = null

  validation {
    condition     = var.weaviate_app_api_key == null || can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.weaviate_app_api_key))
    error_message = "weaviate_app_api_key must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}
