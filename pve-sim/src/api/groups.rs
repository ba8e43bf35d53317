//! `/access/groups[/{groupid}]`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::ok;
use crate::model::perm;
use crate::server::state::SharedState;

async fn list(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let cfg = &snapshot.users;
    let privs = ["User.Modify", "Sys.Audit", "Group.Allocate"];
    let out: Vec<Value> = cfg
        .groups
        .iter()
        .filter(|(g, _)| {
            perm::check(
                cfg,
                call.authid(),
                &format!("/access/groups/{g}"),
                &privs,
                true,
            )
        })
        .map(|(g, group)| {
            let mut entry = Map::new();
            if let Some(c) = &group.comment {
                entry.insert("comment".into(), json!(c));
            }
            entry.insert("groupid".into(), json!(g));
            let members: Vec<&str> = group.members.iter().map(String::as_str).collect();
            entry.insert("users".into(), json!(members.join(",")));
            Value::Object(entry)
        })
        .collect();
    Ok(ok(Value::Array(out)))
}

async fn read(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let group = snapshot.users.group(&call.required("groupid"))?;
    let mut out = Map::new();
    if let Some(c) = &group.comment {
        out.insert("comment".into(), json!(c));
    }
    out.insert("members".into(), json!(group.members));
    Ok(ok(Value::Object(out)))
}

async fn create(State(state): State<SharedState>, call: Call) -> ApiResult {
    let groupid = call.required("groupid");
    let comment = call.params.str("comment");
    state
        .write("create group failed", call.faults.lock_timeout, |snap| {
            snap.users.create_group(&groupid, comment.as_deref())
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let groupid = call.required("groupid");
    let comment = call.params.str("comment");
    state
        .write("update group failed", call.faults.lock_timeout, |snap| {
            snap.users.update_group(&groupid, comment.as_deref())
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn delete(State(state): State<SharedState>, call: Call) -> ApiResult {
    let groupid = call.required("groupid");
    state
        .write("delete group failed", call.faults.lock_timeout, |snap| {
            snap.users.delete_group(&groupid)
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/groups", get(list).post(create))
        .route(
            "/access/groups/{groupid}",
            get(read).put(update).delete(delete),
        )
}
