//! Per-process CPU time and peak memory from `/proc`, sampled while a
//! command runs (a process's `/proc` entry vanishes when it exits, so the
//! last sample before exit is what we keep).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// One process's figures: CPU time (user + system) and peak RSS.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// CPU seconds, user + system, of the process itself (not its children).
    pub cpu_seconds: f64,
    /// `VmHWM`: peak resident set size, in KiB.
    pub peak_rss_kib: u64,
}

/// Clock ticks per second for `/proc/<pid>/stat` (`getconf CLK_TCK`, else
/// Linux's universal 100).
pub fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// Reads utime + stime and VmHWM of `pid` (`"self"` works too); `None`
/// once the process is gone.
pub fn usage(pid: &str, ticks: f64) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 14 (utime) and 15 (stime) overall, i.e. 12th/13th after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let peak_rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    Some(Usage {
        cpu_seconds: (utime + stime) as f64 / ticks,
        peak_rss_kib,
    })
}

/// Samples a fixed process plus every pid appended to a pid file (the
/// provider wrapper writes one line per launch) until stopped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<BTreeMap<String, Usage>>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler").finish_non_exhaustive()
    }
}

impl Sampler {
    /// Starts sampling `fixed` pids and those listed in `pid_file` every 10 ms.
    pub fn start(fixed: Vec<String>, pid_file: PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let ticks = clock_ticks();
            let mut last: BTreeMap<String, Usage> = BTreeMap::new();
            loop {
                let done = flag.load(Ordering::Relaxed);
                let mut pids = fixed.clone();
                if let Ok(text) = std::fs::read_to_string(&pid_file) {
                    pids.extend(text.lines().map(|l| l.trim().to_string()));
                }
                for pid in pids.into_iter().filter(|p| !p.is_empty()) {
                    if let Some(u) = usage(&pid, ticks) {
                        last.insert(pid, u);
                    }
                }
                if done {
                    return last;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Sampler { stop, handle }
    }

    /// Stops and returns the last figures seen per pid.
    pub fn finish(self) -> BTreeMap<String, Usage> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}
