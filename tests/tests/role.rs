//! `pve_role` end to end: create, plan-empty, update, replace, import,
//! out-of-band change and delete, destroy, plan-time privilege and
//! built-in checks, and the oldest supported Terraform.

use std::collections::BTreeSet;

use proxmox_client::{RoleId, UpdateRole};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn role_config(role: &str, privileges: &[&str]) -> String {
    let privileges: Vec<String> = privileges.iter().map(|p| format!("{p:?}")).collect();
    format!(
        "{HEADER}\nresource \"pve_role\" \"r\" {{\n  role_id    = \"{role}\"\n  privileges = [{}]\n}}\n",
        privileges.join(", ")
    )
}

fn privileges_of(target: &Target, role: &str) -> Option<BTreeSet<String>> {
    let id: RoleId = role.parse().expect("role id");
    match target.block_on(target.client().roles().get(&id)) {
        Ok(found) => Some(found.privs),
        Err(error) if error.is_not_found() => None,
        Err(error) => panic!("read role {role}: {error}"),
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn role_lifecycle() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let role = target.unique("Operator");

    // Create; the plan right after is empty (set order does not matter).
    workdir.config(&role_config(&role, &["VM.PowerMgmt", "VM.Audit"]));
    workdir.apply();
    assert_eq!(
        privileges_of(&target, &role),
        Some(set(&["VM.Audit", "VM.PowerMgmt"]))
    );
    workdir.assert_plan_empty();
    let state = workdir.resource_attributes("pve_role.r");
    assert_eq!(state["role_id"], role.as_str());

    // Update in place.
    workdir.config(&role_config(&role, &["VM.Audit", "VM.Console"]));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    workdir.apply();
    assert_eq!(
        privileges_of(&target, &role),
        Some(set(&["VM.Audit", "VM.Console"]))
    );
    workdir.assert_plan_empty();

    // An empty privilege set is allowed.
    workdir.config(&role_config(&role, &[]));
    workdir.apply();
    assert_eq!(privileges_of(&target, &role), Some(BTreeSet::new()));
    workdir.assert_plan_empty();

    // Out-of-band change is detected and reverted.
    workdir.config(&role_config(&role, &["VM.Audit"]));
    workdir.apply();
    let id: RoleId = role.parse().expect("role id");
    target
        .block_on(target.client().roles().update(
            &id,
            &UpdateRole {
                privs: vec!["Sys.Audit".into()],
                append: false,
            },
        ))
        .expect("change role out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("Sys.Audit"), "{plan}");
    workdir.apply();
    assert_eq!(privileges_of(&target, &role), Some(set(&["VM.Audit"])));

    // Out-of-band delete: recreated.
    target
        .block_on(target.client().roles().delete(&id))
        .expect("delete out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("will be created"), "{plan}");
    workdir.apply();
    assert_eq!(privileges_of(&target, &role), Some(set(&["VM.Audit"])));

    // Renaming replaces.
    let renamed = target.unique("Renamed");
    workdir.config(&role_config(&renamed, &["VM.Audit"]));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert_eq!(privileges_of(&target, &role), None);
    assert_eq!(privileges_of(&target, &renamed), Some(set(&["VM.Audit"])));

    // Import into a fresh working directory: the next plan is empty.
    let imported = Workdir::new(&target);
    imported.config(&role_config(&renamed, &["VM.Audit"]));
    imported.import("pve_role.r", &renamed);
    imported.assert_plan_empty();
    assert_eq!(
        imported.resource_attributes("pve_role.r")["role_id"],
        renamed.as_str()
    );

    // Creating a role that exists says how to import it.
    let duplicate = Workdir::new(&target);
    duplicate.config(&role_config(&renamed, &["VM.Audit"]));
    let run = duplicate.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output()
            .replace('\n', " ")
            .contains(&format!("terraform import pve_role.NAME {renamed}")),
        "{}",
        run.all_output()
    );

    // Destroy leaves nothing.
    workdir.destroy();
    assert_eq!(privileges_of(&target, &renamed), None);
}

#[test]
fn unknown_privileges_are_rejected_at_plan_time_with_the_valid_list() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let role = target.unique("Bad");
    // VM.Monitor was removed in PVE 9; `vm.audit` has the wrong case.
    workdir.config(&role_config(&role, &["VM.Audit", "VM.Monitor", "vm.audit"]));
    let run = workdir.plan();
    assert_eq!(run.code, 1, "{}", run.all_output());
    let output = run.all_output().replace('\n', " ");
    assert!(output.contains("Unknown privilege"), "{output}");
    assert!(output.contains("`VM.Monitor`"), "{output}");
    assert!(output.contains("`vm.audit`"), "{output}");
    assert!(output.contains("connected Proxmox VE server"), "{output}");
    assert!(
        output.contains("VM.Snapshot.Rollback"),
        "the valid names are listed: {output}"
    );
    assert!(output.contains("privileges"), "{output}");
    assert_eq!(privileges_of(&target, &role), None, "nothing was created");
}

#[test]
fn built_in_roles_cannot_be_managed_or_imported() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    for (role, expected) in [
        ("PVEAdmin", "reserved"),
        ("pveMine", "reserved"),
        ("NoAccess", "built-in"),
    ] {
        workdir.config(&role_config(role, &["VM.Audit"]));
        let run = workdir.plan();
        assert_eq!(run.code, 1, "{role}: {}", run.all_output());
        let output = run.all_output().replace('\n', " ");
        assert!(output.contains("Built-in role"), "{role}: {output}");
        assert!(output.contains(expected), "{role}: {output}");
    }

    // The configuration is valid; the import id names a built-in role.
    workdir.config(&role_config(&target.unique("Custom"), &["VM.Audit"]));
    let run = workdir.run(&["import", "-no-color", "pve_role.r", "Administrator"]);
    assert_ne!(run.code, 0);
    let output = run.all_output().replace('\n', " ");
    assert!(
        output.contains("Cannot import built-in role 'Administrator'"),
        "{output}"
    );
    // The built-in role is untouched.
    let admin = privileges_of(&target, "Administrator").expect("Administrator exists");
    assert!(admin.len() >= 47, "{admin:?}");
}

#[test]
fn terraform_1_0_creates_plans_and_destroys_a_role() {
    let target = Target::start();
    let workdir = Workdir::legacy(&target);
    let role = target.unique("Legacy");
    workdir.config(&role_config(&role, &["VM.Audit", "Pool.Audit"]));
    workdir.apply();
    assert_eq!(
        privileges_of(&target, &role),
        Some(set(&["Pool.Audit", "VM.Audit"]))
    );
    workdir.assert_plan_empty();
    workdir.destroy();
    assert_eq!(privileges_of(&target, &role), None);
}
