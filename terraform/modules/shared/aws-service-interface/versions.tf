terraform {
  # As the AWS service modules that call it. No provider: nothing is created here.
  required_version = ">= 1.10"
}
