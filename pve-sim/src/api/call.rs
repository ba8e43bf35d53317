//! The `Call` extractor: everything pveproxy does between routing and the
//! handler body, in PVE's order: allowtoken check (403), parameter
//! collection, permission check from the schema (403/500), then schema
//! validation (400).

use axum::body::to_bytes;
use axum::extract::FromRequestParts;
use axum::extract::{FromRequest, MatchedPath, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::auth::{Auth, Caller};
use super::error::ApiError;
use super::params::{Params, collect};
use super::perm::check_permissions;
use super::schema::{MethodSpec, validate};
use crate::faults::FaultPlan;
use crate::model::ids::byte_string;
use crate::server::state::SharedState;

/// `$limit_max_post` in pve-http-server `AnyEvent.pm` (512 KiB).
pub const MAX_POST: usize = 512 * 1024;

/// A checked, validated API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The authenticated caller (None only for public methods).
    pub caller: Option<Caller>,
    /// Validated parameters (path placeholders included).
    pub params: Params,
    /// Path relative to `/api2/json`.
    pub rel_uri: String,
    /// Fault decisions for this request.
    pub faults: FaultPlan,
}

impl Call {
    /// The caller's id; public methods have none.
    pub fn authid(&self) -> &str {
        self.caller
            .as_ref()
            .map(|c| c.authid.as_str())
            .unwrap_or("")
    }

    /// A required (schema-validated) string parameter.
    pub fn required(&self, name: &str) -> String {
        self.params.str(name).unwrap_or_default()
    }
}

/// The route template relative to `/api2/json`.
async fn template(parts: &mut Parts, state: &SharedState) -> Option<String> {
    let matched = MatchedPath::from_request_parts(parts, state).await.ok()?;
    Some(
        matched
            .as_str()
            .strip_prefix("/api2/json")
            .unwrap_or(matched.as_str())
            .replace("{*", "{"),
    )
}

impl FromRequest<SharedState> for Call {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &SharedState) -> Result<Self, ApiError> {
        let (mut parts, body) = request.into_parts();
        let rel_uri = super::auth::rel_uri(parts.uri.path());
        let method = parts.method.clone();
        let not_implemented = || ApiError::not_implemented(method.as_str(), &rel_uri);
        let template = template(&mut parts, state)
            .await
            .ok_or_else(not_implemented)?;
        let spec = MethodSpec::lookup(method.as_str(), &template).ok_or_else(not_implemented)?;

        let auth = parts
            .extensions
            .get::<Auth>()
            .cloned()
            .unwrap_or(Auth::Anonymous {
                token_header: false,
            });
        let token_used = match &auth {
            Auth::Caller(c) => c.via_token,
            Auth::Anonymous { token_header } => *token_header,
        };
        if token_used && !spec.allow_token() {
            // pve-manager `PVE/HTTPServer.pm` passes the detail with its own
            // `\n` to `raise_perm_exc`, which wraps it: the message ends
            // `ticket.\n)\n` and the reason phrase stops at `ticket.`.
            return Err(ApiError::forbidden(Some(&format!(
                "URI '{rel_uri}' not available with API token, need proper ticket.\n"
            ))));
        }

        // PVE does not decode the path as UTF-8: `/access/users/j%C3%BCrgen@pve`
        // names the user `jÃ¼rgen@pve` (see `byte_string`).
        let path_params: Vec<(String, String)> =
            match RawPathParams::from_request_parts(&mut parts, state).await {
                Ok(raw) => raw
                    .iter()
                    .map(|(k, v)| (k.to_string(), byte_string(v.as_bytes())))
                    .collect(),
                Err(_) => Vec::new(),
            };
        let content_type = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // PVE answers a longer body with a plain 501 before reading it.
        let bytes = to_bytes(body, MAX_POST)
            .await
            .map_err(|_| ApiError::plain(StatusCode::NOT_IMPLEMENTED, "for data too large"))?;
        let mut params = collect(
            &method,
            parts.uri.query(),
            content_type.as_deref(),
            &bytes,
            &path_params,
        )?;

        let caller = auth.caller().cloned();
        {
            let snapshot = state.read();
            check_permissions(
                &snapshot.users,
                caller.as_ref(),
                spec.permissions(),
                &params,
            )?;
        }
        validate(spec.parameters(), &mut params)?;
        let faults = parts
            .extensions
            .get::<FaultPlan>()
            .cloned()
            .unwrap_or_default();
        Ok(Call {
            caller,
            params,
            rel_uri,
            faults,
        })
    }
}
