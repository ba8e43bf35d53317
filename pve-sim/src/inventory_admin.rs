//! `/_sim/guests`: add or remove a guest at run time, as if it had been
//! created, or had disappeared, behind the API's back (tests of drift).
//! Behind the `/_sim` gate like every `/_sim` endpoint
//! ([`crate::server::admin::require_admin`]: loopback clients, `root@pam`).
//!
//! Removing a guest touches only the inventory: `user.cfg` keeps any pool
//! membership and ACL naming it, as PVE does when a guest's configuration
//! disappears without `destroy` (a pool then lists it no longer, see
//! pve-manager `API2/Pool.pm`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde_json::json;

use crate::inventory::Guest;
use crate::server::state::SharedState;

fn refused(status: StatusCode, error: String) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

/// `POST /_sim/guests` with a guest as in the inventory file.
async fn add_guest(State(state): State<SharedState>, body: axum::body::Bytes) -> Response {
    let guest: Guest = match serde_json::from_slice(&body) {
        Ok(guest) => guest,
        Err(e) => return refused(StatusCode::BAD_REQUEST, format!("invalid guest: {e}")),
    };
    let vmid = guest.vmid;
    match state.inventory.add_guest(guest) {
        Ok(()) => Json(json!({ "vmid": vmid })).into_response(),
        Err(e) => refused(StatusCode::BAD_REQUEST, e),
    }
}

/// `DELETE /_sim/guests/{vmid}`.
async fn remove_guest(State(state): State<SharedState>, Path(vmid): Path<u64>) -> Response {
    match state.inventory.remove_guest(vmid) {
        Ok(()) => Json(json!({ "vmid": vmid })).into_response(),
        Err(e) => refused(StatusCode::NOT_FOUND, e),
    }
}

/// The `/_sim/guests` routes (merged into the gated `/_sim` router).
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/_sim/guests", post(add_guest))
        .route("/_sim/guests/{vmid}", delete(remove_guest))
}
