# One container of a service on the local Docker engine, with its image and its data
# volumes: what every service module of the local environment has in common, written once.
# Restart policy, memory limit without swap, CPU limit, ports on 127.0.0.1 only, labels on
# every object, log rotation and a health check are not options.
locals {
  # The provider reads NanoCpus back as "1.0" for whole numbers and as "0.5" for
  # fractions; writing it the same way keeps the plan empty after apply.
  cpus = floor(var.cpus) == var.cpus ? format("%.1f", var.cpus) : tostring(var.cpus)

  image_id = var.manage_image ? docker_image.this[0].image_id : var.image_id
}

# The image, unless the caller manages it (the nodes of a cluster share one).
resource "docker_image" "this" {
  count = var.manage_image ? 1 : 0

  name         = var.image
  keep_locally = true
}

# Data volumes exist whether or not the container does (a teardown keeps the data).
resource "docker_volume" "this" {
  for_each = var.volumes

  name = "${var.name}-${each.key}"

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "this" {
  count = var.run ? 1 : 0

  name     = var.name
  image    = local.image_id
  hostname = var.hostname
  restart  = "unless-stopped"
  must_run = true
  command  = var.command

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  env = var.env

  dynamic "upload" {
    for_each = var.uploads
    content {
      file        = upload.value.file
      content     = upload.value.content
      permissions = upload.value.permissions
    }
  }

  networks_advanced {
    name         = var.network.name
    aliases      = var.network.aliases
    ipv4_address = var.network.ipv4_address
  }

  dynamic "ports" {
    for_each = var.ports
    content {
      internal = ports.value.internal
      external = ports.value.external
      ip       = "127.0.0.1"
    }
  }

  dynamic "volumes" {
    for_each = var.volumes
    content {
      volume_name    = docker_volume.this[volumes.key].name
      container_path = volumes.value
    }
  }

  healthcheck {
    test         = var.healthcheck.test
    interval     = var.healthcheck.interval
    timeout      = var.healthcheck.timeout
    retries      = var.healthcheck.retries
    start_period = var.healthcheck.start_period
  }

  log_driver = "json-file"
  log_opts = {
    max-size = "10m"
    max-file = "3"
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
