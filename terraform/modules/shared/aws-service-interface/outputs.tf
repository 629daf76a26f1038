# The inputs, validated (and network with its optional attributes filled in).

output "name" {
  description = "The validated resource name prefix."
  value       = var.name
}

output "network" {
  description = "The validated network object (allowed_security_group_ids and allowed_cidr_blocks default to [])."
  value       = var.network
}

output "kms_key_arn" {
  description = "The validated KMS key ARN."
  value       = var.kms_key_arn
}
