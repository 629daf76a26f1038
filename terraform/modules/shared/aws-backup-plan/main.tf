# Daily AWS Backup of a service's resources (EBS volumes, an EFS file system, ...): a vault
# encrypted with the platform's KMS key, one daily rule kept retention_days, an optional copy of
# every recovery point to a vault in another region (kept as long), and the role AWS Backup
# takes and restores with (AWS' managed service-role policies only).

data "aws_partition" "current" {}

locals {
  # AWS Backup names are limited to 50 characters, IAM role name prefixes to 38.
  vault_name     = "${substr(var.name, 0, 42)}-backups"
  plan_name      = "${substr(var.name, 0, 44)}-daily"
  selection_name = "${substr(var.name, 0, 45)}-data"
  role_prefix    = "${substr(var.name, 0, 30)}-backup-"
}

resource "aws_backup_vault" "this" {
  name          = local.vault_name
  kms_key_arn   = var.kms_key_arn
  force_destroy = !var.production
  tags          = var.tags
}

resource "aws_backup_plan" "this" {
  name = local.plan_name
  tags = var.tags

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = var.schedule
    start_window      = 60
    completion_window = 360

    lifecycle {
      delete_after = var.retention_days
    }

    dynamic "copy_action" {
      for_each = var.copy_vault_arn == null ? [] : [var.copy_vault_arn]
      content {
        destination_vault_arn = copy_action.value
        lifecycle {
          delete_after = var.retention_days
        }
      }
    }
  }
}

data "aws_iam_policy_document" "assume_backup" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name_prefix        = local.role_prefix
  description        = var.role_description
  assume_role_policy = data.aws_iam_policy_document.assume_backup.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset(["AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores"])

  role       = aws_iam_role.backup.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/${each.key}"
}

resource "aws_backup_selection" "this" {
  name         = local.selection_name
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = var.resources
}
