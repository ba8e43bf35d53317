//! The read-only cluster inventory: nodes, qemu and lxc guests, storages.
//!
//! PVE answers pool membership, `/cluster/resources`, `/nodes/…` and
//! `/storage` from the cluster's guest list (`.vmlist`), the node list and
//! `storage.cfg`. The simulator has no hypervisor, so it reads a fixed
//! inventory from a JSON file (`--inventory FILE`, format in the README and
//! `pve-sim/inventory.example.json`) or uses [`Inventory::demo`].

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

/// One cluster node.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Node name (`pve-node` format).
    pub node: String,
    /// `online` (default) or `offline`.
    #[serde(default = "default_online")]
    pub status: String,
    /// Number of CPUs.
    #[serde(default = "default_node_cpus")]
    pub maxcpu: u64,
    /// Memory in bytes.
    #[serde(default = "default_node_mem")]
    pub maxmem: u64,
    /// Root disk size in bytes.
    #[serde(default = "default_node_disk")]
    pub maxdisk: u64,
    /// Seconds since boot.
    #[serde(default = "default_uptime")]
    pub uptime: u64,
}

/// Guest kind: a VM or a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestType {
    /// A QEMU virtual machine.
    Qemu,
    /// An LXC container.
    Lxc,
}

impl GuestType {
    /// `qemu` or `lxc`, as PVE writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            GuestType::Qemu => "qemu",
            GuestType::Lxc => "lxc",
        }
    }
}

/// One guest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guest {
    /// Guest id, 100 to 999999999.
    pub vmid: u64,
    /// `qemu` or `lxc`.
    #[serde(rename = "type")]
    pub kind: GuestType,
    /// The node it lives on.
    pub node: String,
    /// Name (hostname for containers).
    pub name: String,
    /// `running` or `stopped` (default).
    #[serde(default = "default_stopped")]
    pub status: String,
    /// Tags, `;`-separated as PVE stores them (e.g. `prod;web`).
    #[serde(default)]
    pub tags: Option<String>,
    /// A template (never running).
    #[serde(default)]
    pub template: bool,
    /// Number of CPUs.
    #[serde(default = "default_guest_cpus")]
    pub maxcpu: u64,
    /// Memory in bytes.
    #[serde(default = "default_guest_mem")]
    pub maxmem: u64,
    /// Boot disk size in bytes.
    #[serde(default = "default_guest_disk")]
    pub maxdisk: u64,
}

impl Guest {
    /// Whether the guest is running.
    pub fn running(&self) -> bool {
        self.status == "running"
    }
}

/// One storage (a `storage.cfg` section).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Storage id (`pve-storage-id` format).
    pub storage: String,
    /// Plugin type: `dir`, `lvmthin`, `nfs`, `zfspool`, `rbd`, ….
    #[serde(rename = "type")]
    pub kind: String,
    /// Content types, comma-separated (`images,rootdir`).
    pub content: String,
    /// Shared between nodes (same content everywhere).
    #[serde(default)]
    pub shared: bool,
    /// Only on these nodes; none = every node.
    #[serde(default)]
    pub nodes: Option<Vec<String>>,
    /// Disabled storages are configured but not active anywhere.
    #[serde(default)]
    pub disable: bool,
    /// Size in bytes.
    #[serde(default = "default_storage_total")]
    pub total: u64,
    /// Used bytes.
    #[serde(default)]
    pub used: u64,
    /// Further `storage.cfg` properties of the type, shown by GET /storage
    /// as given (`path`, `vgname`, `thinpool`, `server`, `export`, …).
    #[serde(default)]
    pub config: std::collections::BTreeMap<String, serde_json::Value>,
}

impl Storage {
    /// `storage_check_enabled`: configured for `node` and not disabled.
    pub fn enabled_on(&self, node: &str) -> bool {
        !self.disable
            && self
                .nodes
                .as_ref()
                .is_none_or(|nodes| nodes.iter().any(|n| n == node))
    }

    /// The content list as PVE renders it (`content_hash_to_string`:
    /// sorted, comma-separated).
    pub fn content_string(&self) -> String {
        let set: BTreeSet<&str> = self
            .content
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        set.into_iter().collect::<Vec<_>>().join(",")
    }

    /// Whether the storage holds `content` (e.g. `images`).
    pub fn has_content(&self, content: &str) -> bool {
        self.content.split(',').any(|c| c.trim() == content)
    }
}

/// The whole inventory.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Cluster nodes; at least one.
    pub nodes: Vec<Node>,
    /// Guests of all nodes.
    #[serde(default)]
    pub guests: Vec<Guest>,
    /// Storages (`storage.cfg`).
    #[serde(default)]
    pub storages: Vec<Storage>,
}

fn default_online() -> String {
    "online".into()
}
fn default_stopped() -> String {
    "stopped".into()
}
fn default_node_cpus() -> u64 {
    8
}
fn default_node_mem() -> u64 {
    32 * GIB
}
fn default_node_disk() -> u64 {
    100 * GIB
}
fn default_uptime() -> u64 {
    86_400
}
fn default_guest_cpus() -> u64 {
    2
}
fn default_guest_mem() -> u64 {
    2 * GIB
}
fn default_guest_disk() -> u64 {
    32 * GIB
}
fn default_storage_total() -> u64 {
    500 * GIB
}

const GIB: u64 = 1024 * 1024 * 1024;

/// The example inventory shipped in the repository; also the default.
pub const DEMO_JSON: &str = include_str!("../inventory.example.json");

impl Default for Inventory {
    fn default() -> Self {
        Self::demo()
    }
}

impl Inventory {
    /// The default: one node `pve`, storages `local` and `local-lvm`, and a
    /// few VMs and containers (the ids the project's examples and tests use).
    pub fn demo() -> Self {
        // The embedded example is checked by a unit test; a broken one
        // would fail the build's tests, so falling back to an empty
        // single-node cluster here is only defensive.
        Self::parse(DEMO_JSON).unwrap_or_else(|_| Inventory {
            nodes: vec![Node {
                node: "pve".into(),
                status: default_online(),
                maxcpu: default_node_cpus(),
                maxmem: default_node_mem(),
                maxdisk: default_node_disk(),
                uptime: default_uptime(),
            }],
            guests: Vec::new(),
            storages: Vec::new(),
        })
    }

    /// The demo inventory spread over a cluster: nodes `pve1` … `pveN` like
    /// the demo's node, its guests dealt round-robin over them, its
    /// storages on every node.
    pub fn demo_cluster(nodes: usize) -> Self {
        let mut inventory = Self::demo();
        let template = inventory.nodes.first().cloned();
        if let Some(template) = template {
            inventory.nodes = (1..=nodes.max(1))
                .map(|i| Node {
                    node: format!("pve{i}"),
                    ..template.clone()
                })
                .collect();
        }
        let count = inventory.nodes.len();
        for (i, guest) in inventory.guests.iter_mut().enumerate() {
            guest.node = format!("pve{}", i % count + 1);
        }
        inventory
    }

    /// Read and check an inventory file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading inventory {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("inventory {}: {e}", path.display()))
    }

    /// Parse and check inventory JSON.
    pub fn parse(text: &str) -> Result<Self, String> {
        let inventory: Inventory = serde_json::from_str(text).map_err(|e| e.to_string())?;
        inventory.check()?;
        Ok(inventory)
    }

    fn check(&self) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("`nodes` must list at least one node".into());
        }
        let mut names = BTreeSet::new();
        for node in &self.nodes {
            crate::api::formats::check_format("pve-node", &node.node)
                .map_err(|e| format!("node `{}`: {}", node.node, e.trim_end()))?;
            if !names.insert(node.node.as_str()) {
                return Err(format!("node `{}` is listed twice", node.node));
            }
            if !matches!(node.status.as_str(), "online" | "offline") {
                return Err(format!(
                    "node `{}`: status must be `online` or `offline`, not `{}`",
                    node.node, node.status
                ));
            }
        }
        let mut vmids = BTreeSet::new();
        for guest in &self.guests {
            if !(100..=999_999_999).contains(&guest.vmid) {
                return Err(format!(
                    "guest {}: vmid must be between 100 and 999999999",
                    guest.vmid
                ));
            }
            if !vmids.insert(guest.vmid) {
                return Err(format!("guest {} is listed twice", guest.vmid));
            }
            if !names.contains(guest.node.as_str()) {
                return Err(format!(
                    "guest {}: node `{}` is not in `nodes`",
                    guest.vmid, guest.node
                ));
            }
            if !matches!(guest.status.as_str(), "running" | "stopped") {
                return Err(format!(
                    "guest {}: status must be `running` or `stopped`, not `{}`",
                    guest.vmid, guest.status
                ));
            }
            if guest.template && guest.running() {
                return Err(format!(
                    "guest {}: a template cannot be running",
                    guest.vmid
                ));
            }
        }
        let mut sids = BTreeSet::new();
        for storage in &self.storages {
            if !crate::model::ids::is_pool_storage_id(&storage.storage) {
                return Err(format!(
                    "storage `{}`: not a valid storage id (a letter, then letters, digits, '-', '_' or '.')",
                    storage.storage
                ));
            }
            if !sids.insert(storage.storage.as_str()) {
                return Err(format!("storage `{}` is listed twice", storage.storage));
            }
            for node in storage.nodes.iter().flatten() {
                if !names.contains(node.as_str()) {
                    return Err(format!(
                        "storage `{}`: node `{node}` is not in `nodes`",
                        storage.storage
                    ));
                }
            }
            if storage.used > storage.total {
                return Err(format!(
                    "storage `{}`: `used` is larger than `total`",
                    storage.storage
                ));
            }
        }
        Ok(())
    }

    /// The guest with this id.
    pub fn guest(&self, vmid: u64) -> Option<&Guest> {
        self.guests.iter().find(|g| g.vmid == vmid)
    }

    /// The storage with this id.
    pub fn storage(&self, sid: &str) -> Option<&Storage> {
        self.storages.iter().find(|s| s.storage == sid)
    }

    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.node == name)
    }

    /// Guests sorted as Perl's `sort keys %$idlist` sorts them (as strings).
    pub fn guests_by_string_id(&self) -> Vec<&Guest> {
        let mut guests: Vec<&Guest> = self.guests.iter().collect();
        guests.sort_by_key(|g| g.vmid.to_string());
        guests
    }

    /// The node PVE reports a pool's storage member on: the local node
    /// (the first one) if the storage is there, else the first of its nodes
    /// in sorted order (`API2/Pool.pm`, index).
    pub fn storage_member_node(&self, storage: &Storage) -> String {
        let local = self
            .nodes
            .first()
            .map(|n| n.node.clone())
            .unwrap_or_default();
        match &storage.nodes {
            Some(nodes) if !nodes.contains(&local) => {
                let mut sorted = nodes.clone();
                sorted.sort();
                sorted.into_iter().next().unwrap_or(local)
            }
            _ => local,
        }
    }

    /// `storage.cfg` as PVE would write it, for the `digest` of GET /storage.
    pub fn storage_cfg(&self) -> String {
        let mut out = String::new();
        for s in &self.storages {
            out.push_str(&format!("{}: {}\n", s.kind, s.storage));
            out.push_str(&format!("\tcontent {}\n", s.content_string()));
            if let Some(nodes) = &s.nodes {
                out.push_str(&format!("\tnodes {}\n", nodes.join(",")));
            }
            for (key, value) in &s.config {
                let text = match value {
                    serde_json::Value::String(t) => t.clone(),
                    other => other.to_string(),
                };
                out.push_str(&format!("\t{key} {text}\n"));
            }
            if s.shared {
                out.push_str("\tshared 1\n");
            }
            if s.disable {
                out.push_str("\tdisable\n");
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_parses_and_has_the_documented_objects() {
        let inv = Inventory::parse(DEMO_JSON).expect("the example inventory is valid");
        assert_eq!(inv.nodes[0].node, "pve");
        assert!(inv.storage("local").is_some());
        assert!(inv.storage("local-lvm").is_some());
        assert_eq!(inv.guest(101).map(|g| g.kind), Some(GuestType::Lxc));
        assert_eq!(inv.guest(100).map(|g| g.kind), Some(GuestType::Qemu));
        assert_eq!(Inventory::demo(), inv);
    }

    #[test]
    fn bad_inventories_name_the_problem() {
        let cases = [
            (r#"{"nodes": []}"#, "at least one node"),
            (
                r#"{"nodes":[{"node":"pve"}],"guests":[{"vmid":100,"type":"qemu","node":"nope","name":"a"}]}"#,
                "node `nope` is not in `nodes`",
            ),
            (
                r#"{"nodes":[{"node":"pve"}],"guests":[{"vmid":99,"type":"qemu","node":"pve","name":"a"}]}"#,
                "between 100 and 999999999",
            ),
            (
                r#"{"nodes":[{"node":"pve"}],"guests":[{"vmid":100,"type":"kvm","node":"pve","name":"a"}]}"#,
                "unknown variant `kvm`",
            ),
            (
                r#"{"nodes":[{"node":"pve"}],"storages":[{"storage":"a","type":"dir","content":"images"}]}"#,
                "not a valid storage id",
            ),
            (
                r#"{"nodes":[{"node":"pve","cpus":4}]}"#,
                "unknown field `cpus`",
            ),
        ];
        for (text, expected) in cases {
            let err = Inventory::parse(text).expect_err(text);
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn storage_nodes_and_content() {
        let inv = Inventory::parse(
            r#"{"nodes":[{"node":"pve"},{"node":"b"},{"node":"c"}],
                "storages":[{"storage":"fast","type":"zfspool","content":"rootdir, images","nodes":["c","b"]}]}"#,
        )
        .expect("valid");
        let s = inv.storage("fast").expect("listed");
        assert!(!s.enabled_on("pve"));
        assert!(s.enabled_on("b"));
        assert_eq!(s.content_string(), "images,rootdir");
        assert_eq!(inv.storage_member_node(s), "b");
    }

    #[test]
    fn guests_sort_as_strings() {
        let inv = Inventory::demo();
        let ids: Vec<String> = inv
            .guests_by_string_id()
            .iter()
            .map(|g| g.vmid.to_string())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}
