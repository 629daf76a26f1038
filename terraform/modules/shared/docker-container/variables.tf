variable "name" {
  description = "Name of the container; its volumes are named <name>-<key of volumes>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and dashes."
  }
}

variable "hostname" {
  description = "Host name inside the container."
  type        = string
}

variable "image" {
  description = "Image reference; kept on the engine when the container goes."
  type        = string

  validation {
    condition     = length(trimspace(var.image)) > 0 && !can(regex("\\s", var.image))
    error_message = "image must be a non-empty image reference without spaces."
  }
}

variable "manage_image" {
  description = "Whether this module manages `image` (a docker_image of its own). false for the nodes of a cluster, which share the image their service module manages (`image_id`)."
  type        = bool
  default     = true
}

variable "image_id" {
  description = "ID of the image the caller manages; used when manage_image is false."
  type        = string
  default     = null
}

variable "run" {
  description = "Whether the container exists. The image and the data volumes exist either way."
  type        = bool
  default     = true
}

variable "command" {
  description = "Arguments of the image's entrypoint; null for the image's own command."
  type        = list(string)
  default     = null
}

variable "tls" {
  description = <<-EOT
    TLS key material of the server, or null (no TLS). host_dir: a directory of the Docker host
    holding server.key, server.crt and ca.crt, mounted read-only (the key never enters the
    Terraform state). At every start, as root and before the image's entrypoint, they are
    copied to `dir` (0700, owned by `owner`: key 0600, server.pem = certificate + key), then
    `entrypoint` runs with `command` (which must then be set): the image's entrypoint, which
    drops to `owner` as without TLS. The copy runs as the container's command, which the
    official images' entrypoints execute as given; for an image whose entrypoint runs nothing
    but its server (scylladb/scylla's docker-entrypoint.py), replace_entrypoint = true runs it
    as the container's entrypoint instead, and `command` stays the server's arguments.
  EOT
  type = object({
    host_dir           = string
    owner              = string
    dir                = optional(string, "/run/multidb-tls")
    entrypoint         = optional(string, "docker-entrypoint.sh")
    replace_entrypoint = optional(bool, false)
  })
  default = null

  validation {
    condition     = var.tls == null || (startswith(try(var.tls.host_dir, ""), "/") && can(regex("^[a-z_][a-z0-9_-]*$", try(var.tls.owner, ""))) && can(regex("^/[A-Za-z0-9/_.-]+$", try(var.tls.dir, ""))))
    error_message = "tls.host_dir must be an absolute path, tls.owner a user name of the image, tls.dir an absolute path."
  }
}

variable "env" {
  description = "Environment of the container (NAME=value). Prefer *_FILE variables and `uploads` for secrets: an environment is visible to `docker inspect`."
  type        = list(string)
  default     = []
}

variable "memory_mb" {
  description = "Memory limit in MiB; swap is set to the same value (no swap)."
  type        = number

  validation {
    condition     = var.memory_mb >= 16 && floor(var.memory_mb) == var.memory_mb
    error_message = "memory_mb must be a whole number of MiB, at least 16."
  }
}

variable "cpus" {
  description = "CPU limit (fractions allowed)."
  type        = number

  validation {
    condition     = var.cpus > 0 && var.cpus <= 64
    error_message = "cpus must be greater than 0 and at most 64."
  }
}

variable "uploads" {
  description = "Files written into the container before it starts (configuration, secrets). Sensitive: plans never show them."
  type = list(object({
    file        = string
    content     = string
    permissions = optional(string)
  }))
  default   = []
  sensitive = true
}

variable "network" {
  description = "The project network the container joins: its name, the container's DNS aliases and, for cluster nodes that must keep their address, a fixed IPv4 address."
  type = object({
    name         = string
    aliases      = list(string)
    ipv4_address = optional(string)
  })
}

variable "ports" {
  description = "Container ports published on 127.0.0.1 of the Docker host (never on other interfaces)."
  type = list(object({
    internal = number
    external = number
  }))
  default = []

  validation {
    condition     = alltrue([for p in var.ports : p.external >= 1024 && p.external <= 65535 && floor(p.external) == p.external])
    error_message = "Every published port must be an integer from 1024 to 65535."
  }

  validation {
    condition     = length(var.ports) == length(distinct([for p in var.ports : p.external]))
    error_message = "Two ports of one container are published on the same host port."
  }
}

variable "volumes" {
  description = "Data volumes by key, with the path each is mounted on; the volume of key k is named <name>-k."
  type        = map(string)
  default     = {}
}

variable "tmpfs" {
  description = "Paths mounted as tmpfs, with their size in MiB: paths the image declares as a VOLUME that this service keeps nothing in, so that Docker makes no anonymous volume there (one outlives a container removed by hand)."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for path, mib in var.tmpfs : startswith(path, "/") && mib >= 1 && floor(mib) == mib])
    error_message = "Every tmpfs path is absolute, with a whole size in MiB of at least 1."
  }
}

variable "healthcheck" {
  description = "The container's health check: Terraform waits for nothing, the provision role waits for every container to be healthy."
  type = object({
    test         = list(string)
    interval     = string
    timeout      = string
    retries      = number
    start_period = string
  })
}

variable "labels" {
  description = "Labels of every Docker object of this container (project, environment, service, ...)."
  type        = map(string)
  default     = {}
}
