//! Data source `pve_groups`: every group visible to the provider.

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{object_type, string_set};
use crate::data_sources::group::group_value;

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

fn group_type() -> Type {
    object_type(&[
        ("group_id", Type::String),
        ("comment", Type::String),
        ("members", string_set()),
    ])
}

#[async_trait]
impl DataSource for GroupsDataSource {
    fn type_name(&self) -> &str {
        "pve_groups"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Lists the Proxmox VE groups visible to the provider's credential (PVE filters by `User.Modify`, `Sys.Audit` or `Group.Allocate` on `/access/groups/<group>`), sorted by name.".into(),
            attributes: vec![Attribute::computed("groups", Type::List(Box::new(group_type())))
                .description("The groups, each with `group_id`, `comment` and `members` (user ids).")],
            ..Block::default()
        })
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
        Ok(Value::object([(
            "groups",
            Value::list(groups.iter().map(group_value)),
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_match_the_declared_object_type() {
        let found: proxmox_client::Group =
            serde_json::from_value(serde_json::json!({"groupid": "ops", "users": ""})).unwrap();
        let value = group_value(&found);
        let Type::Object { attributes, .. } = group_type() else {
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
