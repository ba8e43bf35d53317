//! Data source `pve_group`: one group, its comment and members.

use async_trait::async_trait;
use proxmox_client::{Group, GroupId};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{self, check_known_string, string_set};

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
        Schema::new(Block {
            description:
                "Reads one Proxmox VE group and its members. Fails if the group does not exist."
                    .into(),
            attributes: vec![
                Attribute::required("group_id", Type::String).description("The group name."),
                Attribute::computed("comment", Type::String).description("The comment, or null."),
                Attribute::computed("members", string_set())
                    .description("The user ids in the group."),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, "group_id", &mut diagnostics, |text| {
            text.parse::<GroupId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `ops`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let group: GroupId = convert::id_attr(config, "group_id", "ops")?;
        let connection = self.pve.connection()?;
        match connection.client().groups().get(&group).await {
            Ok(found) => Ok(group_value(&found)),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("Group '{group}' does not exist"),
                "There is no such group on the PVE server. Check the name (it is case-sensitive).",
            )),
            Err(error) => Err(connection.diagnose(&format!("read group '{group}'"), &error)),
        }
    }
}

/// The attributes of one group, shared with data `pve_groups`.
pub(crate) fn group_value(found: &Group) -> Value {
    Value::object([
        ("group_id", Value::string(found.groupid.as_str())),
        ("comment", convert::opt_string(found.comment.clone())),
        (
            "members",
            Value::set_of_strings(found.members.iter().map(ToString::to_string)),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_members_as_a_set() {
        let found: Group =
            serde_json::from_value(serde_json::json!({"groupid": "ops", "users": "b@pve,a@pve"}))
                .unwrap();
        let value = group_value(&found);
        assert_eq!(
            value.get("members"),
            &Value::set_of_strings(["a@pve", "b@pve"])
        );
        assert!(value.get("comment").is_null());
    }
}
