//! `pve_group`: a Proxmox VE group; its members are managed on `pve_user.groups`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use proxmox_client::{CreateGroup, Group, GroupId, UpdateGroup};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::{Creation, Pve};
use crate::convert::{self, check_known_string};
use crate::resources::moved::BpgState;

const GROUP_EXAMPLE: &str = "ops";

/// The `pve_group` resource.
#[derive(Debug)]
pub struct GroupResource {
    pve: Pve,
}

impl GroupResource {
    /// The resource, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        GroupResource { pve: pve.clone() }
    }
}

#[async_trait]
impl Resource for GroupResource {
    fn type_name(&self) -> &str {
        "pve_group"
    }

    fn schema(&self) -> Schema {
        GroupModel::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        GroupModel::identity_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = GroupModel::from_value(planned)?;
        let group = model.group()?;
        let connection = self.pve.connection()?;
        let request = CreateGroup {
            comment: model.comment.clone(),
        };
        let id = group.clone();
        connection
            .create_or_adopt(
                &Creation::new("group", group.as_str(), "pve_group", GroupModel::GROUP_ID),
                |client| async move { client.groups().create(&id, &request).await },
                |client| {
                    let id = group.clone();
                    async move { client.groups().get(&id).await }
                },
                |found| found.comment == model.comment,
            )
            .await?;
        // The group exists now: never fail from here on, or Terraform would forget it.
        let state = match connection.client().groups().get(&group).await {
            Ok(found) => GroupModel::from_api(&found),
            Err(_) => GroupModel {
                members: BTreeSet::new(),
                ..model
            },
        };
        Ok(state.to_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let group = GroupModel::from_value(&current.state)?.group()?;
        let connection = self.pve.connection()?;
        let found = match connection.listed_group(&group).await {
            Some(found) => Ok(found),
            None => connection.client().groups().get(&group).await,
        };
        match found {
            Ok(found) => Ok(Some(GroupModel::from_api(&found).to_state())),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read group '{group}'"), &error)),
        }
    }

    async fn update(
        &self,
        _prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let model = GroupModel::from_value(planned)?;
        let group = model.group()?;
        let connection = self.pve.connection()?;
        // Only the comment can change in place; `""` clears it.
        let request = UpdateGroup {
            comment: Some(model.comment.clone().unwrap_or_default()),
        };
        let id = group.clone();
        connection
            .write(|client| async move { client.groups().update(&id, &request).await })
            .await
            .map_err(|error| connection.diagnose(&format!("update group '{group}'"), &error))?;
        let found = connection
            .client()
            .groups()
            .get(&group)
            .await
            .map_err(|error| connection.diagnose(&format!("read group '{group}'"), &error))?;
        Ok(GroupModel::from_api(&found).to_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let group = GroupModel::from_value(&prior.state)?.group()?;
        let connection = self.pve.connection()?;
        let id = group.clone();
        connection
            .delete(&format!("delete group '{group}'"), |client| async move {
                client.groups().delete(&id).await
            })
            .await
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let group = parse_import_id(request)?;
        let connection = self.pve.connection()?;
        match connection.client().groups().get(&group).await {
            Ok(found) => Ok(vec![GroupModel::from_api(&found).to_state()]),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("Group '{group}' does not exist"),
                "There is no such group on the PVE server, so there is nothing to import. Check the name (it is case-sensitive), or let Terraform create it.",
            )),
            Err(error) => Err(connection.diagnose(&format!("read group '{group}'"), &error)),
        }
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_group", &BPG_TYPES, from_bpg)
    }
}

/// Checks what can be checked without PVE; unknown values are skipped.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    check_known_string(config, GroupModel::GROUP_ID, &mut diagnostics, |text| {
        text.parse::<GroupId>()
            .map(drop)
            .map_err(|error| format!("{error}. Use a value like `{GROUP_EXAMPLE}`."))
            .and_then(|()| convert::not_a_dot_segment(text))
    });
    check_known_string(
        config,
        GroupModel::COMMENT,
        &mut diagnostics,
        convert::user_cfg_comment,
    );
    diagnostics
}

fn parse_import_id(request: &ImportRequest) -> Result<GroupId, Diagnostics> {
    let text = convert::import_key(request, GroupModel::GROUP_ID);
    text.parse().map_err(|error| {
        Diagnostics::error(
            "Invalid import id",
            format!("{error}. The import id of pve_group is the group name, e.g. `terraform import pve_group.NAME {GROUP_EXAMPLE}`."),
        )
    })
}

/// The state of one `pve_group`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "A Proxmox VE group (`/access/groups`): grant privileges to many users at once with `pve_acl.group_id`. Members join through `pve_user.groups`. \
Import with the group id: `terraform import pve_group.NAME ops`."
)]
pub(crate) struct GroupModel {
    #[tf(
        required,
        requires_replace,
        identity = "The group name.",
        description = "The group name: letters, digits, `.`, `-`, `_`. Changing it replaces the group (PVE then drops its ACL entries and memberships)."
    )]
    group_id: String,
    #[tf(
        optional,
        description = "A free-text comment. Leave it unset (not `\"\"`) for none."
    )]
    comment: Option<String>,
    #[tf(
        computed,
        description = "The user ids in the group, as PVE reports them. Read-only: membership is managed on `pve_user.groups`."
    )]
    members: BTreeSet<String>,
}

impl GroupModel {
    fn from_api(found: &Group) -> Self {
        GroupModel {
            group_id: found.groupid.to_string(),
            comment: found.comment.clone(),
            members: found.members.iter().map(ToString::to_string).collect(),
        }
    }

    fn group(&self) -> Result<GroupId, Diagnostics> {
        convert::parse_id(&self.group_id, Self::GROUP_ID, GROUP_EXAMPLE).map_err(Diagnostics::from)
    }
}

/// bpg's group type (SDKv2, schema version 0; bpg has no short name for it).
const BPG_TYPES: [&str; 1] = ["proxmox_virtual_environment_group"];

/// bpg's group state as `pve_group` state. bpg's `""` comment is unset;
/// its inline `acl` blocks stay in PVE (a warning gives the import ids).
fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let group_id = bpg.required("group_id");
    crate::resources::moved::warn_inline_acl(bpg, "group", &group_id);
    let model = GroupModel {
        comment: bpg.text("comment"),
        members: bpg
            .strings("members")
            .unwrap_or_default()
            .into_iter()
            .collect(),
        group_id,
    };
    model.group()?;
    Ok(model.to_state())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_and_reads_members() {
        let found: Group = serde_json::from_value(serde_json::json!(
            {"groupid": "ops", "members": ["b@pve", "a@pve"], "comment": "Operators"}
        ))
        .unwrap();
        let model = GroupModel::from_api(&found);
        assert_eq!(
            model.members,
            BTreeSet::from(["a@pve".to_string(), "b@pve".to_string()])
        );
        let state = model.to_state();
        assert_eq!(GroupModel::from_value(&state.state).unwrap(), model);
        assert_eq!(
            state.identity.unwrap().get("group_id").as_str(),
            Some("ops")
        );
    }

    #[test]
    fn planned_unknown_members_are_tolerated() {
        let planned = Value::object([
            ("group_id", Value::from("ops")),
            ("comment", Value::Null),
            ("members", Value::Unknown),
        ]);
        assert!(GroupModel::from_value(&planned).unwrap().members.is_empty());
    }

    #[test]
    fn validation_and_import_ids() {
        let config = Value::object([
            ("group_id", Value::from("a:b")),
            ("comment", Value::from("")),
        ]);
        let diagnostics = validate_config(&config);
        assert_eq!(diagnostics.len(), 2);
        assert!(diagnostics.0[0].detail.contains("`ops`"));
        let by_id = ImportRequest {
            id: "ops".into(),
            identity: None,
        };
        assert_eq!(parse_import_id(&by_id).unwrap().as_str(), "ops");
        let by_identity = ImportRequest {
            id: String::new(),
            identity: Some(Value::object([("group_id", "dev")])),
        };
        assert_eq!(parse_import_id(&by_identity).unwrap().as_str(), "dev");
        let bad = parse_import_id(&ImportRequest {
            id: "a b".into(),
            identity: None,
        })
        .unwrap_err();
        assert!(
            bad.0[0]
                .detail
                .contains("terraform import pve_group.NAME ops")
        );
    }
}

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    #[tokio::test]
    async fn moves_bpg_group_and_warns_about_inline_acl() {
        let resource = GroupResource::new(&Pve::default());
        let state = json!({"id": "ops", "group_id": "ops", "comment": "", "members": ["ci@pve"], "acl": []});
        let moved_group = moved(
            resource
                .move_state(&request("proxmox_virtual_environment_group", state.clone()))
                .await,
        );
        assert!(moved_group.state.state.get("comment").is_null());
        assert_eq!(
            moved_group.state.identity.unwrap().get("group_id").as_str(),
            Some("ops")
        );
        assert!(moved_group.diagnostics.is_empty());

        let mut with_acl = state;
        with_acl["acl"] = json!([{"path": "/", "role_id": "PVEAuditor", "propagate": true}]);
        let moved_group = moved(
            resource
                .move_state(&request("proxmox_virtual_environment_group", with_acl))
                .await,
        );
        let warning = moved_group.diagnostics.iter().next().unwrap();
        assert!(warning.detail.contains("/|PVEAuditor|group:ops"));
        let missing = json!({"comment": "x"});
        assert_eq!(
            refused(
                resource
                    .move_state(&request("proxmox_virtual_environment_group", missing))
                    .await
            ),
            ["Cannot move proxmox_virtual_environment_group.group_id to pve_group"]
        );
    }
}
