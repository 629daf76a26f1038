output "service" {
  description = "Endpoint of this service for the environment's `services` output: the keys of the local twin (terraform/modules/postgres/local) plus `tls` and `ca_bundle`. No secrets."
  value = {
    engine   = "postgres"
    host     = aws_db_instance.this.address
    port     = aws_db_instance.this.port
    database = var.postgres.database
    username = var.postgres.admin_user
    # A managed instance has no container and no named volume (its storage is the instance's
    # encrypted EBS volume); "" keeps the contract's keys without inventing a meaning.
    container = ""
    volume    = ""
    # What runs, in the place of an image reference: engine and version as RDS reports them.
    image = "rds:postgres:${aws_db_instance.this.engine_version_actual}"
    # rds.force_ssl = 1: clients connect with sslmode=verify-full against the RDS CA bundle
    # (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem).
    tls       = true
    ca_bundle = "rds-global-bundle"
  }
}

output "security_group_id" {
  description = "ID of the security group of the instance (ingress on the PostgreSQL port from the allowed security groups and CIDRs only, no egress)."
  value       = module.security_group.id
}

output "instance_arn" {
  description = "ARN of the RDS instance."
  value       = aws_db_instance.this.arn
}

output "instance_identifier" {
  description = "Identifier of the RDS instance (final snapshot: <identifier>-final)."
  value       = aws_db_instance.this.identifier
}

output "backup_replication_arn" {
  description = "ARN of the cross-region automated backups (null when postgres.backup_replication_enabled is false)."
  value       = var.postgres.backup_replication_enabled ? aws_db_instance_automated_backups_replication.this[0].id : null
}
