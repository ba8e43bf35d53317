//! `GET /nodes` (pve-manager `PVE/API2/Nodes.pm`), the guest lists
//! `GET /nodes/{node}/qemu` (qemu-server `PVE/API2/Qemu.pm`, `vmlist`) and
//! `GET /nodes/{node}/lxc` (pve-container `PVE/API2/LXC.pm`, `vmlist`), and
//! `GET /nodes/{node}/storage` (pve-storage `PVE/API2/Storage/Status.pm`,
//! `index`), all from the inventory.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use super::resources::node_stats;
use crate::inventory::{Guest, GuestType, Inventory, Node};
use crate::model::perm;
use crate::server::state::SharedState;

async fn index(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let out: Vec<Value> = state
        .live_inventory()
        .nodes
        .iter()
        .map(|node| {
            let audit = perm::check(
                &snapshot.users,
                call.authid(),
                &format!("/nodes/{}", node.node),
                &["Sys.Audit"],
                false,
            );
            let mut entry = node_stats(node, !audit);
            entry.insert(
                "ssl_fingerprint".into(),
                json!(state.fingerprint_of(&node.node)),
            );
            Value::Object(entry)
        })
        .collect();
    Ok(ok(Value::Array(out)))
}

/// The node a `{node}` call is proxied to (`proxyto => 'node'`): unknown
/// names fail in the host lookup, offline nodes are unreachable.
fn target_node<'a>(inventory: &'a Inventory, name: &str) -> Result<&'a Node, ApiError> {
    let node = inventory.node(name).ok_or_else(|| {
        // PVE::Network::get_ip_from_hostname via PVE::Cluster::remote_node_ip.
        ApiError::internal(format!(
            "hostname lookup '{name}' failed - failed to get address info for: {name}: Name or service not known"
        ))
    })?;
    if node.status != "online" {
        // pveproxy's proxy request to a node that does not answer.
        return Err(ApiError::with_status(
            StatusCode::from_u16(595).unwrap_or(StatusCode::BAD_GATEWAY),
            "No route to host",
        ));
    }
    Ok(node)
}

/// One entry of the qemu-server / pve-container `vmstatus` list.
fn vm_status(guest: &Guest) -> Value {
    let running = guest.running();
    let mut entry = Map::new();
    entry.insert("vmid".into(), json!(guest.vmid));
    entry.insert("name".into(), json!(guest.name));
    entry.insert("status".into(), json!(guest.status));
    entry.insert("cpus".into(), json!(guest.maxcpu));
    entry.insert("maxmem".into(), json!(guest.maxmem));
    entry.insert("maxdisk".into(), json!(guest.maxdisk));
    entry.insert("uptime".into(), json!(if running { 3600 } else { 0 }));
    entry.insert("cpu".into(), if running { json!(0.02) } else { json!(0) });
    entry.insert(
        "mem".into(),
        json!(if running { guest.maxmem / 2 } else { 0 }),
    );
    let disk = match guest.kind {
        GuestType::Lxc if running => guest.maxdisk / 4,
        _ => 0,
    };
    entry.insert("disk".into(), json!(disk));
    for key in ["netin", "netout", "diskread", "diskwrite"] {
        entry.insert(key.into(), json!(0));
    }
    if guest.template {
        entry.insert("template".into(), json!(1));
    }
    if let Some(tags) = &guest.tags {
        entry.insert("tags".into(), json!(tags));
    }
    match guest.kind {
        GuestType::Qemu => {
            if running {
                // A stable fake process id.
                entry.insert("pid".into(), json!(10_000 + guest.vmid % 50_000));
            }
        }
        GuestType::Lxc => {
            entry.insert("type".into(), json!("lxc"));
            entry.insert("maxswap".into(), json!(512 * 1024 * 1024_u64));
            entry.insert("swap".into(), json!(0));
        }
    }
    Value::Object(entry)
}

/// `vmlist`: the node's guests of one kind with `VM.Audit` on `/vms/<id>`.
fn guest_list(state: &SharedState, call: &Call, kind: GuestType) -> ApiResult {
    let snapshot = state.read();
    let inventory = state.live_inventory();
    let node = target_node(&inventory, &call.required("node"))?;
    let out: Vec<Value> = state
        .inventory
        .guests
        .iter()
        .filter(|g| g.kind == kind && g.node == node.node)
        .filter(|g| {
            perm::check(
                &snapshot.users,
                call.authid(),
                &format!("/vms/{}", g.vmid),
                &["VM.Audit"],
                false,
            )
        })
        .map(vm_status)
        .collect();
    Ok(ok(Value::Array(out)))
}

async fn qemu(State(state): State<SharedState>, call: Call) -> ApiResult {
    guest_list(&state, &call, GuestType::Qemu)
}

async fn lxc(State(state): State<SharedState>, call: Call) -> ApiResult {
    guest_list(&state, &call, GuestType::Lxc)
}

/// `PVE::Storage::storage_info` + the `index` filters of `Status.pm`.
async fn storage_status(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let inventory = &state.live_inventory();
    let node = target_node(inventory, &call.required("node"))?;
    let only = call.params.str("storage");
    let contents: Option<Vec<String>> = call.params.str("content").map(|c| {
        c.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let enabled_only = call.params.bool("enabled").unwrap_or(false);
    let target = call.params.str("target");
    // storage_info knows only the storages configured for this node (and,
    // with `content`, only those holding one of the types).
    let known: Vec<_> = inventory
        .storages
        .iter()
        .filter(|s| s.nodes.as_ref().is_none_or(|n| n.contains(&node.node)))
        .filter(|s| {
            contents
                .as_ref()
                .is_none_or(|want| want.iter().any(|c| s.has_content(c)))
        })
        .collect();
    if let Some(sid) = &only
        && !known.iter().any(|s| &s.storage == sid)
    {
        return Err(ApiError::param("storage", "No such storage."));
    }
    let mut out = Vec::new();
    for storage in known {
        let path = format!("/storage/{}", storage.storage);
        if !perm::check(
            &snapshot.users,
            call.authid(),
            &path,
            &["Datastore.Audit", "Datastore.AllocateSpace"],
            true,
        ) {
            continue;
        }
        if only.as_ref().is_some_and(|sid| sid != &storage.storage) {
            continue;
        }
        if enabled_only && storage.disable {
            continue;
        }
        // With a different target node only shared storages available on
        // both nodes qualify.
        if let Some(target) = &target
            && target != &node.node
            && (!storage.shared || !storage.enabled_on(target))
        {
            continue;
        }
        let active = !storage.disable;
        let (total, used) = if active {
            (storage.total, storage.used)
        } else {
            (0, 0)
        };
        let mut entry = Map::new();
        entry.insert("storage".into(), json!(storage.storage));
        entry.insert("type".into(), json!(storage.kind));
        entry.insert("content".into(), json!(storage.content_string()));
        entry.insert("shared".into(), json!(u8::from(storage.shared)));
        entry.insert("active".into(), json!(u8::from(active)));
        entry.insert("enabled".into(), json!(u8::from(active)));
        entry.insert("total".into(), json!(total));
        entry.insert("used".into(), json!(used));
        entry.insert("avail".into(), json!(total - used));
        if total > 0 {
            entry.insert("used_fraction".into(), json!(used as f64 / total as f64));
        }
        out.push(Value::Object(entry));
    }
    // hash_to_array: sorted by storage id.
    out.sort_by(|a, b| a["storage"].as_str().cmp(&b["storage"].as_str()));
    Ok(ok(Value::Array(out)))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/nodes", get(index))
        .route("/nodes/{node}/qemu", get(qemu))
        .route("/nodes/{node}/lxc", get(lxc))
        .route("/nodes/{node}/storage", get(storage_status))
}
