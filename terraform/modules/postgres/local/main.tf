locals {
  name          = "${var.project_name}-postgres"
  password_file = "/run/secrets/postgres_admin_password"
  labels        = merge(var.labels, { service = "postgres" })

  # With TLS every TCP connection must use it (hostssl; plaintext is refused: hostnossl
  # reject); the socket inside the container stays as the image has it (initdb's trust).
  hba_file         = "/etc/multidb/pg_hba.conf"
  hba              = <<-EOT
    local     all all     trust
    hostssl   all all all scram-sha-256
    hostnossl all all all reject
  EOT
  tls_in_container = "/run/multidb-tls"
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

  # The official image's entrypoint takes `postgres -c name=value` (and hands the options to
  # its temporary init server too).
  tls = var.tls_dir == null ? null : { host_dir = var.tls_dir, owner = "postgres", dir = local.tls_in_container }
  command = var.tls_dir == null ? null : [
    "postgres", "-c", "ssl=on", "-c", "ssl_cert_file=${local.tls_in_container}/server.crt",
    "-c", "ssl_key_file=${local.tls_in_container}/server.key", "-c", "hba_file=${local.hba_file}",
  ]

  env = [
    "POSTGRES_USER=${var.admin_user}",
    "POSTGRES_DB=${var.database}",
    "POSTGRES_PASSWORD_FILE=${local.password_file}",
  ]

  uploads = concat(
    [{ file = local.password_file, content = var.admin_password, permissions = "0400" }],
    var.tls_dir == null ? [] : [{ file = local.hba_file, content = local.hba, permissions = "0644" }],
  )

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
