locals {
  labels = {
    project     = var.project_name
    environment = "local"
    managed-by  = "terraform"
  }

  # Host ports of the enabled services; two services on one port is refused at plan time.
  host_ports = concat(
    var.postgres.enabled ? [var.postgres.host_port] : [],
    var.redis.enabled ? [var.redis.host_port] : [],
  )
}

resource "docker_network" "this" {
  count = var.containers_enabled ? 1 : 0

  name   = "${var.project_name}-network"
  driver = "bridge"

  dynamic "labels" {
    for_each = local.labels
    content {
      label = labels.key
      value = labels.value
    }
  }

  lifecycle {
    precondition {
      condition     = length(local.host_ports) == length(distinct(local.host_ports))
      error_message = "Two enabled services use the same host_port: ${join(", ", [for p in local.host_ports : tostring(p)])}."
    }
  }
}

module "postgres" {
  source = "../../modules/postgres/local"
  count  = var.postgres.enabled ? 1 : 0

  project_name   = var.project_name
  network_name   = "${var.project_name}-network"
  run            = var.containers_enabled
  image          = var.postgres.image
  host_port      = var.postgres.host_port
  memory_mb      = var.postgres.memory_mb
  cpus           = var.postgres.cpus
  database       = var.postgres.database
  admin_user     = var.postgres.admin_user
  admin_password = var.postgres_admin_password
  labels         = local.labels

  depends_on = [docker_network.this]
}

module "redis" {
  source = "../../modules/redis/local"
  count  = var.redis.enabled ? 1 : 0

  project_name     = var.project_name
  network_name     = "${var.project_name}-network"
  run              = var.containers_enabled
  image            = var.redis.image
  host_port        = var.redis.host_port
  memory_mb        = var.redis.memory_mb
  cpus             = var.redis.cpus
  maxmemory_policy = var.redis.maxmemory_policy
  admin_password   = var.redis_admin_password
  labels           = local.labels

  depends_on = [docker_network.this]
}
