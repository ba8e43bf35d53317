//! `pve_pool` and `pve_pool_membership` end to end: nested pools, comment
//! updates, replacement, import, out-of-band change and delete, members
//! (guests and storages), destroy, and the oldest supported Terraform.

use proxmox_client::{Pool, PoolId, UpdatePool};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn pool(target: &Target, id: &str) -> Option<Pool> {
    let id: PoolId = id.parse().expect("pool id");
    match target.block_on(target.client().pools().get(&id)) {
        Ok(found) => Some(found),
        Err(error) if error.is_not_found() => None,
        Err(error) => panic!("read pool {id}: {error}"),
    }
}

fn pools_config(parent: &str, child: &str, comment: Option<&str>) -> String {
    let comment = comment
        .map(|c| format!("  comment = {c:?}\n"))
        .unwrap_or_default();
    format!(
        "{HEADER}
resource \"pve_pool\" \"parent\" {{
  pool_id = \"{parent}\"
}}
resource \"pve_pool\" \"child\" {{
  pool_id = \"${{pve_pool.parent.pool_id}}/{child}\"
{comment}}}
"
    )
}

#[test]
fn pool_lifecycle() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let parent = target.unique("team");
    let child_path = |child: &str| format!("{parent}/{child}");

    workdir.config(&pools_config(&parent, "web", Some("web servers")));
    workdir.apply();
    assert_eq!(
        pool(&target, &child_path("web"))
            .and_then(|p| p.comment)
            .as_deref(),
        Some("web servers")
    );
    assert!(pool(&target, &parent).is_some());
    workdir.assert_plan_empty();

    // Comment: changed in place, then removed.
    workdir.config(&pools_config(&parent, "web", Some("frontends")));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    workdir.apply();
    assert_eq!(
        pool(&target, &child_path("web"))
            .and_then(|p| p.comment)
            .as_deref(),
        Some("frontends")
    );
    workdir.config(&pools_config(&parent, "web", None));
    workdir.apply();
    assert_eq!(
        pool(&target, &child_path("web")).map(|p| p.comment),
        Some(None)
    );
    workdir.assert_plan_empty();

    // Out-of-band change, then out-of-band delete.
    let web: PoolId = child_path("web").parse().expect("pool id");
    target
        .block_on(target.client().pools().update(
            &web,
            &UpdatePool {
                comment: Some("changed by hand".into()),
                ..Default::default()
            },
        ))
        .expect("change out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("changed by hand"), "{plan}");
    workdir.apply();
    assert_eq!(
        pool(&target, &child_path("web")).map(|p| p.comment),
        Some(None)
    );
    target
        .block_on(target.client().pools().delete(&web))
        .expect("delete out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("will be created"), "{plan}");
    workdir.apply();
    assert!(pool(&target, &child_path("web")).is_some());

    // Renaming replaces.
    workdir.config(&pools_config(&parent, "api", None));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert!(pool(&target, &child_path("web")).is_none());
    assert!(pool(&target, &child_path("api")).is_some());

    // Import the nested pool: the next plan is empty.
    let imported = Workdir::new(&target);
    imported.config(&pools_config(&parent, "api", None));
    imported.import("pve_pool.parent", &parent);
    imported.import("pve_pool.child", &child_path("api"));
    imported.assert_plan_empty();

    workdir.destroy();
    assert!(pool(&target, &parent).is_none());
    assert!(pool(&target, &child_path("api")).is_none());
}

#[test]
fn pool_ids_are_checked_at_plan_time() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        "{HEADER}resource \"pve_pool\" \"p\" {{\n  pool_id = \"team/1st\"\n}}\n"
    ));
    let run = workdir.plan();
    assert_eq!(run.code, 1, "{}", run.all_output());
    let output = run.all_output().replace('\n', " ");
    assert!(output.contains("Invalid pool_id"), "{output}");
    assert!(output.contains("start with a letter"), "{output}");
}

fn membership_config(pool_id: &str) -> String {
    format!(
        "{HEADER}
resource \"pve_pool\" \"p\" {{
  pool_id = \"{pool_id}\"
}}
resource \"pve_pool_membership\" \"vm\" {{
  pool_id = pve_pool.p.pool_id
  vm_id   = 100
}}
resource \"pve_pool_membership\" \"storage\" {{
  pool_id    = pve_pool.p.pool_id
  storage_id = \"local\"
}}
"
    )
}

fn has_vm(pool: &Pool, vmid: i64) -> bool {
    pool.members.iter().any(|m| m.vmid == Some(vmid))
}

fn has_storage(pool: &Pool, sid: &str) -> bool {
    pool.members
        .iter()
        .any(|m| m.kind == "storage" && m.storage.as_deref() == Some(sid))
}

#[test]
fn pool_membership_lifecycle() {
    // Guest 100 and storage `local` are in pve-sim's default inventory; a
    // real PVE needs them too.
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let pool_id = target.unique("members");
    let id: PoolId = pool_id.parse().expect("pool id");

    workdir.config(&membership_config(&pool_id));
    workdir.apply();
    let found = pool(&target, &pool_id).expect("pool exists");
    assert!(
        has_vm(&found, 100) && has_storage(&found, "local"),
        "{found:?}"
    );
    workdir.assert_plan_empty();
    assert_eq!(
        workdir.resource_attributes("pve_pool_membership.vm")["id"],
        format!("{pool_id}|vm/100")
    );

    // Import both: the next plan is empty.
    let imported = Workdir::new(&target);
    imported.config(&membership_config(&pool_id));
    imported.import("pve_pool.p", &pool_id);
    imported.import("pve_pool_membership.vm", &format!("{pool_id}|vm/100"));
    imported.import(
        "pve_pool_membership.storage",
        &format!("{pool_id}|storage/local"),
    );
    imported.assert_plan_empty();

    // A member removed out of band is added again.
    target
        .block_on(target.client().pools().update(
            &id,
            &UpdatePool {
                vms: vec![100],
                delete: true,
                ..Default::default()
            },
        ))
        .expect("remove out of band");
    let plan = workdir.assert_plan_changes();
    assert!(
        plan.contains("pve_pool_membership.vm will be created"),
        "{plan}"
    );
    workdir.apply();
    assert!(has_vm(&pool(&target, &pool_id).expect("pool"), 100));

    // Adding a member twice says how to import it.
    let duplicate = Workdir::new(&target);
    duplicate.config(&format!(
        "{HEADER}resource \"pve_pool_membership\" \"vm\" {{\n  pool_id = \"{pool_id}\"\n  vm_id   = 100\n}}\n"
    ));
    let run = duplicate.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0);
    let output = run.all_output().replace('\n', " ");
    assert!(
        output.contains(&format!(
            "terraform import pve_pool_membership.NAME '{pool_id}|vm/100'"
        )),
        "{output}"
    );

    // Destroy removes the members, then the (now empty) pool.
    workdir.destroy();
    assert!(pool(&target, &pool_id).is_none());
}

#[test]
fn terraform_1_0_creates_plans_and_destroys_pools() {
    let target = Target::start();
    let workdir = Workdir::legacy(&target);
    let parent = target.unique("legacy");
    workdir.config(&pools_config(&parent, "web", Some("x")));
    workdir.apply();
    assert!(pool(&target, &format!("{parent}/web")).is_some());
    workdir.assert_plan_empty();
    workdir.destroy();
    assert!(pool(&target, &parent).is_none());
}

#[test]
fn membership_of_a_guest_that_does_not_exist_is_refused_and_undone() {
    let target = Target::start();
    if target.sim().is_none() {
        // Guest 999999 might exist on a real host.
        return;
    }
    let pool_id = target.unique("ghosts");
    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        "{HEADER}
resource \"pve_pool\" \"p\" {{
  pool_id = \"{pool_id}\"
}}
resource \"pve_pool_membership\" \"ghost\" {{
  pool_id = pve_pool.p.pool_id
  vm_id   = 999999
}}
"
    ));
    let run = workdir.run(&["apply", "-auto-approve", "-input=false"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    let output = run.all_output();
    assert!(output.contains("Guest 999999 does not exist"), "{output}");
    assert!(output.contains("Create the guest first"), "{output}");
    // Taken out again: a later add (once the guest exists) would not hit
    // "already a pool member", and the pool can go.
    let id: PoolId = pool_id.parse().expect("pool id");
    let update = UpdatePool {
        vms: vec![999999],
        delete: true,
        ..Default::default()
    };
    let removed = target.block_on(target.client().pools().update(&id, &update));
    assert!(
        removed.is_err_and(|e| e.to_string().contains("is not a pool member")),
        "the membership was left behind"
    );
    workdir.destroy();
    assert!(pool(&target, &pool_id).is_none());
}

#[test]
fn a_member_guest_that_vanishes_is_drift_and_comes_back_with_the_guest() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        // Needs the simulator's run-time inventory control.
        return;
    };
    let pool_id = target.unique("vanish");
    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        "{HEADER}
resource \"pve_pool\" \"p\" {{
  pool_id = \"{pool_id}\"
}}
resource \"pve_pool_membership\" \"web\" {{
  pool_id = pve_pool.p.pool_id
  vm_id   = 150
}}
"
    ));
    workdir.apply();
    let listed = |target: &Target| {
        pool(target, &pool_id)
            .expect("pool")
            .members
            .iter()
            .any(|m| m.vmid == Some(150))
    };
    assert!(listed(&target));
    workdir.assert_plan_empty();

    // The guest disappears behind Terraform's back: the pool no longer
    // lists it, and the plan shows the membership to be created again.
    let guest = sim
        .state()
        .inventory
        .get()
        .guest(150)
        .cloned()
        .expect("demo guest 150");
    sim.state()
        .inventory
        .remove_guest(150)
        .expect("remove guest");
    assert!(!listed(&target));
    let plan = workdir.assert_plan_changes();
    assert!(
        plan.contains("pve_pool_membership.web will be created"),
        "{plan}"
    );

    // Applying while the guest is missing says so, and clears PVE's stale
    // record of it (a later add would otherwise hit "already a pool member").
    let run = workdir.run(&["apply", "-auto-approve", "-input=false"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    let output = run.all_output();
    assert!(output.contains("Guest 150 does not exist"), "{output}");
    let id: PoolId = pool_id.parse().expect("pool id");
    let update = UpdatePool {
        vms: vec![150],
        delete: true,
        ..Default::default()
    };
    let removed = target.block_on(target.client().pools().update(&id, &update));
    assert!(
        removed.is_err_and(|e| e.to_string().contains("is not a pool member")),
        "the stale record was left behind"
    );

    // The guest comes back: the next apply converges.
    sim.state().inventory.add_guest(guest).expect("add guest");
    workdir.apply();
    assert!(listed(&target));
    workdir.assert_plan_empty();
    workdir.destroy();
    assert!(pool(&target, &pool_id).is_none());
}
