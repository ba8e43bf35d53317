//! `gen-docs`: regenerates `docs/` from the provider's schema (`make docs`).
//! The generator is the generic `tfplugin-docs` crate; this binary only
//! hands it the provider. See [`tfplugin_docs::cli`] for the arguments.

use std::process::ExitCode;

use terraform_provider_pve::PveProvider;

fn main() -> ExitCode {
    tfplugin_docs::cli::run(&PveProvider::new())
}
