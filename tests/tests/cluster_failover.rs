//! Several endpoints against a three-node pve-sim cluster, with the real
//! Terraform CLI: a node dies part-way through a large apply, hangs from the
//! start, loses quorum, or every node is down.
//!
//! The provider gets every node through `PROXMOX_VE_ENDPOINTS` and a short
//! `timeout`, so that a hanging node costs 2 s, not 60.

use std::collections::BTreeSet;
use std::thread;
use std::time::Duration;

use pve_e2e::target::Target;
use pve_e2e::terraform::{Run, Workdir};
use pve_sim::NodeState;

/// `provider "pve"` with a short timeout and few retries (fast failures).
const PROVIDER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}

provider "pve" {
  timeout     = 2
  max_retries = 1
}
"#;

/// `count` users, each with one token; the token values are outputs.
fn users_and_tokens(prefix: &str, count: usize) -> String {
    format!(
        r#"{PROVIDER}
resource "pve_user" "u" {{
  count   = {count}
  user_id = "{prefix}${{count.index}}@pve"
  comment = "failover test"
}}

resource "pve_user_token" "t" {{
  count      = {count}
  user_id    = pve_user.u[count.index].user_id
  token_name = "ci"
  comment    = "failover test"
}}

output "token_values" {{
  value     = pve_user_token.t[*].value
  sensitive = true
}}
"#
    )
}

fn sim(target: &Target) -> &pve_sim::RunningSim {
    target.sim().expect("cluster tests run against pve-sim")
}

/// A token secret from the state logs in (on pve2, which stayed up).
fn assert_authenticates_on_pve2(target: &Target, value: &str) {
    let client = proxmox_client::Client::builder(target.node_urls()[1].as_str())
        .api_token(value.parse().expect("token value"))
        .ca_pem(sim(target).ca_cert_pem().to_string())
        .build()
        .expect("token client");
    target
        .block_on(client.version())
        .expect("the token secret in the state authenticates");
}

/// Runs `terraform apply` and, once `ready()` holds (observed progress, not
/// time) while it is still running, runs `before_down` and takes pve1 down.
fn apply_taking_pve1_down(
    target: &Target,
    work: &Workdir,
    ready: impl Fn() -> bool,
    before_down: impl FnOnce(),
) -> Run {
    thread::scope(|scope| {
        let running =
            scope.spawn(|| work.run(&["apply", "-auto-approve", "-input=false", "-no-color"]));
        while !ready() && !running.is_finished() {
            thread::sleep(Duration::from_millis(5));
        }
        assert!(
            !running.is_finished(),
            "the apply finished before pve1 could be taken down"
        );
        before_down();
        target
            .block_on(sim(target).set_node_state("pve1", NodeState::Down))
            .expect("take pve1 down");
        running.join().expect("terraform apply thread")
    })
}

/// Applied writes per node: writes received minus those refused for lack of quorum.
fn applied_writes(target: &Target, node: &str) -> u64 {
    let counts = sim(target).stats().node(node);
    counts.writes - counts.refused
}

#[test]
fn an_apply_converges_when_the_first_node_dies_part_way() {
    let target = Target::start_cluster(3);
    let work = Workdir::cluster(&target);
    let prefix = target.unique("fo");
    let count = 100; // 100 users + 100 tokens = 200 objects
    work.config(&users_and_tokens(&prefix, count));

    // Take pve1 down once it has applied a quarter of the writes.
    let apply = apply_taking_pve1_down(
        &target,
        &work,
        || applied_writes(&target, "pve1") >= 50,
        || {},
    );
    assert_eq!(apply.code, 0, "apply failed:\n{}", apply.all_output());
    let (pve1, pve2) = (
        applied_writes(&target, "pve1"),
        applied_writes(&target, "pve2"),
    );
    assert!(pve1 >= 50 && pve2 > 0, "pve1 {pve1}, pve2 {pve2} writes");
    assert_eq!(applied_writes(&target, "pve3"), 0, "pve2 took over alone");

    // Server state equals the configuration: every user once, one token each.
    let check = target.client_for_node(&target.node_urls()[2]);
    let users: Vec<String> = target
        .block_on(check.users().list())
        .expect("list users")
        .into_iter()
        .map(|user| user.userid.to_string())
        .filter(|id| id.starts_with(&prefix))
        .collect();
    let unique: BTreeSet<&String> = users.iter().collect();
    assert_eq!((users.len(), unique.len()), (count, count), "{users:?}");
    for user in &users {
        let tokens = target
            .block_on(check.tokens(&user.parse().expect("user id")).list())
            .expect("list tokens");
        assert_eq!(tokens.len(), 1, "{user}: {tokens:?}");
    }
    // No lost secret: every token value in the state authenticates.
    let outputs = work.outputs();
    let values = outputs["token_values"]["value"]
        .as_array()
        .expect("token_values output");
    assert_eq!(values.len(), count);
    for value in values {
        assert_authenticates_on_pve2(&target, value.as_str().expect("token value in state"));
    }
    work.assert_plan_empty();
}

/// pve1 dies while a token create is in flight, before PVE applied it. The
/// answer is lost, so the provider reads the token back from pve2, finds
/// it absent (a definite "does not exist": nothing was applied), and sends
/// the create once more, to pve2: one apply converges, with a working
/// secret, where a second apply used to be needed.
#[test]
fn a_create_cut_off_by_a_dying_node_is_sent_again_within_one_apply() {
    let target = Target::start_cluster(3);
    let work = Workdir::cluster(&target);
    let prefix = target.unique("cut");
    work.config(&users_and_tokens(&prefix, 1));
    let token_creates = || {
        sim(&target)
            .stats()
            .by_route
            .get("POST /access/users/{userid}/token/{tokenid}")
            .copied()
            .unwrap_or(0)
    };
    // The token create stalls in pve1 (before PVE handles it) until the
    // node is taken down under it.
    sim(&target).set_faults(pve_sim::FaultConfig {
        latency_ms: 60_000,
        path_prefix: format!("/access/users/{prefix}0@pve/token/ci"),
        ..Default::default()
    });
    // Faults off first: the read-back and the second create must not stall.
    let apply = apply_taking_pve1_down(
        &target,
        &work,
        || token_creates() > 0,
        || sim(&target).set_faults(pve_sim::FaultConfig::default()),
    );
    assert_eq!(apply.code, 0, "one apply:\n{}", apply.all_output());
    assert_eq!(token_creates(), 2, "sent to pve1, then once more to pve2");
    assert_eq!(sim(&target).stats().node("pve3").writes, 0);
    let check = target.client_for_node(&target.node_urls()[1]);
    let user: proxmox_client::UserId = format!("{prefix}0@pve").parse().expect("user id");
    let tokens = target
        .block_on(check.tokens(&user).list())
        .expect("list tokens");
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let value = work.resource_attributes("pve_user_token.t")["value"].clone();
    assert_authenticates_on_pve2(&target, value.as_str().expect("token value in state"));
    work.assert_plan_empty();
}

#[test]
fn a_hanging_first_node_costs_one_timeout_per_run() {
    let target = Target::start_cluster(3);
    let mut work = Workdir::cluster(&target);
    let prefix = target.unique("hang");
    work.config(&users_and_tokens(&prefix, 20));
    work.apply();

    target
        .block_on(sim(&target).set_node_state("pve1", NodeState::Hang))
        .expect("let pve1 hang");
    let log = work.path().join("provider.log");
    work.set_env("TF_LOG_PROVIDER", "WARN");
    work.set_env("TF_LOG_PATH", log.to_str().expect("UTF-8 path"));
    let reads_before = sim(&target).stats().node("pve2").reads;
    work.assert_plan_empty();
    let log = std::fs::read_to_string(&log).expect("provider log");
    let failovers: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("failing over to the next endpoint"))
        .collect();
    assert_eq!(
        failovers.len(),
        1,
        "one request waits out pve1's timeout; the rest go straight to pve2:\n{}",
        failovers.join("\n")
    );
    assert!(
        failovers[0].contains(&target.node_urls()[0]),
        "{}",
        failovers[0]
    );
    assert!(
        sim(&target).stats().node("pve2").reads > reads_before,
        "the refresh was served by pve2"
    );
    assert_eq!(sim(&target).stats().node("pve3").reads, 0);
}

#[test]
fn a_node_without_quorum_applies_no_write() {
    let target = Target::start_cluster(3);
    let work = Workdir::cluster(&target);
    target
        .block_on(sim(&target).set_node_state("pve1", NodeState::NoQuorum))
        .expect("take pve1's quorum");
    // The harness created its admin token through pve1 before.
    let before = sim(&target).stats().node("pve1");
    let prefix = target.unique("nq");
    work.config(&users_and_tokens(&prefix, 10));
    work.apply();
    let pve1 = sim(&target).stats().node("pve1");
    assert_eq!(
        pve1.writes - before.writes,
        pve1.refused,
        "pve1 applied no write: {pve1:?}"
    );
    assert_eq!(pve1.refused, 1, "one refusal marks pve1: {pve1:?}");
    assert_eq!(applied_writes(&target, "pve2"), 20);
    work.assert_plan_empty();
}

#[test]
fn all_nodes_down_is_one_error_listing_every_node() {
    let target = Target::start_cluster(3);
    let work = Workdir::cluster(&target);
    let prefix = target.unique("down");
    work.config(&users_and_tokens(&prefix, 1));
    for node in ["pve1", "pve2", "pve3"] {
        target
            .block_on(sim(&target).set_node_state(node, NodeState::Down))
            .expect("take the node down");
    }
    let run = work.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    // Terraform wraps long diagnostic lines: compare with folded whitespace.
    let output = run
        .all_output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        output.contains("none of the 3 PVE endpoints could serve"),
        "{output}"
    );
    for url in target.node_urls() {
        assert!(output.contains(&url), "{url} missing:\n{output}");
    }
    assert!(
        output.contains("Every node in `endpoints` failed"),
        "{output}"
    );
}

#[test]
fn endpoint_and_endpoints_together_are_refused_naming_both() {
    let target = Target::start_cluster(2);
    let urls = target.node_urls();
    let work = Workdir::cluster(&target);
    work.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}

provider "pve" {{
  endpoint  = "{first}"
  endpoints = ["{first}", "{second}"]
}}

data "pve_version" "v" {{}}
"#,
        first = urls[0],
        second = urls[1]
    ));
    let run = work.run(&["plan", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    let output = run
        .all_output()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        output.contains("Both endpoint and endpoints are set")
            && output.contains("Set exactly one of `endpoint` (one node) and `endpoints`"),
        "{output}"
    );
}
