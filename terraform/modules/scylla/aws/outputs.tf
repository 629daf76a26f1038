locals {
  # The local twin's per-node keys, with their AWS meaning.
  nodes = [for i in range(var.scylla.node_count) : {
    index = i + 1
    name  = "node${i + 1}"
    # The node's private DNS name in the VPC (resolvable with the VPC's DNS support).
    hostname = aws_network_interface.node[i].private_dns_name
    # No container: the EC2 instance running the node.
    container = aws_instance.node[i].id
    # The node's EBS data volume.
    volume  = aws_ebs_volume.data[i].id
    port    = local.cql_port
    address = aws_network_interface.node[i].private_ip
  }]
}

output "service" {
  description = "Endpoint of this service for the environment's `services` output (node1's; every node is listed in `nodes`), with the same keys as the local twin plus tls and ca_bundle. Holds no secrets."
  value = {
    engine = "scylla"
    # node1's private address; every node serves CQL (TLS) on port 9042 at its own `address`.
    host     = local.nodes[0].address
    port     = local.cql_port
    database = var.scylla.keyspace
    username = var.scylla.admin_user
    # No container on AWS: node1's EC2 instance ID (nothing to `docker exec` into; the scylla
    # role reads the cluster's state over CQL, and ScyllaDB >= 6.0 needs no system_auth repair).
    container = local.nodes[0].container
    # node1's EBS data volume.
    volume = local.nodes[0].volume
    # The machine image the nodes were launched from (the AMI, where local names a Docker image).
    image      = var.scylla.ami
    node_count = var.scylla.node_count
    nodes      = local.nodes
    # CQL accepts TLS only. The CA to trust: the PEM under the key "ca" of this Secrets Manager
    # secret (the CA that signed the nodes' certificate).
    tls       = true
    ca_bundle = "secretsmanager:${local.tls_secret_arn}#ca"
  }
}

output "security_group_id" {
  description = "Security group of the nodes (CQL 9042 from the allowed groups and CIDRs, inter-node ports between the nodes)."
  value       = module.security_group.id
}

output "tls_secret_arn" {
  description = "Secrets Manager secret the nodes read their TLS bundle from at first boot: JSON {ca, certificate, private_key} (PEM), one certificate whose subject alternative names cover every node's `address` and `hostname`. Put it after apply; the nodes start once it is there."
  value       = local.tls_secret_arn
}

output "admin_password_secret_arn" {
  description = "Secrets Manager secret holding the superuser's password (KMS-encrypted)."
  value       = aws_secretsmanager_secret.admin.arn
}
