//! The configured connection that every resource and data source shares:
//! the API client, the queue that serialises writes to the access
//! configuration, and the short-lived ACL list cache.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use proxmox_client::{AclEntry, Client, Error};
use tfplugin::diag::Diagnostics;

/// How long one ACL list answers every ACL read. A refresh of N `pve_acl`
/// resources then costs one list call, not N; writes invalidate it at once.
const ACL_CACHE_TTL: Duration = Duration::from_secs(10);

/// How often a read-back after an interrupted create is attempted.
const READ_BACK_ATTEMPTS: u32 = 5;

/// A handle to the provider's connection, given to every resource before
/// Terraform configures the provider; it is filled in by `ConfigureProvider`.
#[derive(Clone, Debug, Default)]
pub struct Pve {
    connection: Arc<OnceLock<Arc<Connection>>>,
    /// Why there is no connection, when configuration could not make one.
    unconfigured_reason: Arc<Mutex<Option<String>>>,
}

impl Pve {
    /// The connection, or an error diagnostic explaining why there is none.
    pub fn connection(&self) -> Result<Arc<Connection>, Diagnostics> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        let reason = self
            .unconfigured_reason
            .lock()
            .ok()
            .and_then(|reason| reason.clone())
            .unwrap_or_else(|| "ConfigureProvider has not run".to_string());
        Err(Diagnostics::error(
            "The pve provider is not configured",
            format!(
                "{reason}. Set `endpoint` and credentials in the provider block or through PROXMOX_VE_* environment variables."
            ),
        ))
    }

    /// The connection if there is one (e.g. for optional server-side checks at plan time).
    pub fn try_connection(&self) -> Option<Arc<Connection>> {
        self.connection.get().cloned()
    }

    pub(crate) fn set(&self, connection: Connection) {
        // A provider process is configured once; a second call keeps the first.
        let _ = self.connection.set(Arc::new(connection));
    }

    pub(crate) fn set_unconfigured(&self, reason: impl Into<String>) {
        if let Ok(mut slot) = self.unconfigured_reason.lock() {
            *slot = Some(reason.into());
        }
    }
}

/// The API client plus the provider-wide coordination around it.
#[derive(Debug)]
pub struct Connection {
    client: Client,
    /// What authenticates us, for error messages: never the secret.
    credential: String,
    /// PVE serialises access-config writes under one cluster lock; queueing
    /// them here means parallel applies wait for each other instead of
    /// piling up on lock timeouts.
    writes: tokio::sync::Mutex<()>,
    acl_cache: AclCache,
}

impl Connection {
    pub fn new(client: Client, credential: impl Into<String>) -> Self {
        Connection {
            client,
            credential: credential.into(),
            writes: tokio::sync::Mutex::new(()),
            acl_cache: AclCache::default(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Which credential is in use (kind and id, no secret).
    pub fn credential(&self) -> &str {
        &self.credential
    }

    /// Runs one write to the access configuration, one at a time across the
    /// provider, and invalidates cached reads it may affect. Lock timeouts
    /// are retried by the client's retry layer (nothing was changed).
    pub async fn write<T, F, Fut>(&self, op: F) -> Result<T, Error>
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let _turn = self.writes.lock().await;
        let result = op(self.client.clone()).await;
        self.acl_cache.invalidate();
        result
    }

    /// Runs a delete through [`Connection::write`]. An object that is already
    /// gone counts as deleted: that is what Terraform asked for. `action`
    /// reads like "delete user 'ci@pve'".
    pub async fn delete<F, Fut>(&self, action: &str, op: F) -> Result<(), Diagnostics>
    where
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = Result<(), Error>>,
    {
        match self.write(op).await {
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => Err(self.diagnose(action, &error)),
        }
    }

    /// Reads an object back after a create whose outcome is unknown. The
    /// situation is already abnormal (the connection broke), so a failed
    /// read is tried again a few times, whatever the error, before the
    /// provider gives up; "not found" is an answer and returned at once.
    pub async fn read_back<T, F, Fut>(&self, op: F) -> Result<T, Error>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let mut attempt = 1;
        loop {
            match op(self.client.clone()).await {
                Err(error) if !error.is_not_found() && attempt < READ_BACK_ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(200) * attempt).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// The full ACL list, shared by every ACL read within the cache lifetime.
    pub async fn acl_entries(&self) -> Result<Arc<Vec<AclEntry>>, Error> {
        self.acl_cache.get_or_fetch(&self.client).await
    }
}

/// One ACL list: when it was fetched, under which write generation, and the entries.
#[derive(Debug)]
struct CachedAcl {
    fetched: Instant,
    generation: u64,
    entries: Arc<Vec<AclEntry>>,
}

/// A single-flight, generation-checked cache of `GET /access/acl`.
#[derive(Debug, Default)]
struct AclCache {
    /// Held while fetching, so concurrent readers wait for one list call.
    slot: tokio::sync::Mutex<Option<CachedAcl>>,
    /// Bumped by every write; an entry from an older generation is stale.
    generation: std::sync::atomic::AtomicU64,
}

impl AclCache {
    fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    async fn get_or_fetch(&self, client: &Client) -> Result<Arc<Vec<AclEntry>>, Error> {
        let mut slot = self.slot.lock().await;
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(cached) = slot.as_ref()
            && cached.generation == generation
            && cached.fetched.elapsed() < ACL_CACHE_TTL
        {
            return Ok(cached.entries.clone());
        }
        let entries = Arc::new(client.acl().list().await?);
        *slot = Some(CachedAcl {
            fetched: Instant::now(),
            generation,
            entries: entries.clone(),
        });
        Ok(entries)
    }
}

impl Connection {
    /// Turns a client error into a diagnostic that says what failed, what
    /// PVE said, and what to do about it. `action` reads like
    /// "create user 'ci@pve'".
    pub fn diagnose(&self, action: &str, error: &Error) -> Diagnostics {
        let hint = match error {
            Error::Authentication { .. } => format!(
                "PVE answered 401: it refused the credential ({}). Check the token id and secret (or the password), and that the user and token are enabled and not expired.",
                self.credential
            ),
            Error::Permission(_) => format!(
                "PVE answered 403: {} authenticated, but lacks the privilege named above on that path. Grant it with a pve_acl on the path (for a privilege-separated token, both the token and its user need it).",
                self.credential
            ),
            Error::Tls { .. } => "Set `ca_certificate` to the PVE CA (PEM), or `tls_fingerprint` to the certificate's SHA-256 fingerprint as PVE shows it, or (for tests only) `insecure = true`.".to_string(),
            Error::Connect { .. } => "Check `endpoint` (https://HOST:8006) and that pveproxy is reachable from here.".to_string(),
            Error::OutcomeUnknown { .. } => "PVE's answer was lost (the connection broke after the request was sent, or a proxy in front of PVE answered 502/503/504 in its place), and reading the object back did not settle it, so PVE may or may not have applied the change. If the object exists now, import it (the next `terraform apply` names the command); otherwise run `terraform apply` again.".to_string(),
            // Retried already (safe to repeat), and still failing: say that
            // applying again is safe, or the operator cannot know. The client
            // reports a 502/503/504 on a request that is not safe to repeat
            // as OutcomeUnknown, so these only ever come from repeatable ones.
            Error::Transport { .. } | Error::Unavailable(_) | Error::LockTimeout(_) => "PVE did not answer reliably, even after retries. Repeating this request has no further effect, so it is safe to run `terraform apply` again.".to_string(),
            _ => String::new(),
        };
        let detail = if hint.is_empty() {
            error.to_string()
        } else {
            format!("{error}\n\n{hint}")
        };
        Diagnostics::error(format!("Could not {action}"), detail)
    }
}
