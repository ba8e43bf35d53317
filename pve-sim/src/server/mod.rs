//! The whole HTTP application: `/api2/json`, the `/_sim` admin endpoints
//! (loopback only), path normalisation, and the HTTPS listener.

pub mod admin;
pub mod conn;
pub mod state;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::Uri;
use tower::ServiceExt as _;

use self::state::SharedState;

/// `find_handler` splits on `/+`: collapse repeated slashes and drop a
/// trailing one so `//access/users/` routes like `/access/users`.
fn normalize_uri(mut request: Request<Body>) -> Request<Body> {
    let path = request.uri().path();
    if path.contains("//") || (path.len() > 1 && path.ends_with('/')) {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut normalized = format!("/{}", parts.join("/"));
        if let Some(query) = request.uri().query() {
            normalized.push('?');
            normalized.push_str(query);
        }
        if let Ok(uri) = normalized.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// The complete application for `state`, ready for `oneshot` in tests or
/// for the HTTPS listener.
pub fn app(state: SharedState) -> Router {
    let inner: Router = Router::new()
        .nest("/api2/json", crate::api::router(state.clone()))
        .merge(admin::router(state.clone()))
        .with_state(state);
    Router::new().fallback_service(inner.map_request(normalize_uri))
}
