output "service" {
  description = "Endpoint of this service for the environment's `services` output."
  value = {
    engine    = "postgres"
    host      = "127.0.0.1"
    port      = var.host_port
    database  = var.database
    username  = var.admin_user
    container = local.name
    volume    = module.container.volumes["data"]
    image     = var.image
  }
}
