//! The `gen-docs` command line, for a provider's own small binary:
//!
//! ```text
//! gen-docs [--root DIR] [--check]
//! ```
//!
//! `--root` is the repository root (default: the current directory);
//! `--check` writes nothing and exits 1 when `docs/` is out of date.

use std::path::PathBuf;
use std::process::ExitCode;

use tfplugin::provider::Provider;

const USAGE: &str = "usage: gen-docs [--root DIR] [--check]";

/// Runs `gen-docs` with the process arguments for `provider`.
///
/// ```no_run
/// # fn provider() -> Box<dyn tfplugin::provider::Provider> { unimplemented!() }
/// fn main() -> std::process::ExitCode {
///     tfplugin_docs::cli::run(provider().as_ref())
/// }
/// ```
pub fn run(provider: &dyn Provider) -> ExitCode {
    let mut root = PathBuf::from(".");
    let mut check = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => match args.next() {
                Some(dir) => root = PathBuf::from(dir),
                None => return usage_error("--root needs a directory"),
            },
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage_error(&format!("unknown argument `{other}`")),
        }
    }

    let missing = crate::missing_descriptions(provider);
    for item in &missing {
        eprintln!("gen-docs: warning: no description: {item}");
    }
    let generated = match crate::generate(provider, &root) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!("gen-docs: {error}");
            return ExitCode::FAILURE;
        }
    };
    let dir = root.join("docs");
    let result = if check {
        generated.compare(&dir)
    } else {
        generated.write_to(&dir)
    };
    match result {
        Ok(differences) if differences.is_empty() => {
            println!(
                "gen-docs: docs/ is up to date ({} files)",
                generated.files().len()
            );
            ExitCode::SUCCESS
        }
        Ok(differences) => {
            for difference in &differences {
                println!("  {difference}");
            }
            if check {
                eprintln!("gen-docs: docs/ is out of date: run `make docs`");
                ExitCode::FAILURE
            } else {
                println!(
                    "gen-docs: updated {} file(s) in {}",
                    differences.len(),
                    dir.display()
                );
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("gen-docs: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("gen-docs: {message}\n{USAGE}");
    ExitCode::from(2)
}
