output "service" {
  description = "Endpoint of this service for the environment's `services` output: the keys of the local twin (terraform/modules/objectstore/local) plus `tls` and `ca_bundle`. No secrets."
  value = {
    engine = "s3"
    # The regional endpoint: inside the VPC it is routed through the gateway endpoint; from
    # outside (inbound resolver) it resolves to the interface endpoint.
    host = "s3.${local.region}.amazonaws.com"
    port = 443
    # S3 has no database and no user of its own (access is IAM: the `app_policy_arn` policy).
    database = ""
    username = ""
    # A managed service: no container, volume or image.
    container = ""
    volume    = ""
    image     = ""
    scheme    = "https"
    region    = local.region
    # No admin API (Garage's layout/bucket/key API): buckets are made here and keys are IAM's.
    admin_port  = null
    meta_volume = ""
    # The role's bucket names (documents, backups) are suffixes: S3's names are global.
    bucket_prefix = local.bucket_prefix
    # The bucket policies refuse plaintext and TLS < 1.2. S3's certificates chain to Amazon
    # Trust Services' roots (in every system trust store).
    tls       = true
    ca_bundle = "amazon-trust-services"
  }
}

output "security_group_id" {
  description = "ID of the S3 interface endpoint's security group (HTTPS from the allowed security groups and CIDRs only); null when objectstore.interface_endpoint is false."
  value       = var.objectstore.interface_endpoint ? module.security_group[0].id : null
}

output "buckets" {
  description = "Bucket names by the role's bucket name (documents, backups)."
  value       = { for k, b in aws_s3_bucket.this : k => b.id }
}

output "app_policy_arn" {
  description = "ARN of the IAM policy for the application (the two buckets, the key through S3 only); attach it to the application's role."
  value       = aws_iam_policy.app.arn
}

output "log_bucket" {
  description = "Name of the bucket receiving the S3 server access logs (null when objectstore.access_logging is false)."
  value       = var.objectstore.access_logging ? aws_s3_bucket.logs[0].id : null
}
