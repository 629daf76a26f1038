terraform {
  # 1.10: the S3 backend's native state locking (use_lockfile), and variable validations that
  # compare two variables (the production sizing rules).
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Remote state, as the design asks for production. Partial configuration: the provision role
  # writes bucket, key, region, encryption and locking into a .tfbackend file of the run
  # (roles/provision/tasks/tree.yml) and passes it to `terraform init -backend-config=...`;
  # each inventory (aws, aws-staging) has its own state key.
  backend "s3" {}
}
