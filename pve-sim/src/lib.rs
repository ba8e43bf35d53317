//! Proxmox VE access-control API simulator.

pub mod model;
