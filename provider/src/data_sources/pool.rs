//! Data source `pve_pool`: one pool and its members.

use async_trait::async_trait;
use proxmox_client::PoolId;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert;

/// The `pve_pool` data source.
#[derive(Debug)]
pub struct PoolDataSource {
    pve: Pve,
}

impl PoolDataSource {
    pub fn new(pve: &Pve) -> Self {
        PoolDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for PoolDataSource {
    fn type_name(&self) -> &str {
        "pve_pool"
    }

    fn schema(&self) -> Schema {
        PoolModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, PoolModel::POOL_ID, &mut diagnostics, |text| {
            text.parse::<PoolId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `production`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let pool = convert::id_attr::<PoolId>(config, PoolModel::POOL_ID, "production")?;
        let connection = self.pve.connection()?;
        let found = match connection.client().pools().get(&pool).await {
            Ok(found) => found,
            Err(error) if error.is_not_found() => {
                return Err(Diagnostics::from(convert::invalid(
                    PoolModel::POOL_ID,
                    format!("PVE has no pool '{pool}'."),
                )));
            }
            Err(error) => return Err(connection.diagnose(&format!("read pool '{pool}'"), &error)),
        };
        let model = PoolModel {
            pool_id: pool.to_string(),
            comment: found.comment,
            members: found
                .members
                .into_iter()
                .map(|member| PoolMember {
                    id: member.id,
                    r#type: member.kind,
                    vm_id: member.vmid,
                    storage_id: member.storage,
                    node: member.node,
                    name: member.name,
                })
                .collect(),
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_pool`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(description = "One Proxmox VE resource pool: its comment and its guests and storages.")]
struct PoolModel {
    #[tf(
        required,
        description = "The pool id, e.g. `production` or `production/web`."
    )]
    pool_id: String,
    #[tf(computed, description = "The pool's comment (null when unset).")]
    comment: Option<String>,
    #[tf(
        computed,
        description = "The members, as PVE lists them: objects with `id` (`qemu/100`, `lxc/101`, `storage/<node>/<storage>`), `type` (`qemu`, `lxc` or `storage`), `vm_id` (guests), `storage_id` (storages), `node` and `name` (null where PVE gives none)."
    )]
    members: Vec<PoolMember>,
}

/// One entry of `pve_pool.members`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct PoolMember {
    #[tf(computed)]
    id: String,
    #[tf(computed)]
    r#type: String,
    #[tf(computed)]
    vm_id: Option<i64>,
    #[tf(computed)]
    storage_id: Option<String>,
    #[tf(computed)]
    node: Option<String>,
    #[tf(computed)]
    name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::Field;
    use tfplugin::value::Type;

    #[test]
    fn members_are_objects_with_a_type_attribute() {
        let Type::Object { attributes, .. } = PoolMember::ty() else {
            panic!("object type")
        };
        let names: Vec<&str> = attributes.keys().map(String::as_str).collect();
        assert_eq!(names, ["id", "name", "node", "storage_id", "type", "vm_id"]);
        let member = PoolMember {
            id: "qemu/100".into(),
            r#type: "qemu".into(),
            vm_id: Some(100),
            storage_id: None,
            node: Some("pve1".into()),
            name: None,
        };
        let value = member.encode();
        assert_eq!(value.get(PoolMember::TYPE).as_str(), Some("qemu"));
        assert!(value.get(PoolMember::STORAGE_ID).is_null());
        assert_eq!(PoolMember::decode(&value).unwrap(), member);
    }
}
