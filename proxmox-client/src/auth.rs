//! Credentials and the ticket life cycle.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{Mutex, RwLock};

use crate::{ApiToken, Secret, UserId};

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
}
