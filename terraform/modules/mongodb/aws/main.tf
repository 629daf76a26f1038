locals {
  id = "${var.name}-mongodb"
}

# name, network and kms_key_arn: validated by the rules every service module shares.
module "interface" {
  source = "../../shared/aws-service-interface"

  name        = var.name
  network     = var.network
  kms_key_arn = var.kms_key_arn
}

# ---------------------------------------------------------------------------------------------
# Network: private subnets only, one security group reachable on the DocumentDB port only
# ---------------------------------------------------------------------------------------------

resource "aws_docdb_subnet_group" "this" {
  name        = local.id
  description = "Private subnets of ${local.id}"
  subnet_ids  = var.network.subnet_ids

  tags = var.tags
}

# No egress rule: the instances only answer on accepted connections (stateful).
module "security_group" {
  source = "../../shared/aws-security-group"

  name             = local.id
  description      = "DocumentDB ${local.id}: port ${var.mongodb.port} from the allowed security groups and CIDRs only"
  network          = var.network
  ports            = [var.mongodb.port]
  rule_description = "DocumentDB"
  tags             = var.tags
}

# ---------------------------------------------------------------------------------------------
# Parameters: TLS enforced by the server, audit and profiler logs on, TTL indexes active
# ---------------------------------------------------------------------------------------------

resource "aws_docdb_cluster_parameter_group" "this" {
  name_prefix = "${local.id}-docdb50-"
  family      = "docdb5.0"
  description = "${local.id}: TLS only, audit and profiler logs"

  parameter {
    name  = "tls"
    value = "enabled"
  }

  # Exports need the logs switched on in the engine as well (enabled_cloudwatch_logs_exports).
  parameter {
    name  = "audit_logs"
    value = "enabled"
  }

  parameter {
    name  = "profiler"
    value = "enabled"
  }

  parameter {
    name  = "profiler_threshold_ms"
    value = tostring(var.mongodb.profiler_threshold_ms)
  }

  # The mongodb role's sessions collection expires through a TTL index.
  parameter {
    name  = "ttl_monitor"
    value = "enabled"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# Created here (not by DocumentDB on first export) so that they are encrypted and expire.
resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(["audit", "profiler"])

  name              = "/aws/docdb/${local.id}/${each.key}"
  retention_in_days = var.mongodb.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# Cluster and instances
# ---------------------------------------------------------------------------------------------

resource "aws_docdb_cluster" "this" {
  cluster_identifier = local.id
  engine             = "docdb"
  engine_version     = var.mongodb.engine_version
  port               = var.mongodb.port

  # From Ansible's secrets role, like locally: the mongodb role logs in with it to create the
  # application user, collections and indexes.
  master_username = var.mongodb.admin_user
  master_password = var.mongodb_admin_password

  db_subnet_group_name            = aws_docdb_subnet_group.this.name
  vpc_security_group_ids          = [module.security_group.id]
  db_cluster_parameter_group_name = aws_docdb_cluster_parameter_group.this.name

  storage_encrypted = true
  kms_key_id        = var.kms_key_arn
  storage_type      = var.mongodb.storage_type

  backup_retention_period      = var.mongodb.backup_retention_days
  preferred_backup_window      = var.mongodb.backup_window
  preferred_maintenance_window = var.mongodb.maintenance_window

  deletion_protection       = var.production
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.id}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"

  enabled_cloudwatch_logs_exports = ["audit", "profiler"]
  apply_immediately               = var.mongodb.apply_immediately

  tags = merge(var.tags, { Name = local.id })

  depends_on = [aws_cloudwatch_log_group.this]

  # The final snapshot's name carries the time the resource was created (kept: ignore_changes),
  # so a later instance of the same name, destroyed in its turn, does not collide with it.
  lifecycle {
    ignore_changes = [final_snapshot_identifier]
  }
}

resource "aws_docdb_cluster_instance" "this" {
  count = var.mongodb.instance_count

  identifier         = "${local.id}-${count.index + 1}"
  cluster_identifier = aws_docdb_cluster.this.id
  instance_class     = var.mongodb.instance_class
  ca_cert_identifier = var.mongodb.ca_cert_identifier

  auto_minor_version_upgrade   = true
  preferred_maintenance_window = var.mongodb.maintenance_window
  apply_immediately            = var.mongodb.apply_immediately

  enable_performance_insights     = true
  performance_insights_kms_key_id = var.kms_key_arn

  tags = merge(var.tags, { Name = "${local.id}-${count.index + 1}" })
}
