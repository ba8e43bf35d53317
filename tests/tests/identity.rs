//! Resource identity through Terraform 1.15: objects created outside
//! Terraform are adopted with `import { to = …, identity = { … } }` blocks
//! (no import id string) for every resource type, the next plan is empty,
//! every state instance records its identity, and the identity stays the
//! same across an in-place update.

use proxmox_client::{
    AclUpdate, CreateGroup, CreatePool, CreateRole, CreateToken, CreateUser, GroupId, PoolId,
    RoleId, TokenName, UserId,
};
use pve_e2e::{Target, Workdir};

struct Names {
    user: String,
    group: String,
    role: String,
    pool: String,
}

fn create_out_of_band(target: &Target) -> Names {
    let names = Names {
        user: format!("{}@pve", target.unique("idu")),
        group: target.unique("idg"),
        role: target.unique("IdRole"),
        pool: target.unique("idp"),
    };
    let client = target.client();
    let user: UserId = names.user.parse().expect("user id");
    target.block_on(async {
        client
            .users()
            .create(
                &user,
                &CreateUser {
                    comment: Some("before".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("create user");
        client
            .tokens(&user)
            .create(
                &"deploy".parse::<TokenName>().expect("token name"),
                &CreateToken {
                    comment: Some("before".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("create token");
        client
            .groups()
            .create(
                &names.group.parse::<GroupId>().expect("group id"),
                &CreateGroup {
                    comment: Some("before".into()),
                },
            )
            .await
            .expect("create group");
        client
            .roles()
            .create(
                &names.role.parse::<RoleId>().expect("role id"),
                &CreateRole {
                    privs: vec!["Sys.Audit".into()],
                },
            )
            .await
            .expect("create role");
        client
            .pools()
            .create(
                &names.pool.parse::<PoolId>().expect("pool id"),
                &CreatePool {
                    comment: Some("before".into()),
                },
            )
            .await
            .expect("create pool");
        client
            .acl()
            .grant(&AclUpdate {
                path: format!("/pool/{}", names.pool).parse().expect("path"),
                roles: vec![names.role.parse().expect("role id")],
                principals: vec![user.clone().into()],
                propagate: Some(true),
            })
            .await
            .expect("grant ACL");
    });
    names
}

fn config(names: &Names, comment: &str) -> String {
    let Names {
        user,
        group,
        role,
        pool,
    } = names;
    format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

import {{
  to       = pve_user.u
  identity = {{ user_id = "{user}" }}
}}
import {{
  to       = pve_user_token.t
  identity = {{ user_id = "{user}", token_name = "deploy" }}
}}
import {{
  to       = pve_group.g
  identity = {{ group_id = "{group}" }}
}}
import {{
  to       = pve_role.r
  identity = {{ role_id = "{role}" }}
}}
import {{
  to       = pve_pool.p
  identity = {{ pool_id = "{pool}" }}
}}
import {{
  to = pve_acl.a
  identity = {{
    path           = "/pool/{pool}"
    role_id        = "{role}"
    principal_type = "user"
    principal_id   = "{user}"
  }}
}}

resource "pve_user" "u" {{
  user_id = "{user}"
  comment = "{comment}"
}}
resource "pve_user_token" "t" {{
  user_id    = pve_user.u.user_id
  token_name = "deploy"
  comment    = "{comment}"
}}
resource "pve_group" "g" {{
  group_id = "{group}"
  comment  = "{comment}"
}}
resource "pve_role" "r" {{
  role_id    = "{role}"
  privileges = ["Sys.Audit"]
}}
resource "pve_pool" "p" {{
  pool_id = "{pool}"
  comment = "{comment}"
}}
resource "pve_acl" "a" {{
  path    = "/pool/{pool}"
  role_id = pve_role.r.role_id
  user_id = pve_user.u.user_id
}}
"#
    )
}

/// `(type.name, identity)` of every managed instance in the state file.
fn identities(work: &Workdir) -> Vec<(String, serde_json::Value)> {
    let state = work.state();
    let mut found: Vec<(String, serde_json::Value)> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter(|r| r["mode"] == "managed")
        .map(|r| {
            let address = format!(
                "{}.{}",
                r["type"].as_str().unwrap_or_default(),
                r["name"].as_str().unwrap_or_default()
            );
            (address, r["instances"][0]["identity"].clone())
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[test]
fn import_by_identity_then_empty_plan_and_stable_identity() {
    let target = Target::start();
    let names = create_out_of_band(&target);
    let work = Workdir::new(&target);

    // Import and converge: the comments differ, so the same apply updates in place.
    work.config(&config(&names, "before"));
    let apply = work.apply();
    assert!(
        apply.stdout.contains("6 imported"),
        "all six resources imported by identity:\n{}",
        apply.stdout
    );
    work.assert_plan_empty();

    let imported = identities(&work);
    let expected = [
        (
            "pve_acl.a",
            serde_json::json!({
                "path": format!("/pool/{}", names.pool),
                "role_id": names.role,
                "principal_type": "user",
                "principal_id": names.user,
            }),
        ),
        ("pve_group.g", serde_json::json!({"group_id": names.group})),
        ("pve_pool.p", serde_json::json!({"pool_id": names.pool})),
        ("pve_role.r", serde_json::json!({"role_id": names.role})),
        ("pve_user.u", serde_json::json!({"user_id": names.user})),
        (
            "pve_user_token.t",
            serde_json::json!({"user_id": names.user, "token_name": "deploy"}),
        ),
    ];
    assert_eq!(imported.len(), expected.len(), "{imported:?}");
    for ((address, identity), (want_address, want)) in imported.iter().zip(expected.iter()) {
        assert_eq!(address, want_address);
        assert_eq!(identity, want, "identity of {address}");
    }
    assert!(
        work.resource_attributes("pve_user_token.t")["value"].is_null(),
        "an imported token has no secret"
    );

    // An in-place update keeps every identity.
    work.config(&config(&names, "after"));
    let plan = work.assert_plan_changes();
    assert!(
        plan.contains("updated in-place") && !plan.contains("must be replaced"),
        "{plan}"
    );
    work.apply();
    work.assert_plan_empty();
    assert_eq!(identities(&work), imported);
    let user = target
        .block_on(
            target
                .client()
                .users()
                .get(&names.user.parse().expect("user id")),
        )
        .expect("user exists");
    assert_eq!(user.comment.as_deref(), Some("after"));

    work.destroy();
    let gone = target.block_on(
        target
            .client()
            .users()
            .get(&names.user.parse().expect("user id")),
    );
    assert!(gone.is_err_and(|error| error.is_not_found()));
}
