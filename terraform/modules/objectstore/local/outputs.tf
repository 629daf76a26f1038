output "service" {
  description = "Endpoint of this service for the environment's `services` output (no secrets)."
  value = {
    engine    = "garage"
    host      = "127.0.0.1"
    port      = var.host_port
    database  = ""
    username  = ""
    container = local.name
    volume    = module.container.volumes["data"]
    image     = var.image
    # No TLS locally for this service (the local switch multidb_tls covers PostgreSQL,
    # Redis and MongoDB): the contract's keys, with plaintext.
    tls       = false
    ca_bundle = null
    # S3 specifics: the admin API (v2, bearer token = secret
    # objectstore_admin_token), the region clients must sign with, and the
    # metadata volume.
    scheme      = "http"
    region      = var.region
    admin_port  = var.admin_host_port
    meta_volume = module.container.volumes["meta"]
    # Garage's bucket names are the instance's own: the role's names as they are.
    bucket_prefix = ""
  }
}
