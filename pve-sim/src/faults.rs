//! Fault injection: latency, failing requests, forced lock timeouts and
//! dropped connections. Off by default; deterministic for a given seed.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde::{Deserialize, Serialize};

/// What to inject. Every rate is a fraction in `0.0..=1.0` of the requests
/// under `path_prefix` (relative to `/api2/json`, empty = all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Extra latency added to every matching request, in milliseconds.
    pub latency_ms: u64,
    /// Fraction of matching requests answered with `error_status`.
    pub error_rate: f64,
    /// Status of injected failures (default 500).
    pub error_status: u16,
    /// Message of injected failures (sent as PVE would, with `\n`).
    pub error_message: String,
    /// Every write fails with PVE's cfs-lock timeout error.
    pub lock_timeout: bool,
    /// Fraction of matching requests whose connection is closed without a
    /// response, before anything is done.
    pub drop_rate: f64,
    /// Fraction of matching successful writes (POST/PUT/DELETE) whose change
    /// is committed, then the connection is closed without a response.
    pub drop_after_commit_rate: f64,
    /// What the client gets instead of the answer of a write chosen by
    /// `drop_after_commit_rate`: 0 (default) closes the connection; 502, 503
    /// or 504 answers like a proxy in front of pveproxy that gave up after
    /// the change was committed (e.g. a gateway timeout).
    pub after_commit_status: u16,
    /// Seed of the random decisions (same seed, same sequence).
    pub seed: u64,
    /// Only requests whose path starts with this prefix are affected.
    pub path_prefix: String,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_rate: 0.0,
            error_status: 500,
            error_message: "simulated failure".to_string(),
            lock_timeout: false,
            drop_rate: 0.0,
            drop_after_commit_rate: 0.0,
            after_commit_status: 0,
            seed: 0,
            path_prefix: String::new(),
        }
    }
}

impl FaultConfig {
    /// True when nothing is injected (the fast path).
    pub fn is_off(&self) -> bool {
        self.latency_ms == 0
            && self.error_rate <= 0.0
            && !self.lock_timeout
            && self.drop_rate <= 0.0
            && self.drop_after_commit_rate <= 0.0
    }

    /// Check ranges; the message names the bad field.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("drop_after_commit_rate", self.drop_after_commit_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0.0 and 1.0, got {rate}"));
            }
        }
        if !(100..=599).contains(&self.error_status) {
            return Err(format!(
                "error_status must be an HTTP status (100-599), got {}",
                self.error_status
            ));
        }
        if !matches!(self.after_commit_status, 0 | 502..=504) {
            return Err(format!(
                "after_commit_status must be 0 (close the connection) or 502, 503 or 504, got {}",
                self.after_commit_status
            ));
        }
        Ok(())
    }
}

/// The decision for one request, taken before it is handled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    /// Sleep this long first.
    pub latency: Duration,
    /// Close the connection without answering.
    pub drop_before: bool,
    /// Answer with this status and message instead of handling.
    pub fail: Option<(u16, String)>,
    /// Force the cfs-lock timeout on writes.
    pub lock_timeout: bool,
    /// Close the connection after a successful write.
    pub drop_after_commit: bool,
    /// With `drop_after_commit`: answer this gateway status instead of
    /// closing the connection (0 = close).
    pub after_commit_status: u16,
}

/// Current configuration plus its seeded random source.
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<(FaultConfig, StdRng)>,
}

impl Faults {
    /// Start with `config`.
    pub fn new(config: FaultConfig) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self {
            inner: Mutex::new((config, rng)),
        }
    }

    /// Replace the configuration and reseed.
    pub fn set(&self, config: FaultConfig) {
        let rng = StdRng::seed_from_u64(config.seed);
        if let Ok(mut guard) = self.inner.lock() {
            *guard = (config, rng);
        }
    }

    /// The current configuration.
    pub fn get(&self) -> FaultConfig {
        self.inner.lock().map(|g| g.0.clone()).unwrap_or_default()
    }

    /// Decide what happens to a request on `path` (relative to `/api2/json`).
    pub fn plan(&self, path: &str, is_write: bool) -> FaultPlan {
        let Ok(mut guard) = self.inner.lock() else {
            return FaultPlan::default();
        };
        let (config, rng) = &mut *guard;
        if config.is_off() || !path.starts_with(config.path_prefix.as_str()) {
            return FaultPlan::default();
        }
        let mut roll = |rate: f64| rate > 0.0 && rng.random::<f64>() < rate;
        let drop_before = roll(config.drop_rate);
        let fail =
            roll(config.error_rate).then(|| (config.error_status, config.error_message.clone()));
        let drop_after_commit = is_write && roll(config.drop_after_commit_rate);
        FaultPlan {
            latency: Duration::from_millis(config.latency_ms),
            drop_before,
            fail,
            lock_timeout: config.lock_timeout,
            drop_after_commit,
            after_commit_status: config.after_commit_status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default() {
        let faults = Faults::new(FaultConfig::default());
        assert_eq!(faults.plan("/access/users", true), FaultPlan::default());
    }

    #[test]
    fn same_seed_same_sequence() {
        let config = FaultConfig {
            error_rate: 0.5,
            seed: 42,
            ..FaultConfig::default()
        };
        let a = Faults::new(config.clone());
        let b = Faults::new(config);
        let seq_a: Vec<bool> = (0..64)
            .map(|_| a.plan("/x", false).fail.is_some())
            .collect();
        let seq_b: Vec<bool> = (0..64)
            .map(|_| b.plan("/x", false).fail.is_some())
            .collect();
        assert_eq!(seq_a, seq_b);
        assert!(seq_a.iter().any(|x| *x) && seq_a.iter().any(|x| !*x));
    }

    #[test]
    fn prefix_limits_scope_and_validate_names_field() {
        let faults = Faults::new(FaultConfig {
            error_rate: 1.0,
            path_prefix: "/pools".into(),
            ..FaultConfig::default()
        });
        assert!(faults.plan("/access/users", false).fail.is_none());
        assert!(faults.plan("/pools", false).fail.is_some());
        let bad = FaultConfig {
            drop_rate: 2.0,
            ..FaultConfig::default()
        };
        assert!(bad.validate().unwrap_err().contains("drop_rate"));
    }
}
