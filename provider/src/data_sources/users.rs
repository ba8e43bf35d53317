//! Data source `pve_users`: every user visible to the provider, optionally
//! only the enabled (or disabled) ones.

use async_trait::async_trait;
use proxmox_client::{ListUsers, User};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{self, object_type, string_set};

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

fn user_type() -> Type {
    object_type(&[
        ("user_id", Type::String),
        ("comment", Type::String),
        ("email", Type::String),
        ("first_name", Type::String),
        ("last_name", Type::String),
        ("enabled", Type::Bool),
        ("expiration_date", Type::String),
        ("groups", string_set()),
        ("realm_type", Type::String),
    ])
}

#[async_trait]
impl DataSource for UsersDataSource {
    fn type_name(&self) -> &str {
        "pve_users"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Lists the Proxmox VE users visible to the provider's credential (PVE filters the list by `User.Modify`/`Sys.Audit` on `/access/groups`), sorted by user id.".into(),
            attributes: vec![
                Attribute::optional("enabled", Type::Bool)
                    .description("`true`: only enabled users; `false`: only disabled users; unset: all users."),
                Attribute::computed("users", Type::List(Box::new(user_type()))).description(
                    "The users, each with `user_id`, `comment`, `email`, `first_name`, `last_name`, `enabled`, `expiration_date` (RFC 3339 UTC, null = never), `groups` and `realm_type` (e.g. `pve`, `pam`; null when the realm no longer exists).",
                ),
            ],
            ..Block::default()
        })
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let enabled = convert::bool(config, "enabled")?;
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
        Ok(Value::object([
            ("enabled", Value::from(enabled)),
            ("users", Value::list(users.iter().map(user_value))),
        ]))
    }
}

fn user_value(found: &User) -> Value {
    Value::object([
        ("user_id", Value::string(found.userid.as_str())),
        ("comment", convert::opt_string(found.comment.clone())),
        ("email", convert::opt_string(found.email.clone())),
        ("first_name", convert::opt_string(found.firstname.clone())),
        ("last_name", convert::opt_string(found.lastname.clone())),
        ("enabled", Value::Bool(found.enable)),
        (
            "expiration_date",
            convert::opt_string(convert::epoch_to_rfc3339(found.expire)),
        ),
        (
            "groups",
            Value::set_of_strings(found.groups.iter().map(ToString::to_string)),
        ),
        ("realm_type", convert::opt_string(found.realm_type.clone())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_entries_become_objects_of_the_declared_type() {
        let found: User = serde_json::from_value(serde_json::json!({
            "userid": "ci@pve", "enable": 1, "expire": 0, "groups": "ops,dev", "realm-type": "pve"
        }))
        .unwrap();
        let value = user_value(&found);
        let Type::Object { attributes, .. } = user_type() else {
            panic!("object type")
        };
        let keys: Vec<&String> = value.as_map().unwrap().keys().collect();
        assert_eq!(keys, attributes.keys().collect::<Vec<_>>());
        assert_eq!(value.get("realm_type").as_str(), Some("pve"));
        assert!(value.get("expiration_date").is_null());
        assert_eq!(value.get("groups"), &Value::set_of_strings(["ops", "dev"]));
    }
}
