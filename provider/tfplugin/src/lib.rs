//! Terraform plugin protocol 6: a generic server layer.
//!
//! A provider implements the traits in [`provider`]; [`serve`](crate) handles
//! the go-plugin handshake, mutual TLS, the gRPC services, the value codec and
//! the declarative plan rules. This crate knows nothing of any concrete
//! provider.

pub mod codec;
mod convert;
pub mod diag;
pub mod handshake;
pub mod logging;
mod plan;
mod proto;
pub mod provider;
pub mod schema;
mod serve;
mod service;
mod tls;
pub mod value;
mod wire;

pub use serve::{ServeError, ServeOptions, serve};
pub use tls::TlsError;

#[cfg(test)]
mod tests;
