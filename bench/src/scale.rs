//! The 1,000-object scenario: `terraform apply`, a refreshing `plan` and
//! `destroy` of users, tokens, custom roles and ACL entries against an
//! in-process pve-sim, measuring wall time, API requests, and the CPU time
//! and peak memory of Terraform, the provider and the simulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pve_e2e::terraform::{provider_dir, terraform_bin};
use pve_e2e::{Target, Workdir};

use crate::procfs::{Sampler, Usage, clock_ticks, usage};

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct ScaleOptions {
    /// Objects of each of the four types (250 gives 1,000 in all).
    pub per_type: usize,
    /// `terraform -parallelism`.
    pub parallelism: usize,
    /// Latency injected into every simulator request.
    pub latency_ms: u64,
}

/// Figures for one Terraform command.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    /// The command, e.g. `apply`.
    pub name: String,
    pub wall: Duration,
    /// API requests the simulator received (under `/api2`).
    pub requests: u64,
    /// Of which POST/PUT/DELETE (serialised by the provider).
    pub writes: u64,
    /// Collection list calls (`GET /access/acl`, `/access/users`,
    /// `/access/roles`, `/access/groups`, `/pools`).
    pub list_reads: u64,
    /// CPU seconds of the Terraform process.
    pub terraform_cpu: f64,
    /// CPU seconds of all provider processes Terraform started.
    pub provider_cpu: f64,
    /// CPU seconds of this process (the simulator, plus sampling overhead).
    pub simulator_cpu: f64,
    /// The largest `VmHWM` among the provider processes, in KiB.
    pub provider_peak_rss_kib: u64,
    /// How many provider processes Terraform started.
    pub provider_processes: usize,
}

/// The whole scenario's results.
#[derive(Debug, Clone)]
pub struct ScaleResult {
    pub options: ScaleOptions,
    pub objects: usize,
    pub apply: Measurement,
    pub plan: Measurement,
    pub destroy: Measurement,
}

/// The configuration: `n` of each type; every ACL grants a custom role to a
/// user on its own guest path.
pub fn config(n: usize) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_user" "u" {{
  count   = {n}
  user_id = "bench${{count.index}}@pve"
  comment = "benchmark user ${{count.index}}"
}}

resource "pve_user_token" "t" {{
  count      = {n}
  user_id    = pve_user.u[count.index].user_id
  token_name = "ci"
  comment    = "benchmark token"
}}

resource "pve_role" "r" {{
  count      = {n}
  role_id    = "BenchRole${{count.index}}"
  privileges = ["VM.Audit", "VM.Console"]
}}

resource "pve_acl" "a" {{
  count   = {n}
  path    = "/vms/${{1000 + count.index}}"
  role_id = pve_role.r[count.index].role_id
  user_id = pve_user.u[count.index].user_id
}}
"#
    )
}

/// Runs apply, plan and destroy once with `options`.
pub fn run(options: ScaleOptions) -> Result<ScaleResult, String> {
    let target = Target::start();
    let sim = target
        .sim()
        .ok_or("the benchmark needs the simulator (unset PVE_TEST_TARGET)")?;
    let workdir = Workdir::new(&target);
    let pids = workdir.path().join("provider-pids");
    install_wrapper(workdir.path(), &pids)?;
    workdir.config(&config(options.per_type));
    sim.set_faults(pve_sim::FaultConfig {
        latency_ms: options.latency_ms,
        ..Default::default()
    });
    let parallelism = format!("-parallelism={}", options.parallelism);
    let apply = measure(
        &target,
        &workdir,
        &pids,
        "apply",
        &[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &parallelism,
        ],
        0,
    )?;
    let plan = measure(
        &target,
        &workdir,
        &pids,
        "plan (refresh)",
        &[
            "plan",
            "-detailed-exitcode",
            "-input=false",
            "-no-color",
            &parallelism,
        ],
        0,
    )?;
    let destroy = measure(
        &target,
        &workdir,
        &pids,
        "destroy",
        &[
            "destroy",
            "-auto-approve",
            "-input=false",
            "-no-color",
            &parallelism,
        ],
        0,
    )?;
    sim.set_faults(pve_sim::FaultConfig::default());
    Ok(ScaleResult {
        options,
        objects: options.per_type * 4,
        apply,
        plan,
        destroy,
    })
}

/// Points `dev_overrides` at a wrapper that records each provider pid and
/// then execs the real binary (same pid, so `/proc/<pid>` is the provider).
fn install_wrapper(dir: &Path, pid_file: &Path) -> Result<(), String> {
    let wrapper_dir = dir.join("provider-wrapper");
    std::fs::create_dir_all(&wrapper_dir).map_err(|e| e.to_string())?;
    let real = provider_dir().join("terraform-provider-pve");
    let script = wrapper_dir.join("terraform-provider-pve");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ >> '{}'\nexec '{}' \"$@\"\n",
            pid_file.display(),
            real.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    make_executable(&script)?;
    std::fs::write(
        dir.join(".terraformrc"),
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/pve-rs/pve\" = \"{}\"\n  }}\n}}\n",
            wrapper_dir.display()
        ),
    )
    .map_err(|e| e.to_string())
}

fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())
}

/// Terraform with the same environment `Workdir` uses.
pub fn terraform_command(target: &Target, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(terraform_bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PROXMOX_VE_") {
            command.env_remove(key);
        }
    }
    command
        .args(args)
        .current_dir(dir)
        .env_remove("TF_LOG")
        .env("TF_CLI_CONFIG_FILE", dir.join(".terraformrc"))
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .envs(target.provider_env());
    command
}

fn measure(
    target: &Target,
    workdir: &Workdir,
    pid_file: &PathBuf,
    name: &str,
    args: &[&str],
    expected_code: i32,
) -> Result<Measurement, String> {
    let sim = target.sim().ok_or("no simulator")?;
    let _ = std::fs::remove_file(pid_file);
    let ticks = clock_ticks();
    let before = sim.stats();
    let self_before = usage("self", ticks).unwrap_or_default();
    let log = workdir
        .path()
        .join(format!("{}.log", name.replace(' ', "_")));
    let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = terraform_command(target, workdir.path(), args)
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .map_err(|e| format!("run terraform: {e}"))?;
    let terraform_pid = child.id().to_string();
    let sampler = Sampler::start(vec![terraform_pid.clone()], pid_file.clone());
    let status = child.wait().map_err(|e| e.to_string())?;
    let wall = started.elapsed();
    let samples = sampler.finish();
    let self_after = usage("self", ticks).unwrap_or_default();
    let after = sim.stats();
    if status.code() != Some(expected_code) {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String = text
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(format!(
            "terraform {name} exited with {status} (expected {expected_code}):\n{tail}"
        ));
    }
    let delta = |key: &str| after.count(key).saturating_sub(before.count(key));
    let writes = after
        .by_route
        .keys()
        .filter(|k| k.starts_with("POST ") || k.starts_with("PUT ") || k.starts_with("DELETE "))
        .map(|k| delta(k))
        .sum();
    let terraform = samples.get(&terraform_pid).copied().unwrap_or_default();
    let providers: Vec<Usage> = samples
        .iter()
        .filter(|(pid, _)| **pid != terraform_pid)
        .map(|(_, u)| *u)
        .collect();
    Ok(Measurement {
        name: name.to_string(),
        wall,
        requests: after.total.saturating_sub(before.total),
        writes,
        list_reads: [
            "GET /access/acl",
            "GET /access/users",
            "GET /access/roles",
            "GET /access/groups",
            "GET /pools",
        ]
        .iter()
        .map(|key| delta(key))
        .sum(),
        terraform_cpu: terraform.cpu_seconds,
        provider_cpu: providers.iter().map(|u| u.cpu_seconds).sum(),
        simulator_cpu: self_after.cpu_seconds - self_before.cpu_seconds,
        provider_peak_rss_kib: providers.iter().map(|u| u.peak_rss_kib).max().unwrap_or(0),
        provider_processes: providers.len(),
    })
}
