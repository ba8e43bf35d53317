//! `pve_role`: a custom role, a named set of privileges.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use proxmox_client::{CreateRole, RoleId, UpdateRole};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    ImportRequest, MoveStateRequest, MovedState, PlanContext, Resource, ResourceState,
};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::{Creation, Pve};
use crate::convert;
use crate::privileges::{self, Catalog, CatalogCache};
use crate::resources::moved::BpgState;

/// The `pve_role` resource.
#[derive(Debug)]
pub struct RoleResource {
    pve: Pve,
    /// Valid privilege names of the connected PVE, fetched once.
    catalog: CatalogCache,
}

impl RoleResource {
    pub fn new(pve: &Pve) -> Self {
        RoleResource {
            pve: pve.clone(),
            catalog: CatalogCache::default(),
        }
    }

    /// The server's privilege catalog, or the PVE 9 fallback (with a
    /// warning saying why) when no server can be asked.
    async fn catalog(&self, diagnostics: &mut Diagnostics) -> Arc<Catalog> {
        let Some(connection) = self.pve.try_connection() else {
            return Arc::new(Catalog::pve9_fallback());
        };
        match self.catalog.get(&connection).await {
            Ok(catalog) => catalog,
            Err(error) => {
                diagnostics.add_warning(
                    "Could not read the privilege list from PVE",
                    format!("{error}\n\nPrivileges were checked against the provider's built-in Proxmox VE 9 list instead."),
                );
                Arc::new(Catalog::pve9_fallback())
            }
        }
    }
}

#[async_trait]
impl Resource for RoleResource {
    fn type_name(&self) -> &str {
        "pve_role"
    }

    fn schema(&self) -> Schema {
        RoleModel::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        RoleModel::identity_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        if let Some(role) = config.get(RoleModel::ROLE_ID).as_str() {
            match role.parse::<RoleId>() {
                Err(error) => diagnostics.push(convert::invalid(
                    RoleModel::ROLE_ID,
                    format!("{error}. Example: `VMOperator`."),
                )),
                Ok(_) if convert::not_a_dot_segment(role).is_err() => {
                    diagnostics.push(convert::invalid(
                        RoleModel::ROLE_ID,
                        convert::not_a_dot_segment(role).err().unwrap_or_default(),
                    ))
                }
                Ok(role) if privileges::is_builtin_role_name(&role) => diagnostics.push(
                    Diagnostic::error(
                        "Built-in role",
                        privileges::builtin_role_explanation(role.as_str()),
                    )
                    .at_attribute(RoleModel::ROLE_ID),
                ),
                Ok(_) => {}
            }
        }
        diagnostics
    }

    async fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        if plan.planned.is_null() {
            return;
        }
        let catalog = self.catalog(&mut plan.diagnostics).await;
        if let Some(role) = plan.planned.get(RoleModel::ROLE_ID).as_str()
            && catalog.builtin_roles.contains(role)
        {
            plan.diagnostics.push(
                Diagnostic::error("Built-in role", privileges::builtin_role_explanation(role))
                    .at_attribute(RoleModel::ROLE_ID),
            );
        }
        let wanted: Vec<&str> = plan
            .planned
            .get(RoleModel::PRIVILEGES)
            .elements()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let unknown = catalog.unknown(wanted);
        if !unknown.is_empty() {
            plan.diagnostics.push(
                Diagnostic::error(
                    "Unknown privilege",
                    catalog.unknown_privileges_message(&unknown),
                )
                .at_attribute(RoleModel::PRIVILEGES),
            );
        }
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = RoleModel::from_value(planned)?;
        let role = model.role()?;
        let connection = self.pve.connection()?;
        let request = CreateRole {
            privs: model.privileges.iter().cloned().collect(),
        };
        let id = role.clone();
        connection
            .create_or_adopt(
                &Creation::new("role", role.as_str(), "pve_role", RoleModel::ROLE_ID),
                |client| async move { client.roles().create(&id, &request).await },
                |client| {
                    let id = role.clone();
                    async move { client.roles().get(&id).await }
                },
                |found| found.privs == model.privileges,
            )
            .await?;
        Ok(model.to_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let model = RoleModel::from_value(&current.state)?;
        let role = model.role()?;
        let connection = self.pve.connection()?;
        let found = match connection.listed_role(&role).await {
            Some(found) => Ok(found),
            None => connection.client().roles().get(&role).await,
        };
        match found {
            Ok(found) => Ok(Some(
                RoleModel {
                    role_id: role.to_string(),
                    privileges: found.privs,
                }
                .to_state(),
            )),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read role '{role}'"), &error)),
        }
    }

    async fn update(
        &self,
        _prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let model = RoleModel::from_value(planned)?;
        let role = model.role()?;
        let connection = self.pve.connection()?;
        let request = UpdateRole {
            // Without `append`, PVE replaces the whole privilege set (§4.5).
            privs: model.privileges.iter().cloned().collect(),
            append: false,
        };
        let id = role.clone();
        connection
            .write(|client| async move { client.roles().update(&id, &request).await })
            .await
            .map_err(|error| connection.diagnose(&format!("update role '{role}'"), &error))?;
        Ok(model.to_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let model = RoleModel::from_value(&prior.state)?;
        let role = model.role()?;
        let connection = self.pve.connection()?;
        let id = role.clone();
        connection
            .delete(&format!("delete role '{role}'"), |client| async move {
                client.roles().delete(&id).await
            })
            .await
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let text = convert::import_key(request, RoleModel::ROLE_ID);
        let role: RoleId = text.parse().map_err(|error| {
            Diagnostics::error(
                "Invalid import id",
                format!("{error}. The import id of pve_role is the role name, e.g. `terraform import pve_role.NAME VMOperator`."),
            )
        })?;
        let connection = self.pve.connection()?;
        let roles = connection
            .client()
            .roles()
            .list()
            .await
            .map_err(|error| connection.diagnose("list roles", &error))?;
        let Some(found) = roles.into_iter().find(|r| r.roleid == role) else {
            return Err(Diagnostics::error(
                format!("Role '{role}' does not exist"),
                "There is no role with that name on the PVE server, so there is nothing to import. Check the name (it is case-sensitive), or let Terraform create it.",
            ));
        };
        if found.special || privileges::is_builtin_role_name(&role) {
            return Err(Diagnostics::error(
                format!("Cannot import built-in role '{role}'"),
                privileges::builtin_role_explanation(role.as_str()),
            ));
        }
        Ok(vec![
            RoleModel {
                role_id: role.to_string(),
                privileges: found.privs,
            }
            .to_state(),
        ])
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_role", &BPG_TYPES, from_bpg)
    }
}

/// The state of one `pve_role`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "A custom Proxmox VE role: a named set of privileges that `pve_acl` grants on a path. \
Built-in roles (`Administrator`, `NoAccess` and every `PVE…` role) are read-only in PVE and cannot be managed; use them by name, or read them with data `pve_role`. \
Import with the role id: `terraform import pve_role.NAME VMOperator`."
)]
pub(crate) struct RoleModel {
    #[tf(
        required,
        requires_replace,
        identity = "The role name.",
        description = "The role name: letters, digits, `.`, `-`, `_`. Names starting with `PVE` (any case) are reserved for built-in roles. Changing it replaces the role."
    )]
    role_id: String,
    #[tf(
        required,
        description = "The privileges of the role, e.g. `VM.Audit`, `VM.PowerMgmt` (case-sensitive). Checked at plan time against the privileges the connected PVE knows (those of its built-in `Administrator` role). May be empty."
    )]
    privileges: BTreeSet<String>,
}

impl RoleModel {
    fn role(&self) -> Result<RoleId, Diagnostics> {
        convert::parse_id(&self.role_id, Self::ROLE_ID, "VMOperator").map_err(Diagnostics::from)
    }
}

/// bpg's role type (SDKv2, schema version 0; bpg has no short name for it).
const BPG_TYPES: [&str; 1] = ["proxmox_virtual_environment_role"];

/// bpg's role state as `pve_role` state (bpg's `id` is the role id again).
fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let model = RoleModel {
        role_id: bpg.required("role_id"),
        privileges: bpg
            .strings("privileges")
            .unwrap_or_default()
            .into_iter()
            .collect(),
    };
    model.role()?;
    Ok(model.to_state())
}

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    #[tokio::test]
    async fn moves_bpg_role() {
        let resource = RoleResource::new(&Pve::default());
        let state = json!({"id": "Deployer", "role_id": "Deployer", "privileges": ["VM.Audit", "VM.PowerMgmt"]});
        let moved = moved(
            resource
                .move_state(&request("proxmox_virtual_environment_role", state))
                .await,
        );
        assert_eq!(moved.state.state.get("role_id").as_str(), Some("Deployer"));
        assert_eq!(
            convert::strings(&moved.state.state, "privileges")
                .unwrap()
                .unwrap(),
            ["VM.Audit", "VM.PowerMgmt"]
        );
        assert!(moved.state.state.get("id").is_null(), "pve_role has no id");
        assert_eq!(
            moved.state.identity.unwrap().get("role_id").as_str(),
            Some("Deployer")
        );
        let bad = json!({"role_id": "no spaces allowed", "privileges": []});
        let errors = refused(
            resource
                .move_state(&request("proxmox_virtual_environment_role", bad))
                .await,
        );
        assert_eq!(errors.len(), 1);
    }
}
