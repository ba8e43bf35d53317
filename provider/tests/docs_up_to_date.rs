//! The committed `docs/` must be exactly what `make docs` generates from the
//! provider's schema, and every attribute must be described.

use std::path::PathBuf;

use terraform_provider_pve::PveProvider;
use tfplugin_docs as docs;

fn repository_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

#[test]
fn docs_are_up_to_date() {
    let root = repository_root();
    let generated = docs::generate(&PveProvider::new(), &root).expect("generate the docs");
    let differences = generated.compare(&root.join("docs")).expect("read docs/");
    assert!(
        differences.is_empty(),
        "docs/ is out of date: run `make docs`\n{}",
        differences
            .iter()
            .map(|d| format!("  {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_attribute_has_a_description() {
    let missing = docs::missing_descriptions(&PveProvider::new());
    assert!(
        missing.is_empty(),
        "these have no description (the docs are generated from them):\n{}",
        missing
            .iter()
            .map(|m| format!("  {m}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
