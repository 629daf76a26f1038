output "container" {
  description = "Name of the container (whether or not it runs now)."
  value       = var.name
}

output "volumes" {
  description = "Names of the data volumes, by the keys of `volumes`."
  value       = { for key, volume in docker_volume.this : key => volume.name }
}
