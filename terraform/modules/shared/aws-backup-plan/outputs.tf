output "vault_arn" {
  description = "ARN of the backup vault (KMS-encrypted)."
  value       = aws_backup_vault.this.arn
}

output "plan_id" {
  description = "ID of the backup plan."
  value       = aws_backup_plan.this.id
}

output "role_arn" {
  description = "ARN of the IAM role AWS Backup backs up and restores with."
  value       = aws_iam_role.backup.arn
}
