//! Terraform provider for Proxmox VE access control.
