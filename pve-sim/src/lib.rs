//! Proxmox VE access-control API simulator.
//!
//! * [`start`] a simulator from [`SimOptions`]; the [`RunningSim`] tells its
//!   URL, certificate fingerprint, CA file and root password; with
//!   `nodes > 1` a cluster of nodes over one state ([`cluster`]).
//! * [`server::app`] is the whole HTTP application as an axum `Router`, for
//!   in-process tests (`tower::ServiceExt::oneshot`).
//! * [`model`] holds PVE's configuration model and permission engine.

pub mod access_log;
pub mod api;
pub mod auth;
pub mod cli;
pub mod cluster;
pub mod directory;
pub mod faults;
pub mod inventory;
pub mod model;
pub mod server;
pub mod sha1;
pub mod sim;
pub mod stats;
pub mod tls;

pub use cluster::NodeState;
pub use faults::FaultConfig;
pub use inventory::Inventory;
pub use sim::{RunningSim, SimError, SimNode, SimOptions, start};
pub use stats::Stats;
