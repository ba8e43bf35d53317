//! The authentication layer: credentials, the login vocabulary
//! (`POST /access/ticket`) and the ticket life cycle.
//!
//! The layer sits below the API handlers: it turns credentials into request
//! headers and, for tickets, logs in through a sender it is given for
//! *unauthenticated* requests. It never calls back into the authenticated
//! request path, so obtaining a ticket cannot recurse into needing one.

use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{Mutex, RwLock};

use crate::de;
use crate::params::Params;
use crate::{ApiToken, Error, RealmId, Secret, UserId};

/// PVE tickets are valid for 2 hours (`$ticket_lifetime = 7200`).
pub(crate) const TICKET_LIFETIME: Duration = Duration::from_secs(2 * 3600);

/// Renew tickets this long after issue, well before they expire.
pub const DEFAULT_TICKET_RENEW_AFTER: Duration = Duration::from_secs(105 * 60);

/// How the client authenticates. `Debug` never shows secrets.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// No credentials: only the unauthenticated endpoints work
    /// (`POST /access/ticket`, `GET /access/domains`).
    #[default]
    None,
    /// An API token; sent as `Authorization: PVEAPIToken=…` on every request.
    ApiToken(ApiToken),
    /// Username and password: the client logs in for a ticket, sends it as the
    /// `PVEAuthCookie` cookie with a `CSRFPreventionToken` header on writes,
    /// and renews it before it expires.
    Password {
        /// The user, e.g. `root@pam`.
        username: UserId,
        /// The password.
        password: Secret,
        /// A TOTP code for users with two-factor authentication. Only the
        /// first login can use it; later renewals use the ticket itself.
        otp: Option<Secret>,
    },
    /// A ticket and CSRF token obtained elsewhere (e.g. from [`crate::Client::login`]).
    /// The client renews it with itself as the password while it is valid.
    Ticket {
        /// The `PVEAuthCookie` ticket.
        ticket: Secret,
        /// The `CSRFPreventionToken`.
        csrf_token: Secret,
    },
}

impl Credentials {
    /// A short description for error messages: kind and id, never the secret.
    pub fn describe(&self) -> String {
        match self {
            Self::None => "no credentials".into(),
            Self::ApiToken(t) => format!("API token {}", t.id()),
            Self::Password { username, .. } => format!("password of {username}"),
            Self::Ticket { ticket, .. } => match ticket_user(ticket.expose()) {
                Some(user) => format!("ticket of {user}"),
                None => "ticket".into(),
            },
        }
    }
}

/// Parameters of `POST /access/ticket`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginRequest {
    /// `user@realm`, or a bare name together with `realm`.
    pub username: String,
    /// The password, or a valid ticket to renew it, or (with `tfa_challenge`)
    /// the second-factor response such as `totp:123456`.
    pub password: Secret,
    /// Realm to append to `username`.
    pub realm: Option<RealmId>,
    /// A TOTP code sent with the first factor.
    pub otp: Option<Secret>,
    /// The half-ticket of a `NeedTFA` answer, for the second step.
    pub tfa_challenge: Option<Secret>,
}

impl LoginRequest {
    /// The form of `POST /access/ticket`.
    pub(crate) fn to_params(&self) -> Params {
        let mut p = Params::new();
        p.put("username", self.username.as_str())
            .put("password", self.password.expose())
            .opt("realm", self.realm.as_ref())
            .opt("otp", self.otp.as_ref().map(Secret::expose))
            .opt(
                "tfa-challenge",
                self.tfa_challenge.as_ref().map(Secret::expose),
            );
        p
    }
}

/// A login answer. `Debug` redacts the ticket and CSRF token.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Ticket {
    /// The authenticated user id.
    pub username: String,
    /// The `PVEAuthCookie` ticket (valid 2 h).
    pub ticket: Secret,
    /// The `CSRFPreventionToken` for writes.
    #[serde(rename = "CSRFPreventionToken")]
    pub csrf_token: Secret,
    /// The user has TFA: `ticket` is a challenge; log in again with
    /// `tfa_challenge` set to it.
    #[serde(default, rename = "NeedTFA", deserialize_with = "de::bool_lenient")]
    pub need_tfa: bool,
    /// The cluster name (clustered nodes, with `Sys.Audit` on `/`).
    #[serde(default)]
    pub clustername: Option<String>,
    /// Capabilities summary for UIs.
    #[serde(default)]
    pub cap: Option<Value>,
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("username", &self.username)
            .field("ticket", &self.ticket)
            .field("csrf_token", &self.csrf_token)
            .field("need_tfa", &self.need_tfa)
            .field("clustername", &self.clustername)
            .finish_non_exhaustive()
    }
}

/// The user id embedded in a ticket `PVE:<user>:<HEX time>::<sig>`.
pub(crate) fn ticket_user(ticket: &str) -> Option<String> {
    let mut parts = ticket.split(':');
    if parts.next()? != "PVE" {
        return None;
    }
    let user = parts.next()?;
    // The user id is URI-escaped for ':' only; undo the common escapes.
    Some(user.replace("%3A", ":").replace("%3a", ":"))
}

/// Seconds since the ticket was issued, from its embedded timestamp.
pub(crate) fn ticket_age(ticket: &str) -> Option<Duration> {
    let ts = ticket.split(':').nth(2)?;
    let issued = u64::from_str_radix(ts, 16).ok()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(now.saturating_sub(issued)))
}

/// A ticket in use.
#[derive(Clone)]
pub(crate) struct TicketState {
    pub ticket: Secret,
    pub csrf: Secret,
    pub obtained: Instant,
}

impl TicketState {
    pub(crate) fn new(ticket: Secret, csrf: Secret) -> Self {
        Self {
            ticket,
            csrf,
            obtained: Instant::now(),
        }
    }

    /// A caller-supplied ticket: its age comes from its embedded timestamp.
    pub(crate) fn supplied(ticket: Secret, csrf: Secret) -> Self {
        let age = ticket_age(ticket.expose()).unwrap_or_default();
        let obtained = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        Self {
            ticket,
            csrf,
            obtained,
        }
    }

    pub(crate) fn age(&self) -> Duration {
        self.obtained.elapsed()
    }
}

/// Ticket storage shared by all clones of a client. The `refresh` mutex makes
/// concurrent callers wait for one login instead of each logging in.
pub(crate) struct TicketStore {
    pub state: RwLock<Option<TicketState>>,
    pub refresh: Mutex<()>,
    pub renew_after: Duration,
}

impl TicketStore {
    pub(crate) fn new(initial: Option<TicketState>, renew_after: Duration) -> Self {
        Self {
            state: RwLock::new(initial),
            refresh: Mutex::new(()),
            renew_after,
        }
    }

    /// The current ticket if it does not need renewing yet.
    pub(crate) async fn fresh(&self) -> Option<TicketState> {
        let guard = self.state.read().await;
        guard
            .as_ref()
            .filter(|s| s.age() < self.renew_after)
            .cloned()
    }

    /// The current ticket, however old.
    pub(crate) async fn current(&self) -> Option<TicketState> {
        self.state.read().await.clone()
    }

    pub(crate) async fn set(&self, state: TicketState) {
        *self.state.write().await = Some(state);
    }

    /// Drops `seen` if it is still the current ticket (it was refused).
    pub(crate) async fn invalidate(&self, seen: &Secret) {
        let mut guard = self.state.write().await;
        if guard.as_ref().is_some_and(|s| &s.ticket == seen) {
            *guard = None;
        }
    }
}

/// Turns credentials into request headers. `login` sends a
/// `POST /access/ticket` *without* authentication; it is used only when a
/// ticket must be obtained or renewed.
pub(crate) struct Authenticator<'a, L> {
    pub credentials: &'a Credentials,
    pub tickets: Option<&'a TicketStore>,
    pub login: L,
}

impl<L, F> Authenticator<'_, L>
where
    L: Fn(LoginRequest) -> F,
    F: Future<Output = Result<Ticket, Error>>,
{
    /// The authentication headers for a request, plus the ticket used (if
    /// any), so a refused ticket can be [`TicketStore::invalidate`]d.
    pub(crate) async fn headers(
        &self,
        method: &Method,
    ) -> Result<(HeaderMap, Option<Secret>), Error> {
        let mut headers = HeaderMap::new();
        match self.credentials {
            Credentials::None => Ok((headers, None)),
            Credentials::ApiToken(token) => {
                headers.insert(
                    reqwest::header::AUTHORIZATION,
                    sensitive_header(&token.header_value())?,
                );
                Ok((headers, None))
            }
            Credentials::Password { .. } | Credentials::Ticket { .. } => {
                let state = self.ticket().await?;
                headers.insert(
                    reqwest::header::COOKIE,
                    sensitive_header(&format!("PVEAuthCookie={}", state.ticket.expose()))?,
                );
                if method != Method::GET {
                    headers.insert(
                        "CSRFPreventionToken",
                        sensitive_header(state.csrf.expose())?,
                    );
                }
                Ok((headers, Some(state.ticket)))
            }
        }
    }

    /// A ticket that is not due for renewal. Concurrent callers wait for a
    /// single login/renewal instead of each performing one.
    async fn ticket(&self) -> Result<TicketState, Error> {
        let Some(store) = self.tickets else {
            return Err(Error::Config(
                "ticket requested without ticket credentials".into(),
            ));
        };
        if let Some(fresh) = store.fresh().await {
            return Ok(fresh);
        }
        let _single_flight = store.refresh.lock().await;
        if let Some(fresh) = store.fresh().await {
            return Ok(fresh);
        }
        let old = store.current().await;
        let new = self.obtain_ticket(old).await?;
        store.set(new.clone()).await;
        Ok(new)
    }

    /// Renews `old` with itself as the password while it is valid; otherwise
    /// (or if that fails) logs in with the configured password.
    async fn obtain_ticket(&self, old: Option<TicketState>) -> Result<TicketState, Error> {
        let mut renew_error = None;
        if let Some(old) = old.filter(|o| o.age() < TICKET_LIFETIME) {
            let username = match self.credentials {
                Credentials::Password { username, .. } => Some(username.to_string()),
                _ => ticket_user(old.ticket.expose()),
            };
            if let Some(username) = username {
                let renewal = LoginRequest {
                    username,
                    password: old.ticket.clone(),
                    ..LoginRequest::default()
                };
                match (self.login)(renewal).await {
                    Ok(t) if !t.need_tfa => {
                        tracing::debug!("PVE ticket renewed");
                        return Ok(TicketState::new(t.ticket, t.csrf_token));
                    }
                    Ok(_) => {}
                    Err(e) => renew_error = Some(e),
                }
            }
        }
        match self.credentials {
            Credentials::Password {
                username,
                password,
                otp,
            } => {
                let login = LoginRequest {
                    username: username.to_string(),
                    password: password.clone(),
                    otp: otp.clone(),
                    ..LoginRequest::default()
                };
                let t = (self.login)(login).await?;
                if t.need_tfa {
                    return Err(Error::Authentication {
                        credential: self.credentials.describe(),
                        message: "the user has two-factor authentication: configure an OTP code or use an API token".into(),
                    });
                }
                tracing::debug!(user = %username, "PVE ticket obtained");
                Ok(TicketState::new(t.ticket, t.csrf_token))
            }
            _ => Err(renew_error.unwrap_or_else(|| Error::Authentication {
                credential: self.credentials.describe(),
                message: "the ticket has expired and no password is configured to obtain a new one"
                    .into(),
            })),
        }
    }
}

fn sensitive_header(value: &str) -> Result<HeaderValue, Error> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        Error::Config("a credential contains characters not allowed in an HTTP header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_parts() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let t = format!("PVE:root@pam:{:08X}::c2lnbmF0dXJl", now - 600);
        assert_eq!(ticket_user(&t).as_deref(), Some("root@pam"));
        let age = ticket_age(&t).unwrap();
        assert!(age >= Duration::from_secs(600) && age < Duration::from_secs(660));
        assert!(ticket_user("garbage").is_none());
        let c = Credentials::Ticket {
            ticket: Secret::new(t.clone()),
            csrf_token: Secret::new("csrf-value"),
        };
        assert_eq!(c.describe(), "ticket of root@pam");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("c2lnbmF0dXJl") && !dbg.contains("csrf-value"));
        let supplied = TicketState::supplied(Secret::new(t), Secret::new("x"));
        assert!(supplied.age() >= Duration::from_secs(600));
    }

    #[test]
    fn ticket_debug_is_redacted_and_need_tfa_decodes() {
        let t: Ticket = serde_json::from_value(serde_json::json!({
            "username": "a@pve", "ticket": "PVE:a@pve:6500::SIGNATURE",
            "CSRFPreventionToken": "6500:CSRFSIG", "NeedTFA": 1
        }))
        .unwrap();
        assert!(t.need_tfa);
        let dbg = format!("{t:?}");
        assert!(
            !dbg.contains("SIGNATURE") && !dbg.contains("CSRFSIG"),
            "{dbg}"
        );
    }
}
