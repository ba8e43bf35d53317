//! Request counters per method and route template, for the benchmarks'
//! "API requests per managed object" figures.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// Requests one node received (cluster mode; one node `pve` otherwise).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCounts {
    /// Requests that change no configuration (GETs and logins).
    pub reads: u64,
    /// Configuration writes received (POST/PUT/DELETE but logins),
    /// including refused ones.
    pub writes: u64,
    /// Writes refused because the node had no quorum (never applied).
    pub refused: u64,
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// All requests under `/api2`, including rejected ones.
    pub total: u64,
    /// Per `"METHOD /template"`, e.g. `"GET /access/users/{userid}"`;
    /// unknown paths count under `"METHOD (unknown)"`.
    pub by_route: BTreeMap<String, u64>,
    /// Per node name: what each node received under `/api2`.
    #[serde(default)]
    pub nodes: BTreeMap<String, NodeCounts>,
}

impl Stats {
    /// Count for one `"METHOD /template"` key (0 when never called).
    pub fn count(&self, key: &str) -> u64 {
        self.by_route.get(key).copied().unwrap_or(0)
    }

    /// Counts of one node (zero when it received nothing).
    pub fn node(&self, name: &str) -> NodeCounts {
        self.nodes.get(name).copied().unwrap_or_default()
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

    /// Count one request on `node` (after [`Self::record`]).
    pub fn record_node(&self, node: &str, write: bool) {
        if let Ok(mut stats) = self.inner.lock() {
            let counts = stats.nodes.entry(node.to_string()).or_default();
            if write {
                counts.writes += 1;
            } else {
                counts.reads += 1;
            }
        }
    }

    /// Count a write `node` refused for lack of quorum.
    pub fn record_refused(&self, node: &str) {
        if let Ok(mut stats) = self.inner.lock() {
            stats.nodes.entry(node.to_string()).or_default().refused += 1;
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
