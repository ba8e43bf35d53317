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

    let mut handshake: Vec<Duration> = inputs.startup.iter().map(|s| s.handshake).collect();
    let mut first: Vec<Duration> = inputs.startup.iter().map(|s| s.first_schema).collect();
    let mut warm: Vec<Duration> = inputs.startup.iter().map(|s| s.warm_schema).collect();
    let bytes = inputs.startup.first().map(|s| s.schema_bytes).unwrap_or(0);
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let _ = writeln!(
        out,
        "\n## Provider start-up (median of {} runs)\n",
        inputs.startup.len()
    );
    let _ = writeln!(out, "| What | Median | Max |\n|---|---|---|");
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    let _ = writeln!(
        out,
        "| Spawn → handshake line on stdout | {} | {} |",
        ms(median(&mut handshake)),
        ms(max(&handshake))
    );
    let _ = writeln!(
        out,
        "| mTLS connect + first `GetProviderSchema` ({bytes} bytes) | {} | {} |",
        ms(median(&mut first)),
        ms(max(&first))
    );
    let _ = writeln!(
        out,
        "| `GetProviderSchema` on an open connection | {} | {} |",
        ms(median(&mut warm)),
        ms(max(&warm))
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

fn scale_table(out: &mut String, result: &ScaleResult) {
    let o = result.options;
    let _ = writeln!(
        out,
        "\n## {} objects ({} users, tokens, roles, ACLs each), `-parallelism={}`, {} ms injected latency\n",
        result.objects, o.per_type, o.parallelism, o.latency_ms
    );
    let _ = writeln!(
        out,
        "| Command | Wall | API requests | per object | writes | ACL list reads | Provider peak RSS | CPU: Terraform / provider / simulator |"
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
        m.acl_list_reads,
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
