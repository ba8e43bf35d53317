# Adopt a hand-made Proxmox VE access setup in one command:
#
#   terraform query -generate-config-out=generated.tf
#   terraform plan    # N to import, 0 to add, 0 to change, 0 to destroy
#   terraform apply
#
# This file only configures the provider (PROXMOX_VE_ENDPOINT and
# PROXMOX_VE_API_TOKEN in the environment); adopt.tfquery.hcl says what to
# find, and Terraform writes the resources and import blocks.
terraform {
  required_version = ">= 1.14"
  required_providers {
    pve = {
      source  = "pve-rs/pve"
      version = "~> 0.1"
    }
  }
}

provider "pve" {}
