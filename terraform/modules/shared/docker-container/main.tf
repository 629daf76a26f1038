# One container of a service on the local Docker engine, with its image and its data
# volumes: what every service module of the local environment has in common, written once.
# Restart policy, memory limit without swap, CPU limit, ports on 127.0.0.1 only, labels on
# every object, log rotation and a health check are not options.
locals {
  # The provider reads NanoCpus back as "1.0" for whole numbers and as "0.5" for
  # fractions; writing it the same way keeps the plan empty after apply.
  cpus = floor(var.cpus) == var.cpus ? format("%.1f", var.cpus) : tostring(var.cpus)

  image_id = var.manage_image ? docker_image.this[0].image_id : var.image_id

  # TLS: the server's key material is bind-mounted read-only (it never enters the Terraform
  # state, as an upload would) and, at every start, copied by root to a directory the
  # server's user owns, with the key 0600 and server.pem = certificate + key (mongod's
  # form): a bind mount keeps the host's owner, which the server's user is not, and servers
  # refuse or cannot read a key they do not own. Then the image's own entrypoint runs with
  # the service's arguments, as without TLS (`sh` as the first argument is executed as is
  # by the official images' entrypoints).
  tls_source = "/run/multidb-tls-source"
  tls_prepare = var.tls == null ? "" : join(" && ", [
    "set -eu",
    "install -d -m 0700 -o ${var.tls.owner} -g ${var.tls.owner} ${var.tls.dir}",
    "install -m 0600 -o ${var.tls.owner} -g ${var.tls.owner} ${local.tls_source}/server.key ${var.tls.dir}/server.key",
    "install -m 0644 ${local.tls_source}/server.crt ${local.tls_source}/ca.crt ${var.tls.dir}/",
    "(umask 077 && cat ${var.tls.dir}/server.crt ${var.tls.dir}/server.key > ${var.tls.dir}/server.pem)",
    "chown ${var.tls.owner}:${var.tls.owner} ${var.tls.dir}/server.pem",
    "exec ${var.tls.entrypoint} \"$@\"",
  ])
  tls_wrapper        = ["sh", "-c", local.tls_prepare, "sh"]
  replace_entrypoint = try(var.tls.replace_entrypoint, false)
  entrypoint         = local.replace_entrypoint ? local.tls_wrapper : null
  command            = var.tls == null || local.replace_entrypoint ? var.command : concat(local.tls_wrapper, var.command == null ? [] : var.command)
}

# The image, unless the caller manages it (the nodes of a cluster share one).
resource "docker_image" "this" {
  count = var.manage_image ? 1 : 0

  name         = var.image
  keep_locally = true
}

# Data volumes exist whether or not the container does (a teardown keeps the data).
resource "docker_volume" "this" {
  for_each = var.volumes

  name = "${var.name}-${each.key}"

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}

resource "docker_container" "this" {
  count = var.run ? 1 : 0

  name       = var.name
  image      = local.image_id
  hostname   = var.hostname
  restart    = "unless-stopped"
  must_run   = true
  entrypoint = local.entrypoint
  command    = local.command

  memory      = var.memory_mb
  memory_swap = var.memory_mb
  cpus        = local.cpus

  env = var.env

  dynamic "upload" {
    for_each = var.uploads
    content {
      file        = upload.value.file
      content     = upload.value.content
      permissions = upload.value.permissions
    }
  }

  networks_advanced {
    name         = var.network.name
    aliases      = var.network.aliases
    ipv4_address = var.network.ipv4_address
  }

  dynamic "ports" {
    for_each = var.ports
    content {
      internal = ports.value.internal
      external = ports.value.external
      ip       = "127.0.0.1"
    }
  }

  dynamic "mounts" {
    for_each = var.tls == null ? [] : [var.tls.host_dir]
    content {
      type      = "bind"
      source    = mounts.value
      target    = local.tls_source
      read_only = true
    }
  }

  # A mount, not the container's `tmpfs` argument: the provider updates that one in place, which
  # Docker cannot do (a plan that never converges); a mount replaces the container.
  dynamic "mounts" {
    for_each = var.tmpfs
    content {
      type   = "tmpfs"
      target = mounts.key
      tmpfs_options {
        size_bytes = mounts.value * 1048576
      }
    }
  }

  dynamic "volumes" {
    for_each = var.volumes
    content {
      volume_name    = docker_volume.this[volumes.key].name
      container_path = volumes.value
    }
  }

  healthcheck {
    test         = var.healthcheck.test
    interval     = var.healthcheck.interval
    timeout      = var.healthcheck.timeout
    retries      = var.healthcheck.retries
    start_period = var.healthcheck.start_period
  }

  lifecycle {
    precondition {
      condition     = var.tls == null || try(length(var.command), 0) > 0
      error_message = "${var.name}: with tls, command must name the server's command and arguments (the entrypoint runs it after the key material is in place)."
    }
  }

  log_driver = "json-file"
  log_opts = {
    max-size = "10m"
    max-file = "3"
  }

  dynamic "labels" {
    for_each = var.labels
    content {
      label = labels.key
      value = labels.value
    }
  }
}
