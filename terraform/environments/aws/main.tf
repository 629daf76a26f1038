locals {
  # Prefix of every resource name: two instances of this environment (aws, aws-staging) in one
  # account never collide.
  name = "${var.project_name}-${var.environment}"

  tags = merge(var.tags, {
    project     = var.project_name
    environment = var.environment
    managed-by  = "terraform"
  })

  # Where every service lives and who may reach it: the `network` input of each module of
  # terraform/modules/*/aws (with name, kms_key_arn, production and tags, their common interface).
  service_network = {
    vpc_id                     = module.network.vpc_id
    subnet_ids                 = module.network.private_subnet_ids
    allowed_security_group_ids = var.allowed_security_group_ids
    allowed_cidr_blocks        = var.allowed_cidr_blocks
  }
}

# The roles connect from somewhere: with neither security groups nor CIDRs allowed, every
# service is created but nothing can reach it (a warning, not an error: a first apply may
# create the network before the controller's security group exists).
check "services_are_reachable" {
  assert {
    condition     = length(var.allowed_security_group_ids) + length(var.allowed_cidr_blocks) > 0
    error_message = "Neither allowed_security_group_ids nor allowed_cidr_blocks is set: no client (not even Ansible) can reach the services."
  }
}

module "network" {
  source = "../../modules/network/aws"

  name                    = local.name
  vpc_cidr                = var.vpc_cidr
  az_count                = var.az_count
  interface_endpoints     = var.interface_endpoints
  flow_log_retention_days = var.flow_log_retention_days
}

module "postgres" {
  source = "../../modules/postgres/aws"
  count  = var.postgres.enabled ? 1 : 0

  providers = {
    aws         = aws
    aws.replica = aws.replica
  }

  name        = local.name
  network     = local.service_network
  kms_key_arn = module.network.kms_key_arn
  production  = var.production
  tags        = { service = "postgres" }

  postgres                = var.postgres
  postgres_admin_password = var.postgres_admin_password
}

module "redis" {
  source = "../../modules/redis/aws"
  count  = var.redis.enabled ? 1 : 0

  name        = local.name
  network     = local.service_network
  kms_key_arn = module.network.kms_key_arn
  production  = var.production
  tags        = { service = "redis" }

  redis                = var.redis
  redis_admin_password = var.redis_admin_password
  redis_app_password   = var.redis_app_password
}

module "mongodb" {
  source = "../../modules/mongodb/aws"
  count  = var.mongodb.enabled ? 1 : 0

  name        = local.name
  network     = local.service_network
  kms_key_arn = module.network.kms_key_arn
  production  = var.production
  tags        = { service = "mongodb" }

  mongodb                = var.mongodb
  mongodb_admin_password = var.mongodb_admin_password
}

module "weaviate" {
  source = "../../modules/weaviate/aws"
  count  = var.weaviate.enabled ? 1 : 0

  name        = local.name
  network     = local.service_network
  kms_key_arn = module.network.kms_key_arn
  production  = var.production
  tags        = { service = "weaviate" }

  weaviate               = var.weaviate
  weaviate_admin_api_key = var.weaviate_admin_api_key
  weaviate_app_api_key   = var.weaviate_app_api_key
}

module "objectstore" {
  source = "../../modules/objectstore/aws"
  count  = var.objectstore.enabled ? 1 : 0

  name        = local.name
  network     = local.service_network
  kms_key_arn = module.network.kms_key_arn
  production  = var.production
  tags        = { service = "objectstore" }

  objectstore = var.objectstore

  # The S3 interface endpoint's private DNS (inbound resolver only) requires the network
  # module's S3 gateway endpoint to exist first.
  depends_on = [module.network]
}

module "scylla" {
  source = "../../modules/scylla/aws"
  count  = var.scylla.enabled ? 1 : 0

  name        = local.name
  network     = local.service_network
  kms_key_arn = module.network.kms_key_arn
  production  = var.production
  tags        = { service = "scylla" }

  scylla                = var.scylla
  scylla_admin_password = var.scylla_admin_password
}
