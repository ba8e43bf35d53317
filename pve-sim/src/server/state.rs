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
        }
    }

    /// Serve this inventory instead of the default one.
    pub fn with_inventory(mut self, inventory: crate::inventory::Inventory) -> Self {
        self.inventory = crate::inventory::SharedInventory::new(inventory);
        self
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
        let lock_error = || ApiError::internal(format!("{prefix}: {LOCK_TIMEOUT_TEXT}"));
        if force_timeout {
            return Err(lock_error());
        }
        let _guard = tokio::time::timeout(self.lock_timeout, self.write_lock.lock())
            .await
            .map_err(|_| lock_error())?;
        let mut next = (*self.read()).clone();
        let value = change(&mut next).map_err(ApiError::from)?;
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
        Ok(value)
    }

    /// Take the write lock as a concurrent writer would (tests use this to
    /// provoke PVE's lock timeout deterministically).
    pub async fn acquire_write_lock(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.write_lock.lock().await
    }
}
