//! `ApiError`: every failure a handler can produce, rendered exactly as
//! pveproxy renders it (JSON envelope, status, reason phrase, headers).

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// The validation summary PVE puts in `message` (and the reason phrase) of a 400.
pub const PARAM_VERIFICATION_FAILED: &str = "Parameter verification failed.";

/// Content type of every JSON answer (`Formatter/Standard.pm`).
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Marker put into response extensions when the connection must be closed
/// without sending the response (fault injection: dropped connections).
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// A failed API call, as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// A handler `die`: `{"data":null,"message":"…"}` with this status. The
    /// message is sent verbatim (PVE messages usually end in `\n`).
    Status {
        /// HTTP status.
        status: StatusCode,
        /// Full message; the reason phrase is its first line.
        message: String,
    },
    /// 400 `Parameter verification failed.` with per-field errors.
    Params(BTreeMap<String, String>),
    /// Pre-dispatch authentication failure: 401 with an empty body.
    Unauthorized(&'static str),
    /// pveproxy's own `error()` (pve-http-server `AnyEvent.pm`), used
    /// before or around the API handler (malformed JSON bodies, content
    /// for a GET): the message as a plain body, its first line as reason
    /// phrase, no content type and no JSON envelope.
    Plain {
        /// HTTP status.
        status: StatusCode,
        /// Full message, sent as is.
        message: String,
    },
}

impl ApiError {
    /// A plain `die "msg\n"`: 500 with the message plus the trailing newline.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::with_status(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// Any status, message gets PVE's trailing newline if it lacks one.
    pub fn with_status(status: StatusCode, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if !message.ends_with('\n') {
            message.push('\n');
        }
        Self::Status { status, message }
    }

    /// A message sent exactly as given (no newline added), e.g. the 501 text.
    pub fn raw(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            message: message.into(),
        }
    }

    /// pveproxy's `error()`: see [`ApiError::Plain`].
    pub fn plain(status: StatusCode, message: impl Into<String>) -> Self {
        Self::Plain {
            status,
            message: message.into(),
        }
    }

    /// `raise_perm_exc`: 403 `Permission check failed[ (detail)]`.
    pub fn forbidden(detail: Option<&str>) -> Self {
        match detail {
            Some(detail) => Self::with_status(
                StatusCode::FORBIDDEN,
                format!("Permission check failed ({detail})"),
            ),
            None => Self::with_status(StatusCode::FORBIDDEN, "Permission check failed"),
        }
    }

    /// A single-field 400 (`raise_param_exc` outside a lock).
    pub fn param(field: &str, message: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.to_string(), message.into());
        Self::Params(errors)
    }

    /// The 501 for an unknown path or method.
    pub fn not_implemented(method: &str, path: &str) -> Self {
        Self::raw(
            StatusCode::NOT_IMPLEMENTED,
            format!("Method '{method} {path}' not implemented"),
        )
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Status { status, .. } | Self::Plain { status, .. } => *status,
            Self::Params(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        }
    }

    /// The message as PVE would log/report it (first line = reason phrase).
    pub fn message(&self) -> String {
        match self {
            Self::Status { message, .. } | Self::Plain { message, .. } => message.clone(),
            Self::Params(_) => format!("{PARAM_VERIFICATION_FAILED}\n"),
            Self::Unauthorized(reason) => (*reason).to_string(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}",
            self.status().as_u16(),
            self.message().trim_end()
        )
    }
}

impl std::error::Error for ApiError {}

/// The reason phrase pveproxy sends: the first line of the message.
pub fn reason_phrase(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

/// Attach a custom reason phrase (HTTP/1 only; hyper ignores invalid ones).
pub fn set_reason(response: &mut Response, message: &str) {
    let reason = reason_phrase(message);
    if reason.is_empty() {
        return;
    }
    if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec()) {
        response.extensions_mut().insert(phrase);
    }
}

/// Serialise a JSON body with PVE's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{\"data\":null}".to_vec());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

/// A successful call: `{"data": …}`.
pub fn ok(data: Value) -> Response {
    json_response(StatusCode::OK, &json!({ "data": data }))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized(reason) => {
                let mut response = Response::new(Body::empty());
                *response.status_mut() = StatusCode::UNAUTHORIZED;
                set_reason(&mut response, reason);
                response
            }
            Self::Params(errors) => {
                let errors: Map<String, Value> = errors
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                let mut response = json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({
                        "data": null,
                        "errors": errors,
                        "message": format!("{PARAM_VERIFICATION_FAILED}\n"),
                    }),
                );
                set_reason(&mut response, PARAM_VERIFICATION_FAILED);
                response
            }
            Self::Status { status, message } => {
                let mut response =
                    json_response(status, &json!({ "data": null, "message": message }));
                set_reason(&mut response, &message);
                response
            }
            Self::Plain { status, message } => {
                let mut response = Response::new(Body::from(message.clone()));
                *response.status_mut() = status;
                set_reason(&mut response, &message);
                response
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_is_first_line() {
        assert_eq!(
            reason_phrase("ACL update failed: 400 Parameter verification failed.\nrole: x\n"),
            "ACL update failed: 400 Parameter verification failed."
        );
    }

    #[test]
    fn internal_adds_newline_once() {
        assert_eq!(ApiError::internal("a\n").message(), "a\n");
        assert_eq!(ApiError::internal("a").message(), "a\n");
    }
}
