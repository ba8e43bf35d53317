//! The state shared by all handlers: the configuration snapshot, the write
//! lock (PVE's `file-user_cfg` cfs lock), ticket keys, faults and counters.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::http::StatusCode;

use crate::api::error::ApiError;
use crate::auth::TicketSigner;
use crate::faults::Faults;
use crate::model::error::ModelError;
pub use crate::model::{State as Snapshot, StateDir};
use crate::stats::StatsCounter;

/// Shared handler state (cheap to clone).
pub type SharedState = Arc<AppState>;

/// Seconds since the epoch.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// See the module docs.
pub struct AppState {
    snapshot: RwLock<Arc<Snapshot>>,
    store: StateDir,
    write_lock: tokio::sync::Mutex<()>,
    /// How long a writer waits for the lock before PVE's timeout error.
    pub lock_timeout: Duration,
    /// Ticket and CSRF signing keys.
    pub signer: TicketSigner,
    root_password: String,
    /// Fault injection.
    pub faults: Faults,
    /// Request counters.
    pub stats: StatsCounter,
    /// Delay before every pre-dispatch 401 (PVE: 3 s; default 0).
    pub auth_failure_delay: Duration,
    /// Cluster name reported by POST /access/ticket (None = standalone node).
    pub node_name: String,
    /// `/_sim` answers any loopback client, without root authentication.
    pub open_sim_admin: bool,
    /// The nodes, guests and storages (`--inventory`; guests change only
    /// through `/_sim/guests`).
    pub inventory: crate::inventory::SharedInventory,
    /// The server certificate's fingerprint, GET /nodes' `ssl_fingerprint`
    /// (set once TLS is up).
    pub node_fingerprint: std::sync::OnceLock<String>,
    /// Worker tasks (realm sync) and their logs.
    pub tasks: crate::api::tasks::TaskRegistry,
    /// The directory servers behind LDAP/AD realms.
    pub directories: crate::directory::Directories,
    /// The nodes and their states (set once the listeners are up; unset
    /// for an in-process application without listeners).
    pub cluster: std::sync::OnceLock<Arc<crate::cluster::Cluster>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// Text of PVE's lock timeout (`PVE::Cluster::cfs_lock`).
pub const LOCK_TIMEOUT_TEXT: &str = "cfs-lock 'file-user_cfg' error: got lock request timeout";

/// A write without quorum. pmxcfs refuses the lock directory's `mkdir` on
/// a node without quorum (pve-cluster src/pmxcfs/dcdb.c,
/// `dcdb_send_fuse_message`: `if (!cfs_is_quorate()) return -EACCES;`), so
/// pve-cluster's `cfs_lock` (src/PVE/Cluster.pm)
/// retries until its timeout and then reports
/// `$err = "no quorum!\n" if !$got_lock && !check_cfs_quorum(1)` with its
/// `cfs-lock '<lockid>' error: ` prefix; `lock_user_config` adds its own
/// message. (`check_cfs_quorum`'s `cluster not ready - no quorum?` is what
/// non-locking callers such as `qm start` die with; access-control writes
/// all lock.)
pub const NO_QUORUM_TEXT: &str = "cfs-lock 'file-user_cfg' error: no quorum!";

impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        if e.status == 400 {
            return ApiError::Params(e.errors);
        }
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::with_status(status, e.message)
    }
}

/// What a write closure gets: the mutable snapshot (config + secrets).
pub type WriteResult<T> = Result<T, ModelError>;

impl AppState {
    /// Build the state around a loaded store.
    pub fn new(
        store: StateDir,
        snapshot: Snapshot,
        root_password: String,
        lock_timeout: Duration,
        faults: Faults,
        auth_failure_delay: Duration,
    ) -> Self {
        Self {
            snapshot: RwLock::new(Arc::new(snapshot)),
            store,
            write_lock: tokio::sync::Mutex::new(()),
            lock_timeout,
            signer: TicketSigner::new_random(),
            root_password,
            faults,
            stats: StatsCounter::default(),
            auth_failure_delay,
            node_name: "pve".to_string(),
            open_sim_admin: false,
            inventory: crate::inventory::SharedInventory::new(crate::inventory::Inventory::demo()),
            node_fingerprint: std::sync::OnceLock::new(),
            tasks: Default::default(),
            directories: Default::default(),
            cluster: std::sync::OnceLock::new(),
        }
    }

    /// Serve this inventory instead of the default one.
    pub fn with_inventory(mut self, inventory: crate::inventory::Inventory) -> Self {
        self.inventory = crate::inventory::SharedInventory::new(inventory);
        self
    }

    /// The inventory with each simulated node's status following its state.
    pub fn live_inventory(&self) -> Arc<crate::inventory::Inventory> {
        let inventory = self.inventory.get();
        match self.cluster.get() {
            Some(cluster) => cluster.live_inventory(&inventory),
            None => inventory,
        }
    }

    /// The certificate fingerprint of node `name` (GET /nodes
    /// `ssl_fingerprint`): its own in a cluster, else the server's.
    pub fn fingerprint_of(&self, name: &str) -> Option<String> {
        self.cluster
            .get()
            .and_then(|c| c.node(name).ok().map(|(_, n)| n.fingerprint.clone()))
            .or_else(|| self.node_fingerprint.get().cloned())
    }

    /// The node the current request runs on (worker tasks start there):
    /// the serving node in a cluster, else [`Self::node_name`].
    pub fn local_node_name(&self) -> String {
        self.cluster
            .get()
            .filter(|c| c.nodes.len() > 1)
            .zip(crate::cluster::serving_node())
            .and_then(|(c, i)| c.nodes.get(i).map(|n| n.name.clone()))
            .unwrap_or_else(|| self.node_name.clone())
    }

    /// In a cluster, whether node `name` answers a proxied call (`None`:
    /// not a simulated cluster node).
    pub fn cluster_node_online(&self, name: &str) -> Option<bool> {
        let cluster = self.cluster.get().filter(|c| c.nodes.len() > 1)?;
        cluster.node(name).ok().map(|(_, n)| n.state().online())
    }

    /// The node serving the current request, if it lacks quorum.
    fn node_without_quorum(&self) -> Option<&str> {
        let cluster = self.cluster.get()?;
        let index = crate::cluster::serving_node()?;
        let node = cluster.nodes.get(index)?;
        (!cluster.quorate(index)).then_some(node.name.as_str())
    }

    /// The current configuration (readers never wait for writers).
    pub fn read(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Check `password` against the configured root@pam password.
    pub fn check_root_password(&self, password: &str) -> bool {
        crate::auth::constant_time_eq(password.as_bytes(), self.root_password.as_bytes())
    }

    /// The directory holding the state files.
    pub fn state_path(&self) -> &std::path::Path {
        self.store.path()
    }

    /// Run `change` under the cfs lock on a copy of the configuration, save
    /// it, then publish it. Errors from `change` are reported as PVE's
    /// `lock_user_config` does: `<prefix>: <error>` (500).
    pub async fn write<T>(
        &self,
        prefix: &str,
        force_timeout: bool,
        change: impl FnOnce(&mut Snapshot) -> WriteResult<T>,
    ) -> Result<T, ApiError> {
        self.write_inner(prefix, force_timeout, false, change).await
    }

    /// [`Self::write`] for realm create and update: when `change` fails,
    /// the realm `.pw` files it wrote or removed are saved all the same and
    /// the rest of its changes dropped. PVE's `on_add_hook` /
    /// `on_update_hook` touch the `.pw` file before the connection check
    /// that can still `die` (see `State::create_realm`).
    pub async fn write_realm<T>(
        &self,
        prefix: &str,
        force_timeout: bool,
        change: impl FnOnce(&mut Snapshot) -> WriteResult<T>,
    ) -> Result<T, ApiError> {
        self.write_inner(prefix, force_timeout, true, change).await
    }

    async fn write_inner<T>(
        &self,
        prefix: &str,
        force_timeout: bool,
        keep_realm_passwords: bool,
        change: impl FnOnce(&mut Snapshot) -> WriteResult<T>,
    ) -> Result<T, ApiError> {
        let lock_error = || ApiError::internal(format!("{prefix}: {LOCK_TIMEOUT_TEXT}"));
        if force_timeout {
            return Err(lock_error());
        }
        if let Some(node) = self.node_without_quorum() {
            self.stats.record_refused(node);
            // cfs_lock keeps retrying the refused mkdir for its whole timeout.
            tokio::time::sleep(self.lock_timeout).await;
            return Err(ApiError::internal(format!("{prefix}: {NO_QUORUM_TEXT}")));
        }
        let _guard = tokio::time::timeout(self.lock_timeout, self.write_lock.lock())
            .await
            .map_err(|_| lock_error())?;
        let current = self.read();
        let mut next = (*current).clone();
        let value = match change(&mut next) {
            Ok(value) => value,
            Err(e) if keep_realm_passwords && next.realm_passwords != current.realm_passwords => {
                let mut kept = (*current).clone();
                kept.realm_passwords = next.realm_passwords;
                self.commit(prefix, kept)?;
                return Err(ApiError::from(e));
            }
            Err(e) => return Err(ApiError::from(e)),
        };
        self.commit(prefix, next)?;
        Ok(value)
    }

    /// Save `next` and publish it (under the write lock).
    fn commit(&self, prefix: &str, mut next: Snapshot) -> Result<(), ApiError> {
        // PVE reads pmxcfs on every request: the next request sees what
        // the files hold, not what this write had in memory.
        next.reread();
        self.store
            .save(&next)
            .map_err(|e| ApiError::internal(format!("{prefix}: {e}")))?;
        match self.snapshot.write() {
            Ok(mut guard) => *guard = Arc::new(next),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(next),
        }
        Ok(())
    }

    /// Take the write lock as a concurrent writer would (tests use this to
    /// provoke PVE's lock timeout deterministically).
    pub async fn acquire_write_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write_lock.lock().await
    }
}
