//! The configured connection that every resource and data source shares:
//! the API client, the queue that serialises writes to the access
//! configuration, and the short-lived list caches that answer refresh reads.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use proxmox_client::{
    AclEntry, Client, Error, Group, GroupId, Pool, PoolId, Role, RoleId, TokenId, TokenInfo, User,
    UserId,
};
use tfplugin::diag::Diagnostics;

/// How long one list call answers every read of its collection. A refresh
/// of N users, tokens, roles, groups, pools or ACLs then costs one list call
/// per collection, not N GETs; writes invalidate every list at once.
const LIST_CACHE_TTL: Duration = Duration::from_secs(10);

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
    /// Lists that answer refresh reads (see [`ListCache`]).
    lists: ListCaches,
}

impl Connection {
    pub fn new(client: Client, credential: impl Into<String>) -> Self {
        Connection {
            client,
            credential: credential.into(),
            writes: tokio::sync::Mutex::new(()),
            lists: ListCaches::default(),
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
        self.lists.invalidate();
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
        self.lists
            .acl
            .get_or_fetch(&self.lists.generation, || async {
                self.client.acl().list().await
            })
            .await
    }
}

/// One list answer: when it was fetched, under which write generation, and the value.
#[derive(Debug)]
struct Cached<T> {
    fetched: Instant,
    generation: u64,
    value: Arc<T>,
}

/// A single-flight, generation-checked cache of one list call.
///
/// Concurrent readers wait for one fetch instead of each calling PVE. Every
/// write through [`Connection::write`] bumps the connection's generation, so
/// an answer fetched before a write (or while one was running) is never
/// served after it: the next reader fetches again.
#[derive(Debug)]
struct ListCache<T> {
    /// Held while fetching, so concurrent readers wait for one list call.
    slot: tokio::sync::Mutex<Option<Cached<T>>>,
}

impl<T> Default for ListCache<T> {
    fn default() -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
        }
    }
}

impl<T> ListCache<T> {
    async fn get_or_fetch<F, Fut>(&self, generation: &AtomicU64, fetch: F) -> Result<Arc<T>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, Error>>,
    {
        let mut slot = self.slot.lock().await;
        // Read before fetching: a write that ends during the fetch bumps the
        // generation past this one, and the answer is not reused.
        let current = generation.load(Ordering::SeqCst);
        if let Some(cached) = slot.as_ref()
            && cached.generation == current
            && cached.fetched.elapsed() < LIST_CACHE_TTL
        {
            return Ok(cached.value.clone());
        }
        let value = Arc::new(fetch().await?);
        *slot = Some(Cached {
            fetched: Instant::now(),
            generation: current,
            value: value.clone(),
        });
        Ok(value)
    }
}

/// The collections a refresh reads, each from one list call.
#[derive(Debug, Default)]
struct ListCaches {
    /// Bumped by every write; an answer from an older generation is stale.
    /// One counter for all lists: a write to one collection can change
    /// another (deleting a user drops its ACLs and group memberships).
    generation: AtomicU64,
    acl: ListCache<Vec<AclEntry>>,
    /// `GET /access/users?full=1`, by user id.
    users: ListCache<BTreeMap<String, User>>,
    /// `GET /access/roles`, by role id.
    roles: ListCache<BTreeMap<String, Role>>,
    /// `GET /access/groups`, by group id.
    groups: ListCache<BTreeMap<String, Group>>,
    /// `GET /pools`, by pool id.
    pools: ListCache<BTreeMap<String, Pool>>,
}

impl ListCaches {
    fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// Logs a list call that failed; the caller then asks for the one object.
fn list_failed<T>(what: &str, result: Result<T, Error>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            tracing::debug!(list = what, error = %error, "list call failed; reading the object itself");
            None
        }
    }
}

/// Refresh reads served from the list caches.
///
/// Each returns `Some` only when the object is in the list. `None` means
/// "ask for the object itself": the list failed, or does not show it — PVE
/// filters lists by the caller's privileges, so absence from a list is no
/// proof that an object is gone; the per-object GET decides, with the same
/// answer and error as before the caches existed.
impl Connection {
    /// A user (with groups and tokens) from `GET /access/users?full=1`.
    pub async fn listed_user(&self, user: &UserId) -> Option<User> {
        let fetched = self
            .lists
            .users
            .get_or_fetch(&self.lists.generation, || async {
                let users = self.client.users().list().await?;
                Ok(users
                    .into_iter()
                    .map(|mut user| {
                        // GET answers groups sorted; the list joins them in config order.
                        user.groups.sort();
                        user.tokens.sort_by(|a, b| a.tokenid.cmp(&b.tokenid));
                        (user.userid.to_string(), user)
                    })
                    .collect())
            })
            .await;
        list_failed("users", fetched)?.get(user.as_str()).cloned()
    }

    /// A token's settings, from the same user list (`full=1` carries
    /// every user's tokens).
    pub async fn listed_token(&self, token: &TokenId) -> Option<TokenInfo> {
        self.listed_user(token.user())
            .await?
            .tokens
            .into_iter()
            .find(|info| info.tokenid == *token.name())
    }

    /// A role and its privileges from `GET /access/roles`.
    pub async fn listed_role(&self, role: &RoleId) -> Option<Role> {
        let fetched = self
            .lists
            .roles
            .get_or_fetch(&self.lists.generation, || async {
                let roles = self.client.roles().list().await?;
                Ok(roles
                    .into_iter()
                    .map(|role| (role.roleid.to_string(), role))
                    .collect())
            })
            .await;
        list_failed("roles", fetched)?.get(role.as_str()).cloned()
    }

    /// A group and its members from `GET /access/groups`.
    pub async fn listed_group(&self, group: &GroupId) -> Option<Group> {
        let fetched = self
            .lists
            .groups
            .get_or_fetch(&self.lists.generation, || async {
                let groups = self.client.groups().list().await?;
                Ok(groups
                    .into_iter()
                    .map(|mut group| {
                        // GET sorts members too (see GroupsHandler::get).
                        group.members.sort();
                        (group.groupid.to_string(), group)
                    })
                    .collect())
            })
            .await;
        list_failed("groups", fetched)?.get(group.as_str()).cloned()
    }

    /// A pool's id and comment from `GET /pools`. The list has no members:
    /// readers that need them call `GET /pools?poolid=` themselves.
    pub async fn listed_pool(&self, pool: &PoolId) -> Option<Pool> {
        let fetched = self
            .lists
            .pools
            .get_or_fetch(&self.lists.generation, || async {
                let pools = self.client.pools().list().await?;
                Ok(pools
                    .into_iter()
                    .map(|pool| (pool.poolid.to_string(), pool))
                    .collect())
            })
            .await;
        list_failed("pools", fetched)?.get(pool.as_str()).cloned()
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
            Error::AllNodesFailed { .. } => "Every node in `endpoints` failed, each for the reason listed. Check that at least one node is up, reachable from here and quorate; a request that failed on every node changed nothing, so it is safe to run `terraform apply` again.".to_string(),
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

#[path = "connection_create.rs"]
mod create;
pub use create::Creation;

#[cfg(test)]
#[path = "connection_tests.rs"]
mod tests;
