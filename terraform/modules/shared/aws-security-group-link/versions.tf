terraform {
  # As the AWS modules that use it (the aws environment's S3 backend locking needs 1.10).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      # A building block: the lowest provider version it needs; the environment root pins the
      # range it is tested with (~> 6.0, the schema tests/unit/test_aws_schema.py checks).
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}
