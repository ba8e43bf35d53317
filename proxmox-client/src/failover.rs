//! The failover layer: one PVE cluster, several endpoints.
//!
//! Every node of a PVE cluster serves the whole API over one shared
//! configuration (pmxcfs), so any node may answer any request. This layer
//! sits between authentication and the wire: it sends a prepared request to
//! the first node believed healthy and moves on to the next one when a node
//! fails in a way that proves nothing was changed (connection refused or
//! timed out, TLS refused, no quorum) or when repeating is safe (a read or
//! delete that broke in transit or met a proxy error). A 595/596 about the
//! node a request names (`/nodes/{name}/…`, which pveproxy forwards) is that
//! node's trouble and returned as PVE's answer. A node that fails is
//! remembered as unhealthy for a while ([`DEFAULT_UNHEALTHY_FOR`]) and only
//! used again after that, or as a last resort; the table is shared by every
//! clone of the client, so a dead first node costs one timeout per run, not
//! one per request.
//!
//! A write whose answer was lost is never sent to a second node: the error
//! stays [`Error::OutcomeUnknown`] (naming the node) and the caller reads the
//! object back, which this layer then serves from a healthy node.
//!
//! With a single endpoint the layer is a pass-through: errors and behaviour
//! are exactly those of a single-node client.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use url::Url;

use crate::Error;

/// How long a failed node is skipped before it is tried again.
pub const DEFAULT_UNHEALTHY_FOR: Duration = Duration::from_secs(60);

/// One endpoint of the cluster: its API base URL, its own HTTP client (each
/// node may pin its own certificate), and its health.
pub(crate) struct Node {
    pub base: Url,
    pub http: reqwest::Client,
    state: Mutex<Health>,
    /// Held while a request tests a node not known to be healthy, so that a
    /// burst of concurrent requests sends one request into a dead node,
    /// not one each; the others wait for its verdict.
    probe: tokio::sync::Mutex<()>,
}

#[derive(Clone, Debug)]
enum Health {
    /// Nothing sent yet.
    Unknown,
    /// The last request was answered by PVE.
    Healthy,
    /// Failed at `since`, with this reason; skipped until `until`.
    Unhealthy { until: Instant, reason: String },
}

impl Node {
    pub(crate) fn new(base: Url, http: reqwest::Client) -> Self {
        Self {
            base,
            http,
            state: Mutex::new(Health::Unknown),
            probe: tokio::sync::Mutex::new(()),
        }
    }

    /// The endpoint as the user wrote it, without the `/api2/json` suffix.
    pub(crate) fn label(&self) -> String {
        endpoint_label(&self.base)
    }

    fn health(&self) -> Health {
        self.state
            .lock()
            .map_or(Health::Unknown, |state| state.clone())
    }

    fn set(&self, health: Health) {
        if let Ok(mut state) = self.state.lock() {
            *state = health;
        }
    }

    /// Skipped now: failed less than `unhealthy_for` ago.
    fn is_resting(&self) -> bool {
        matches!(self.health(), Health::Unhealthy { until, .. } if Instant::now() < until)
    }

    fn is_healthy(&self) -> bool {
        matches!(self.health(), Health::Healthy)
    }

    fn unhealthy_reason(&self) -> Option<String> {
        match self.health() {
            Health::Unhealthy { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// `https://host:8006/api2/json` → `https://host:8006`.
pub(crate) fn endpoint_label(base: &Url) -> String {
    let text = base.as_str().trim_end_matches('/');
    text.strip_suffix("/api2/json")
        .unwrap_or(text)
        .trim_end_matches('/')
        .to_owned()
}

/// What a failed attempt on one node means for the request.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// The node failed and nothing was applied (or repeating is safe): try the next node.
    NextNode,
    /// The node failed after a write may have been applied: report, do not repeat.
    Stop,
    /// PVE answered (e.g. 403, 404, lock timeout): a real answer, not a node failure.
    Answered,
}

/// What the failover layer needs to know of a request besides its bytes.
#[derive(Debug, Clone)]
pub(crate) struct Dispatch {
    /// `METHOD /path`, for messages.
    pub what: String,
    /// Safe to repeat after a failure in transit.
    pub idempotent: bool,
    /// Addressed to a node by name (`/nodes/{name}/…`): pveproxy forwards
    /// it to that node, so its 595/596 speak of that node, not of the
    /// endpoint that answered.
    pub to_named_node: bool,
}

fn verdict(error: &Error, dispatch: &Dispatch) -> Verdict {
    match error {
        // Nothing reached PVE's API handler.
        Error::Connect { .. } | Error::Tls { .. } | Error::NoQuorum(_) => Verdict::NextNode,
        // pveproxy answers 595/596 when it cannot reach the node it forwards
        // a `/nodes/{name}/…` request to: that node is down, not the
        // endpoint, and another endpoint would forward to the same dead
        // node. PVE's own answer: return it, keep the endpoint.
        Error::Unavailable(api) if dispatch.to_named_node && matches!(api.status, 595 | 596) => {
            Verdict::Answered
        }
        // A proxy error is the endpoint's; the request may have been applied
        // behind it, so only a request that is safe to repeat moves on.
        Error::Unavailable(_) if dispatch.idempotent => Verdict::NextNode,
        Error::Unavailable(_) => Verdict::Stop,
        // Only produced for requests that are safe to repeat (the client turns
        // a lost answer to any other request into OutcomeUnknown).
        Error::Transport { .. } => Verdict::NextNode,
        Error::OutcomeUnknown { .. } => Verdict::Stop,
        _ => Verdict::Answered,
    }
}

/// The nodes of one client, in the configured order.
pub(crate) struct Cluster {
    pub nodes: Vec<Node>,
    pub unhealthy_for: Duration,
}

impl Cluster {
    pub(crate) fn first(&self) -> &Node {
        // The builder refuses an empty endpoint list.
        &self.nodes[0]
    }

    /// Sends through the first node that can serve the request: healthy
    /// nodes in the configured order, then the resting ones (oldest failure
    /// first) as a last resort.
    pub(crate) async fn send<'a, T, F, Fut>(
        &'a self,
        dispatch: &Dispatch,
        mut send: F,
    ) -> Result<T, Error>
    where
        F: FnMut(&'a Node) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        if self.nodes.len() == 1 {
            return send(self.first()).await;
        }
        let (fresh, mut resting): (Vec<&'a Node>, Vec<&'a Node>) =
            self.nodes.iter().partition(|node| !node.is_resting());
        resting.sort_by_key(|node| match node.health() {
            Health::Unhealthy { until, .. } => Some(until),
            _ => None,
        });
        let last_resort_from = fresh.len();
        let mut failures: Vec<(String, String)> = Vec::new();
        for (index, node) in fresh.into_iter().chain(resting).enumerate() {
            let last_resort = index >= last_resort_from;
            // A node not known to be healthy is tested by one request at a time.
            let _probe = if node.is_healthy() {
                None
            } else {
                let guard = node.probe.lock().await;
                if !last_resort
                    && node.is_resting()
                    && let Some(reason) = node.unhealthy_reason()
                {
                    // Another request just found it dead: do not wait again.
                    failures.push((node.label(), reason));
                    continue;
                }
                (!node.is_healthy()).then_some(guard)
            };
            match send(node).await {
                Ok(value) => {
                    node.set(Health::Healthy);
                    return Ok(value);
                }
                Err(error) => {
                    let verdict = verdict(&error, dispatch);
                    if verdict == Verdict::Answered {
                        node.set(Health::Healthy);
                        return Err(error.on_node(&node.label()));
                    }
                    let reason = error.to_string();
                    node.set(Health::Unhealthy {
                        until: Instant::now() + self.unhealthy_for,
                        reason: reason.clone(),
                    });
                    if verdict == Verdict::Stop {
                        tracing::warn!(
                            node = %node.label(),
                            request = %dispatch.what,
                            error = %reason,
                            "PVE node lost the answer to a write; not repeating it elsewhere (the caller reads the object back from another node)"
                        );
                        return Err(error.on_node(&node.label()));
                    }
                    tracing::warn!(
                        node = %node.label(),
                        request = %dispatch.what,
                        error = %reason,
                        skipped_for_secs = self.unhealthy_for.as_secs(),
                        "PVE node failed; failing over to the next endpoint"
                    );
                    failures.push((node.label(), reason));
                }
            }
        }
        Err(Error::AllNodesFailed {
            request: dispatch.what.clone(),
            failures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;

    fn api(status: u16, message: &str) -> ApiError {
        ApiError {
            method: "POST".into(),
            path: "/access/users".into(),
            status,
            message: message.into(),
            errors: Default::default(),
        }
    }

    fn dispatch(idempotent: bool, to_named_node: bool) -> Dispatch {
        Dispatch {
            what: "GET /x".into(),
            idempotent,
            to_named_node,
        }
    }

    #[test]
    fn only_node_failures_move_to_the_next_node() {
        let read = dispatch(true, false);
        let connect = Error::Connect {
            url: "https://a:8006/api2/json".into(),
            message: "refused".into(),
        };
        assert_eq!(verdict(&connect, &read), Verdict::NextNode);
        assert_eq!(
            verdict(
                &Error::NoQuorum(api(500, "cluster not ready - no quorum?")),
                &dispatch(false, false)
            ),
            Verdict::NextNode
        );
        assert_eq!(
            verdict(
                &Error::OutcomeUnknown {
                    method: "POST".into(),
                    path: "/x".into(),
                    message: "reset".into()
                },
                &dispatch(false, false)
            ),
            Verdict::Stop
        );
        assert_eq!(
            verdict(
                &Error::Permission(api(403, "Permission check failed")),
                &read
            ),
            Verdict::Answered
        );
        assert_eq!(
            verdict(
                &Error::LockTimeout(api(500, "got lock request timeout")),
                &read
            ),
            Verdict::Answered
        );
    }

    #[test]
    fn proxy_errors_fail_over_only_when_the_endpoint_is_to_blame() {
        for status in [502, 503, 504, 595, 596] {
            let error = Error::Unavailable(api(status, "Bad Gateway"));
            assert_eq!(verdict(&error, &dispatch(true, false)), Verdict::NextNode);
            // A write may have been applied behind the proxy.
            assert_eq!(verdict(&error, &dispatch(false, false)), Verdict::Stop);
        }
        // pveproxy could not reach the node the request names.
        for status in [595, 596] {
            let error = Error::Unavailable(api(status, "No route to host"));
            assert_eq!(verdict(&error, &dispatch(true, true)), Verdict::Answered);
            assert_eq!(verdict(&error, &dispatch(false, true)), Verdict::Answered);
        }
        // A gateway in front of the endpoint is still the endpoint's.
        let gateway = Error::Unavailable(api(502, "Bad Gateway"));
        assert_eq!(verdict(&gateway, &dispatch(true, true)), Verdict::NextNode);
    }

    #[test]
    fn labels_drop_the_api_suffix() {
        let url = Url::parse("https://pve1:8006/api2/json").unwrap();
        assert_eq!(endpoint_label(&url), "https://pve1:8006");
    }
}
