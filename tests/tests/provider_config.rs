//! The `provider "pve"` block through real Terraform: every way to
//! authenticate and to trust the server, and the errors for settings that
//! are missing, conflicting, malformed or refused — none of which may echo a
//! secret.

use pve_e2e::{Target, Workdir};

const VERSION_ONLY: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
data "pve_version" "server" {}
output "release" {
  value = data.pve_version.server.release
}
"#;

fn token_id(target: &Target) -> String {
    let token = target
        .provider_env()
        .into_iter()
        .find(|(k, _)| k == "PROXMOX_VE_API_TOKEN")
        .map(|(_, v)| v)
        .expect("target has a token");
    token.rsplit_once('=').expect("id=secret").0.to_string()
}

#[test]
fn a_refused_token_is_reported_with_its_id_and_never_its_secret() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    workdir.config(VERSION_ONLY);
    let wrong_secret = "0badc0de-dead-4bad-8bad-0123456789ab";
    let id = token_id(&target);
    workdir.set_env("PROXMOX_VE_API_TOKEN", &format!("{id}={wrong_secret}"));
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_ne!(
        run.code,
        0,
        "a wrong secret must fail:\n{}",
        run.all_output()
    );
    let output = run.all_output();
    assert!(output.contains("401"), "says what PVE answered:\n{output}");
    assert!(
        output.contains(&format!("API token {id}")),
        "names the credential:\n{output}"
    );
    assert!(
        !output.contains(wrong_secret),
        "the secret leaked:\n{output}"
    );
}

#[test]
fn missing_and_conflicting_settings_are_named() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    workdir.config(VERSION_ONLY);

    workdir.remove_env("PROXMOX_VE_ENDPOINT");
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("Missing endpoint"),
        "{}",
        run.all_output()
    );
    assert!(
        run.all_output().contains("PROXMOX_VE_ENDPOINT"),
        "{}",
        run.all_output()
    );

    workdir.set_env("PROXMOX_VE_ENDPOINT", target.endpoint());
    workdir.set_env("PROXMOX_VE_USERNAME", "root@pam");
    workdir.set_env("PROXMOX_VE_PASSWORD", "irrelevant-password");
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("Conflicting credentials"),
        "{}",
        run.all_output()
    );
    assert!(!run.all_output().contains("irrelevant-password"));

    workdir.remove_env("PROXMOX_VE_API_TOKEN");
    workdir.remove_env("PROXMOX_VE_PASSWORD");
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("Incomplete password credentials"),
        "{}",
        run.all_output()
    );
}

/// Credentials in the provider block win over the environment's (the
/// aliased-provider-with-an-ephemeral-token setup in a shell that exports a
/// password), and a lone PROXMOX_VE_USERNAME next to a token is a warning.
#[test]
fn block_credentials_win_over_the_environment() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    let token = target
        .provider_env()
        .into_iter()
        .find(|(k, _)| k == "PROXMOX_VE_API_TOKEN")
        .map(|(_, v)| v)
        .expect("target has a token");
    workdir.config(&VERSION_ONLY.replace(
        "provider \"pve\" {}",
        &format!("provider \"pve\" {{\n  api_token = \"{token}\"\n}}"),
    ));
    workdir.remove_env("PROXMOX_VE_API_TOKEN");
    workdir.set_env("PROXMOX_VE_USERNAME", "root@pam");
    workdir.set_env("PROXMOX_VE_PASSWORD", "irrelevant-password");
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(!run.all_output().contains("irrelevant-password"));

    workdir.config(VERSION_ONLY);
    workdir.set_env("PROXMOX_VE_API_TOKEN", &token);
    workdir.remove_env("PROXMOX_VE_PASSWORD");
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_eq!(run.code, 0, "{}", run.all_output());
    assert!(
        run.all_output().contains("PROXMOX_VE_USERNAME ignored"),
        "{}",
        run.all_output()
    );
}

#[test]
fn malformed_settings_point_at_their_attribute() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.config(&VERSION_ONLY.replace(
        "provider \"pve\" {}",
        "provider \"pve\" {\n  min_tls = \"1.1\"\n  timeout = -5\n}",
    ));
    let run = workdir.run(&["validate", "-no-color"]);
    assert_ne!(run.code, 0, "{}", run.all_output());
    let output = run.all_output();
    assert!(output.contains("Invalid min_tls"), "{output}");
    // Terraform wraps diagnostic text: compare with the line breaks folded.
    let folded = output.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        folded.contains("\"1.2\" or \"1.3\""),
        "gives the fix: {output}"
    );
    assert!(output.contains("Invalid timeout"), "{output}");
}

#[test]
fn password_login_works_and_a_wrong_password_is_never_echoed() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        return; // a real host's root password is not ours to know
    };
    let mut workdir = Workdir::new(&target);
    workdir.config(VERSION_ONLY);
    workdir.remove_env("PROXMOX_VE_API_TOKEN");
    workdir.set_env("PROXMOX_VE_USERNAME", "root@pam");
    workdir.set_env("PROXMOX_VE_PASSWORD", sim.root_password());
    workdir.apply();
    assert!(
        workdir.outputs()["release"]["value"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );

    workdir.set_env("PROXMOX_VE_PASSWORD", "not-the-root-password");
    let run = workdir.run(&["plan", "-refresh-only", "-no-color", "-input=false"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("password of root@pam"),
        "{}",
        run.all_output()
    );
    assert!(!run.all_output().contains("not-the-root-password"));
}

#[test]
fn a_pinned_fingerprint_replaces_the_ca_and_a_wrong_one_is_refused() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        return;
    };
    let mut workdir = Workdir::new(&target);
    workdir.config(VERSION_ONLY);
    workdir.remove_env("PROXMOX_VE_CA_CERTIFICATE");
    workdir.set_env("PROXMOX_VE_TLS_FINGERPRINT", sim.fingerprint());
    workdir.apply();

    let wrong = sim
        .fingerprint()
        .chars()
        .map(|c| {
            if c == ':' {
                c
            } else if c == 'A' {
                'B'
            } else {
                'A'
            }
        })
        .collect::<String>();
    workdir.set_env("PROXMOX_VE_TLS_FINGERPRINT", &wrong);
    let run = workdir.run(&["plan", "-refresh-only", "-no-color", "-input=false"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("tls_fingerprint"),
        "hint names the setting:\n{}",
        run.all_output()
    );
}

#[test]
fn an_endpoint_known_only_at_apply_plans_and_applies() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    workdir.remove_env("PROXMOX_VE_ENDPOINT");
    let group = target.unique("late");
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
resource "terraform_data" "endpoint" {{
  input = "{endpoint}"
}}
provider "pve" {{
  endpoint = terraform_data.endpoint.output
}}
resource "pve_group" "late" {{
  group_id = "{group}"
}}
"#,
        endpoint = target.endpoint()
    ));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("pve_group.late will be created"), "{plan}");
    workdir.apply();
    let group_id = group.parse().expect("group id");
    target
        .block_on(target.client().groups().get(&group_id))
        .expect("group exists after apply");
    workdir.destroy();
}
