//! `/access/roles[/{roleid}]`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::ok;
use crate::model::ids::split_list;
use crate::server::state::SharedState;

async fn list(State(state): State<SharedState>, _call: Call) -> ApiResult {
    let snapshot = state.read();
    let out: Vec<Value> = snapshot
        .users
        .all_roles()
        .into_iter()
        .map(|(roleid, privs, special)| {
            let privs: Vec<String> = privs.into_iter().collect();
            let mut entry = Map::new();
            entry.insert("privs".into(), json!(privs.join(",")));
            entry.insert("roleid".into(), json!(roleid));
            entry.insert("special".into(), json!(u8::from(special)));
            Value::Object(entry)
        })
        .collect();
    Ok(ok(Value::Array(out)))
}

async fn read(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let privs = snapshot.users.role(&call.required("roleid"))?;
    let out: Map<String, Value> = privs.into_iter().map(|p| (p, json!(1))).collect();
    Ok(ok(Value::Object(out)))
}

fn privs(call: &Call) -> Option<Vec<String>> {
    call.params.str("privs").map(|p| split_list(&p))
}

async fn create(State(state): State<SharedState>, call: Call) -> ApiResult {
    let roleid = call.required("roleid");
    let privs = privs(&call).unwrap_or_default();
    state
        .write("create role failed", call.faults.lock_timeout, |snap| {
            snap.users.create_role(&roleid, &privs)
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let roleid = call.required("roleid");
    let privs = privs(&call);
    let append = call.params.bool("append").unwrap_or(false);
    state
        .write("update role failed", call.faults.lock_timeout, |snap| {
            snap.users.update_role(&roleid, privs.as_deref(), append)
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn delete(State(state): State<SharedState>, call: Call) -> ApiResult {
    let roleid = call.required("roleid");
    state
        .write("delete role failed", call.faults.lock_timeout, |snap| {
            snap.users.delete_role(&roleid)
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/roles", get(list).post(create))
        .route(
            "/access/roles/{roleid}",
            get(read).put(update).delete(delete),
        )
}
