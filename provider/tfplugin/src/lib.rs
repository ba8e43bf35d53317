//! Terraform plugin protocol 6: a generic server layer.
//!
//! A provider implements the traits in [`provider`]; [`serve`](crate) handles
//! the go-plugin handshake, mutual TLS, the gRPC services, the value codec and
//! the declarative plan rules. This crate knows nothing of any concrete
//! provider.

pub mod diag;
pub mod provider;
pub mod schema;
pub mod value;
