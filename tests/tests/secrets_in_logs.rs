//! No secret reaches a log. A representative run — password login (ticket +
//! CSRF token), users with passwords, persistent tokens, an ephemeral token
//! used by a second provider — with `TF_LOG=trace` and `TF_LOG_PATH`, then
//! every byte Terraform and the provider logged is searched for the exact
//! secrets: the root password, the user passwords, the token secrets (read
//! from state), and every ticket and CSRF token the simulator could have
//! issued during the run (regenerated with its signing keys for each second
//! of the run, so a leaked ticket is found, not guessed at).

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use pve_e2e::terraform::terraform_bin;
use pve_e2e::{Target, Workdir};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Runs Terraform with password credentials and trace logging; returns
/// (exit code, stdout + stderr, the TF_LOG_PATH file).
fn traced(
    target: &Target,
    workdir: &Workdir,
    root_password: &str,
    args: &[&str],
) -> (i32, String, String) {
    let dir = workdir.path();
    let log_path = dir.join(format!("trace-{}.log", args[0]));
    let mut command = Command::new(terraform_bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PROXMOX_VE_") {
            command.env_remove(key);
        }
    }
    // Only the endpoint and CA come from the target: the credentials are
    // the root password, so the provider logs in and holds a ticket.
    for (key, value) in target.provider_env() {
        if key == "PROXMOX_VE_ENDPOINT" || key == "PROXMOX_VE_CA_CERTIFICATE" {
            command.env(key, value);
        }
    }
    let output = command
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join(".terraformrc"))
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_LOG", "trace")
        .env("TF_LOG_PATH", &log_path)
        .env("TF_VAR_root_password", root_password)
        .output()
        .expect("run terraform");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    (output.status.code().unwrap_or(-1), text, log)
}

#[test]
fn trace_logs_contain_no_secret() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        // Tickets can only be regenerated with the simulator's keys.
        return;
    };
    let root_password = sim.root_password().to_string();
    let workdir = Workdir::new(&target);
    let user = format!("{}@pve", target.unique("sl"));
    let second = format!("{}@pve", target.unique("sl"));
    let password_a = format!("Pa55-{}-alpha", target.unique("x"));
    let password_b = format!("Pa55-{}-bravo", target.unique("x"));
    workdir.config(&format!(
        r#"terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
variable "root_password" {{
  type      = string
  sensitive = true
}}
provider "pve" {{
  username = "root@pam"
  password = var.root_password
}}
resource "pve_user" "a" {{
  user_id  = "{user}"
  password = "{password_a}"
}}
resource "pve_user" "b" {{
  user_id     = "{second}"
  password_wo = "{password_b}"
  password_wo_version = 1
}}
resource "pve_user_token" "t" {{
  user_id               = pve_user.a.user_id
  token_name            = "ci"
  privileges_separation = false
}}
resource "pve_user_token" "u" {{
  user_id    = pve_user.b.user_id
  token_name = "deploy"
}}
ephemeral "pve_user_token" "short" {{
  user_id               = "root@pam"
  token_name_prefix     = "sl-"
  lifetime              = "1h"
  privileges_separation = false
}}
provider "pve" {{
  alias     = "short"
  api_token = ephemeral.pve_user_token.short.value
}}
data "pve_version" "v" {{
  provider = pve.short
}}
output "version" {{
  value = data.pve_version.v.version
}}
"#
    ));
    let started = now();
    let (code, apply_output, apply_log) = traced(
        &target,
        &workdir,
        &root_password,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    assert_eq!(code, 0, "apply failed:\n{apply_output}");
    let (plan_code, plan_output, plan_log) = traced(
        &target,
        &workdir,
        &root_password,
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    let ended = now();
    assert_eq!(plan_code, 0, "plan not empty:\n{plan_output}");

    // The exact secrets of this run.
    let mut secrets: Vec<(String, String)> = vec![
        ("root password".into(), root_password.clone()),
        ("password of pve_user.a".into(), password_a.clone()),
        ("password_wo of pve_user.b".into(), password_b.clone()),
    ];
    for token in ["t", "u"] {
        let value = workdir.resource_attributes(&format!("pve_user_token.{token}"))["value"]
            .as_str()
            .expect("token value in state")
            .to_string();
        // `value` is the whole `user@realm!name=SECRET` credential.
        let secret = value.rsplit('=').next().unwrap_or_default().to_string();
        assert!(is_uuid(&secret), "token secret is a UUID");
        secrets.push((format!("secret of pve_user_token.{token}"), secret));
    }
    let signer = &sim.state().signer;
    for second in started - 2..=ended + 2 {
        secrets.push(("ticket".into(), signer.issue_ticket("root@pam", second)));
        secrets.push(("CSRF token".into(), signer.issue_csrf("root@pam", second)));
    }
    // The scan must be able to fail: the logs are long and do mention the
    // objects (so they really are the provider's trace logs).
    let logs = [
        ("apply output", apply_output.as_str()),
        ("apply TF_LOG_PATH", apply_log.as_str()),
        ("plan output", plan_output.as_str()),
        ("plan TF_LOG_PATH", plan_log.as_str()),
    ];
    assert!(
        apply_log.contains("provider.terraform-provider-pve")
            && apply_log.contains("rpc=ApplyResourceChange")
            && apply_log.contains("reqwest")
            && apply_log.len() > 10_000,
        "the trace log does not hold the provider's own trace lines"
    );
    for (source, text) in logs {
        for (what, secret) in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{what} appears in the {source}"
            );
        }
        // Any ticket or cookie, whoever it was issued to.
        for marker in ["PVE:root@pam:", "PVEAuthCookie=", "PVEAPIToken="] {
            for line in text.lines().filter(|l| l.contains(marker)) {
                assert!(
                    !line.contains("::") && !line.contains('='),
                    "a credential-shaped value in the {source}: {marker}"
                );
            }
        }
    }
    // Token secrets are UUIDs; the ephemeral token's secret is in no state,
    // so no UUID at all may appear, except the state's lineage (Terraform
    // logs it when it reads the state).
    let lineage = workdir.state()["lineage"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for (source, text) in logs {
        let leaked: Vec<&str> = text
            .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
            .filter(|w| is_uuid(w) && *w != lineage)
            .collect();
        assert!(
            leaked.is_empty(),
            "UUID-shaped values in the {source}: {} found",
            leaked.len()
        );
    }
}

fn is_uuid(word: &str) -> bool {
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}
