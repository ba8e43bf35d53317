//! The provider as a Terraform plugin: the real CLI loads it, handshakes over
//! mutual TLS and reads its schema, on the newest and the oldest supported
//! Terraform.

use std::process::Command;

use pve_e2e::terraform::provider_dir;
use pve_e2e::{Target, Workdir};

const CONFIG: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn schema_json(workdir: &Workdir) -> serde_json::Value {
    workdir.config(CONFIG);
    let run = workdir.ok(&["providers", "schema", "-json"]);
    let json = run
        .stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON in output:\n{}", run.all_output()));
    serde_json::from_str(json).expect("schema is JSON")
}

fn assert_schema(schema: &serde_json::Value) {
    let provider = &schema["provider_schemas"]["registry.terraform.io/pve-rs/pve"];
    let attributes = &provider["provider"]["block"]["attributes"];
    for name in [
        "endpoint",
        "api_token",
        "username",
        "password",
        "insecure",
        "ca_certificate",
    ] {
        assert!(
            attributes.get(name).is_some(),
            "provider attribute {name} missing: {attributes}"
        );
    }
    assert_eq!(
        attributes["api_token"]["sensitive"], true,
        "api_token must be sensitive"
    );
    assert_eq!(
        attributes["password"]["sensitive"], true,
        "password must be sensitive"
    );
    assert!(
        provider["resource_schemas"]
            .as_object()
            .is_some_and(|r| !r.is_empty()),
        "no resources in schema: {provider}"
    );
}

#[test]
fn terraform_1_15_reads_the_schema() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    assert_schema(&schema_json(&workdir));
}

#[test]
fn terraform_1_0_reads_the_schema() {
    let target = Target::start();
    let workdir = Workdir::legacy(&target);
    assert_schema(&schema_json(&workdir));
}

#[test]
fn run_by_hand_it_says_it_is_a_plugin_and_exits_1() {
    let output = Command::new(provider_dir().join("terraform-provider-pve"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("run provider");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing may go to stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Terraform"), "unhelpful message: {stderr}");
}
