//! `/_sim/*`: run-time fault configuration and request counters, for
//! tests and benchmarks (not part of PVE's API). Loopback clients only, and
//! only as `root@pam` (a ticket, or one of root's API tokens) unless the
//! simulator was started with `--open-sim-admin`: faults and counters are
//! not for every local user, nor for every user of the simulated PVE.

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde_json::json;
use std::net::SocketAddr;

use super::state::SharedState;
use crate::faults::FaultConfig;

fn loopback_only(peer: Option<Extension<ConnectInfo<SocketAddr>>>) -> Result<(), Box<Response>> {
    // In-process calls (tests) carry no peer address.
    match peer {
        Some(Extension(ConnectInfo(addr))) if !addr.ip().is_loopback() => Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                Json(json!({ "error": "the /_sim endpoints only answer loopback clients" })),
            )
                .into_response(),
        )),
        _ => Ok(()),
    }
}

/// Loopback, and root@pam or the opt-in flag.
pub(crate) fn admin_only(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    state: &SharedState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), Box<Response>> {
    loopback_only(peer)?;
    if state.open_sim_admin {
        return Ok(());
    }
    match crate::api::auth::caller_of(state, method, headers) {
        Some(caller) if caller.userid() == crate::model::config::ROOT_USERID => Ok(()),
        _ => Err(Box::new(
            (
                StatusCode::UNAUTHORIZED,
                Json(json!({
                    "error": "the /_sim endpoints need root@pam (a ticket with its CSRF token, or an API token of root@pam), or a simulator started with --open-sim-admin"
                })),
            )
                .into_response(),
        )),
    }
}

async fn get_faults(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = admin_only(peer, &state, &method, &headers) {
        return *denied;
    }
    Json(state.faults.get()).into_response()
}

async fn set_faults(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
    method: Method,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(denied) = admin_only(peer, &state, &method, &headers) {
        return *denied;
    }
    let config: FaultConfig = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("invalid fault configuration: {e}") })),
            )
                .into_response();
        }
    };
    if let Err(e) = config.validate() {
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response();
    }
    state.faults.set(config.clone());
    Json(config).into_response()
}

async fn get_stats(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = admin_only(peer, &state, &method, &headers) {
        return *denied;
    }
    Json(state.stats.snapshot()).into_response()
}

async fn reset_stats(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if let Err(denied) = admin_only(peer, &state, &method, &headers) {
        return *denied;
    }
    state.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET|POST /_sim/faults`, `GET /_sim/stats`, `POST /_sim/stats/reset`,
/// and the cluster controls of [`crate::cluster::admin`].
pub fn router() -> Router<SharedState> {
    Router::new()
        .merge(crate::cluster::admin::router())
        .route("/_sim/faults", get(get_faults).post(set_faults))
        .route("/_sim/stats", get(get_stats))
        .route("/_sim/stats/reset", post(reset_stats))
}
