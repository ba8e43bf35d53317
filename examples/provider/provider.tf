terraform {
  required_providers {
    pve = {
      source  = "pve-rs/pve"
      version = "~> 0.1"
    }
  }
}

variable "pve_endpoint" {
  description = "The PVE API, e.g. https://pve.example.com:8006"
  type        = string
}

variable "pve_api_token" {
  description = "An API token, USER@REALM!TOKENID=SECRET (better: set PROXMOX_VE_API_TOKEN instead)"
  type        = string
  sensitive   = true
  default     = null
}

provider "pve" {
  endpoint = var.pve_endpoint

  # When null, the provider reads PROXMOX_VE_API_TOKEN from the environment,
  # which keeps the secret out of your variable files.
  api_token = var.pve_api_token

  # Trust your cluster's own CA (copy /etc/pve/pve-root-ca.pem from a node);
  # a path or the PEM text both work.
  ca_certificate = "${path.root}/pve-root-ca.pem"
}
