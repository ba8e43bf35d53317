//! The inventory endpoints (`/cluster/resources`, `/cluster/status`,
//! `/nodes`, `/nodes/{node}/qemu|lxc|storage`, `/storage`) and pool
//! membership against the inventory, in-process.

#[cfg(test)]
mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{harness, harness_with};
use pve_sim::Inventory;
use serde_json::Value;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["id"].as_str().expect("an id").to_string())
        .collect()
}

fn vmids(list: &Value) -> BTreeSet<u64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["vmid"].as_u64().expect("a vmid"))
        .collect()
}

#[tokio::test]
async fn cluster_resources_as_root_by_type() {
    let h = harness().await;
    let inventory = Inventory::demo();
    let all = h.root("GET", "/cluster/resources", "").await;
    let vms = h.root("GET", "/cluster/resources?type=vm", "").await;
    let nodes = h.root("GET", "/cluster/resources?type=node", "").await;
    let storage = h.root("GET", "/cluster/resources?type=storage", "").await;
    assert_eq!(vms.as_array().unwrap().len(), inventory.guests.len());
    assert_eq!(ids(&nodes), ["node/pve"]);
    assert_eq!(
        ids(&storage),
        ["storage/pve/local", "storage/pve/local-lvm"]
    );
    // Unfiltered: guests, nodes, storages and the default network zone.
    assert_eq!(
        all.as_array().unwrap().len(),
        inventory.guests.len() + 1 + 2 + 1
    );
    assert!(ids(&all).contains(&"network/pve/zone/localnetwork".to_string()));
    // Perl sorts vmids as strings: 9000 sorts between 303 and ... none, but
    // "1xx" < "2xx" < "3xx" < "9000".
    assert_eq!(ids(&vms).first().map(String::as_str), Some("qemu/100"));
    assert_eq!(ids(&vms).last().map(String::as_str), Some("qemu/9000"));

    let ct = vms
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["vmid"] == 101)
        .unwrap();
    assert_eq!(ct["id"], "lxc/101");
    assert_eq!(ct["type"], "lxc");
    assert_eq!(ct["node"], "pve");
    assert_eq!(ct["name"], "web-2");
    assert_eq!(ct["status"], "running");
    assert_eq!(ct["tags"], "prod;web");
    assert_eq!(ct["template"], 0);
    assert!(ct["maxmem"].is_u64() && ct["mem"].is_u64() && ct["cpu"].is_f64());
    assert!(ct.get("memhost").is_none(), "only QEMU reports memhost");
    let template = vms
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["vmid"] == 9000)
        .unwrap();
    assert_eq!(template["template"], 1);
    assert_eq!(template["status"], "stopped");

    let local = &storage[0];
    assert_eq!(local["plugintype"], "dir");
    assert_eq!(local["content"], "backup,iso,vztmpl");
    assert_eq!(local["shared"], 0);
    assert_eq!(local["status"], "available");

    // `pool` and `network` are handled in code but not in the schema's enum.
    let reply = h
        .send("GET", "/cluster/resources?type=pool", None, "")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body["errors"]["type"].is_string(), "{}", reply.body);
}

#[tokio::test]
async fn cluster_resources_filtered_by_privileges() {
    let h = harness().await;
    let token = h.token_user("aud").await;
    // Nothing granted: nodes stay listed, without their numbers.
    let all = h.send("GET", "/cluster/resources", Some(&token), "").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(ids(all.data()), ["node/pve"]);
    let node = &all.data()[0];
    assert_eq!(node["status"], "online");
    assert!(node.get("maxcpu").is_none() && node.get("mem").is_none());

    h.grant("/vms/100", "PVEVMUser", "aud").await;
    h.grant("/storage/local", "PVEDatastoreUser", "aud").await;
    h.grant("/nodes/pve", "PVEAuditor", "aud").await;
    let vms = h
        .send("GET", "/cluster/resources?type=vm", Some(&token), "")
        .await;
    assert_eq!(ids(vms.data()), ["qemu/100"]);
    let storage = h
        .send("GET", "/cluster/resources?type=storage", Some(&token), "")
        .await;
    assert_eq!(ids(storage.data()), ["storage/pve/local"]);
    let nodes = h
        .send("GET", "/cluster/resources?type=node", Some(&token), "")
        .await;
    assert!(nodes.data()[0]["maxcpu"].is_u64());

    // The pool shows on the guest only with Pool.Audit on the pool.
    h.root("POST", "/pools", "poolid=web").await;
    h.root("PUT", "/pools", "poolid=web&vms=100").await;
    let vms = h
        .send("GET", "/cluster/resources?type=vm", Some(&token), "")
        .await;
    assert!(vms.data()[0].get("pool").is_none(), "{}", vms.body);
    h.grant("/pool/web", "PVEPoolUser", "aud").await;
    let all = h.send("GET", "/cluster/resources", Some(&token), "").await;
    let list = all.data().as_array().unwrap();
    assert_eq!(list[0]["id"], "/pool/web");
    assert_eq!(list[0]["type"], "pool");
    let vm = list.iter().find(|e| e["id"] == "qemu/100").unwrap();
    assert_eq!(vm["pool"], "web");
}

#[tokio::test]
async fn nodes_and_guest_lists() {
    let h = harness().await;
    let nodes = h.root("GET", "/nodes", "").await;
    assert_eq!(nodes[0]["node"], "pve");
    assert_eq!(nodes[0]["type"], "node");
    assert_eq!(nodes[0]["status"], "online");
    assert!(nodes[0]["ssl_fingerprint"].is_string() || nodes[0]["ssl_fingerprint"].is_null());

    let qemu = h.root("GET", "/nodes/pve/qemu", "").await;
    let lxc = h.root("GET", "/nodes/pve/lxc", "").await;
    let inventory = Inventory::demo();
    let expect = |kind: &str| -> BTreeSet<u64> {
        inventory
            .guests
            .iter()
            .filter(|g| g.kind.as_str() == kind)
            .map(|g| g.vmid)
            .collect()
    };
    assert_eq!(vmids(&qemu), expect("qemu"));
    assert_eq!(vmids(&lxc), expect("lxc"));
    assert!(lxc.as_array().unwrap().iter().all(|e| e["type"] == "lxc"));
    let web1 = qemu
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["vmid"] == 100)
        .unwrap();
    assert_eq!(web1["name"], "web-1");
    assert_eq!(web1["status"], "running");
    assert!(web1["cpus"].is_u64() && web1["pid"].is_u64());

    let reply = h.send("GET", "/nodes/nope/qemu", None, "").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.message(),
        "hostname lookup 'nope' failed - failed to get address info for: nope: Name or service not known\n"
    );

    let token = h.token_user("ops").await;
    h.grant("/vms/101", "PVEVMUser", "ops").await;
    let lxc = h.send("GET", "/nodes/pve/lxc", Some(&token), "").await;
    let qemu = h.send("GET", "/nodes/pve/qemu", Some(&token), "").await;
    assert_eq!(vmids(lxc.data()), BTreeSet::from([101]));
    assert!(qemu.data().as_array().unwrap().is_empty());
}

#[tokio::test]
async fn storage_config_and_status() {
    let h = harness().await;
    let config = h.root("GET", "/storage", "").await;
    let list = config.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let digest = list[0]["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 40);
    assert!(list.iter().all(|s| s["digest"] == digest));
    assert_eq!(list[0]["storage"], "local");
    assert_eq!(list[0]["path"], "/var/lib/vz");
    assert_eq!(list[1]["thinpool"], "data");
    let dirs = h.root("GET", "/storage?type=dir", "").await;
    assert_eq!(dirs.as_array().unwrap().len(), 1);

    let status = h.root("GET", "/nodes/pve/storage", "").await;
    let lvm = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["storage"] == "local-lvm")
        .unwrap();
    assert_eq!(lvm["active"], 1);
    assert_eq!(lvm["enabled"], 1);
    assert_eq!(
        lvm["avail"].as_u64().unwrap(),
        lvm["total"].as_u64().unwrap() - lvm["used"].as_u64().unwrap()
    );
    assert!(lvm["used_fraction"].is_f64());
    let images = h.root("GET", "/nodes/pve/storage?content=images", "").await;
    assert_eq!(images.as_array().unwrap().len(), 1);
    assert_eq!(images[0]["storage"], "local-lvm");
    let reply = h
        .send("GET", "/nodes/pve/storage?storage=ghost", None, "")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["errors"]["storage"], "No such storage.");

    let token = h.token_user("st").await;
    h.grant("/storage/local-lvm", "PVEDatastoreUser", "st")
        .await;
    let mine = h.send("GET", "/storage", Some(&token), "").await;
    assert_eq!(mine.data().as_array().unwrap().len(), 1);
    assert_eq!(mine.data()[0]["storage"], "local-lvm");
}

#[tokio::test]
async fn pool_members_come_from_the_inventory() {
    let h = harness().await;
    h.root("POST", "/pools", "poolid=mixed").await;
    // PVE records members without checking that they exist (API2/Pool.pm).
    h.root(
        "PUT",
        "/pools",
        "poolid=mixed&vms=100,101,4242&storage=local,ghost",
    )
    .await;
    let pool = h.root("GET", "/pools?poolid=mixed", "").await;
    assert_eq!(pool[0]["poolid"], "mixed");
    assert_eq!(
        ids(&pool[0]["members"]),
        ["qemu/100", "lxc/101", "storage/pve/local"]
    );
    let lxc = h.root("GET", "/pools?poolid=mixed&type=lxc", "").await;
    assert_eq!(ids(&lxc[0]["members"]), ["lxc/101"]);
    let qemu = h.root("GET", "/pools?poolid=mixed&type=qemu", "").await;
    assert_eq!(ids(&qemu[0]["members"]), ["qemu/100"]);
    let storage = h.root("GET", "/pools?poolid=mixed&type=storage", "").await;
    assert_eq!(storage[0]["members"][0]["plugintype"], "dir");
    let guest = &qemu[0]["members"][0];
    assert_eq!(guest["name"], "web-1");
    assert_eq!(guest["status"], "running");

    // The deprecated path form answers the same object, poolid included.
    let read = h.root("GET", "/pools/mixed", "").await;
    assert_eq!(read["poolid"], "mixed");
    assert_eq!(read["members"], pool[0]["members"]);

    // Existing members block DELETE; members that do not exist do not.
    let reply = h.send("DELETE", "/pools?poolid=mixed", None, "").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.message(),
        "delete pool failed: pool 'mixed' is not empty (contains VM 100)\n"
    );
    h.root(
        "PUT",
        "/pools",
        "poolid=mixed&vms=100,101&storage=local&delete=1",
    )
    .await;
    h.root("DELETE", "/pools?poolid=mixed", "").await;
    let pools = h.root("GET", "/pools", "").await;
    assert!(pools.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn nested_pools_only_through_the_query_parameter() {
    let h = harness().await;
    h.root("POST", "/pools", "poolid=a").await;
    h.root("POST", "/pools", "poolid=a/b").await;
    let nested = h.root("GET", "/pools?poolid=a/b", "").await;
    assert_eq!(nested[0]["poolid"], "a/b");
    for method in ["GET", "PUT", "DELETE"] {
        let reply = h.send(method, "/pools/a/b", None, "").await;
        assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED, "{method}");
        assert_eq!(
            reply.body["message"],
            format!("Method '{method} /pools/a/b' not implemented")
        );
    }
    let reply = h.send("POST", "/pools", None, "poolid=a/b/c/d").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body["errors"]["poolid"]
            .as_str()
            .unwrap()
            .contains("nested too deeply (max levels = 3)"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn a_custom_inventory_with_two_nodes() {
    let inventory = Inventory::parse(
        r#"{
          "nodes": [{"node": "alpha"}, {"node": "beta"}, {"node": "gamma", "status": "offline"}],
          "guests": [
            {"vmid": 500, "type": "lxc", "node": "beta", "name": "ct"},
            {"vmid": 600, "type": "qemu", "node": "alpha", "name": "vm", "status": "running"},
            {"vmid": 700, "type": "qemu", "node": "gamma", "name": "away", "status": "running", "tags": "db"}
          ],
          "storages": [
            {"storage": "nfs1", "type": "nfs", "content": "images", "shared": true},
            {"storage": "fast", "type": "zfspool", "content": "images,rootdir", "nodes": ["beta"]}
          ]
        }"#,
    )
    .unwrap();
    let h = harness_with(inventory).await;
    let storage = h.root("GET", "/cluster/resources?type=storage", "").await;
    assert_eq!(
        ids(&storage),
        [
            "storage/alpha/nfs1",
            "storage/beta/nfs1",
            "storage/gamma/nfs1",
            "storage/beta/fast"
        ]
    );
    let nodes = h.root("GET", "/cluster/resources?type=node", "").await;
    assert_eq!(nodes[2]["status"], "offline");
    assert!(nodes[2].get("uptime").is_none());
    let beta = h.root("GET", "/nodes/beta/lxc", "").await;
    assert_eq!(vmids(&beta), BTreeSet::from([500]));
    let alpha = h.root("GET", "/nodes/alpha/lxc", "").await;
    assert!(alpha.as_array().unwrap().is_empty());
    let reply = h.send("GET", "/nodes/gamma/qemu", None, "").await;
    assert_eq!(reply.status.as_u16(), 595);
    let status = h.root("GET", "/cluster/status", "").await;
    assert_eq!(status[0]["type"], "cluster");
    assert_eq!(status[0]["quorate"], 1);
    assert_eq!(status.as_array().unwrap().len(), 4);

    // A storage member is reported on the first node that has it.
    h.root("POST", "/pools", "poolid=p").await;
    h.root("PUT", "/pools", "poolid=p&storage=fast&vms=500")
        .await;
    let pool = h.root("GET", "/pools?poolid=p", "").await;
    assert_eq!(ids(&pool[0]["members"]), ["lxc/500", "storage/beta/fast"]);

    // A guest on an offline node has no RRD data: ids, tags and `unknown`.
    let vms = h.root("GET", "/cluster/resources?type=vm", "").await;
    let away = vms
        .as_array()
        .unwrap()
        .iter()
        .find(|vm| vm["vmid"] == 700)
        .unwrap();
    assert_eq!(
        *away,
        serde_json::json!({"id": "qemu/700", "vmid": 700, "node": "gamma", "type": "qemu", "status": "unknown", "tags": "db"})
    );
    h.root("PUT", "/pools", "poolid=p&vms=700").await;
    let pool = h.root("GET", "/pools?poolid=p&type=qemu", "").await;
    assert_eq!(pool[0]["members"][0]["status"], "unknown");
    assert!(pool[0]["members"][0].get("name").is_none());
}

#[tokio::test]
async fn guests_added_and_removed_at_run_time_change_pool_listings() {
    let h = harness().await;
    h.root("POST", "/pools", "poolid=web").await;
    let add = r#"{"vmid": 4242, "type": "lxc", "node": "pve", "name": "late"}"#;
    // Only root may change the inventory.
    let token = h.token_user("ci").await;
    let reply = h.send("POST", "/_sim/guests", Some(&token), add).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = h
        .send_json("POST", "/_sim/guests", &serde_json::from_str(add).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = h
        .send_json("POST", "/_sim/guests", &serde_json::from_str(add).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.body["error"]
            .as_str()
            .unwrap()
            .contains("listed twice")
    );

    h.root("PUT", "/pools/web", "vms=4242").await;
    let members = |data: serde_json::Value| data["members"].as_array().unwrap().len();
    assert_eq!(members(h.root("GET", "/pools/web", "").await), 1);
    let reply = h.send("DELETE", "/_sim/guests/4242", None, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // Still recorded in user.cfg, no longer listed; the pool can go.
    assert_eq!(members(h.root("GET", "/pools/web", "").await), 0);
    let reply = h.send("DELETE", "/_sim/guests/4242", None, "").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = h.send("PUT", "/pools/web", None, "vms=4242").await;
    assert!(
        reply.message().contains("already a pool member"),
        "{}",
        reply.body
    );
    h.root("DELETE", "/pools/web", "").await;
}
