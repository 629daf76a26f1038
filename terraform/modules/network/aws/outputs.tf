output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC (the services' security groups may restrict egress to it)."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, one per availability zone, in the order of `azs`. None has a route to the internet."
  value       = aws_subnet.private[*].id
}

output "private_route_table_id" {
  description = "ID of the private subnets' route table (local route and the S3 gateway endpoint only)."
  value       = aws_route_table.private.id
}

output "azs" {
  description = "Availability zones used, one private subnet each."
  value       = local.azs
}

output "kms_key_arn" {
  description = "ARN of the customer-managed KMS key (rotation on) for everything at rest."
  value       = aws_kms_key.this.arn
}

output "kms_key_id" {
  description = "Key ID of the customer-managed KMS key."
  value       = aws_kms_key.this.key_id
}

output "kms_alias" {
  description = "Alias of the customer-managed KMS key (alias/<name>-data)."
  value       = aws_kms_alias.this.name
}

output "endpoints_security_group_id" {
  description = "ID of the interface endpoints' security group (HTTPS from the VPC CIDR)."
  value       = aws_security_group.endpoints.id
}

output "interface_endpoint_ids" {
  description = "IDs of the interface VPC endpoints, by service short name."
  value       = { for k, e in aws_vpc_endpoint.interface : k => e.id }
}

output "s3_endpoint_id" {
  description = "ID of the S3 gateway endpoint (its prefix list is routed from the private subnets)."
  value       = aws_vpc_endpoint.s3.id
}

output "flow_log_group_name" {
  description = "CloudWatch log group receiving the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
