//! `pve_user_token` end to end: the secret works as an API token and
//! survives in-place updates; import leaves it null with an empty plan;
//! out-of-band change and delete, replacement, destroy; the token data
//! sources.

use proxmox_client::{Client, TokenInfo, TokenName, UpdateToken, UserId};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn token_of(target: &Target, user: &str, name: &str) -> Option<TokenInfo> {
    let user: UserId = user.parse().expect("user id");
    let name: TokenName = name.parse().expect("token name");
    match target.block_on(target.client().tokens(&user).get(&name)) {
        Ok(found) => Some(found),
        Err(error) if error.is_not_found() => None,
        Err(error) => panic!("read token {user}!{name}: {error}"),
    }
}

/// Calls GET /version with `value` as the API token; the version on success.
fn version_with(target: &Target, value: &str) -> Result<String, proxmox_client::Error> {
    let mut builder = Client::builder(target.endpoint()).api_token(value.parse()?);
    for (key, setting) in target.provider_env() {
        match key.as_str() {
            "PROXMOX_VE_CA_CERTIFICATE" => builder = builder.ca_pem(setting),
            "PROXMOX_VE_INSECURE" => builder = builder.insecure(true),
            _ => {}
        }
    }
    let client = builder.build()?;
    target.block_on(client.version()).map(|v| v.version)
}

fn config(user: &str, token: &str, token_body: &str) -> String {
    format!(
        r#"{HEADER}
resource "pve_user" "u" {{
  user_id = "{user}"
}}
resource "pve_user_token" "t" {{
  user_id    = pve_user.u.user_id
  token_name = "{token}"
{token_body}
}}
"#
    )
}

#[test]
fn token_lifecycle() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("ci"));

    workdir.config(&config(
        &user,
        "deploy",
        "  comment = \"first\"\n  privileges_separation = false\n",
    ));
    workdir.apply();
    let found = token_of(&target, &user, "deploy").expect("token created");
    assert_eq!(found.comment.as_deref(), Some("first"));
    assert!(!found.privsep);
    assert_eq!(found.expire, 0);
    let state = workdir.resource_attributes("pve_user_token.t");
    let value = state["value"].as_str().expect("value is set").to_string();
    assert!(
        value.starts_with(&format!("{user}!deploy=")),
        "value has the token id"
    );
    assert_eq!(state["id"], format!("{user}!deploy"));
    assert!(state["expiration_date"].is_null());
    // The value is a working API token.
    assert!(
        version_with(&target, &value).is_ok(),
        "the token value authenticates"
    );
    workdir.assert_plan_empty();

    // In-place updates keep the value.
    workdir.config(&config(
        &user,
        "deploy",
        "  comment = \"second\"\n  expiration_date = \"2030-01-01T00:00:00Z\"\n",
    ));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    workdir.apply();
    let found = token_of(&target, &user, "deploy").expect("token exists");
    assert_eq!(found.comment.as_deref(), Some("second"));
    assert!(found.privsep, "privileges_separation defaults to true");
    assert_eq!(found.expire, 1_893_456_000);
    let state = workdir.resource_attributes("pve_user_token.t");
    assert_eq!(
        state["value"],
        value.as_str(),
        "the secret survives an in-place update"
    );
    assert!(version_with(&target, &value).is_ok());
    workdir.assert_plan_empty();

    // Removing the comment and the expiry.
    workdir.config(&config(&user, "deploy", ""));
    workdir.apply();
    let found = token_of(&target, &user, "deploy").expect("token exists");
    assert_eq!(found.comment, None);
    assert_eq!(found.expire, 0);
    workdir.assert_plan_empty();

    // Out-of-band change is detected and reverted.
    let id: UserId = user.parse().expect("user id");
    let name: TokenName = "deploy".parse().expect("token name");
    target
        .block_on(target.client().tokens(&id).update(
            &name,
            &UpdateToken {
                privsep: Some(false),
                ..Default::default()
            },
        ))
        .expect("change token out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("privileges_separation"), "{plan}");
    workdir.apply();
    assert!(token_of(&target, &user, "deploy").expect("token").privsep);
    workdir.assert_plan_empty();

    // Import: the secret cannot be read back, so value is null; the plan is empty.
    let imported = Workdir::new(&target);
    imported.config(&config(&user, "deploy", ""));
    imported.import("pve_user.u", &user);
    imported.import("pve_user_token.t", &format!("{user}!deploy"));
    imported.assert_plan_empty();
    let state = imported.resource_attributes("pve_user_token.t");
    assert!(state["value"].is_null());
    assert_eq!(state["id"], format!("{user}!deploy"));
    assert!(!imported.state_text().contains(&value[value.len() - 12..]));

    // Deleted out of band: recreated with a new secret.
    target
        .block_on(target.client().tokens(&id).delete(&name))
        .expect("delete token out of band");
    assert!(version_with(&target, &value).is_err());
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("will be created"), "{plan}");
    workdir.apply();
    let recreated = workdir.resource_attributes("pve_user_token.t")["value"]
        .as_str()
        .expect("value")
        .to_string();
    assert_ne!(recreated, value);
    assert!(version_with(&target, &recreated).is_ok());
    workdir.assert_plan_empty();

    // A new token_name replaces the token.
    workdir.config(&config(&user, "deploy2", ""));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert!(token_of(&target, &user, "deploy").is_none());
    assert!(token_of(&target, &user, "deploy2").is_some());
    let replaced = workdir.resource_attributes("pve_user_token.t");
    assert_eq!(replaced["id"], format!("{user}!deploy2"));
    assert!(version_with(&target, replaced["value"].as_str().expect("value")).is_ok());

    // Deleting the user out of band takes its tokens along; PVE then
    // answers token reads with 403, which must still read as "gone".
    target
        .block_on(target.client().users().delete(&id))
        .expect("delete user out of band");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("2 to add"), "{plan}");
    workdir.apply();
    assert!(token_of(&target, &user, "deploy2").is_some());
    workdir.assert_plan_empty();

    // Destroy leaves nothing.
    workdir.destroy();
    let users = target
        .block_on(target.client().users().list())
        .expect("list users");
    assert!(users.iter().all(|u| u.userid.as_str() != user));
}

#[test]
fn token_data_sources() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("svc"));
    workdir.config(&format!(
        r#"{HEADER}
resource "pve_user" "u" {{
  user_id = "{user}"
}}
resource "pve_user_token" "b" {{
  user_id               = pve_user.u.user_id
  token_name            = "beta"
  privileges_separation = false
}}
resource "pve_user_token" "a" {{
  user_id         = pve_user.u.user_id
  token_name      = "alpha"
  comment         = "first"
  expiration_date = "2030-01-01T00:00:00Z"
}}
data "pve_user_token" "a" {{
  user_id    = pve_user.u.user_id
  token_name = pve_user_token.a.token_name
}}
data "pve_user_tokens" "all" {{
  user_id    = pve_user.u.user_id
  depends_on = [pve_user_token.a, pve_user_token.b]
}}
output "one" {{
  value = data.pve_user_token.a
}}
output "all" {{
  value = data.pve_user_tokens.all.tokens
}}
"#
    ));
    workdir.apply();
    let outputs = workdir.outputs();
    let one = &outputs["one"]["value"];
    assert_eq!(one["id"], format!("{user}!alpha"));
    assert_eq!(one["comment"], "first");
    assert_eq!(one["expiration_date"], "2030-01-01T00:00:00Z");
    assert_eq!(one["privileges_separation"], true);
    assert!(
        one.get("value").is_none(),
        "the data source never has a secret"
    );
    let all = outputs["all"]["value"].as_array().expect("list").clone();
    let names: Vec<&str> = all
        .iter()
        .filter_map(|t| t["token_name"].as_str())
        .collect();
    assert_eq!(names, ["alpha", "beta"], "sorted by name");
    assert_eq!(all[1]["privileges_separation"], false);
    assert_eq!(all[1]["id"], format!("{user}!beta"));
    assert!(all[1]["comment"].is_null());
    workdir.assert_plan_empty();
    workdir.destroy();
}

#[test]
fn token_interrupted_create_leaves_no_orphan() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        return; // needs fault injection
    };
    let workdir = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("flaky"));
    workdir.config(&format!(
        "{HEADER}\nresource \"pve_user\" \"u\" {{\n  user_id = \"{user}\"\n}}\n"
    ));
    workdir.apply();

    // PVE creates the token but the answer (with the only copy of the
    // secret) is lost. Every write under the token path loses its answer
    // here, so replacing the secret fails too: the apply fails clearly and
    // removes the unusable token, so the next apply starts clean.
    sim.set_faults(pve_sim::FaultConfig {
        drop_after_commit_rate: 1.0,
        path_prefix: format!("/access/users/{user}/token"),
        ..Default::default()
    });
    workdir.config(&config(&user, "deploy", "  comment = \"flaky\"\n"));
    let run = workdir.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    sim.set_faults(pve_sim::FaultConfig::default());
    assert_ne!(run.code, 0);
    let output = run.all_output();
    assert!(output.contains("secret was lost"), "{output}");
    assert!(output.contains("run `terraform apply` again"), "{output}");
    assert!(
        token_of(&target, &user, "deploy").is_none(),
        "no orphan is left"
    );

    workdir.apply();
    let value = workdir.resource_attributes("pve_user_token.t")["value"]
        .as_str()
        .expect("value")
        .to_string();
    assert!(version_with(&target, &value).is_ok());
    workdir.assert_plan_empty();
    workdir.destroy();
}
