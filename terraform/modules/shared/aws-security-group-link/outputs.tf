output "rule_ids" {
  description = "IDs of the rules made, by direction and port (egress on `from`, ingress on `to`)."
  value = {
    egress  = { for port, rule in aws_vpc_security_group_egress_rule.this : port => rule.security_group_rule_id }
    ingress = { for port, rule in aws_vpc_security_group_ingress_rule.this : port => rule.security_group_rule_id }
  }
}
