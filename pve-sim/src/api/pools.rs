//! `/pools` (pve-manager `API2/Pool.pm`), including nested pools and the
//! deprecated `/pools/{poolid}` forms.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use crate::model::PoolUpdate;
use crate::model::ids::split_list;
use crate::model::{Pool, perm};
use crate::server::state::SharedState;

/// Node name the simulated members live on.
const NODE: &str = "pve";

/// Member entries: guests (as stopped qemu guests; the simulator has no
/// guest inventory) and storages, filtered by `type`.
fn members(pool: &Pool, kind: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    if kind.is_none_or(|k| k == "qemu") {
        for vmid in &pool.vms {
            out.push(json!({
                "id": format!("qemu/{vmid}"),
                "node": NODE,
                "status": "stopped",
                "type": "qemu",
                "vmid": vmid,
            }));
        }
    }
    if kind.is_none_or(|k| k == "storage") {
        for sid in &pool.storage {
            out.push(json!({
                "id": format!("storage/{NODE}/{sid}"),
                "node": NODE,
                "storage": sid,
                "type": "storage",
            }));
        }
    }
    out
}

fn pool_entry(poolid: &str, pool: &Pool, kind: Option<&str>, with_id: bool) -> Value {
    let mut entry = Map::new();
    if let Some(c) = &pool.comment {
        entry.insert("comment".into(), json!(c));
    }
    entry.insert("members".into(), Value::Array(members(pool, kind)));
    if with_id {
        entry.insert("poolid".into(), json!(poolid));
    }
    Value::Object(entry)
}

async fn list(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let cfg = &snapshot.users;
    if let Some(poolid) = call.params.str("poolid") {
        // [code] the Pool.Audit check in this branch is ignored (§4.12).
        let pool = cfg.pool(&poolid)?;
        let kind = call.params.str("type");
        return Ok(ok(json!([pool_entry(
            &poolid,
            pool,
            kind.as_deref(),
            true
        )])));
    }
    let out: Vec<Value> = cfg
        .pools
        .iter()
        .filter(|(id, _)| {
            perm::check(
                cfg,
                call.authid(),
                &format!("/pool/{id}"),
                &["Pool.Audit"],
                false,
            )
        })
        .map(|(id, pool)| {
            let mut entry = Map::new();
            if let Some(c) = &pool.comment {
                entry.insert("comment".into(), json!(c));
            }
            entry.insert("poolid".into(), json!(id));
            Value::Object(entry)
        })
        .collect();
    Ok(ok(Value::Array(out)))
}

async fn read(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let poolid = call.required("poolid");
    let pool = snapshot.users.pool(&poolid)?;
    let kind = call.params.str("type");
    Ok(ok(pool_entry(&poolid, pool, kind.as_deref(), false)))
}

async fn create(State(state): State<SharedState>, call: Call) -> ApiResult {
    let poolid = call.required("poolid");
    let comment = call.params.str("comment");
    state
        .write("create pool failed", call.faults.lock_timeout, |snap| {
            snap.users.create_pool(&poolid, comment.as_deref())
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let poolid = call.required("poolid");
    let vms = match call.params.str("vms") {
        None => None,
        Some(text) => Some(
            split_list(&text)
                .iter()
                .map(|v| {
                    v.parse::<u64>().map_err(|_| {
                        ApiError::param(
                            "vms",
                            "invalid format - value does not look like a valid VM ID\n",
                        )
                    })
                })
                .collect::<Result<Vec<u64>, ApiError>>()?,
        ),
    };
    let update = PoolUpdate {
        comment: call.params.str("comment"),
        vms,
        storage: call.params.str("storage").map(|s| split_list(&s)),
        allow_move: call.params.bool("allow-move").unwrap_or(false),
        delete: call.params.bool("delete").unwrap_or(false),
    };
    let authid = call.authid().to_string();
    state
        .write("update pools failed", call.faults.lock_timeout, |snap| {
            snap.users.update_pool(&authid, &poolid, &update)
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn delete(State(state): State<SharedState>, call: Call) -> ApiResult {
    let poolid = call.required("poolid");
    state
        .write("delete pool failed", call.faults.lock_timeout, |snap| {
            // Every member counts as existing: the simulator has no guest
            // or storage inventory that could make one vanish.
            snap.users.delete_pool(&poolid, |_| true, |_| true)
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/pools", get(list).post(create).put(update).delete(delete))
        .route("/pools/{*poolid}", get(read).put(update).delete(delete))
}
