output "service_urls" {
  description = "Cloud Run URL of each service (the gateway's is the public endpoint)"
  value       = module.catalog.service_urls
}

output "service_accounts" {
  description = "Runtime service account of each service"
  value       = module.catalog.service_accounts
}

output "provider_secret_ids" {
  description = "Secrets whose versions an operator adds with gcloud secrets versions add"
  value       = module.catalog.secret_ids
}

output "image_repository" {
  description = "Docker repository Cloud Build pushes the service image to"
  value       = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "cloud_sql_connection_name" {
  description = "Cloud SQL instance connection name (for the Cloud SQL Auth Proxy)"
  value       = google_sql_database_instance.main.connection_name
}
