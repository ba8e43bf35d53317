//! Data source `pve_role`: one role's privileges, built-in or custom.

use async_trait::async_trait;
use proxmox_client::RoleId;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert;

/// The `pve_role` data source.
#[derive(Debug)]
pub struct RoleDataSource {
    pve: Pve,
}

impl RoleDataSource {
    pub fn new(pve: &Pve) -> Self {
        RoleDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for RoleDataSource {
    fn type_name(&self) -> &str {
        "pve_role"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description:
                "One Proxmox VE role, built-in (e.g. `PVEVMUser`) or custom, and its privileges."
                    .into(),
            attributes: vec![
                Attribute::required("role_id", Type::String)
                    .description("The role name (case-sensitive)."),
                Attribute::computed("privileges", Type::Set(Box::new(Type::String)))
                    .description("The privileges of the role."),
                Attribute::computed("special", Type::Bool)
                    .description("True for PVE's built-in roles, which cannot be modified."),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, "role_id", &mut diagnostics, |text| {
            text.parse::<RoleId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `PVEVMUser`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let role = convert::id_attr::<RoleId>(config, "role_id", "PVEVMUser")?;
        let connection = self.pve.connection()?;
        // The list says which roles are built-in; one role's GET does not.
        let roles = connection
            .client()
            .roles()
            .list()
            .await
            .map_err(|error| connection.diagnose("list roles", &error))?;
        let Some(found) = roles.iter().find(|r| r.roleid == role) else {
            let mut names: Vec<&str> = roles.iter().map(|r| r.roleid.as_str()).collect();
            names.sort_unstable();
            return Err(Diagnostics::from(convert::invalid(
                "role_id",
                format!(
                    "PVE has no role '{role}'. Existing roles: {}.",
                    names.join(", ")
                ),
            )));
        };
        Ok(super::roles::role_value(found))
    }
}
