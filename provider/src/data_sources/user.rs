//! Data source `pve_user`: one user, its groups and the names of its API tokens.

use async_trait::async_trait;
use proxmox_client::{User, UserId};
use std::collections::BTreeSet;

use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert::{self, check_known_string};

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
        UserModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, UserModel::USER_ID, &mut diagnostics, |text| {
            text.parse::<UserId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let user: UserId = convert::id_attr(config, UserModel::USER_ID, "ci@pve")?;
        let connection = self.pve.connection()?;
        match connection.client().users().get(&user).await {
            Ok(found) => Ok(UserModel::from_api(&found).to_value()),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("User '{user}' does not exist"),
                "There is no such user on the PVE server (or it is not visible to the provider's credential). Check the id, `NAME@REALM`.",
            )),
            Err(error) => Err(connection.diagnose(&format!("read user '{user}'"), &error)),
        }
    }
}

/// The state of data `pve_user`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Reads one Proxmox VE user: its profile, expiry, groups and the names of its API tokens (never secrets). Fails if the user does not exist."
)]
struct UserModel {
    #[tf(required, description = "The user id, `NAME@REALM`.")]
    user_id: String,
    #[tf(computed, description = "The comment, or null.")]
    comment: Option<String>,
    #[tf(computed, description = "The e-mail address, or null.")]
    email: Option<String>,
    #[tf(computed, description = "The first name, or null.")]
    first_name: Option<String>,
    #[tf(computed, description = "The last name, or null.")]
    last_name: Option<String>,
    #[tf(computed, description = "Whether the user may log in.")]
    enabled: bool,
    #[tf(
        computed,
        description = "When the account expires (RFC 3339, UTC), or null for never."
    )]
    expiration_date: Option<String>,
    #[tf(computed, description = "The groups the user belongs to.")]
    groups: BTreeSet<String>,
    #[tf(
        computed,
        description = "The names of the user's API tokens (`deploy` in `ci@pve!deploy`); see data `pve_user_tokens` for details."
    )]
    token_names: BTreeSet<String>,
}

impl UserModel {
    fn from_api(found: &User) -> Self {
        UserModel {
            user_id: found.userid.to_string(),
            comment: found.comment.clone(),
            email: found.email.clone(),
            first_name: found.firstname.clone(),
            last_name: found.lastname.clone(),
            enabled: found.enable,
            expiration_date: convert::epoch_to_rfc3339(found.expire),
            groups: found.groups.iter().map(ToString::to_string).collect(),
            token_names: found.tokens.iter().map(|t| t.tokenid.to_string()).collect(),
        }
    }
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
        let value = UserModel::from_api(&found).to_value();
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
