//! `/_sim/*`: run-time fault configuration and request counters, for
//! tests and benchmarks (not part of PVE's API), and the router that holds
//! every `/_sim` endpoint behind one gate, [`require_admin`]: loopback
//! clients only, and only `root@pam` (a ticket, or one of root's API
//! tokens) unless the simulator was started with `--open-sim-admin`:
//! faults and counters are not for every local user, nor for every user of
//! the simulated PVE. Handlers never check this themselves; a route added
//! to [`sim_routes`] is guarded by construction.

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::net::SocketAddr;

use super::state::SharedState;
use crate::faults::FaultConfig;

/// The gate's refusal for a client that is not on loopback.
const NOT_LOOPBACK: &str = "the /_sim endpoints only answer loopback clients";
/// The gate's refusal for a caller that is not root@pam.
const NOT_ROOT: &str = "the /_sim endpoints need root@pam (a ticket with its CSRF token, or an API token of root@pam), or a simulator started with --open-sim-admin";

fn refused(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

/// Middleware of every `/_sim` route: loopback, then root@pam or the
/// opt-in flag. Runs before any extractor of the handler, so an
/// unauthenticated request learns nothing about its body or path.
pub(crate) async fn require_admin(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    // In-process calls (tests) carry no peer address.
    if let Some(ConnectInfo(addr)) = request.extensions().get::<ConnectInfo<SocketAddr>>()
        && !addr.ip().is_loopback()
    {
        return refused(StatusCode::FORBIDDEN, NOT_LOOPBACK);
    }
    if !state.open_sim_admin {
        let caller = crate::api::auth::caller_of(&state, request.method(), request.headers());
        if caller.is_none_or(|c| c.userid() != crate::model::config::ROOT_USERID) {
            return refused(StatusCode::UNAUTHORIZED, NOT_ROOT);
        }
    }
    next.run(request).await
}

async fn get_faults(State(state): State<SharedState>) -> Response {
    Json(state.faults.get()).into_response()
}

async fn set_faults(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
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

async fn get_stats(State(state): State<SharedState>) -> Response {
    Json(state.stats.snapshot()).into_response()
}

async fn reset_stats(State(state): State<SharedState>) -> Response {
    state.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

/// Every `/_sim` route, ungated: `GET|POST /_sim/faults`, `GET
/// /_sim/stats`, `POST /_sim/stats/reset`, the cluster controls of
/// [`crate::cluster::admin`], the guests of [`crate::inventory_admin`] and
/// the directories of [`crate::directory`]. Only [`router`] serves them.
fn sim_routes() -> Router<SharedState> {
    Router::new()
        .route("/_sim/faults", get(get_faults).post(set_faults))
        .route("/_sim/stats", get(get_stats))
        .route("/_sim/stats/reset", post(reset_stats))
        .merge(crate::cluster::admin::router())
        .merge(crate::inventory_admin::router())
        .merge(crate::directory::router())
}

/// `routes` behind [`require_admin`]. `route_layer` guards only the routes
/// already added, which is why the gate goes on last, here, and nothing is
/// added after it: an unknown `/_sim` path still answers 404, a known path
/// with another method 405, as before.
fn gated(routes: Router<SharedState>, state: SharedState) -> Router<SharedState> {
    routes.route_layer(middleware::from_fn_with_state(state, require_admin))
}

/// The `/_sim` admin API, every route behind the one gate.
pub fn router(state: SharedState) -> Router<SharedState> {
    gated(sim_routes(), state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt as _;

    /// A route nobody wrote a check for is refused all the same: the gate
    /// belongs to the router, not to the handlers.
    #[tokio::test]
    async fn a_new_route_is_gated_by_construction() {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = crate::SimOptions {
            root_password: "root-secret-pw".to_string(),
            ..crate::SimOptions::default()
        };
        let state = crate::sim::build_state(&options, dir.path()).expect("state");
        let probe = Router::new().route("/_sim/probe", get(|| async { "reached" }));
        let app = gated(sim_routes().merge(probe), state.clone()).with_state(state);
        let request = axum::http::Request::get("/_sim/probe")
            .body(Body::empty())
            .expect("request");
        let response = app.oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(answer["error"], NOT_ROOT);
    }
}
