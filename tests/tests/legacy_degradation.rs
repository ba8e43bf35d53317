//! Terraform 1.0.3 against the features it lacks: a write-only attribute is
//! a clear provider error before anything is created, so the password never
//! reaches PVE or the state; ephemeral resources, provider functions and
//! import-by-identity blocks fail in Terraform itself and write no state;
//! the core resources, including the rotation attributes, still work.

use pve_e2e::{Target, Workdir};

const PROVIDER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

const SECRET: &str = "legacy-Secret-9731";

/// Fails unless `terraform plan` and `terraform apply` both fail with
/// `expected` in their output, leaving no resource (and no `SECRET`) in state.
fn assert_refused(work: &Workdir, expected: &str) {
    for args in [
        &["plan", "-input=false", "-no-color"][..],
        &["apply", "-auto-approve", "-input=false", "-no-color"][..],
    ] {
        let run = work.run(args);
        let output = run.all_output();
        assert_ne!(run.code, 0, "terraform {args:?} must fail:\n{output}");
        assert!(
            output.contains(expected),
            "expected {expected:?}:\n{output}"
        );
        assert!(!output.contains(SECRET), "the secret was echoed:\n{output}");
    }
    let state = work.state_text();
    assert!(!state.contains(SECRET));
    if !state.is_empty() {
        let parsed: serde_json::Value = serde_json::from_str(&state).expect("state is JSON");
        assert_eq!(
            parsed["resources"].as_array().map(Vec::len).unwrap_or(0),
            0,
            "nothing may be stored: {state}"
        );
    }
}

#[test]
fn write_only_attribute_is_a_clear_error_on_1_0_3() {
    let target = Target::start();
    let work = Workdir::legacy(&target);
    let user = format!("{}@pve", target.unique("legwo"));
    work.config(&format!(
        r#"{PROVIDER}
resource "pve_user" "u" {{
  user_id             = "{user}"
  password_wo         = "{SECRET}"
  password_wo_version = 1
}}
"#
    ));
    assert_refused(&work, "needs Terraform 1.11 or later");
    let found = target.block_on(target.client().users().get(&user.parse().expect("user id")));
    assert!(
        found.is_err_and(|error| error.is_not_found()),
        "the user was not created"
    );

    // Without it, the same user works (the classic `password`).
    work.config(&format!(
        r#"{PROVIDER}
resource "pve_user" "u" {{
  user_id  = "{user}"
  password = "{SECRET}"
}}
"#
    ));
    work.apply();
    work.assert_plan_empty();
    work.destroy();
}

#[test]
fn newer_language_features_fail_in_terraform_and_store_nothing() {
    let target = Target::start();
    let user = format!("{}@pve", target.unique("legnew"));
    target
        .block_on(
            target
                .client()
                .users()
                .create(&user.parse().expect("user id"), &Default::default()),
        )
        .expect("create user");

    let ephemeral = Workdir::legacy(&target);
    ephemeral.config(&format!(
        r#"{PROVIDER}
ephemeral "pve_user_token" "run" {{
  user_id = "{user}"
}}
"#
    ));
    assert_refused(&ephemeral, "Unsupported block type");

    let function = Workdir::legacy(&target);
    function.config(&format!(
        r#"{PROVIDER}
resource "pve_user_token" "t" {{
  user_id    = provider::pve::parse_token_id("{user}!deploy").user_id
  token_name = "deploy"
}}
"#
    ));
    // 1.0.3 has no provider functions: `provider::…` is not even valid syntax.
    let run = function.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    assert!(function.state_text().is_empty());

    let identity = Workdir::legacy(&target);
    identity.config(&format!(
        r#"{PROVIDER}
import {{
  to       = pve_user.u
  identity = {{ user_id = "{user}" }}
}}
resource "pve_user" "u" {{
  user_id = "{user}"
}}
"#
    ));
    assert_refused(&identity, "Unsupported block type");
    let tokens = target
        .block_on(
            target
                .client()
                .tokens(&user.parse().expect("user id"))
                .list(),
        )
        .expect("list tokens");
    assert!(tokens.is_empty(), "no token was created: {tokens:?}");
}

#[test]
fn rotation_attributes_work_on_1_0_3() {
    let target = Target::start();
    let work = Workdir::legacy(&target);
    let user = format!("{}@pve", target.unique("legrot"));
    let config = |generation: &str| {
        format!(
            r#"{PROVIDER}
resource "pve_user" "u" {{
  user_id = "{user}"
}}
resource "pve_user_token" "t" {{
  user_id      = pve_user.u.user_id
  token_name   = "rot"
  rotate_after = "30d"
  keepers      = {{ generation = "{generation}" }}
}}
"#
        )
    };
    work.config(&config("1"));
    work.apply();
    let first = work.resource_attributes("pve_user_token.t");
    assert!(first["created_at"].is_string(), "{first}");
    assert!(first["value"].is_string());
    work.assert_plan_empty();
    work.config(&config("2"));
    assert!(work.assert_plan_changes().contains("must be replaced"));
    work.apply();
    assert_ne!(
        work.resource_attributes("pve_user_token.t")["value"],
        first["value"]
    );
    work.destroy();
}
