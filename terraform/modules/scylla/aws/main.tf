# ScyllaDB on EC2: node_count instances spread over the private subnets (one AZ each), each with a
# fixed network interface (its address survives a replaced instance, and node1's address is the
# seed every node's user data names before any instance boots) and a KMS-encrypted data volume
# kept apart from the instance. No SSH: no key pair, no port 22; operators use Session Manager.
#
# Secrets never travel in user data (readable through ec2:DescribeInstanceAttribute by anyone with
# that read permission): the superuser password and the TLS bundle live in Secrets Manager,
# encrypted with the KMS key, and each node's first-boot script reads them with its instance
# profile (templates/post-configuration.sh.tftpl).

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_vpc" "this" {
  id = var.network.vpc_id
}

data "aws_subnet" "this" {
  count = length(var.network.subnet_ids)
  id    = var.network.subnet_ids[count.index]
}

# Memory and vCPUs of the chosen type: the production sizing check below.
data "aws_ec2_instance_type" "this" {
  instance_type = var.scylla.instance_type
}

locals {
  name = "${var.name}-scylla"
  # IAM name prefixes are limited to 38 characters.
  short_name   = substr(local.name, 0, 28)
  cluster_name = coalesce(var.scylla.cluster_name, local.name)
  tags         = merge(var.tags, { service = "scylla" })
  cql_port     = 9042
  # Inter-node RPC: 7000 plain, 7001 TLS (internode_encryption: all makes the nodes use 7001).
  internode_ports = [7000, 7001]

  subnet_count = length(var.network.subnet_ids)
  # Node i runs in subnet i mod subnet_count: distinct AZs for the first subnet_count nodes.
  node_subnets = [for i in range(var.scylla.node_count) : data.aws_subnet.this[i % local.subnet_count]]

  tls_secret_arn = coalesce(var.scylla.tls_secret_arn, one(aws_secretsmanager_secret.tls[*].arn))
  tls_dir        = "/etc/scylla/tls"
  seed_address   = aws_network_interface.node[0].private_ip

  # What the ScyllaDB machine image's first boot reads (user data format "scylla_yaml" +
  # post_configuration_script, YAML accepted besides JSON). Nothing secret in here.
  user_data = [for i in range(var.scylla.node_count) : yamlencode({
    scylla_yaml = {
      cluster_name = local.cluster_name
      seed_provider = [{
        class_name = "org.apache.cassandra.locator.SimpleSeedProvider"
        parameters = [{ seeds = local.seed_address }]
      }]
      listen_address        = aws_network_interface.node[i].private_ip
      broadcast_address     = aws_network_interface.node[i].private_ip
      rpc_address           = aws_network_interface.node[i].private_ip
      broadcast_rpc_address = aws_network_interface.node[i].private_ip
      # Data center = region, rack = availability zone: replicas land in distinct AZs.
      endpoint_snitch = "org.apache.cassandra.locator.Ec2Snitch"
      # REST API (10000) on loopback only: nodetool and scylla tools on the node use it.
      api_address = "127.0.0.1"
      # Roles and permissions; the first superuser comes from the configuration, so the
      # well-known cassandra/cassandra superuser never exists on this cluster. Its password
      # hash is appended by the first-boot script (auth_superuser_salted_password).
      authenticator       = "PasswordAuthenticator"
      authorizer          = "CassandraAuthorizer"
      auth_superuser_name = var.scylla.admin_user
      # CQL (9042) accepts TLS only: no native_transport_port_ssl, so the one CQL port is TLS.
      client_encryption_options = {
        enabled     = true
        certificate = "${local.tls_dir}/node.crt"
        keyfile     = "${local.tls_dir}/node.key"
      }
      # Node-to-node traffic is TLS too, verified against the same CA.
      server_encryption_options = {
        internode_encryption = "all"
        certificate          = "${local.tls_dir}/node.crt"
        keyfile              = "${local.tls_dir}/node.key"
        truststore           = "${local.tls_dir}/ca.crt"
      }
    }
    developer_mode                    = false
    start_scylla_on_first_boot        = false
    device_wait_seconds               = 300
    post_configuration_script_timeout = 3600
    post_configuration_script = templatefile("${path.module}/templates/post-configuration.sh.tftpl", {
      node_name        = "node${i + 1}"
      region           = data.aws_region.current.region
      tls_secret_arn   = local.tls_secret_arn
      admin_secret_arn = aws_secretsmanager_secret.admin.arn
      seed_address     = local.seed_address
      node_address     = aws_network_interface.node[i].private_ip
    })
  })]
}

# name, network and kms_key_arn: validated by the rules every service module shares.
module "interface" {
  source = "../../shared/aws-service-interface"

  name        = var.name
  network     = var.network
  kms_key_arn = var.kms_key_arn
}

# --- Secrets -------------------------------------------------------------------------------------

# The superuser password: Terraform writes it (it is in the state, which is encrypted in the S3
# backend); the nodes read it once at first boot. Rotating it is the scylla role's job (ALTER ROLE)
# followed by a put-secret-value; Secrets Manager rotation would need a Lambda speaking CQL.
resource "aws_secretsmanager_secret" "admin" {
  name_prefix             = "${local.name}-admin-password-"
  description             = "Password of the ScyllaDB superuser ${var.scylla.admin_user} (${local.cluster_name}); read by the nodes at first boot."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.production ? 30 : 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "admin" {
  secret_id     = aws_secretsmanager_secret.admin.id
  secret_string = var.scylla_admin_password
}

# The TLS bundle: JSON {"ca", "certificate", "private_key"} (PEM). Terraform creates the empty
# secret only; whoever holds the CA (the platform's TLS step, or an operator) issues one node
# certificate whose subject alternative names cover every node's address and DNS name (the
# `service.nodes` output) and puts it here with `aws secretsmanager put-secret-value`: the private
# key never enters the Terraform state. The nodes wait for it at first boot.
resource "aws_secretsmanager_secret" "tls" {
  count = var.scylla.tls_secret_arn == null ? 1 : 0

  name_prefix             = "${local.name}-tls-"
  description             = "TLS bundle of the ScyllaDB nodes of ${local.cluster_name}: JSON with ca, certificate and private_key (PEM)."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.production ? 30 : 7
  tags                    = local.tags
}

# --- Instance profile: read two secrets, decrypt through Secrets Manager, optional SSM shell -------

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name_prefix        = "${local.short_name}-node-"
  description        = "ScyllaDB nodes of ${local.cluster_name}: read their two secrets at first boot; Session Manager if enabled."
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
  tags               = local.tags
}

data "aws_iam_policy_document" "node" {
  statement {
    sid       = "ReadOwnSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.admin.arn, local.tls_secret_arn]
  }

  # The key decrypts only what Secrets Manager hands to this role (EBS encryption uses the
  # key through EC2's own grants, not through the role).
  statement {
    sid       = "DecryptSecretsOnly"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "node" {
  name   = "read-boot-secrets"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.node.json
}

# Shell access for operators without SSH, keys or an open port: Session Manager (the AWS managed
# policy is the minimum the SSM agent needs; sessions are logged by CloudTrail).
resource "aws_iam_role_policy_attachment" "ssm" {
  count = var.scylla.ssm_access ? 1 : 0

  role       = aws_iam_role.node.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "node" {
  name_prefix = "${local.short_name}-node-"
  role        = aws_iam_role.node.name
  tags        = local.tags
}

# --- Security group ------------------------------------------------------------------------------

# CQL from the allowed security groups and CIDR blocks only. JMX (7199), the REST API (10000,
# loopback), Prometheus (9180) and the shard-aware port (19042; drivers fall back to 9042) stay
# closed. Inter-node RPC and the nodes' own egress are added to the group below.
module "security_group" {
  source = "../../shared/aws-security-group"

  name             = local.name
  description      = "ScyllaDB nodes of ${local.cluster_name}: CQL (TLS) from the allowed groups and CIDRs, inter-node RPC between the nodes only"
  network          = var.network
  ports            = [local.cql_port]
  rule_description = "CQL (TLS)"
  tags             = local.tags
}

# Inter-node RPC between the nodes of this cluster only (the group to itself, both directions).
module "internode" {
  source = "../../shared/aws-security-group-link"

  from_security_group_id = module.security_group.id
  to_security_group_id   = module.security_group.id
  ports                  = local.internode_ports
  egress_description     = "Inter-node RPC to the other nodes of this cluster"
  ingress_description    = "Inter-node RPC between the nodes of this cluster"
  tags                   = local.tags
}

# HTTPS inside the VPC only: the interface endpoints (Secrets Manager, KMS, SSM) the nodes call.
# DNS and the time service (169.254.169.123) are not filtered by security groups.
resource "aws_vpc_security_group_egress_rule" "https_vpc" {
  security_group_id = module.security_group.id
  description       = "HTTPS to the VPC interface endpoints (Secrets Manager, KMS, SSM)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  tags              = local.tags
}

# --- Nodes ---------------------------------------------------------------------------------------

# One interface per node, created before any instance: its address is the node's identity in the
# ring and in its certificate, and stays when the instance is replaced.
resource "aws_network_interface" "node" {
  count = var.scylla.node_count

  subnet_id       = local.node_subnets[count.index].id
  security_groups = [module.security_group.id]
  description     = "ScyllaDB ${local.cluster_name} node${count.index + 1}"
  tags            = merge(local.tags, { Name = "${local.name}-node${count.index + 1}", node = "node${count.index + 1}" })
}

resource "aws_instance" "node" {
  count = var.scylla.node_count

  ami                     = var.scylla.ami
  instance_type           = var.scylla.instance_type
  iam_instance_profile    = aws_iam_instance_profile.node.name
  ebs_optimized           = true
  monitoring              = true
  disable_api_termination = var.production
  user_data               = local.user_data[count.index]

  primary_network_interface {
    network_interface_id = aws_network_interface.node[count.index].id
  }

  # IMDSv2 only, one hop: a process in a container on the node cannot reach the credentials.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    encrypted             = true
    kms_key_id            = var.kms_key_arn
    volume_type           = "gp3"
    volume_size           = var.scylla.root_volume_size_gb
    delete_on_termination = true
    tags                  = merge(local.tags, { Name = "${local.name}-node${count.index + 1}-root" })
  }

  tags = merge(local.tags, { Name = "${local.name}-node${count.index + 1}", node = "node${count.index + 1}" })

  lifecycle {
    # A new AMI or a changed user data applies to new nodes only: replacing a running node is a
    # ScyllaDB procedure (drain, replace, repair), never a side effect of a plan.
    ignore_changes = [ami, user_data]

    precondition {
      condition     = !var.production || (data.aws_ec2_instance_type.this.memory_size >= 32768 && data.aws_ec2_instance_type.this.default_vcpus >= 8)
      error_message = "scylla.instance_type ${var.scylla.instance_type} has ${data.aws_ec2_instance_type.this.memory_size} MiB and ${data.aws_ec2_instance_type.this.default_vcpus} vCPUs: production needs 32 GiB+ and 8+ vCPUs per node (design document)."
    }

    precondition {
      condition     = length(distinct([for s in data.aws_subnet.this : s.availability_zone])) == local.subnet_count && alltrue([for s in data.aws_subnet.this : s.vpc_id == var.network.vpc_id])
      error_message = "network.subnet_ids must be subnets of network.vpc_id in distinct availability zones (one per AZ)."
    }
  }
}

# Data volumes live apart from the instances: a replaced instance gets its node's data back.
resource "aws_ebs_volume" "data" {
  count = var.scylla.node_count

  availability_zone = local.node_subnets[count.index].availability_zone
  size              = var.scylla.data_volume_size_gb
  type              = var.scylla.data_volume_type
  iops              = var.scylla.data_volume_iops
  throughput        = var.scylla.data_volume_type == "gp3" ? var.scylla.data_volume_throughput : null
  encrypted         = true
  kms_key_id        = var.kms_key_arn
  final_snapshot    = var.production
  tags              = merge(local.tags, { Name = "${local.name}-node${count.index + 1}-data", node = "node${count.index + 1}" })
}

# Attached after the instance starts; the image's first boot waits for it (device_wait_seconds).
resource "aws_volume_attachment" "data" {
  count = var.scylla.node_count

  device_name                    = "/dev/sdf"
  volume_id                      = aws_ebs_volume.data[count.index].id
  instance_id                    = aws_instance.node[count.index].id
  stop_instance_before_detaching = true
}

# --- Backups: daily EBS snapshots of every data volume (AWS Backup, KMS-encrypted vault) ---------
# Snapshots of all nodes taken in the same window restore the whole cluster (crash-consistent per
# node; ScyllaDB replays its commit log). Keyspace-level backups (nodetool snapshot / ScyllaDB
# Manager to S3) are an application-level complement, not set up here.

module "backup" {
  source = "../../shared/aws-backup-plan"

  name             = local.name
  resources        = aws_ebs_volume.data[*].arn
  kms_key_arn      = var.kms_key_arn
  schedule         = var.scylla.backup_schedule
  retention_days   = var.scylla.backup_retention_days
  copy_vault_arn   = var.scylla.backup_copy_vault_arn
  role_description = "AWS Backup snapshots and restores of the ScyllaDB data volumes of ${local.cluster_name}."
  production       = var.production
  tags             = local.tags
}
