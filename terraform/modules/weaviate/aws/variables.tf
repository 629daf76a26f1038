# What every terraform/modules/<service>/aws module takes alike: name, network, kms_key_arn (typed
# here, validated by terraform/modules/shared/aws-service-interface), tags and production; then
# this service's object and its secrets.

variable "name" {
  description = "Prefix of every AWS object of this module, \"<project>-<env>\" (3-40 lowercase letters, digits and dashes): the service is <name>-weaviate."
  type        = string
}

variable "network" {
  description = "The VPC and the private subnets (no route to an internet gateway), one per availability zone, at least two: the internal load balancer spans them, the file system has a mount target in each, the task runs in one of them. allowed_security_group_ids, allowed_cidr_blocks (IPv4, never a /0): who may reach the load balancer (HTTPS and gRPC over TLS)."
  type = object({
    vpc_id                     = string
    subnet_ids                 = list(string)
    allowed_security_group_ids = optional(list(string), [])
    allowed_cidr_blocks        = optional(list(string), [])
  })
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts everything at rest here: the file system, the API keys secret, the log group, the backup vault."
  type        = string
}

variable "tags" {
  description = "Tags added to every AWS object of this module (besides Name and service)."
  type        = map(string)
  default     = {}
}

variable "production" {
  description = "Production safeguards: deletion protection on the load balancer, a 30-day recovery window on the API keys secret, the backup vault not force-destroyed."
  type        = bool
}

variable "weaviate" {
  description = <<-EOT
    Weaviate on ECS Fargate behind an internal Application Load Balancer (the AWS counterpart of the
    local environment's `weaviate` object):
      image                  image honouring the upstream weaviate image contract. In private subnets without a
                             NAT gateway it must come from ECR (a copy or a pull-through cache); the task may then
                             reach ECR and S3 only through the VPC endpoints.
      cpus, memory_mb        Fargate task size (a valid Fargate combination); GOMEMLIMIT = 80% of memory_mb
      port                   HTTPS listener (REST and GraphQL) on the load balancer
      grpc_port              HTTPS listener for gRPC (HTTP/2, the v4 clients) on the load balancer
      certificate_arn        ACM certificate of both listeners (its names must cover `hostname`). Required.
      hostname               DNS name clients use (and verify against the certificate); null = the load balancer's
                             own DNS name
      route53_zone_id        private hosted zone in which to create `hostname` as an alias of the load balancer
      ca_bundle              the CA clients must trust for that certificate: "system" (the OS trust store) for a
                             public ACM certificate, or the name/ARN of the private CA that issued it
      access_logs_bucket     S3 bucket for the load balancer's access logs (null = off); its policy must let
                             Elastic Load Balancing write
      image_pull_cidr_blocks extra HTTPS egress of the task, only for pulling `image` from a public registry
                             through a NAT gateway (e.g. ["0.0.0.0/0"]); [] = VPC endpoints and S3 only
      admin_user, app_user   API key users (same meaning and rules as locally)
      backup_retention_days  AWS Backup: daily backups of the file system kept this many days (1-35)
      backup_schedule        AWS Backup cron expression (default 03:00 UTC, the design's backup window)
      backup_copy_vault_arn  optional backup vault in another region: each recovery point is copied there
  EOT
  type = object({
    image                  = optional(string, "cr.weaviate.io/semitechnologies/weaviate:1.38.11")
    cpus                   = optional(number, 1)
    memory_mb              = optional(number, 4096)
    port                   = optional(number, 443)
    grpc_port              = optional(number, 50051)
    certificate_arn        = optional(string, "")
    hostname               = optional(string)
    route53_zone_id        = optional(string)
    ca_bundle              = optional(string, "system")
    access_logs_bucket     = optional(string)
    image_pull_cidr_blocks = optional(list(string), [])
    admin_user             = optional(string, "admin")
    app_user               = optional(string, "app")
    backup_retention_days  = optional(number, 7)
    backup_schedule        = optional(string, "cron(0 3 * * ? *)")
    backup_copy_vault_arn  = optional(string)
  })
  default = {}

  validation {
    condition     = length(trimspace(var.weaviate.image)) > 0
    error_message = "weaviate.image must not be empty."
  }

  validation {
    condition     = contains([0.25, 0.5, 1, 2, 4, 8, 16], var.weaviate.cpus)
    error_message = "weaviate.cpus must be a Fargate task size: 0.25, 0.5, 1, 2, 4, 8 or 16."
  }

  # Fargate's task sizes (local.fargate_memory: the memory sizes allowed for each vCPU count).
  validation {
    condition     = contains(lookup(local.fargate_memory, tostring(var.weaviate.cpus), []), var.weaviate.memory_mb)
    error_message = "weaviate.memory_mb must be a Fargate memory size for weaviate.cpus: 0.25 vCPU 512/1024/2048; 0.5: 1024-4096, 1: 2048-8192, 2: 4096-16384, 4: 8192-30720 (1024 steps); 8: 16384-61440 (4096 steps); 16: 32768-122880 (8192 steps)."
  }

  validation {
    condition = alltrue([
      for p in [var.weaviate.port, var.weaviate.grpc_port] : floor(p) == p && p >= 1 && p <= 65535
    ]) && var.weaviate.port != var.weaviate.grpc_port
    error_message = "weaviate.port and weaviate.grpc_port must be two different TCP ports (1-65535)."
  }

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.weaviate.certificate_arn))
    error_message = "weaviate.certificate_arn is required: the ARN of the ACM certificate of the load balancer's HTTPS listeners (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }

  validation {
    condition     = var.weaviate.hostname == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.weaviate.hostname))
    error_message = "weaviate.hostname must be null or a lowercase DNS name such as weaviate.internal.example.com."
  }

  validation {
    condition     = var.weaviate.route53_zone_id == null || (var.weaviate.hostname != null && can(regex("^Z[0-9A-Z]{1,31}$", var.weaviate.route53_zone_id)))
    error_message = "weaviate.route53_zone_id must be null or a hosted zone ID (Z...), and needs weaviate.hostname."
  }

  validation {
    condition     = length(trimspace(var.weaviate.ca_bundle)) > 0
    error_message = "weaviate.ca_bundle must name the CA clients trust (\"system\" for a public ACM certificate)."
  }

  validation {
    condition     = var.weaviate.access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.weaviate.access_logs_bucket))
    error_message = "weaviate.access_logs_bucket must be null or an S3 bucket name."
  }

  validation {
    condition     = alltrue([for c in var.weaviate.image_pull_cidr_blocks : can(regex("^(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$", c)) && can(cidrhost(c, 0))])
    error_message = "weaviate.image_pull_cidr_blocks must be IPv4 CIDR blocks (a.b.c.d/n)."
  }

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_-]{0,63}$", var.weaviate.admin_user)) && can(regex("^[A-Za-z][A-Za-z0-9_-]{0,63}$", var.weaviate.app_user)) && var.weaviate.admin_user != var.weaviate.app_user
    error_message = "weaviate.admin_user and weaviate.app_user must be two different names of 1-64 of A-Z a-z 0-9 _ - starting with a letter."
  }
}

variable "weaviate_admin_api_key" {
  description = "API key of Weaviate's admin (RBAC root) user. Stored by this module in a KMS-encrypted Secrets Manager secret; the task gets it through the task definition's `secrets` (the ECS agent resolves it at start), never as a plain environment value of the task definition."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.weaviate_admin_api_key))
    error_message = "weaviate_admin_api_key must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (no commas: the keys are a comma-separated list)."
  }
}

variable "weaviate_app_api_key" {
  description = "API key of Weaviate's application user. Stored and delivered like weaviate_admin_api_key."
  type        = string
  sensitive   = true

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{16,128}$", var.weaviate_app_api_key))
    error_message = "weaviate_app_api_key must be 16-128 characters from A-Z a-z 0-9 _ . ~ - (no commas: the keys are a comma-separated list)."
  }
}
