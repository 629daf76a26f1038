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
    # TLS (the local switch multidb_tls): whether the server speaks only TLS, and the CA
    # certificate clients verify it with (a file of the controller's state directory).
    tls       = var.tls_dir != null
    ca_bundle = var.tls_dir == null ? null : "${var.tls_dir}/ca.crt"
    # Who makes the application user: the role (ACL SETUSER through redis_acl_user).
    user_management = "role"
  }
}
