//! Proxmox VE access-control API simulator.
