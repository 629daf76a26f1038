variable "name" {
  description = "Name of the group: its Name tag, and the prefix of its AWS name (<name>-<random suffix>). Lowercase letters, digits and dashes, at most 100 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,98}[a-z0-9]$", var.name))
    error_message = "name must be 2-100 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "description" {
  description = "Description of the group (what it guards and from whom), e.g. \"PostgreSQL <name>: port 5432 from the allowed security groups and CIDRs only\". Changing it replaces the group."
  type        = string

  validation {
    condition     = length(var.description) > 0 && length(var.description) <= 255
    error_message = "description must be 1-255 characters (EC2's limit for a security group description)."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the group belongs to."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID such as vpc-0123456789abcdef0."
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

  validation {
    condition     = length(var.rule_description) > 0 && length(var.rule_description) <= 200
    error_message = "rule_description must be 1-200 characters (the source is appended; EC2 allows 255)."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect on `ports`. Empty: no security group may. IDs known at plan time (they key the rules)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "allowed_security_group_ids must hold security group IDs such as sg-0123456789abcdef0."
  }
}

variable "allowed_cidr_blocks" {
  description = "IPv4 CIDRs (VPN, peered VPC, bastion subnet) that may connect on `ports`. Never 0.0.0.0/0 or any other /0. Empty: no CIDR may."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.allowed_cidr_blocks : can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/(\\d|[12]\\d|3[0-2])$", c)) && can(cidrhost(c, 0)) && !endswith(c, "/0")])
    error_message = "allowed_cidr_blocks must hold IPv4 CIDRs such as 10.0.0.0/16; 0.0.0.0/0 (or any /0) is refused: the service is never open to the internet."
  }
}

variable "tags" {
  description = "Tags of the group (besides Name) and of its rules (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
