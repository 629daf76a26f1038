output "service" {
  description = "Endpoint of this service for the environment's `services` output (no secrets)."
  value = {
    engine    = "weaviate"
    host      = "127.0.0.1"
    port      = var.host_port
    database  = ""
    username  = var.admin_user
    container = local.name
    volume    = module.container.volumes["data"]
    image     = var.image
    # Weaviate specifics: gRPC endpoint (v4 clients) and the application user's
    # name (its API key is the secret weaviate_app_api_key).
    scheme    = "http"
    grpc_port = var.grpc_host_port
    app_user  = var.app_user
  }
}
