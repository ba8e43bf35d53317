//! Data source `pve_users`: every user visible to the provider, optionally
//! only the enabled (or disabled) ones.

use async_trait::async_trait;
use proxmox_client::{ListUsers, User};
use std::collections::BTreeSet;

use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert;

/// The `pve_users` data source.
#[derive(Debug)]
pub struct UsersDataSource {
    pve: Pve,
}

impl UsersDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UsersDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for UsersDataSource {
    fn type_name(&self) -> &str {
        "pve_users"
    }

    fn schema(&self) -> Schema {
        UsersModel::schema()
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let enabled = convert::bool(config, UsersModel::ENABLED)?;
        let connection = self.pve.connection()?;
        let filter = ListUsers {
            enabled,
            full: true,
        };
        let mut users = connection
            .client()
            .users()
            .list_with(&filter)
            .await
            .map_err(|error| connection.diagnose("list users", &error))?;
        users.sort_by(|a, b| a.userid.cmp(&b.userid));
        let model = UsersModel {
            enabled,
            users: users.iter().map(UserEntry::from_api).collect(),
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_users`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists the Proxmox VE users visible to the provider's credential (PVE filters the list by `User.Modify`/`Sys.Audit` on `/access/groups`), sorted by user id."
)]
struct UsersModel {
    #[tf(
        optional,
        description = "`true`: only enabled users; `false`: only disabled users; unset: all users."
    )]
    enabled: Option<bool>,
    #[tf(
        computed,
        description = "The users, each with `user_id`, `comment`, `email`, `first_name`, `last_name`, `enabled`, `expiration_date` (RFC 3339 UTC, null = never), `groups` and `realm_type` (e.g. `pve`, `pam`; null when the realm no longer exists)."
    )]
    users: Vec<UserEntry>,
}

/// One entry of `pve_users.users`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct UserEntry {
    #[tf(computed)]
    user_id: String,
    #[tf(computed)]
    comment: Option<String>,
    #[tf(computed)]
    email: Option<String>,
    #[tf(computed)]
    first_name: Option<String>,
    #[tf(computed)]
    last_name: Option<String>,
    #[tf(computed)]
    enabled: bool,
    #[tf(computed)]
    expiration_date: Option<String>,
    #[tf(computed)]
    groups: BTreeSet<String>,
    #[tf(computed)]
    realm_type: Option<String>,
}

impl UserEntry {
    fn from_api(found: &User) -> Self {
        UserEntry {
            user_id: found.userid.to_string(),
            comment: found.comment.clone(),
            email: found.email.clone(),
            first_name: found.firstname.clone(),
            last_name: found.lastname.clone(),
            enabled: found.enable,
            expiration_date: convert::epoch_to_rfc3339(found.expire),
            groups: found.groups.iter().map(ToString::to_string).collect(),
            realm_type: found.realm_type.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::Field;
    use tfplugin::value::Type;

    #[test]
    fn list_entries_become_objects_of_the_declared_type() {
        let found: User = serde_json::from_value(serde_json::json!({
            "userid": "ci@pve", "enable": 1, "expire": 0, "groups": "ops,dev", "realm-type": "pve"
        }))
        .unwrap();
        let value = UserEntry::from_api(&found).to_value();
        let Type::Object { attributes, .. } = UserEntry::ty() else {
            panic!("object type")
        };
        let keys: Vec<&String> = value.as_map().unwrap().keys().collect();
        assert_eq!(keys, attributes.keys().collect::<Vec<_>>());
        assert_eq!(value.get("realm_type").as_str(), Some("pve"));
        assert!(value.get("expiration_date").is_null());
        assert_eq!(value.get("groups"), &Value::set_of_strings(["ops", "dev"]));
    }
}
