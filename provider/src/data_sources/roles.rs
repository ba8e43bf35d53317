//! Data source `pve_roles`: every role, built-in and custom.

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::data_sources::role::RoleModel;

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

#[async_trait]
impl DataSource for RolesDataSource {
    fn type_name(&self) -> &str {
        "pve_roles"
    }

    fn schema(&self) -> Schema {
        RolesModel::schema()
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
        let model = RolesModel {
            roles: roles.iter().map(RoleModel::from_api).collect(),
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_roles`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(description = "Every Proxmox VE role, built-in and custom, with its privileges.")]
struct RolesModel {
    #[tf(
        computed,
        description = "The roles, sorted by `role_id`: objects with `role_id`, `privileges` (set of names) and `special` (true for PVE's built-in, read-only roles)."
    )]
    roles: Vec<RoleModel>,
}
