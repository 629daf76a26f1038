# The security group of one service endpoint (a database, a load balancer, an interface
# endpoint): TCP on `ports` from the allowed security groups and IPv4 CIDRs only, nothing else.
# No egress rule here: a service answers on the connections it accepts (security groups are
# stateful); what a service itself must reach (its own nodes, VPC endpoints) its module adds to
# this group (output `id`). Never open to the internet: the variables refuse any /0.

locals {
  # One rule per (port, source), keyed by both: adding or removing a source or a port touches
  # that source's or port's rules only. A source is a security group ID (sg-...) or a CIDR.
  ingress = {
    for pair in setproduct(var.ports, concat(var.network.allowed_security_group_ids, var.network.allowed_cidr_blocks)) :
    "${pair[0]}/${pair[1]}" => { port = pair[0], source = pair[1], is_group = startswith(pair[1], "sg-") }
  }
}

resource "aws_security_group" "this" {
  # A prefix, not a fixed name: a replaced group (new description) is created before the old
  # one goes (create_before_destroy), which two equal names would forbid.
  name_prefix = "${var.name}-"
  description = var.description
  vpc_id      = var.network.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.ingress

  security_group_id            = aws_security_group.this.id
  description                  = "${var.rule_description} from ${each.value.source}"
  referenced_security_group_id = each.value.is_group ? each.value.source : null
  cidr_ipv4                    = each.value.is_group ? null : each.value.source
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port

  tags = var.tags
}
