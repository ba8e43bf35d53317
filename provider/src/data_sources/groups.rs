//! Data source `pve_groups`: every group visible to the provider.

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::data_sources::group::GroupModel;

/// The `pve_groups` data source.
#[derive(Debug)]
pub struct GroupsDataSource {
    pve: Pve,
}

impl GroupsDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        GroupsDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for GroupsDataSource {
    fn type_name(&self) -> &str {
        "pve_groups"
    }

    fn schema(&self) -> Schema {
        GroupsModel::schema()
    }

    async fn read(&self, _config: &Value) -> Result<Value, Diagnostics> {
        let connection = self.pve.connection()?;
        let mut groups = connection
            .client()
            .groups()
            .list()
            .await
            .map_err(|error| connection.diagnose("list groups", &error))?;
        // PVE lists groups in hash order; sort so the list is stable.
        groups.sort_by(|a, b| a.groupid.cmp(&b.groupid));
        let model = GroupsModel {
            groups: groups.iter().map(GroupModel::from_api).collect(),
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_groups`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists the Proxmox VE groups visible to the provider's credential (PVE filters by `User.Modify`, `Sys.Audit` or `Group.Allocate` on `/access/groups/<group>`), sorted by name."
)]
struct GroupsModel {
    #[tf(
        computed,
        description = "The groups, each with `group_id`, `comment` and `members` (user ids)."
    )]
    groups: Vec<GroupModel>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::Field;
    use tfplugin::value::Type;

    #[test]
    fn entries_match_the_declared_object_type() {
        let found: proxmox_client::Group =
            serde_json::from_value(serde_json::json!({"groupid": "ops", "users": ""})).unwrap();
        let value = GroupModel::from_api(&found).to_value();
        let Type::Object { attributes, .. } = GroupModel::ty() else {
            panic!("object type")
        };
        let keys: Vec<&String> = value.as_map().unwrap().keys().collect();
        assert_eq!(keys, attributes.keys().collect::<Vec<_>>());
        assert_eq!(
            value.get("members"),
            &Value::set_of_strings(Vec::<String>::new())
        );
    }
}
