//! Harness for the end-to-end tests: the real Terraform CLI against pve-sim,
//! or against a real Proxmox VE host with `make testacc`.
//!
//! Each test starts its own [`Target`] (a pve-sim on a free port, so tests run
//! in parallel) and one or more [`Workdir`]s, and drives `terraform` in them.

pub mod target;
pub mod terraform;

pub use target::Target;
pub use terraform::{Run, Workdir};
