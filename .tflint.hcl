# tflint core rules (the terraform ruleset bundled with tflint). The AWS ruleset
# plugin cannot be downloaded on our machines; see README "Verification".
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
