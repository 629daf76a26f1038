variable "project_name" {
  description = "Project name; prefixes every Docker object and is the value of the `project` label."
  type        = string
}

variable "network_name" {
  description = "Name of the project network the container joins."
  type        = string
}

variable "run" {
  description = "Whether the container exists. The volumes exist either way (teardown keeps data)."
  type        = bool
  default     = true
}

variable "image" {
  description = "Image reference honouring the upstream dxflrs/garage image contract (binary /garage, config /etc/garage.toml) or a stand-in."
  type        = string
}

variable "host_port" {
  description = "S3 API port published on 127.0.0.1 of the Docker host."
  type        = number
}

variable "admin_host_port" {
  description = "Admin API port published on 127.0.0.1 of the Docker host (Ansible configures layout, buckets and keys through it)."
  type        = number
}

variable "memory_mb" {
  description = "Memory limit of the container in MiB (swap is not allowed beyond it)."
  type        = number

  validation {
    condition     = var.memory_mb >= 128
    error_message = "objectstore memory_mb must be at least 128."
  }
}

variable "cpus" {
  description = "CPU limit of the container (fractions allowed)."
  type        = number
}

variable "region" {
  description = "S3 region name clients must sign their requests with."
  type        = string
  default     = "garage"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.region))
    error_message = "objectstore region must be lowercase letters, digits and dashes."
  }
}

variable "rpc_secret" {
  description = "Generated secret from which the cluster RPC secret is derived (sha256, 64 hex characters). Written into the config file only."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.rpc_secret))
    error_message = "objectstore rpc_secret must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}

variable "admin_token" {
  description = "Bearer token of the admin API. Written into the config file only."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.admin_token))
    error_message = "objectstore admin_token must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}

variable "metrics_token" {
  description = "Bearer token of the /metrics endpoint. Written into the config file only."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.metrics_token))
    error_message = "objectstore metrics_token must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}

variable "labels" {
  description = "Labels added to every Docker object of this service."
  type        = map(string)
  default     = {}
}
