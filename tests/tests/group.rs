//! `pve_group` end to end: create, plan-empty, comment update, members
//! reported from `pve_user.groups`, replace, import, out-of-band change and
//! delete, destroy, create conflict; the group data sources.

use proxmox_client::{CreateGroup, Group, GroupId, UpdateGroup};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn group_of(target: &Target, group: &str) -> Option<Group> {
    let id: GroupId = group.parse().expect("group id");
    match target.block_on(target.client().groups().get(&id)) {
        Ok(found) => Some(found),
        Err(error) if error.is_not_found() => None,
        Err(error) => panic!("read group {group}: {error}"),
    }
}

fn group_config(group: &str, comment: Option<&str>, members: &[&str]) -> String {
    let comment = comment.map_or(String::new(), |c| format!("  comment  = \"{c}\"\n"));
    let mut hcl = format!(
        "{HEADER}\nresource \"pve_group\" \"g\" {{\n  group_id = \"{group}\"\n{comment}}}\n"
    );
    for (i, user) in members.iter().enumerate() {
        hcl.push_str(&format!(
            "resource \"pve_user\" \"u{i}\" {{\n  user_id = \"{user}\"\n  groups  = [pve_group.g.group_id]\n}}\n"
        ));
    }
    hcl
}

fn members_in_state(workdir: &Workdir) -> Vec<String> {
    let mut members: Vec<String> =
        serde_json::from_value(workdir.resource_attributes("pve_group.g")["members"].clone())
            .expect("members is a list of strings");
    members.sort();
    members
}

#[test]
fn group_lifecycle() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let group = target.unique("ops");
    let alice = format!("{}@pve", target.unique("alice"));
    let bob = format!("{}@pve", target.unique("bob"));

    // Create; no members yet.
    workdir.config(&group_config(&group, Some("Operators"), &[]));
    workdir.apply();
    let found = group_of(&target, &group).expect("group created");
    assert_eq!(found.comment.as_deref(), Some("Operators"));
    assert!(members_in_state(&workdir).is_empty());
    workdir.assert_plan_empty();

    // Members join through pve_user.groups; the group reports them.
    workdir.config(&group_config(&group, Some("Operators"), &[&alice, &bob]));
    workdir.apply();
    workdir.ok(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    let mut expected = vec![alice.clone(), bob.clone()];
    expected.sort();
    assert_eq!(members_in_state(&workdir), expected);
    workdir.assert_plan_empty();

    // Comment update in place, then removal.
    workdir.config(&group_config(
        &group,
        Some("Operations team"),
        &[&alice, &bob],
    ));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    workdir.apply();
    assert_eq!(
        group_of(&target, &group).expect("group").comment.as_deref(),
        Some("Operations team")
    );
    workdir.assert_plan_empty();
    workdir.config(&group_config(&group, None, &[&alice, &bob]));
    workdir.apply();
    assert_eq!(group_of(&target, &group).expect("group").comment, None);
    assert_eq!(
        members_in_state(&workdir),
        expected,
        "members survive a comment update"
    );
    workdir.assert_plan_empty();

    // Out-of-band change is detected and reverted.
    let id: GroupId = group.parse().expect("group id");
    target
        .block_on(target.client().groups().update(
            &id,
            &UpdateGroup {
                comment: Some("changed by hand".into()),
            },
        ))
        .expect("change group out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("changed by hand"), "{plan}");
    workdir.apply();
    assert_eq!(group_of(&target, &group).expect("group").comment, None);
    workdir.assert_plan_empty();

    // Import into a fresh working directory; the plan is empty.
    let imported = Workdir::new(&target);
    imported.config(&group_config(&group, None, &[]));
    imported.import("pve_group.g", &group);
    imported.assert_plan_empty();
    let mut members: Vec<String> =
        serde_json::from_value(imported.resource_attributes("pve_group.g")["members"].clone())
            .expect("members");
    members.sort();
    assert_eq!(members, expected);

    // Deleted out of band: recreated (and the users rejoin it).
    target
        .block_on(target.client().groups().delete(&id))
        .expect("delete group out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("will be created"), "{plan}");
    workdir.apply();
    assert!(group_of(&target, &group).is_some());
    workdir.ok(&[
        "apply",
        "-refresh-only",
        "-auto-approve",
        "-input=false",
        "-no-color",
    ]);
    assert_eq!(members_in_state(&workdir), expected);
    workdir.assert_plan_empty();

    // A new group_id replaces the group.
    let renamed = target.unique("ops");
    workdir.config(&group_config(&renamed, None, &[]));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert!(group_of(&target, &group).is_none());
    assert!(group_of(&target, &renamed).is_some());

    // Destroy leaves nothing.
    workdir.destroy();
    assert!(group_of(&target, &renamed).is_none());
}

#[test]
fn group_create_conflict_names_the_import_command() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let group = target.unique("taken");
    let id: GroupId = group.parse().expect("group id");
    target
        .block_on(
            target
                .client()
                .groups()
                .create(&id, &CreateGroup::default()),
        )
        .expect("create group out of band");
    workdir.config(&group_config(&group, None, &[]));
    let run = workdir.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    let output = run.all_output();
    assert!(
        output.contains(&format!("terraform import pve_group.NAME {group}")),
        "{output}"
    );
    target
        .block_on(target.client().groups().delete(&id))
        .expect("clean up");
}

#[test]
fn group_data_sources() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let (ops, dev) = (target.unique("ops"), target.unique("dev"));
    let alice = format!("{}@pve", target.unique("alice"));
    workdir.config(&format!(
        r#"{HEADER}
resource "pve_group" "ops" {{
  group_id = "{ops}"
  comment  = "Operators"
}}
resource "pve_group" "dev" {{
  group_id = "{dev}"
}}
resource "pve_user" "alice" {{
  user_id = "{alice}"
  groups  = [pve_group.ops.group_id]
}}
data "pve_group" "ops" {{
  group_id   = pve_group.ops.group_id
  depends_on = [pve_user.alice]
}}
data "pve_groups" "all" {{
  depends_on = [pve_user.alice, pve_group.dev]
}}
output "ops" {{
  value = data.pve_group.ops
}}
output "all" {{
  value = data.pve_groups.all.groups
}}
"#
    ));
    workdir.apply();
    let outputs = workdir.outputs();
    let one = &outputs["ops"]["value"];
    assert_eq!(one["comment"], "Operators");
    assert_eq!(one["members"], serde_json::json!([alice]));
    let all = outputs["all"]["value"].as_array().expect("list").clone();
    let ids: Vec<&str> = all.iter().filter_map(|g| g["group_id"].as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "sorted by group id");
    let dev_entry = all
        .iter()
        .find(|g| g["group_id"] == dev.as_str())
        .expect("dev listed");
    assert!(dev_entry["comment"].is_null());
    assert_eq!(dev_entry["members"], serde_json::json!([]));
    let ops_entry = all
        .iter()
        .find(|g| g["group_id"] == ops.as_str())
        .expect("ops listed");
    assert_eq!(ops_entry["members"], serde_json::json!([alice]));
    workdir.assert_plan_empty();
    workdir.destroy();
}
