# What every terraform/modules/<service>/aws module takes alike: name, network, kms_key_arn (typed
# here, validated by terraform/modules/shared/aws-service-interface), tags and production; then
# this service's object and its secrets.

variable "name" {
  description = "Prefix of every AWS object of this module, \"<project>-<env>\" (3-40 lowercase letters, digits and dashes): the cluster is <name>-scylla."
  type        = string
}

variable "network" {
  description = "The VPC and the private subnets (no route to an internet gateway) of the nodes, one per availability zone, at least two: node i runs in subnet i mod len(subnet_ids), so three nodes over three subnets are three AZs (and, with Ec2Snitch, three racks). allowed_security_group_ids, allowed_cidr_blocks (IPv4, never a /0): who may open CQL connections (TCP 9042, TLS only)."
  type = object({
    vpc_id                     = string
    subnet_ids                 = list(string)
    allowed_security_group_ids = optional(list(string), [])
    allowed_cidr_blocks        = optional(list(string), [])
  })
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts everything at rest here: root and data volumes, the secrets, the backup vault."
  type        = string
}

variable "tags" {
  description = "Tags added to every AWS object of this module (besides Name and service)."
  type        = map(string)
  default     = {}
}

variable "production" {
  description = "Production safeguards: termination protection on the instances, a final snapshot of each data volume on destroy, backup vault not force-destroyed, 30-day secret recovery window, and the design document's sizing (32 GB+ memory and 8+ vCPU per node) enforced on instance_type."
  type        = bool
}

variable "scylla" {
  description = <<-EOT
    ScyllaDB cluster on EC2 (the AWS counterpart of the local environment's `scylla` object):
      ami                    ScyllaDB machine image (ami-...) of the region: the official ScyllaDB AMI or one built
                             from scylladb/scylla-machine-image, with the AWS CLI v2 (the first-boot script reads
                             Secrets Manager with it). Required.
      node_count             nodes, 1-9 (node1 is the seed); the keyspace's RF is min(3, node_count)
      instance_type          EC2 type; default m7i.2xlarge = 8 vCPU / 32 GiB (the design document's production
                             minimum per node), EBS-only so the data lives on the KMS-encrypted data volume
      root_volume_size_gb    encrypted gp3 root volume
      data_volume_size_gb    encrypted data volume (/var/lib/scylla), one per node, kept when an instance goes
      data_volume_type       gp3 or io2
      data_volume_iops       provisioned IOPS (gp3: 3000-16000, io2: required)
      data_volume_throughput gp3 throughput in MiB/s (125-1000)
      keyspace               application keyspace (created by the scylla role), reported as `database`
      admin_user             superuser the nodes create at first start (auth_superuser_name), reported as `username`
      cluster_name           Scylla cluster_name (default "<name>-scylla")
      ssm_access             attach AmazonSSMManagedInstanceCore: operator shell through Session Manager, no SSH
      tls_secret_arn         existing Secrets Manager secret holding the TLS bundle (JSON: ca, certificate,
                             private_key), encrypted with kms_key_arn; null = this module creates an empty one
      backup_retention_days  AWS Backup: daily EBS snapshots of the data volumes kept this many days (1-35)
      backup_schedule        AWS Backup cron expression (default 03:00 UTC, the design's backup window)
      backup_copy_vault_arn  optional backup vault in another region: each recovery point is copied there
  EOT
  type = object({
    ami                    = optional(string)
    node_count             = optional(number, 3)
    instance_type          = optional(string, "m7i.2xlarge")
    root_volume_size_gb    = optional(number, 30)
    data_volume_size_gb    = optional(number, 500)
    data_volume_type       = optional(string, "gp3")
    data_volume_iops       = optional(number, 3000)
    data_volume_throughput = optional(number, 250)
    keyspace               = optional(string, "app")
    admin_user             = optional(string, "platform_admin")
    cluster_name           = optional(string)
    ssm_access             = optional(bool, true)
    tls_secret_arn         = optional(string)
    backup_retention_days  = optional(number, 7)
    backup_schedule        = optional(string, "cron(0 3 * * ? *)")
    backup_copy_vault_arn  = optional(string)
  })
  default = {}

  validation {
    condition     = var.scylla.ami != null && can(regex("^ami-[0-9a-f]{8,17}$", var.scylla.ami))
    error_message = "scylla.ami must be an AMI ID (ami-xxxxxxxx) of the region: a ScyllaDB machine image."
  }

  validation {
    condition     = floor(var.scylla.node_count) == var.scylla.node_count && var.scylla.node_count >= 1 && var.scylla.node_count <= 9
    error_message = "scylla.node_count must be an integer from 1 to 9."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[0-9a-z]+$", var.scylla.instance_type))
    error_message = "scylla.instance_type must be an EC2 instance type such as m7i.2xlarge."
  }

  validation {
    condition     = var.scylla.root_volume_size_gb >= 20 && var.scylla.data_volume_size_gb >= 10 && var.scylla.data_volume_size_gb <= 65536
    error_message = "scylla.root_volume_size_gb must be at least 20 and scylla.data_volume_size_gb from 10 to 65536."
  }

  validation {
    condition = contains(["gp3", "io2"], var.scylla.data_volume_type) && (
      var.scylla.data_volume_type == "gp3"
      ? var.scylla.data_volume_iops >= 3000 && var.scylla.data_volume_iops <= 16000 && var.scylla.data_volume_throughput >= 125 && var.scylla.data_volume_throughput <= 1000
      : var.scylla.data_volume_iops >= 100 && var.scylla.data_volume_iops <= 256000
    )
    error_message = "scylla.data_volume_type must be gp3 (iops 3000-16000, throughput 125-1000 MiB/s) or io2 (iops 100-256000)."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,47}$", var.scylla.keyspace))
    error_message = "scylla.keyspace must be a lowercase CQL identifier of at most 48 characters."
  }

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,47}$", var.scylla.admin_user)) && var.scylla.admin_user != "cassandra"
    error_message = "scylla.admin_user must be a lowercase CQL identifier other than 'cassandra'."
  }

  validation {
    condition     = var.scylla.cluster_name == null || can(regex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", var.scylla.cluster_name))
    error_message = "scylla.cluster_name must be 1-64 of A-Z a-z 0-9 _ . - (it is written into scylla.yaml)."
  }

  validation {
    condition     = var.scylla.tls_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.scylla.tls_secret_arn))
    error_message = "scylla.tls_secret_arn must be null or the ARN of a Secrets Manager secret."
  }
}

variable "scylla_admin_password" {
  description = "Password of the superuser role scylla.admin_user (the platform's generated secret scylla_admin_password). Stored in Secrets Manager (KMS) by this module; each node reads it at first boot and writes only its SHA-512 crypt hash into scylla.yaml. Never part of user_data."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.scylla_admin_password))
    error_message = "scylla_admin_password must be 16-128 characters from A-Z a-z 0-9 _ . ~ -."
  }
}
