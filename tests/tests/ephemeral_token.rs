//! The ephemeral `pve_user_token` end to end through Terraform 1.15: a
//! second provider configured with the token's value reads and writes
//! during plan and apply, the token carries a server-side expiry, it is
//! deleted when Terraform closes it, and its secret appears in neither the
//! state nor the saved plan.

use proxmox_client::{AclUpdate, CreateUser, GroupId, UserId};
use pve_e2e::{Target, Workdir};

const PREFIX: &str = "e2e-";

/// Every substring shaped like a UUID (8-4-4-4-12 hex digits), the form of
/// PVE token secrets.
fn uuids(text: &str) -> Vec<String> {
    const SHAPE: [usize; 5] = [8, 4, 4, 4, 12];
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    while start + 36 <= bytes.len() {
        let mut at = start;
        let mut ok = true;
        for (index, length) in SHAPE.iter().enumerate() {
            if index > 0 {
                ok &= bytes[at] == b'-';
                at += 1;
            }
            ok &= bytes[at..at + length].iter().all(u8::is_ascii_hexdigit);
            at += length;
        }
        if ok {
            found.push(text[start..start + 36].to_string());
            start += 36;
        } else {
            start += 1;
        }
    }
    found
}

/// The names of `user`'s tokens that this test's ephemeral token would have.
fn ephemeral_tokens(target: &Target, user: &UserId) -> Vec<String> {
    target
        .block_on(target.client().tokens(user).list())
        .expect("list tokens")
        .into_iter()
        .map(|token| token.tokenid.to_string())
        .filter(|name| name.starts_with(PREFIX))
        .collect()
}

/// The scoped CI user, set up beforehand by an admin (out of band here):
/// `PVEUserAdmin` on `/access/groups` lets it create groups and list its
/// own tokens.
fn scoped_user(target: &Target) -> UserId {
    let user: UserId = format!("{}@pve", target.unique("ci"))
        .parse()
        .expect("user id");
    target
        .block_on(
            target
                .client()
                .users()
                .create(&user, &CreateUser::default()),
        )
        .expect("create user");
    target
        .block_on(target.client().acl().grant(&AclUpdate {
            path: "/access/groups".parse().expect("path"),
            roles: vec!["PVEUserAdmin".parse().expect("role id")],
            principals: vec![user.clone().into()],
            propagate: Some(true),
        }))
        .expect("grant ACL");
    user
}

fn config(user: &UserId, group: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}

# The admin connection (from PROXMOX_VE_* variables) mints the token.
provider "pve" {{}}

ephemeral "pve_user_token" "ci" {{
  user_id               = "{user}"
  token_name_prefix     = "{PREFIX}"
  lifetime              = "1h"
  privileges_separation = false
}}

# Everything below acts as the short-lived token.
provider "pve" {{
  alias     = "ci"
  api_token = ephemeral.pve_user_token.ci.value
}}

data "pve_version" "as_token" {{
  provider = pve.ci
}}

data "pve_user_tokens" "as_token" {{
  provider = pve.ci
  user_id  = "{user}"
}}

resource "pve_group" "made_by_token" {{
  provider = pve.ci
  group_id = "{group}"
  comment  = "created with an ephemeral token"
}}

# Captures what the token was during apply, so the test can look for it.
resource "terraform_data" "capture" {{
  provisioner "local-exec" {{
    command = "printf '%s\n%s\n%s\n' \"$ID\" \"$VALUE\" \"$EXPIRES\" > captured.txt"
    environment = {{
      ID      = ephemeral.pve_user_token.ci.id
      VALUE   = ephemeral.pve_user_token.ci.value
      EXPIRES = ephemeral.pve_user_token.ci.expiration_date
    }}
  }}
}}

locals {{
  mine = [for t in data.pve_user_tokens.as_token.tokens : t if startswith(t.token_name, "{PREFIX}")]
}}

output "version" {{
  value = data.pve_version.as_token.version
}}

output "tokens_seen" {{
  value = local.mine
}}

output "expiry_about_an_hour_after_plan" {{
  value = length(local.mine) > 0 && alltrue([
    for t in local.mine :
    timecmp(t.expiration_date, timeadd(plantimestamp(), "55m")) >= 0 &&
    timecmp(t.expiration_date, timeadd(plantimestamp(), "65m")) <= 0
  ])
}}
"#
    )
}

/// Whether a read answered "not found".
fn is_gone<T>(result: Result<T, proxmox_client::Error>) -> bool {
    matches!(result, Err(error) if error.is_not_found())
}

/// Fails if `text` holds the secret or any UUID other than the `allowed` ones.
fn assert_no_secret(what: &str, text: &str, secret: &str, allowed: &[String]) {
    assert!(!text.contains(secret), "{what} contains the token secret");
    let stray: Vec<String> = uuids(text)
        .into_iter()
        .filter(|u| !allowed.contains(u))
        .collect();
    assert!(
        stray.is_empty(),
        "{what} contains UUID-shaped values (a token secret?): {stray:?}"
    );
}

#[test]
fn ephemeral_token_works_during_apply_and_leaves_no_trace() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let user = scoped_user(&target);
    let group = target.unique("ephgroup");
    workdir.config(&config(&user, &group));

    // Plan (saved): the token is opened to configure pve.ci, used to read,
    // and closed again.
    workdir.ok(&["plan", "-out=tfplan", "-input=false", "-no-color"]);
    assert!(
        ephemeral_tokens(&target, &user).is_empty(),
        "plan left a token behind"
    );
    let plan_json = workdir.ok(&["show", "-json", "tfplan"]).stdout;

    // Apply the saved plan: a fresh token, closed (deleted) at the end.
    let applied = workdir.ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    let captured =
        std::fs::read_to_string(workdir.path().join("captured.txt")).expect("captured.txt");
    let mut lines = captured.lines();
    let (id, value, expires) = (
        lines.next().expect("id"),
        lines.next().expect("value"),
        lines.next().expect("expiration"),
    );
    assert!(id.starts_with(&format!("{user}!{PREFIX}")), "{id}");
    let secret = value
        .strip_prefix(&format!("{id}="))
        .unwrap_or_else(|| panic!("value is not `{id}=SECRET`"));
    assert_eq!(
        uuids(secret),
        vec![secret.to_string()],
        "the secret is a UUID"
    );
    assert!(expires.ends_with('Z'), "{expires}");
    assert!(
        ephemeral_tokens(&target, &user).is_empty(),
        "apply left a token behind"
    );
    assert!(
        !applied.all_output().contains(secret),
        "apply printed the secret"
    );

    // The token could act: it read the version and its own token list, and
    // created the group.
    let outputs = workdir.outputs();
    assert!(
        !outputs["version"]["value"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    let seen = outputs["tokens_seen"]["value"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(seen.len(), 1, "the plan-time token saw itself: {seen:?}");
    assert_eq!(seen[0]["privileges_separation"], false);
    assert!(
        seen[0]["comment"]
            .as_str()
            .unwrap_or_default()
            .starts_with("ephemeral token from Terraform")
    );
    assert_eq!(
        outputs["expiry_about_an_hour_after_plan"]["value"], true,
        "{seen:?}"
    );
    let group_id: GroupId = group.parse().expect("group id");
    target
        .block_on(target.client().groups().get(&group_id))
        .expect("the token created the group");

    // Neither the state nor the saved plan holds a secret. The only UUIDs
    // allowed are the state lineage and terraform_data's random id.
    let state = workdir.state();
    let mut allowed = vec![state["lineage"].as_str().unwrap_or_default().to_string()];
    allowed.push(
        workdir.resource_attributes("terraform_data.capture")["id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    );
    assert_no_secret("the state file", &workdir.state_text(), secret, &allowed);
    assert_no_secret("the saved plan", &plan_json, secret, &allowed);
    let state_json = workdir.ok(&["show", "-json"]).stdout;
    assert_no_secret("terraform show -json", &state_json, secret, &allowed);

    // A new plan changes no resource (the token is re-opened and closed;
    // only `tokens_seen` differs, as every run has a new token).
    let replan = workdir.ok(&["plan", "-input=false", "-no-color"]).stdout;
    assert!(
        !replan.contains("Plan:"),
        "resources would change:\n{replan}"
    );
    assert!(replan.contains("tokens_seen"), "{replan}");
    assert!(ephemeral_tokens(&target, &user).is_empty());

    // Destroy re-opens the token to configure pve.ci, deletes the group
    // through it, and closes it.
    workdir.destroy();
    assert!(is_gone(
        target.block_on(target.client().groups().get(&group_id))
    ));
    assert!(
        ephemeral_tokens(&target, &user).is_empty(),
        "destroy left a token behind"
    );
}

#[test]
fn uuid_scan_finds_secrets() {
    let text = r#"{"lineage":"9b6f5a86-2f8c-4d0b-a8a2-6f1d2f0c9e11","x":"ci@pve!e2e-1=0b0e2d4c-1111-4222-8333-444455556666"}"#;
    assert_eq!(
        uuids(text),
        vec![
            "9b6f5a86-2f8c-4d0b-a8a2-6f1d2f0c9e11",
            "0b0e2d4c-1111-4222-8333-444455556666"
        ]
    );
    assert!(uuids("not-a-uuid 0b0e2d4c-1111-4222-8333-44445555666").is_empty());
}

#[test]
fn an_unknown_user_fails_the_plan_at_user_id() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.config(
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
ephemeral "pve_user_token" "ci" {
  user_id  = "nobody@pve"
  lifetime = "10s"
}
"#,
    );
    let run = workdir.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("Invalid lifetime"),
        "{}",
        run.all_output()
    );

    workdir.config(
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
ephemeral "pve_user_token" "ci" {
  user_id = "nobody@pve"
}
provider "pve" {
  alias     = "ci"
  api_token = ephemeral.pve_user_token.ci.value
}
data "pve_version" "as_token" {
  provider = pve.ci
}
"#,
    );
    let run = workdir.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    let output = run.all_output();
    assert!(output.contains("Invalid user_id"), "{output}");
    assert!(output.contains("nobody@pve"), "{output}");
}

#[test]
fn the_token_acts_with_only_the_users_rights_and_expires_after_a_failed_apply() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let user = scoped_user(&target);
    let role = target.unique("EphRole");
    // The user may manage groups, not roles: creating a role through the
    // token must be refused, and the refusal names the ephemeral token.
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}
ephemeral "pve_user_token" "ci" {{
  user_id               = "{user}"
  token_name_prefix     = "{PREFIX}"
  privileges_separation = false
}}
provider "pve" {{
  alias     = "ci"
  api_token = ephemeral.pve_user_token.ci.value
}}
resource "pve_role" "not_allowed" {{
  provider   = pve.ci
  role_id    = "{role}"
  privileges = ["VM.Audit"]
}}
"#
    ));
    let run = workdir.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    let output = run.all_output();
    assert!(output.contains("403"), "{output}");
    assert!(
        output.contains(&format!("API token {user}!{PREFIX}")),
        "the refused credential is the ephemeral token:\n{output}"
    );
    // Terraform 1.15 skips closing ephemeral resources whose provider's
    // work failed, so the apply-time token may survive the run: its
    // server-side expiry is the safety net. Any token left must expire
    // within the lifetime (default 1h) from now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64;
    let left: Vec<_> = target
        .block_on(target.client().tokens(&user).list())
        .expect("list tokens")
        .into_iter()
        .filter(|token| token.tokenid.as_str().starts_with(PREFIX))
        .collect();
    assert!(
        left.len() <= 1,
        "only the apply-time token may be left: {left:?}"
    );
    for token in &left {
        assert!(
            token.expire > now && token.expire <= now + 3_600,
            "a leftover token must expire within its lifetime: {token:?} (now {now})"
        );
    }
    let role_id: proxmox_client::RoleId = role.parse().expect("role id");
    assert!(is_gone(
        target.block_on(target.client().roles().get(&role_id))
    ));
}

/// The administrator's one-time setup of examples/ci-short-lived-token,
/// applied exactly as its README shows it (the first `terraform` block).
/// Returns the minter token's credential.
fn ci_example_setup(target: &Target) -> String {
    let readme = pve_e2e::terraform::repo_root().join("examples/ci-short-lived-token/README.md");
    let readme = std::fs::read_to_string(&readme).expect("read the README");
    let setup = readme
        .split("```terraform\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the README has a terraform block");
    let admin = Workdir::new(target);
    admin.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}
{setup}
output "minter" {{
  value     = pve_user_token.minter.value
  sensitive = true
}}
"#
    ));
    admin.apply();
    admin.outputs()["minter"]["value"]
        .as_str()
        .expect("the minter credential")
        .to_string()
}

#[test]
fn ci_example_runs_with_only_a_minter_token() {
    let target = Target::start();
    if target.sim().is_none() {
        eprintln!("skipped on a real host: the example's fixed names could collide");
        return;
    }
    let minter = ci_example_setup(&target);
    let mut workdir = Workdir::new(&target);
    workdir.set_env("PROXMOX_VE_API_TOKEN", &minter);
    let example = pve_e2e::terraform::repo_root().join("examples/ci-short-lived-token/main.tf");
    workdir.write(
        "main.tf",
        &std::fs::read_to_string(&example).expect("read the example"),
    );
    let deployer: UserId = "ci-deployer@pve".parse().expect("user id");
    let run_tokens = |target: &Target| -> Vec<String> {
        target
            .block_on(target.client().tokens(&deployer).list())
            .expect("list tokens")
            .into_iter()
            .map(|token| token.tokenid.to_string())
            .collect()
    };

    workdir.ok(&["validate", "-no-color"]);
    let applied = workdir.apply();
    assert!(
        applied
            .stdout
            .contains("output suppressed due to ephemeral value"),
        "{}",
        applied.stdout
    );
    assert_eq!(workdir.outputs()["pool"]["value"], "ci/preview");
    let pool: proxmox_client::PoolId = "ci/preview".parse().expect("pool id");
    target
        .block_on(target.client().pools().get(&pool))
        .expect("the run's token created the pool");
    assert!(
        run_tokens(&target).is_empty(),
        "the run left tokens: {:?}",
        run_tokens(&target)
    );
    workdir.assert_plan_empty();

    // The minter alone cannot create the pool: the work was the token's.
    let mut minter_only = Workdir::new(&target);
    minter_only.set_env("PROXMOX_VE_API_TOKEN", &minter);
    minter_only.config(
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
resource "pve_pool" "direct" {
  pool_id = "ci/direct"
}
"#,
    );
    let refused = minter_only.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(refused.code, 0, "{}", refused.all_output());
    assert!(
        refused.all_output().contains("403"),
        "{}",
        refused.all_output()
    );

    workdir.destroy();
    assert!(is_gone(target.block_on(target.client().pools().get(&pool))));
    assert!(run_tokens(&target).is_empty());
}

#[test]
fn the_value_passes_through_a_child_module_and_back_out() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let user = scoped_user(&target);
    std::fs::create_dir_all(workdir.path().join("modules/deploy")).expect("module dir");
    // As in the guide: an ephemeral input configures the module's provider,
    // and an ephemeral output hands a value back.
    workdir.write(
        "modules/deploy/main.tf",
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
variable "pve_api_token" {
  type      = string
  ephemeral = true
}
provider "pve" {
  alias     = "deploy"
  api_token = var.pve_api_token
}
data "pve_version" "as_token" {
  provider = pve.deploy
}
output "version" {
  value = data.pve_version.as_token.version
}
output "token_again" {
  value     = var.pve_api_token
  ephemeral = true
}
"#,
    );
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}
ephemeral "pve_user_token" "run" {{
  user_id               = "{user}"
  token_name_prefix     = "{PREFIX}"
  privileges_separation = false
}}
module "deploy" {{
  source        = "./modules/deploy"
  pve_api_token = ephemeral.pve_user_token.run.value
}}
locals {{
  back = module.deploy.token_again
}}
resource "terraform_data" "capture" {{
  provisioner "local-exec" {{
    command     = "printf '%s' \"$BACK\" > back.txt"
    environment = {{ BACK = local.back }}
  }}
}}
output "version" {{
  value = module.deploy.version
}}
"#
    ));
    // A local module needs `init` even with dev_overrides (nothing is downloaded).
    workdir.ok(&["init", "-input=false", "-no-color"]);
    workdir.apply();
    assert!(
        !workdir.outputs()["version"]["value"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    let back = std::fs::read_to_string(workdir.path().join("back.txt")).expect("back.txt");
    assert!(
        back.starts_with(&format!("{user}!{PREFIX}")),
        "the ephemeral output carried the credential"
    );
    let secret = back
        .rsplit_once('=')
        .map(|(_, secret)| secret)
        .expect("a credential");
    assert!(
        !workdir.state_text().contains(secret),
        "the state holds the secret"
    );
    assert!(ephemeral_tokens(&target, &user).is_empty());
}
