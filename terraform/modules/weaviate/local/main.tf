locals {
  name   = "${var.project_name}-weaviate"
  labels = merge(var.labels, { service = "weaviate" })

  # Weaviate is configured through environment variables only: it has no
  # *_FILE variant for its API keys, and its config file (--config-file) is
  # deprecated upstream and would be overridden by the environment anyway. The
  # two API keys therefore do reach the container's environment (visible to
  # whoever can `docker inspect` it, i.e. whoever controls the Docker engine).
  # They come from sensitive variables, so Terraform shows this whole list as
  # "(sensitive value)" in plans and never prints the keys.
  #
  # Authorization is RBAC (the successor of the admin list, GA since 1.29):
  # the `admin` key is the built-in root user; the `app` key starts with no
  # permission at all and the weaviate role grants it a role limited to data
  # operations on its collections.
  env = [
    "AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED=false",
    "AUTHENTICATION_APIKEY_ENABLED=true",
    "AUTHENTICATION_APIKEY_ALLOWED_KEYS=${var.admin_api_key},${var.app_api_key}",
    "AUTHENTICATION_APIKEY_USERS=${var.admin_user},${var.app_user}",
    "AUTHORIZATION_RBAC_ENABLED=true",
    "AUTHORIZATION_RBAC_ROOT_USERS=${var.admin_user}",
    "PERSISTENCE_DATA_PATH=${local.data_path}",
    "DEFAULT_VECTORIZER_MODULE=none",
    "CLUSTER_HOSTNAME=node1",
    "QUERY_DEFAULTS_LIMIT=25",
    "DISABLE_TELEMETRY=true",
    "GRPC_PORT=50051",
    # Backups (roles/weaviate/tasks/backup.yml): Weaviate's own backup API writes to this
    # directory, the role streams it out of the container into the backup target as a tar and
    # removes it. A directory of the container's own, outside the data volume: a collection
    # named "Backups" would have its files in <data path>/backups. The backup-s3 module is not
    # used: its credentials would have to be in this environment at `terraform apply`, before
    # the object store's key exists, and the target is chosen per run (multidb_backup_target).
    "ENABLE_MODULES=backup-filesystem",
    "BACKUP_FILESYSTEM_PATH=${local.backup_path}",
    # Go's garbage collector aims below the container limit instead of letting
    # the heap reach it and the kernel OOM-kill the server.
    "GOMEMLIMIT=${floor(var.memory_mb * 0.8)}MiB",
  ]
  data_path   = "/var/lib/weaviate"
  backup_path = "/var/lib/weaviate-backups"
}

module "container" {
  source = "../../shared/docker-container"

  name     = local.name
  hostname = "weaviate"
  image    = var.image
  run      = var.run
  # The image's entrypoint is the server binary; these are upstream's defaults.
  command   = ["--host", "0.0.0.0", "--port", "8080", "--scheme", "http"]
  memory_mb = var.memory_mb
  cpus      = var.cpus
  env       = local.env
  labels    = local.labels
  network   = { name = var.network_name, aliases = ["weaviate"] }
  volumes   = { data = local.data_path }
  ports = [
    { internal = 8080, external = var.host_port },
    { internal = 50051, external = var.grpc_host_port },
  ]

  # The readiness endpoint needs no credentials. wget is busybox's in the
  # upstream (Alpine) image and GNU wget in the stand-in; both know -q --spider.
  healthcheck = {
    test         = ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:8080/v1/.well-known/ready"]
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
