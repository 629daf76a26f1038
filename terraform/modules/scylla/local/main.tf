locals {
  name   = "${var.project_name}-scylla"
  labels = merge(var.labels, { service = "scylla" })

  # node1 .. nodeN; node1 is the seed of every node (itself included).
  nodes = [for i in range(var.node_count) : {
    index     = i + 1
    name      = "node${i + 1}"
    hostname  = "scylla-node${i + 1}"
    container = "${local.name}-node${i + 1}"
    volume    = "${local.name}-node${i + 1}-data"
    port      = var.host_port + i
    address   = cidrhost(var.subnet, 10 + i)
  }]
  seed = local.nodes[0].hostname

  # Scylla's own memory (Seastar) stays below the container limit so that the
  # rest of the process (and nodetool in the health check) fits beside it.
  server_memory_mb = floor(var.memory_mb * 2 / 3)

  # Client TLS (the local switch multidb_tls): one certificate names every node. The image's
  # entrypoint (docker-entrypoint.py) starts nothing but Scylla, so the key material is put in
  # place by a wrapper that replaces it, then runs it with the same arguments.
  tls_in_container = "/run/multidb-tls"
  client_tls = var.tls_dir == null ? [] : [
    "--client-encryption-options",
    "enabled=true,certificate=${local.tls_in_container}/server.crt,keyfile=${local.tls_in_container}/server.key",
  ]
}

resource "docker_image" "this" {
  name         = var.image
  keep_locally = true
}

# One module instance per node, all from one count: Terraform creates the nodes
# concurrently. Nodes that come up before the seed wait for it (the stand-in waits for the
# seed's name to resolve; Scylla restarts through the restart policy). Every node keeps
# its volume and its fixed address; the nodes share the image above.
module "node" {
  source = "../../shared/docker-container"
  count  = var.node_count

  name         = local.nodes[count.index].container
  hostname     = local.nodes[count.index].hostname
  image        = var.image
  manage_image = false
  image_id     = docker_image.this.image_id
  run          = var.run
  memory_mb    = var.memory_mb
  cpus         = var.cpus
  labels       = merge(local.labels, { node = local.nodes[count.index].name })
  volumes      = { data = "/var/lib/scylla" }
  ports        = [{ internal = 9042, external = local.nodes[count.index].port }]

  network = {
    name         = var.network_name
    aliases      = [local.nodes[count.index].hostname]
    ipv4_address = local.nodes[count.index].address
  }

  tls = var.tls_dir == null ? null : {
    host_dir           = var.tls_dir
    owner              = "scylla"
    dir                = local.tls_in_container
    entrypoint         = "/docker-entrypoint.py"
    replace_entrypoint = true
  }

  # Arguments of the scylladb/scylla image's entrypoint for a development
  # cluster in Docker: one shard, a fixed memory share, no CPU pinning or I/O
  # tuning (overprovisioned, developer mode), the node's own DNS name as its
  # inter-node and broadcast address, CQL on every interface of the container
  # (published on 127.0.0.1 only), password authentication with roles and, with tls_dir,
  # TLS-only client connections.
  command = concat([
    "--seeds=${local.seed}",
    "--smp", "1",
    "--memory", "${local.server_memory_mb}M",
    "--overprovisioned", "1",
    "--developer-mode", "1",
    "--listen-address", local.nodes[count.index].hostname,
    "--broadcast-address", local.nodes[count.index].hostname,
    "--rpc-address", "0.0.0.0",
    "--broadcast-rpc-address", local.nodes[count.index].hostname,
    "--authenticator", "PasswordAuthenticator",
    "--authorizer", "CassandraAuthorizer",
  ], local.client_tls)

  # "running" once the node serves CQL (nodetool exists in both images).
  healthcheck = {
    test         = ["CMD-SHELL", "nodetool statusbinary 2>/dev/null | grep -qx running"]
    interval     = "15s"
    timeout      = "10s"
    retries      = 20
    start_period = "50s"
  }
}

# Instances created before the shared container module keep their nodes (and data): one
# pair of blocks per possible node (node_count is at most 9).
moved {
  from = docker_volume.data[0]
  to   = module.node[0].docker_volume.this["data"]
}

moved {
  from = docker_container.node[0]
  to   = module.node[0].docker_container.this[0]
}

moved {
  from = docker_volume.data[1]
  to   = module.node[1].docker_volume.this["data"]
}

moved {
  from = docker_container.node[1]
  to   = module.node[1].docker_container.this[0]
}

moved {
  from = docker_volume.data[2]
  to   = module.node[2].docker_volume.this["data"]
}

moved {
  from = docker_container.node[2]
  to   = module.node[2].docker_container.this[0]
}

moved {
  from = docker_volume.data[3]
  to   = module.node[3].docker_volume.this["data"]
}

moved {
  from = docker_container.node[3]
  to   = module.node[3].docker_container.this[0]
}

moved {
  from = docker_volume.data[4]
  to   = module.node[4].docker_volume.this["data"]
}

moved {
  from = docker_container.node[4]
  to   = module.node[4].docker_container.this[0]
}

moved {
  from = docker_volume.data[5]
  to   = module.node[5].docker_volume.this["data"]
}

moved {
  from = docker_container.node[5]
  to   = module.node[5].docker_container.this[0]
}

moved {
  from = docker_volume.data[6]
  to   = module.node[6].docker_volume.this["data"]
}

moved {
  from = docker_container.node[6]
  to   = module.node[6].docker_container.this[0]
}

moved {
  from = docker_volume.data[7]
  to   = module.node[7].docker_volume.this["data"]
}

moved {
  from = docker_container.node[7]
  to   = module.node[7].docker_container.this[0]
}

moved {
  from = docker_volume.data[8]
  to   = module.node[8].docker_volume.this["data"]
}

moved {
  from = docker_container.node[8]
  to   = module.node[8].docker_container.this[0]
}
