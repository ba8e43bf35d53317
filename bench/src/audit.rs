//! The access-audit scenario: `data "pve_access_audit"` over 500 identities
//! (250 users, each with one privilege-separated token and grants for both)
//! against pve-sim, counting the API requests it costs: four list calls plus
//! one `GET /access/permissions` per identity.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use proxmox_client::{AclPrincipal, AclUpdate, CreateToken, CreateUser, UserId};
use pve_e2e::{Target, Workdir};

/// Figures of one audit.
#[derive(Debug, Clone)]
pub struct AuditResult {
    pub identities: usize,
    pub wall: Duration,
    /// All requests under `/api2` during `terraform plan`.
    pub requests: u64,
    pub permission_calls: u64,
    pub list_calls: u64,
}

const CONFIG: &str = r#"terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}

data "pve_access_audit" "all" {
  realm = "pve"
}
output "identities" {
  value = length(data.pve_access_audit.all.identities)
}
"#;

/// Seeds `users` users with one token each, then times one refreshing
/// `terraform plan` that reads the audit.
pub fn run(users: usize) -> Result<AuditResult, String> {
    let target = Target::start();
    let sim = target
        .sim()
        .ok_or("the benchmark needs the simulator (unset PVE_TEST_TARGET)")?;
    target.block_on(async {
        let client = target.client();
        for i in 0..users {
            let user: UserId = format!("audit{i}@pve")
                .parse()
                .map_err(|e| format!("{e}"))?;
            client
                .users()
                .create(&user, &CreateUser::default())
                .await
                .map_err(|e| e.to_string())?;
            let token = client
                .tokens(&user)
                .create(
                    &"tool".parse().map_err(|e| format!("{e}"))?,
                    &CreateToken::default(),
                )
                .await
                .map_err(|e| e.to_string())?;
            client
                .acl()
                .grant(&AclUpdate {
                    path: format!("/vms/{}", 2000 + i)
                        .parse()
                        .map_err(|e| format!("{e}"))?,
                    roles: vec!["PVEVMUser".parse().map_err(|e| format!("{e}"))?],
                    principals: vec![AclPrincipal::User(user), AclPrincipal::Token(token.id)],
                    propagate: Some(true),
                })
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    })?;
    let workdir = Workdir::new(&target);
    workdir.config(CONFIG);
    let before = sim.stats();
    let started = Instant::now();
    workdir.ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let wall = started.elapsed();
    let after = sim.stats();
    let count = |key: &str| after.count(key) - before.count(key);
    let identities = workdir.outputs()["identities"]["value"]
        .as_u64()
        .ok_or("the audit output is not a number")? as usize;
    Ok(AuditResult {
        identities,
        wall,
        requests: after.total - before.total,
        permission_calls: count("GET /access/permissions"),
        list_calls: count("GET /access/users")
            + count("GET /access/groups")
            + count("GET /access/roles")
            + count("GET /access/acl"),
    })
}

/// The report section.
pub fn render(result: &AuditResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Access audit ({} identities)\n",
        result.identities
    );
    let _ = writeln!(
        out,
        "`terraform apply` of one `data \"pve_access_audit\"` over {} users and tokens (each with its own grants), against pve-sim.\n",
        result.identities
    );
    let _ = writeln!(out, "| What | Value |\n|---|---|");
    let _ = writeln!(out, "| Wall time | {} |", crate::secs(result.wall));
    let _ = writeln!(out, "| API requests in all | {} |", result.requests);
    let _ = writeln!(
        out,
        "| `GET /access/permissions` | {} |",
        result.permission_calls
    );
    let _ = writeln!(
        out,
        "| List calls (users, groups, roles, ACL) | {} |",
        result.list_calls
    );
    let per_identity = if result.identities == 0 {
        0.0
    } else {
        result.requests as f64 / result.identities as f64
    };
    let _ = writeln!(out, "| Requests per identity | {per_identity:.3} |");
    out
}
