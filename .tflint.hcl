# tflint core rules (the terraform ruleset bundled with tflint). The AWS ruleset
# plugin cannot be downloaded on our machines; see README "Verification".
# Every module directory (services and the shared container module) is linted on its own
# (Makefile TF_DIRS), and `terraform validate` checks the module calls: tflint does not
# evaluate module calls, whose secret inputs are null until Ansible supplies them.
config {
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}
