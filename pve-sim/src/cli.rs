//! Command line of the `pve-sim` binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::faults::FaultConfig;
use crate::inventory::Inventory;
use crate::sim::SimOptions;

/// A faithful Proxmox VE 9 access-control API simulator.
///
/// When ready it prints one JSON line to stdout:
/// `{"url": …, "fingerprint": …, "ca_cert": …, "nodes": [{"name": …,
/// "url": …, "fingerprint": …}, …]}`; logs go to stderr.
#[derive(Debug, Clone, Parser)]
#[command(name = "pve-sim", version)]
pub struct Cli {
    /// Address to listen on (`127.0.0.1:0` picks a free port). With
    /// `--nodes N`, node i listens on this port + i - 1 (each on a free
    /// port with port 0).
    #[arg(long, default_value = "127.0.0.1:8006")]
    pub listen: SocketAddr,
    /// Number of cluster nodes sharing one configuration, each with its own
    /// listener and certificate (named pve1 … pveN, or after the first N
    /// nodes of --inventory). 1 = a single node `pve`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub nodes: u16,
    /// State directory (user.cfg, priv/token.cfg, …); default: a temporary
    /// directory removed on exit.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Password of root@pam (required; never logged). The library API
    /// generates a random one instead when none is given.
    #[arg(long, env = "PVE_SIM_ROOT_PASSWORD", hide_env_values = true)]
    pub root_password: Option<String>,
    /// Write a pveproxy-format access log to this file.
    #[arg(long)]
    pub access_log: Option<PathBuf>,
    /// PEM certificate chain to serve instead of a generated one.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Also write the server certificate fingerprint (AA:BB:…) to this file.
    #[arg(long)]
    pub fingerprint_file: Option<PathBuf>,
    /// Where to write the PEM clients should trust (default: in the state dir).
    #[arg(long)]
    pub ca_cert_file: Option<PathBuf>,
    /// Seconds a write waits for the config lock before PVE's
    /// "got lock request timeout" error.
    #[arg(long, default_value_t = 10.0)]
    pub lock_timeout: f64,
    /// Seconds to wait before each 401 (PVE: 3).
    #[arg(long, default_value_t = 0.0)]
    pub auth_failure_delay: f64,
    /// Let any loopback client use the /_sim admin endpoints without
    /// root@pam authentication (e.g. for curl in a throw-away setup).
    #[arg(long)]
    pub open_sim_admin: bool,
    /// Inventory of nodes, guests and storages (JSON; see the README and
    /// inventory.example.json). Default: one node `pve`, storages `local`
    /// and `local-lvm`, a few VMs and containers.
    #[arg(long)]
    pub inventory: Option<PathBuf>,
    /// Fault: extra latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub fault_latency_ms: u64,
    /// Fault: fraction (0..1) of requests that fail with --fault-error-status.
    #[arg(long, default_value_t = 0.0)]
    pub fault_error_rate: f64,
    /// Fault: status of injected failures.
    #[arg(long, default_value_t = 500)]
    pub fault_error_status: u16,
    /// Fault: message of injected failures.
    #[arg(long, default_value = "simulated failure")]
    pub fault_error_message: String,
    /// Fault: every write fails with the cfs-lock timeout error.
    #[arg(long)]
    pub fault_lock_timeout: bool,
    /// Fault: fraction of requests whose connection is dropped unanswered.
    #[arg(long, default_value_t = 0.0)]
    pub fault_drop_rate: f64,
    /// Fault: fraction of successful writes committed, then dropped.
    #[arg(long, default_value_t = 0.0)]
    pub fault_drop_after_commit_rate: f64,
    /// Fault: instead of dropping those connections, answer this gateway
    /// status (502, 503 or 504; 0 = drop).
    #[arg(long, default_value_t = 0)]
    pub fault_after_commit_status: u16,
    /// Fault: seed for the random decisions.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Fault: only paths (relative to /api2/json) with this prefix.
    #[arg(long, default_value = "")]
    pub fault_path_prefix: String,
}

fn seconds(name: &str, value: f64) -> Result<Duration, String> {
    if value.is_finite() && value >= 0.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(format!(
            "--{name} must be a non-negative number of seconds, got {value}"
        ))
    }
}

impl Cli {
    /// Turn the arguments into [`SimOptions`].
    pub fn into_options(self) -> Result<SimOptions, String> {
        let faults = FaultConfig {
            latency_ms: self.fault_latency_ms,
            error_rate: self.fault_error_rate,
            error_status: self.fault_error_status,
            error_message: self.fault_error_message,
            lock_timeout: self.fault_lock_timeout,
            drop_rate: self.fault_drop_rate,
            drop_after_commit_rate: self.fault_drop_after_commit_rate,
            after_commit_status: self.fault_after_commit_status,
            seed: self.fault_seed,
            path_prefix: self.fault_path_prefix,
        };
        faults
            .validate()
            .map_err(|e| format!("fault options: {e}"))?;
        let root_password = self
            .root_password
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                "a root@pam password is required: pass --root-password or set PVE_SIM_ROOT_PASSWORD"
                    .to_string()
            })?;
        let inventory = match &self.inventory {
            Some(path) => Inventory::load(path).map_err(|e| format!("--inventory: {e}"))?,
            None => Inventory::demo(),
        };
        Ok(SimOptions {
            listen: self.listen,
            state_dir: self.state_dir,
            root_password,
            access_log: self.access_log,
            tls_cert: self.tls_cert,
            tls_key: self.tls_key,
            ca_cert_file: self.ca_cert_file,
            lock_timeout: seconds("lock-timeout", self.lock_timeout)?,
            faults,
            auth_failure_delay: seconds("auth-failure-delay", self.auth_failure_delay)?,
            open_sim_admin: self.open_sim_admin,
            inventory,
            nodes: usize::from(self.nodes),
        })
    }
}
