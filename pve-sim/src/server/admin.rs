//! `/_sim/*`: run-time fault configuration and request counters, for
//! tests and benchmarks. Loopback clients only (not part of PVE's API).

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde_json::json;
use std::net::SocketAddr;

use super::state::SharedState;
use crate::faults::FaultConfig;

fn loopback_only(peer: Option<Extension<ConnectInfo<SocketAddr>>>) -> Result<(), Box<Response>> {
    // In-process calls (tests) carry no peer address and are trusted.
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

async fn get_faults(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
) -> Response {
    if let Err(denied) = loopback_only(peer) {
        return *denied;
    }
    Json(state.faults.get()).into_response()
}

async fn set_faults(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
    body: axum::body::Bytes,
) -> Response {
    if let Err(denied) = loopback_only(peer) {
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
) -> Response {
    if let Err(denied) = loopback_only(peer) {
        return *denied;
    }
    Json(state.stats.snapshot()).into_response()
}

async fn reset_stats(
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    State(state): State<SharedState>,
) -> Response {
    if let Err(denied) = loopback_only(peer) {
        return *denied;
    }
    state.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET|POST /_sim/faults`, `GET /_sim/stats`, `POST /_sim/stats/reset`.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/_sim/faults", get(get_faults).post(set_faults))
        .route("/_sim/stats", get(get_stats))
        .route("/_sim/stats/reset", post(reset_stats))
}
