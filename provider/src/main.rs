//! `terraform-provider-pve`: started by Terraform (or OpenTofu), never by hand.

use std::process::ExitCode;
use std::sync::Arc;

use terraform_provider_pve::{PROVIDER_ADDRESS, PveProvider};

#[tokio::main]
async fn main() -> ExitCode {
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
