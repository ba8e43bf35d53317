//! The library entry point: [`start`] a simulator, get a [`RunningSim`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore as _;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::access_log::AccessLog;
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
        }
    }
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
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
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
    /// `https://127.0.0.1:PORT` (no trailing slash, no `/api2/json`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// SHA-256 fingerprint of the server certificate, `AA:BB:…`.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// PEM of the certificate to trust.
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
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
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
    let mut state = AppState::new(
        store,
        loaded,
        options.root_password.clone(),
        options.lock_timeout,
        Faults::new(options.faults.clone()),
        options.auth_failure_delay,
    )
    .with_inventory(options.inventory.clone());
    state.open_sim_admin = options.open_sim_admin;
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

    let material = match (&options.tls_cert, &options.tls_key) {
        (Some(cert), Some(key)) => crate::tls::load(cert, key)?,
        (None, None) => crate::tls::generate()?,
        _ => {
            return Err(SimError::Options(
                "--tls-cert and --tls-key must be given together".to_string(),
            ));
        }
    };
    let _ = state.node_fingerprint.set(material.fingerprint.clone());
    let ca_cert_path = options
        .ca_cert_file
        .clone()
        .unwrap_or_else(|| state_dir.join("pve-sim-ca.pem"));
    std::fs::write(&ca_cert_path, &material.ca_cert_pem).map_err(|source| SimError::Io {
        what: format!("writing {}", ca_cert_path.display()),
        source,
    })?;

    let access_log = match &options.access_log {
        Some(path) => Some(Arc::new(AccessLog::open(path).map_err(|source| {
            SimError::Io {
                what: format!("opening access log {}", path.display()),
                source,
            }
        })?)),
        None => None,
    };

    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|source| SimError::Listen {
            addr: options.listen,
            source,
        })?;
    let local = listener.local_addr().map_err(|source| SimError::Listen {
        addr: options.listen,
        source,
    })?;
    let host = match local.ip() {
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        std::net::IpAddr::V4(ip) => ip.to_string(),
    };
    let url = format!("https://{host}:{}", local.port());

    let app = crate::server::app(state.clone());
    let acceptor = TlsAcceptor::from(material.server_config.clone());
    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(crate::server::conn::serve(
        listener,
        acceptor,
        app,
        access_log,
        shutdown_rx,
    ));
    tracing::info!("pve-sim listening on {url}");
    Ok(RunningSim {
        url,
        fingerprint: material.fingerprint,
        ca_cert_pem: material.ca_cert_pem,
        ca_cert_path,
        root_password: options.root_password,
        state_dir,
        state,
        shutdown,
        task: Some(task),
        _temp_dir: temp_dir,
    })
}
