//! Terraform plugin protocol 6 (6.10, Terraform ≥ 1.0; OpenTofu): a generic
//! provider server. It knows nothing of any concrete provider.
//!
//! A provider implements the traits in [`provider`] and describes its types
//! with [`schema`]; [`serve`] does the rest:
//!
//! - the go-plugin handshake (magic cookie, protocol negotiation, a unix
//!   socket or, where there are none or with `TFPLUGIN_TRANSPORT=tcp`, a
//!   loopback TCP port ([`transport`]), the single stdout line) and AutoMTLS: a fresh server
//!   certificate and a pinned client certificate ([`handshake`]);
//! - the gRPC services: `tfplugin6.Provider`, go-plugin's controller
//!   (clean shutdown) and stdio, and health;
//! - every RPC through one wrapper: decode with the schema's type
//!   ([`codec`]), call the provider, collect [`diag`]nostics (panics become
//!   an error diagnostic), encode;
//! - the declarative plan rules of [`schema::PlanRules`] (defaults, unknown
//!   computed values, `use_state_for_unknown`, `requires_replace`) before
//!   `Resource::modify_plan`; write-only attributes are nulled in every
//!   plan and state sent to Terraform, whatever the resource returned;
//! - hclog JSON logs on stderr at `TF_LOG_PROVIDER` / `TF_LOG` ([`logging`]),
//!   naming RPCs and types, never values;
//! - `--debug` ([`ServeOptions::from_args`]): serve for a debugger and print
//!   the `TF_REATTACH_PROVIDERS` value.
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use async_trait::async_trait;
//! use tfplugin::diag::Diagnostics;
//! use tfplugin::provider::{ClientInfo, DataSource, Provider, Resource};
//! use tfplugin::schema::{Attribute, Block, Schema};
//! use tfplugin::value::{Type, Value};
//!
//! struct Example;
//!
//! #[async_trait]
//! impl Provider for Example {
//!     fn type_name(&self) -> &str {
//!         "example"
//!     }
//!     fn schema(&self) -> Schema {
//!         Schema::new(Block {
//!             attributes: vec![Attribute::optional("endpoint", Type::String)],
//!             ..Block::default()
//!         })
//!     }
//!     async fn configure(&self, _config: &Value, _client: &ClientInfo) -> Diagnostics {
//!         Diagnostics::new()
//!     }
//!     fn resources(&self) -> Vec<Arc<dyn Resource>> {
//!         Vec::new() // see examples/echo.rs for a complete resource
//!     }
//!     fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
//!         Vec::new()
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() {
//!     let served = match tfplugin::ServeOptions::from_args("registry.terraform.io/example/example") {
//!         Ok(options) => tfplugin::serve(Arc::new(Example), options).await,
//!         Err(e) => Err(e),
//!     };
//!     if let Err(e) = served {
//!         // e.g. "This binary is a plugin for Terraform…" when run by hand
//!         eprintln!("{e}");
//!         std::process::exit(1);
//!     }
//! }
//! ```

pub mod codec;
mod convert;
pub mod diag;
pub mod handshake;
pub mod logging;
pub mod model;
mod plan;
mod proto;
pub mod provider;
pub mod schema;
mod serve;
mod service;
mod tls;
pub mod transport;
pub mod value;
mod wire;

pub use model::Model;
pub use serve::{ServeError, ServeOptions, serve};

// The derive macro names this crate `::tfplugin`, also in its own tests.
#[cfg(test)]
extern crate self as tfplugin;
pub use tls::TlsError;

/// A boxed error from a library this crate uses internally, kept as the
/// `source()` of our own error types instead of exposing its type.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[cfg(test)]
mod tests;
