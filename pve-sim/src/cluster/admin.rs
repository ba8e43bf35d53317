//! `GET /_sim/cluster/nodes` and `POST /_sim/cluster/nodes/{name}`: list
//! the nodes and change their states. Behind the `/_sim` gate
//! ([`crate::server::admin::require_admin`]: loopback, root@pam or
//! `--open-sim-admin`), answered by every node that answers at all.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cluster, NodeState};
use crate::server::state::SharedState;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

fn cluster_of(state: &SharedState) -> Result<Arc<Cluster>, Box<Response>> {
    state.cluster.get().cloned().ok_or_else(|| {
        Box::new(error(
            StatusCode::NOT_FOUND,
            "no cluster: this application was built without listeners (use pve_sim::start)",
        ))
    })
}

/// One node as `/_sim/cluster/nodes` lists it.
fn describe(cluster: &Cluster, index: usize) -> Value {
    let node = &cluster.nodes[index];
    json!({
        "name": node.name,
        "url": node.url,
        "fingerprint": node.fingerprint,
        "state": node.state(),
        "quorate": cluster.quorate(index),
    })
}

async fn list(State(state): State<SharedState>) -> Response {
    let cluster = match cluster_of(&state) {
        Ok(c) => c,
        Err(e) => return *e,
    };
    let nodes: Vec<Value> = (0..cluster.nodes.len())
        .map(|i| describe(&cluster, i))
        .collect();
    Json(json!({ "data": nodes })).into_response()
}

#[derive(Deserialize)]
struct StateBody {
    state: String,
}

/// `state=…` as a form or as JSON (by content type, or by a leading `{`).
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<NodeState, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
        || body.trim_ascii_start().starts_with(b"{");
    let parsed: StateBody = if json {
        serde_json::from_slice(body)
            .map_err(|e| format!("invalid JSON body, expected {{\"state\": \"up\"}}: {e}"))?
    } else {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| format!("invalid form body, expected state=up: {e}"))?
    };
    parsed.state.parse()
}

async fn set(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let cluster = match cluster_of(&state) {
        Ok(c) => c,
        Err(e) => return *e,
    };
    let next = match parse_body(&headers, &body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let index = match cluster.node(&name) {
        Ok((index, _)) => index,
        Err(e) => return error(StatusCode::NOT_FOUND, e.to_string()),
    };
    // In its own task: taking down the node this request arrived on cuts
    // this very connection, and the change must still complete.
    let change = {
        let (cluster, state) = (Arc::clone(&cluster), state.clone());
        tokio::spawn(async move { cluster.nodes[index].set_state(next, &state).await })
    };
    match change.await {
        Ok(Ok(())) => Json(json!({ "data": { "name": name, "state": next } })).into_response(),
        Ok(Err(e)) => error(StatusCode::CONFLICT, e.to_string()),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("state change failed: {e}"),
        ),
    }
}

/// The cluster routes (merged into the gated `/_sim` router).
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/_sim/cluster/nodes", get(list))
        .route("/_sim/cluster/nodes/{name}", post(set))
}
