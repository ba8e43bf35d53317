//! `GET /cluster/resources` and `GET /cluster/status` (pve-manager
//! `PVE/API2/Cluster.pm`), and the per-object entries they share with
//! `/pools` and `/nodes` (`PVE/API2Tools.pm`: `extract_vm_stats`,
//! `extract_node_stats`, `extract_storage_stats`).
//!
//! The simulator has no RRD data, so the usage numbers are fixed functions
//! of the inventory: a running guest uses half its memory and 2 % CPU, a
//! node a quarter of its memory and 5 % CPU. Field names and JSON types
//! are PVE's (`$x + 0` numbers, `template` 0/1, `shared` 0/1).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::ok;
use crate::inventory::{Guest, GuestType, Inventory, Node, Storage};
use crate::model::{UserConfig, perm};
use crate::server::state::SharedState;

/// `extract_vm_stats`. A guest on an offline node has no RRD entry: its
/// node stopped sending them, and pmxcfs's `rrd dump` leaves out entries
/// that stopped updating. PVE then reports only the ids and `status`
/// `unknown` (pve-manager `PVE/API2Tools.pm`). On a node the entry ages
/// out after a few minutes; the simulator has no clock for it and answers
/// `unknown` as soon as the node is down.
pub fn vm_stats(guest: &Guest, inventory: &Inventory) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert(
        "id".into(),
        json!(format!("{}/{}", guest.kind.as_str(), guest.vmid)),
    );
    entry.insert("vmid".into(), json!(guest.vmid));
    entry.insert("node".into(), json!(guest.node));
    entry.insert("type".into(), json!(guest.kind.as_str()));
    let node_online = inventory
        .node(&guest.node)
        .is_some_and(|node| node.status == "online");
    if !node_online {
        entry.insert("status".into(), json!("unknown"));
        return entry;
    }
    let running = guest.running();
    entry.insert("uptime".into(), json!(if running { 3600 } else { 0 }));
    entry.insert("name".into(), json!(guest.name));
    entry.insert("status".into(), json!(guest.status));
    entry.insert("template".into(), json!(u8::from(guest.template)));
    entry.insert("maxcpu".into(), json!(guest.maxcpu));
    entry.insert("cpu".into(), if running { json!(0.02) } else { json!(0) });
    entry.insert("maxmem".into(), json!(guest.maxmem));
    entry.insert(
        "mem".into(),
        json!(if running { guest.maxmem / 2 } else { 0 }),
    );
    entry.insert("maxdisk".into(), json!(guest.maxdisk));
    // QEMU cannot see inside the guest's disks: PVE reports 0 for VMs.
    let disk = match guest.kind {
        GuestType::Lxc if running => guest.maxdisk / 4,
        _ => 0,
    };
    entry.insert("disk".into(), json!(disk));
    for key in ["netin", "netout", "diskread", "diskwrite"] {
        entry.insert(key.into(), json!(0));
    }
    // Only the `pve-vm-9.0` RRD format (QEMU on PVE 9) carries memhost.
    if guest.kind == GuestType::Qemu {
        entry.insert(
            "memhost".into(),
            json!(if running { guest.maxmem / 2 } else { 0 }),
        );
    }
    entry
}

/// `extract_node_stats`; `exclude_stats` without `Sys.Audit` on the node.
pub fn node_stats(node: &Node, exclude_stats: bool) -> Map<String, Value> {
    let online = node.status == "online";
    let mut entry = Map::new();
    entry.insert("id".into(), json!(format!("node/{}", node.node)));
    entry.insert("node".into(), json!(node.node));
    entry.insert("type".into(), json!("node"));
    entry.insert("status".into(), json!(node.status));
    if online && !exclude_stats {
        entry.insert("uptime".into(), json!(node.uptime));
        entry.insert("cpu".into(), json!(0.05));
        entry.insert("mem".into(), json!(node.maxmem / 4));
        entry.insert("disk".into(), json!(node.maxdisk / 5));
    }
    // No subscription: an empty support level.
    entry.insert("level".into(), json!(""));
    if !exclude_stats {
        entry.insert("maxcpu".into(), json!(node.maxcpu));
        entry.insert("maxmem".into(), json!(node.maxmem));
        entry.insert("maxdisk".into(), json!(node.maxdisk));
    }
    entry
}

/// `extract_storage_stats` for `storage` as seen from `node`.
pub fn storage_stats(storage: &Storage, node: &str) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert(
        "id".into(),
        json!(format!("storage/{node}/{}", storage.storage)),
    );
    entry.insert("storage".into(), json!(storage.storage));
    entry.insert("node".into(), json!(node));
    entry.insert("type".into(), json!("storage"));
    entry.insert("plugintype".into(), json!(storage.kind));
    entry.insert("status".into(), json!("available"));
    entry.insert("shared".into(), json!(u8::from(storage.shared)));
    entry.insert("content".into(), json!(storage.content_string()));
    entry.insert("maxdisk".into(), json!(storage.total));
    entry.insert("disk".into(), json!(storage.used));
    entry
}

fn can(cfg: &UserConfig, authid: &str, path: &str, privs: &[&str]) -> bool {
    perm::check(cfg, authid, path, privs, false)
}

/// The entries of GET /cluster/resources for `kind` (None = all), in PVE's
/// order: pools, guests, nodes, storages, then the `localnetwork` zone.
pub fn resources(
    cfg: &UserConfig,
    inventory: &Inventory,
    authid: &str,
    kind: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::new();
    let wants = |k: &str| kind.is_none_or(|want| want == k);
    if wants("pool") {
        for poolid in cfg.pools.keys() {
            if can(cfg, authid, &format!("/pool/{poolid}"), &["Pool.Audit"]) {
                out.push(
                    json!({ "id": format!("/pool/{poolid}"), "pool": poolid, "type": "pool" }),
                );
            }
        }
    }
    if wants("vm") {
        for guest in inventory.guests_by_string_id() {
            if !can(cfg, authid, &format!("/vms/{}", guest.vmid), &["VM.Audit"]) {
                continue;
            }
            let mut entry = vm_stats(guest, inventory);
            if let Some(tags) = &guest.tags {
                entry.insert("tags".into(), json!(tags));
            }
            // The pool is shown only to those who may audit it.
            if let Some(pool) = cfg.vm_pool(guest.vmid)
                && can(cfg, authid, &format!("/pool/{pool}"), &["Pool.Audit"])
            {
                entry.insert("pool".into(), json!(pool));
            }
            out.push(Value::Object(entry));
        }
    }
    if wants("node") {
        for node in &inventory.nodes {
            let audit = can(
                cfg,
                authid,
                &format!("/nodes/{}", node.node),
                &["Sys.Audit"],
            );
            let mut entry = node_stats(node, !audit);
            entry.insert("cgroup-mode".into(), json!(2));
            out.push(Value::Object(entry));
        }
    }
    if wants("storage") {
        for storage in &inventory.storages {
            let path = format!("/storage/{}", storage.storage);
            if !can(cfg, authid, &path, &["Datastore.Audit"]) {
                continue;
            }
            for node in &inventory.nodes {
                if storage.enabled_on(&node.node) {
                    out.push(Value::Object(storage_stats(storage, &node.node)));
                }
            }
        }
    }
    // `type=network` is handled in code but not allowed by the schema's
    // enum, so only the unfiltered list carries the default zone.
    if kind.is_none() && can(cfg, authid, "/sdn/zones/localnetwork", &["SDN.Audit"]) {
        for node in &inventory.nodes {
            out.push(json!({
                "id": format!("network/{}/zone/localnetwork", node.node),
                "type": "network",
                "network-type": "zone",
                "network": "localnetwork",
                "node": node.node,
                "status": "ok",
            }));
        }
    }
    out
}

async fn cluster_resources(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let kind = call.params.str("type");
    Ok(ok(Value::Array(resources(
        &snapshot.users,
        &state.live_inventory(),
        call.authid(),
        kind.as_deref(),
    ))))
}

/// GET /cluster/status (`Sys.Audit` on `/`, checked by the schema). A
/// single node is a standalone host: no `cluster` entry, as PVE answers
/// without corosync; more nodes form the cluster `pve-sim`. In cluster
/// mode `online`, `local` and `quorate` are those seen by the serving node.
async fn cluster_status(State(state): State<SharedState>, _call: Call) -> ApiResult {
    let inventory = &state.live_inventory();
    let local = crate::cluster::serving_node().unwrap_or(0);
    let mut out = Vec::new();
    if inventory.nodes.len() > 1 {
        let online = inventory
            .nodes
            .iter()
            .filter(|n| n.status == "online")
            .count();
        let quorate = match state.cluster.get() {
            Some(cluster) if cluster.nodes.len() > 1 => cluster.quorate(local),
            _ => online * 2 > inventory.nodes.len(),
        };
        out.push(json!({
            "id": "cluster",
            "name": crate::cluster::CLUSTER_NAME,
            "type": "cluster",
            "nodes": inventory.nodes.len(),
            "quorate": u8::from(quorate),
            "version": inventory.nodes.len(),
        }));
    }
    for (index, node) in inventory.nodes.iter().enumerate() {
        out.push(json!({
            "id": format!("node/{}", node.node),
            "name": node.node,
            "type": "node",
            "ip": format!("192.0.2.{}", index + 10),
            "level": "",
            "local": u8::from(index == local),
            // A standalone node has no corosync id.
            "nodeid": if inventory.nodes.len() > 1 { index + 1 } else { 0 },
            "online": u8::from(node.status == "online"),
        }));
    }
    Ok(ok(Value::Array(out)))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/cluster/resources", get(cluster_resources))
        .route("/cluster/status", get(cluster_status))
}
