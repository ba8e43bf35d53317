//! `GET /storage` (pve-storage `PVE/API2/Storage/Config.pm`, `index`): the
//! storage configuration, from the inventory.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::ok;
use crate::inventory::Storage;
use crate::model::perm;
use crate::server::state::SharedState;

/// `api_storage_config`: the section with `storage`, `digest`, content and
/// nodes as strings; flags as PVE's parser stores them (1).
fn storage_config(storage: &Storage, digest: &str) -> Value {
    let mut entry = Map::new();
    for (key, value) in &storage.config {
        entry.insert(key.clone(), value.clone());
    }
    entry.insert("storage".into(), json!(storage.storage));
    entry.insert("type".into(), json!(storage.kind));
    entry.insert("content".into(), json!(storage.content_string()));
    entry.insert("digest".into(), json!(digest));
    if let Some(nodes) = &storage.nodes {
        let mut sorted = nodes.clone();
        sorted.sort();
        entry.insert("nodes".into(), json!(sorted.join(",")));
    }
    if storage.shared {
        entry.insert("shared".into(), json!(1));
    }
    if storage.disable {
        entry.insert("disable".into(), json!(1));
    }
    Value::Object(entry)
}

async fn index(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let inventory = &state.inventory.get();
    let digest = crate::sha1::hex_digest(inventory.storage_cfg().as_bytes());
    let kind = call.params.str("type");
    let out: Vec<Value> = inventory
        .storages
        .iter()
        .filter(|s| {
            perm::check(
                &snapshot.users,
                call.authid(),
                &format!("/storage/{}", s.storage),
                &["Datastore.Audit", "Datastore.AllocateSpace"],
                true,
            )
        })
        .filter(|s| kind.as_ref().is_none_or(|k| k == &s.kind))
        .map(|s| storage_config(s, &digest))
        .collect();
    Ok(ok(Value::Array(out)))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new().route("/storage", get(index))
}
