//! `pve_acl` end to end, for users, groups and tokens: create, plan-empty,
//! propagate changed in place (the grant never goes away), forced
//! replacement, import, out-of-band change and delete, destroy, plan-time
//! validation, and the oldest supported Terraform.

use proxmox_client::{
    AclEntry, AclUpdate, CreateGroup, CreateToken, CreateUser, GroupId, TokenName, UserId,
};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

/// A user, a group and a privilege-separated token of the user, made out of band.
struct Principals {
    user: String,
    group: String,
    token: String,
}

fn principals(target: &Target) -> Principals {
    let user: UserId = format!("{}@pve", target.unique("acluser"))
        .parse()
        .expect("user id");
    let group: GroupId = target.unique("aclgroup").parse().expect("group id");
    let name: TokenName = "tf".parse().expect("token name");
    let client = target.client();
    target.block_on(async {
        client
            .users()
            .create(&user, &CreateUser::default())
            .await
            .expect("create user");
        client
            .groups()
            .create(&group, &CreateGroup::default())
            .await
            .expect("create group");
        client
            .tokens(&user)
            .create(
                &name,
                &CreateToken {
                    privsep: Some(true),
                    ..Default::default()
                },
            )
            .await
            .expect("create token");
    });
    Principals {
        token: format!("{user}!tf"),
        user: user.to_string(),
        group: group.to_string(),
    }
}

fn acl_block(
    name: &str,
    path: &str,
    role: &str,
    principal: &str,
    propagate: Option<bool>,
) -> String {
    let propagate = propagate
        .map(|p| format!("  propagate = {p}\n"))
        .unwrap_or_default();
    format!(
        "resource \"pve_acl\" \"{name}\" {{\n  path    = \"{path}\"\n  role_id = \"{role}\"\n  {principal}\n{propagate}}}\n"
    )
}

fn entries(target: &Target) -> Vec<AclEntry> {
    target
        .block_on(target.client().acl().list())
        .expect("list ACL")
}

/// The propagate flag of the entry, or `None` when there is no such entry.
fn find(target: &Target, path: &str, role: &str, kind: &str, ugid: &str) -> Option<bool> {
    entries(target)
        .into_iter()
        .find(|e| {
            e.path == path
                && e.roleid.as_str() == role
                && e.principal.kind() == kind
                && e.principal.ugid() == ugid
        })
        .map(|e| e.propagate)
}

#[test]
fn acl_lifecycle_for_users_groups_and_tokens() {
    let target = Target::start();
    let p = principals(&target);
    let workdir = Workdir::new(&target);
    let config = |user_propagate: Option<bool>, group_role: &str| {
        format!(
            "{HEADER}{}{}{}",
            acl_block(
                "user",
                "/vms/100",
                "PVEVMUser",
                &format!("user_id = \"{}\"", p.user),
                user_propagate
            ),
            acl_block(
                "group",
                "/storage/local",
                group_role,
                &format!("group_id = \"{}\"", p.group),
                None
            ),
            acl_block(
                "token",
                "/",
                "PVEAuditor",
                &format!("token_id = \"{}\"", p.token),
                Some(false)
            ),
        )
    };

    // Create all three kinds; propagate defaults to true.
    workdir.config(&config(None, "PVEDatastoreUser"));
    workdir.apply();
    assert_eq!(
        find(&target, "/vms/100", "PVEVMUser", "user", &p.user),
        Some(true)
    );
    assert_eq!(
        find(
            &target,
            "/storage/local",
            "PVEDatastoreUser",
            "group",
            &p.group
        ),
        Some(true)
    );
    assert_eq!(
        find(&target, "/", "PVEAuditor", "token", &p.token),
        Some(false)
    );
    workdir.assert_plan_empty();
    let state = workdir.resource_attributes("pve_acl.token");
    assert_eq!(state["id"], format!("/|PVEAuditor|token:{}", p.token));
    assert_eq!(state["propagate"], false);
    assert_eq!(state["user_id"], serde_json::Value::Null);

    // A refresh of three ACLs costs one list call (the cached ACL list).
    let count = |key: &str| target.sim().map(|sim| sim.stats().count(key));
    let lists_before = count("GET /access/acl");
    workdir.assert_plan_empty();
    if let (Some(before), Some(after)) = (lists_before, count("GET /access/acl")) {
        assert_eq!(
            after - before,
            1,
            "one GET /access/acl per refresh, not one per ACL"
        );
    }

    // Propagate changes in place, in one request (no revoke, so no moment
    // without the grant), and the entry is there afterwards.
    workdir.config(&config(Some(false), "PVEDatastoreUser"));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    assert!(!plan.contains("must be replaced"), "{plan}");
    let writes_before = count("PUT /access/acl");
    workdir.apply();
    if let (Some(before), Some(after)) = (writes_before, count("PUT /access/acl")) {
        assert_eq!(after - before, 1, "a single PUT /access/acl");
    }
    assert_eq!(
        find(&target, "/vms/100", "PVEVMUser", "user", &p.user),
        Some(false)
    );
    workdir.assert_plan_empty();

    // A new role replaces the entry.
    workdir.config(&config(Some(false), "PVEDatastoreAdmin"));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert_eq!(
        find(
            &target,
            "/storage/local",
            "PVEDatastoreUser",
            "group",
            &p.group
        ),
        None
    );
    assert_eq!(
        find(
            &target,
            "/storage/local",
            "PVEDatastoreAdmin",
            "group",
            &p.group
        ),
        Some(true)
    );

    // Out-of-band change of propagate is detected and reverted.
    let grant = |path: &str, role: &str, principal: &str, propagate: bool| AclUpdate {
        path: path.parse().expect("path"),
        roles: vec![role.parse().expect("role")],
        principals: vec![principal.parse().expect("principal")],
        propagate: Some(propagate),
    };
    target
        .block_on(
            target
                .client()
                .acl()
                .grant(&grant("/vms/100", "PVEVMUser", &p.user, true)),
        )
        .expect("grant out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("propagate"), "{plan}");
    workdir.apply();
    assert_eq!(
        find(&target, "/vms/100", "PVEVMUser", "user", &p.user),
        Some(false)
    );

    // Out-of-band revoke: recreated.
    target
        .block_on(
            target
                .client()
                .acl()
                .revoke(&grant("/", "PVEAuditor", &p.token, false)),
        )
        .expect("revoke out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("will be created"), "{plan}");
    workdir.apply();
    assert_eq!(
        find(&target, "/", "PVEAuditor", "token", &p.token),
        Some(false)
    );

    // Import each kind into a fresh directory: the next plan is empty.
    let imported = Workdir::new(&target);
    imported.config(&config(Some(false), "PVEDatastoreAdmin"));
    imported.import(
        "pve_acl.user",
        &format!("/vms/100|PVEVMUser|user:{}", p.user),
    );
    imported.import(
        "pve_acl.group",
        &format!("/storage/local|PVEDatastoreAdmin|group:{}", p.group),
    );
    imported.import("pve_acl.token", &format!("/|PVEAuditor|token:{}", p.token));
    imported.assert_plan_empty();

    // Creating an entry that exists says how to import it.
    let duplicate = Workdir::new(&target);
    duplicate.config(&format!(
        "{HEADER}{}",
        acl_block(
            "token",
            "/",
            "PVEAuditor",
            &format!("token_id = \"{}\"", p.token),
            Some(false)
        )
    ));
    let run = duplicate.run(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().replace('\n', " ").contains(&format!(
            "terraform import pve_acl.NAME '/|PVEAuditor|token:{}'",
            p.token
        )),
        "{}",
        run.all_output()
    );

    // Destroy leaves none of the entries.
    workdir.destroy();
    let left: Vec<AclEntry> = entries(&target)
        .into_iter()
        .filter(|e| [&p.user, &p.group, &p.token].contains(&&e.principal.ugid().to_string()))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn invalid_configurations_fail_at_plan_time() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    for (block, expected) in [
        (
            acl_block("a", "/vms/1", "PVEAuditor", "user_id = \"a@pve\"", None),
            "does not accept an ACL on `/vms/1`",
        ),
        (
            acl_block("a", "/vms/100/", "PVEAuditor", "user_id = \"a@pve\"", None),
            "write `/vms/100`",
        ),
        (
            acl_block("a", "/vms/100", "PVEAuditor", "", None),
            "None is set",
        ),
        (
            acl_block(
                "a",
                "/vms/100",
                "PVEAuditor",
                "user_id = \"a@pve\"\n  group_id = \"g\"",
                None,
            ),
            "`user_id` and `group_id` are set",
        ),
        (
            acl_block("a", "/vms/100", "PVEAuditor", "token_id = \"a@pve\"", None),
            "token",
        ),
    ] {
        workdir.config(&format!("{HEADER}{block}"));
        let run = workdir.plan();
        assert_eq!(run.code, 1, "{block}: {}", run.all_output());
        let output = run.all_output().replace('\n', " ");
        assert!(output.contains(expected), "{block}: {output}");
    }
    // The path error names the attribute.
    workdir.config(&format!(
        "{HEADER}{}",
        acl_block("a", "/nope", "PVEAuditor", "user_id = \"a@pve\"", None)
    ));
    let run = workdir.plan();
    assert!(run.all_output().contains("path"), "{}", run.all_output());
    assert!(
        run.all_output().contains("Valid forms"),
        "{}",
        run.all_output()
    );
}

#[test]
fn terraform_1_0_creates_plans_and_destroys_an_acl() {
    let target = Target::start();
    let p = principals(&target);
    let workdir = Workdir::legacy(&target);
    workdir.config(&format!(
        "{HEADER}{}",
        acl_block(
            "g",
            "/pool/web",
            "PVEPoolUser",
            &format!("group_id = \"{}\"", p.group),
            None
        )
    ));
    workdir.apply();
    assert_eq!(
        find(&target, "/pool/web", "PVEPoolUser", "group", &p.group),
        Some(true)
    );
    workdir.assert_plan_empty();
    workdir.destroy();
    assert_eq!(
        find(&target, "/pool/web", "PVEPoolUser", "group", &p.group),
        None
    );
}

/// Two identical `pve_acl` resources created in one parallel apply: PVE
/// accepts the second grant silently, so without a check under the write
/// lock both would "create" the entry, and destroying one would later
/// revoke the other's grant. Exactly one must succeed.
#[test]
fn two_identical_acls_in_one_apply_cannot_both_own_the_entry() {
    let target = Target::start();
    let p = principals(&target);
    let workdir = Workdir::new(&target);
    let principal = format!("user_id = \"{}\"", p.user);
    workdir.config(&format!(
        "{HEADER}{}{}",
        acl_block("first", "/vms/300", "PVEAuditor", &principal, None),
        acl_block("second", "/vms/300", "PVEAuditor", &principal, None),
    ));
    let run = workdir.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=10",
    ]);
    let output = run.all_output();
    assert_ne!(run.code, 0, "both duplicates were created:\n{output}");
    assert_eq!(
        output.matches("ACL entry already exists").count(),
        1,
        "{output}"
    );
    let state = workdir.state_text();
    assert_eq!(
        state.matches("\"type\": \"pve_acl\"").count(),
        1,
        "exactly one resource owns the entry:\n{state}"
    );
    assert_eq!(
        find(&target, "/vms/300", "PVEAuditor", "user", &p.user),
        Some(true)
    );
    workdir.destroy();
    assert_eq!(
        find(&target, "/vms/300", "PVEAuditor", "user", &p.user),
        None
    );
}
