//! `list "pve_acl"`: ACL entries, filtered by path (optionally with the
//! paths below it), role and principal.

use async_trait::async_trait;
use proxmox_client::{AclEntry, AclPath};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ListResource, ListResult};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::list::{Found, results, text};
use crate::resources::acl::{AclKey, AclResource};

/// The principal filters; at most one may be set.
const PRINCIPALS: [(&str, &str); 3] = [
    (AclListModel::USER_ID, "user"),
    (AclListModel::GROUP_ID, "group"),
    (AclListModel::TOKEN_ID, "token"),
];

/// The `pve_acl` list resource.
#[derive(Debug)]
pub struct AclList {
    pve: Pve,
    resource: AclResource,
}

impl AclList {
    pub fn new(pve: &Pve) -> Self {
        AclList {
            pve: pve.clone(),
            resource: AclResource::new(pve),
        }
    }
}

#[async_trait]
impl ListResource for AclList {
    fn type_name(&self) -> &str {
        "pve_acl"
    }

    fn schema(&self) -> Schema {
        AclListModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let set: Vec<&str> = PRINCIPALS
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| !config.get(name).is_null())
            .collect();
        if set.len() > 1 {
            diagnostics.push(
                Diagnostic::error(
                    "Conflicting principal filters",
                    format!(
                        "Set at most one of `user_id`, `group_id`, `token_id` (got {}).",
                        set.join(", ")
                    ),
                )
                .at_attribute(set[1]),
            );
        }
        if config.get(AclListModel::INCLUDE_DESCENDANTS).as_bool() == Some(true)
            && config.get(AclListModel::PATH).is_null()
        {
            diagnostics.push(
                Diagnostic::error(
                    "include_descendants needs a path",
                    "Set `path` to the top of the subtree to list, e.g. `path = \"/vms\"`.",
                )
                .at_attribute(AclListModel::INCLUDE_DESCENDANTS),
            );
        }
        diagnostics
    }

    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics> {
        let connection = self.pve.connection()?;
        let entries = connection
            .acl_entries()
            .await
            .map_err(|error| connection.diagnose("list ACL entries", &error))?;
        let wanted = Wanted::from_config(config);
        let mut entries: Vec<&AclEntry> = entries
            .iter()
            .filter(|entry| wanted.matches(entry))
            .collect();
        entries.sort_by(|a, b| {
            (
                &a.path,
                a.roleid.as_str(),
                a.principal.kind(),
                a.principal.ugid(),
            )
                .cmp(&(
                    &b.path,
                    b.roleid.as_str(),
                    b.principal.kind(),
                    b.principal.ugid(),
                ))
        });
        let found = entries
            .into_iter()
            .map(|entry| Found {
                display_name: format!(
                    "{} on {} for {} {}",
                    entry.roleid,
                    entry.path,
                    entry.principal.kind(),
                    entry.principal.ugid()
                ),
                identity: Value::object([
                    (AclKey::PATH, Value::string(entry.path.as_str())),
                    (AclKey::ROLE_ID, Value::string(entry.roleid.as_str())),
                    (
                        AclKey::PRINCIPAL_TYPE,
                        Value::string(entry.principal.kind()),
                    ),
                    (AclKey::PRINCIPAL_ID, Value::string(entry.principal.ugid())),
                ]),
            })
            .collect();
        results(&self.resource, found, include_state, limit).await
    }
}

/// The filters of one listing.
struct Wanted {
    /// `Some(None)`: the filter is no ACL path, so no entry is on it.
    path: Option<Option<AclPath>>,
    descendants: bool,
    role: Option<String>,
    principal: Option<(&'static str, String)>,
}

impl Wanted {
    fn from_config(config: &Value) -> Self {
        Wanted {
            // `/vms/` and `/vms` name the same path, as in PVE.
            path: text(config, AclListModel::PATH).map(|p| AclPath::normalize(p).ok()),
            descendants: config
                .get(AclListModel::INCLUDE_DESCENDANTS)
                .as_bool()
                .unwrap_or(false),
            role: text(config, AclListModel::ROLE_ID),
            principal: PRINCIPALS
                .iter()
                .find_map(|(name, kind)| text(config, name).map(|id| (*kind, id))),
        }
    }

    fn matches(&self, entry: &AclEntry) -> bool {
        let path_ok = match &self.path {
            None => true,
            Some(None) => false,
            Some(Some(path)) if self.descendants => path.contains(entry.path.as_str()),
            Some(Some(path)) => entry.path == *path,
        };
        let role_ok = self
            .role
            .as_deref()
            .is_none_or(|role| entry.roleid.as_str() == role);
        let principal_ok = self.principal.as_ref().is_none_or(|(kind, id)| {
            entry.principal.kind() == *kind && entry.principal.ugid() == id
        });
        path_ok && role_ok && principal_ok
    }
}

/// The configuration of `list "pve_acl"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists ACL entries (one per path, role and principal), sorted by path, role and principal. Every filter is optional."
)]
struct AclListModel {
    #[tf(
        optional,
        description = "Only entries on this ACL path, e.g. `/vms/100` or `/pool/production`."
    )]
    path: Option<String>,
    #[tf(
        optional,
        description = "With `path`: also the entries on every path below it (`/vms` then also lists `/vms/100`). Default false."
    )]
    include_descendants: Option<bool>,
    #[tf(optional, description = "Only entries granting this role.")]
    role_id: Option<String>,
    #[tf(
        optional,
        description = "Only entries for this user, `NAME@REALM`. At most one of `user_id`, `group_id`, `token_id`."
    )]
    user_id: Option<String>,
    #[tf(optional, description = "Only entries for this group.")]
    group_id: Option<String>,
    #[tf(
        optional,
        description = "Only entries for this API token, `NAME@REALM!TOKEN`."
    )]
    token_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxmox_client::AclPrincipal;

    fn entry(path: &str, role: &str, kind: &str, id: &str) -> AclEntry {
        serde_json::from_value(serde_json::json!({
            "path": path, "roleid": role, "type": kind, "ugid": id, "propagate": 1
        }))
        .unwrap()
    }

    fn wanted(pairs: &[(&str, Value)]) -> Wanted {
        Wanted::from_config(&Value::object(pairs.iter().cloned()))
    }

    #[test]
    fn path_filter_with_and_without_descendants() {
        let vms = entry("/vms", "PVEVMUser", "user", "a@pve");
        let vm = entry("/vms/100", "PVEVMUser", "user", "a@pve");
        let vmsx = entry("/vmsx", "PVEVMUser", "user", "a@pve");
        let exact = wanted(&[("path", Value::string("/vms/"))]);
        assert!(exact.matches(&vms) && !exact.matches(&vm) && !exact.matches(&vmsx));
        let tree = wanted(&[
            ("path", Value::string("/vms")),
            ("include_descendants", Value::Bool(true)),
        ]);
        assert!(tree.matches(&vms) && tree.matches(&vm) && !tree.matches(&vmsx));
        let root = wanted(&[
            ("path", Value::string("/")),
            ("include_descendants", Value::Bool(true)),
        ]);
        assert!(root.matches(&vm));
    }

    #[test]
    fn principal_and_role_filters() {
        let user = entry("/", "PVEAuditor", "user", "a@pve");
        let group = entry("/", "PVEAuditor", "group", "a");
        assert!(matches!(user.principal, AclPrincipal::User(_)));
        let by_user = wanted(&[("user_id", Value::string("a@pve"))]);
        assert!(by_user.matches(&user) && !by_user.matches(&group));
        let by_role = wanted(&[("role_id", Value::string("Administrator"))]);
        assert!(!by_role.matches(&user));
    }
}
