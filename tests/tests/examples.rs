//! The shipped examples work as written.
//!
//! * Every snippet under `examples/{provider,resources,data-sources,functions,
//!   ephemeral-resources,actions}/*/` and every example folder passes `terraform
//!   validate` (Terraform 1.15, so functions and ephemeral resources are
//!   understood). Snippets are fragments: a `required_providers` header is
//!   added when they have none.
//! * Every scenario folder applies against pve-sim, plans empty, raises no
//!   `check` warning, and destroys without leaving anything behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pve_e2e::terraform::repo_root;
use pve_e2e::{Target, Workdir};

const HEADER: &str = "terraform {\n  required_providers {\n    pve = {\n      source = \"pve-rs/pve\"\n    }\n  }\n}\n";

/// The subdirectories of `examples/<group>`, sorted.
fn example_dirs(group: &str) -> Vec<PathBuf> {
    let root = repo_root().join("examples").join(group);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|error| panic!("read {}: {error}", root.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The example folders: complete root modules directly under `examples/`.
fn scenario_dirs() -> Vec<PathBuf> {
    example_dirs("")
        .into_iter()
        .filter(|dir| dir.join("main.tf").is_file())
        .collect()
}

/// Copies every `.tf` file of `dir` into `workdir`, adding the provider
/// header when none of them declares `required_providers`.
fn copy_module(dir: &Path, workdir: &Workdir) {
    let mut declared = false;
    let mut copied = 0;
    for entry in std::fs::read_dir(dir).expect("read example dir") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("tf") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read example");
        declared |= text.contains("required_providers");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("file name");
        workdir.write(name, &text);
        copied += 1;
    }
    assert!(copied > 0, "{} has no .tf file", dir.display());
    if !declared {
        workdir.write("zz_header.tf", HEADER);
    }
}

/// `terraform validate` on each folder; reports every failure at once.
fn assert_all_validate(target: &Target, dirs: &[PathBuf]) {
    assert!(!dirs.is_empty(), "no examples found");
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|dir| {
            let workdir = Workdir::new(target);
            copy_module(dir, &workdir);
            let run = workdir.run(&["validate", "-no-color"]);
            (run.code != 0 || !run.stdout.contains("The configuration is valid"))
                .then(|| format!("{}:\n{}", dir.display(), run.all_output()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn resource_and_provider_snippets_validate() {
    let target = Target::start();
    let mut dirs = example_dirs("resources");
    dirs.push(repo_root().join("examples/provider"));
    assert_all_validate(&target, &dirs);
}

#[test]
fn data_source_snippets_validate() {
    let target = Target::start();
    assert_all_validate(&target, &example_dirs("data-sources"));
}

#[test]
fn function_and_ephemeral_snippets_validate() {
    let target = Target::start();
    let mut dirs = example_dirs("functions");
    dirs.extend(example_dirs("ephemeral-resources"));
    assert_all_validate(&target, &dirs);
}

#[test]
fn action_snippets_validate() {
    let target = Target::start();
    assert_all_validate(&target, &example_dirs("actions"));
}

#[test]
fn example_folders_validate() {
    let target = Target::start();
    let dirs = scenario_dirs();
    assert!(dirs.len() >= 5, "{dirs:?}");
    assert_all_validate(&target, &dirs);
}

/// The access-control objects on the target, to show a destroy left nothing.
fn inventory(target: &Target) -> BTreeSet<String> {
    let client = target.client();
    let mut all = BTreeSet::new();
    let users = target.block_on(client.users().list()).expect("list users");
    all.extend(users.iter().map(|u| format!("user {}", u.userid.as_str())));
    let groups = target
        .block_on(client.groups().list())
        .expect("list groups");
    all.extend(
        groups
            .iter()
            .map(|g| format!("group {}", g.groupid.as_str())),
    );
    let roles = target.block_on(client.roles().list()).expect("list roles");
    all.extend(roles.iter().map(|r| format!("role {}", r.roleid.as_str())));
    let pools = target.block_on(client.pools().list()).expect("list pools");
    all.extend(pools.iter().map(|p| format!("pool {}", p.poolid.as_str())));
    let acl = target.block_on(client.acl().list()).expect("list ACL");
    all.extend(
        acl.iter()
            .map(|e| format!("acl {} {} {:?}", e.path, e.roleid.as_str(), e.principal)),
    );
    all
}

/// The outputs of a scenario, for the per-scenario assertions.
struct Applied {
    outputs: serde_json::Value,
}

impl Applied {
    fn strings(&self, name: &str) -> BTreeSet<String> {
        self.outputs[name]["value"]
            .as_array()
            .unwrap_or_else(|| panic!("output {name} is not a list: {}", self.outputs[name]))
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}

/// Applies `examples/<name>`, plans empty, runs `check`, destroys, and
/// verifies the target is as it was before.
fn run_scenario(name: &str, check: impl FnOnce(&Target, &Applied)) {
    run_module(
        name,
        |workdir| copy_module(&repo_root().join("examples").join(name), workdir),
        check,
    );
}

/// [`run_scenario`] for any module that `write` puts into the workdir.
fn run_module(name: &str, write: impl FnOnce(&Workdir), check: impl FnOnce(&Target, &Applied)) {
    let target = Target::start();
    if target.sim().is_none() {
        eprintln!("skipped on a real host: {name} uses fixed names that could collide");
        return;
    }
    let before = inventory(&target);
    let workdir = Workdir::new(&target);
    write(&workdir);

    let applied = workdir.apply();
    assert!(
        !applied
            .all_output()
            .contains("Check block assertion failed"),
        "a check failed during apply:\n{}",
        applied.all_output()
    );
    let plan = workdir.plan();
    assert_eq!(
        plan.code,
        0,
        "expected an empty plan:\n{}",
        plan.all_output()
    );
    assert!(
        !plan.all_output().contains("Check block assertion failed"),
        "a check failed during plan:\n{}",
        plan.all_output()
    );

    check(
        &target,
        &Applied {
            outputs: workdir.outputs(),
        },
    );

    workdir.destroy();
    let after = inventory(&target);
    assert_eq!(
        before, after,
        "the destroy left objects behind or removed others"
    );
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

#[test]
fn quickstart_applies_plans_empty_and_destroys() {
    run_scenario("quickstart", |target, applied| {
        assert_eq!(
            applied.outputs["token_id"]["value"],
            "automation@pve!terraform"
        );
        assert_eq!(
            applied.strings("token_privileges_on_vm_200"),
            set(&[
                "Pool.Audit",
                "VM.Audit",
                "VM.Config.Options",
                "VM.Console",
                "VM.PowerMgmt"
            ]),
            "the token holds the role on /vms/200 through both of its grants"
        );
        let value = applied.outputs["token_value"]["value"]
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
    });
}

#[test]
fn terraform_and_ansible_tokens_applies_plans_empty_and_destroys() {
    run_scenario("terraform-and-ansible-tokens", |target, applied| {
        let ids = &applied.outputs["token_ids"]["value"];
        assert_eq!(ids["terraform"], "terraform@pve!provisioner");
        assert_eq!(ids["ansible"], "ansible@pve!operator");
        let privileges = &applied.outputs["privileges_on_guest"]["value"];
        let of = |tool: &str| -> BTreeSet<String> {
            privileges[tool]
                .as_array()
                .expect("privilege list")
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(
            of("ansible"),
            set(&[
                "VM.Audit",
                "VM.Config.Options",
                "VM.GuestAgent.Audit",
                "VM.PowerMgmt",
                "VM.Snapshot"
            ])
        );
        assert!(of("terraform").contains("VM.Allocate"));
        assert!(!of("terraform").contains("VM.Console"));

        // The Ansible secret output is the bare secret, usable with the id.
        let secret = applied.outputs["ansible_token_secret"]["value"]
            .as_str()
            .expect("secret output");
        assert!(!secret.is_empty() && !secret.contains('!') && !secret.contains('='));

        // Each grant exists twice: for the user and for its token.
        let entries = target
            .block_on(target.client().acl().list())
            .expect("list ACL");
        let on = |path: &str| entries.iter().filter(|e| e.path == path).count();
        assert_eq!(on("/vms"), 4, "{entries:?}");
        assert_eq!(on("/nodes"), 2, "{entries:?}");
        assert_eq!(on("/storage/local-lvm"), 2, "{entries:?}");
        assert_eq!(on("/sdn/zones/localnetwork"), 2, "{entries:?}");
    });
}

#[test]
fn custom_role_least_privilege_applies_plans_empty_and_destroys() {
    run_scenario("custom-role-least-privilege", |target, applied| {
        let role = applied.strings("web_operator_privileges");
        assert_eq!(role, applied.strings("alice_on_team_guest"));
        for forbidden in ["VM.Allocate", "VM.Migrate", "VM.GuestAgent.Unrestricted"] {
            assert!(!role.contains(forbidden), "{forbidden} in {role:?}");
        }
        assert!(role.contains("VM.PowerMgmt") && role.contains("VM.Snapshot"));
        let roles = target
            .block_on(target.client().roles().list())
            .expect("list roles");
        let stored = roles
            .iter()
            .find(|r| r.roleid.as_str() == "WebOperator")
            .expect("WebOperator exists");
        assert_eq!(stored.privs.iter().cloned().collect::<BTreeSet<_>>(), role);
    });
}

#[test]
fn pool_scoped_automation_applies_plans_empty_and_destroys() {
    run_scenario("pool-scoped-automation", |target, applied| {
        assert_eq!(applied.strings("pool_guests"), set(&["301", "302", "303"]));
        assert!(applied.strings("token_privileges_outside_pool").is_empty());
        let on_member = applied.strings("token_privileges_on_member");
        assert!(on_member.contains("VM.Allocate"), "{on_member:?}");
        assert!(!on_member.contains("VM.Migrate"), "{on_member:?}");
        // The only grants are on the pool path.
        let entries = target
            .block_on(target.client().acl().list())
            .expect("list ACL");
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert!(entries.iter().all(|e| e.path == "/pool/k8s"), "{entries:?}");
    });
}

/// The HCL taste at the top of README.md works as written.
#[test]
fn readme_taste_applies_plans_empty_and_destroys() {
    let path = repo_root().join("README.md");
    let readme = std::fs::read_to_string(&path).expect("read README.md");
    let start = readme
        .find("```terraform\n")
        .expect("README has a terraform block")
        + 13;
    let length = readme[start..].find("```").expect("the block ends");
    let taste = &readme[start..start + length];
    run_module(
        "README.md",
        |workdir| {
            workdir.write("main.tf", taste);
            workdir.write("zz_header.tf", HEADER);
        },
        |target, _| {
            let entries = target
                .block_on(target.client().acl().list())
                .expect("list ACL");
            let ours: Vec<_> = entries
                .iter()
                .filter(|e| e.roleid.as_str() == "AnsibleOperator" && e.path == "/vms")
                .collect();
            assert_eq!(
                ours.len(),
                2,
                "one grant for the user, one for the token: {entries:?}"
            );
        },
    );
}
