//! The `/api2/json` API: one `router()` per path family, assembled here
//! with the cross-cutting layers (faults + stats, authentication, PVE's
//! response headers, 501 fallbacks).

pub mod acl;
pub mod auth;
pub mod call;
pub mod domains;
pub mod error;
pub mod formats;
pub mod groups;
pub mod json_body;
pub mod nodes;
pub mod params;
pub mod perm;
pub mod pools;
pub mod realm_sync;
pub mod resources;
pub mod roles;
pub mod schema;
pub mod storage;
pub mod tasks;
pub mod tfa;
pub mod ticket;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use self::auth::rel_uri;
use self::call::Call;
use self::error::{ApiError, DropConnection, ok};
use crate::server::state::SharedState;

/// Handler result: a rendered success or an [`ApiError`].
pub type ApiResult = Result<Response, ApiError>;

/// The PVE release the simulator imitates (GET /version).
pub const PVE_VERSION: &str = "9.1.5";
/// `release` of GET /version.
pub const PVE_RELEASE: &str = "9.1";
/// `repoid` of GET /version.
pub const PVE_REPOID: &str = "0f7a1c3b5d9e2a46";

async fn access_index(_call: Call) -> ApiResult {
    let dirs = [
        "users", "groups", "roles", "acl", "domains", "openid", "tfa", "ticket", "password",
    ];
    let list: Vec<Value> = dirs.iter().map(|d| json!({ "subdir": d })).collect();
    Ok(ok(Value::Array(list)))
}

async fn version(_call: Call) -> ApiResult {
    Ok(ok(json!({
        "release": PVE_RELEASE,
        "repoid": PVE_REPOID,
        "version": PVE_VERSION,
    })))
}

async fn unknown(method: Method, request: Request) -> ApiError {
    ApiError::not_implemented(method.as_str(), &rel_uri(request.uri().path()))
}

/// Match a relative path against the schema's templates, for the counters.
pub fn route_key(method: &Method, rel: &str) -> String {
    let segments: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<String> = None;
    for (m, template) in schema::all_methods() {
        if m != method.as_str() {
            continue;
        }
        let tsegs: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
        // One segment per placeholder: `/pools/a/b` is not `/pools/{poolid}`
        // (PVE answers it 501 like any unknown path, and it counts as one).
        if tsegs.len() != segments.len() {
            continue;
        }
        let fits = tsegs
            .iter()
            .zip(&segments)
            .all(|(t, s)| t.starts_with('{') || t == s);
        if fits
            && best
                .as_ref()
                .is_none_or(|b| b.matches('{').count() > template.matches('{').count())
        {
            best = Some(template);
        }
    }
    format!(
        "{method} {}",
        best.unwrap_or_else(|| "(unknown)".to_string())
    )
}

/// Outermost API layer: counters, then fault injection.
async fn faults_and_stats(
    State(state): State<SharedState>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let rel = rel_uri(request.uri().path());
    state.stats.record(&route_key(&method, &rel));
    let plan = state.faults.plan(&rel, method != Method::GET);
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if plan.drop_before {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(DropConnection);
        return response;
    }
    if let Some((status, message)) = &plan.fail {
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return ApiError::with_status(status, message.clone()).into_response();
    }
    let drop_after = plan.drop_after_commit;
    let after_commit_status = plan.after_commit_status;
    request.extensions_mut().insert(plan);
    let mut response = next.run(request).await;
    if drop_after && response.status() == StatusCode::OK {
        if let Ok(status) = StatusCode::from_u16(after_commit_status)
            && after_commit_status != 0
        {
            // What a reverse proxy sends when pveproxy was too slow: its
            // own HTML page, not a PVE JSON envelope.
            let page = format!(
                "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>\n"
            );
            return (
                status,
                [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
                page,
            )
                .into_response();
        }
        response.extensions_mut().insert(DropConnection);
    }
    response
}

/// `Expires: <now>` in HTTP date format.
fn http_date_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.format(time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    ))
    .unwrap_or_default()
}

/// The headers pveproxy puts on every answer.
async fn pve_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::SERVER,
        HeaderValue::from_static("pve-api-daemon/3.0"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=0"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&http_date_now()) {
        headers.insert(header::EXPIRES, value);
    }
    response
}

fn base_router() -> Router<SharedState> {
    Router::new()
        .route("/access", get(access_index))
        .route("/version", get(version))
}

/// All of `/api2/json`, with authentication and faults, as a nested router.
pub fn router(state: SharedState) -> Router<SharedState> {
    Router::new()
        .merge(base_router())
        .merge(users::router())
        .merge(tokens::router())
        .merge(groups::router())
        .merge(roles::router())
        .merge(acl::router())
        .merge(domains::router())
        .merge(ticket::router())
        .merge(pools::router())
        .merge(resources::router())
        .merge(nodes::router())
        .merge(storage::router())
        .merge(tasks::router())
        .merge(tfa::router())
        .fallback(unknown)
        .method_not_allowed_fallback(unknown)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults_and_stats,
        ))
        .layer(middleware::from_fn_with_state(
            state,
            crate::cluster::serve_as_node,
        ))
        .layer(middleware::from_fn(pve_headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys() {
        assert_eq!(
            route_key(&Method::GET, "/access/users/a@pve"),
            "GET /access/users/{userid}"
        );
        assert_eq!(
            route_key(&Method::GET, "/access/users"),
            "GET /access/users"
        );
        assert_eq!(
            route_key(&Method::POST, "/access/users/a@pve/token/t1"),
            "POST /access/users/{userid}/token/{tokenid}"
        );
        assert_eq!(route_key(&Method::GET, "/nope"), "GET (unknown)");
        assert_eq!(route_key(&Method::GET, "/pools/a"), "GET /pools/{poolid}");
        assert_eq!(route_key(&Method::GET, "/pools/a/b"), "GET (unknown)");
        assert_eq!(
            route_key(&Method::DELETE, "/pools/a/b/c"),
            "DELETE (unknown)"
        );
    }
}
