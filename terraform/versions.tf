terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # State lives in a GCS bucket given at init time:
  #   terraform init -backend-config="bucket=<project>-nlyzer-tfstate"
  backend "gcs" {
    prefix = "nlyzer"
  }
}
