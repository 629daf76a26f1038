locals {
  name             = "${var.project_name}-redis"
  config_file      = "/data/redis.conf"
  password_file    = "/run/secrets/redis_admin_password"
  labels           = merge(var.labels, { service = "redis" })
  tls_in_container = "/run/multidb-tls"

  # With TLS the plaintext port is closed (port 0) and 6379 speaks TLS only; clients are
  # not asked for certificates (they authenticate with ACL users).
  listen = var.tls_dir == null ? "port 6379" : <<-EOT
    port 0
    tls-port 6379
    tls-cert-file ${local.tls_in_container}/server.crt
    tls-key-file ${local.tls_in_container}/server.key
    tls-ca-cert-file ${local.tls_in_container}/ca.crt
    tls-auth-clients no
  EOT

  # The config lives in the data volume so that the ACL users the redis role
  # adds (persisted with CONFIG REWRITE) survive a container restart.
  config = <<-EOT
    bind 0.0.0.0
    protected-mode yes
    ${trimspace(local.listen)}
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
  tls       = var.tls_dir == null ? null : { host_dir = var.tls_dir, owner = "redis", dir = local.tls_in_container }
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
    test = ["CMD-SHELL", format(
      "REDISCLI_AUTH=\"$(cat %s)\" redis-cli %sping | grep -q PONG",
      local.password_file, var.tls_dir == null ? "" : "--tls --cacert ${local.tls_in_container}/ca.crt ",
    )]
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
