locals {
  name        = "${var.project_name}-objectstore"
  config_file = "/etc/garage.toml"
  meta_dir    = "/var/lib/garage/meta"
  data_dir    = "/var/lib/garage/data"
  labels      = merge(var.labels, { service = "objectstore" })

  # Garage's whole configuration, secrets included, is one file uploaded into
  # the container (0400, root: the image runs as root), never environment
  # variables. rpc_secret must be 32 bytes in hex: it is derived from the
  # generated secret with sha256, so it is stable across runs.
  # Single node: replication_factor = 1, sqlite metadata (the engine Garage
  # recommends where LMDB's memory map is a poor fit: small, memory-capped
  # containers). RPC listens on the project network only (not published).
  config = <<-EOT
    metadata_dir = "${local.meta_dir}"
    data_dir = "${local.data_dir}"
    db_engine = "sqlite"
    metadata_fsync = true
    data_fsync = false
    replication_factor = 1
    compression_level = 1

    rpc_bind_addr = "0.0.0.0:3901"
    rpc_public_addr = "127.0.0.1:3901"
    rpc_secret = "${sha256(var.rpc_secret)}"

    [s3_api]
    s3_region = "${var.region}"
    api_bind_addr = "0.0.0.0:3900"

    [admin]
    api_bind_addr = "0.0.0.0:3903"
    admin_token = "${var.admin_token}"
    metrics_token = "${var.metrics_token}"
  EOT
}

module "container" {
  source = "../../shared/docker-container"

  name      = local.name
  hostname  = "objectstore"
  image     = var.image
  run       = var.run
  command   = ["/garage", "server"]
  memory_mb = var.memory_mb
  cpus      = var.cpus
  labels    = local.labels
  network   = { name = var.network_name, aliases = ["objectstore", "garage"] }
  volumes   = { meta = local.meta_dir, data = local.data_dir }
  uploads   = [{ file = local.config_file, content = local.config, permissions = "0400" }]
  ports = [
    { internal = 3900, external = var.host_port },
    { internal = 3903, external = var.admin_host_port },
  ]

  # The upstream image is FROM scratch (no shell, no wget): the check is the
  # garage binary itself. `garage status` asks the node over RPC (secret read
  # from the config file): the server is up and serving. Not `garage health`,
  # which fails until the objectstore role has applied the layout, i.e. after
  # the provision role has waited for healthy containers. Cluster health and an
  # authenticated S3 call are the role's health check (tasks/health.yml).
  healthcheck = {
    test         = ["CMD", "/garage", "status"]
    interval     = "5s"
    timeout      = "3s"
    retries      = 24
    start_period = "10s"
  }
}

# Instances created before the shared container module keep their objects (and data).
moved {
  from = docker_image.this
  to   = module.container.docker_image.this[0]
}

moved {
  from = docker_volume.meta
  to   = module.container.docker_volume.this["meta"]
}

moved {
  from = docker_volume.data
  to   = module.container.docker_volume.this["data"]
}

moved {
  from = docker_container.this
  to   = module.container.docker_container.this
}
