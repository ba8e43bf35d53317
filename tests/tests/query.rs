//! `terraform query` (Terraform ≥ 1.14): every list resource with its
//! filters, and adopting a hand-made setup in one command with
//! `terraform query -generate-config-out`.

use std::collections::BTreeMap;

use proxmox_client::{
    AclPrincipal, AclUpdate, CreateGroup, CreatePool, CreateRole, CreateToken, CreateUser, GroupId,
    PoolId, RoleId, TokenName, UserId,
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

/// A hand-made setup, created through the API as an administrator would.
struct Setup {
    prefix: String,
    alice: UserId,
    bob: UserId,
    group: GroupId,
    role: RoleId,
    pool: PoolId,
    child_pool: PoolId,
}

fn hand_made(target: &Target) -> Setup {
    let prefix = target.unique("hm");
    fn id<T: std::str::FromStr>(text: String) -> T
    where
        T::Err: std::fmt::Debug,
    {
        text.parse().expect("valid id")
    }
    let setup = Setup {
        alice: id(format!("{prefix}alice@pve")),
        bob: id(format!("{prefix}bob@pve")),
        group: id(format!("{prefix}ops")),
        role: id(format!("{prefix}Auditor")),
        pool: id(format!("{prefix}prod")),
        child_pool: id(format!("{prefix}prod/web")),
        prefix,
    };
    let client = target.client();
    target.block_on(async {
        client
            .groups()
            .create(
                &setup.group,
                &CreateGroup {
                    comment: Some("operators".into()),
                },
            )
            .await
            .expect("create group");
        client
            .users()
            .create(
                &setup.alice,
                &CreateUser {
                    comment: Some("hand made".into()),
                    email: Some("alice@example.com".into()),
                    groups: vec![setup.group.clone()],
                    ..CreateUser::default()
                },
            )
            .await
            .expect("create alice");
        client
            .users()
            .create(
                &setup.bob,
                &CreateUser {
                    enable: Some(false),
                    ..CreateUser::default()
                },
            )
            .await
            .expect("create bob");
        let token: TokenName = "deploy".parse().expect("token name");
        client
            .tokens(&setup.alice)
            .create(
                &token,
                &CreateToken {
                    comment: Some("ci".into()),
                    ..CreateToken::default()
                },
            )
            .await
            .expect("create token");
        client
            .roles()
            .create(
                &setup.role,
                &CreateRole {
                    privs: vec!["VM.Audit".into(), "Sys.Audit".into()],
                },
            )
            .await
            .expect("create role");
        client
            .pools()
            .create(
                &setup.pool,
                &CreatePool {
                    comment: Some("production".into()),
                },
            )
            .await
            .expect("create pool");
        client
            .pools()
            .create(&setup.child_pool, &CreatePool::default())
            .await
            .expect("create child pool");
        for (path, principal) in [
            (
                format!("/pool/{}", setup.pool),
                AclPrincipal::User(setup.alice.clone()),
            ),
            (
                format!("/pool/{}", setup.child_pool),
                AclPrincipal::Group(setup.group.clone()),
            ),
            (
                format!("/pool/{}", setup.pool),
                AclPrincipal::Token(setup.alice.token(&token)),
            ),
        ] {
            client
                .acl()
                .grant(&AclUpdate {
                    path: path.parse().expect("path"),
                    roles: vec![setup.role.clone()],
                    principals: vec![principal],
                    propagate: Some(true),
                })
                .await
                .expect("grant");
        }
    });
    setup
}

/// `terraform query -json`: display names found per list address.
fn query(workdir: &Workdir) -> BTreeMap<String, Vec<String>> {
    let run = workdir.ok(&["query", "-no-color", "-json"]);
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in run.stdout.lines() {
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if event["type"] == "list_start" {
            found
                .entry(
                    event["list_start"]["address"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
                .or_default();
        }
        if event["type"] == "list_resource_found" {
            let result = &event["list_resource_found"];
            found
                .entry(result["address"].as_str().unwrap_or_default().to_string())
                .or_default()
                .push(
                    result["display_name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
        }
    }
    found
}

#[test]
fn query_lists_every_type_with_filters() {
    let target = Target::start();
    let setup = hand_made(&target);
    let p = &setup.prefix;
    let workdir = Workdir::new(&target);
    workdir.config(HEADER);
    workdir.write(
        "search.tfquery.hcl",
        &format!(
            r#"
list "pve_user" "mine" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_user" "enabled" {{
  provider = pve
  config {{
    prefix  = "{p}"
    realm   = "pve"
    enabled = true
  }}
}}
list "pve_user" "other_realm" {{
  provider = pve
  config {{
    prefix = "{p}"
    realm  = "pam"
  }}
}}
list "pve_user" "first" {{
  provider = pve
  limit    = 1
  config {{
    prefix = "{p}"
  }}
}}
list "pve_user_token" "of_alice" {{
  provider = pve
  config {{
    user_id = "{alice}"
  }}
}}
list "pve_user_token" "everyone" {{
  provider = pve
  config {{
    prefix = "deploy"
  }}
}}
list "pve_role" "custom" {{
  provider = pve
  config {{}}
}}
list "pve_role" "builtin" {{
  provider = pve
  config {{
    prefix          = "PVEAudit"
    include_builtin = true
  }}
}}
list "pve_group" "mine" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_pool" "mine" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_acl" "pool_exact" {{
  provider = pve
  config {{
    path = "/pool/{pool}"
  }}
}}
list "pve_acl" "pool_tree_for_group" {{
  provider = pve
  config {{
    path                = "/pool/{pool}"
    include_descendants = true
    group_id            = "{group}"
  }}
}}
list "pve_acl" "for_token" {{
  provider = pve
  config {{
    token_id = "{alice}!deploy"
    role_id  = "{role}"
  }}
}}
"#,
            alice = setup.alice,
            pool = setup.pool,
            group = setup.group,
            role = setup.role,
        ),
    );
    let found = query(&workdir);
    let names = |address: &str| -> Vec<String> {
        found
            .get(address)
            .unwrap_or_else(|| panic!("{address} did not run: {found:?}"))
            .clone()
    };
    let alice = setup.alice.to_string();
    let bob = setup.bob.to_string();
    assert_eq!(names("list.pve_user.mine"), vec![alice.clone(), bob]);
    assert_eq!(names("list.pve_user.enabled"), vec![alice.clone()]);
    assert!(names("list.pve_user.other_realm").is_empty());
    assert_eq!(names("list.pve_user.first"), vec![alice.clone()]);
    assert_eq!(
        names("list.pve_user_token.of_alice"),
        vec![format!("{alice}!deploy")]
    );
    assert!(names("list.pve_user_token.everyone").contains(&format!("{alice}!deploy")));
    let custom = names("list.pve_role.custom");
    assert!(custom.contains(&setup.role.to_string()), "{custom:?}");
    assert!(
        !custom
            .iter()
            .any(|r| r == "Administrator" || r == "PVEAuditor")
    );
    assert_eq!(
        names("list.pve_role.builtin"),
        vec!["PVEAuditor".to_string()]
    );
    assert_eq!(names("list.pve_group.mine"), vec![setup.group.to_string()]);
    assert_eq!(
        names("list.pve_pool.mine"),
        vec![setup.pool.to_string(), setup.child_pool.to_string()]
    );
    let role = &setup.role;
    let pool = &setup.pool;
    assert_eq!(
        names("list.pve_acl.pool_exact"),
        vec![
            format!("{role} on /pool/{pool} for token {alice}!deploy"),
            format!("{role} on /pool/{pool} for user {alice}"),
        ]
    );
    assert_eq!(
        names("list.pve_acl.pool_tree_for_group"),
        vec![format!(
            "{role} on /pool/{} for group {}",
            setup.child_pool, setup.group
        )]
    );
    assert_eq!(
        names("list.pve_acl.for_token"),
        vec![format!("{role} on /pool/{pool} for token {alice}!deploy")]
    );

    // Built-in roles cannot be imported: never generated as configuration.
    workdir.write(
        "search.tfquery.hcl",
        "list \"pve_role\" \"builtin\" {\n  provider = pve\n  config {\n    prefix          = \"PVEAudit\"\n    include_builtin = true\n  }\n}\n",
    );
    workdir.ok(&["query", "-no-color", "-generate-config-out=builtin.tf"]);
    let generated = std::fs::read_to_string(workdir.path().join("builtin.tf")).unwrap_or_default();
    assert!(!generated.contains("PVEAuditor"), "{generated}");
    let _ = std::fs::remove_file(workdir.path().join("builtin.tf"));

    // Conflicting filters are a diagnostic naming the attribute.
    workdir.write(
        "search.tfquery.hcl",
        &format!(
            r#"
list "pve_acl" "bad" {{
  provider = pve
  config {{
    user_id  = "{alice}"
    group_id = "{group}"
  }}
}}
"#,
            group = setup.group
        ),
    );
    let run = workdir.run(&["query", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    assert!(
        run.all_output().contains("Conflicting principal filters"),
        "{}",
        run.all_output()
    );
}

#[test]
fn generate_config_out_adopts_a_hand_made_setup() {
    let target = Target::start();
    let setup = hand_made(&target);
    let p = &setup.prefix;
    let workdir = Workdir::new(&target);
    workdir.config(HEADER);
    workdir.write(
        "adopt.tfquery.hcl",
        &format!(
            r#"
list "pve_user" "users" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_user_token" "tokens" {{
  provider = pve
  config {{
    user_id = "{alice}"
  }}
}}
list "pve_group" "groups" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_role" "roles" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_pool" "pools" {{
  provider = pve
  config {{
    prefix = "{p}"
  }}
}}
list "pve_acl" "acls" {{
  provider = pve
  config {{
    path                = "/pool/{pool}"
    include_descendants = true
  }}
}}
"#,
            alice = setup.alice,
            pool = setup.pool,
        ),
    );
    workdir.ok(&["query", "-no-color", "-generate-config-out=generated.tf"]);
    let generated =
        std::fs::read_to_string(workdir.path().join("generated.tf")).expect("generated.tf");
    for expected in [
        "resource \"pve_user\" \"users_0\"",
        "resource \"pve_user\" \"users_1\"",
        "resource \"pve_user_token\" \"tokens_0\"",
        "resource \"pve_group\" \"groups_0\"",
        "resource \"pve_role\" \"roles_0\"",
        "resource \"pve_pool\" \"pools_1\"",
        "resource \"pve_acl\" \"acls_2\"",
        "identity = {",
    ] {
        assert!(
            generated.contains(expected),
            "missing {expected}:\n{generated}"
        );
    }

    // The query file stays; plan and apply read only the .tf files.
    let plan = workdir.ok(&["plan", "-no-color", "-input=false"]);
    assert!(
        plan.stdout
            .contains("10 to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    let apply = workdir.apply();
    assert!(
        apply
            .stdout
            .contains("10 imported, 0 added, 0 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    workdir.assert_plan_empty();

    // Now managed: a change of the configuration is planned against them.
    let edited = generated.replace("\"production\"", "\"production (managed)\"");
    assert_ne!(
        edited, generated,
        "the pool comment is in the generated configuration"
    );
    workdir.write("generated.tf", &edited);
    let apply = workdir.apply();
    assert!(apply.stdout.contains("1 changed"), "{}", apply.stdout);
    let pool = target
        .block_on(target.client().pools().get(&setup.pool))
        .expect("pool");
    assert_eq!(pool.comment.as_deref(), Some("production (managed)"));
    workdir.assert_plan_empty();

    // Generated resources do not reference each other; a child pool must
    // name its parent for Terraform to destroy them in order (the README
    // of examples/import-existing-cluster says so). The plan stays empty.
    let child = format!("\"{}\"", setup.child_pool);
    let parent_ref = format!(
        "\"${{pve_pool.pools_0.pool_id}}/{}\"",
        setup.child_pool.leaf()
    );
    assert!(edited.contains(&child), "{edited}");
    workdir.write("generated.tf", &edited.replace(&child, &parent_ref));
    workdir.assert_plan_empty();

    // And destroying removes what was hand-made.
    workdir.destroy();
    let client = target.client();
    assert!(
        target
            .block_on(client.users().get(&setup.alice))
            .is_err_and(|e| e.is_not_found())
    );
    assert!(
        target
            .block_on(client.pools().get(&setup.pool))
            .is_err_and(|e| e.is_not_found())
    );
    assert!(
        target
            .block_on(client.roles().get(&setup.role))
            .is_err_and(|e| e.is_not_found())
    );
}

/// Every `examples/list-resources/*/list-resource.tfquery.hcl` runs as written.
#[test]
fn list_resource_examples_run() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.config(HEADER);
    let root = pve_e2e::terraform::repo_root().join("examples/list-resources");
    let mut types = Vec::new();
    for entry in std::fs::read_dir(&root).expect("examples/list-resources") {
        let dir = entry.expect("entry").path();
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let text = std::fs::read_to_string(dir.join("list-resource.tfquery.hcl"))
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        workdir.write(&format!("{name}.tfquery.hcl"), &text);
        types.push(name);
    }
    types.sort();
    assert_eq!(
        types,
        [
            "pve_acl",
            "pve_group",
            "pve_pool",
            "pve_role",
            "pve_user",
            "pve_user_token"
        ]
    );
    let found = query(&workdir);
    for name in &types {
        assert!(
            found
                .keys()
                .any(|address| address.starts_with(&format!("list.{name}."))),
            "{name} did not run: {found:?}"
        );
    }
}

/// examples/import-existing-cluster as its README says: query with
/// -generate-config-out, plan (imports only), apply, empty plan.
#[test]
fn import_existing_cluster_scenario() {
    let target = Target::start();
    // It adopts everything on the server (the test's own bootstrap token
    // too): only on a simulator of our own, never on a shared host.
    if target.sim().is_none() {
        return;
    }
    let setup = hand_made(&target);
    let workdir = Workdir::new(&target);
    let dir = pve_e2e::terraform::repo_root().join("examples/import-existing-cluster");
    for name in ["main.tf", "adopt.tfquery.hcl"] {
        let text = std::fs::read_to_string(dir.join(name)).expect("scenario file");
        workdir.write(name, &text);
    }
    workdir.ok(&["query", "-no-color", "-generate-config-out=generated.tf"]);
    let generated =
        std::fs::read_to_string(workdir.path().join("generated.tf")).expect("generated.tf");
    for id in [
        setup.alice.to_string(),
        setup.bob.to_string(),
        setup.group.to_string(),
        setup.role.to_string(),
        setup.child_pool.to_string(),
    ] {
        assert!(
            generated.contains(&format!("\"{id}\"")),
            "{id} not adopted:\n{generated}"
        );
    }
    assert!(
        !generated.contains("\"root@pam\""),
        "root@pam is never adopted"
    );
    let plan = workdir.ok(&["plan", "-no-color", "-input=false"]);
    assert!(
        plan.stdout
            .contains("to import, 0 to add, 0 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    workdir.apply();
    workdir.assert_plan_empty();
}
