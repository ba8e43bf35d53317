//! `pve_access_audit` end to end with real Terraform: a `check` block and an
//! output `precondition` fail on a risky grant (Administrator for a token)
//! and pass once the grant is narrowed; the report and the facts show what
//! PVE evaluates; `ignore` moves findings aside with their reason.

use pve_e2e::{Target, Workdir};

/// The configuration: a user, a privilege-separated token and one grant of
/// `role` on `path` to the token, audited for that user only.
fn config(user: &str, role: &str, path: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_user" "tool" {{
  user_id = "{user}"
}}
resource "pve_acl" "tool_user" {{
  path    = "/vms"
  role_id = "PVEVMUser"
  user_id = pve_user.tool.user_id
}}
resource "pve_user_token" "tool" {{
  user_id         = pve_user.tool.user_id
  token_name      = "deploy"
  expiration_date = "2099-01-01T00:00:00Z"
}}
resource "pve_acl" "tool_token" {{
  path     = "{path}"
  role_id  = "{role}"
  token_id = pve_user_token.tool.id
}}

data "pve_access_audit" "tool" {{
  user_id    = pve_user.tool.user_id
  depends_on = [pve_acl.tool_token, pve_acl.tool_user]

  ignore {{
    rule     = "duplicate-grant"
    identity = "{user}"
    reason   = "kept on purpose in this test"
  }}
}}

check "no_high_findings" {{
  assert {{
    condition     = data.pve_access_audit.tool.finding_counts["high"] == 0
    error_message = join("\n", [for f in data.pve_access_audit.tool.findings : "${{f.rule}} ${{f.identity}} ${{coalesce(f.path, "-")}}: ${{f.message}}" if f.severity == "high"])
  }}
}}

output "report" {{
  value = data.pve_access_audit.tool.report_markdown
  precondition {{
    condition     = data.pve_access_audit.tool.finding_counts["high"] == 0
    error_message = "High findings: ${{join(", ", [for f in data.pve_access_audit.tool.findings : f.rule if f.severity == "high"])}}"
  }}
}}
output "audit" {{
  value = data.pve_access_audit.tool
}}
"#
    )
}

#[test]
fn a_check_fails_on_a_risky_grant_and_passes_once_it_is_fixed() {
    let target = Target::start();
    let user = format!("{}@pve", target.unique("audited"));
    let token = format!("{user}!deploy");
    let workdir = Workdir::new(&target);

    // Risky: the token holds Administrator (intersected with its user's
    // PVEVMUser, but the grant itself is what the rule reports).
    workdir.config(&config(&user, "Administrator", "/vms/100"));
    let run = workdir.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let output = run.all_output();
    assert_ne!(run.code, 0, "the precondition must fail the run:\n{output}");
    assert!(
        output.contains("High findings: token-administrator"),
        "{output}"
    );
    assert!(
        output.contains("Check block assertion failed"),
        "the check block must warn too:\n{output}"
    );
    assert!(
        output.contains(&format!("token-administrator {token} /vms/100")),
        "{output}"
    );

    // Fixed: the narrowest role on the same path.
    workdir.config(&config(&user, "PVEVMUser", "/vms/100"));
    let run = workdir.apply();
    let output = run.all_output();
    assert!(!output.contains("Check block assertion failed"), "{output}");
    workdir.assert_plan_empty();

    let outputs = workdir.outputs();
    let audit = &outputs["audit"]["value"];
    assert_eq!(audit["finding_counts"]["high"], 0, "{audit}");
    let ids: Vec<&str> = audit["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, [user.as_str(), token.as_str()]);
    let token_facts = &audit["identities"][1];
    assert_eq!(token_facts["type"], "token");
    assert_eq!(token_facts["privileges_separation"], true);
    assert_eq!(token_facts["expiration_date"], "2099-01-01T00:00:00Z");
    // PVE's evaluation: the token's PVEVMUser on /vms/100 intersected with
    // its user's PVEVMUser propagated from /vms.
    let on_vm = token_facts["privileges"]["/vms/100"]
        .as_array()
        .expect("privileges on /vms/100");
    assert!(on_vm.iter().any(|p| p == "VM.PowerMgmt"), "{token_facts}");
    assert!(!on_vm.iter().any(|p| p == "VM.Allocate"), "{token_facts}");
    // The user's own entry on /vms is not a duplicate of anything; the
    // ignore block matched nothing, and nothing else fired for the user.
    assert_eq!(audit["ignored_findings"], serde_json::json!([]), "{audit}");

    let report = outputs["report"]["value"].as_str().expect("report");
    assert!(report.starts_with("# Access audit"), "{report}");
    assert!(report.contains(&format!("| `{token}` |")), "{report}");
    assert!(report.contains("**PVEVMUser**"), "{report}");

    workdir.destroy();
}

#[test]
fn ignore_blocks_move_findings_aside_and_bad_ignores_are_refused() {
    let target = Target::start();
    let user = format!("{}@pve", target.unique("ignored"));
    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_user" "tool" {{
  user_id = "{user}"
}}
resource "pve_user_token" "idle" {{
  user_id    = pve_user.tool.user_id
  token_name = "idle"
}}
data "pve_access_audit" "tool" {{
  user_id    = pve_user.tool.user_id
  depends_on = [pve_user_token.idle]
  ignore {{
    rule   = "token-no-expiry"
    reason = "rotated by the pipeline"
  }}
}}
output "audit" {{
  value = data.pve_access_audit.tool
}}
"#
    ));
    workdir.apply();
    let audit = &workdir.outputs()["audit"]["value"];
    let rules = |name: &str| -> Vec<String> {
        audit[name]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap_or(""),
                    f["identity"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let token = format!("{user}!idle");
    assert_eq!(rules("findings"), [format!("token-without-grants {token}")]);
    assert_eq!(
        rules("ignored_findings"),
        [format!("token-no-expiry {token}")]
    );
    assert_eq!(
        audit["ignored_findings"][0]["reason"],
        "rotated by the pipeline"
    );
    assert_eq!(audit["finding_counts"]["low"], 1);

    // An unknown rule id is a plan-time error naming the block and the ids.
    let text = std::fs::read_to_string(workdir.path().join("main.tf")).expect("main.tf");
    workdir.config(&text.replace("token-no-expiry", "token-no-expiration"));
    let run = workdir.plan();
    let output = run.all_output();
    assert_eq!(run.code, 1, "{output}");
    assert!(
        output.contains("`token-no-expiration` is not a rule id"),
        "{output}"
    );
    assert!(output.contains("token-no-expiry"), "{output}");

    workdir.config(&text);
    workdir.destroy();
}

/// `examples/access-audit` as a CI job would run it: the gate fails the
/// apply on a risky grant made outside Terraform, the report is still
/// written, and the same job passes once the grant is gone.
#[test]
fn the_example_gate_fails_the_run_and_still_writes_the_report() {
    use proxmox_client::{AclPrincipal, AclUpdate, CreateToken, CreateUser, UserId};

    let target = Target::start();
    let user: UserId = format!("{}@pve", target.unique("gated"))
        .parse()
        .expect("user id");
    let grant = target.block_on(async {
        let client = target.client();
        client
            .users()
            .create(&user, &CreateUser::default())
            .await
            .expect("user");
        let token = client
            .tokens(&user)
            .create(
                &"tool".parse().expect("token name"),
                &CreateToken::default(),
            )
            .await
            .expect("token");
        let grant = AclUpdate {
            path: proxmox_client::AclPath::root(),
            roles: vec!["Administrator".parse().expect("role")],
            principals: vec![AclPrincipal::Token(token.id)],
            propagate: Some(true),
        };
        client.acl().grant(&grant).await.expect("grant");
        grant
    });

    let workdir = Workdir::new(&target);
    let example = pve_e2e::terraform::repo_root().join("examples/access-audit/main.tf");
    workdir.config(&std::fs::read_to_string(example).expect("example"));
    // realm = pve: the test harness's own root@pam token is not audited.
    let apply = [
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-var",
        "realm=pve",
    ];
    let run = workdir.run(&apply);
    let output = run.all_output();
    assert_ne!(run.code, 0, "the gate must fail the run:\n{output}");
    assert!(
        output.contains("The access audit has findings of severity high"),
        "{output}"
    );
    assert!(
        output.contains(&format!("token-administrator {user}!tool")),
        "{output}"
    );
    let report = workdir.ok(&["output", "-raw", "access_report"]).stdout;
    assert!(report.contains("`token-administrator`"), "{report}");

    target.block_on(async {
        target.client().acl().revoke(&grant).await.expect("revoke");
    });
    let run = workdir.ok(&apply);
    assert!(
        !run.all_output().contains("Check block assertion failed"),
        "{}",
        run.all_output()
    );
    let report = workdir.ok(&["output", "-raw", "access_report"]).stdout;
    assert!(!report.contains("`token-administrator`"), "{report}");
    assert!(report.contains("`token-without-grants`"), "{report}");
}
