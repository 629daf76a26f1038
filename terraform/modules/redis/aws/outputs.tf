output "service" {
  description = "Endpoint of this service for the environment's `services` output: the keys of the local twin (terraform/modules/redis/local) plus `tls` and `ca_bundle`. No secrets."
  value = {
    engine = "redis"
    # The primary endpoint follows a failover (a DNS name, not a node).
    host     = aws_elasticache_replication_group.this.primary_endpoint_address
    port     = aws_elasticache_replication_group.this.port
    database = "0"
    # The administrative RBAC user the roles log in as (locally the `default` user, which is
    # disabled here).
    username = var.redis.admin_user
    # ElastiCache has no ACL SETUSER: the application user is this module's RBAC user (rules
    # app_access_string); the role checks it at protocol level and makes nothing.
    user_management = "terraform"
    # A managed node group has no container and no named volume.
    container = ""
    volume    = ""
    image     = "elasticache:redis:${aws_elasticache_replication_group.this.engine_version_actual}"
    # transit_encryption_mode = required: plaintext is refused. ElastiCache's server
    # certificates chain to Amazon Trust Services' roots (in every system trust store).
    tls       = true
    ca_bundle = "amazon-trust-services"
  }
}

output "security_group_id" {
  description = "ID of the security group of the replication group (ingress on the Redis port from the allowed security groups and CIDRs only, no egress)."
  value       = module.security_group.id
}

output "reader_endpoint" {
  description = "Reader endpoint of the replication group (spreads reads over the replicas)."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "app_access_string" {
  description = "ACL of the application user, the same rules roles/redis applies locally."
  value       = local.app_access_string
}

output "replication_group_arn" {
  description = "ARN of the replication group."
  value       = aws_elasticache_replication_group.this.arn
}
