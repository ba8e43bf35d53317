//! Terraform provider for Proxmox VE access control.

pub mod docs;
