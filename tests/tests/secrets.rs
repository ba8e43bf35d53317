//! `pve_user.password_wo` through Terraform 1.15: the password reaches PVE
//! (the user logs in with it) but neither the state nor a saved plan holds
//! it or anything derived from it; `password_wo_version` is the only way to
//! send a new one; it conflicts with `password` at plan time; and the
//! provider's own trace log never shows it.

use proxmox_client::{LoginRequest, Secret};
use pve_e2e::{Target, Workdir};

const PROVIDER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

/// A working directory whose provider logs in with root's password: PVE
/// changes passwords (`PUT /access/password`) only for ticket logins.
fn ticket_workdir(target: &Target) -> Workdir {
    let sim = target
        .sim()
        .expect("password changes need root's password: run against pve-sim");
    let mut work = Workdir::new(target);
    work.set_env("PROXMOX_VE_API_TOKEN", "");
    work.set_env("PROXMOX_VE_USERNAME", "root@pam");
    work.set_env("PROXMOX_VE_PASSWORD", sim.root_password());
    work
}

/// The password comes from an ephemeral variable (set through
/// `TF_VAR_password`), as the guide recommends: Terraform then keeps it out
/// of the saved plan too (a literal would sit in the plan's copy of the
/// configuration).
fn user_config(user: &str, version: i64) -> String {
    format!(
        r#"{PROVIDER}
variable "password" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "pve_user" "x" {{
  user_id             = "{user}"
  comment             = "write-only password"
  password_wo         = var.password
  password_wo_version = {version}
}}
"#
    )
}

/// Whether `user` can log in with `password` (a ticket login).
fn can_log_in(target: &Target, user: &str, password: &str) -> bool {
    let login = LoginRequest {
        username: user.to_string(),
        password: Secret::new(password.to_string()),
        ..Default::default()
    };
    match target.block_on(target.client().login(&login)) {
        Ok(_) => true,
        Err(error) if error.is_authentication() => false,
        Err(error) => panic!("login of {user} failed unexpectedly: {error}"),
    }
}

/// The attributes of `pve_user.x` that are not null, by name.
fn set_attributes(work: &Workdir) -> Vec<String> {
    let attributes = work.resource_attributes("pve_user.x");
    let mut names: Vec<String> = attributes
        .as_object()
        .expect("attributes are an object")
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, _)| name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn password_wo_reaches_pve_but_never_state_or_plan() {
    let target = Target::start();
    let mut work = ticket_workdir(&target);
    let user = format!("{}@pve", target.unique("wo"));
    let first = "first-Secret-4711";
    let second = "second-Secret-0815";

    work.config(&user_config(&user, 1));
    work.set_env("TF_VAR_password", first);
    work.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
    let plan = work.ok(&["show", "-json", "tfplan"]).stdout;
    assert!(plan.contains(&user), "the plan is about our user");
    assert!(!plan.contains(first), "the saved plan holds the password");
    work.ok(&["apply", "-input=false", "-no-color", "tfplan"]);

    // Stored: the id, the profile and the version, nothing else. No
    // attribute (nor the private blob) could hold the password or a hash.
    assert_eq!(
        set_attributes(&work),
        [
            "comment",
            "enabled",
            "groups",
            "password_wo_version",
            "user_id"
        ]
    );
    let state = work.state();
    let instance = &state["resources"][0]["instances"][0];
    assert!(
        instance["private"].is_null(),
        "private data stored: {instance}"
    );
    assert_eq!(instance["attributes"]["password_wo_version"], 1);
    assert!(!work.state_text().contains(first));
    assert!(can_log_in(&target, &user, first), "the password was set");
    work.assert_plan_empty();

    // Terraform keeps no copy to compare with: a new password alone plans nothing.
    work.set_env("TF_VAR_password", second);
    work.assert_plan_empty();

    // Bumping the version sends it, and the provider's trace log does not show it.
    work.config(&user_config(&user, 2));
    work.set_env("TF_LOG_PROVIDER", "TRACE");
    let apply = work.apply();
    work.set_env("TF_LOG_PROVIDER", "");
    let log = apply.all_output();
    assert!(log.contains("password_wo"), "trace logging was on:\n{log}");
    assert!(!log.contains(second) && !log.contains(first));
    assert!(can_log_in(&target, &user, second), "new password works");
    assert!(!can_log_in(&target, &user, first), "old password is gone");
    assert!(!work.state_text().contains(second));
    assert_eq!(
        work.resource_attributes("pve_user.x")["password_wo_version"],
        2
    );
    work.assert_plan_empty();

    work.destroy();
    let gone = target.block_on(target.client().users().get(&user.parse().expect("user id")));
    assert!(gone.is_err_and(|error| error.is_not_found()));
}

#[test]
fn password_and_password_wo_conflict_at_plan_time() {
    let target = Target::start();
    let work = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("both"));
    work.config(&format!(
        r#"{PROVIDER}
resource "pve_user" "x" {{
  user_id     = "{user}"
  password    = "in-state-Secret-1"
  password_wo = "write-only-Secret-2"
}}
"#
    ));
    let plan = work.plan();
    assert_eq!(plan.code, 1, "the plan must fail:\n{}", plan.all_output());
    let output = plan.all_output();
    assert!(
        output.contains("`password` and `password_wo`"),
        "the error names both attributes:\n{output}"
    );
    assert!(!output.contains("Secret-1") && !output.contains("Secret-2"));
    assert!(work.state_text().is_empty(), "nothing was stored");
    let found = target.block_on(target.client().users().get(&user.parse().expect("user id")));
    assert!(found.is_err_and(|error| error.is_not_found()));

    // A version without the password says what is missing.
    work.config(&format!(
        r#"{PROVIDER}
resource "pve_user" "x" {{
  user_id             = "{user}"
  password_wo_version = 1
}}
"#
    ));
    let plan = work.plan();
    assert_eq!(plan.code, 1);
    assert!(plan.all_output().contains("password_wo_version"));
}
