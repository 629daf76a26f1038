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
  description = "Image reference honouring the official postgres image contract (pgvector/pgvector or a stand-in)."
  type        = string
}

variable "host_port" {
  description = "Port published on 127.0.0.1 of the Docker host."
  type        = number
}

variable "memory_mb" {
  description = "Memory limit of the container in MiB (swap is not allowed beyond it)."
  type        = number

  validation {
    condition     = var.memory_mb >= 128
    error_message = "postgres memory_mb must be at least 128."
  }
}

variable "cpus" {
  description = "CPU limit of the container (fractions allowed)."
  type        = number
}

variable "database" {
  description = "Application database created at first start."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database))
    error_message = "postgres database must be a lowercase SQL identifier (letters, digits, underscores; at most 63)."
  }
}

variable "admin_user" {
  description = "Bootstrap superuser created at first start."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.admin_user))
    error_message = "postgres admin_user must be a lowercase SQL identifier (letters, digits, underscores; at most 63)."
  }
}

variable "admin_password" {
  description = "Password of the bootstrap superuser. Handed to the container as a file, never as an environment variable."
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
