output "id" {
  description = "ID of the security group (to attach to the service, and to add the service's own rules to)."
  value       = aws_security_group.this.id
}
