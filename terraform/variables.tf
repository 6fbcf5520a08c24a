variable "project_id" {
  type        = string
  description = "GCP project that hosts NLyzer"
}

variable "region" {
  type        = string
  default     = "us-central1"
  description = "Region of Cloud Run, Cloud SQL, Cloud Scheduler and Artifact Registry"
}

variable "image" {
  type        = string
  description = "Image the Cloud Run services are created with, e.g. <region>-docker.pkg.dev/<project>/nlyzer/nlyzer:<sha>. Later rollouts go through gcloud run deploy (cloudbuild.yaml)."
}

variable "public_url" {
  type        = string
  description = "The gateway's public URL, e.g. https://api.nlyzer.com (load balancer or custom domain, or the gateway's run.app URL from the service_urls output): widget snippets, Shopify OAuth redirects and webhook callbacks point there"

  validation {
    condition     = can(regex("^https://[^/]+", var.public_url))
    error_message = "public_url must be an https:// URL."
  }
}

variable "shopify_api_key" {
  type        = string
  default     = ""
  description = "The Shopify app's client id (public, so a plain env var of the sync worker). Empty leaves Shopify installs off; the app's secret is the shopify-api-secret secret."
}

variable "artifact_repository_id" {
  type        = string
  default     = "nlyzer"
  description = "Artifact Registry Docker repository holding the service image"
}

variable "bigquery_location" {
  type        = string
  default     = "US"
  description = "Location of the BigQuery analytics dataset (a multi-region or a region)"
}

variable "db_tier" {
  type        = string
  default     = "db-custom-2-7680"
  description = "Cloud SQL machine tier"
}

variable "db_high_availability" {
  type        = bool
  default     = true
  description = "REGIONAL (failover replica in a second zone) instead of ZONAL Cloud SQL"
}

variable "db_deletion_protection" {
  type        = bool
  default     = true
  description = "Refuse to destroy the Cloud SQL instance (turn off only to tear an environment down)"
}
