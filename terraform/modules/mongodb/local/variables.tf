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
  description = "Image reference honouring the official mongo image contract (mongo or a stand-in)."
  type        = string
}

variable "host_port" {
  description = "Port published on 127.0.0.1 of the Docker host."
  type        = number
}

variable "memory_mb" {
  description = "Memory limit of the container in MiB (mongod sizes its WiredTiger cache from it)."
  type        = number

  validation {
    condition     = var.memory_mb >= 512
    error_message = "mongodb memory_mb must be at least 512."
  }
}

variable "cpus" {
  description = "CPU limit of the container (fractions allowed)."
  type        = number
}

variable "database" {
  description = "Application database; the mongodb role creates it (users, collections, indexes). Reported in the `services` contract."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,63}$", var.database)) && !contains(["admin", "local", "config"], var.database)
    error_message = "mongodb database must be 1-63 of A-Z a-z 0-9 _ - and not admin, local or config."
  }
}

variable "admin_user" {
  description = "Root user created in the `admin` database at first start."
  type        = string
  default     = "root"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.admin_user))
    error_message = "mongodb admin_user must be 1-64 of A-Z a-z 0-9 _ -."
  }
}

variable "admin_password" {
  description = "Password of the root user. Handed to the container as a file (MONGO_INITDB_ROOT_PASSWORD_FILE), never as an environment variable."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.admin_password))
    error_message = "admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (the environment passes mongodb_admin_password)."
  }
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
