locals {
  name   = "${var.project_name}-scylla"
  labels = merge(var.labels, { service = "scylla" })

  # The provider reads NanoCpus back as "1.0" for whole numbers and as "0.5"
  # for fractions; writing it the same way keeps the plan empty after apply.
  cpus = floor(var.cpus) == var.cpus ? format("%.1f", var.cpus) : tostring(var.cpus)

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
}

resource "docker_image" "this" {
  name         = var.image
  keep_locally = true
}

resource "docker_volume" "data" {
  count = var.node_count

  name = local.nodes[count.index].volume

  dynamic "labels" {
    for_each = merge(local.labels, { node = local.nodes[count.index].name })
    content {
      label = labels.key
      value = labels.value
    }
  }
}

# One resource with count: Terraform creates the nodes concurrently. Nodes
# that come up before the seed retry (the stand-in waits for the seed's name
# to resolve; Scylla restarts through the restart policy).
resource "docker_container" "node" {
  count = var.run ? var.node_count : 0

  name     = local.nodes[count.index].container
  image    = docker_image.this.image_id
  hostname = local.nodes[count.index].hostname
  restart  = "unless-stopped"
  must_run = true

  # Arguments of the scylladb/scylla image's entrypoint for a development
  # cluster in Docker: one shard, a fixed memory share, no CPU pinning or I/O
  # tuning (overprovisioned, developer mode), the node's own DNS name as its
  # inter-node and broadcast address, CQL on every interface of the container
  # (published on 127.0.0.1 only) and password authentication with roles.
  command = [
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
  ]

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  networks_advanced {
    name         = var.network_name
    aliases      = [local.nodes[count.index].hostname]
    ipv4_address = local.nodes[count.index].address
  }

  ports {
    internal = 9042
    external = local.nodes[count.index].port
    ip       = "127.0.0.1"
  }

  volumes {
    volume_name    = docker_volume.data[count.index].name
    container_path = "/var/lib/scylla"
  }

  # "running" once the node serves CQL (nodetool exists in both images).
  healthcheck {
    test         = ["CMD-SHELL", "nodetool statusbinary 2>/dev/null | grep -qx running"]
    interval     = "15s"
    timeout      = "10s"
    retries      = 20
    start_period = "50s"
  }

  log_driver = "json-file"
  log_opts = {
    max-size = "10m"
    max-file = "3"
  }

  dynamic "labels" {
    for_each = merge(local.labels, { node = local.nodes[count.index].name })
    content {
      label = labels.key
      value = labels.value
    }
  }
}
