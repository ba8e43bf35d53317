//! Data source `pve_resources`: the guests, storages and nodes of the
//! cluster the credential may audit (`GET /cluster/resources`), with the
//! ACL path of each, e.g. to grant a role on every guest with a tag.

use async_trait::async_trait;
use proxmox_client::ClusterResource;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{self, check_known_string, object_type, string_set};

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

fn resource_type() -> Type {
    object_type(&[
        ("id", Type::String),
        ("type", Type::String),
        ("node", Type::String),
        ("vm_id", Type::Number),
        ("name", Type::String),
        ("status", Type::String),
        ("tags", Type::List(Box::new(Type::String))),
        ("storage", Type::String),
        ("pool", Type::String),
        ("template", Type::Bool),
        ("acl_path", Type::String),
    ])
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

fn resource_value(resource: &ClusterResource) -> Value {
    Value::object([
        ("id", Value::string(resource.id.as_str())),
        ("type", Value::string(resource.kind.as_str())),
        ("node", convert::opt_string(resource.node.clone())),
        ("vm_id", resource.vmid.map_or(Value::Null, Value::from)),
        ("name", convert::opt_string(resource.name.clone())),
        ("status", convert::opt_string(resource.status.clone())),
        (
            "tags",
            Value::list(resource.tag_list().into_iter().map(Value::String)),
        ),
        ("storage", convert::opt_string(resource.storage.clone())),
        ("pool", convert::opt_string(resource.pool.clone())),
        (
            "template",
            resource.template.map_or(Value::Null, Value::Bool),
        ),
        ("acl_path", convert::opt_string(acl_path(resource))),
    ])
}

#[async_trait]
impl DataSource for ResourcesDataSource {
    fn type_name(&self) -> &str {
        "pve_resources"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "The guests, storages and nodes of the Proxmox VE cluster that the provider's credential may audit (`GET /cluster/resources`: guests need `VM.Audit`, storages `Datastore.Audit`), each with the ACL path that grants on it. \
Use it to build ACLs for every guest carrying a tag, e.g. `for_each` over the `acl_path` of `data.pve_resources.web.resources`. Guests that do not exist are never listed.".into(),
            attributes: vec![
                Attribute::optional("type", Type::String).description(
                    "Only this kind: `vm` (VMs and containers), `storage` or `node`. Default: every kind, pools and SDN zones included.",
                ),
                Attribute::optional("tags", string_set()).description(
                    "Only resources carrying every one of these tags (guest tags; other kinds have none, so they drop out).",
                ),
                Attribute::computed("resources", Type::List(Box::new(resource_type()))).description(
                    "The resources, sorted by `id`: `id` (`qemu/100`, `storage/pve/local`, `node/pve`, …), `type` (`qemu`, `lxc`, `storage`, `node`, `pool`, `sdn`), `node`, `vm_id`, `name`, `status`, `tags`, `storage`, `pool` (the pool a guest or storage belongs to, shown with `Pool.Audit` on it), `template` and `acl_path` (`/vms/<vm_id>`, `/storage/<storage>`, `/nodes/<node>` or `/pool/<pool>`; null for other kinds). Absent values are null. A storage available on several nodes appears once per node, with the same `acl_path` (`toset` drops the repeats).",
                ),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, "type", &mut diagnostics, |text| {
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
        let kind = convert::string(config, "type")?;
        let tags = convert::strings(config, "tags")?;
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
        Ok(Value::object([
            ("type", config.get("type").clone()),
            ("tags", config.get("tags").clone()),
            (
                "resources",
                Value::list(resources.iter().map(resource_value)),
            ),
        ]))
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
        let value = resource_value(&guest);
        assert_eq!(value.get("vm_id"), &Value::from(101));
        assert_eq!(value.get("storage"), &Value::Null);
    }
}
