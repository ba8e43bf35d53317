//! `make bench`: provider start-up and schema latency, then the 1,000-object
//! apply / plan / destroy against pve-sim, without and with injected latency.
//! Prints a Markdown report (and writes it to `BENCH_OUTPUT` when set).
//!
//! Sizes come from the environment so a quick run is easy:
//! `BENCH_GO_PEER` (the Go provider binary to compare start-up with),
//! `BENCH_OBJECTS` (default 1000, split evenly over users, tokens, roles and
//! ACLs), `BENCH_PARALLELISM` (10), `BENCH_LATENCY_MS` (20; 0 skips the
//! latency run), `BENCH_STARTUP_RUNS` (20), `BENCH_SIM_THROUGHPUT` (a file
//! holding `cargo bench -p pve-sim` output to include), `BENCH_AUDIT_USERS`
//! (250: users with one token each for the access-audit run; 0 skips it),
//! `BENCH_FAILOVER_RUNS` (3 refreshes per first-node state in the failover
//! run; 0 skips it). `BENCH_ONLY=failover` runs the failover section alone.

mod audit;
mod failover;
mod procfs;
mod report;
mod scale;
mod startup;

use std::time::Duration;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn main() {
    if let Err(error) = run() {
        eprintln!("pve-bench: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    if std::env::var("BENCH_ONLY").as_deref() == Ok("failover") {
        let objects = env_number("BENCH_OBJECTS", 1000).max(4) as usize;
        let parallelism = env_number("BENCH_PARALLELISM", 10).max(1) as usize;
        let runs = env_number("BENCH_FAILOVER_RUNS", 3).max(1) as usize;
        let text = failover::render(&failover::run(objects / 4, parallelism, runs)?);
        println!("{text}");
        return Ok(());
    }
    let objects = env_number("BENCH_OBJECTS", 1000).max(4) as usize;
    let parallelism = env_number("BENCH_PARALLELISM", 10).max(1) as usize;
    let latency_ms = env_number("BENCH_LATENCY_MS", 20);
    let startup_runs = env_number("BENCH_STARTUP_RUNS", 20).max(1) as usize;

    let binary = pve_e2e::terraform::provider_dir().join("terraform-provider-pve");
    let peer = go_peer();
    eprintln!(
        "pve-bench: provider start-up, {startup_runs} runs{}",
        if peer.is_ok() {
            ", alternating with the Go peer"
        } else {
            ""
        }
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut samples = Vec::new();
    let mut peer_samples = Vec::new();
    let mut peer_error = peer.as_ref().err().cloned();
    for _ in 0..startup_runs {
        samples.push(startup::sample(&runtime, &binary)?);
        // Alternate, so both see the same machine load.
        if let (Ok(peer), None) = (&peer, &peer_error) {
            match startup::sample(&runtime, peer) {
                Ok(sample) => peer_samples.push(sample),
                Err(error) => peer_error = Some(format!("{}: {error}", peer.display())),
            }
        }
    }
    drop(runtime);
    if peer_error.is_some() {
        peer_samples.clear();
    }

    let per_type = objects / 4;
    let mut scale_results = Vec::new();
    eprintln!(
        "pve-bench: {} objects, parallelism {parallelism}",
        per_type * 4
    );
    scale_results.push(scale::run(scale::ScaleOptions {
        per_type,
        parallelism,
        latency_ms: 0,
    })?);
    if latency_ms > 0 {
        eprintln!("pve-bench: again with {latency_ms} ms of injected latency");
        scale_results.push(scale::run(scale::ScaleOptions {
            per_type,
            parallelism,
            latency_ms,
        })?);
    }

    let throughput = std::env::var("BENCH_SIM_THROUGHPUT")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok());
    let mut text = report::render(&report::Inputs {
        binary: &binary,
        startup: &samples,
        peer: match &peer_error {
            None => Ok(&peer_samples),
            Some(error) => Err(error.as_str()),
        },
        scale: &scale_results,
        sim_throughput: throughput.as_deref(),
    });
    let audit_users = env_number("BENCH_AUDIT_USERS", 250) as usize;
    if audit_users > 0 {
        eprintln!("pve-bench: access audit over {audit_users} users and their tokens");
        text.push_str(&audit::render(&audit::run(audit_users)?));
    }
    let failover_runs = env_number("BENCH_FAILOVER_RUNS", 3) as usize;
    if failover_runs > 0 {
        eprintln!(
            "pve-bench: failover, refresh of {} objects with the first of three endpoints dead",
            per_type * 4
        );
        text.push_str(&failover::render(&failover::run(
            per_type,
            parallelism,
            failover_runs,
        )?));
    }
    println!("{text}");
    if let Ok(path) = std::env::var("BENCH_OUTPUT") {
        std::fs::write(&path, &text).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("pve-bench: report written to {path}");
    }
    Ok(())
}

/// The Go provider to compare start-up with: `BENCH_GO_PEER` (set by
/// `make bench` from `tools/install-go-peer.sh`), or why there is none.
fn go_peer() -> Result<std::path::PathBuf, String> {
    match std::env::var_os("BENCH_GO_PEER").filter(|p| !p.is_empty()) {
        Some(path) if std::path::Path::new(&path).is_file() => Ok(path.into()),
        Some(path) => Err(format!(
            "{} does not exist",
            std::path::Path::new(&path).display()
        )),
        None => Err(
            "not installed (BENCH_GO_PEER unset; `tools/install-go-peer.sh` installs it from PyPI)"
                .into(),
        ),
    }
}

/// Seconds with millisecond precision, for tables.
pub fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}
