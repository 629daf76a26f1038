# Weaviate ("Vector Store - Managed" in the design) on ECS Fargate: one task, its data on a
# KMS-encrypted EFS file system (through an access point, TLS and IAM-authorized), behind an
# INTERNAL Application Load Balancer that terminates TLS: HTTPS for REST/GraphQL on `port`, gRPC
# (HTTP/2) on `grpc_port`. The API keys come from Secrets Manager through the task definition's
# `secrets`; the task definition itself holds no key.
#
# One task, never two: Weaviate is a single-node server here and two processes must never open
# the same data directory, so a deployment stops the old task before the new one starts
# (minimum 0 %, maximum 100 %): a short outage per deployment instead of a corrupted index.

data "aws_region" "current" {}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

data "aws_vpc" "this" {
  id = var.network.vpc_id
}

# S3 (gateway endpoint) addresses: ECR image layers are stored in S3.
data "aws_ec2_managed_prefix_list" "s3" {
  name = "com.amazonaws.${data.aws_region.current.region}.s3"
}

locals {
  name = "${var.name}-weaviate"
  # IAM name prefixes are limited to 38 characters.
  iam_prefix = substr(local.name, 0, 30)
  tags       = merge(var.tags, { service = "weaviate" })
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  # Load balancer and target group names are limited to 32 characters.
  lb_name = "${substr(var.name, 0, 23)}-weaviate"
  tg_name = substr(var.name, 0, 22)

  http_port = 8080
  grpc_port = 50051
  data_path = "/var/lib/weaviate"
  # The POSIX identity of every file operation on the file system (access point) and of the
  # container's process.
  uid = 1000
  gid = 1000

  # Fargate task sizes: memory (MiB) allowed for each vCPU count.
  fargate_memory = {
    "0.25" = [512, 1024, 2048]
    "0.5"  = range(1024, 4097, 1024)
    "1"    = range(2048, 8193, 1024)
    "2"    = range(4096, 16385, 1024)
    "4"    = range(8192, 30721, 1024)
    "8"    = range(16384, 61441, 4096)
    "16"   = range(32768, 122881, 8192)
  }

  host = coalesce(var.weaviate.hostname, aws_lb.this.dns_name)

  # An image in ECR (a copy or a pull-through cache) gets a pull permission for its repository
  # only; any other registry needs none (and a route to it: image_pull_cidr_blocks).
  ecr                = regex("^(?:(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/(?P<repository>[^:@]+))?", var.weaviate.image)
  ecr_repository_arn = local.ecr.account == null ? null : "arn:${local.partition}:ecr:${local.ecr.region}:${local.ecr.account}:repository/${local.ecr.repository}"

  # The same server settings as the local environment (modules/weaviate/local), except the keys.
  environment = {
    AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED = "false"
    AUTHENTICATION_APIKEY_ENABLED           = "true"
    AUTHENTICATION_APIKEY_USERS             = "${var.weaviate.admin_user},${var.weaviate.app_user}"
    AUTHORIZATION_RBAC_ENABLED              = "true"
    AUTHORIZATION_RBAC_ROOT_USERS           = var.weaviate.admin_user
    PERSISTENCE_DATA_PATH                   = local.data_path
    DEFAULT_VECTORIZER_MODULE               = "none"
    # A fixed node name: the Raft state on the file system belongs to "node1" whichever task runs.
    CLUSTER_HOSTNAME     = "node1"
    QUERY_DEFAULTS_LIMIT = "25"
    DISABLE_TELEMETRY    = "true"
    GRPC_PORT            = tostring(local.grpc_port)
    GOMEMLIMIT           = "${floor(var.weaviate.memory_mb * 0.8)}MiB"
  }
}

# name, network and kms_key_arn: validated by the rules every service module shares.
module "interface" {
  source = "../../shared/aws-service-interface"

  name        = var.name
  network     = var.network
  kms_key_arn = var.kms_key_arn
}

# --- API keys: one KMS-encrypted secret ------------------------------------------------------------
# Weaviate takes its keys as one comma-separated environment variable (no file variant), so the
# secret holds that list besides each key; the ECS agent puts `allowed_keys` into the container's
# environment at start. The keys are in the Terraform state (encrypted S3 backend) and in the
# running container's environment, not in the task definition.

resource "aws_secretsmanager_secret" "api_keys" {
  name_prefix             = "${local.name}-api-keys-"
  description             = "Weaviate API keys (${local.name}): admin, app and allowed_keys (the comma-separated list the server reads)."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.production ? 30 : 7
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "api_keys" {
  secret_id = aws_secretsmanager_secret.api_keys.id
  secret_string = jsonencode({
    admin        = var.weaviate_admin_api_key
    app          = var.weaviate_app_api_key
    allowed_keys = "${var.weaviate_admin_api_key},${var.weaviate_app_api_key}"
  })

  lifecycle {
    precondition {
      condition     = var.weaviate_admin_api_key != var.weaviate_app_api_key
      error_message = "weaviate: the admin and application users need different API keys."
    }
  }
}

# --- Security groups: clients -> load balancer -> task -> file system ----------------------------

# The load balancer: HTTPS and gRPC (TLS) on the listener ports from the allowed security groups
# and CIDRs only; its egress to the task is added below.
module "alb_security_group" {
  source = "../../shared/aws-security-group"

  name             = "${local.name}-alb"
  description      = "Internal load balancer of ${local.name}: HTTPS and gRPC (TLS) from the allowed groups and CIDRs only"
  network          = var.network
  ports            = [var.weaviate.port, var.weaviate.grpc_port]
  rule_description = "Weaviate over TLS"
  tags             = local.tags
}

resource "aws_security_group" "task" {
  name_prefix = "${local.name}-task-"
  description = "Weaviate task of ${local.name}: reachable from its load balancer only"
  vpc_id      = var.network.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-task" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "efs" {
  name_prefix = "${local.name}-efs-"
  description = "EFS mount targets of ${local.name}: NFS from the Weaviate task only"
  vpc_id      = var.network.vpc_id
  tags        = merge(local.tags, { Name = "${local.name}-efs" })

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  target_ports = [local.http_port, local.grpc_port]
}

module "alb_to_task" {
  source = "../../shared/aws-security-group-link"

  from_security_group_id = module.alb_security_group.id
  to_security_group_id   = aws_security_group.task.id
  ports                  = local.target_ports
  egress_description     = "To the Weaviate task (REST and gRPC)"
  ingress_description    = "From the load balancer (REST and gRPC)"
  tags                   = local.tags
}

module "task_to_efs" {
  source = "../../shared/aws-security-group-link"

  from_security_group_id = aws_security_group.task.id
  to_security_group_id   = aws_security_group.efs.id
  ports                  = [2049]
  egress_description     = "NFS (TLS) to the file system"
  ingress_description    = "NFS from the Weaviate task"
  tags                   = local.tags
}

# The task's own AWS calls at start (Secrets Manager, CloudWatch Logs, ECR) go to the VPC's
# interface endpoints; ECR layers come from S3 through the gateway endpoint.
resource "aws_vpc_security_group_egress_rule" "task_https_vpc" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the VPC interface endpoints (Secrets Manager, CloudWatch Logs, ECR)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = data.aws_vpc.this.cidr_block
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_https_s3" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to S3 through the gateway endpoint (ECR image layers)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.s3.id
  tags              = local.tags
}

resource "aws_vpc_security_group_egress_rule" "task_image_pull" {
  count = length(var.weaviate.image_pull_cidr_blocks)

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the image registry (weaviate.image_pull_cidr_blocks)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.weaviate.image_pull_cidr_blocks[count.index]
  tags              = local.tags
}

# --- File system ---------------------------------------------------------------------------------

resource "aws_efs_file_system" "data" {
  creation_token   = local.name
  encrypted        = true
  kms_key_id       = var.kms_key_arn
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"
  tags             = merge(local.tags, { Name = "${local.name}-data" })
}

resource "aws_efs_mount_target" "data" {
  count = length(var.network.subnet_ids)

  file_system_id  = aws_efs_file_system.data.id
  subnet_id       = var.network.subnet_ids[count.index]
  security_groups = [aws_security_group.efs.id]
}

# The task sees only /weaviate, as uid/gid 1000, whatever user the image runs as.
resource "aws_efs_access_point" "data" {
  file_system_id = aws_efs_file_system.data.id

  posix_user {
    uid = local.uid
    gid = local.gid
  }

  root_directory {
    path = "/weaviate"
    creation_info {
      owner_uid   = local.uid
      owner_gid   = local.gid
      permissions = "0750"
    }
  }

  tags = merge(local.tags, { Name = "${local.name}-data" })
}

# Only the task role may mount, only through the access point and a mount target; nobody without
# TLS.
data "aws_iam_policy_document" "efs" {
  statement {
    sid       = "TaskThroughAccessPoint"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.data.arn]
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.task.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.data.arn]
    }
    condition {
      test     = "Bool"
      variable = "elasticfilesystem:AccessedViaMountTarget"
      values   = ["true"]
    }
  }

  statement {
    sid       = "DenyWithoutTls"
    effect    = "Deny"
    actions   = ["*"]
    resources = [aws_efs_file_system.data.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_efs_file_system_policy" "data" {
  file_system_id = aws_efs_file_system.data.id
  policy         = data.aws_iam_policy_document.efs.json
}

# --- Logs ----------------------------------------------------------------------------------------
# The KMS key's policy must allow the CloudWatch Logs service principal of the region
# (logs.<region>.amazonaws.com) to use it for this log group.

resource "aws_cloudwatch_log_group" "this" {
  name              = "/ecs/${local.name}"
  retention_in_days = 365
  kms_key_id        = var.kms_key_arn
  tags              = local.tags
}

# --- IAM: execution role (start the task) and task role (mount the file system) ------------------

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    # Only ECS tasks of this account (confused deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name_prefix        = "${local.iam_prefix}-exec-"
  description        = "ECS agent for ${local.name}: pull the image, read the API keys secret, write the log group."
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = local.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "ReadApiKeys"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.api_keys.arn]
  }

  statement {
    sid       = "DecryptSecretsOnly"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }

  dynamic "statement" {
    for_each = local.ecr_repository_arn == null ? [] : [local.ecr_repository_arn]
    content {
      sid       = "PullImage"
      actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
      resources = [statement.value]
    }
  }

  # GetAuthorizationToken has no resource-level permissions.
  dynamic "statement" {
    for_each = local.ecr_repository_arn == null ? [] : [local.ecr_repository_arn]
    content {
      sid       = "EcrLogin"
      actions   = ["ecr:GetAuthorizationToken"]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "start-weaviate"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role" "task" {
  name_prefix        = "${local.iam_prefix}-task-"
  description        = "Weaviate task of ${local.name}: mount its file system through its access point; nothing else."
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = local.tags
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "MountDataThroughAccessPoint"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.data.arn]
    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.data.arn]
    }
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "mount-weaviate-data"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

# --- ECS -----------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = local.name
  tags = local.tags

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.weaviate.cpus * 1024)
  memory                   = tostring(var.weaviate.memory_mb)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  tags                     = local.tags

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "data"

    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.data.id
      transit_encryption = "ENABLED"

      authorization_config {
        access_point_id = aws_efs_access_point.data.id
        iam             = "ENABLED"
      }
    }
  }

  container_definitions = jsonencode([{
    name      = "weaviate"
    image     = var.weaviate.image
    essential = true
    # The image's entrypoint is the server; upstream's default arguments (TLS ends at the
    # load balancer).
    command = ["--host", "0.0.0.0", "--port", tostring(local.http_port), "--scheme", "http"]
    # Not root, nothing written outside the data directory (an EFS access point).
    user                   = "${local.uid}:${local.gid}"
    readonlyRootFilesystem = true
    linuxParameters = {
      capabilities       = { drop = ["ALL"] }
      initProcessEnabled = true
    }
    portMappings = [
      { name = "http", containerPort = local.http_port, protocol = "tcp" },
      { name = "grpc", containerPort = local.grpc_port, protocol = "tcp" },
    ]
    environment = [for k, v in local.environment : { name = k, value = v }]
    secrets = [{
      name      = "AUTHENTICATION_APIKEY_ALLOWED_KEYS"
      valueFrom = "${aws_secretsmanager_secret.api_keys.arn}:allowed_keys::"
    }]
    mountPoints = [{ sourceVolume = "data", containerPath = local.data_path, readOnly = false }]
    # The readiness endpoint needs no credentials (busybox wget in the upstream image).
    healthCheck = {
      command     = ["CMD", "wget", "-q", "--spider", "http://127.0.0.1:${local.http_port}/v1/.well-known/ready"]
      interval    = 15
      timeout     = 5
      retries     = 5
      startPeriod = 60
    }
    stopTimeout = 120
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = local.region
        awslogs-stream-prefix = "weaviate"
      }
    }
  }])

  lifecycle {
    precondition {
      condition     = var.weaviate.admin_user != var.weaviate.app_user
      error_message = "weaviate: the admin and application users need different names."
    }
  }
}

resource "aws_ecs_service" "this" {
  name                               = "weaviate"
  cluster                            = aws_ecs_cluster.this.arn
  task_definition                    = aws_ecs_task_definition.this.arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  health_check_grace_period_seconds  = 180
  enable_execute_command             = false
  enable_ecs_managed_tags            = true
  propagate_tags                     = "SERVICE"
  tags                               = local.tags

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.network.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.http.arn
    container_name   = "weaviate"
    container_port   = local.http_port
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.grpc.arn
    container_name   = "weaviate"
    container_port   = local.grpc_port
  }

  # The target groups must belong to the load balancer, and the file system be mountable, first.
  depends_on = [aws_lb_listener.https, aws_lb_listener.grpc, aws_efs_mount_target.data, aws_efs_file_system_policy.data]
}

# --- Internal load balancer: TLS 1.2/1.3 only, HTTPS and gRPC listeners ---------------------------

resource "aws_lb" "this" {
  name                       = local.lb_name
  internal                   = true
  load_balancer_type         = "application"
  security_groups            = [module.alb_security_group.id]
  subnets                    = var.network.subnet_ids
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.production
  tags                       = merge(local.tags, { Name = "${local.name}-alb" })

  dynamic "access_logs" {
    for_each = var.weaviate.access_logs_bucket == null ? [] : [var.weaviate.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = local.name
      enabled = true
    }
  }
}

resource "aws_lb_target_group" "http" {
  name                 = "${local.tg_name}-wv-http"
  port                 = local.http_port
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  target_type          = "ip"
  vpc_id               = var.network.vpc_id
  deregistration_delay = 30
  tags                 = local.tags

  health_check {
    path                = "/v1/.well-known/ready"
    matcher             = "200"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

# gRPC needs HTTP/2 end to end: a target group of protocol version GRPC behind its own HTTPS
# listener (the ALB negotiates HTTP/2 with the client through ALPN). The health check calls a
# method no server implements; any gRPC server answers it with status 12 (UNIMPLEMENTED), which
# proves the gRPC server is up without credentials.
resource "aws_lb_target_group" "grpc" {
  name                 = "${local.tg_name}-wv-grpc"
  port                 = local.grpc_port
  protocol             = "HTTP"
  protocol_version     = "GRPC"
  target_type          = "ip"
  vpc_id               = var.network.vpc_id
  deregistration_delay = 30
  tags                 = local.tags

  health_check {
    path                = "/AWS.ALB/healthcheck"
    matcher             = "12"
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.weaviate.port
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.weaviate.certificate_arn
  tags              = local.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.http.arn
  }
}

resource "aws_lb_listener" "grpc" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.weaviate.grpc_port
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.weaviate.certificate_arn
  tags              = local.tags

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.grpc.arn
  }
}

# Clients' DNS name (the one the certificate names), in a private hosted zone, if given.
resource "aws_route53_record" "this" {
  count = var.weaviate.route53_zone_id == null ? 0 : 1

  zone_id = var.weaviate.route53_zone_id
  name    = var.weaviate.hostname
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

# --- Backups: daily AWS Backup of the file system into a KMS-encrypted vault ---------------------
# (Instead of EFS's automatic backups, off for file systems created through the API: this plan
# has the design's retention and its cross-region copy.)

module "backup" {
  source = "../../shared/aws-backup-plan"

  name             = local.name
  resources        = [aws_efs_file_system.data.arn]
  kms_key_arn      = var.kms_key_arn
  schedule         = var.weaviate.backup_schedule
  retention_days   = var.weaviate.backup_retention_days
  copy_vault_arn   = var.weaviate.backup_copy_vault_arn
  role_description = "AWS Backup of the Weaviate file system of ${local.name}."
  production       = var.production
  tags             = local.tags
}
