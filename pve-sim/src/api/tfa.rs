//! The second-factor reads, answered as PVE answers them for users without
//! a second factor (the simulator keeps no `priv/tfa.cfg`, so no user has
//! one): pve-access-control `src/PVE/API2/TFA.pm` (`list_tfa`,
//! `list_user_tfa`) and `src/PVE/API2/User.pm` (`read_user_tfa_type`).
//! Permissions come from the schema like every other method.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use crate::server::state::SharedState;

/// GET /access/tfa: the TFA entries of the users the caller may see; none.
async fn list_tfa(_call: Call) -> ApiResult {
    Ok(ok(json!([])))
}

/// GET /access/tfa/{userid}: the user's entries; none.
async fn list_user_tfa(_call: Call) -> ApiResult {
    Ok(ok(json!([])))
}

/// GET /access/users/{userid}/tfa: `realm` is the type of the realm's
/// `tfa` option if it has one; `user` is absent, or an empty list with
/// `multiple=1`. An unknown realm: `auth domain 'x' does not exist`.
async fn read_user_tfa_type(State(state): State<SharedState>, call: Call) -> ApiResult {
    let userid = call.required("userid");
    let realm = userid.rsplit_once('@').map_or("", |(_, r)| r);
    let snapshot = state.read();
    let config = snapshot
        .domains
        .get(realm)
        .ok_or_else(|| ApiError::internal(format!("auth domain '{realm}' does not exist")))?;
    let mut out = Map::new();
    // `parse_tfa_config`: `type=oath,step=30` or a bare `oath`.
    let realm_type = config.options.get("tfa").and_then(|tfa| {
        tfa.split(',')
            .map(str::trim)
            .find_map(|part| match part.split_once('=') {
                Some(("type", value)) => Some(value),
                Some(_) => None,
                None => Some(part),
            })
            .filter(|t| !t.is_empty())
    });
    if let Some(kind) = realm_type {
        out.insert("realm".into(), json!(kind));
    }
    if call.params.bool("multiple").unwrap_or(false) {
        out.insert("user".into(), json!([]));
    }
    Ok(ok(Value::Object(out)))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/tfa", get(list_tfa))
        .route("/access/tfa/{userid}", get(list_user_tfa))
        .route("/access/users/{userid}/tfa", get(read_user_tfa_type))
}
