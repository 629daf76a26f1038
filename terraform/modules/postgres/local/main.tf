locals {
  name          = "${var.project_name}-postgres"
  password_file = "/run/secrets/postgres_admin_password"
  labels        = merge(var.labels, { service = "postgres" })
}

module "container" {
  source = "../../shared/docker-container"

  name      = local.name
  hostname  = "postgres"
  image     = var.image
  run       = var.run
  memory_mb = var.memory_mb
  cpus      = var.cpus
  labels    = local.labels
  network   = { name = var.network_name, aliases = ["postgres"] }
  ports     = [{ internal = 5432, external = var.host_port }]
  volumes   = { data = "/var/lib/postgresql/data" }

  env = [
    "POSTGRES_USER=${var.admin_user}",
    "POSTGRES_DB=${var.database}",
    "POSTGRES_PASSWORD_FILE=${local.password_file}",
  ]

  uploads = [{ file = local.password_file, content = var.admin_password, permissions = "0400" }]

  healthcheck = {
    test         = ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U \"$POSTGRES_USER\" -d \"$POSTGRES_DB\""]
    interval     = "5s"
    timeout      = "3s"
    retries      = 12
    start_period = "10s"
  }
}

# Instances created before the shared container module keep their objects (and data).
moved {
  from = docker_image.this
  to   = module.container.docker_image.this[0]
}

moved {
  from = docker_volume.data
  to   = module.container.docker_volume.this["data"]
}

moved {
  from = docker_container.this
  to   = module.container.docker_container.this
}
