locals {
  name             = "${var.project_name}-mongodb"
  password_file    = "/run/secrets/mongodb_admin_password"
  labels           = merge(var.labels, { service = "mongodb" })
  tls_in_container = "/run/multidb-tls"
  # Client flags of mongosh for the health check: TLS verified with the CA, as the roles do.
  mongosh_tls = var.tls_dir == null ? [] : ["--tls", "--tlsCAFile", "${local.tls_in_container}/ca.crt"]
}

module "container" {
  source = "../../shared/docker-container"

  name      = local.name
  hostname  = "mongodb"
  image     = var.image
  run       = var.run
  memory_mb = var.memory_mb
  cpus      = var.cpus
  labels    = local.labels
  network   = { name = var.network_name, aliases = ["mongodb"] }
  ports     = [{ internal = 27017, external = var.host_port }]
  volumes   = { data = "/data/db" }
  # The image's other VOLUME, for config servers of a sharded cluster: empty for this one.
  tmpfs = { "/data/configdb" = 16 }

  # mongod's own options: TLS required on the one port (plaintext refused); clients are not
  # asked for certificates (they authenticate with SCRAM users).
  tls = var.tls_dir == null ? null : { host_dir = var.tls_dir, owner = "mongodb", dir = local.tls_in_container }
  command = var.tls_dir == null ? null : [
    "mongod", "--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "${local.tls_in_container}/server.pem",
  ]

  # The official image creates this root user (in `admin`) on the first start
  # of an empty /data/db and then runs mongod with --auth.
  env = [
    "MONGO_INITDB_ROOT_USERNAME=${var.admin_user}",
    "MONGO_INITDB_ROOT_PASSWORD_FILE=${local.password_file}",
  ]

  uploads = [{ file = local.password_file, content = var.admin_password, permissions = "0444" }]

  # Liveness only: `ping` needs no authentication, so no credential appears on
  # a command line; authentication and data access are checked by the
  # mongodb role (health.yml) as the application user.
  healthcheck = {
    test         = concat(["CMD", "mongosh", "--quiet", "--norc"], local.mongosh_tls, ["--eval", "db.adminCommand({ping: 1}).ok"])
    interval     = "5s"
    timeout      = "5s"
    retries      = 12
    start_period = "20s"
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
