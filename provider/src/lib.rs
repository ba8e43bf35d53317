//! The Proxmox VE access-control provider: its configuration and its
//! resources, built on `proxmox-client` and served by `tfplugin`.

pub mod acl_path;
pub mod actions;
pub mod connection;
pub mod convert;
pub mod data_sources;
pub mod endpoints;
pub mod ephemeral;
pub mod functions;
pub mod list;
pub mod privileges;
pub mod provider;
pub mod resources;

pub use provider::PveProvider;

/// The provider's registry source address.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/pve-rs/pve";
