locals {
  name          = "${var.project_name}-mongodb"
  password_file = "/run/secrets/mongodb_admin_password"
  labels        = merge(var.labels, { service = "mongodb" })

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
  hostname = "mongodb"
  restart  = "unless-stopped"
  must_run = true

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  # The official image creates this root user (in `admin`) on the first start
  # of an empty /data/db and then runs mongod with --auth.
  env = [
    "MONGO_INITDB_ROOT_USERNAME=${var.admin_user}",
    "MONGO_INITDB_ROOT_PASSWORD_FILE=${local.password_file}",
  ]

  upload {
    file        = local.password_file
    content     = var.admin_password
    permissions = "0444"
  }

  networks_advanced {
    name    = var.network_name
    aliases = ["mongodb"]
  }

  ports {
    internal = 27017
    external = var.host_port
    ip       = "127.0.0.1"
  }

  volumes {
    volume_name    = docker_volume.data.name
    container_path = "/data/db"
  }

  # Liveness only: `ping` needs no authentication, so no credential appears on
  # a command line; authentication and data access are checked by the
  # mongodb role (health.yml) as the application user.
  healthcheck {
    test         = ["CMD", "mongosh", "--quiet", "--norc", "--eval", "db.adminCommand({ping: 1}).ok"]
    interval     = "5s"
    timeout      = "5s"
    retries      = 12
    start_period = "20s"
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
