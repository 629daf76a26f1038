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
    # No TLS locally for this service (the local switch multidb_tls covers PostgreSQL,
    # Redis and MongoDB): the contract's keys, with plaintext.
    tls        = false
    ca_bundle  = null
    node_count = var.node_count
    nodes      = local.nodes
  }
}
