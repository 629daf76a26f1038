locals {
  id = "${var.name}-redis"

  # The application user's ACL, built exactly as roles/redis/tasks/init.yml builds it locally
  # (on, keys and channels confined to the prefix, then the command rules), so that the app
  # user may do the same things on both environments.
  app_access_string = join(" ", concat(
    ["on", "~${var.redis.app_key_prefix}*", "&${var.redis.app_key_prefix}*"],
    var.redis.app_command_rules,
  ))
}

# name, network and kms_key_arn: validated by the rules every service module shares.
module "interface" {
  source = "../../shared/aws-service-interface"

  name        = var.name
  network     = var.network
  kms_key_arn = var.kms_key_arn
}

# ---------------------------------------------------------------------------------------------
# Network: private subnets only, one security group reachable on the Redis port only
# ---------------------------------------------------------------------------------------------

resource "aws_elasticache_subnet_group" "this" {
  name        = local.id
  description = "Private subnets of ${local.id}"
  subnet_ids  = var.network.subnet_ids

  tags = var.tags
}

# No egress rule: the nodes answer on accepted connections (stateful) and replicate among
# themselves over AWS' own network.
module "security_group" {
  source = "../../shared/aws-security-group"

  name             = local.id
  description      = "Redis ${local.id}: port ${var.redis.port} from the allowed security groups and CIDRs only"
  network          = var.network
  ports            = [var.redis.port]
  rule_description = "Redis"
  tags             = var.tags
}

resource "aws_elasticache_parameter_group" "this" {
  name        = "${local.id}-redis7"
  family      = "redis7"
  description = "${local.id}: eviction policy as in the local environment"

  parameter {
    name  = "maxmemory-policy"
    value = var.redis.maxmemory_policy
  }

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# RBAC: ElastiCache has no ACL SETUSER, so the users the role manages locally are made here.
# Every user group must hold a user named "default"; ours is switched off, so a client that
# does not authenticate gets nothing.
# ---------------------------------------------------------------------------------------------

resource "aws_elasticache_user" "default" {
  user_id       = "${local.id}-default"
  user_name     = "default"
  engine        = "redis"
  access_string = "off -@all"

  # "off" refuses every login whatever the authentication mode; no password to keep.
  authentication_mode {
    type = "no-password-required"
  }

  tags = var.tags
}

resource "aws_elasticache_user" "admin" {
  user_id       = "${local.id}-admin"
  user_name     = var.redis.admin_user
  engine        = "redis"
  access_string = "on ~* &* +@all"

  authentication_mode {
    type      = "password"
    passwords = [var.redis_admin_password]
  }

  tags = var.tags
}

resource "aws_elasticache_user" "app" {
  user_id       = "${local.id}-app"
  user_name     = var.redis.app_user
  engine        = "redis"
  access_string = local.app_access_string

  authentication_mode {
    type      = "password"
    passwords = [var.redis_app_password]
  }

  tags = var.tags
}

resource "aws_elasticache_user_group" "this" {
  user_group_id = local.id
  engine        = "redis"
  user_ids = [
    aws_elasticache_user.default.user_id,
    aws_elasticache_user.admin.user_id,
    aws_elasticache_user.app.user_id,
  ]

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Logs: slow log and engine log to CloudWatch Logs, encrypted with the key
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(["slow-log", "engine-log"])

  name              = "/aws/elasticache/${local.id}/${each.key}"
  retention_in_days = var.redis.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# The replication group (cluster mode disabled: one shard, a primary and its replicas; the
# roles and the application speak plain Redis, not Redis Cluster)
# ---------------------------------------------------------------------------------------------

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = local.id
  description          = "Redis of ${var.name}"

  # Redis OSS rather than Valkey: the local environment runs Redis, and the roles and the
  # application are tested against it. Valkey (engine = "valkey", cheaper) is a drop-in
  # later, with its own parameter group family.
  engine               = "redis"
  engine_version       = var.redis.engine_version
  node_type            = var.redis.node_type
  num_cache_clusters   = var.redis.num_cache_clusters
  port                 = var.redis.port
  parameter_group_name = aws_elasticache_parameter_group.this.name

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [module.security_group.id]

  automatic_failover_enabled = var.production
  multi_az_enabled           = var.production

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  user_group_ids             = [aws_elasticache_user_group.this.user_group_id]

  snapshot_retention_limit  = var.redis.snapshot_retention_days
  snapshot_window           = var.redis.snapshot_window
  maintenance_window        = var.redis.maintenance_window
  final_snapshot_identifier = "${local.id}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"

  auto_minor_version_upgrade = true
  apply_immediately          = var.redis.apply_immediately

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.this["slow-log"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.this["engine-log"].name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "engine-log"
  }

  tags = merge(var.tags, { Name = local.id })

  # The final snapshot's name carries the time the resource was created (kept: ignore_changes),
  # so a later instance of the same name, destroyed in its turn, does not collide with it.
  lifecycle {
    ignore_changes = [final_snapshot_identifier]

    precondition {
      condition     = length(local.id) <= 40
      error_message = "The replication group ID \"${local.id}\" (<name>-redis) exceeds ElastiCache's 40 characters: shorten name (project and environment)."
    }
  }
}
