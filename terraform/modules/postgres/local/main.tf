locals {
  name          = "${var.project_name}-postgres"
  password_file = "/run/secrets/postgres_admin_password"
  labels        = merge(var.labels, { service = "postgres" })

  # The provider reads NanoCpus back as "1.0" for whole numbers and as "0.5"
  # for fractions; writing it the same way keeps the plan empty after apply.
  cpus = floor(var.cpus) == var.cpus ? format("%.1f", var.cpus) : tostring(var.cpus)
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
  hostname = "postgres"
  restart  = "unless-stopped"
  must_run = true

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  env = [
    "POSTGRES_USER=${var.admin_user}",
    "POSTGRES_DB=${var.database}",
    "POSTGRES_PASSWORD_FILE=${local.password_file}",
  ]

  upload {
    file        = local.password_file
    content     = var.admin_password
    permissions = "0400"
  }

  networks_advanced {
    name    = var.network_name
    aliases = ["postgres"]
  }

  ports {
    internal = 5432
    external = var.host_port
    ip       = "127.0.0.1"
  }

  volumes {
    volume_name    = docker_volume.data.name
    container_path = "/var/lib/postgresql/data"
  }

  healthcheck {
    test         = ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\""]
    interval     = "5s"
    timeout      = "3s"
    retries      = 12
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
}
