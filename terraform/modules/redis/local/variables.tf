variable "project_name" {
  description = "Project name; prefixes every Docker object and is the value of the `project` label."
  type        = string
}

variable "network_name" {
  description = "Name of the project network the container joins."
  type        = string
}

variable "run" {
  description = "Whether the container exists. The data volume exists either way (teardown keeps data)."
  type        = bool
  default     = true
}

variable "image" {
  description = "Image reference honouring the official redis image contract (redis or a stand-in)."
  type        = string
}

variable "host_port" {
  description = "Port published on 127.0.0.1 of the Docker host."
  type        = number
}

variable "memory_mb" {
  description = "Memory limit of the container in MiB; Redis' maxmemory is set to 75% of it."
  type        = number

  validation {
    condition     = var.memory_mb >= 32
    error_message = "redis memory_mb must be at least 32."
  }
}

variable "cpus" {
  description = "CPU limit of the container (fractions allowed)."
  type        = number
}

variable "maxmemory_policy" {
  description = "Redis maxmemory-policy (noeviction keeps application data; allkeys-lru suits a pure cache)."
  type        = string
  default     = "noeviction"

  validation {
    condition     = contains(["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "volatile-ttl", "allkeys-random", "volatile-random"], var.maxmemory_policy)
    error_message = "redis maxmemory_policy must be one of Redis' eviction policies (noeviction, allkeys-lru, ...)."
  }
}

variable "admin_password" {
  description = "Password of Redis' default user (requirepass). Written into the server's config file, never passed as an argument or environment variable."
  type        = string
  sensitive   = true
}

variable "labels" {
  description = "Labels added to every Docker object of this service."
  type        = map(string)
  default     = {}
}

variable "tls_dir" {
  description = "Directory of this server's TLS key material (server.key, server.crt, ca.crt; mounted read-only, never in the Terraform state), or null: plaintext. With it, plaintext connections are refused."
  type        = string
  default     = null
}
