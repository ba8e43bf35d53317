//! Request counters per method and route template, for the benchmarks'
//! "API requests per managed object" figures.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// All requests under `/api2`, including rejected ones.
    pub total: u64,
    /// Per `"METHOD /template"`, e.g. `"GET /access/users/{userid}"`;
    /// unknown paths count under `"METHOD (unknown)"`.
    pub by_route: BTreeMap<String, u64>,
}

impl Stats {
    /// Count for one `"METHOD /template"` key (0 when never called).
    pub fn count(&self, key: &str) -> u64 {
        self.by_route.get(key).copied().unwrap_or(0)
    }
}

/// Live counters.
#[derive(Debug, Default)]
pub struct StatsCounter {
    inner: Mutex<Stats>,
}

impl StatsCounter {
    /// Count one request.
    pub fn record(&self, key: &str) {
        if let Ok(mut stats) = self.inner.lock() {
            stats.total += 1;
            match stats.by_route.get_mut(key) {
                Some(n) => *n += 1,
                None => {
                    stats.by_route.insert(key.to_string(), 1);
                }
            }
        }
    }

    /// A copy of the current counters.
    pub fn snapshot(&self) -> Stats {
        self.inner.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Zero all counters.
    pub fn reset(&self) {
        if let Ok(mut stats) = self.inner.lock() {
            *stats = Stats::default();
        }
    }
}
