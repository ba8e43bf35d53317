//! Cluster mode: N nodes serving one configuration, as pmxcfs gives every
//! node of a PVE cluster the same `/etc/pve`.
//!
//! All nodes share ONE [`AppState`](crate::server::state::AppState): one
//! snapshot, one write lock, one ticket key (so a ticket from one node is
//! valid on every node). Each node has its own HTTPS listener and leaf
//! certificate ([`node`]); the connection layer tags every request with the
//! [`ServingNode`] it arrived on, and [`serve_as_node`] makes that node
//! known to the handlers below it (per-node counters, no-quorum refusals,
//! `/cluster/status`'s `local` flag).
//!
//! Node states ([`NodeState`]) are set through `/_sim/cluster/nodes`
//! ([`admin`]) or [`crate::RunningSim::set_node_state`].

pub mod admin;
pub mod node;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::inventory::Inventory;
use crate::server::state::SharedState;

pub use node::ClusterNode;

/// The cluster's name (`/cluster/status`, a login's `clustername`) when the
/// inventory has more than one node.
pub const CLUSTER_NAME: &str = "pve-sim";

/// What a node does with connections and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeState {
    /// Serves normally.
    Up,
    /// Listener closed: connections are refused; open ones are cut.
    Down,
    /// Connections are accepted but never answered (a frozen node).
    Hang,
    /// Serves reads and logins; every config write fails as PVE fails it
    /// without quorum.
    NoQuorum,
}

impl NodeState {
    /// The word used on the command line and in `/_sim` (`up`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Hang => "hang",
            Self::NoQuorum => "noquorum",
        }
    }

    /// Answers requests at all (GET /cluster/status `online`).
    pub fn online(self) -> bool {
        matches!(self, Self::Up | Self::NoQuorum)
    }
}

impl std::fmt::Display for NodeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for NodeState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "up" => Ok(Self::Up),
            "down" => Ok(Self::Down),
            "hang" => Ok(Self::Hang),
            "noquorum" => Ok(Self::NoQuorum),
            other => Err(format!(
                "state must be one of up, down, hang, noquorum; got '{other}'"
            )),
        }
    }
}

/// Why a node state could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No node of that name.
    #[error("no cluster node '{name}' (nodes: {known})")]
    UnknownNode {
        /// The name asked for.
        name: String,
        /// The cluster's node names, comma-separated.
        known: String,
    },
    /// The node's port could not be bound again on `up`.
    #[error("node '{name}' cannot listen on {addr} again: {source}")]
    Rebind {
        /// The node.
        name: String,
        /// Its address.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The simulator is shutting down.
    #[error("the simulator is shutting down")]
    ShuttingDown,
}

/// Request extension set by the connection layer: the index of the node
/// whose listener accepted the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServingNode(pub usize);

tokio::task_local! {
    /// The node serving the current API request (set by [`serve_as_node`]).
    static SERVING: usize;
}

/// The index of the node serving the current request, if any (`None` for
/// in-process calls without a listener and for background tasks).
pub fn serving_node() -> Option<usize> {
    SERVING.try_with(|index| *index).ok()
}

/// `fut` bound to the node serving the current request, for worker tasks
/// spawned by a request: they run (and need quorum) on that node.
pub fn on_serving_node<F: std::future::Future>(
    fut: F,
) -> impl std::future::Future<Output = F::Output> {
    let index = serving_node();
    async move {
        match index {
            Some(index) => SERVING.scope(index, fut).await,
            None => fut.await,
        }
    }
}

/// The nodes of a running simulator (one in single-node mode).
#[derive(Debug)]
pub struct Cluster {
    /// In order; index = [`ServingNode`].
    pub nodes: Vec<ClusterNode>,
}

impl Cluster {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Result<(usize, &ClusterNode), ClusterError> {
        self.nodes
            .iter()
            .enumerate()
            .find(|(_, n)| n.name == name)
            .ok_or_else(|| ClusterError::UnknownNode {
                name: name.to_string(),
                known: self
                    .nodes
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Current state of node `index` (`Down` for an unknown index).
    pub fn state_of(&self, index: usize) -> NodeState {
        self.nodes
            .get(index)
            .map(|n| n.state())
            .unwrap_or(NodeState::Down)
    }

    /// Whether node `index` has quorum: it is `up` and, as corosync's
    /// votequorum requires, more than half of all nodes are `up` (a node
    /// that is down, hung or cut off gives no vote).
    pub fn quorate(&self, index: usize) -> bool {
        let up = self
            .nodes
            .iter()
            .filter(|n| n.state() == NodeState::Up)
            .count();
        self.state_of(index) == NodeState::Up && up * 2 > self.nodes.len()
    }

    /// The inventory with the status of every simulated node as its state
    /// says (`offline` while down or hung).
    pub fn live_inventory(&self, inventory: &Arc<Inventory>) -> Arc<Inventory> {
        let offline: Vec<&str> = self
            .nodes
            .iter()
            .filter(|n| !n.state().online())
            .map(|n| n.name.as_str())
            .collect();
        if offline.is_empty() {
            return Arc::clone(inventory);
        }
        let mut live = (**inventory).clone();
        for node in &mut live.nodes {
            if offline.contains(&node.node.as_str()) {
                node.status = "offline".to_string();
            }
        }
        Arc::new(live)
    }
}

/// A request that would change configuration: PVE's writes are POST, PUT
/// and DELETE, except a login (`POST /access/ticket`), which only reads.
pub fn is_config_write(method: &Method, rel_path: &str) -> bool {
    let write = matches!(*method, Method::POST | Method::PUT | Method::DELETE);
    write && rel_path.trim_end_matches('/') != "/access/ticket"
}

/// API layer: count the request for the node it arrived on and run the
/// handlers with that node as [`serving_node`].
pub async fn serve_as_node(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let index = request.extensions().get::<ServingNode>().map(|n| n.0);
    let (Some(index), Some(cluster)) = (index, state.cluster.get()) else {
        return next.run(request).await;
    };
    if let Some(node) = cluster.nodes.get(index) {
        let rel = crate::api::auth::rel_uri(request.uri().path());
        let write = is_config_write(request.method(), &rel);
        state.stats.record_node(&node.name, write);
    }
    SERVING.scope(index, next.run(request)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_and_print() {
        for state in [
            NodeState::Up,
            NodeState::Down,
            NodeState::Hang,
            NodeState::NoQuorum,
        ] {
            assert_eq!(state.as_str().parse::<NodeState>(), Ok(state));
        }
        let err = "sleeping".parse::<NodeState>().unwrap_err();
        assert!(err.contains("up, down, hang, noquorum"), "{err}");
        assert!(err.contains("sleeping"), "{err}");
    }

    #[test]
    fn logins_are_not_writes() {
        assert!(!is_config_write(&Method::POST, "/access/ticket"));
        assert!(is_config_write(&Method::POST, "/access/users"));
        assert!(is_config_write(&Method::PUT, "/access/acl"));
        assert!(is_config_write(&Method::DELETE, "/access/users/a@pve"));
        assert!(!is_config_write(&Method::GET, "/access/users"));
    }
}
