//! Data source `pve_resources`: the guests, storages and nodes of the
//! cluster the credential may audit (`GET /cluster/resources`), with the
//! ACL path of each, e.g. to grant a role on every guest with a tag.

use std::collections::BTreeSet;

use async_trait::async_trait;
use proxmox_client::ClusterResource;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert::{self, check_known_string};

/// The `type` values: PVE's own filter names.
const KINDS: [&str; 3] = ["vm", "storage", "node"];

/// The `pve_resources` data source.
#[derive(Debug)]
pub struct ResourcesDataSource {
    pve: Pve,
}

impl ResourcesDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        ResourcesDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for ResourcesDataSource {
    fn type_name(&self) -> &str {
        "pve_resources"
    }

    fn schema(&self) -> Schema {
        ResourcesModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, ResourcesModel::TYPE, &mut diagnostics, |text| {
            if KINDS.contains(&text) {
                Ok(())
            } else {
                Err(format!(
                    "`{text}` is not a resource type. Use one of `vm`, `storage` or `node`, or leave `type` unset for all."
                ))
            }
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let kind = convert::string(config, ResourcesModel::TYPE)?;
        let tags = convert::strings(config, ResourcesModel::TAGS)?;
        let connection = self.pve.connection()?;
        let mut resources = connection
            .client()
            .cluster()
            .resources(kind.as_deref())
            .await
            .map_err(|error| connection.diagnose("list cluster resources", &error))?;
        if let Some(wanted) = &tags {
            resources.retain(|resource| {
                let carried = resource.tag_list();
                wanted.iter().all(|tag| carried.contains(tag))
            });
        }
        resources.sort_by(|a, b| a.id.cmp(&b.id));
        // The arguments go back as configured.
        let model = ResourcesModel {
            r#type: kind,
            tags: tags.map(|tags| tags.into_iter().collect()),
            resources: resources.iter().map(ResourceEntry::from_api).collect(),
        };
        Ok(model.to_value())
    }
}

/// The path ACLs on this resource use (null for kinds without one here).
fn acl_path(resource: &ClusterResource) -> Option<String> {
    match resource.kind.as_str() {
        "qemu" | "lxc" => resource.vmid.map(|vmid| format!("/vms/{vmid}")),
        "storage" => resource
            .storage
            .as_ref()
            .map(|sid| format!("/storage/{sid}")),
        "node" => resource.node.as_ref().map(|node| format!("/nodes/{node}")),
        "pool" => resource.pool.as_ref().map(|pool| format!("/pool/{pool}")),
        _ => None,
    }
}

/// The state of data `pve_resources`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "The guests, storages and nodes of the Proxmox VE cluster that the provider's credential may audit (`GET /cluster/resources`: guests need `VM.Audit`, storages `Datastore.Audit`), each with the ACL path that grants on it. \
Use it to build ACLs for every guest carrying a tag, e.g. `for_each` over the `acl_path` of `data.pve_resources.web.resources`. Guests that do not exist are never listed."
)]
struct ResourcesModel {
    #[tf(
        optional,
        description = "Only this kind: `vm` (VMs and containers), `storage` or `node`. Default: every kind, pools and SDN zones included."
    )]
    r#type: Option<String>,
    #[tf(
        optional,
        description = "Only resources carrying every one of these tags (guest tags; other kinds have none, so they drop out)."
    )]
    tags: Option<BTreeSet<String>>,
    #[tf(
        computed,
        description = "The resources, sorted by `id`: `id` (`qemu/100`, `storage/pve/local`, `node/pve`, …), `type` (`qemu`, `lxc`, `storage`, `node`, `pool`, `sdn`), `node`, `vm_id`, `name`, `status`, `tags`, `storage`, `pool` (the pool a guest or storage belongs to, shown with `Pool.Audit` on it), `template` and `acl_path` (`/vms/<vm_id>`, `/storage/<storage>`, `/nodes/<node>` or `/pool/<pool>`; null for other kinds). Absent values are null. A storage available on several nodes appears once per node, with the same `acl_path` (`toset` drops the repeats)."
    )]
    resources: Vec<ResourceEntry>,
}

/// One entry of `pve_resources.resources`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct ResourceEntry {
    #[tf(computed)]
    id: String,
    #[tf(computed)]
    r#type: String,
    #[tf(computed)]
    node: Option<String>,
    #[tf(computed)]
    vm_id: Option<i64>,
    #[tf(computed)]
    name: Option<String>,
    #[tf(computed)]
    status: Option<String>,
    #[tf(computed)]
    tags: Vec<String>,
    #[tf(computed)]
    storage: Option<String>,
    #[tf(computed)]
    pool: Option<String>,
    #[tf(computed)]
    template: Option<bool>,
    #[tf(computed)]
    acl_path: Option<String>,
}

impl ResourceEntry {
    fn from_api(resource: &ClusterResource) -> Self {
        ResourceEntry {
            id: resource.id.clone(),
            r#type: resource.kind.clone(),
            node: resource.node.clone(),
            vm_id: resource.vmid,
            name: resource.name.clone(),
            status: resource.status.clone(),
            tags: resource.tag_list(),
            storage: resource.storage.clone(),
            pool: resource.pool.clone(),
            template: resource.template,
            acl_path: acl_path(resource),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(json: serde_json::Value) -> ClusterResource {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn each_kind_gets_the_acl_path_that_grants_on_it() {
        let guest = resource(serde_json::json!({
            "id": "lxc/101", "type": "lxc", "vmid": 101, "node": "pve", "tags": "prod;web"
        }));
        assert_eq!(acl_path(&guest).as_deref(), Some("/vms/101"));
        assert_eq!(guest.tag_list(), ["prod", "web"]);
        let storage = resource(serde_json::json!({
            "id": "storage/pve/local", "type": "storage", "storage": "local", "node": "pve"
        }));
        assert_eq!(acl_path(&storage).as_deref(), Some("/storage/local"));
        assert!(storage.tag_list().is_empty());
        let node = resource(serde_json::json!({"id": "node/pve", "type": "node", "node": "pve"}));
        assert_eq!(acl_path(&node).as_deref(), Some("/nodes/pve"));
        let zone = resource(serde_json::json!({"id": "sdn/pve/localnetwork", "type": "sdn"}));
        assert_eq!(acl_path(&zone), None);
        let value = ResourceEntry::from_api(&guest).to_value();
        assert_eq!(value.get(ResourceEntry::VM_ID), &Value::from(101));
        assert_eq!(value.get(ResourceEntry::STORAGE), &Value::Null);
        assert_eq!(
            value.get(ResourceEntry::TAGS),
            &Value::list([Value::from("prod"), Value::from("web")])
        );
    }
}
