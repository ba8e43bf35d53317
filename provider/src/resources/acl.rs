//! `pve_acl`: one ACL entry, a role granted to one user, group or API token
//! on one path.

use async_trait::async_trait;
use proxmox_client::{
    AclEntry, AclPath, AclPrincipal, AclUpdate, GroupId, RoleId, TokenId, UserId,
};
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
use crate::resources::moved::BpgState;

/// The principal attributes, one of which must be set.
const PRINCIPALS: [&str; 3] = [AclState::USER_ID, AclState::GROUP_ID, AclState::TOKEN_ID];

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

/// What identifies an ACL entry: path, role and principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclKey {
    pub path: AclPath,
    pub role: RoleId,
    pub principal: AclPrincipal,
}

impl AclKey {
    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let path = convert::required_string(value, AclState::PATH)?;
        let path = AclPath::new(&path).map_err(|error| {
            Diagnostics::from(convert::invalid(AclState::PATH, error.to_string()))
        })?;
        let role = convert::id_attr::<RoleId>(value, AclState::ROLE_ID, "PVEVMUser")?;
        let principal = if let Some(user) = convert::string(value, AclState::USER_ID)? {
            AclPrincipal::User(convert::parse_id(&user, AclState::USER_ID, "alice@pve")?)
        } else if let Some(group) = convert::string(value, AclState::GROUP_ID)? {
            AclPrincipal::Group(convert::parse_id(&group, AclState::GROUP_ID, "ops")?)
        } else if let Some(token) = convert::string(value, AclState::TOKEN_ID)? {
            AclPrincipal::Token(convert::parse_id(
                &token,
                AclState::TOKEN_ID,
                "ci@pve!deploy",
            )?)
        } else {
            return Err(Diagnostics::error(
                "Exactly one principal required",
                "Set one of `user_id`, `group_id` or `token_id`.",
            ));
        };
        Ok(AclKey {
            path,
            role,
            principal,
        })
    }

    /// The identity attribute names (the list resource writes them too).
    /// The identity names the principal by type and id, so it is not a
    /// derived model's: these are its names.
    pub(crate) const PATH: &'static str = AclState::PATH;
    pub(crate) const ROLE_ID: &'static str = AclState::ROLE_ID;
    pub(crate) const PRINCIPAL_TYPE: &'static str = "principal_type";
    pub(crate) const PRINCIPAL_ID: &'static str = "principal_id";

    fn from_identity(identity: &Value) -> Result<Self, String> {
        let text = |name: &str| identity.get(name).as_str().unwrap_or_default().to_string();
        Self::from_parts(
            &text(Self::PATH),
            &text(Self::ROLE_ID),
            &text(Self::PRINCIPAL_TYPE),
            &text(Self::PRINCIPAL_ID),
        )
    }

    fn from_parts(path: &str, role: &str, kind: &str, id: &str) -> Result<Self, String> {
        let path = acl_path::check(path)?;
        let role = role.parse::<RoleId>().map_err(|error| error.to_string())?;
        let principal = AclPrincipal::from_kind(kind, id).map_err(|error| error.to_string())?;
        Ok(AclKey {
            path,
            role,
            principal,
        })
    }

    /// `<path>|<role>|<type>:<id>`: paths (`[[:alnum:].-_/]`), role ids
    /// (`[A-Za-z0-9.-_]`) and the type hold neither `|` nor `:`, so the first
    /// two `|` and the first `:` after them are always separators, whatever
    /// the principal id contains.
    pub fn import_id(&self) -> String {
        format!(
            "{}|{}|{}:{}",
            self.path,
            self.role,
            self.principal.kind(),
            self.principal.ugid()
        )
    }

    /// Parses [`AclKey::import_id`]'s format; the error explains the format.
    pub fn parse_import_id(id: &str) -> Result<Self, String> {
        let usage = "The import id of pve_acl is `<path>|<role_id>|<user|group|token>:<principal id>`, e.g. `/vms/100|PVEVMUser|token:ci@pve!deploy`, `/|PVEAuditor|group:ops` or `/pool/prod|VMOperator|user:alice@pve`.";
        let mut parts = id.splitn(3, '|');
        let (Some(path), Some(role), Some(principal)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!(
                "`{id}` does not have three `|`-separated parts. {usage}"
            ));
        };
        let Some((kind, principal_id)) = principal.split_once(':') else {
            return Err(format!(
                "`{principal}` does not say the principal type. {usage}"
            ));
        };
        Self::from_parts(path, role, kind, principal_id)
            .map_err(|error| format!("{error}. {usage}"))
    }

    fn matches(&self, entry: &AclEntry) -> bool {
        entry.path == self.path && entry.roleid == self.role && entry.principal == self.principal
    }

    fn describe(&self) -> String {
        format!(
            "role '{}' for {} '{}' on '{}'",
            self.role,
            self.principal.kind(),
            self.principal.ugid(),
            self.path
        )
    }

    fn identity(&self) -> Value {
        Value::object([
            (Self::PATH, Value::string(&self.path)),
            (Self::ROLE_ID, Value::string(self.role.as_str())),
            (Self::PRINCIPAL_TYPE, Value::string(self.principal.kind())),
            (Self::PRINCIPAL_ID, Value::string(self.principal.ugid())),
        ])
    }
}

/// The state of one `pve_acl`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AclModel {
    key: AclKey,
    propagate: bool,
}

impl AclModel {
    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        Ok(AclModel {
            key: AclKey::from_value(value)?,
            propagate: convert::bool(value, AclState::PROPAGATE)?.unwrap_or(true),
        })
    }

    fn update(&self) -> AclUpdate {
        AclUpdate {
            path: self.key.path.clone(),
            roles: vec![self.key.role.clone()],
            principals: vec![self.key.principal.clone()],
            propagate: Some(self.propagate),
        }
    }

    fn to_state(&self) -> ResourceState {
        let principal = |kind: &str| {
            (self.key.principal.kind() == kind).then(|| self.key.principal.ugid().to_string())
        };
        let state = AclState {
            id: Some(self.key.import_id()),
            path: self.key.path.to_string(),
            role_id: self.key.role.to_string(),
            user_id: principal("user"),
            group_id: principal("group"),
            token_id: principal("token"),
            propagate: self.propagate,
        };
        ResourceState {
            state: state.to_value(),
            identity: Some(self.key.identity()),
            private: Vec::new(),
        }
    }
}

/// The state of one `pve_acl` as Terraform sees it (its identity, which
/// names the principal by type and id, is [`AclKey::identity`]); the checked
/// form is [`AclModel`].
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "One Proxmox VE ACL entry: `role_id` granted to one user, group or API token on `path`. \
A privilege-separated token holds only the privileges granted to both the token and its user, so grant both. \
Import id: `<path>|<role_id>|<user|group|token>:<principal id>`, e.g. `terraform import pve_acl.NAME '/vms/100|PVEVMUser|token:ci@pve!deploy'` \
(`|` and `:` cannot occur in a path, a role id or a principal type, so the id is unambiguous)."
)]
struct AclState {
    #[tf(
        computed,
        description = "The import id, `<path>|<role_id>|<user|group|token>:<principal id>`."
    )]
    id: Option<String>,
    #[tf(
        required,
        requires_replace,
        description = format!(
            "The ACL path, in the normal form PVE stores (one leading `/`, no `//`, no trailing `/`), e.g. `/vms/100` or `/pool/production`. Checked at plan time against PVE 9.1's valid paths: {}. Changing it replaces the entry.",
            AclPath::VALID_FORMS
        )
    )]
    path: String,
    #[tf(
        required,
        requires_replace,
        description = "The role to grant, built-in (e.g. `PVEVMUser`) or a `pve_role`. Changing it replaces the entry."
    )]
    role_id: String,
    #[tf(
        optional,
        requires_replace,
        description = "The user to grant the role to, `name@realm`. Set exactly one of `user_id`, `group_id` and `token_id`. Changing it replaces the entry."
    )]
    user_id: Option<String>,
    #[tf(
        optional,
        requires_replace,
        description = "The group to grant the role to. Set exactly one of `user_id`, `group_id` and `token_id`. Changing it replaces the entry."
    )]
    group_id: Option<String>,
    #[tf(
        optional,
        requires_replace,
        description = "The API token to grant the role to, `name@realm!token`. Set exactly one of `user_id`, `group_id` and `token_id`. Changing it replaces the entry."
    )]
    token_id: Option<String>,
    #[tf(
        optional,
        default = true,
        description = "Whether the grant also applies below `path`. Default true. Changed in place, in one request, without revoking the grant first."
    )]
    propagate: bool,
}

/// bpg's ACL types (framework, schema version 0): the long name and the short one.
const BPG_TYPES: [&str; 2] = ["proxmox_virtual_environment_acl", "proxmox_acl"];

/// bpg's ACL state as `pve_acl` state. bpg's id (`path?principal?role`)
/// becomes this provider's import id, `path|role|type:principal`.
fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let value = Value::object([
        ("path", Value::string(bpg.required("path"))),
        ("role_id", Value::string(bpg.required("role_id"))),
        ("user_id", convert::opt_string(bpg.text("user_id"))),
        ("group_id", convert::opt_string(bpg.text("group_id"))),
        ("token_id", convert::opt_string(bpg.text("token_id"))),
        (
            "propagate",
            Value::Bool(bpg.bool("propagate").unwrap_or(true)),
        ),
    ]);
    if let Err(detail) = acl_path::check(value.get("path").as_str().unwrap_or_default()) {
        bpg.refuse(
            "path",
            format!("{detail}. Correct the path with bpg first, or import the entry instead."),
        );
    }
    Ok(AclModel::from_value(&value)?.to_state())
}

#[cfg(test)]
mod tests {
    use super::*;

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

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    #[tokio::test]
    async fn moves_bpg_acl_of_each_principal_under_both_names() {
        let resource = AclResource::new(&Pve::default());
        let cases = [
            (
                "token_id",
                "ci@pve!deploy",
                "/vms/100|PVEVMUser|token:ci@pve!deploy",
            ),
            ("user_id", "ci@pve", "/vms/100|PVEVMUser|user:ci@pve"),
            ("group_id", "ops", "/vms/100|PVEVMUser|group:ops"),
        ];
        for source in BPG_TYPES {
            for (attribute, principal, id) in cases {
                let mut state = json!({
                    "id": format!("/vms/100?{principal}?PVEVMUser"), "path": "/vms/100",
                    "role_id": "PVEVMUser", "propagate": false,
                    "user_id": null, "group_id": null, "token_id": null
                });
                state[attribute] = json!(principal);
                let moved = moved(resource.move_state(&request(source, state)).await);
                assert_eq!(moved.state.state.get("id").as_str(), Some(id));
                assert_eq!(moved.state.state.get(attribute).as_str(), Some(principal));
                assert_eq!(moved.state.state.get("propagate").as_bool(), Some(false));
                assert!(moved.state.identity.is_some());
            }
        }
        let bad_path = json!({"path": "vms//100", "role_id": "PVEVMUser", "user_id": "ci@pve"});
        assert!(
            refused(resource.move_state(&request("proxmox_acl", bad_path)).await)
                .contains(&"Cannot move proxmox_acl.path to pve_acl".to_string())
        );
    }
}
