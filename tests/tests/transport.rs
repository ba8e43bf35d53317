//! The plugin's TCP transport (what go-plugin uses on Windows), selected on
//! Linux with `TFPLUGIN_TRANSPORT=tcp`: real Terraform connects to
//! `127.0.0.1:PORT` within the port range it hands the plugin, with the same
//! mutual TLS, and a whole apply / plan / destroy works over it.

use pve_e2e::{Target, Workdir};

const CONFIG: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
resource "pve_role" "r" {
  role_id    = "TcpTransport"
  privileges = ["VM.Audit"]
}
data "pve_version" "v" {}
"#;

/// The `network=… address=…` pair of the provider's "plugin server started"
/// log line (the address it announced in the handshake; Terraform relays
/// provider logs in its debug log). The apply succeeding shows Terraform
/// connected there.
fn announced_address(log: &str) -> Option<(String, String)> {
    let line = log.lines().find(|l| l.contains("plugin server started"))?;
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(name))
            .map(str::to_owned)
    };
    Some((field("network=")?, field("address=")?))
}

fn apply_over_tcp(workdir: &mut Workdir) {
    workdir.set_env("TFPLUGIN_TRANSPORT", "tcp");
    workdir.set_env("TF_LOG", "DEBUG");
    let apply = workdir.apply();
    let log = apply.all_output();
    let (network, address) = announced_address(&log)
        .unwrap_or_else(|| panic!("no plugin address in Terraform's debug log:\n{log}"));
    assert_eq!(network, "tcp", "{address}");
    let address: std::net::SocketAddr = address.parse().expect("host:port");
    assert!(address.ip().is_loopback(), "{address}");
    // Terraform's go-plugin client passes PLUGIN_MIN_PORT=10000 and
    // PLUGIN_MAX_PORT=25000.
    assert!(
        (10_000..=25_000).contains(&address.port()),
        "{address} outside the range go-plugin hands out"
    );
    assert!(
        !log.contains("network=unix"),
        "the provider must not fall back to a unix socket"
    );
    workdir.set_env("TF_LOG", "");
    workdir.assert_plan_empty();
    workdir.destroy();
}

#[test]
fn terraform_drives_the_provider_over_tcp() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    workdir.config(&CONFIG.replace("TcpTransport", &target.unique("TcpTransport")));
    apply_over_tcp(&mut workdir);
}

#[test]
fn terraform_1_0_drives_the_provider_over_tcp() {
    let target = Target::start();
    let mut workdir = Workdir::legacy(&target);
    workdir.config(&CONFIG.replace("TcpTransport", &target.unique("TcpTransportLegacy")));
    apply_over_tcp(&mut workdir);
}

#[test]
fn a_bad_transport_name_is_a_clear_error() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    workdir.config(&CONFIG.replace("TcpTransport", &target.unique("BadTransport")));
    workdir.set_env("TFPLUGIN_TRANSPORT", "carrier-pigeon");
    // Terraform shows a plugin's stderr only in its debug log.
    workdir.set_env("TF_LOG", "DEBUG");
    let run = workdir.run(&["plan", "-no-color", "-input=false"]);
    assert_ne!(run.code, 0);
    let output = run.all_output();
    assert!(
        output.contains("TFPLUGIN_TRANSPORT") && output.contains("carrier-pigeon"),
        "the error names the variable and the value:\n{output}"
    );
}
