//! `pve-sim`: serve the simulator until SIGTERM/SIGINT.

use std::process::ExitCode;

use clap::Parser as _;
use pve_sim::cli::Cli;

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PVE_SIM_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let fingerprint_file = cli.fingerprint_file.clone();
    let options = match cli.into_options() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("pve-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let sim = match pve_sim::start(options).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("pve-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = fingerprint_file
        && let Err(e) = std::fs::write(&path, format!("{}\n", sim.fingerprint()))
    {
        eprintln!("pve-sim: writing {}: {e}", path.display());
        sim.shutdown().await;
        return ExitCode::FAILURE;
    }
    let nodes: Vec<serde_json::Value> = sim
        .nodes()
        .into_iter()
        .map(|n| serde_json::json!({ "name": n.name, "url": n.url, "fingerprint": n.fingerprint }))
        .collect();
    let ready = serde_json::json!({
        "url": sim.url(),
        "fingerprint": sim.fingerprint(),
        "ca_cert": sim.ca_cert_path().display().to_string(),
        "nodes": nodes,
    });
    println!("{ready}");
    wait_for_signal().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}
