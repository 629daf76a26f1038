data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  # Bucket names are global: the account ID keeps two accounts with the same project and
  # environment names apart. The role's bucket names (documents, backups) are the suffixes.
  bucket_prefix = "${var.name}-${local.account_id}-"
  buckets = {
    for b in ["documents", "backups"] : b => "${local.bucket_prefix}${b}"
  }
  log_bucket = "${var.name}-${local.account_id}-s3-logs"
}

# name, network and kms_key_arn: validated by the rules every service module shares.
module "interface" {
  source = "../../shared/aws-service-interface"

  name        = var.name
  network     = var.network
  kms_key_arn = var.kms_key_arn
}

# ---------------------------------------------------------------------------------------------
# The two buckets
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "this" {
  for_each = local.buckets

  bucket = each.value
  # Staging can be torn down with its objects; production buckets must be emptied by hand.
  force_destroy = !var.production

  tags = merge(var.tags, { Name = each.value, bucket = each.key })

  lifecycle {
    precondition {
      condition     = length(each.value) <= 63
      error_message = "Bucket name ${each.value} exceeds S3's 63 characters: shorten name (project and environment)."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# No ACLs at all: the bucket owner owns every object, access is decided by policies only.
resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One data key per bucket and period instead of one KMS call per object: cheaper, and
    # well under KMS' request quota.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyPlaintext"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [each.value.arn, "${each.value.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOldTLS"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [each.value.arn, "${each.value.arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
    ]
  })

  # The public access block first: a policy put before it could be judged public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  # One rule per bucket, over every object. Backups expire after the retention, and so do
  # their older versions: a deleted or overwritten backup does not linger for ever. Documents
  # are kept; their overwritten or deleted versions are kept for recovery, then expire.
  rule {
    id     = "${each.key}-retention"
    status = "Enabled"
    filter {}

    dynamic "expiration" {
      for_each = each.key == "backups" ? [var.objectstore.backup_retention_days] : []
      content {
        days = expiration.value
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = each.key == "backups" ? var.objectstore.backup_noncurrent_days : var.objectstore.documents_noncurrent_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.objectstore.abort_incomplete_upload_days
    }
  }

  # Lifecycle rules on a versioned bucket need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.this]
}

# ---------------------------------------------------------------------------------------------
# Server access logs of both buckets (who read or wrote what; CloudTrail data events would do
# it too, at a price per event). S3 delivers access logs only to a bucket encrypted with
# SSE-S3, not SSE-KMS: the log bucket is the one bucket not encrypted with the platform key.
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket        = local.log_bucket
  force_destroy = !var.production

  tags = merge(var.tags, { Name = local.log_bucket, bucket = "s3-logs" })
}

resource "aws_s3_bucket_public_access_block" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket                  = aws_s3_bucket.logs[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}

    expiration {
      days = var.objectstore.access_log_retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 1
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.objectstore.abort_incomplete_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

# With BucketOwnerEnforced there is no log-delivery ACL: the logging service is let in by
# policy, for this account's two buckets only.
resource "aws_s3_bucket_policy" "logs" {
  count = var.objectstore.access_logging ? 1 : 0

  bucket = aws_s3_bucket.logs[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "S3ServerAccessLogsOfTheTwoBuckets"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${aws_s3_bucket.logs[0].arn}/*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = [for b in aws_s3_bucket.this : b.arn] }
        }
      },
      {
        Sid       = "DenyPlaintext"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.logs[0].arn, "${aws_s3_bucket.logs[0].arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.logs]
}

resource "aws_s3_bucket_logging" "this" {
  for_each = var.objectstore.access_logging ? aws_s3_bucket.this : {}

  bucket        = each.value.id
  target_bucket = aws_s3_bucket.logs[0].id
  target_prefix = "${each.key}/"

  depends_on = [aws_s3_bucket_policy.logs]
}

# ---------------------------------------------------------------------------------------------
# The application's access: an IAM policy limited to the two buckets (and to requests from
# the VPC), for the application's role to attach. No IAM user or access key is made here: its
# secret would land in the Terraform state; roles (ECS task, EC2 instance profile) need none.
# ---------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "app" {
  statement {
    sid       = "ListTheBuckets"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:GetBucketLocation"]
    resources = [for b in aws_s3_bucket.this : b.arn]

    # Leaked application credentials are useless outside the VPC (requests through its
    # gateway or interface endpoint carry aws:SourceVpc).
    dynamic "condition" {
      for_each = var.objectstore.restrict_to_vpc ? [var.network.vpc_id] : []
      content {
        test     = "StringEquals"
        variable = "aws:SourceVpc"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid    = "ObjectsOfTheBuckets"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [for b in aws_s3_bucket.this : "${b.arn}/*"]

    dynamic "condition" {
      for_each = var.objectstore.restrict_to_vpc ? [var.network.vpc_id] : []
      content {
        test     = "StringEquals"
        variable = "aws:SourceVpc"
        values   = [condition.value]
      }
    }
  }

  # SSE-KMS: S3 asks KMS on the caller's behalf; the key is usable through S3 only.
  statement {
    sid       = "TheKeyThroughS3Only"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "app" {
  name        = "${var.name}-objectstore-app"
  description = "Read and write the ${var.name} buckets documents and backups, nothing else"
  policy      = data.aws_iam_policy_document.app.json

  tags = var.tags
}

# ---------------------------------------------------------------------------------------------
# S3 interface endpoint for clients outside the VPC (VPN, peered VPC): the gateway endpoint
# only serves the VPC itself. Its private DNS answers only the Route 53 inbound resolver, so
# clients inside the VPC keep using the (free) gateway endpoint.
# ---------------------------------------------------------------------------------------------

# No egress rule: an endpoint only answers (security groups are stateful).
module "security_group" {
  source = "../../shared/aws-security-group"
  count  = var.objectstore.interface_endpoint ? 1 : 0

  name             = "${var.name}-objectstore"
  description      = "S3 interface endpoint of ${var.name}: HTTPS from the allowed security groups and CIDRs only"
  network          = var.network
  ports            = [443]
  rule_description = "S3 (HTTPS)"
  tags             = var.tags
}

resource "aws_vpc_endpoint" "s3_interface" {
  count = var.objectstore.interface_endpoint ? 1 : 0

  vpc_id              = var.network.vpc_id
  service_name        = "com.amazonaws.${local.region}.s3"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.network.subnet_ids
  security_group_ids  = [module.security_group[0].id]
  private_dns_enabled = true

  # Needs the S3 gateway endpoint of the network module in the same VPC.
  dns_options {
    private_dns_only_for_inbound_resolver_endpoint = true
  }

  tags = merge(var.tags, { Name = "${var.name}-s3-interface" })
}
