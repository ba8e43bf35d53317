//! Pre-dispatch authentication (`HTTPServer.pm::auth_handler` and
//! `AnyEvent.pm::authenticate_and_handle_request`), PVE ≥ 9.1.5 wording.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::auth::uri_unescape;
use crate::model::perm::{AuthState, auth_state};
use crate::server::state::{SharedState, now};

/// 401 reason when neither a ticket nor a token was sent.
pub const NO_TICKET: &str = "No ticket";
/// 401 reason for every bad ticket or token (pve-manager ≥ 9.1.5).
pub const AUTH_FAILED: &str = "Authentication failed!";
/// 401 reason for a missing or wrong CSRF token.
pub const INVALID_CSRF: &str = "Permission denied - invalid csrf token";

/// An authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `user@realm` or, for tokens, `user@realm!tokenid`.
    pub authid: String,
    /// Authenticated by API token (tokens skip CSRF and cannot use
    /// `allowtoken => 0` methods).
    pub via_token: bool,
}

impl Caller {
    /// The user part of the identity.
    pub fn userid(&self) -> &str {
        self.authid.split('!').next().unwrap_or(&self.authid)
    }

    /// Exactly `root@pam` (root's tokens are not root, §6.1).
    pub fn is_root(&self) -> bool {
        self.authid == crate::model::config::ROOT_USERID
    }
}

/// What the authentication step established for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// A method that needs no authentication; remembers whether an API
    /// token header was present (POST /access/ticket refuses it).
    Anonymous {
        /// An `Authorization: PVEAPIToken…` header was sent.
        token_header: bool,
    },
    /// An authenticated caller.
    Caller(Caller),
}

impl Auth {
    /// The caller, if authenticated.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Auth::Caller(c) => Some(c),
            Auth::Anonymous { .. } => None,
        }
    }
}

/// Response extension naming the authenticated id for the access log.
#[derive(Debug, Clone)]
pub struct LoggedUser(pub String);

/// `Formatter.pm::extract_auth_value`: `(?:^|\s)KEY(?:=| )([^;]*)`,
/// URI-unescaped.
fn extract_auth_value(header: &str, key: &str) -> Option<String> {
    let mut search = 0;
    while let Some(found) = header[search..].find(key) {
        let start = search + found;
        let boundary_ok = start == 0
            || header[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_whitespace);
        let after = &header[start + key.len()..];
        if boundary_ok && (after.starts_with('=') || after.starts_with(' ')) {
            let value = after[1..].split(';').next().unwrap_or("");
            return Some(uri_unescape(value));
        }
        search = start + key.len();
    }
    None
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Where the credentials came from (§2.2 precedence).
enum Credentials {
    None,
    Ticket(String),
    Token(String),
}

fn credentials(headers: &HeaderMap) -> Credentials {
    let cookie_ticket = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| extract_auth_value(c, "PVEAuthCookie"));
    if let Some(t) = cookie_ticket.filter(|t| !t.is_empty()) {
        return Credentials::Ticket(t);
    }
    let authorization = header_str(headers, "authorization").unwrap_or("");
    if let Some(t) = extract_auth_value(authorization, "PVEAuthCookie").filter(|t| !t.is_empty()) {
        return Credentials::Ticket(t);
    }
    if let Some(t) = extract_auth_value(authorization, "PVEAPIToken").filter(|t| !t.is_empty()) {
        return Credentials::Token(t);
    }
    Credentials::None
}

/// Calls that need no authentication (`auth_handler`'s explicit list).
pub fn is_public(method: &Method, rel_uri: &str) -> bool {
    matches!(
        (method.as_str(), rel_uri),
        ("GET", "/access/domains")
            | ("GET" | "POST", "/access/ticket")
            | ("POST", "/access/vncticket")
            | ("POST", "/access/openid/login")
            | ("POST", "/access/openid/auth-url")
    )
}

fn unix_now() -> u64 {
    u64::try_from(now()).unwrap_or(0)
}

/// Verify an API token header value `user@realm!tokenid=SECRET`.
fn verify_token(state: &SharedState, value: &str) -> Option<Caller> {
    let (tokenid, secret) = value.rsplit_once('=')?;
    if let Err(reason) = state.read().verify_token(tokenid, secret, unix_now()) {
        // PVE ≥ 9.1.5 answers "Authentication failed!"; the cause is only logged.
        tracing::info!("API token authentication failed for '{tokenid}': {reason}");
        return None;
    }
    Some(Caller {
        authid: tokenid.to_string(),
        via_token: true,
    })
}

/// Verify a ticket (and, for non-GET, the CSRF token).
fn verify_ticket(
    state: &SharedState,
    ticket: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Caller, &'static str> {
    let now = now();
    let userid = state.signer.verify_ticket(ticket, now).ok_or(AUTH_FAILED)?;
    if auth_state(&state.read().users, &userid, unix_now()) != AuthState::Ok {
        return Err(AUTH_FAILED);
    }
    if *method != Method::GET {
        let csrf = header_str(headers, "csrfpreventiontoken").unwrap_or("");
        if !state.signer.verify_csrf(csrf, &userid, now) {
            return Err(INVALID_CSRF);
        }
    }
    Ok(Caller {
        authid: userid,
        via_token: false,
    })
}

/// The caller a request authenticates as (ticket, with CSRF for writes, or
/// API token), if any. For endpoints outside `/api2/json`.
pub fn caller_of(state: &SharedState, method: &Method, headers: &HeaderMap) -> Option<Caller> {
    match credentials(headers) {
        Credentials::None => None,
        Credentials::Ticket(ticket) => verify_ticket(state, &ticket, method, headers).ok(),
        Credentials::Token(value) => verify_token(state, &value),
    }
}

/// The `/api2/json` path relative to the API root (`/access/users`).
pub fn rel_uri(path: &str) -> String {
    let rest = path.strip_prefix("/api2/json").unwrap_or(path);
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

/// Middleware: authenticate, then hand the [`Auth`] to the handlers.
pub async fn authenticate(
    State(state): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let rel = rel_uri(request.uri().path());
    let method = request.method().clone();
    let creds = credentials(request.headers());
    let auth = if is_public(&method, &rel) {
        Ok(Auth::Anonymous {
            token_header: matches!(creds, Credentials::Token(_)),
        })
    } else {
        match creds {
            Credentials::None => Err(NO_TICKET),
            Credentials::Ticket(ticket) => {
                verify_ticket(&state, &ticket, &method, request.headers()).map(Auth::Caller)
            }
            Credentials::Token(value) => verify_token(&state, &value)
                .map(Auth::Caller)
                .ok_or(AUTH_FAILED),
        }
    };
    match auth {
        Err(reason) => {
            if !state.auth_failure_delay.is_zero() {
                tokio::time::sleep(state.auth_failure_delay).await;
            }
            ApiError::Unauthorized(reason).into_response()
        }
        Ok(auth) => {
            let logged = auth.caller().map(|c| LoggedUser(c.authid.clone()));
            request.extensions_mut().insert(auth);
            let mut response = next.run(request).await;
            if let Some(logged) = logged {
                response.extensions_mut().insert(logged);
            }
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_value_extraction() {
        assert_eq!(
            extract_auth_value("PVEAPIToken=u@pve!t=abc", "PVEAPIToken").as_deref(),
            Some("u@pve!t=abc")
        );
        assert_eq!(
            extract_auth_value("PVEAPIToken u@pve!t=abc", "PVEAPIToken").as_deref(),
            Some("u@pve!t=abc")
        );
        assert_eq!(
            extract_auth_value("a=b; PVEAuthCookie=PVE%3Ax; c=d", "PVEAuthCookie").as_deref(),
            Some("PVE:x")
        );
        assert_eq!(
            extract_auth_value("XPVEAuthCookie=1", "PVEAuthCookie"),
            None
        );
    }

    #[test]
    fn rel_uri_ignores_repeated_and_trailing_slashes() {
        assert_eq!(rel_uri("/api2/json//access/users/"), "/access/users");
        assert_eq!(rel_uri("/api2/json"), "/");
    }
}
