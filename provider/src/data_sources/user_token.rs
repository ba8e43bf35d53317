//! Data source `pve_user_token`: one API token's settings (never its secret).

use async_trait::async_trait;
use proxmox_client::{TokenId, TokenInfo, TokenName, UserId};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert::{self, check_known_string};

/// The `pve_user_token` data source.
#[derive(Debug)]
pub struct UserTokenDataSource {
    pve: Pve,
}

impl UserTokenDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UserTokenDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for UserTokenDataSource {
    fn type_name(&self) -> &str {
        "pve_user_token"
    }

    fn schema(&self) -> Schema {
        UserTokenModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, UserTokenModel::USER_ID, &mut diagnostics, |text| {
            text.parse::<UserId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
        });
        check_known_string(
            config,
            UserTokenModel::TOKEN_NAME,
            &mut diagnostics,
            |text| {
                text.parse::<TokenName>()
                    .map(drop)
                    .map_err(|error| format!("{error}. Use a value like `deploy`."))
            },
        );
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let user: UserId = convert::id_attr(config, UserTokenModel::USER_ID, "ci@pve")?;
        let name: TokenName = convert::id_attr(config, UserTokenModel::TOKEN_NAME, "deploy")?;
        let token = user.token(&name);
        let connection = self.pve.connection()?;
        match connection.client().tokens(&user).get(&name).await {
            Ok(info) => Ok(UserTokenModel::from_api(&token, &info).to_value()),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("API token '{token}' does not exist"),
                "There is no such token (or no such user) on the PVE server. Check `user_id` and `token_name`.",
            )),
            Err(error) => Err(connection.diagnose(&format!("read API token '{token}'"), &error)),
        }
    }
}

/// One token: data `pve_user_token`, and each entry of data `pve_user_tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Reads one API token of a Proxmox VE user. PVE never shows a token's secret after creation, so this has none. Fails if the token does not exist."
)]
pub(crate) struct UserTokenModel {
    #[tf(required, description = "The owning user, `NAME@REALM`.")]
    user_id: String,
    #[tf(
        required,
        description = "The token name (`deploy` in `ci@pve!deploy`)."
    )]
    token_name: String,
    #[tf(
        computed,
        description = "The full token id `NAME@REALM!TOKEN`, as `pve_acl.token_id` expects it."
    )]
    id: String,
    #[tf(computed, description = "The comment, or null.")]
    comment: Option<String>,
    #[tf(
        computed,
        description = "When the token expires (RFC 3339, UTC), or null for never."
    )]
    expiration_date: Option<String>,
    #[tf(
        computed,
        description = "Whether the token is limited to its own ACLs (intersected with its user's privileges)."
    )]
    privileges_separation: bool,
}

impl UserTokenModel {
    pub(crate) fn from_api(token: &TokenId, info: &TokenInfo) -> Self {
        UserTokenModel {
            user_id: token.user().to_string(),
            token_name: token.name().to_string(),
            id: token.to_string(),
            comment: info.comment.clone(),
            expiration_date: convert::epoch_to_rfc3339(info.expire),
            privileges_separation: info.privsep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_settings_without_any_secret() {
        let token: TokenId = "ci@pve!deploy".parse().unwrap();
        let info: TokenInfo = serde_json::from_value(serde_json::json!(
            {"tokenid": "deploy", "privsep": 0, "expire": 1_893_456_000, "comment": "CI"}
        ))
        .unwrap();
        let value = UserTokenModel::from_api(&token, &info).to_value();
        assert_eq!(value.get("id").as_str(), Some("ci@pve!deploy"));
        assert_eq!(value.get("privileges_separation"), &Value::Bool(false));
        assert_eq!(
            value.get("expiration_date").as_str(),
            Some("2030-01-01T00:00:00Z")
        );
        assert!(value.get("value").is_null());
    }
}
