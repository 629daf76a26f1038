# The inputs, validated (and network with its optional attributes filled in).

output "name" {
  description = "The validated resource name prefix."
  value       = var.name
}

output "network" {
  description = "The validated network object (vpc_id, subnet_ids)."
  value       = var.network
}

output "kms_key_arn" {
  description = "The validated KMS key ARN."
  value       = var.kms_key_arn
}
