terraform {
  # As the AWS modules that use it (the aws environment's S3 backend locking needs 1.10).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
