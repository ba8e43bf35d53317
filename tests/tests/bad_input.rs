//! Malformed values get a diagnostic that names the attribute and says what
//! is expected — never a crash. Each case is planned on its own against the
//! simulator; the assertions are on what Terraform prints.

use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

/// (attribute the diagnostic must name, configuration body).
fn corpus() -> Vec<(&'static str, &'static str)> {
    vec![
        // user ids
        (
            "user_id",
            r#"resource "pve_user" "x" { user_id = "norealm" }"#,
        ),
        ("user_id", r#"resource "pve_user" "x" { user_id = "@pve" }"#),
        (
            "user_id",
            r#"resource "pve_user" "x" { user_id = "a b@pve" }"#,
        ),
        ("user_id", r#"resource "pve_user" "x" { user_id = "" }"#),
        // names and comments PVE's user.cfg would mangle on the next read
        (
            "user_id",
            r#"resource "pve_user" "x" { user_id = "a,b@pve" }"#,
        ),
        (
            "user_id",
            r#"resource "pve_user" "x" { user_id = "a;b@pve" }"#,
        ),
        // PVE writes user ids unescaped and reads request paths as bytes
        (
            "user_id",
            r#"resource "pve_user" "x" { user_id = "jürgen@pve" }"#,
        ),
        (
            "group_id",
            r#"resource "pve_group" "x" { group_id = ".." }"#,
        ),
        (
            "role_id",
            r#"resource "pve_role" "x" {
  role_id    = "."
  privileges = ["VM.Audit"]
}"#,
        ),
        (
            "comment",
            r#"resource "pve_group" "x" {
  group_id = "ok"
  comment  = " padded "
}"#,
        ),
        (
            "comment",
            r#"resource "pve_user" "x" {
  user_id = "ok@pve"
  comment = "0"
}"#,
        ),
        (
            "comment",
            r#"resource "pve_pool" "x" {
  pool_id = "ok"
  comment = "trailing "
}"#,
        ),
        // e-mail addresses and dates
        (
            "email",
            r#"resource "pve_user" "x" {
  user_id = "ok@pve"
  email   = "not-an-email"
}"#,
        ),
        (
            "expiration_date",
            r#"resource "pve_user" "x" {
  user_id         = "ok@pve"
  expiration_date = "tomorrow"
}"#,
        ),
        (
            "expiration_date",
            r#"resource "pve_user" "x" {
  user_id         = "ok@pve"
  expiration_date = "2030-13-01T00:00:00Z"
}"#,
        ),
        // token names and dates
        (
            "token_name",
            r#"resource "pve_user_token" "x" {
  user_id    = "ok@pve"
  token_name = "bad name!"
}"#,
        ),
        (
            "token_name",
            r#"resource "pve_user_token" "x" {
  user_id    = "ok@pve"
  token_name = ""
}"#,
        ),
        (
            "user_id",
            r#"resource "pve_user_token" "x" {
  user_id    = "ok"
  token_name = "ci"
}"#,
        ),
        (
            "expiration_date",
            r#"resource "pve_user_token" "x" {
  user_id         = "ok@pve"
  token_name      = "ci"
  expiration_date = "2030-01-01 noon"
}"#,
        ),
        // ACL paths and roles
        (
            "path",
            r#"resource "pve_acl" "x" {
  path    = "vms/100"
  role_id = "PVEAuditor"
  user_id = "ok@pve"
}"#,
        ),
        (
            "path",
            r#"resource "pve_acl" "x" {
  path    = "/nonsense/x"
  role_id = "PVEAuditor"
  user_id = "ok@pve"
}"#,
        ),
        (
            "role_id",
            r#"resource "pve_acl" "x" {
  path    = "/vms"
  role_id = "bad role!"
  user_id = "ok@pve"
}"#,
        ),
        (
            "token_id",
            r#"resource "pve_acl" "x" {
  path     = "/vms"
  role_id  = "PVEAuditor"
  token_id = "ok@pve"
}"#,
        ),
        // privileges and role ids
        (
            "privileges",
            r#"resource "pve_role" "x" {
  role_id    = "Ok"
  privileges = ["VM.Nope"]
}"#,
        ),
        (
            "privileges",
            r#"resource "pve_role" "x" {
  role_id    = "Ok"
  privileges = ["not a privilege"]
}"#,
        ),
        (
            "role_id",
            r#"resource "pve_role" "x" {
  role_id    = "bad/role"
  privileges = ["VM.Audit"]
}"#,
        ),
        // pools and groups
        (
            "pool_id",
            r#"resource "pve_pool" "x" { pool_id = "bad pool" }"#,
        ),
        (
            "pool_id",
            r#"resource "pve_pool" "x" { pool_id = "a/b/c/d" }"#,
        ),
        (
            "group_id",
            r#"resource "pve_group" "x" { group_id = "bad group!" }"#,
        ),
        ("group_id", r#"resource "pve_group" "x" { group_id = "" }"#),
        // durations
        (
            "lifetime",
            r#"ephemeral "pve_user_token" "x" {
  user_id  = "ok@pve"
  lifetime = "1 hour"
}"#,
        ),
        (
            "lifetime",
            r#"ephemeral "pve_user_token" "x" {
  user_id  = "ok@pve"
  lifetime = "-5m"
}"#,
        ),
    ]
}

#[test]
fn malformed_values_get_a_diagnostic_naming_the_attribute() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let mut failures = Vec::new();
    for (attribute, body) in corpus() {
        workdir.config(&format!("{HEADER}\n{body}\n"));
        let run = workdir.run(&["plan", "-input=false", "-no-color"]);
        let output = run.all_output();
        let crashed = [
            "The plugin encountered an error",
            "panicked",
            "panic:",
            "plugin exited",
        ]
        .iter()
        .any(|marker| output.contains(marker));
        // The diagnostic: after "Error: ", mentions the attribute, and says
        // more than a bare "invalid" (a hint of what is expected).
        let diagnostic = output.split("Error: ").nth(1).unwrap_or_default();
        let flat = diagnostic.split_whitespace().collect::<Vec<_>>().join(" ");
        let names_attribute = flat.contains(attribute);
        let has_hint = flat.len() > 80
            && [
                "e.g.", "must", "expected", "Use ", "use ", "at most", "one of", "write ",
                "Valid ", "format", "like", "only",
            ]
            .iter()
            .any(|w| flat.contains(w));
        if run.code == 0 || crashed || !names_attribute || !has_hint {
            failures.push(format!(
                "--- {attribute} in\n{body}\nexit {} crashed={crashed} names_attribute={names_attribute} hint={has_hint}\n{}",
                run.code,
                diagnostic.chars().take(800).collect::<String>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
