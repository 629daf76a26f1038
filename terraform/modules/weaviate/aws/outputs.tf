output "service" {
  description = "Endpoint of this service for the environment's `services` output, with the same keys as the local twin plus tls and ca_bundle. Holds no secrets."
  value = {
    engine = "weaviate"
    # The name clients use and verify against the load balancer's certificate (`hostname`, or
    # the internal load balancer's DNS name).
    host = local.host
    # HTTPS listener (REST and GraphQL).
    port = var.weaviate.port
    # Weaviate has no database (as locally).
    database = ""
    username = var.weaviate.admin_user
    # No container to address on AWS: the ECS service ("<cluster>/<service>") that runs the task.
    container = "${aws_ecs_cluster.this.name}/${aws_ecs_service.this.name}"
    # The EFS file system holding the data (through an access point).
    volume = aws_efs_file_system.data.id
    image  = var.weaviate.image
    scheme = "https"
    # gRPC (v4 clients): the load balancer's second HTTPS listener, HTTP/2 to a GRPC target
    # group; TLS like `port`, on the same host.
    grpc_port = var.weaviate.grpc_port
    app_user  = var.weaviate.app_user
    tls       = true
    ca_bundle = var.weaviate.ca_bundle
  }
}

output "security_group_id" {
  description = "Security group of the internal load balancer, the only way in (HTTPS and gRPC from the allowed groups and CIDRs)."
  value       = module.alb_security_group.id
}

output "task_security_group_id" {
  description = "Security group of the Weaviate task (reachable from the load balancer only)."
  value       = aws_security_group.task.id
}

output "api_keys_secret_arn" {
  description = "Secrets Manager secret holding the API keys (JSON: admin, app, allowed_keys), KMS-encrypted."
  value       = aws_secretsmanager_secret.api_keys.arn
}
