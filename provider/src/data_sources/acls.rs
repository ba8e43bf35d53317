//! Data source `pve_acls`: ACL entries, optionally filtered by path and
//! principal.

use std::collections::BTreeMap;

use async_trait::async_trait;
use proxmox_client::{AclEntry, AclPath, AclPrincipal, GroupId, TokenId, UserId};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

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

fn acl_type() -> Type {
    Type::Object {
        attributes: BTreeMap::from([
            ("path".to_string(), Type::String),
            ("role_id".to_string(), Type::String),
            ("user_id".to_string(), Type::String),
            ("group_id".to_string(), Type::String),
            ("token_id".to_string(), Type::String),
            ("propagate".to_string(), Type::Bool),
        ]),
        optional: Default::default(),
    }
}

/// One entry as an object of [`acl_type`].
fn acl_value(entry: &AclEntry) -> Value {
    let principal = |kind: &str| {
        if entry.principal.kind() == kind {
            Value::string(entry.principal.ugid())
        } else {
            Value::Null
        }
    };
    Value::object([
        ("path", Value::string(entry.path.as_str())),
        ("role_id", Value::string(entry.roleid.as_str())),
        ("user_id", principal("user")),
        ("group_id", principal("group")),
        ("token_id", principal("token")),
        ("propagate", Value::Bool(entry.propagate)),
    ])
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
        let path = match convert::string(config, "path")? {
            None => None,
            Some(text) => Some(AclPath::normalize(&text).map_err(|_| {
                Diagnostics::from(convert::invalid(
                    "path",
                    format!("`{text}` is not an ACL path: use letters, digits, '.', '-', '_' and '/', e.g. `/vms/100`."),
                ))
            })?),
        };
        let principal = if let Some(user) = convert::string(config, "user_id")? {
            Some(AclPrincipal::User(convert::parse_id::<UserId>(
                &user,
                "user_id",
                "alice@pve",
            )?))
        } else if let Some(group) = convert::string(config, "group_id")? {
            Some(AclPrincipal::Group(convert::parse_id::<GroupId>(
                &group, "group_id", "ops",
            )?))
        } else if let Some(token) = convert::string(config, "token_id")? {
            Some(AclPrincipal::Token(convert::parse_id::<TokenId>(
                &token,
                "token_id",
                "ci@pve!deploy",
            )?))
        } else {
            None
        };
        Ok(Filter {
            path,
            include_descendants: convert::bool(config, "include_descendants")?.unwrap_or(false),
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
        Schema::new(Block {
            description: "Proxmox VE ACL entries visible to the provider's credential, optionally filtered by path and by one principal.".into(),
            attributes: vec![
                Attribute::optional("path", Type::String)
                    .description("Only entries on this path (normalised like PVE does, e.g. `/vms/100`)."),
                Attribute::optional("include_descendants", Type::Bool)
                    .description("With `path`: also entries on paths below it (`/vms` includes `/vms/100`). Default false."),
                Attribute::optional("user_id", Type::String)
                    .description("Only entries for this user (not its groups or tokens). At most one of `user_id`, `group_id` and `token_id`."),
                Attribute::optional("group_id", Type::String).description("Only entries for this group."),
                Attribute::optional("token_id", Type::String).description("Only entries for this API token, `name@realm!token`."),
                Attribute::computed("acls", Type::List(Box::new(acl_type()))).description(
                    "The entries, in PVE's order (by path): objects with `path`, `role_id`, `propagate` and one of `user_id`, `group_id`, `token_id` (the others null).",
                ),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let set: Vec<&str> = ["user_id", "group_id", "token_id"]
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
        if config.get("include_descendants").as_bool() == Some(true) && config.get("path").is_null()
        {
            diagnostics.push(convert::invalid(
                "include_descendants",
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
        let acls = entries
            .iter()
            .filter(|entry| filter.accepts(entry))
            .map(acl_value);
        let mut out = config.clone();
        out.set_attr("acls", Value::list(acls));
        Ok(out)
    }
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
        let value = acl_value(&entry("/", "token", "a@pve!t1"));
        assert_eq!(value.get("token_id").as_str(), Some("a@pve!t1"));
        assert!(value.get("user_id").is_null());
    }
}
