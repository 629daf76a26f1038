locals {
  name          = "${var.project_name}-redis"
  config_file   = "/data/redis.conf"
  password_file = "/run/secrets/redis_admin_password"
  labels        = merge(var.labels, { service = "redis" })

  # The provider reads NanoCpus back as "1.0" for whole numbers and as "0.5"
  # for fractions; writing it the same way keeps the plan empty after apply.
  cpus = floor(var.cpus) == var.cpus ? format("%.1f", var.cpus) : tostring(var.cpus)

  # The config lives in the data volume so that the ACL users the redis role
  # adds (persisted with CONFIG REWRITE) survive a container restart.
  config = <<-EOT
    bind 0.0.0.0
    protected-mode yes
    port 6379
    dir /data
    appendonly yes
    appendfsync everysec
    maxmemory ${floor(var.memory_mb * 0.75)}mb
    maxmemory-policy ${var.maxmemory_policy}
    requirepass ${var.admin_password}
  EOT
}

resource "docker_image" "this" {
  name         = var.image
  keep_locally = true
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
  hostname = "redis"
  restart  = "unless-stopped"
  must_run = true
  command  = ["redis-server", local.config_file]

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  upload {
    file    = local.config_file
    content = local.config
  }

  upload {
    file        = local.password_file
    content     = var.admin_password
    permissions = "0400"
  }

  networks_advanced {
    name    = var.network_name
    aliases = ["redis"]
  }

  ports {
    internal = 6379
    external = var.host_port
    ip       = "127.0.0.1"
  }

  volumes {
    volume_name    = docker_volume.data.name
    container_path = "/data"
  }

  healthcheck {
    test         = ["CMD-SHELL", "REDISCLI_AUTH=\"$(cat ${local.password_file})\" redis-cli ping | grep -q PONG"]
    interval     = "5s"
    timeout      = "3s"
    retries      = 12
    start_period = "5s"
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
}
