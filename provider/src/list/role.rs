//! `list "pve_role"`: custom roles; built-in roles only on request, and
//! only by identity (they cannot be managed or imported).

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ListResource, ListResult};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::list::{Found, results, text};
use crate::privileges;
use crate::resources::role::{RoleModel, RoleResource};

/// The `pve_role` list resource.
#[derive(Debug)]
pub struct RoleList {
    pve: Pve,
    resource: RoleResource,
}

impl RoleList {
    pub fn new(pve: &Pve) -> Self {
        RoleList {
            pve: pve.clone(),
            resource: RoleResource::new(pve),
        }
    }
}

#[async_trait]
impl ListResource for RoleList {
    fn type_name(&self) -> &str {
        "pve_role"
    }

    fn schema(&self) -> Schema {
        RoleListModel::schema()
    }

    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics> {
        let connection = self.pve.connection()?;
        let mut roles = connection
            .client()
            .roles()
            .list()
            .await
            .map_err(|error| connection.diagnose("list roles", &error))?;
        roles.sort_by(|a, b| a.roleid.as_str().cmp(b.roleid.as_str()));
        let prefix = text(config, RoleListModel::PREFIX).unwrap_or_default();
        let with_builtin = config
            .get(RoleListModel::INCLUDE_BUILTIN)
            .as_bool()
            .unwrap_or(false);
        let (custom, builtin): (Vec<_>, Vec<_>) = roles
            .into_iter()
            .filter(|role| role.roleid.as_str().starts_with(&prefix))
            .partition(|role| !role.special && !privileges::is_builtin_role_name(&role.roleid));
        let found = |roles: Vec<proxmox_client::Role>| -> Vec<Found> {
            roles
                .into_iter()
                .map(|role| Found {
                    display_name: role.roleid.to_string(),
                    identity: Value::object([(
                        RoleModel::ROLE_ID,
                        Value::string(role.roleid.as_str()),
                    )]),
                })
                .collect()
        };
        let mut listed = results(&self.resource, found(custom), include_state, limit).await?;
        // Built-in roles cannot be imported: with `include_resource` or
        // `-generate-config-out` they would become configuration that fails
        // to plan, so they are only listed by identity in a plain query.
        if with_builtin && !include_state {
            let room = usize::try_from(limit)
                .ok()
                .filter(|n| *n > 0)
                .map_or(usize::MAX, |n| n.saturating_sub(listed.len()));
            let extra = results(&self.resource, found(builtin), false, i64::MAX).await?;
            listed.extend(extra.into_iter().take(room));
        }
        Ok(listed)
    }
}

/// The configuration of `list "pve_role"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists roles, sorted by role id: custom roles only, unless `include_builtin` is set."
)]
struct RoleListModel {
    #[tf(optional, description = "Only roles whose id starts with this text.")]
    prefix: Option<String>,
    #[tf(
        optional,
        description = "Also list PVE's built-in roles (`Administrator`, `PVEAuditor`, …). They cannot be managed or imported, so they are left out when resource states are requested (`include_resource = true`, `terraform query -generate-config-out`). Default false."
    )]
    include_builtin: Option<bool>,
}
