terraform {
  # The Docker provider is required by the shared container module (../../shared/docker-container).
  required_version = ">= 1.5.0"
}
