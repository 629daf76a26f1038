locals {
  name          = "${var.project_name}-redis"
  config_file   = "/data/redis.conf"
  password_file = "/run/secrets/redis_admin_password"
  labels        = merge(var.labels, { service = "redis" })

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

module "container" {
  source = "../../shared/docker-container"

  name      = local.name
  hostname  = "redis"
  image     = var.image
  run       = var.run
  command   = ["redis-server", local.config_file]
  memory_mb = var.memory_mb
  cpus      = var.cpus
  labels    = local.labels
  network   = { name = var.network_name, aliases = ["redis"] }
  ports     = [{ internal = 6379, external = var.host_port }]
  volumes   = { data = "/data" }

  uploads = [
    { file = local.config_file, content = local.config },
    { file = local.password_file, content = var.admin_password, permissions = "0400" },
  ]

  healthcheck = {
    test         = ["CMD-SHELL", "REDISCLI_AUTH=\"$(cat ${local.password_file})\" redis-cli ping | grep -q PONG"]
    interval     = "5s"
    timeout      = "3s"
    retries      = 12
    start_period = "5s"
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
