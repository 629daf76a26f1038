terraform {
  # 1.10: the S3 backend's native locking (use_lockfile) that the aws environment relies on.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
