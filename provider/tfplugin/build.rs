//! Compiles the protocol definitions with `protox` (pure Rust, no system
//! `protoc`) and generates the prost messages and tonic services from the
//! resulting descriptor set.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=proto");
    let descriptors = protox::compile(["tfplugin6.proto", "go_plugin.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        // The client side is used by the crate's own tests to drive the server.
        .build_client(true)
        // Values and raw state may hold secrets: their `Debug` is written by hand
        // (sizes only) in `src/proto.rs`.
        .skip_debug([".tfplugin6.DynamicValue", ".tfplugin6.RawState"])
        .compile_fds(descriptors)?;
    Ok(())
}
