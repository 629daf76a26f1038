output "service" {
  description = "Endpoint of this service for the environment's `services` output."
  value = {
    engine    = "redis"
    host      = "127.0.0.1"
    port      = var.host_port
    database  = "0"
    username  = "default"
    container = local.name
    volume    = module.container.volumes["data"]
    image     = var.image
  }
}
