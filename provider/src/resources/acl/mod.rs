//! `pve_acl`: one ACL entry, a role granted to one user, group or API token
//! on one path.

use async_trait::async_trait;
use proxmox_client::{AclEntry, AclUpdate, GroupId, RoleId, TokenId, UserId};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    ImportRequest, MoveStateRequest, MovedState, PlanContext, Resource, ResourceState,
};
use tfplugin::schema::{IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::{Type, Value};

use crate::acl_path;
use crate::connection::{Connection, Pve};
use crate::convert;

mod model;
mod moved;

pub(crate) use model::AclKey;
use model::{AclModel, AclState, PRINCIPALS};
use moved::{BPG_TYPES, from_bpg};

/// The `pve_acl` resource.
#[derive(Debug)]
pub struct AclResource {
    pve: Pve,
}

impl AclResource {
    pub fn new(pve: &Pve) -> Self {
        AclResource { pve: pve.clone() }
    }
}

#[async_trait]
impl Resource for AclResource {
    fn type_name(&self) -> &str {
        "pve_acl"
    }

    fn schema(&self) -> Schema {
        AclState::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        let attribute = |name: &str, description: &str| IdentityAttribute {
            name: name.into(),
            ty: Type::String,
            required_for_import: true,
            optional_for_import: false,
            description: description.into(),
        };
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                attribute(AclKey::PATH, "The ACL path."),
                attribute(AclKey::ROLE_ID, "The granted role."),
                attribute(AclKey::PRINCIPAL_TYPE, "`user`, `group` or `token`."),
                attribute(
                    AclKey::PRINCIPAL_ID,
                    "The user id, group id or full token id.",
                ),
            ],
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        // A principal chosen by an expression may be unknown until apply:
        // only known values count, and "none set" waits until all are known.
        let set: Vec<&str> = PRINCIPALS
            .into_iter()
            .filter(|name| !config.get(name).is_null_or_unknown())
            .collect();
        let any_unknown = PRINCIPALS
            .into_iter()
            .any(|name| config.get(name).is_unknown());
        if set.len() > 1 || (set.is_empty() && !any_unknown) {
            let detail = if set.is_empty() {
                "Set exactly one of `user_id`, `group_id` or `token_id`: the user, group or API token that receives the role. None is set.".to_string()
            } else {
                format!(
                    "Set exactly one of `user_id`, `group_id` or `token_id`; {} are set. Use one pve_acl per principal.",
                    set.iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                )
            };
            let diagnostic = Diagnostic::error("Exactly one principal required", detail);
            diagnostics.push(match set.get(1) {
                Some(second) => diagnostic.at_attribute(*second),
                None => diagnostic,
            });
        }
        convert::check_known_string(config, AclState::PATH, &mut diagnostics, |path| {
            acl_path::check(path).map(drop)
        });
        let id = |example: &'static str, parse: fn(&str) -> Result<(), proxmox_client::IdError>| {
            move |text: &str| {
                parse(text).map_err(|error| format!("{error}. Use a value like `{example}`."))
            }
        };
        convert::check_known_string(
            config,
            AclState::ROLE_ID,
            &mut diagnostics,
            id("PVEVMUser", |t| t.parse::<RoleId>().map(drop)),
        );
        convert::check_known_string(
            config,
            AclState::USER_ID,
            &mut diagnostics,
            id("alice@pve", |t| t.parse::<UserId>().map(drop)),
        );
        convert::check_known_string(
            config,
            AclState::GROUP_ID,
            &mut diagnostics,
            id("ops", |t| t.parse::<GroupId>().map(drop)),
        );
        convert::check_known_string(
            config,
            AclState::TOKEN_ID,
            &mut diagnostics,
            id("ci@pve!deploy", |t| t.parse::<TokenId>().map(drop)),
        );
        diagnostics
    }

    async fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        if plan.planned.is_null() {
            return;
        }
        // The id follows from the configuration whenever it is known.
        let id = match AclKey::from_value(&plan.planned) {
            Ok(key) => Value::string(key.import_id()),
            Err(_) => Value::Unknown,
        };
        plan.planned.set_attr(AclState::ID, id);
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = AclModel::from_value(planned)?;
        let connection = self.pve.connection()?;
        let action = format!("grant {}", model.key.describe());
        // PVE accepts re-adding an entry silently; a second resource managing
        // the same entry would revoke it on destroy, so an existing entry
        // must be imported instead. The check runs under the write lock, with
        // the grant: two identical resources created in parallel would both
        // see the entry absent if it ran before.
        let update = model.update();
        let key = &model.key;
        let checked = &connection;
        let granted = connection
            .write(|client| async move {
                // Outer error: the grant failed; inner: the list did.
                let existing = match checked.acl_entries().await {
                    Ok(existing) => existing,
                    Err(error) => return Ok(Err(error)),
                };
                if existing.iter().any(|entry| key.matches(entry)) {
                    return Ok(Ok(false));
                }
                client.acl().grant(&update).await.map(|()| Ok(true))
            })
            .await;
        match granted {
            Ok(Ok(true)) => Ok(model.to_state()),
            Ok(Err(error)) => Err(connection.diagnose("list ACL entries", &error)),
            Ok(Ok(false)) => Err(Diagnostics::from(
                Diagnostic::error(
                    "ACL entry already exists",
                    format!(
                        "PVE already has this entry ({}). To manage it with Terraform, import it: `terraform import pve_acl.NAME '{}'`. Two pve_acl resources for the same path, role and principal cannot both manage it: destroying one would revoke the other's grant.",
                        model.key.describe(),
                        model.key.import_id()
                    ),
                )
                .at_attribute(AclState::PATH),
            )),
            // The grant is an idempotent PUT, so a broken connection is
            // retried and ends as a transport error rather than "outcome
            // unknown"; either way PVE may have applied it. The entry was
            // absent just before, so finding it now means this grant made it.
            Err(error)
                if error.is_outcome_unknown()
                    || (error.is_retryable() && !error.is_safe_to_retry_any_request()) =>
            {
                match find(&connection, &model.key).await {
                    Ok(Some(found)) if found.propagate == model.propagate => Ok(model.to_state()),
                    _ => Err(connection.diagnose(&action, &error)),
                }
            }
            Err(error) => Err(connection.diagnose(&action, &error)),
        }
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let key = AclKey::from_value(&current.state)?;
        let connection = self.pve.connection()?;
        match find(&connection, &key).await {
            Ok(Some(entry)) => Ok(Some(
                AclModel {
                    key,
                    propagate: entry.propagate,
                }
                .to_state(),
            )),
            Ok(None) => Ok(None),
            Err(error) => Err(connection.diagnose("list ACL entries", &error)),
        }
    }

    async fn update(
        &self,
        _prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        // Only `propagate` can change in place. Re-adding an existing
        // (member, role) overwrites its propagate flag in one request, so
        // there is no moment without the grant (§4.6).
        let model = AclModel::from_value(planned)?;
        let connection = self.pve.connection()?;
        let action = format!("update {}", model.key.describe());
        let update = model.update();
        connection
            .write(|client| async move { client.acl().grant(&update).await })
            .await
            .map_err(|error| connection.diagnose(&action, &error))?;
        Ok(model.to_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let model = AclModel::from_value(&prior.state)?;
        let connection = self.pve.connection()?;
        let action = format!("revoke {}", model.key.describe());
        let update = AclUpdate {
            propagate: None,
            ..model.update()
        };
        match connection
            .write(|client| async move { client.acl().revoke(&update).await })
            .await
        {
            // Revoking a missing entry is a no-op; a role, user or token
            // that is already gone took its entries with it.
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => Err(connection.diagnose(&action, &error)),
        }
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let key = match &request.identity {
            Some(identity) => AclKey::from_identity(identity),
            None => AclKey::parse_import_id(request.id.trim()),
        }
        .map_err(|detail| Diagnostics::error("Invalid pve_acl import id", detail))?;
        let connection = self.pve.connection()?;
        match find(&connection, &key).await {
            Ok(Some(entry)) => Ok(vec![
                AclModel {
                    key,
                    propagate: entry.propagate,
                }
                .to_state(),
            ]),
            Ok(None) => Err(Diagnostics::error(
                "ACL entry not found",
                format!(
                    "PVE has no ACL entry {}, so there is nothing to import. Check the path, role and principal (they are case-sensitive).",
                    key.describe()
                ),
            )),
            Err(error) => Err(connection.diagnose("list ACL entries", &error)),
        }
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_acl", &BPG_TYPES, from_bpg)
    }
}

/// The entry for `key` in PVE's ACL list (one cached list per refresh).
async fn find(
    connection: &Connection,
    key: &AclKey,
) -> Result<Option<AclEntry>, proxmox_client::Error> {
    let entries = connection.acl_entries().await?;
    Ok(entries.iter().find(|entry| key.matches(entry)).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxmox_client::AclPrincipal;

    #[test]
    fn import_ids_round_trip_for_every_principal_kind() {
        for id in [
            "/vms/100|PVEVMUser|token:ci@pve!deploy",
            "/|PVEAuditor|group:ops",
            "/pool/a/b|VMOperator|user:alice@pve",
            // A user name may contain `|` (PVE only forbids whitespace, `:` and `/`).
            "/storage/local|R.1|user:we|rd@pve",
            "/access/realm/pve|R|token:we|rd@pve!t1",
        ] {
            let key = AclKey::parse_import_id(id).unwrap();
            assert_eq!(key.import_id(), id);
        }
        let key = AclKey::parse_import_id("/vms/100|PVEVMUser|token:ci@pve!deploy").unwrap();
        assert_eq!(key.path, "/vms/100");
        assert_eq!(key.role.as_str(), "PVEVMUser");
        assert_eq!(
            key.principal,
            AclPrincipal::Token("ci@pve!deploy".parse().unwrap())
        );
    }

    #[test]
    fn bad_import_ids_explain_the_format() {
        for (id, expected) in [
            ("/vms/100", "three `|`-separated parts"),
            ("/vms/100|R|alice@pve", "does not say the principal type"),
            (
                "/vms/100|R|person:alice@pve",
                "must be 'user', 'group' or 'token'",
            ),
            ("/vms/100/|R|user:alice@pve", "write `/vms/100`"),
            ("/bogus|R|user:alice@pve", "does not accept an ACL"),
            ("/vms/100|R|user:alice", "user id"),
        ] {
            let error = AclKey::parse_import_id(id).unwrap_err();
            assert!(error.contains(expected), "{id}: {error}");
            assert!(
                error.contains("<path>|<role_id>|<user|group|token>:<principal id>"),
                "{error}"
            );
        }
    }

    #[test]
    fn model_round_trips_through_state() {
        let value = Value::object([
            ("id", Value::Null),
            ("path", Value::string("/pool/prod")),
            ("role_id", Value::string("VMOperator")),
            ("user_id", Value::Null),
            ("group_id", Value::string("automation")),
            ("token_id", Value::Null),
            ("propagate", Value::Bool(false)),
        ]);
        let model = AclModel::from_value(&value).unwrap();
        assert_eq!(model.key.principal.kind(), "group");
        assert!(!model.propagate);
        let state = model.to_state().state;
        assert_eq!(
            state.get("id").as_str(),
            Some("/pool/prod|VMOperator|group:automation")
        );
        assert_eq!(state.get("group_id").as_str(), Some("automation"));
        assert!(state.get("user_id").is_null());
    }

    #[tokio::test]
    async fn validate_names_the_principal_attributes() {
        let resource = AclResource {
            pve: Pve::default(),
        };
        let base = |extra: &[(&str, Value)]| {
            let mut value = Value::object([
                ("path", Value::string("/vms/100")),
                ("role_id", Value::string("R")),
            ]);
            for (name, v) in extra {
                value.set_attr(*name, v.clone());
            }
            value
        };
        let none = resource.validate(&base(&[])).await;
        assert!(
            none.0[0]
                .detail
                .contains("`user_id`, `group_id` or `token_id`"),
            "{:?}",
            none
        );
        let two = resource
            .validate(&base(&[
                ("user_id", Value::string("a@pve")),
                ("token_id", Value::string("a@pve!ci")),
            ]))
            .await;
        assert!(
            two.0[0].detail.contains("`user_id` and `token_id` are set"),
            "{:?}",
            two
        );
        // `cond ? v : null` is unknown until apply: it may well end up null.
        let chosen_later = resource
            .validate(&base(&[
                ("user_id", Value::string("a@pve")),
                ("token_id", Value::Unknown),
            ]))
            .await;
        assert!(chosen_later.is_empty(), "{chosen_later:?}");
        let all_unknown = resource
            .validate(&base(&[("group_id", Value::Unknown)]))
            .await;
        assert!(all_unknown.is_empty(), "{all_unknown:?}");
        let ok = resource
            .validate(&base(&[("group_id", Value::string("ops"))]))
            .await;
        assert!(ok.is_empty(), "{ok:?}");
        let bad_path = resource
            .validate(&Value::object([
                ("path", Value::string("/vms/1")),
                ("role_id", Value::string("R")),
                ("group_id", Value::string("ops")),
            ]))
            .await;
        assert_eq!(
            bad_path.0[0]
                .attribute
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("path")
        );
    }
}
