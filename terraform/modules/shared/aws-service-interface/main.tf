# The inputs every terraform/modules/<service>/aws module takes alike (name, network,
# kms_key_arn), validated once: each service module declares them with their types and passes
# them here, so a wrong value fails `terraform plan` with the messages below whichever service
# it was given to. Nothing is created. Who may connect (network.allowed_security_group_ids,
# network.allowed_cidr_blocks) is validated by terraform/modules/shared/aws-security-group,
# where the rules are made.
