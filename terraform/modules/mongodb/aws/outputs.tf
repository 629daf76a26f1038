output "service" {
  description = "Endpoint of this service for the environment's `services` output: the keys of the local twin (terraform/modules/mongodb/local) plus `tls` and `ca_bundle`. No secrets."
  value = {
    engine = "mongodb"
    # The cluster endpoint always points at the current primary (it follows a failover).
    host     = aws_docdb_cluster.this.endpoint
    port     = aws_docdb_cluster.this.port
    database = var.mongodb.database
    username = var.mongodb.admin_user
    # DocumentDB keeps every user in the admin database.
    auth_database = "admin"
    # A managed cluster has no container and no named volume (storage is the cluster volume).
    container = ""
    volume    = ""
    image     = "docdb:${aws_docdb_cluster.this.engine_version}"
    # Parameter tls = enabled: plaintext is refused. DocumentDB's certificates come from the
    # RDS certificate authorities (global-bundle.pem).
    tls       = true
    ca_bundle = "rds-global-bundle"
  }

  # The instances must exist before the roles connect: a cluster without one has an endpoint
  # that answers nothing.
  depends_on = [aws_docdb_cluster_instance.this]
}

output "security_group_id" {
  description = "ID of the security group of the cluster (ingress on the DocumentDB port from the allowed security groups and CIDRs only, no egress)."
  value       = module.security_group.id
}

output "reader_endpoint" {
  description = "Reader endpoint of the cluster (spreads reads over the replicas)."
  value       = aws_docdb_cluster.this.reader_endpoint
}

output "cluster_arn" {
  description = "ARN of the DocumentDB cluster."
  value       = aws_docdb_cluster.this.arn
}
