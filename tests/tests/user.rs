//! `pve_user` end to end: create, plan-empty, update, group membership,
//! replace, import, out-of-band change and delete, destroy, password
//! changes, create conflicts and interrupted creates, and the user data
//! sources.

use proxmox_client::{Client, CreateUser, UpdateUser, User, UserId};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

/// 2030-01-01T00:00:00Z.
const EXPIRE_2030: i64 = 1_893_456_000;

fn user_of(target: &Target, user: &str) -> Option<User> {
    let id: UserId = user.parse().expect("user id");
    match target.block_on(target.client().users().get(&id)) {
        Ok(found) => Some(found),
        Err(error) if error.is_not_found() => None,
        Err(error) => panic!("read user {user}: {error}"),
    }
}

fn groups_of(target: &Target, user: &str) -> Vec<String> {
    let found = user_of(target, user).expect("user exists");
    found.groups.iter().map(ToString::to_string).collect()
}

/// Two groups plus one user whose body is `user_body`.
fn config(g1: &str, g2: &str, user: &str, user_body: &str) -> String {
    format!(
        r#"{HEADER}
resource "pve_group" "g1" {{
  group_id = "{g1}"
}}
resource "pve_group" "g2" {{
  group_id = "{g2}"
}}
resource "pve_user" "u" {{
  user_id = "{user}"
{user_body}
}}
"#
    )
}

#[test]
fn user_lifecycle() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let (g1, g2) = (target.unique("ops"), target.unique("dev"));
    let user = format!("{}@pve", target.unique("alice"));

    // Create with every attribute; the expiry is written with an offset.
    let full = r#"
  comment         = "CI operator"
  email           = "alice@example.com"
  first_name      = "Alice"
  last_name       = "Liddell"
  expiration_date = "2030-01-01T01:00:00+01:00"
  groups          = [pve_group.g1.group_id]
  keys            = "abc123"
  password        = "first-password-1"
"#;
    workdir.config(&config(&g1, &g2, &user, full));
    workdir.apply();
    let found = user_of(&target, &user).expect("user created");
    assert_eq!(found.comment.as_deref(), Some("CI operator"));
    assert_eq!(found.email.as_deref(), Some("alice@example.com"));
    assert_eq!(found.firstname.as_deref(), Some("Alice"));
    assert_eq!(found.lastname.as_deref(), Some("Liddell"));
    assert_eq!(found.expire, EXPIRE_2030);
    assert!(found.enable);
    assert_eq!(groups_of(&target, &user), std::slice::from_ref(&g1));
    workdir.assert_plan_empty();
    let state = workdir.resource_attributes("pve_user.u");
    assert_eq!(state["enabled"], true);
    assert_eq!(state["expiration_date"], "2030-01-01T01:00:00+01:00");

    // Update in place: disable, never expire, two groups, drop optional text.
    let updated = r#"
  comment  = "CI operator (retired)"
  enabled  = false
  groups   = [pve_group.g1.group_id, pve_group.g2.group_id]
  password = "first-password-1"
"#;
    workdir.config(&config(&g1, &g2, &user, updated));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    workdir.apply();
    let found = user_of(&target, &user).expect("user exists");
    assert!(!found.enable);
    assert_eq!(
        found.expire, 0,
        "null expiration_date means never, stored as 0"
    );
    assert_eq!(found.email, None);
    assert_eq!(found.firstname, None);
    let mut groups = groups_of(&target, &user);
    groups.sort();
    let mut expected = vec![g1.clone(), g2.clone()];
    expected.sort();
    assert_eq!(groups, expected);
    workdir.assert_plan_empty();
    assert!(workdir.resource_attributes("pve_user.u")["expiration_date"].is_null());

    // An empty set removes every membership (replace, not append).
    let no_groups = updated.replace("[pve_group.g1.group_id, pve_group.g2.group_id]", "[]");
    workdir.config(&config(&g1, &g2, &user, &no_groups));
    workdir.apply();
    assert!(groups_of(&target, &user).is_empty());
    workdir.assert_plan_empty();

    // Out-of-band changes are detected and reverted.
    let id: UserId = user.parse().expect("user id");
    target
        .block_on(target.client().users().update(
            &id,
            &UpdateUser {
                comment: Some("changed by hand".into()),
                email: Some("hand@example.com".into()),
                ..Default::default()
            },
        ))
        .expect("change user out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("changed by hand"), "{plan}");
    workdir.apply();
    let found = user_of(&target, &user).expect("user exists");
    assert_eq!(found.comment.as_deref(), Some("CI operator (retired)"));
    assert_eq!(found.email, None);
    workdir.assert_plan_empty();

    // A password change through an API token fails with a clear reason.
    let new_password = no_groups.replace("first-password-1", "second-password-2");
    workdir.config(&config(&g1, &g2, &user, &new_password));
    let run = workdir.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    let output = run.all_output();
    assert!(
        output.contains("Password changes need a ticket login"),
        "{output}"
    );
    assert!(
        !output.contains("second-password-2"),
        "the password must not be echoed:\n{output}"
    );
    workdir.config(&config(&g1, &g2, &user, &no_groups));
    workdir.assert_plan_empty();

    // Import into a fresh working directory (no password configured there).
    let imported = Workdir::new(&target);
    imported.config(&format!(
        "{HEADER}\nresource \"pve_user\" \"u\" {{\n  user_id = \"{user}\"\n  comment = \"CI operator (retired)\"\n  enabled = false\n  groups  = []\n}}\n"
    ));
    imported.import("pve_user.u", &user);
    imported.assert_plan_empty();
    let state = imported.resource_attributes("pve_user.u");
    assert!(state["password"].is_null());
    assert_eq!(state["enabled"], false);

    // Deleted out of band: Terraform plans to create it again.
    target
        .block_on(target.client().users().delete(&id))
        .expect("delete user out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("will be created"), "{plan}");
    workdir.apply();
    assert!(user_of(&target, &user).is_some());
    workdir.assert_plan_empty();

    // A new user_id replaces the user.
    let renamed = format!("{}@pve", target.unique("bob"));
    workdir.config(&config(&g1, &g2, &renamed, &no_groups));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert!(user_of(&target, &user).is_none());
    assert!(user_of(&target, &renamed).is_some());

    // Destroy leaves nothing behind.
    workdir.destroy();
    assert!(user_of(&target, &renamed).is_none());
    let groups = target
        .block_on(target.client().groups().list())
        .expect("list groups");
    assert!(
        groups
            .iter()
            .all(|g| g.groupid.as_str() != g1 && g.groupid.as_str() != g2)
    );
}

#[test]
fn user_password_change_with_ticket_login() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        return; // needs the root password, known only for the simulator
    };
    let mut workdir = Workdir::new(&target);
    workdir.set_env("PROXMOX_VE_API_TOKEN", "");
    workdir.set_env("PROXMOX_VE_USERNAME", "root@pam");
    workdir.set_env("PROXMOX_VE_PASSWORD", sim.root_password());
    let user = format!("{}@pve", target.unique("carol"));
    let with_password = |password: &str| {
        format!(
            "{HEADER}\nresource \"pve_user\" \"u\" {{\n  user_id  = \"{user}\"\n  password = \"{password}\"\n}}\n"
        )
    };

    workdir.config(&with_password("first-password-1"));
    workdir.apply();
    assert!(can_log_in(&target, &user, "first-password-1"));
    workdir.assert_plan_empty();

    workdir.config(&with_password("second-password-2"));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    workdir.apply();
    assert!(can_log_in(&target, &user, "second-password-2"));
    assert!(!can_log_in(&target, &user, "first-password-1"));
    workdir.assert_plan_empty();
    workdir.destroy();
    assert!(user_of(&target, &user).is_none());
}

/// Whether `user` can obtain a ticket with `password`.
fn can_log_in(target: &Target, user: &str, password: &str) -> bool {
    let mut builder =
        Client::builder(target.endpoint()).password(user.parse().expect("user id"), password);
    if let Some(sim) = target.sim() {
        builder = builder.ca_pem(sim.ca_cert_pem().to_string());
    }
    let client = builder.build().expect("client");
    match target.block_on(client.version()) {
        Ok(_) => true,
        Err(error) if error.is_authentication() => false,
        Err(error) => panic!("log in as {user}: {error}"),
    }
}

#[test]
fn user_create_conflict_and_interrupted_create() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("dave"));
    let id: UserId = user.parse().expect("user id");
    let hcl = format!(
        "{HEADER}\nresource \"pve_user\" \"u\" {{\n  user_id = \"{user}\"\n  comment = \"planned\"\n}}\n"
    );

    // Someone else created it first: the error says how to import it.
    target
        .block_on(target.client().users().create(&id, &CreateUser::default()))
        .expect("create user out of band");
    workdir.config(&hcl);
    let run = workdir.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    let output = run.all_output();
    assert!(
        output.contains(&format!("terraform import pve_user.NAME {user}")),
        "{output}"
    );
    target
        .block_on(target.client().users().delete(&id))
        .expect("delete user");

    // PVE commits the create but the answer is lost: the provider reads the
    // user back and adopts it instead of failing or orphaning it.
    let Some(sim) = target.sim() else {
        return;
    };
    sim.set_faults(pve_sim::FaultConfig {
        drop_after_commit_rate: 1.0,
        path_prefix: "/access/users".into(),
        ..Default::default()
    });
    workdir.apply();
    sim.set_faults(pve_sim::FaultConfig::default());
    let found = user_of(&target, &user).expect("user created");
    assert_eq!(found.comment.as_deref(), Some("planned"));
    assert_eq!(
        workdir.resource_attributes("pve_user.u")["comment"],
        "planned"
    );
    workdir.assert_plan_empty();
    workdir.destroy();
    assert!(user_of(&target, &user).is_none());
}

#[test]
fn user_data_sources() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let group = target.unique("readers");
    let alice = format!("{}@pve", target.unique("alice"));
    let bob = format!("{}@pve", target.unique("bob"));
    workdir.config(&format!(
        r#"{HEADER}
resource "pve_group" "g" {{
  group_id = "{group}"
}}
resource "pve_user" "alice" {{
  user_id         = "{alice}"
  comment         = "first"
  email           = "alice@example.com"
  expiration_date = "2030-01-01T00:00:00Z"
  groups          = [pve_group.g.group_id]
}}
resource "pve_user" "bob" {{
  user_id = "{bob}"
  enabled = false
}}
resource "pve_user_token" "t" {{
  user_id    = pve_user.alice.user_id
  token_name = "deploy"
}}
data "pve_user" "alice" {{
  user_id    = pve_user.alice.user_id
  depends_on = [pve_user_token.t]
}}
data "pve_users" "enabled" {{
  enabled    = true
  depends_on = [pve_user.alice, pve_user.bob]
}}
data "pve_users" "all" {{
  depends_on = [pve_user.alice, pve_user.bob]
}}
output "alice" {{
  value = data.pve_user.alice
}}
output "enabled_ids" {{
  value = [for u in data.pve_users.enabled.users : u.user_id]
}}
output "all" {{
  value = {{ for u in data.pve_users.all.users : u.user_id => u }}
}}
"#
    ));
    workdir.apply();
    let outputs = workdir.outputs();
    let alice_out = &outputs["alice"]["value"];
    assert_eq!(alice_out["comment"], "first");
    assert_eq!(alice_out["email"], "alice@example.com");
    assert_eq!(alice_out["enabled"], true);
    assert_eq!(alice_out["expiration_date"], "2030-01-01T00:00:00Z");
    assert_eq!(alice_out["groups"], serde_json::json!([group]));
    assert_eq!(alice_out["token_names"], serde_json::json!(["deploy"]));
    assert!(alice_out["first_name"].is_null());

    let enabled: Vec<String> =
        serde_json::from_value(outputs["enabled_ids"]["value"].clone()).expect("list of ids");
    assert!(enabled.contains(&alice), "{enabled:?}");
    assert!(
        !enabled.contains(&bob),
        "the enabled filter drops bob: {enabled:?}"
    );

    let all = &outputs["all"]["value"];
    assert_eq!(all[&bob]["enabled"], false);
    assert_eq!(all[&bob]["realm_type"], "pve");
    assert!(all[&bob]["expiration_date"].is_null());
    assert_eq!(all[&alice]["groups"], serde_json::json!([group]));
    assert!(all["root@pam"].is_object(), "root@pam is listed too");
    workdir.assert_plan_empty();
    workdir.destroy();
}
