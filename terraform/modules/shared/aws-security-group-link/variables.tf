variable "from_security_group_id" {
  description = "The group whose members connect (it gets the egress rules)."
  type        = string
}

variable "to_security_group_id" {
  description = "The group whose members accept the connections (it gets the ingress rules); may be from_security_group_id itself."
  type        = string
}

variable "ports" {
  description = "TCP ports the connections go to (one egress and one ingress rule each)."
  type        = list(number)

  validation {
    condition     = length(var.ports) > 0 && alltrue([for p in var.ports : floor(p) == p && p >= 1 && p <= 65535]) && length(distinct(var.ports)) == length(var.ports)
    error_message = "ports must list one or more distinct TCP ports (integers from 1 to 65535)."
  }
}

variable "egress_description" {
  description = "Description of the egress rules on the `from` group, e.g. \"To the Weaviate task (REST and gRPC)\"."
  type        = string
}

variable "ingress_description" {
  description = "Description of the ingress rules on the `to` group, e.g. \"From the load balancer (REST and gRPC)\"."
  type        = string
}

variable "tags" {
  description = "Tags of the rules (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
