# What every terraform/modules/<service>/aws module takes alike: name, network, kms_key_arn (typed
# here, validated by terraform/modules/shared/aws-service-interface), tags and production; then
# this service's object and its secrets.

variable "name" {
  description = "Prefix of every resource name, \"<project>-<environment>\" (3-40 lowercase letters, digits and dashes): the replication group is <name>-redis (at most 40 characters)."
  type        = string
}

variable "network" {
  description = "The VPC and at least two private subnets (no route to the internet, distinct availability zones) of the nodes (network module outputs vpc_id, private_subnet_ids), and who may connect to Redis on redis.port only: allowed_security_group_ids, allowed_cidr_blocks (IPv4, never a /0). Empty lists: nobody may."
  type = object({
    vpc_id                     = string
    subnet_ids                 = list(string)
    allowed_security_group_ids = optional(list(string), [])
    allowed_cidr_blocks        = optional(list(string), [])
  })
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the data at rest, the snapshots and the logs (network module output kms_key_arn)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource of this module (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "production" {
  description = "Production posture: true turns on automatic failover and Multi-AZ (redis.num_cache_clusters must then be at least 2); false (staging) allows a single node. A final snapshot <name>-redis-final is taken on destroy either way. No default, as in every module of the common interface: the environment decides."
  type        = bool
}

variable "redis" {
  description = "ElastiCache (Redis OSS) settings. Defaults are the design document's production sizing (2 GB+ memory, 2+ CPU: cache.m7g.large, 2 vCPU / 6.38 GiB, the smallest non-burstable node that meets it) with a primary and one replica in two availability zones, and daily snapshots kept 7 days."
  type = object({
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

  validation {
    condition     = can(regex("^7\\.[0-9]+$", var.redis.engine_version))
    error_message = "redis.engine_version must be a Redis OSS 7 major.minor version such as 7.1 (the parameter group family is redis7)."
  }

  validation {
    condition     = can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.redis.node_type))
    error_message = "redis.node_type must be an ElastiCache node type such as cache.m7g.large or cache.t4g.small."
  }

  validation {
    condition     = floor(var.redis.num_cache_clusters) == var.redis.num_cache_clusters && var.redis.num_cache_clusters >= 1 && var.redis.num_cache_clusters <= 6
    error_message = "redis.num_cache_clusters (primary + replicas) must be an integer from 1 to 6."
  }

  # Multi-AZ with automatic failover needs a replica to fail over to.
  validation {
    condition     = !var.production || var.redis.num_cache_clusters >= 2
    error_message = "redis.num_cache_clusters must be at least 2 when production is true (automatic failover and Multi-AZ need a replica)."
  }

  validation {
    condition     = floor(var.redis.port) == var.redis.port && var.redis.port >= 1024 && var.redis.port <= 65535
    error_message = "redis.port must be an integer from 1024 to 65535."
  }

  validation {
    condition     = contains(["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "volatile-ttl", "allkeys-random", "volatile-random"], var.redis.maxmemory_policy)
    error_message = "redis.maxmemory_policy must be one of Redis' eviction policies (noeviction, allkeys-lru, allkeys-lfu, volatile-lru, volatile-lfu, volatile-ttl, allkeys-random, volatile-random)."
  }

  validation {
    condition     = alltrue([for u in [var.redis.admin_user, var.redis.app_user] : can(regex("^[A-Za-z][A-Za-z0-9_-]{0,39}$", u)) && u != "default"]) && var.redis.admin_user != var.redis.app_user
    error_message = "redis.admin_user and redis.app_user must differ, be 1-40 of A-Z a-z 0-9 _ - starting with a letter, and not be \"default\" (ElastiCache's default user is kept disabled)."
  }

  validation {
    condition     = length(var.redis.app_key_prefix) > 0 && !strcontains(var.redis.app_key_prefix, " ")
    error_message = "redis.app_key_prefix must be non-empty without spaces (the application user's keys and channels are confined to <prefix>*)."
  }

  validation {
    condition     = length(var.redis.app_command_rules) > 0 && alltrue([for r in var.redis.app_command_rules : can(regex("^[+-][@a-z|]+$", r))])
    error_message = "redis.app_command_rules must only hold +command / -command / +@category / -@category rules, e.g. [\"+@all\", \"-@dangerous\"]."
  }

  validation {
    condition     = floor(var.redis.snapshot_retention_days) == var.redis.snapshot_retention_days && var.redis.snapshot_retention_days >= 1 && var.redis.snapshot_retention_days <= 35
    error_message = "redis.snapshot_retention_days must be an integer from 1 to 35 (0 would turn snapshots off)."
  }

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.redis.snapshot_window))
    error_message = "redis.snapshot_window must be hh24:mi-hh24:mi in UTC, at least 60 minutes, e.g. 03:00-04:00."
  }

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.redis.maintenance_window))
    error_message = "redis.maintenance_window must be ddd:hh24:mi-ddd:hh24:mi in UTC, at least 60 minutes, e.g. sun:04:00-sun:05:00."
  }

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.redis.log_retention_days)
    error_message = "redis.log_retention_days must be one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "redis_admin_password" {
  description = "Password of the administrative RBAC user (redis.admin_user), which the roles log in as. Generated by Ansible's secrets role (the platform secret of the same name); also in the Terraform state, which the S3 backend keeps encrypted."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.redis_admin_password))
    error_message = "redis_admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (ElastiCache needs at least 16)."
  }
}

variable "redis_app_password" {
  description = "Password of the application RBAC user (redis.app_user). On ElastiCache users are made through the API, not ACL SETUSER, so Terraform creates the user the role creates locally. Generated by Ansible's secrets role (the platform secret redis_app_password, which the registry must hand to Terraform on AWS)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.redis_app_password))
    error_message = "redis_app_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (ElastiCache needs at least 16)."
  }

  validation {
    condition     = var.redis_app_password != var.redis_admin_password
    error_message = "redis_app_password must differ from redis_admin_password (redis_app_password and redis_admin_password are two secrets)."
  }
}
