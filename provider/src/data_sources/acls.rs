//! Data source `pve_acls`: ACL entries, optionally filtered by path and
//! principal.

use async_trait::async_trait;
use proxmox_client::{AclEntry, AclPath, AclPrincipal, GroupId, TokenId, UserId};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert;

/// The `pve_acls` data source.
#[derive(Debug)]
pub struct AclsDataSource {
    pve: Pve,
}

impl AclsDataSource {
    pub fn new(pve: &Pve) -> Self {
        AclsDataSource { pve: pve.clone() }
    }
}

impl AclEntryModel {
    fn from_api(entry: &AclEntry) -> Self {
        let principal = |kind: &str| {
            (entry.principal.kind() == kind).then(|| entry.principal.ugid().to_string())
        };
        AclEntryModel {
            path: entry.path.to_string(),
            role_id: entry.roleid.to_string(),
            user_id: principal("user"),
            group_id: principal("group"),
            token_id: principal("token"),
            propagate: entry.propagate,
        }
    }
}

/// The filters of one read.
#[derive(Debug, Default)]
struct Filter {
    path: Option<AclPath>,
    include_descendants: bool,
    principal: Option<AclPrincipal>,
}

impl Filter {
    fn from_config(config: &Value) -> Result<Self, Diagnostics> {
        let path = match convert::string(config, AclsModel::PATH)? {
            None => None,
            Some(text) => Some(AclPath::normalize(&text).map_err(|_| {
                Diagnostics::from(convert::invalid(
                    AclsModel::PATH,
                    format!("`{text}` is not an ACL path: use letters, digits, '.', '-', '_' and '/', e.g. `/vms/100`."),
                ))
            })?),
        };
        let principal = if let Some(user) = convert::string(config, AclsModel::USER_ID)? {
            Some(AclPrincipal::User(convert::parse_id::<UserId>(
                &user,
                AclsModel::USER_ID,
                "alice@pve",
            )?))
        } else if let Some(group) = convert::string(config, AclsModel::GROUP_ID)? {
            Some(AclPrincipal::Group(convert::parse_id::<GroupId>(
                &group,
                AclsModel::GROUP_ID,
                "ops",
            )?))
        } else if let Some(token) = convert::string(config, AclsModel::TOKEN_ID)? {
            Some(AclPrincipal::Token(convert::parse_id::<TokenId>(
                &token,
                AclsModel::TOKEN_ID,
                "ci@pve!deploy",
            )?))
        } else {
            None
        };
        Ok(Filter {
            path,
            include_descendants: convert::bool(config, AclsModel::INCLUDE_DESCENDANTS)?
                .unwrap_or(false),
            principal,
        })
    }

    fn accepts(&self, entry: &AclEntry) -> bool {
        let path_ok = match &self.path {
            None => true,
            Some(path) if self.include_descendants => path.contains(entry.path.as_str()),
            Some(path) => &entry.path == path,
        };
        path_ok
            && self
                .principal
                .as_ref()
                .is_none_or(|p| &entry.principal == p)
    }
}

#[async_trait]
impl DataSource for AclsDataSource {
    fn type_name(&self) -> &str {
        "pve_acls"
    }

    fn schema(&self) -> Schema {
        AclsModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let set: Vec<&str> = [AclsModel::USER_ID, AclsModel::GROUP_ID, AclsModel::TOKEN_ID]
            .into_iter()
            .filter(|name| !config.get(name).is_null())
            .collect();
        if set.len() > 1 {
            diagnostics.push(
                Diagnostic::error(
                    "At most one principal filter",
                    format!(
                        "Set at most one of `user_id`, `group_id` and `token_id`; {} are set.",
                        set.iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                )
                .at_attribute(set[1]),
            );
        }
        if config.get(AclsModel::INCLUDE_DESCENDANTS).as_bool() == Some(true)
            && config.get(AclsModel::PATH).is_null()
        {
            diagnostics.push(convert::invalid(
                AclsModel::INCLUDE_DESCENDANTS,
                "`include_descendants` needs `path`: set the path whose subtree to list.",
            ));
        }
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let filter = Filter::from_config(config)?;
        let connection = self.pve.connection()?;
        let entries = connection
            .acl_entries()
            .await
            .map_err(|error| connection.diagnose("list ACL entries", &error))?;
        // The filters are echoed as configured; only `acls` is computed.
        let mut model = AclsModel::from_value(config)?;
        model.acls = entries
            .iter()
            .filter(|entry| filter.accepts(entry))
            .map(AclEntryModel::from_api)
            .collect();
        Ok(model.to_value())
    }
}

/// The state of data `pve_acls`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Proxmox VE ACL entries visible to the provider's credential, optionally filtered by path and by one principal."
)]
struct AclsModel {
    #[tf(
        optional,
        description = "Only entries on this path (normalised like PVE does, e.g. `/vms/100`)."
    )]
    path: Option<String>,
    #[tf(
        optional,
        description = "With `path`: also entries on paths below it (`/vms` includes `/vms/100`). Default false."
    )]
    include_descendants: Option<bool>,
    #[tf(
        optional,
        description = "Only entries for this user (not its groups or tokens). At most one of `user_id`, `group_id` and `token_id`."
    )]
    user_id: Option<String>,
    #[tf(optional, description = "Only entries for this group.")]
    group_id: Option<String>,
    #[tf(
        optional,
        description = "Only entries for this API token, `name@realm!token`."
    )]
    token_id: Option<String>,
    #[tf(
        computed,
        description = "The entries, in PVE's order (by path): objects with `path`, `role_id`, `propagate` and one of `user_id`, `group_id`, `token_id` (the others null)."
    )]
    acls: Vec<AclEntryModel>,
}

/// One entry of `pve_acls.acls`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct AclEntryModel {
    #[tf(computed)]
    path: String,
    #[tf(computed)]
    role_id: String,
    #[tf(computed)]
    user_id: Option<String>,
    #[tf(computed)]
    group_id: Option<String>,
    #[tf(computed)]
    token_id: Option<String>,
    #[tf(computed)]
    propagate: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: &str, ugid: &str) -> AclEntry {
        serde_json::from_value(serde_json::json!({
            "path": path, "type": kind, "ugid": ugid, "roleid": "R", "propagate": 1
        }))
        .unwrap()
    }

    #[test]
    fn filters_by_path_subtree_and_principal() {
        let config = Value::object([
            ("path", Value::string("/vms/")),
            ("include_descendants", Value::Bool(true)),
            ("user_id", Value::Null),
            ("group_id", Value::string("ops")),
            ("token_id", Value::Null),
        ]);
        let filter = Filter::from_config(&config).unwrap();
        assert_eq!(filter.path.as_ref().map(AclPath::as_str), Some("/vms"));
        assert!(filter.accepts(&entry("/vms/100", "group", "ops")));
        assert!(filter.accepts(&entry("/vms", "group", "ops")));
        assert!(!filter.accepts(&entry("/vms/100", "user", "ops@pve")));
        assert!(!filter.accepts(&entry("/storage", "group", "ops")));
        let exact = Filter {
            path: Some("/vms".parse().unwrap()),
            ..Filter::default()
        };
        assert!(!exact.accepts(&entry("/vms/100", "group", "ops")));
        let value = AclEntryModel::from_api(&entry("/", "token", "a@pve!t1")).to_value();
        assert_eq!(value.get("token_id").as_str(), Some("a@pve!t1"));
        assert!(value.get("user_id").is_null());
    }
}
