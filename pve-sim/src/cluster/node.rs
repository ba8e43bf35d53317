//! One simulated node: its listener, certificate, access log and state,
//! and the transitions between states (closing and re-opening the port).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::{ClusterError, NodeState};
use crate::access_log::AccessLog;
use crate::server::conn::{NodeConn, serve};
use crate::server::state::SharedState;

/// The listener task of a node that is not down.
struct Serving {
    /// `true` closes the listener and cuts every connection.
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// See the module docs.
pub struct ClusterNode {
    /// Node name (`pve1`, … or the inventory's).
    pub name: String,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// SHA-256 fingerprint of this node's certificate, `AA:BB:…`.
    pub fingerprint: String,
    /// The bound address (the port comes back on `up`).
    pub addr: SocketAddr,
    index: usize,
    state: watch::Sender<NodeState>,
    acceptor: TlsAcceptor,
    log: Option<Arc<AccessLog>>,
    shutdown: watch::Receiver<bool>,
    /// `None` while down. The async mutex also serialises transitions.
    serving: tokio::sync::Mutex<Option<Serving>>,
}

impl std::fmt::Debug for ClusterNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterNode")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// `https://HOST:PORT` for a bound address (IPv6 in brackets).
pub fn url_of(addr: SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V6(ip) => format!("https://[{ip}]:{}", addr.port()),
        std::net::IpAddr::V4(ip) => format!("https://{ip}:{}", addr.port()),
    }
}

/// What [`ClusterNode::new`] needs besides the bound listener.
pub struct NodeSetup {
    /// Node name.
    pub name: String,
    /// Position in the cluster.
    pub index: usize,
    /// The node's certificate fingerprint.
    pub fingerprint: String,
    /// TLS with the node's certificate.
    pub acceptor: TlsAcceptor,
    /// The node's access log.
    pub log: Option<Arc<AccessLog>>,
    /// The simulator-wide shutdown signal.
    pub shutdown: watch::Receiver<bool>,
}

impl std::fmt::Debug for NodeSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeSetup")
            .field("name", &self.name)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl ClusterNode {
    /// A node in state `up` whose listener is not serving yet (see
    /// [`Self::serve`]).
    pub fn new(setup: NodeSetup, addr: SocketAddr) -> Self {
        Self {
            url: url_of(addr),
            name: setup.name,
            fingerprint: setup.fingerprint,
            addr,
            index: setup.index,
            state: watch::channel(NodeState::Up).0,
            acceptor: setup.acceptor,
            log: setup.log,
            shutdown: setup.shutdown,
            serving: tokio::sync::Mutex::new(None),
        }
    }

    /// The node's current state.
    pub fn state(&self) -> NodeState {
        *self.state.borrow()
    }

    fn spawn(&self, listener: TcpListener, state: &SharedState) -> Serving {
        let (stop, stop_rx) = watch::channel(false);
        let node = NodeConn {
            index: self.index,
            state: self.state.subscribe(),
            stop: stop_rx,
        };
        let task = tokio::spawn(serve(
            listener,
            self.acceptor.clone(),
            crate::server::app(state.clone()),
            self.log.clone(),
            self.shutdown.clone(),
            node,
        ));
        Serving { stop, task }
    }

    /// Start serving on an already bound listener (at start-up).
    pub async fn serve(&self, listener: TcpListener, state: &SharedState) {
        let serving = self.spawn(listener, state);
        *self.serving.lock().await = Some(serving);
    }

    /// Move to `next`. Returns once the change is in effect: after `down`
    /// the port refuses connections and no old connection is served; after
    /// leaving `down` the port accepts again.
    pub async fn set_state(
        &self,
        next: NodeState,
        state: &SharedState,
    ) -> Result<(), ClusterError> {
        let mut serving = self.serving.lock().await;
        if next == NodeState::Down {
            self.state.send_replace(NodeState::Down);
            if let Some(old) = serving.take() {
                let _ = old.stop.send(true);
                let _ = old.task.await;
            }
            return Ok(());
        }
        if serving.is_none() {
            if *self.shutdown.borrow() {
                return Err(ClusterError::ShuttingDown);
            }
            let listener =
                TcpListener::bind(self.addr)
                    .await
                    .map_err(|source| ClusterError::Rebind {
                        name: self.name.clone(),
                        addr: self.addr,
                        source,
                    })?;
            // The state first, so the first connection already sees it.
            self.state.send_replace(next);
            *serving = Some(self.spawn(listener, state));
        } else {
            self.state.send_replace(next);
        }
        tracing::info!("node {} is now {next}", self.name);
        Ok(())
    }

    /// Wait for the listener task after the simulator-wide shutdown.
    pub async fn join(&self) {
        let serving = self.serving.lock().await.take();
        if let Some(serving) = serving {
            let _ = serving.task.await;
        }
    }
}
