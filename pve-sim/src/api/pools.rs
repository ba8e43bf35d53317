//! `/pools` (pve-manager `API2/Pool.pm`), including nested pools (only as
//! `?poolid=a/b`) and the deprecated `/pools/{poolid}` forms. Members are
//! answered from the inventory.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use super::resources::{storage_stats, vm_stats};
use crate::inventory::Inventory;
use crate::model::PoolUpdate;
use crate::model::ids::split_list;
use crate::model::{Pool, perm};
use crate::server::state::SharedState;

/// Member entries (`API2/Pool.pm`, index): guests that exist in the
/// inventory (VMs as `qemu/<id>`, containers as `lxc/<id>`), then storages
/// that exist, each as `extract_vm_stats` / `extract_storage_stats` render
/// them; `type` filters. Members whose guest or storage no longer exists
/// stay in user.cfg but are not listed, as in PVE.
fn members(pool: &Pool, inventory: &Inventory, kind: Option<&str>) -> Vec<Value> {
    let mut out = Vec::new();
    // Perl: `sort keys %{ $pool_config->{vms} }`, a string sort.
    let mut vmids: Vec<u64> = pool.vms.iter().copied().collect();
    vmids.sort_by_key(|v| v.to_string());
    for vmid in vmids {
        let Some(guest) = inventory.guest(vmid) else {
            continue;
        };
        if kind.is_some_and(|k| k != guest.kind.as_str()) {
            continue;
        }
        out.push(Value::Object(vm_stats(guest, inventory)));
    }
    if kind.is_none_or(|k| k == "storage") {
        for sid in &pool.storage {
            let Some(storage) = inventory.storage(sid) else {
                continue;
            };
            let node = inventory.storage_member_node(storage);
            out.push(Value::Object(storage_stats(storage, &node)));
        }
    }
    out
}

/// `{comment?, members, poolid}`; GET /pools/{poolid} returns the same
/// object (`read_pool` returns `index(...)->[0]`), `poolid` included.
fn pool_entry(poolid: &str, pool: &Pool, inventory: &Inventory, kind: Option<&str>) -> Value {
    let mut entry = Map::new();
    if let Some(c) = &pool.comment {
        entry.insert("comment".into(), json!(c));
    }
    entry.insert(
        "members".into(),
        Value::Array(members(pool, inventory, kind)),
    );
    entry.insert("poolid".into(), json!(poolid));
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
            &state.live_inventory(),
            kind.as_deref()
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
    Ok(ok(pool_entry(
        &poolid,
        pool,
        &state.live_inventory(),
        kind.as_deref(),
    )))
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
    let inventory = state.inventory.get();
    state
        .write("delete pool failed", call.faults.lock_timeout, |snap| {
            // Destroyed guests and removed storages do not keep a pool alive.
            snap.users.delete_pool(
                &poolid,
                |vmid| inventory.guest(vmid).is_some(),
                |sid| inventory.storage(sid).is_some(),
            )
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/pools", get(list).post(create).put(update).delete(delete))
        // One segment only: `/pools/a/b` is no method of PVE's (the
        // deprecated `{poolid}` forms predate nested pools) and falls
        // through to the 501 fallback; nested pools use `?poolid=a/b`.
        .route("/pools/{poolid}", get(read).put(update).delete(delete))
}
