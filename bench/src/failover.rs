//! What a dead first endpoint costs: a refreshing `plan` of the 1,000-object
//! configuration against a three-node pve-sim cluster, with every node in
//! `endpoints`, while the first node is healthy, refuses connections
//! (`down`), or accepts connections and never answers (`hang`).
//!
//! The provider runs with `timeout = 5` (seconds): a hanging node costs one
//! such timeout per provider process before the failover layer skips it.

use std::time::{Duration, Instant};

use pve_e2e::{Target, Workdir};
use pve_sim::NodeState;

use crate::secs;

/// Provider timeout for this scenario, in seconds.
const TIMEOUT_SECS: u64 = 5;

/// One scenario: the median wall time and where the requests went.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: &'static str,
    pub wall: Duration,
    /// Requests each node received during the last run (pve1, pve2, pve3).
    pub requests: [u64; 3],
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct FailoverResult {
    pub objects: usize,
    pub runs: usize,
    pub scenarios: Vec<Scenario>,
}

/// Applies `per_type` objects of each type, then times `runs` refreshing
/// plans per first-node state.
pub fn run(per_type: usize, parallelism: usize, runs: usize) -> Result<FailoverResult, String> {
    let target = Target::start_cluster(3);
    let sim = target.sim().ok_or("the benchmark needs the simulator")?;
    let work = Workdir::cluster(&target);
    let config = crate::scale::config(per_type).replace(
        "provider \"pve\" {}",
        &format!("provider \"pve\" {{\n  timeout = {TIMEOUT_SECS}\n}}"),
    );
    work.config(&config);
    let parallelism = format!("-parallelism={parallelism}");
    let apply = work.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &parallelism,
    ]);
    if apply.code != 0 {
        return Err(format!("apply failed:\n{}", apply.all_output()));
    }
    let states = [
        ("all nodes healthy", NodeState::Up),
        ("first node down (refuses connections)", NodeState::Down),
        ("first node hanging (never answers)", NodeState::Hang),
    ];
    // Rounds interleave the three states, so that all three see the same
    // machine load (the runs share two cores with everything else).
    let mut walls: Vec<Vec<Duration>> = vec![Vec::new(); states.len()];
    let mut requests = vec![[0u64; 3]; states.len()];
    for _ in 0..runs {
        for (index, (name, state)) in states.iter().enumerate() {
            target
                .block_on(sim.set_node_state("pve1", *state))
                .map_err(|e| format!("set pve1 {state:?}: {e}"))?;
            let before = sim.stats();
            let started = Instant::now();
            let plan = work.run(&[
                "plan",
                "-detailed-exitcode",
                "-input=false",
                "-no-color",
                &parallelism,
            ]);
            walls[index].push(started.elapsed());
            if plan.code != 0 {
                return Err(format!(
                    "plan ({name}) exited {}:\n{}",
                    plan.code,
                    plan.all_output()
                ));
            }
            let after = sim.stats();
            for (n, node) in ["pve1", "pve2", "pve3"].iter().enumerate() {
                let (a, b) = (after.node(node), before.node(node));
                requests[index][n] = (a.reads + a.writes).saturating_sub(b.reads + b.writes);
            }
        }
    }
    let scenarios = states
        .iter()
        .zip(walls)
        .zip(requests)
        .map(|(((name, _), mut walls), requests)| {
            walls.sort();
            Scenario {
                name,
                wall: walls[walls.len() / 2],
                requests,
            }
        })
        .collect();
    target
        .block_on(sim.set_node_state("pve1", NodeState::Up))
        .map_err(|e| e.to_string())?;
    Ok(FailoverResult {
        objects: per_type * 4,
        runs,
        scenarios,
    })
}

/// The Markdown section.
pub fn render(result: &FailoverResult) -> String {
    let healthy = result.scenarios.first().map(|s| s.wall).unwrap_or_default();
    let mut text = format!(
        "\n## Failover: refresh of {} objects with a dead first endpoint (3-node pve-sim, `endpoints` = all three, `timeout = {TIMEOUT_SECS}`, median of {} runs)\n\n| First node | Wall | Extra vs healthy | Requests pve1 / pve2 / pve3 |\n|---|---|---|---|\n",
        result.objects, result.runs
    );
    for scenario in &result.scenarios {
        let extra = scenario.wall.as_secs_f64() - healthy.as_secs_f64();
        text.push_str(&format!(
            "| {} | {} | {:+.2} s | {} / {} / {} |\n",
            scenario.name,
            secs(scenario.wall),
            extra,
            scenario.requests[0],
            scenario.requests[1],
            scenario.requests[2],
        ));
    }
    text.push_str(
        "\nA refused connection costs microseconds; a hanging node costs one `timeout` per provider process (the first request tests it, concurrent ones wait for that verdict, then everything goes to the next node for `endpoint_cooldown`). pve-sim counts no request on a hanging node: nothing is ever read from its connections.\n",
    );
    text
}
