//! The library entry point: [`start`] a simulator, get a [`RunningSim`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::access_log::AccessLog;
use crate::cluster::node::{ClusterNode, NodeSetup};
use crate::cluster::{Cluster, ClusterError, NodeState};
use crate::faults::{FaultConfig, Faults};
use crate::inventory::Inventory;
use crate::server::state::{AppState, SharedState};
use crate::stats::Stats;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding the listen address failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Certificate generation or loading failed.
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The state directory could not be created, read or written.
    #[error("state directory: {0}")]
    State(String),
    /// Other I/O (access log, CA file).
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Invalid options (names the option and the fix).
    #[error("invalid option: {0}")]
    Options(String),
}

/// How to run a simulator. `Default`: 127.0.0.1 on a free port, a
/// temporary state directory, a random root password, no faults.
#[derive(Clone)]
pub struct SimOptions {
    /// Listen address (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// State directory in PVE's formats; `None` = a temporary directory
    /// removed on shutdown. An existing `user.cfg` in it is loaded.
    pub state_dir: Option<PathBuf>,
    /// Password of `root@pam`.
    pub root_password: String,
    /// pveproxy-format access log file.
    pub access_log: Option<PathBuf>,
    /// PEM certificate (chain); with `tls_key`, replaces the generated one.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Where to write the PEM clients should trust; default: a file in the
    /// state directory.
    pub ca_cert_file: Option<PathBuf>,
    /// How long a write waits for the config lock (PVE: 10 s).
    pub lock_timeout: Duration,
    /// Faults to inject from the start.
    pub faults: FaultConfig,
    /// Delay before each pre-dispatch 401 (PVE waits 3 s; default 0).
    pub auth_failure_delay: Duration,
    /// Let any loopback client use `/_sim` without root authentication.
    pub open_sim_admin: bool,
    /// Nodes, guests and storages served by `/cluster/resources`, `/nodes`,
    /// `/storage` and pool membership; default [`Inventory::demo`].
    pub inventory: Inventory,
    /// Number of nodes (default 1). More than one: a cluster whose nodes
    /// share this state (see [`cluster_layout`] for their names).
    pub nodes: usize,
}

impl std::fmt::Debug for SimOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimOptions")
            .field("listen", &self.listen)
            .field("state_dir", &self.state_dir)
            .field("root_password", &"<redacted>")
            .field("access_log", &self.access_log)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key)
            .field("ca_cert_file", &self.ca_cert_file)
            .field("lock_timeout", &self.lock_timeout)
            .field("faults", &self.faults)
            .field("auth_failure_delay", &self.auth_failure_delay)
            .field("open_sim_admin", &self.open_sim_admin)
            .field("inventory_guests", &self.inventory.guests.len())
            .field("nodes", &self.nodes)
            .finish()
    }
}

/// A random password: 24 bytes, URL-safe base64 (32 characters).
pub fn random_password() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_dir: None,
            root_password: random_password(),
            access_log: None,
            tls_cert: None,
            tls_key: None,
            ca_cert_file: None,
            lock_timeout: Duration::from_secs(10),
            faults: FaultConfig::default(),
            auth_failure_delay: Duration::ZERO,
            open_sim_admin: false,
            inventory: Inventory::demo(),
            nodes: 1,
        }
    }
}

/// One node of a [`RunningSim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimNode {
    /// Node name (`pve` alone; `pve1`, … or the inventory's in a cluster).
    pub name: String,
    /// `https://127.0.0.1:PORT`.
    pub url: String,
    /// SHA-256 fingerprint of the node's certificate, `AA:BB:…`.
    pub fingerprint: String,
}

/// The node names and the inventory a simulator with `options` serves.
/// One node: `pve` and the inventory as given. More: the demo inventory
/// becomes [`Inventory::demo_cluster`] (`pve1` … `pveN`); any other
/// inventory names the nodes, in order, and must list at least N.
pub fn cluster_layout(options: &SimOptions) -> Result<(Vec<String>, Inventory), SimError> {
    let n = options.nodes;
    if n == 0 {
        return Err(SimError::Options(
            "--nodes must be at least 1 (1 = a single node)".to_string(),
        ));
    }
    if n == 1 {
        return Ok((vec!["pve".to_string()], options.inventory.clone()));
    }
    let inventory = if options.inventory == Inventory::demo() {
        Inventory::demo_cluster(n)
    } else {
        options.inventory.clone()
    };
    if inventory.nodes.len() < n {
        return Err(SimError::Options(format!(
            "--nodes {n} needs at least {n} nodes in --inventory, which lists {}: add nodes to the inventory or lower --nodes",
            inventory.nodes.len()
        )));
    }
    let names = inventory.nodes[..n]
        .iter()
        .map(|node| node.node.clone())
        .collect();
    Ok((names, inventory))
}

/// A simulator serving HTTPS until [`RunningSim::shutdown`] (or drop).
pub struct RunningSim {
    url: String,
    fingerprint: String,
    ca_cert_pem: String,
    ca_cert_path: PathBuf,
    root_password: String,
    state_dir: PathBuf,
    state: SharedState,
    cluster: Arc<Cluster>,
    shutdown: watch::Sender<bool>,
    _temp_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSim")
            .field("url", &self.url)
            .field("fingerprint", &self.fingerprint)
            .field("state_dir", &self.state_dir)
            .finish_non_exhaustive()
    }
}

impl RunningSim {
    /// `https://127.0.0.1:PORT` (no trailing slash, no `/api2/json`) of
    /// the first node.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// SHA-256 fingerprint of the first node's certificate, `AA:BB:…`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Every node, in order (one in single-node mode).
    pub fn nodes(&self) -> Vec<SimNode> {
        self.cluster
            .nodes
            .iter()
            .map(|n| SimNode {
                name: n.name.clone(),
                url: n.url.clone(),
                fingerprint: n.fingerprint.clone(),
            })
            .collect()
    }

    /// The state of node `name`.
    pub fn node_state(&self, name: &str) -> Result<NodeState, ClusterError> {
        Ok(self.cluster.node(name)?.1.state())
    }

    /// Change the state of node `name`; returns once in effect (a `down`
    /// node's port refuses connections, an `up` one accepts again).
    pub async fn set_node_state(&self, name: &str, state: NodeState) -> Result<(), ClusterError> {
        self.cluster
            .node(name)?
            .1
            .set_state(state, &self.state)
            .await
    }

    /// PEM of the certificate to trust (the cluster CA).
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    /// File holding [`Self::ca_cert_pem`].
    pub fn ca_cert_path(&self) -> &Path {
        &self.ca_cert_path
    }

    /// Password of `root@pam`.
    pub fn root_password(&self) -> &str {
        &self.root_password
    }

    /// Directory with `user.cfg`, `priv/token.cfg`, … .
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Replace the fault configuration (reseeds the random source).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.faults.set(faults);
    }

    /// Request counters so far.
    pub fn stats(&self) -> Stats {
        self.state.stats.snapshot()
    }

    /// The shared state (for in-process tests).
    pub fn state(&self) -> &SharedState {
        &self.state
    }

    /// Stop accepting, finish in-flight requests, flush the access log and
    /// remove a temporary state directory.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for node in &self.cluster.nodes {
            node.join().await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Build the shared state (load or create the state directory).
pub fn build_state(options: &SimOptions, dir: &Path) -> Result<SharedState, SimError> {
    if options.root_password.is_empty() {
        return Err(SimError::Options(
            "root password must not be empty (set --root-password or PVE_SIM_ROOT_PASSWORD)"
                .to_string(),
        ));
    }
    options
        .faults
        .validate()
        .map_err(|e| SimError::Options(format!("faults: {e}")))?;
    let store = crate::server::state::StateDir::new(dir);
    let (loaded, warnings) = store
        .load()
        .map_err(|e| SimError::State(format!("loading {}: {e}", dir.display())))?;
    for warning in warnings {
        tracing::warn!("{warning}");
    }
    store
        .save(&loaded)
        .map_err(|e| SimError::State(format!("writing {}: {e}", dir.display())))?;
    let (names, inventory) = cluster_layout(options)?;
    let mut state = AppState::new(
        store,
        loaded,
        options.root_password.clone(),
        options.lock_timeout,
        Faults::new(options.faults.clone()),
        options.auth_failure_delay,
    )
    .with_inventory(inventory);
    state.open_sim_admin = options.open_sim_admin;
    if options.nodes > 1 {
        // Worker tasks (realm sync) run on the first node.
        state.node_name = names[0].clone();
    }
    Ok(Arc::new(state))
}

/// Start a simulator: bind, set up TLS and state, and serve in the
/// background on the current tokio runtime.
pub async fn start(options: SimOptions) -> Result<RunningSim, SimError> {
    let (temp_dir, state_dir) = match &options.state_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| SimError::Io {
                what: format!("creating state directory {}", dir.display()),
                source,
            })?;
            (None, dir.clone())
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("pve-sim-")
                .tempdir()
                .map_err(|source| SimError::Io {
                    what: "creating a temporary state directory".to_string(),
                    source,
                })?;
            let path = temp.path().to_path_buf();
            (Some(temp), path)
        }
    };
    let state = build_state(&options, &state_dir)?;
    let (names, _) = cluster_layout(&options)?;

    let materials = match (&options.tls_cert, &options.tls_key) {
        // A given certificate is served by every node.
        (Some(cert), Some(key)) => vec![crate::tls::load(cert, key)?; names.len()],
        (None, None) if names.len() == 1 => vec![crate::tls::generate()?],
        (None, None) => crate::tls::generate_cluster(&names)?,
        _ => {
            return Err(SimError::Options(
                "--tls-cert and --tls-key must be given together".to_string(),
            ));
        }
    };
    let first = &materials[0];
    let _ = state.node_fingerprint.set(first.fingerprint.clone());
    let ca_cert_pem = first.ca_cert_pem.clone();
    let ca_cert_path = options
        .ca_cert_file
        .clone()
        .unwrap_or_else(|| state_dir.join("pve-sim-ca.pem"));
    std::fs::write(&ca_cert_path, &ca_cert_pem).map_err(|source| SimError::Io {
        what: format!("writing {}", ca_cert_path.display()),
        source,
    })?;

    let (shutdown, shutdown_rx) = watch::channel(false);
    let mut nodes = Vec::with_capacity(names.len());
    let mut listeners = Vec::with_capacity(names.len());
    for (index, (name, material)) in names.iter().zip(&materials).enumerate() {
        let listener = bind(node_address(options.listen, index)?).await?;
        let addr = listener.local_addr().map_err(|source| SimError::Listen {
            addr: options.listen,
            source,
        })?;
        let log = match &options.access_log {
            // pveproxy logs on each node: one file per node in a cluster.
            Some(path) if names.len() > 1 => Some(open_log(&path.with_file_name(format!(
                "{}.{name}",
                path.file_name().map(|f| f.to_string_lossy()).unwrap_or_default()
            )))?),
            Some(path) => Some(open_log(path)?),
            None => None,
        };
        let setup = NodeSetup {
            name: name.clone(),
            index,
            fingerprint: material.fingerprint.clone(),
            acceptor: TlsAcceptor::from(material.server_config.clone()),
            log,
            shutdown: shutdown_rx.clone(),
        };
        nodes.push(ClusterNode::new(setup, addr));
        listeners.push(listener);
    }
    let cluster = Arc::new(Cluster { nodes });
    let _ = state.cluster.set(Arc::clone(&cluster));
    for (node, listener) in cluster.nodes.iter().zip(listeners) {
        node.serve(listener, &state).await;
        tracing::info!("pve-sim node {} listening on {}", node.name, node.url);
    }
    Ok(RunningSim {
        url: cluster.nodes[0].url.clone(),
        fingerprint: first.fingerprint.clone(),
        ca_cert_pem,
        ca_cert_path,
        root_password: options.root_password,
        state_dir,
        state,
        cluster,
        shutdown,
        _temp_dir: temp_dir,
    })
}

/// Node `index` listens on the given port plus `index` (port 0: each on a
/// port the OS picks).
fn node_address(listen: SocketAddr, index: usize) -> Result<SocketAddr, SimError> {
    if listen.port() == 0 {
        return Ok(listen);
    }
    let port = u16::try_from(index)
        .ok()
        .and_then(|i| listen.port().checked_add(i))
        .ok_or_else(|| {
            SimError::Options(format!(
                "--listen port {} leaves no room for node {}: use a lower port or port 0",
                listen.port(),
                index + 1
            ))
        })?;
    Ok(SocketAddr::new(listen.ip(), port))
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SimError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Listen { addr, source })
}

fn open_log(path: &Path) -> Result<Arc<AccessLog>, SimError> {
    AccessLog::open(path)
        .map(Arc::new)
        .map_err(|source| SimError::Io {
            what: format!("opening access log {}", path.display()),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_take_consecutive_ports_or_each_a_free_one() {
        let fixed = SocketAddr::from(([127, 0, 0, 1], 8006));
        assert_eq!(node_address(fixed, 0).unwrap().port(), 8006);
        assert_eq!(node_address(fixed, 2).unwrap().port(), 8008);
        let free = SocketAddr::from(([127, 0, 0, 1], 0));
        assert_eq!(node_address(free, 2).unwrap().port(), 0);
        let last = SocketAddr::from(([127, 0, 0, 1], 65535));
        let err = node_address(last, 1).unwrap_err().to_string();
        assert!(
            err.contains("port 65535") && err.contains("node 2"),
            "{err}"
        );
    }

    #[test]
    fn node_names_come_from_the_demo_or_the_inventory() {
        let single = SimOptions::default();
        let (names, inventory) = cluster_layout(&single).unwrap();
        assert_eq!(names, ["pve"]);
        assert_eq!(inventory, Inventory::demo());

        let demo = SimOptions {
            nodes: 3,
            ..SimOptions::default()
        };
        let (names, inventory) = cluster_layout(&demo).unwrap();
        assert_eq!(names, ["pve1", "pve2", "pve3"]);
        assert!(inventory.guests.iter().all(|g| names.contains(&g.node)));
        assert!(inventory.guests.iter().any(|g| g.node == "pve3"));

        let custom = SimOptions {
            nodes: 2,
            inventory: Inventory::parse(r#"{"nodes":[{"node":"a"},{"node":"b"},{"node":"c"}]}"#)
                .unwrap(),
            ..SimOptions::default()
        };
        assert_eq!(cluster_layout(&custom).unwrap().0, ["a", "b"]);

        let none = SimOptions {
            nodes: 0,
            ..SimOptions::default()
        };
        let err = cluster_layout(&none).unwrap_err().to_string();
        assert!(err.contains("--nodes must be at least 1"), "{err}");
    }
}
