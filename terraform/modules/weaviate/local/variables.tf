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
  description = "Image reference honouring the upstream weaviate image contract (cr.weaviate.io/semitechnologies/weaviate or a stand-in): entrypoint = the server, configured through environment variables, wget on PATH."
  type        = string
}

variable "host_port" {
  description = "HTTP (REST and GraphQL) port published on 127.0.0.1 of the Docker host."
  type        = number
}

variable "grpc_host_port" {
  description = "gRPC port (used by the v4 clients) published on 127.0.0.1 of the Docker host."
  type        = number
}

variable "memory_mb" {
  description = "Memory limit of the container in MiB (swap is not allowed beyond it); GOMEMLIMIT is set to 80% of it. An idle server uses about 110 MB; HNSW indexes live in memory, so size this with the vectors."
  type        = number

  validation {
    condition     = var.memory_mb >= 256
    error_message = "weaviate memory_mb must be at least 256."
  }
}

variable "cpus" {
  description = "CPU limit of the container (fractions allowed)."
  type        = number
}

variable "admin_user" {
  description = "User name of the admin API key (RBAC root user)."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_-]{0,63}$", var.admin_user))
    error_message = "weaviate admin_user must be 1-64 of A-Z a-z 0-9 _ - starting with a letter."
  }
}

variable "app_user" {
  description = "User name of the application API key (no permissions until the weaviate role assigns it a role)."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_-]{0,63}$", var.app_user))
    error_message = "weaviate app_user must be 1-64 of A-Z a-z 0-9 _ - starting with a letter."
  }
}

variable "admin_api_key" {
  description = "API key of the admin (root) user. Weaviate reads it from its environment only (no file variant)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.admin_api_key))
    error_message = "weaviate admin_api_key must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (no commas: the keys are a comma-separated list)."
  }
}

variable "app_api_key" {
  description = "API key of the application user. Weaviate reads it from its environment only (no file variant)."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.app_api_key))
    error_message = "weaviate app_api_key must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (no commas: the keys are a comma-separated list)."
  }
}

variable "labels" {
  description = "Labels added to every Docker object of this service."
  type        = map(string)
  default     = {}
}
