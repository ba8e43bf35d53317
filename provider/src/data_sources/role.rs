//! Data source `pve_role`: one role's privileges, built-in or custom.

use std::collections::BTreeSet;

use async_trait::async_trait;
use proxmox_client::{Role, RoleId};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

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
        RoleModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, RoleModel::ROLE_ID, &mut diagnostics, |text| {
            text.parse::<RoleId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `PVEVMUser`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let role = convert::id_attr::<RoleId>(config, RoleModel::ROLE_ID, "PVEVMUser")?;
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
                RoleModel::ROLE_ID,
                format!(
                    "PVE has no role '{role}'. Existing roles: {}.",
                    names.join(", ")
                ),
            )));
        };
        Ok(RoleModel::from_api(found).to_value())
    }
}

/// One role: data `pve_role`, and each entry of data `pve_roles`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "One Proxmox VE role, built-in (e.g. `PVEVMUser`) or custom, and its privileges."
)]
pub(crate) struct RoleModel {
    #[tf(required, description = "The role name (case-sensitive).")]
    role_id: String,
    #[tf(computed, description = "The privileges of the role.")]
    privileges: BTreeSet<String>,
    #[tf(
        computed,
        description = "True for PVE's built-in roles, which cannot be modified."
    )]
    special: bool,
}

impl RoleModel {
    pub(crate) fn from_api(role: &Role) -> Self {
        RoleModel {
            role_id: role.roleid.to_string(),
            privileges: role.privs.iter().cloned().collect(),
            special: role.special,
        }
    }
}
