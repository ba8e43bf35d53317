//! `pve_user_token` rotation through Terraform 1.15: with `rotate_after` a
//! plan right after apply is empty; once the token is older than that (made
//! deterministic by back-dating `created_at` in the state file, no clock
//! involved) the plan replaces it with a clear reason, the new value works
//! as an API token (with its ACL, re-created through `.id`) and the old one
//! does not; a `keepers` change replaces it too.

use proxmox_client::{Client, PermissionsQuery};
use pve_e2e::{Target, Workdir};

fn config(user: &str, generation: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_user" "svc" {{
  user_id = "{user}"
}}

resource "pve_user_token" "t" {{
  user_id      = pve_user.svc.user_id
  token_name   = "deploy"
  rotate_after = "720h"
  keepers      = {{ generation = "{generation}" }}
}}

# A privilege-separated token has its own ACLs intersected with its user's.
resource "pve_acl" "user" {{
  path    = "/"
  role_id = "PVEAuditor"
  user_id = pve_user.svc.user_id
}}

resource "pve_acl" "t" {{
  path     = "/"
  role_id  = "PVEAuditor"
  token_id = pve_user_token.t.id
}}

output "token" {{
  value     = pve_user_token.t.value
  sensitive = true
}}
"#
    )
}

/// A client that authenticates with `token` only.
fn token_client(target: &Target, token: &str) -> Client {
    let env = target.provider_env();
    let ca = env
        .iter()
        .find(|(key, _)| key == "PROXMOX_VE_CA_CERTIFICATE")
        .map(|(_, value)| value.clone());
    let mut builder = Client::builder(target.endpoint())
        .api_token(token.parse().expect("token value parses"))
        .insecure(ca.is_none());
    if let Some(pem) = ca {
        builder = builder.ca_pem(pem);
    }
    builder.build().expect("token client")
}

/// Whether `token` authenticates and carries its ACL (Sys.Audit on `/`).
fn token_works(target: &Target, token: &str) -> bool {
    let client = token_client(target, token);
    match target.block_on(client.permissions(&PermissionsQuery::default())) {
        Ok(permissions) => {
            assert!(
                permissions
                    .get("/")
                    .is_some_and(|p| p.contains_key("Sys.Audit")),
                "the token works but lost its ACL: {permissions:?}"
            );
            true
        }
        Err(error) if error.is_authentication() => false,
        Err(error) => panic!("unexpected error using the token: {error}"),
    }
}

fn token_value(work: &Workdir) -> String {
    work.outputs()["token"]["value"]
        .as_str()
        .expect("token value is known")
        .to_string()
}

/// Back-dates `created_at` of `pve_user_token.t` in the local state file,
/// the way `terraform state pull` / edit / `push` would.
fn backdate(work: &Workdir, created_at: &str) {
    let mut state = work.state();
    state["serial"] = serde_json::json!(state["serial"].as_i64().expect("serial") + 1);
    let resources = state["resources"].as_array_mut().expect("resources");
    let token = resources
        .iter_mut()
        .find(|r| r["type"] == "pve_user_token")
        .expect("token in state");
    token["instances"][0]["attributes"]["created_at"] = serde_json::json!(created_at);
    work.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).expect("state JSON"),
    );
}

#[test]
fn rotate_after_and_keepers_replace_the_token() {
    let target = Target::start();
    let work = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("rot"));

    work.config(&config(&user, "1"));
    work.apply();
    let first = token_value(&work);
    assert!(token_works(&target, &first));
    let created_at = work.resource_attributes("pve_user_token.t")["created_at"]
        .as_str()
        .expect("created_at is set")
        .to_string();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 20,
        "RFC 3339 UTC in whole seconds: {created_at}"
    );
    work.assert_plan_empty();

    // Older than rotate_after: the next plan replaces it, and says why.
    backdate(&work, "2020-01-01T00:00:00Z");
    let plan = work.assert_plan_changes();
    assert!(
        plan.contains("must be replaced") && plan.contains("due for rotation"),
        "{plan}"
    );
    assert!(
        plan.contains("2020-01-31T00:00:00Z"),
        "names the due time: {plan}"
    );
    work.apply();
    let second = token_value(&work);
    assert_ne!(second, first);
    assert!(token_works(&target, &second), "the new token works");
    assert!(!token_works(&target, &first), "the old token is gone");
    let rotated_at = work.resource_attributes("pve_user_token.t")["created_at"]
        .as_str()
        .expect("created_at is set")
        .to_string();
    assert!(rotated_at.as_str() >= created_at.as_str(), "{rotated_at}");
    work.assert_plan_empty();

    // A keepers change replaces it as well.
    work.config(&config(&user, "2"));
    let plan = work.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    work.apply();
    let third = token_value(&work);
    assert_ne!(third, second);
    assert!(token_works(&target, &third));
    assert!(!token_works(&target, &second));
    work.assert_plan_empty();

    work.destroy();
    let users = target
        .block_on(target.client().users().list())
        .expect("list users");
    assert!(users.iter().all(|u| u.userid.as_str() != user));
}

#[test]
fn a_token_expiring_before_its_rotation_is_flagged() {
    let target = Target::start();
    let work = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("exp"));
    target
        .block_on(
            target
                .client()
                .users()
                .create(&user.parse().expect("user id"), &Default::default()),
        )
        .expect("create user");
    work.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_user_token" "t" {{
  user_id         = "{user}"
  token_name      = "short"
  rotate_after    = "36500d"
  expiration_date = "2099-01-01T00:00:00Z"
}}
"#
    ));
    let plan = work.assert_plan_changes();
    assert!(plan.contains("expires before it is rotated"), "{plan}");
}
