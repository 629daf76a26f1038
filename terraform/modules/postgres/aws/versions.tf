terraform {
  # 1.10: the S3 backend's native locking (use_lockfile) that the aws environment relies on.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
      # aws.replica: the region that receives the copies of the automated backups
      # (postgres.backup_replication_enabled). The caller passes it even when replication is
      # off (providers = { aws = aws, aws.replica = aws.replica }); nothing is created there then.
      configuration_aliases = [aws.replica]
    }
  }
}
