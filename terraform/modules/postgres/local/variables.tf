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

  validation {
    condition     = length(trimspace(var.image)) > 0
    error_message = "postgres image must be a non-empty image reference."
  }
}

variable "host_port" {
  description = "Port published on 127.0.0.1 of the Docker host."
  type        = number

  validation {
    condition     = var.host_port >= 1024 && var.host_port <= 65535 && floor(var.host_port) == var.host_port
    error_message = "postgres host_port must be an integer from 1024 to 65535."
  }
}

variable "memory_mb" {
  description = "Memory limit of the container in MiB (swap is not allowed beyond it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_mb >= 128
    error_message = "postgres memory_mb must be at least 128."
  }
}

variable "cpus" {
  description = "CPU limit of the container (fractions allowed)."
  type        = number
  default     = 1

  validation {
    condition     = var.cpus > 0 && var.cpus <= 64
    error_message = "postgres cpus must be greater than 0 and at most 64."
  }
}

variable "database" {
  description = "Application database created at first start."
  type        = string
}

variable "admin_user" {
  description = "Bootstrap superuser created at first start."
  type        = string
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
