variable "name" {
  description = "Name of the group: its Name tag, and the prefix of its AWS name (<name>-<random suffix>). Lowercase letters, digits and dashes, at most 100 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,98}[a-z0-9]$", var.name))
    error_message = "name must be 2-100 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "description" {
  description = "Description of the group (what it guards and from whom), at most 255 characters, e.g. \"PostgreSQL <name>: port 5432 from the allowed security groups and CIDRs only\". Changing it replaces the group."
  type        = string
}

variable "network" {
  description = "The VPC of the group (vpc_id) and who may connect on `ports`: allowed_security_group_ids (sg-..., known at plan time: they key the rules) and allowed_cidr_blocks (IPv4 CIDRs of a VPN, a peered VPC, a bastion subnet; never 0.0.0.0/0 or any other /0). Empty lists: nobody may. A service module passes its own `network` input (its subnet_ids are not used here)."
  type = object({
    vpc_id                     = string
    allowed_security_group_ids = optional(list(string), [])
    allowed_cidr_blocks        = optional(list(string), [])
  })

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.network.vpc_id))
    error_message = "network.vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for s in var.network.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "network.allowed_security_group_ids must hold security group IDs such as sg-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for c in var.network.allowed_cidr_blocks : can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/(\\d|[12]\\d|3[0-2])$", c)) && can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "network.allowed_cidr_blocks must hold IPv4 CIDRs such as 10.0.0.0/16; 0.0.0.0/0 (or any /0) is refused: the service is never open to the internet."
  }
}

variable "ports" {
  description = "TCP ports the allowed sources may connect to (each source gets every port, nothing else)."
  type        = list(number)

  validation {
    condition     = length(var.ports) > 0 && alltrue([for p in var.ports : floor(p) == p && p >= 1 && p <= 65535]) && length(distinct(var.ports)) == length(var.ports)
    error_message = "ports must list one or more distinct TCP ports (integers from 1 to 65535)."
  }
}

variable "rule_description" {
  description = "What the ports serve, the start of each ingress rule's description: \"<rule_description> from <source>\" (e.g. \"PostgreSQL\", \"CQL (TLS)\")."
  type        = string
}

variable "tags" {
  description = "Tags of the group (besides Name) and of its rules (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
