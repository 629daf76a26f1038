output "services" {
  description = "The contract with Ansible: one entry per enabled service (engine, host, port, database, username, container, volume, image, tls, ca_bundle). Roles read endpoints from here and nowhere else. Holds no secrets."
  value = merge(
    var.postgres.enabled ? { postgres = module.postgres[0].service } : {},
    var.redis.enabled ? { redis = module.redis[0].service } : {},
    var.mongodb.enabled ? { mongodb = module.mongodb[0].service } : {},
    var.weaviate.enabled ? { weaviate = module.weaviate[0].service } : {},
    var.objectstore.enabled ? { objectstore = module.objectstore[0].service } : {},
    var.scylla.enabled ? { scylla = module.scylla[0].service } : {},
  )
}

output "network" {
  description = "Name of the project network (null when containers are disabled)."
  value       = var.containers_enabled ? docker_network.this[0].name : null
}
