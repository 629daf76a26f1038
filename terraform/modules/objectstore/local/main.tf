locals {
  name        = "${var.project_name}-objectstore"
  config_file = "/etc/garage.toml"
  meta_dir    = "/var/lib/garage/meta"
  data_dir    = "/var/lib/garage/data"
  labels      = merge(var.labels, { service = "objectstore" })

  # The provider reads NanoCpus back as "1.0" for whole numbers and as "0.5"
  # for fractions; writing it the same way keeps the plan empty after apply.
  cpus = floor(var.cpus) == var.cpus ? format("%.1f", var.cpus) : tostring(var.cpus)

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

resource "docker_image" "this" {
  name         = var.image
  keep_locally = true
}

# Metadata (sqlite, small, latency-sensitive) and data blocks (large) are kept
# apart as Garage recommends, so they can live on different disks elsewhere.
resource "docker_volume" "meta" {
  name = "${local.name}-meta"

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_volume" "data" {
  name = "${local.name}-data"

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "this" {
  count = var.run ? 1 : 0

  name     = local.name
  image    = docker_image.this.image_id
  hostname = "objectstore"
  restart  = "unless-stopped"
  must_run = true
  command  = ["/garage", "server"]

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  upload {
    file        = local.config_file
    content     = local.config
    permissions = "0400"
  }

  networks_advanced {
    name    = var.network_name
    aliases = ["objectstore", "garage"]
  }

  ports {
    internal = 3900
    external = var.host_port
    ip       = "127.0.0.1"
  }

  ports {
    internal = 3903
    external = var.admin_host_port
    ip       = "127.0.0.1"
  }

  volumes {
    volume_name    = docker_volume.meta.name
    container_path = local.meta_dir
  }

  volumes {
    volume_name    = docker_volume.data.name
    container_path = local.data_dir
  }

  # The upstream image is FROM scratch (no shell, no wget): the check is the
  # garage binary itself. `garage status` asks the node over RPC (secret read
  # from the config file): the server is up and serving. Not `garage health`,
  # which fails until the objectstore role has applied the layout, i.e. after
  # the provision role has waited for healthy containers. Cluster health and an
  # authenticated S3 call are the role's health check (tasks/health.yml).
  healthcheck {
    test         = ["CMD", "/garage", "status"]
    interval     = "5s"
    timeout      = "3s"
    retries      = 24
    start_period = "10s"
  }

  log_driver = "json-file"
  log_opts = {
    max-size = "10m"
    max-file = "3"
  }

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }

  lifecycle {
    precondition {
      condition     = var.host_port != var.admin_host_port
      error_message = "objectstore: host_port (S3 API) and admin_host_port (admin API) must differ."
    }
  }
}
