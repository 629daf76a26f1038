data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  identifier = "${var.name}-postgres"
  major      = split(".", var.postgres.engine_version)[0]
  partition  = data.aws_partition.current.partition
}

# name, network and kms_key_arn: validated by the rules every service module shares.
module "interface" {
  source = "../../shared/aws-service-interface"

  name        = var.name
  network     = var.network
  kms_key_arn = var.kms_key_arn
}

# ---------------------------------------------------------------------------------------------
# Network: private subnets only, one security group reachable on the PostgreSQL port only
# ---------------------------------------------------------------------------------------------

resource "aws_db_subnet_group" "this" {
  name        = local.identifier
  description = "Private subnets of ${local.identifier}"
  subnet_ids  = var.network.subnet_ids

  tags = var.tags
}

# No egress rule: RDS answers on the connections it accepts (security groups are stateful) and
# opens none of its own towards the VPC.
module "security_group" {
  source = "../../shared/aws-security-group"

  name             = local.identifier
  description      = "PostgreSQL ${local.identifier}: port ${var.postgres.port} from the allowed security groups and CIDRs only"
  network          = var.network
  ports            = [var.postgres.port]
  rule_description = "PostgreSQL"
  tags             = var.tags
}

# ---------------------------------------------------------------------------------------------
# Parameters: TLS required, SCRAM passwords, slow queries and DDL logged
# ---------------------------------------------------------------------------------------------

resource "aws_db_parameter_group" "this" {
  # The family follows the major version, so a major upgrade needs a new group first.
  name_prefix = "${local.identifier}-pg${local.major}-"
  family      = "postgres${local.major}"
  description = "${local.identifier}: TLS only, SCRAM, query logging"

  # Plaintext connections are refused by the server itself, not just unused by our clients.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "ssl_min_protocol_version"
    value = "TLSv1.2"
  }

  parameter {
    name  = "password_encryption"
    value = "scram-sha-256"
  }

  # Audit trail of schema changes and of slow statements (ms), exported to CloudWatch Logs.
  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# ---------------------------------------------------------------------------------------------
# Logs: created here (not by RDS on first export) so that they are encrypted with the key and
# expire; RDS writes into an existing group of the expected name.
# ---------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  for_each = toset(["postgresql", "upgrade"])

  name              = "/aws/rds/instance/${local.identifier}/${each.key}"
  retention_in_days = var.postgres.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

# Enhanced Monitoring (OS metrics every monitoring_interval seconds) needs a role RDS assumes.
resource "aws_iam_role" "monitoring" {
  count = var.postgres.monitoring_interval > 0 ? 1 : 0

  name        = "${local.identifier}-monitoring"
  description = "RDS Enhanced Monitoring of ${local.identifier}"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "monitoring.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.postgres.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# ---------------------------------------------------------------------------------------------
# The instance
# ---------------------------------------------------------------------------------------------

resource "aws_db_instance" "this" {
  identifier     = local.identifier
  engine         = "postgres"
  engine_version = var.postgres.engine_version
  instance_class = var.postgres.instance_class
  port           = var.postgres.port

  # The master password comes from Ansible's secrets role, like locally: the roles connect
  # with it to create the application role and the pgvector extension. With
  # manage_master_user_password RDS would keep it in Secrets Manager instead and rotate it
  # behind the roles' back. (password_wo would keep it out of the state, but needs
  # Terraform 1.11; this project supports 1.10.)
  db_name  = var.postgres.database
  username = var.postgres.admin_user
  password = var.postgres_admin_password

  allocated_storage     = var.postgres.allocated_storage_gb
  max_allocated_storage = var.postgres.max_allocated_storage_gb
  storage_type          = var.postgres.storage_type
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [module.security_group.id]
  publicly_accessible    = false
  multi_az               = var.production
  parameter_group_name   = aws_db_parameter_group.this.name
  ca_cert_identifier     = var.postgres.ca_cert_identifier

  # Allows IAM tokens as an alternative to passwords (short-lived, no secret to store for an
  # application role granted rds_iam); password logins, the roles' way in, keep working.
  iam_database_authentication_enabled = var.postgres.iam_auth

  backup_retention_period  = var.postgres.backup_retention_days
  backup_window            = var.postgres.backup_window
  maintenance_window       = var.postgres.maintenance_window
  copy_tags_to_snapshot    = true
  delete_automated_backups = false

  deletion_protection       = var.production
  skip_final_snapshot       = false
  final_snapshot_identifier = "${local.identifier}-final-${formatdate("YYYYMMDDhhmmss", timestamp())}"

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  apply_immediately           = var.postgres.apply_immediately

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = var.postgres.performance_insights_days

  monitoring_interval = var.postgres.monitoring_interval
  monitoring_role_arn = var.postgres.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  tags = merge(var.tags, { Name = local.identifier })

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy_attachment.monitoring,
  ]

  # The final snapshot's name carries the time the resource was created (kept: ignore_changes),
  # so a later instance of the same name, destroyed in its turn, does not collide with it.
  lifecycle {
    ignore_changes = [final_snapshot_identifier]
  }
}

# ---------------------------------------------------------------------------------------------
# Cross-region copies of the automated backups (snapshots and transaction logs: point-in-time
# recovery in the other region too). The copies are encrypted with a key of that region: a
# KMS key never leaves its region.
# ---------------------------------------------------------------------------------------------

data "aws_region" "replica" {
  count    = var.postgres.backup_replication_enabled ? 1 : 0
  provider = aws.replica
}

resource "aws_kms_key" "replica" {
  count    = var.postgres.backup_replication_enabled ? 1 : 0
  provider = aws.replica

  description             = "${local.identifier}: replicated automated backups"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersThroughIAM"
      Effect    = "Allow"
      Principal = { AWS = "arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })

  tags = merge(var.tags, { Name = "${local.identifier}-backup-replica" })
}

resource "aws_kms_alias" "replica" {
  count    = var.postgres.backup_replication_enabled ? 1 : 0
  provider = aws.replica

  name          = "alias/${local.identifier}-backup-replica"
  target_key_id = aws_kms_key.replica[0].key_id
}

resource "aws_db_instance_automated_backups_replication" "this" {
  count    = var.postgres.backup_replication_enabled ? 1 : 0
  provider = aws.replica

  source_db_instance_arn = aws_db_instance.this.arn
  kms_key_id             = aws_kms_key.replica[0].arn
  retention_period       = var.postgres.backup_replication_retention_days

  lifecycle {
    precondition {
      condition     = data.aws_region.replica[0].region != split(":", aws_db_instance.this.arn)[3]
      error_message = "postgres.backup_replication_enabled needs the aws.replica provider in another region than the database (it copies backups across regions)."
    }
  }
}
