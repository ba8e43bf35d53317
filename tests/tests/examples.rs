//! The shipped examples work as written: `terraform validate`, then apply,
//! an empty plan, and destroy against the target.

use std::collections::BTreeSet;

use pve_e2e::terraform::repo_root;
use pve_e2e::{Target, Workdir};

fn quickstart() -> String {
    let path = repo_root().join("examples/quickstart/main.tf");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

#[test]
fn quickstart_validates() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.write("main.tf", &quickstart());
    let run = workdir.ok(&["validate", "-no-color"]);
    assert!(
        run.stdout.contains("The configuration is valid"),
        "{}",
        run.all_output()
    );
}

#[test]
fn quickstart_applies_plans_empty_and_destroys() {
    // The example uses fixed names; each test has its own simulator.
    let target = Target::start();
    if target.sim().is_none() {
        eprintln!("skipped on a real host: the quickstart's fixed names could collide");
        return;
    }
    let workdir = Workdir::new(&target);
    workdir.write("main.tf", &quickstart());
    workdir.apply();
    workdir.assert_plan_empty();

    let outputs = workdir.outputs();
    let token_id = outputs["token_id"]["value"]
        .as_str()
        .expect("token_id output")
        .to_string();
    assert_eq!(token_id, "automation@pve!terraform");
    let privileges: BTreeSet<&str> = outputs["token_privileges_on_vm_200"]["value"]
        .as_array()
        .expect("privileges output")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        privileges,
        BTreeSet::from([
            "Pool.Audit",
            "VM.Audit",
            "VM.Config.Options",
            "VM.Console",
            "VM.PowerMgmt"
        ]),
        "the token holds the role on /vms/200 through both of its grants"
    );
    let value = outputs["token_value"]["value"]
        .as_str()
        .expect("token value");
    assert!(value.starts_with("automation@pve!terraform="));

    // Four grants: the group and the token, each on the pool and on /vms/200.
    let entries = target
        .block_on(target.client().acl().list())
        .expect("list ACL");
    let ours = entries
        .iter()
        .filter(|e| e.roleid.as_str() == "VMOperator")
        .count();
    assert_eq!(ours, 4, "{entries:?}");

    workdir.destroy();
    let entries = target
        .block_on(target.client().acl().list())
        .expect("list ACL");
    assert!(
        entries.iter().all(|e| e.roleid.as_str() != "VMOperator"),
        "{entries:?}"
    );
    let roles = target
        .block_on(target.client().roles().list())
        .expect("list roles");
    assert!(roles.iter().all(|r| r.roleid.as_str() != "VMOperator"));
    let pools = target
        .block_on(target.client().pools().list())
        .expect("list pools");
    assert!(pools.is_empty(), "{pools:?}");
}
