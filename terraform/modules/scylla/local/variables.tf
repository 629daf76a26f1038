variable "project_name" {
  description = "Project name; prefixes every Docker object and is the value of the `project` label."
  type        = string
}

variable "network_name" {
  description = "Name of the project network the nodes join."
  type        = string
}

variable "subnet" {
  description = "IPv4 subnet of the network: node N gets the fixed address <subnet> + 9 + N (a node keeps its address across restarts; Scylla's gossip and the stand-in's ring identify peers by it)."
  type        = string

  validation {
    condition     = can(cidrhost(var.subnet, 20))
    error_message = "subnet must be an IPv4 CIDR with room for the node addresses (at most /27)."
  }
}

variable "run" {
  description = "Whether the containers exist. The data volumes exist either way (teardown keeps data)."
  type        = bool
  default     = true
}

variable "image" {
  description = "Image reference honouring the scylladb/scylla image's arguments (scylladb/scylla or the stand-in)."
  type        = string
}

variable "node_count" {
  description = "Number of nodes (1-9). node1 is the seed; the keyspace's replication factor is min(3, node_count)."
  type        = number
  default     = 3

  validation {
    condition     = floor(var.node_count) == var.node_count && var.node_count >= 1 && var.node_count <= 9
    error_message = "scylla node_count must be an integer from 1 to 9."
  }
}

variable "host_port" {
  description = "CQL port of node1 on 127.0.0.1 of the Docker host; node i is published on host_port + i - 1."
  type        = number
}

variable "memory_mb" {
  description = "Memory limit of each node's container in MiB (swap is not allowed beyond it). Scylla gets --memory = 2/3 of it."
  type        = number

  validation {
    condition     = var.memory_mb >= 512 && floor(var.memory_mb) == var.memory_mb
    error_message = "scylla memory_mb must be an integer of at least 512."
  }
}

variable "cpus" {
  description = "CPU limit of each node's container (fractions allowed). Scylla runs one shard (--smp 1)."
  type        = number
}

variable "keyspace" {
  description = "Application keyspace (created by the scylla role); reported as `database` in the service output."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,47}$", var.keyspace))
    error_message = "scylla keyspace must be a lowercase CQL identifier of at most 48 characters."
  }
}

variable "admin_user" {
  description = "Superuser role the scylla role creates to replace the built-in cassandra/cassandra; reported as `username`."
  type        = string
  default     = "platform_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,47}$", var.admin_user)) && var.admin_user != "cassandra"
    error_message = "scylla admin_user must be a lowercase CQL identifier other than 'cassandra'."
  }
}

variable "labels" {
  description = "Labels added to every Docker object of this service."
  type        = map(string)
  default     = {}
}

variable "tls_dir" {
  description = "Directory of the nodes' TLS key material (server.key, server.crt naming every node, ca.crt; mounted read-only into every node, never in the Terraform state), or null: plaintext. With it, client connections (CQL) speak TLS only and plaintext is refused."
  type        = string
  default     = null
}
