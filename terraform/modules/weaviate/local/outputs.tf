output "service" {
  description = "Endpoint of this service for the environment's `services` output (no secrets)."

  # Checked at plan time, before anything is created (variable validations cannot compare
  # two variables before Terraform 1.9, and 1.5 is the oldest this project supports).
  precondition {
    condition     = var.app_api_key != var.admin_api_key && var.app_user != var.admin_user
    error_message = "weaviate: the admin and application users need different names and different API keys."
  }

  value = {
    engine    = "weaviate"
    host      = "127.0.0.1"
    port      = var.host_port
    database  = ""
    username  = var.admin_user
    container = local.name
    volume    = module.container.volumes["data"]
    image     = var.image
    # No TLS locally for this service (the local switch multidb_tls covers PostgreSQL,
    # Redis and MongoDB): the contract's keys, with plaintext.
    tls       = false
    ca_bundle = null
    # Weaviate specifics: gRPC endpoint (v4 clients) and the application user's
    # name (its API key is the secret weaviate_app_api_key).
    scheme    = "http"
    grpc_port = var.grpc_host_port
    app_user  = var.app_user
  }
}
