output "service" {
  description = "Endpoint of this service for the environment's `services` output (node1's; every node is listed in `nodes`)."
  value = {
    engine    = "scylla"
    host      = "127.0.0.1"
    port      = local.nodes[0].port
    database  = var.keyspace
    username  = var.admin_user
    container = local.nodes[0].container
    volume    = module.node[0].volumes["data"]
    image     = var.image
    # TLS (the local switch multidb_tls): whether the nodes speak only TLS to clients, and the
    # CA certificate clients verify them with (a file of the controller's state directory).
    tls        = var.tls_dir != null
    ca_bundle  = var.tls_dir == null ? null : "${var.tls_dir}/ca.crt"
    node_count = var.node_count
    nodes      = local.nodes
  }
}
