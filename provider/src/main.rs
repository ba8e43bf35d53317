//! `terraform-provider-pve`: started by Terraform (or OpenTofu), never by hand.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_pve::{PROVIDER_ADDRESS, PveProvider};

/// The version, from the workspace `Cargo.toml` (the single source the
/// Makefile, the docs and the release artifacts read too).
const VERSION: &str = env!("CARGO_PKG_VERSION");

#[tokio::main]
async fn main() -> ExitCode {
    // Answered before anything else, so it works outside Terraform too.
    if let Some(first) = std::env::args().nth(1)
        && matches!(first.as_str(), "--version" | "-version" | "-V")
    {
        println!("terraform-provider-pve {VERSION}");
        return ExitCode::SUCCESS;
    }
    let options = match tfplugin::ServeOptions::from_args(PROVIDER_ADDRESS) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("terraform-provider-pve: {error}");
            return ExitCode::from(2);
        }
    };
    match tfplugin::serve(Arc::new(PveProvider::new()), options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("terraform-provider-pve: {error}");
            ExitCode::FAILURE
        }
    }
}
