terraform {
  # 1.9: variable validations that refer to other variables. The Docker provider is
  # required by the shared container module (../../shared/docker-container).
  required_version = ">= 1.9.0"
}
