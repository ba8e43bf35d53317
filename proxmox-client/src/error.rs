//! The one error type of the crate, and the mapping from PVE answers to it.

use std::collections::BTreeMap;
use std::fmt;

use crate::{AclPathError, IdError};

/// Shorthand for `Result<T, proxmox_client::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error answer from the PVE API: status, PVE's message and per-parameter errors.
///
/// `message` is PVE's text with the trailing newline trimmed; it never
/// contains request secrets (PVE does not echo them, and the client never
/// adds them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP method of the failed request.
    pub method: String,
    /// API path of the failed request, relative to `/api2/json`.
    pub path: String,
    /// HTTP status code.
    pub status: u16,
    /// PVE's message (the `message` body field, else the reason phrase),
    /// trimmed; with several endpoints followed by ` (node https://…)`, the
    /// endpoint that answered.
    pub message: String,
    /// Per-parameter errors (`errors` body field, or the `param: text` lines of
    /// a parameter exception raised inside a config lock).
    pub errors: BTreeMap<String, String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} {}",
            self.method, self.path, self.status, self.message
        )?;
        for (param, text) in &self.errors {
            write!(f, "; {param}: {text}")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in this crate.
///
/// Use the predicates [`Error::is_not_found`], [`Error::is_conflict`] and
/// [`Error::is_retryable`] rather than matching PVE message texts yourself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is unusable (bad URL, `http://`, bad PEM,
    /// bad fingerprint). The message names the setting and the fix.
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// An identifier or request field failed validation before anything was sent.
    #[error(transparent)]
    InvalidId(#[from] IdError),

    /// An ACL path failed validation before anything was sent.
    #[error(transparent)]
    InvalidPath(#[from] AclPathError),

    /// A request was rejected locally because a field is missing or inconsistent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// 401: the credentials were refused. `credential` says which kind and
    /// which id were used (never the secret); PVE sends no detail beyond
    /// `message` (the reason phrase, e.g. `No ticket`).
    #[error("authentication failed using {credential}: {message}")]
    Authentication {
        /// The credential kind and id, e.g. `API token root@pam!ci`.
        credential: String,
        /// PVE's reason phrase or message.
        message: String,
    },

    /// 403: authenticated, but missing a privilege. The message names it, e.g.
    /// `Permission check failed (/access, User.Modify)`.
    #[error("permission denied: {0}")]
    Permission(ApiError),

    /// 404, or a 500 whose message says the object does not exist.
    #[error("not found: {0}")]
    NotFound(ApiError),

    /// The object already exists (500 `… already exists`, 400 `tokenid: Token already exists.`).
    #[error("already exists: {0}")]
    Conflict(ApiError),

    /// 400 parameter verification failed (see [`ApiError::errors`]), including
    /// parameter exceptions PVE raised inside a config lock as a 500.
    #[error("invalid parameters: {0}")]
    Parameter(ApiError),

    /// A cluster config lock could not be taken (`cfs-lock … got lock request
    /// timeout`). Nothing was changed, so any request may be repeated.
    #[error("config lock timeout (safe to retry): {0}")]
    LockTimeout(ApiError),

    /// 502, 503 or 504: the server or a proxy in front of it is unavailable.
    #[error("server unavailable: {0}")]
    Unavailable(ApiError),

    /// The node has lost quorum, so its configuration is read-only: PVE
    /// refuses every write with HTTP 500 (`… cfs-lock 'file-user_cfg' error:
    /// no quorum!` for access control) before changing anything. Reads still work. Another node may serve
    /// the write.
    #[error("node without quorum refused the write: {0}")]
    NoQuorum(ApiError),

    /// No endpoint of the cluster could serve the request; `failures` lists
    /// each endpoint with why it failed (in the order they were tried).
    #[error("none of the {} PVE endpoints could serve {request}:{}", failures.len(), list_failures(failures))]
    AllNodesFailed {
        /// `METHOD /path`.
        request: String,
        /// `(endpoint, why)` per endpoint tried.
        failures: Vec<(String, String)>,
    },

    /// Any other error answer.
    #[error("API error: {0}")]
    Api(ApiError),

    /// The connection could not be established (DNS, refused, TLS handshake
    /// before any request byte was sent). Safe to retry.
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// The server URL (no credentials).
        url: String,
        /// The cause chain.
        message: String,
    },

    /// The TLS certificate was refused (unknown CA, wrong pinned fingerprint,
    /// name mismatch). Not retryable: fix `ca`, `fingerprint` or `insecure`.
    #[error("TLS certificate verification failed for {url}: {message}")]
    Tls {
        /// The server URL.
        url: String,
        /// Why the certificate was refused.
        message: String,
    },

    /// A safe-to-repeat request failed in transit (connection dropped, timeout).
    #[error("{method} {path}: request failed in transit: {message}")]
    Transport {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// The cause chain.
        message: String,
    },

    /// A non-idempotent write (e.g. a create) failed after the request may have
    /// reached the server: it may or may not have been applied. The client does
    /// not retry it; read the object back to find out.
    #[error("{method} {path}: outcome unknown, the server may have applied the change: {message}")]
    OutcomeUnknown {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// The cause chain.
        message: String,
    },

    /// The server does not support the operation (e.g. token regeneration
    /// before PVE 9.1). The message names the alternative.
    #[error("not supported by this server: {0}")]
    Unsupported(String),

    /// The answer could not be decoded into the expected shape.
    #[error("{method} {path}: unexpected response: {message}")]
    Decode {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// What did not match.
        message: String,
    },
}

impl Error {
    /// The object does not exist (404, or PVE's 500 `does not exist` / `no such …`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound(_))
    }

    /// The object already exists.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict(_))
    }

    /// A transient failure: lock timeout, unavailable server, connection error.
    ///
    /// Whether a *particular request* may be repeated also depends on the
    /// request: see [`Error::is_safe_to_retry_any_request`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::LockTimeout(_)
                | Self::Unavailable(_)
                | Self::Connect { .. }
                | Self::Transport { .. }
                | Self::NoQuorum(_)
                | Self::AllNodesFailed { .. }
        )
    }

    /// A failure that certainly happened before the server changed anything,
    /// so even a non-idempotent create may be repeated.
    ///
    /// [`Error::AllNodesFailed`] counts as safe: the failover layer moves a
    /// write to the next node only on failures before anything was applied
    /// (a lost answer stops it with [`Error::OutcomeUnknown`] instead).
    pub fn is_safe_to_retry_any_request(&self) -> bool {
        matches!(
            self,
            Self::LockTimeout(_)
                | Self::Connect { .. }
                | Self::NoQuorum(_)
                | Self::AllNodesFailed { .. }
        )
    }

    /// The same error, naming the endpoint that produced it (used when the
    /// client has several endpoints).
    pub(crate) fn on_node(self, node: &str) -> Self {
        let with_node = |message: String| format!("{message} (node {node})");
        match self {
            Self::Permission(e) => Self::Permission(e.on_node(node)),
            Self::NotFound(e) => Self::NotFound(e.on_node(node)),
            Self::Conflict(e) => Self::Conflict(e.on_node(node)),
            Self::Parameter(e) => Self::Parameter(e.on_node(node)),
            Self::LockTimeout(e) => Self::LockTimeout(e.on_node(node)),
            Self::Unavailable(e) => Self::Unavailable(e.on_node(node)),
            Self::NoQuorum(e) => Self::NoQuorum(e.on_node(node)),
            Self::Api(e) => Self::Api(e.on_node(node)),
            Self::Authentication {
                credential,
                message,
            } => Self::Authentication {
                credential,
                message: with_node(message),
            },
            Self::Transport {
                method,
                path,
                message,
            } => Self::Transport {
                method,
                path,
                message: with_node(message),
            },
            Self::OutcomeUnknown {
                method,
                path,
                message,
            } => Self::OutcomeUnknown {
                method,
                path,
                message: with_node(message),
            },
            Self::Decode {
                method,
                path,
                message,
            } => Self::Decode {
                method,
                path,
                message: with_node(message),
            },
            // Connect and Tls name the URL already; the rest are local.
            other => other,
        }
    }

    /// The write may or may not have been applied.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Self::OutcomeUnknown { .. })
    }

    /// The credentials were refused (401).
    pub fn is_authentication(&self) -> bool {
        matches!(self, Self::Authentication { .. })
    }

    /// A privilege is missing (403).
    pub fn is_permission(&self) -> bool {
        matches!(self, Self::Permission(_))
    }

    /// The PVE error answer, for variants that carry one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Permission(e)
            | Self::NotFound(e)
            | Self::Conflict(e)
            | Self::Parameter(e)
            | Self::LockTimeout(e)
            | Self::Unavailable(e)
            | Self::NoQuorum(e)
            | Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status, for answers from the server.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Authentication { .. } => Some(401),
            other => other.api_error().map(|e| e.status),
        }
    }
}

impl ApiError {
    /// Names the endpoint that answered, after PVE's message (kept out of
    /// a field of its own so that [`Error`] stays small).
    fn on_node(mut self, node: &str) -> Self {
        self.message = format!("{} (node {node})", self.message);
        self
    }
}

/// `\n- endpoint: why` per failure.
fn list_failures(failures: &[(String, String)]) -> String {
    failures
        .iter()
        .map(|(node, why)| format!("\n- {node}: {why}"))
        .collect()
}

/// The parts of an error answer, before classification.
#[derive(Debug)]
pub(crate) struct ErrorAnswer<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    /// The HTTP reason phrase; PVE puts the first message line there.
    pub reason: Option<&'a str>,
    pub body: &'a [u8],
    /// Which credential was used, for 401 messages.
    pub credential: &'a str,
}

/// Maps an error answer to an [`Error`] (reference §8).
pub(crate) fn classify(answer: &ErrorAnswer<'_>) -> Error {
    #[derive(serde::Deserialize, Default)]
    struct Body {
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        errors: Option<BTreeMap<String, serde_json::Value>>,
    }
    let body: Body = serde_json::from_slice(answer.body).unwrap_or_default();
    let raw_message = body
        .message
        .filter(|m| !m.trim().is_empty())
        .or_else(|| answer.reason.map(str::to_owned))
        .unwrap_or_else(|| {
            http::StatusCode::from_u16(answer.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error")
                .to_owned()
        });
    let mut errors: BTreeMap<String, String> = body
        .errors
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text.trim_end().to_owned())
        })
        .collect();

    // A parameter exception raised inside a config lock becomes a 500 whose
    // message is "<op> failed: 400 Parameter verification failed.\n<p>: <text>\n".
    let in_lock_param_exc = raw_message.contains("400 Parameter verification failed.");
    if in_lock_param_exc {
        for line in raw_message.lines().skip(1) {
            if let Some((param, text)) = line.split_once(": ") {
                errors.insert(param.trim().to_owned(), text.trim_end().to_owned());
            }
        }
    }

    let api = ApiError {
        method: answer.method.to_owned(),
        path: answer.path.to_owned(),
        status: answer.status,
        message: raw_message.trim_end().to_owned(),
        errors,
    };
    let msg = api.message.as_str();
    let any_error_says =
        |needle: &str| msg.contains(needle) || api.errors.values().any(|e| e.contains(needle));

    match answer.status {
        401 => Error::Authentication {
            credential: answer.credential.to_owned(),
            message: api.message,
        },
        403 => Error::Permission(api),
        404 => Error::NotFound(api),
        400 if any_error_says("already exists") => Error::Conflict(api),
        400 => Error::Parameter(api),
        // 595/596: pveproxy could not reach (or lost) the node it proxies to.
        502..=504 | 595 | 596 => Error::Unavailable(api),
        // A node without quorum cannot take the cluster lock: every
        // access-control write (lock_user_config → cfs_lock_file) fails after
        // the lock timeout with "<op> failed: cfs-lock 'file-user_cfg' error:
        // no quorum!" (pve-cluster PVE/Cluster.pm, cfs_lock: `$err = "no
        // quorum!\n" if !$got_lock && !check_cfs_quorum(1)`); other API
        // paths die with check_cfs_quorum's "cluster not ready - no quorum?".
        // Both say "no quorum"; nothing was changed.
        500 if msg.contains("no quorum") => Error::NoQuorum(api),
        _ if msg.contains("cfs-lock") && msg.contains("got lock request timeout") => {
            Error::LockTimeout(api)
        }
        500 if in_lock_param_exc => Error::Parameter(api),
        500 if msg.contains("already exists") => Error::Conflict(api),
        500 if is_not_found_message(msg) => Error::NotFound(api),
        _ => Error::Api(api),
    }
}

fn is_not_found_message(msg: &str) -> bool {
    [
        "does not exist",
        "no such user",
        "no such token",
        "no such group",
    ]
    .iter()
    .any(|n| msg.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, reason: Option<&'static str>, body: &'static str) -> Error {
        classify(&ErrorAnswer {
            method: "PUT",
            path: "/access/acl",
            status,
            reason,
            body: body.as_bytes(),
            credential: "API token root@pam!ci",
        })
    }

    #[test]
    fn status_401_is_authentication_with_empty_body() {
        let e = answer(401, Some("No ticket"), "");
        assert!(e.is_authentication());
        let text = e.to_string();
        assert!(text.contains("API token root@pam!ci"), "{text}");
        assert!(text.contains("No ticket"), "{text}");
        assert_eq!(e.status(), Some(401));
    }

    #[test]
    fn status_403_is_permission_with_pve_message_trimmed() {
        let e = answer(
            403,
            Some("Permission check failed (/access, User.Modify)"),
            r#"{"data":null,"message":"Permission check failed (/access, User.Modify)\n"}"#,
        );
        assert!(e.is_permission());
        let api = e.api_error().unwrap();
        assert_eq!(
            api.message,
            "Permission check failed (/access, User.Modify)"
        );
        assert!(!e.to_string().ends_with('\n'));
    }

    #[test]
    fn status_400_carries_parameter_errors() {
        let e = answer(
            400,
            Some("Parameter verification failed."),
            r#"{"data":null,"errors":{"privs":"invalid format - invalid privilege 'Foo.Bar'\n"},"message":"Parameter verification failed.\n"}"#,
        );
        let Error::Parameter(api) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            api.errors["privs"],
            "invalid format - invalid privilege 'Foo.Bar'"
        );
        assert!(e.to_string().contains("privs: invalid format"));
        assert!(!e.is_retryable());
    }

    #[test]
    fn token_already_exists_400_is_conflict() {
        let e = answer(
            400,
            None,
            r#"{"data":null,"errors":{"tokenid":"Token already exists."},"message":"Parameter verification failed.\n"}"#,
        );
        assert!(e.is_conflict(), "{e:?}");
    }

    #[test]
    fn not_found_variants() {
        assert!(answer(404, Some("No such tfa entry 'x'"), "").is_not_found());
        for msg in [
            r#"{"data":null,"message":"no such user ('bob@pve')\n"}"#,
            r#"{"data":null,"message":"no such token 'ci' for user 'bob@pve'\n"}"#,
            r#"{"data":null,"message":"update user failed: no such group 'g'\n"}"#,
            r#"{"data":null,"message":"role 'x' does not exist\n"}"#,
            r#"{"data":null,"message":"delete role failed: role 'Ops' does not exist\n"}"#,
        ] {
            assert!(answer(500, None, msg).is_not_found(), "{msg}");
        }
        // Old servers (pve-http-server < 5.2) only put the text in the reason phrase.
        assert!(answer(500, Some("group 'g' does not exist"), r#"{"data":null}"#).is_not_found());
    }

    #[test]
    fn already_exists_500_is_conflict() {
        let e = answer(
            500,
            None,
            r#"{"data":null,"message":"create user failed: user 'bob@pve' already exists\n"}"#,
        );
        assert!(e.is_conflict());
        assert!(!e.is_not_found());
    }

    #[test]
    fn lock_timeout_and_gateway_errors_are_retryable() {
        let e = answer(
            500,
            None,
            r#"{"data":null,"message":"create user failed: cfs-lock 'file-user_cfg' error: got lock request timeout\n"}"#,
        );
        assert!(matches!(e, Error::LockTimeout(_)));
        assert!(e.is_retryable() && e.is_safe_to_retry_any_request());
        for status in [502, 503, 504] {
            let e = answer(status, Some("Bad Gateway"), "");
            assert!(e.is_retryable() && !e.is_safe_to_retry_any_request());
        }
        let plain = answer(500, None, r#"{"data":null,"message":"something broke\n"}"#);
        assert!(matches!(plain, Error::Api(_)) && !plain.is_retryable());
    }

    #[test]
    fn no_quorum_and_pveproxy_codes_are_node_failures() {
        let e = answer(
            500,
            Some("cluster not ready - no quorum?"),
            r#"{"data":null,"message":"cluster not ready - no quorum?\n"}"#,
        );
        assert!(matches!(e, Error::NoQuorum(_)), "{e:?}");
        assert!(e.is_retryable() && e.is_safe_to_retry_any_request());
        let e = answer(
            500,
            None,
            r#"{"data":null,"message":"create user failed: cfs-lock 'file-user_cfg' error: no quorum!\n"}"#,
        );
        assert!(matches!(e, Error::NoQuorum(_)), "{e:?}");
        for status in [595, 596] {
            assert!(matches!(
                answer(status, Some("Connection refused"), ""),
                Error::Unavailable(_)
            ));
        }
        let all = Error::AllNodesFailed {
            request: "GET /version".into(),
            failures: vec![
                ("https://a:8006".into(), "refused".into()),
                ("https://b:8006".into(), "timed out".into()),
            ],
        };
        assert_eq!(
            all.to_string(),
            "none of the 2 PVE endpoints could serve GET /version:\n- https://a:8006: refused\n- https://b:8006: timed out"
        );
    }

    #[test]
    fn in_lock_parameter_exception_is_parameter_error() {
        let e = answer(
            500,
            Some("ACL update failed: 400 Parameter verification failed."),
            r#"{"data":null,"message":"ACL update failed: 400 Parameter verification failed.\nrole: Cannot add role 'R' - requires 'Permissions.Modify' or superset of privileges.\n"}"#,
        );
        let Error::Parameter(api) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(api.status, 500);
        assert!(api.errors["role"].starts_with("Cannot add role 'R'"));
    }
}
