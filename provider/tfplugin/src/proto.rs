//! Generated protocol types, private to the crate. Everything public speaks
//! the plain framework types; `convert` translates at the edge.

#![allow(
    dead_code,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic,
    unreachable_pub,
    rust_2018_idioms
)]

use std::fmt;

/// Terraform plugin protocol 6.10.
pub(crate) mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's controller and stdio services.
pub(crate) mod plugin {
    tonic::include_proto!("plugin");
}

// Values and stored state may carry secrets: show sizes, never contents.
impl fmt::Debug for tfplugin6::DynamicValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicValue")
            .field("msgpack_len", &self.msgpack.len())
            .field("json_len", &self.json.len())
            .finish()
    }
}

impl fmt::Debug for tfplugin6::RawState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawState")
            .field("json_len", &self.json.len())
            .field("flatmap_entries", &self.flatmap.len())
            .finish()
    }
}
