//! Data source `pve_roles`: every role, built-in and custom.

use std::collections::BTreeMap;

use async_trait::async_trait;
use proxmox_client::Role;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;

/// The `pve_roles` data source.
#[derive(Debug)]
pub struct RolesDataSource {
    pve: Pve,
}

impl RolesDataSource {
    pub fn new(pve: &Pve) -> Self {
        RolesDataSource { pve: pve.clone() }
    }
}

/// The object type of one role, shared with data `pve_role`.
pub(crate) fn role_type() -> Type {
    Type::Object {
        attributes: BTreeMap::from([
            ("role_id".to_string(), Type::String),
            ("privileges".to_string(), Type::Set(Box::new(Type::String))),
            ("special".to_string(), Type::Bool),
        ]),
        optional: Default::default(),
    }
}

/// One role as an object of [`role_type`].
pub(crate) fn role_value(role: &Role) -> Value {
    Value::object([
        ("role_id", Value::string(role.roleid.as_str())),
        (
            "privileges",
            Value::set_of_strings(role.privs.iter().cloned()),
        ),
        ("special", Value::Bool(role.special)),
    ])
}

#[async_trait]
impl DataSource for RolesDataSource {
    fn type_name(&self) -> &str {
        "pve_roles"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Every Proxmox VE role, built-in and custom, with its privileges.".into(),
            attributes: vec![Attribute::computed("roles", Type::List(Box::new(role_type()))).description(
                "The roles, sorted by `role_id`: objects with `role_id`, `privileges` (set of names) and `special` (true for PVE's built-in, read-only roles).",
            )],
            ..Block::default()
        })
    }

    async fn read(&self, _config: &Value) -> Result<Value, Diagnostics> {
        let connection = self.pve.connection()?;
        let mut roles = connection
            .client()
            .roles()
            .list()
            .await
            .map_err(|error| connection.diagnose("list roles", &error))?;
        roles.sort_by(|a, b| a.roleid.cmp(&b.roleid));
        Ok(Value::object([(
            "roles",
            Value::list(roles.iter().map(role_value)),
        )]))
    }
}
