//! Data source `pve_user`: one user, its groups and the names of its API tokens.

use async_trait::async_trait;
use proxmox_client::{User, UserId};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{self, check_known_string, string_set};

/// The `pve_user` data source.
#[derive(Debug)]
pub struct UserDataSource {
    pve: Pve,
}

impl UserDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UserDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for UserDataSource {
    fn type_name(&self) -> &str {
        "pve_user"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Reads one Proxmox VE user: its profile, expiry, groups and the names of its API tokens (never secrets). Fails if the user does not exist.".into(),
            attributes: vec![
                Attribute::required("user_id", Type::String).description("The user id, `NAME@REALM`."),
                Attribute::computed("comment", Type::String).description("The comment, or null."),
                Attribute::computed("email", Type::String).description("The e-mail address, or null."),
                Attribute::computed("first_name", Type::String).description("The first name, or null."),
                Attribute::computed("last_name", Type::String).description("The last name, or null."),
                Attribute::computed("enabled", Type::Bool).description("Whether the user may log in."),
                Attribute::computed("expiration_date", Type::String)
                    .description("When the account expires (RFC 3339, UTC), or null for never."),
                Attribute::computed("groups", string_set()).description("The groups the user belongs to."),
                Attribute::computed("token_names", string_set())
                    .description("The names of the user's API tokens (`deploy` in `ci@pve!deploy`); see data `pve_user_tokens` for details."),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, "user_id", &mut diagnostics, |text| {
            text.parse::<UserId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let user: UserId = convert::id_attr(config, "user_id", "ci@pve")?;
        let connection = self.pve.connection()?;
        match connection.client().users().get(&user).await {
            Ok(found) => Ok(user_value(&found)),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("User '{user}' does not exist"),
                "There is no such user on the PVE server (or it is not visible to the provider's credential). Check the id, `NAME@REALM`.",
            )),
            Err(error) => Err(connection.diagnose(&format!("read user '{user}'"), &error)),
        }
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
        (
            "token_names",
            Value::set_of_strings(found.tokens.iter().map(|t| t.tokenid.to_string())),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_field() {
        let found: User = serde_json::from_value(serde_json::json!({
            "userid": "ci@pve", "enable": 0, "expire": 1_893_456_000, "email": "ci@example.com",
            "groups": ["ops", "dev"], "tokens": {"deploy": {"privsep": 1, "expire": 0}}
        }))
        .unwrap();
        let value = user_value(&found);
        assert_eq!(value.get("enabled"), &Value::Bool(false));
        assert_eq!(
            value.get("expiration_date").as_str(),
            Some("2030-01-01T00:00:00Z")
        );
        assert_eq!(value.get("groups"), &Value::set_of_strings(["dev", "ops"]));
        assert_eq!(value.get("token_names"), &Value::set_of_strings(["deploy"]));
        assert!(value.get("comment").is_null());
    }
}
