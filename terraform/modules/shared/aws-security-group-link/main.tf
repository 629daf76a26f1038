# Lets the members of one security group reach those of another on some TCP ports, and nothing
# else: the egress rule on `from` and the matching ingress rule on `to`, one pair per port (both
# sides are needed where the groups have no catch-all egress, as every group here). `from` and
# `to` may be the same group: the members of a cluster talking to each other.

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = toset([for p in var.ports : tostring(p)])

  security_group_id            = var.from_security_group_id
  description                  = var.egress_description
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = var.to_security_group_id
  tags                         = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = toset([for p in var.ports : tostring(p)])

  security_group_id            = var.to_security_group_id
  description                  = var.ingress_description
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.key)
  to_port                      = tonumber(each.key)
  referenced_security_group_id = var.from_security_group_id
  tags                         = var.tags
}
