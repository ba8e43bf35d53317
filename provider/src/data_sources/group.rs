//! Data source `pve_group`: one group, its comment and members.

use async_trait::async_trait;
use proxmox_client::{Group, GroupId};
use std::collections::BTreeSet;

use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert::{self, check_known_string};

/// The `pve_group` data source.
#[derive(Debug)]
pub struct GroupDataSource {
    pve: Pve,
}

impl GroupDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        GroupDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for GroupDataSource {
    fn type_name(&self) -> &str {
        "pve_group"
    }

    fn schema(&self) -> Schema {
        GroupModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, GroupModel::GROUP_ID, &mut diagnostics, |text| {
            text.parse::<GroupId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `ops`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let group: GroupId = convert::id_attr(config, GroupModel::GROUP_ID, "ops")?;
        let connection = self.pve.connection()?;
        match connection.client().groups().get(&group).await {
            Ok(found) => Ok(GroupModel::from_api(&found).to_value()),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("Group '{group}' does not exist"),
                "There is no such group on the PVE server. Check the name (it is case-sensitive).",
            )),
            Err(error) => Err(connection.diagnose(&format!("read group '{group}'"), &error)),
        }
    }
}

/// One group: data `pve_group`, and each entry of data `pve_groups`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Reads one Proxmox VE group and its members. Fails if the group does not exist."
)]
pub(crate) struct GroupModel {
    #[tf(required, description = "The group name.")]
    group_id: String,
    #[tf(computed, description = "The comment, or null.")]
    comment: Option<String>,
    #[tf(computed, description = "The user ids in the group.")]
    members: BTreeSet<String>,
}

impl GroupModel {
    pub(crate) fn from_api(found: &Group) -> Self {
        GroupModel {
            group_id: found.groupid.to_string(),
            comment: found.comment.clone(),
            members: found.members.iter().map(ToString::to_string).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_members_as_a_set() {
        let found: Group =
            serde_json::from_value(serde_json::json!({"groupid": "ops", "users": "b@pve,a@pve"}))
                .unwrap();
        let value = GroupModel::from_api(&found).to_value();
        assert_eq!(
            value.get("members"),
            &Value::set_of_strings(["a@pve", "b@pve"])
        );
        assert!(value.get("comment").is_null());
    }
}
