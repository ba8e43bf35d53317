//! Provider functions end to end through Terraform 1.15: each function's
//! result as an output, its errors naming the argument at fault, the
//! sensitivity of `api_token`, and `privileges` feeding a real `pve_role`.

use std::collections::BTreeSet;

use proxmox_client::RoleId;
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
"#;

const SECRET: &str = "0b0e2d4c-1111-4222-8333-444455556666";

#[test]
fn functions_return_their_documented_values() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        r#"{HEADER}
output "parts" {{
  value = provider::pve::parse_token_id("first.last@example.com@ad!tf-run.1")
}}
output "credential" {{
  value     = provider::pve::api_token("ci@pve", "deploy", "{SECRET}")
  sensitive = true
}}
output "vm_path" {{
  value = provider::pve::acl_path("vm", 100)
}}
output "paths" {{
  value = [
    provider::pve::acl_path("pool", "prod/web"),
    provider::pve::acl_path("realm", "pve"),
    provider::pve::acl_path("group", "ops"),
    provider::pve::acl_path("sdn_zone", "zone1/vnet1/42"),
    provider::pve::acl_path("mapping_pci", "gpu0"),
    provider::pve::acl_path("storage", "local-lvm"),
    provider::pve::acl_path("node", "pve1"),
  ]
}}
output "privileges" {{
  value = provider::pve::privileges("PVEDatastoreUser", "PVEPoolUser", "PVEDatastoreUser")
}}
output "no_privileges" {{
  value = provider::pve::privileges()
}}
output "administrator_count" {{
  value = length(provider::pve::privileges("Administrator"))
}}
"#
    ));
    workdir.apply();
    let outputs = workdir.outputs();
    assert_eq!(
        outputs["parts"]["value"],
        serde_json::json!({
            "user_id": "first.last@example.com@ad",
            "user": "first.last@example.com",
            "realm": "ad",
            "token_name": "tf-run.1",
        })
    );
    assert_eq!(
        outputs["credential"]["value"],
        format!("ci@pve!deploy={SECRET}")
    );
    assert_eq!(outputs["credential"]["sensitive"], true);
    assert_eq!(outputs["vm_path"]["value"], "/vms/100");
    assert_eq!(
        outputs["paths"]["value"],
        serde_json::json!([
            "/pool/prod/web",
            "/access/realm/pve",
            "/access/groups/ops",
            "/sdn/zones/zone1/vnet1/42",
            "/mapping/pci/gpu0",
            "/storage/local-lvm",
            "/nodes/pve1",
        ])
    );
    assert_eq!(
        outputs["privileges"]["value"],
        serde_json::json!(["Datastore.AllocateSpace", "Datastore.Audit", "Pool.Audit"])
    );
    assert_eq!(outputs["no_privileges"]["value"], serde_json::json!([]));
    assert_eq!(outputs["administrator_count"]["value"], 47);
    // Outputs only: a second plan has nothing to do.
    workdir.assert_plan_empty();
}

/// Plans a configuration with one output calling `call`; it must fail with
/// Terraform's argument error for `parameter` and contain every `expected`.
fn assert_function_error(workdir: &Workdir, call: &str, parameter: &str, expected: &[&str]) {
    workdir.config(&format!(
        "{HEADER}\noutput \"x\" {{\n  value = {call}\n}}\n"
    ));
    let run = workdir.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0, "{call} should fail:\n{}", run.all_output());
    // Terraform wraps lines; compare with whitespace collapsed.
    let output = run
        .all_output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let prefix = format!("Invalid value for \"{parameter}\" parameter:");
    assert!(
        output.contains(&prefix),
        "{call}: expected {prefix}\n{output}"
    );
    for text in expected {
        assert!(output.contains(text), "{call}: expected {text:?}\n{output}");
    }
}

#[test]
fn invalid_arguments_fail_the_plan_naming_the_argument() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    assert_function_error(
        &workdir,
        r#"provider::pve::parse_token_id("ci@pve")"#,
        "id",
        &["`ci@pve` is not a PVE API token id", "USER@REALM!TOKEN"],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::api_token("ci", "deploy", "x")"#,
        "user_id",
        &["`ci` is not a PVE user id"],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::api_token("ci@pve", "9lives", "x")"#,
        "token_name",
        &["`9lives` is not a PVE token name"],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::api_token("ci@pve", "deploy", "ci@pve!deploy=abc")"#,
        "secret",
        &["contains `=`"],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::acl_path("vms", "100")"#,
        "kind",
        &[
            "`vms` is not a kind of ACL object",
            "Did you mean `vm`?",
            "`mapping_pci`",
        ],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::acl_path("vm", 42)"#,
        "id",
        &["`42` is not a valid vm id", "100 and above"],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::acl_path("pool", "a/b/c/d")"#,
        "id",
        &["at most 3 are allowed"],
    );
    assert_function_error(
        &workdir,
        r#"provider::pve::privileges("PVEVMUser", "VMOperator")"#,
        "role_names",
        &[
            "`VMOperator` is not a built-in Proxmox VE 9 role",
            "PVEAdmin, PVEAuditor",
        ],
    );
}

#[test]
fn the_secret_keeps_its_sensitive_and_ephemeral_marks() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let config = |marking: &str, output_marking: &str| {
        format!(
            r#"{HEADER}
variable "secret" {{
  type    = string
  default = "{SECRET}"
  {marking}
}}
output "credential" {{
  value = provider::pve::api_token("ci@pve", "deploy", var.secret)
  {output_marking}
}}
"#
        )
    };
    workdir.config(&config("sensitive = true", ""));
    let run = workdir.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output()
            .contains("Output refers to sensitive values"),
        "{}",
        run.all_output()
    );
    assert!(
        !run.all_output().contains(SECRET),
        "the plan showed the secret"
    );

    workdir.config(&config("ephemeral = true", ""));
    let run = workdir.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("Ephemeral value not allowed"),
        "{}",
        run.all_output()
    );

    workdir.config(&config("sensitive = true", "sensitive = true"));
    let run = workdir.apply();
    assert!(
        !run.all_output().contains(SECRET),
        "apply printed the secret"
    );
}

#[test]
fn privileges_feed_a_custom_role() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let role = target.unique("Deployer");
    workdir.config(&format!(
        r#"{HEADER}
provider "pve" {{}}
resource "pve_role" "deployer" {{
  role_id    = "{role}"
  privileges = setunion(provider::pve::privileges("PVEVMUser", "PVEDatastoreUser"), ["VM.Snapshot"])
}}
"#
    ));
    workdir.apply();
    let id: RoleId = role.parse().expect("role id");
    let found = target
        .block_on(target.client().roles().get(&id))
        .expect("read role");
    let expected: BTreeSet<String> = [
        "Datastore.AllocateSpace",
        "Datastore.Audit",
        "VM.Audit",
        "VM.Backup",
        "VM.Config.CDROM",
        "VM.Config.Cloudinit",
        "VM.Console",
        "VM.GuestAgent.Audit",
        "VM.GuestAgent.FileRead",
        "VM.GuestAgent.FileSystemMgmt",
        "VM.GuestAgent.FileWrite",
        "VM.PowerMgmt",
        "VM.Snapshot",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    assert_eq!(found.privs, expected);
    workdir.assert_plan_empty();
    workdir.destroy();
}
