//! The Markdown report: machine, versions, and one table per benchmark.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::scale::{Measurement, ScaleResult};
use crate::secs;
use crate::startup::{StartupSample, median};

/// Everything measured.
#[derive(Debug)]
pub struct Inputs<'a> {
    pub binary: &'a Path,
    pub startup: &'a [StartupSample],
    /// The Go peer's samples, or why there are none.
    pub peer: Result<&'a [StartupSample], &'a str>,
    pub scale: &'a [ScaleResult],
    pub sim_throughput: Option<&'a str>,
}

fn first_line_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!("{cores} cores, {mem_gib:.1} GiB RAM, {model}")
}

/// Renders the whole report.
pub fn render(inputs: &Inputs<'_>) -> String {
    let mut out = String::new();
    let terraform = pve_e2e::terraform::terraform_bin();
    let tf_version = first_line_of(&terraform.display().to_string(), &["version"]);
    let profile = if inputs.binary.to_string_lossy().contains("/release/") {
        "release"
    } else {
        "debug (dependencies at opt-level 1)"
    };
    let _ = writeln!(out, "## Environment\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Machine | {} |", machine());
    let _ = writeln!(out, "| OS | {} |", first_line_of("uname", &["-sr"]));
    let _ = writeln!(out, "| Terraform | {tf_version} |");
    let _ = writeln!(out, "| Rust | {} |", first_line_of("rustc", &["-V"]));
    let _ = writeln!(
        out,
        "| Provider | terraform-provider-pve {} ({profile} build) |",
        env!("CARGO_PKG_VERSION")
    );

    startup_table(&mut out, inputs.startup, inputs.peer);
    let _ = writeln!(
        out,
        "\nBinary size: {} (`{}`).",
        file_size(inputs.binary),
        inputs.binary.display()
    );

    for result in inputs.scale {
        scale_table(&mut out, result);
    }
    if let [base, slow] = inputs.scale {
        latency_summary(&mut out, base, slow);
    }
    if let Some(text) = inputs.sim_throughput {
        let _ = writeln!(out, "\n## pve-sim throughput (`cargo bench -p pve-sim`)\n");
        for line in text.lines().filter(|l| l.contains(':')) {
            let _ = writeln!(out, "- {}", line.trim());
        }
    }
    out
}

fn file_size(path: &Path) -> String {
    std::fs::metadata(path)
        .map(|m| format!("{:.1} MiB", m.len() as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Medians of one provider's samples: handshake, first schema, warm schema.
fn medians(samples: &[StartupSample]) -> [Duration; 3] {
    let mut handshake: Vec<Duration> = samples.iter().map(|s| s.handshake).collect();
    let mut first: Vec<Duration> = samples.iter().map(|s| s.first_schema).collect();
    let mut warm: Vec<Duration> = samples.iter().map(|s| s.warm_schema).collect();
    [
        median(&mut handshake),
        median(&mut first),
        median(&mut warm),
    ]
}

fn max_of(samples: &[StartupSample], pick: fn(&StartupSample) -> Duration) -> Duration {
    samples.iter().map(pick).max().unwrap_or_default()
}

/// Ours and the Go peer's medians side by side, with the ratio.
/// Which duration of a start-up sample a table row shows.
type PickDuration = fn(&StartupSample) -> Duration;

fn startup_table(out: &mut String, ours: &[StartupSample], peer: Result<&[StartupSample], &str>) {
    let _ = writeln!(
        out,
        "\n## Provider start-up (median of {} runs{})\n",
        ours.len(),
        if peer.is_ok() {
            ", alternating with the Go peer"
        } else {
            ""
        }
    );
    let bytes = ours.first().map(|s| s.schema_bytes).unwrap_or(0);
    let ours_m = medians(ours);
    let picks: [(&str, PickDuration); 3] = [
        ("Spawn → handshake line on stdout", |s| s.handshake),
        ("mTLS connect + first `GetProviderSchema`", |s| {
            s.first_schema
        }),
        ("`GetProviderSchema` on an open connection", |s| {
            s.warm_schema
        }),
    ];
    match peer {
        Ok(peer) => {
            let peer_m = medians(peer);
            let peer_bytes = peer.first().map(|s| s.schema_bytes).unwrap_or(0);
            let _ = writeln!(
                out,
                "| What | terraform-provider-pve (max) | Go peer: terraform-provider-workato 0.16.0 (max) | Ratio of medians |\n|---|---|---|---|"
            );
            for (i, (name, pick)) in picks.iter().enumerate() {
                let ratio = if peer_m[i].is_zero() {
                    "-".to_string()
                } else {
                    format!("{:.2}", ours_m[i].as_secs_f64() / peer_m[i].as_secs_f64())
                };
                let _ = writeln!(
                    out,
                    "| {name} | {} ({}) | {} ({}) | {ratio} |",
                    ms(ours_m[i]),
                    ms(max_of(ours, *pick)),
                    ms(peer_m[i]),
                    ms(max_of(peer, *pick)),
                );
            }
            let _ = writeln!(
                out,
                "\nSchema sizes: ours {bytes} bytes, the Go peer's {peer_bytes} bytes. The Go peer is the binary shipped in the PyPI wheel `workato-terraform-provider==0.16.0` (terraform-plugin-go), started with the same environment."
            );
        }
        Err(reason) => {
            let _ = writeln!(out, "| What | Median | Max |\n|---|---|---|");
            for (i, (name, pick)) in picks.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "| {name} | {} | {} |",
                    ms(ours_m[i]),
                    ms(max_of(ours, *pick))
                );
            }
            let _ = writeln!(
                out,
                "\nThe Go peer could not be measured: {reason}. Schema size: {bytes} bytes."
            );
        }
    }
}

fn scale_table(out: &mut String, result: &ScaleResult) {
    let o = result.options;
    let _ = writeln!(
        out,
        "\n## {} objects ({} users, tokens, roles, ACLs each), `-parallelism={}`, {} ms injected latency\n",
        result.objects, o.per_type, o.parallelism, o.latency_ms
    );
    let _ = writeln!(
        out,
        "| Command | Wall | API requests | per object | writes | list reads | Provider peak RSS | CPU: Terraform / provider / simulator |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for m in [&result.apply, &result.plan, &result.destroy] {
        row(out, m, result.objects);
    }
}

fn row(out: &mut String, m: &Measurement, objects: usize) {
    let total = m.terraform_cpu + m.provider_cpu + m.simulator_cpu;
    let share = |x: f64| {
        if total > 0.0 {
            format!("{:.0}%", 100.0 * x / total)
        } else {
            "-".into()
        }
    };
    let _ = writeln!(
        out,
        "| {} | {} | {} | {:.2} | {} | {} | {:.1} MiB ({} processes) | {:.1} s / {:.1} s / {:.1} s ({} / {} / {}) |",
        m.name,
        secs(m.wall),
        m.requests,
        m.requests as f64 / objects.max(1) as f64,
        m.writes,
        m.list_reads,
        m.provider_peak_rss_kib as f64 / 1024.0,
        m.provider_processes,
        m.terraform_cpu,
        m.provider_cpu,
        m.simulator_cpu,
        share(m.terraform_cpu),
        share(m.provider_cpu),
        share(m.simulator_cpu),
    );
}

/// Extra wall time with latency against the floor set by serialised writes.
fn latency_summary(out: &mut String, base: &ScaleResult, slow: &ScaleResult) {
    let latency = slow.options.latency_ms as f64 / 1000.0;
    let _ = writeln!(
        out,
        "\n### Effect of {} ms latency\n",
        slow.options.latency_ms
    );
    let _ = writeln!(
        out,
        "| Command | Extra wall time | Serialised writes × latency | Reads × latency / parallelism | Ratio extra / (writes × latency + reads × latency / parallelism) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (b, s) in [
        (&base.apply, &slow.apply),
        (&base.plan, &slow.plan),
        (&base.destroy, &slow.destroy),
    ] {
        let extra = s.wall.as_secs_f64() - b.wall.as_secs_f64();
        let writes = s.writes as f64 * latency;
        let reads =
            (s.requests - s.writes) as f64 * latency / slow.options.parallelism.max(1) as f64;
        let bound = writes + reads;
        let ratio = if bound > 0.0 {
            format!("{:.2}", extra / bound)
        } else {
            "-".into()
        };
        let _ = writeln!(
            out,
            "| {} | {:.2} s | {:.2} s | {:.2} s | {} |",
            s.name, extra, writes, reads, ratio
        );
    }
}
