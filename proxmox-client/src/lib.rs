//! Typed async client for the Proxmox VE access-control API.
