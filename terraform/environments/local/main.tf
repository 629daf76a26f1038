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
    var.mongodb.enabled ? [var.mongodb.host_port] : [],
    var.weaviate.enabled ? [var.weaviate.host_port, var.weaviate.grpc_host_port] : [],
    var.objectstore.enabled ? [var.objectstore.host_port, var.objectstore.admin_host_port] : [],
    var.scylla.enabled ? range(var.scylla.host_port, var.scylla.host_port + var.scylla.node_count) : [],
  )

  # Per server: its own directory of key material (mounted into its container only; it
  # holds the CA certificate clients verify with too), null without TLS.
  tls_dirs = { for server in ["postgres", "redis", "mongodb", "scylla"] : server => var.tls.enabled ? "${var.tls.dir}/${server}" : null }
}

resource "docker_network" "this" {
  count = var.containers_enabled ? 1 : 0

  name   = "${var.project_name}-network"
  driver = "bridge"

  # Fixed addresses (cluster nodes) from the lower half, the engine's from the upper half.
  ipam_config {
    subnet   = var.network_subnet
    gateway  = cidrhost(var.network_subnet, 1)
    ip_range = cidrsubnet(var.network_subnet, 1, 1)
  }

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
  tls_dir        = local.tls_dirs["postgres"]
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
  tls_dir          = local.tls_dirs["redis"]
  labels           = local.labels

  depends_on = [docker_network.this]
}

module "mongodb" {
  source = "../../modules/mongodb/local"
  count  = var.mongodb.enabled ? 1 : 0

  project_name   = var.project_name
  network_name   = "${var.project_name}-network"
  run            = var.containers_enabled
  image          = var.mongodb.image
  host_port      = var.mongodb.host_port
  memory_mb      = var.mongodb.memory_mb
  cpus           = var.mongodb.cpus
  database       = var.mongodb.database
  admin_user     = var.mongodb.admin_user
  admin_password = var.mongodb_admin_password
  tls_dir        = local.tls_dirs["mongodb"]
  labels         = local.labels

  depends_on = [docker_network.this]
}

module "weaviate" {
  source = "../../modules/weaviate/local"
  count  = var.weaviate.enabled ? 1 : 0

  project_name   = var.project_name
  network_name   = "${var.project_name}-network"
  run            = var.containers_enabled
  image          = var.weaviate.image
  host_port      = var.weaviate.host_port
  grpc_host_port = var.weaviate.grpc_host_port
  memory_mb      = var.weaviate.memory_mb
  cpus           = var.weaviate.cpus
  admin_api_key  = var.weaviate_admin_api_key
  app_api_key    = var.weaviate_app_api_key
  labels         = local.labels

  depends_on = [docker_network.this]
}

module "objectstore" {
  source = "../../modules/objectstore/local"
  count  = var.objectstore.enabled ? 1 : 0

  project_name    = var.project_name
  network_name    = "${var.project_name}-network"
  run             = var.containers_enabled
  image           = var.objectstore.image
  host_port       = var.objectstore.host_port
  admin_host_port = var.objectstore.admin_host_port
  memory_mb       = var.objectstore.memory_mb
  cpus            = var.objectstore.cpus
  region          = var.objectstore.region
  rpc_secret      = var.objectstore_rpc_secret
  admin_token     = var.objectstore_admin_token
  metrics_token   = var.objectstore_metrics_token
  labels          = local.labels

  depends_on = [docker_network.this]
}

module "scylla" {
  source = "../../modules/scylla/local"
  count  = var.scylla.enabled ? 1 : 0

  project_name = var.project_name
  network_name = "${var.project_name}-network"
  run          = var.containers_enabled
  image        = var.scylla.image
  node_count   = var.scylla.node_count
  subnet       = var.network_subnet
  host_port    = var.scylla.host_port
  memory_mb    = var.scylla.memory_mb
  cpus         = var.scylla.cpus
  keyspace     = var.scylla.keyspace
  admin_user   = var.scylla.admin_user
  tls_dir      = local.tls_dirs["scylla"]
  labels       = local.labels

  depends_on = [docker_network.this]
}
