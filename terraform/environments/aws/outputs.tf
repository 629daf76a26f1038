output "services" {
  description = "The contract with Ansible, as in the local environment: one entry per enabled service (engine, host, port, database, username, container, volume, image, the service's own keys, tls, ca_bundle). Roles read endpoints from here and nowhere else. Holds no secrets."
  value = merge(
    var.postgres.enabled ? { postgres = module.postgres[0].service } : {},
    var.redis.enabled ? { redis = module.redis[0].service } : {},
    var.mongodb.enabled ? { mongodb = module.mongodb[0].service } : {},
    var.weaviate.enabled ? { weaviate = module.weaviate[0].service } : {},
    var.objectstore.enabled ? { objectstore = module.objectstore[0].service } : {},
    var.scylla.enabled ? { scylla = module.scylla[0].service } : {},
  )
}

output "network" {
  description = "The network every service lives in: VPC, private subnets, availability zones, the KMS key of everything at rest, the interface endpoints' security group."
  value = {
    vpc_id                      = module.network.vpc_id
    private_subnet_ids          = module.network.private_subnet_ids
    azs                         = module.network.azs
    kms_key_arn                 = module.network.kms_key_arn
    kms_alias                   = module.network.kms_alias
    endpoints_security_group_id = module.network.endpoints_security_group_id
  }
}

output "security_group_ids" {
  description = "Security group of each enabled service (to reference from other security groups' egress rules)."
  value = merge(
    var.postgres.enabled ? { postgres = module.postgres[0].security_group_id } : {},
    var.redis.enabled ? { redis = module.redis[0].security_group_id } : {},
    var.mongodb.enabled ? { mongodb = module.mongodb[0].security_group_id } : {},
    var.weaviate.enabled ? { weaviate = module.weaviate[0].security_group_id } : {},
    var.objectstore.enabled ? { objectstore = module.objectstore[0].security_group_id } : {},
    var.scylla.enabled ? { scylla = module.scylla[0].security_group_id } : {},
  )
}

output "objectstore" {
  description = "S3 specifics outside the services contract: bucket names by the role's bucket name (documents, backups) and the application's IAM policy ARN; null when the object store is off."
  value = var.objectstore.enabled ? {
    buckets        = module.objectstore[0].buckets
    app_policy_arn = module.objectstore[0].app_policy_arn
  } : null
}
