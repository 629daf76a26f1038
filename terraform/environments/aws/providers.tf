provider "aws" {
  region = var.region
  # Refuses to plan or apply with credentials of another account (null: any).
  allowed_account_ids = var.account_id == "" ? null : [var.account_id]

  # Tags every resource carries (cost allocation, ownership); the modules add `service`.
  default_tags {
    tags = local.tags
  }
}

# The region that receives the cross-region copies of PostgreSQL's automated backups
# (postgres.backup_replication_enabled). Configured even when the copy is off: a module's
# configuration_aliases must always be satisfied; nothing is created there then.
provider "aws" {
  alias               = "replica"
  region              = var.replica_region
  allowed_account_ids = var.account_id == "" ? null : [var.account_id]

  default_tags {
    tags = local.tags
  }
}
