provider "aws" {
  region = var.region

  # Tags every resource carries (cost allocation, ownership); the modules add `service`.
  default_tags {
    tags = local.tags
  }
}

# The region that receives the cross-region copies of PostgreSQL's automated backups
# (postgres.backup_replication_enabled). Configured even when the copy is off: a module's
# configuration_aliases must always be satisfied; nothing is created there then.
provider "aws" {
  alias  = "replica"
  region = var.replica_region

  default_tags {
    tags = local.tags
  }
}
