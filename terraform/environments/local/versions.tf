terraform {
  required_version = ">= 1.5.0"

  required_providers {
    docker = {
      source  = "kreuzwerker/docker"
      version = "~> 4.6"
    }
  }

  # State is local to the machine and kept outside the repository: the
  # provision role passes `-backend-config=path=<state dir>/terraform.tfstate`
  # so that state, secrets and data volumes share one lifetime.
  backend "local" {}
}

provider "docker" {
  host = var.docker_host
}
