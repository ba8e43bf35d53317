//! `pve_acl`'s models: the entry's key (path, role, principal), the
//! checked Terraform-side model, and the state it is stored as.

use proxmox_client::{AclEntry, AclPath, AclPrincipal, AclUpdate, RoleId};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use crate::acl_path;
use crate::convert;

/// The principal attributes, one of which must be set.
pub(super) const PRINCIPALS: [&str; 3] =
    [AclState::USER_ID, AclState::GROUP_ID, AclState::TOKEN_ID];

/// What identifies an ACL entry: path, role and principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclKey {
    pub path: AclPath,
    pub role: RoleId,
    pub principal: AclPrincipal,
}

impl AclKey {
    pub(super) fn from_value(value: &Value) -> Result<Self, Diagnostics> {
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

    pub(super) fn from_identity(identity: &Value) -> Result<Self, String> {
        let text = |name: &str| identity.get(name).as_str().unwrap_or_default().to_string();
        Self::from_parts(
            &text(Self::PATH),
            &text(Self::ROLE_ID),
            &text(Self::PRINCIPAL_TYPE),
            &text(Self::PRINCIPAL_ID),
        )
    }

    pub(super) fn from_parts(path: &str, role: &str, kind: &str, id: &str) -> Result<Self, String> {
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

    pub(super) fn matches(&self, entry: &AclEntry) -> bool {
        entry.path == self.path && entry.roleid == self.role && entry.principal == self.principal
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "role '{}' for {} '{}' on '{}'",
            self.role,
            self.principal.kind(),
            self.principal.ugid(),
            self.path
        )
    }

    pub(super) fn identity(&self) -> Value {
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
pub(super) struct AclModel {
    pub(super) key: AclKey,
    pub(super) propagate: bool,
}

impl AclModel {
    pub(super) fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        Ok(AclModel {
            key: AclKey::from_value(value)?,
            propagate: convert::bool(value, AclState::PROPAGATE)?.unwrap_or(true),
        })
    }

    pub(super) fn update(&self) -> AclUpdate {
        AclUpdate {
            path: self.key.path.clone(),
            roles: vec![self.key.role.clone()],
            principals: vec![self.key.principal.clone()],
            propagate: Some(self.propagate),
        }
    }

    pub(super) fn to_state(&self) -> ResourceState {
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
pub(super) struct AclState {
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
