//! Data source `pve_user_token`: one API token's settings (never its secret).

use async_trait::async_trait;
use proxmox_client::{TokenId, TokenInfo, TokenName, UserId};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

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
        Schema::new(Block {
            description: "Reads one API token of a Proxmox VE user. PVE never shows a token's secret after creation, so this has none. Fails if the token does not exist.".into(),
            attributes: vec![
                Attribute::required("user_id", Type::String).description("The owning user, `NAME@REALM`."),
                Attribute::required("token_name", Type::String).description("The token name (`deploy` in `ci@pve!deploy`)."),
                Attribute::computed("id", Type::String).description("The full token id `NAME@REALM!TOKEN`, as `pve_acl.token_id` expects it."),
                Attribute::computed("comment", Type::String).description("The comment, or null."),
                Attribute::computed("expiration_date", Type::String)
                    .description("When the token expires (RFC 3339, UTC), or null for never."),
                Attribute::computed("privileges_separation", Type::Bool)
                    .description("Whether the token is limited to its own ACLs (intersected with its user's privileges)."),
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
        check_known_string(config, "token_name", &mut diagnostics, |text| {
            text.parse::<TokenName>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `deploy`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let user: UserId = convert::id_attr(config, "user_id", "ci@pve")?;
        let name: TokenName = convert::id_attr(config, "token_name", "deploy")?;
        let token = user.token(&name);
        let connection = self.pve.connection()?;
        match connection.client().tokens(&user).get(&name).await {
            Ok(info) => Ok(token_value(&token, &info)),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("API token '{token}' does not exist"),
                "There is no such token (or no such user) on the PVE server. Check `user_id` and `token_name`.",
            )),
            Err(error) => Err(connection.diagnose(&format!("read API token '{token}'"), &error)),
        }
    }
}

/// The attributes of one token, shared with data `pve_user_tokens`.
pub(crate) fn token_value(token: &TokenId, info: &TokenInfo) -> Value {
    Value::object([
        ("user_id", Value::string(token.user().as_str())),
        ("token_name", Value::string(token.name().as_str())),
        ("id", Value::string(token.as_str())),
        ("comment", convert::opt_string(info.comment.clone())),
        (
            "expiration_date",
            convert::opt_string(convert::epoch_to_rfc3339(info.expire)),
        ),
        ("privileges_separation", Value::Bool(info.privsep)),
    ])
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
        let value = token_value(&token, &info);
        assert_eq!(value.get("id").as_str(), Some("ci@pve!deploy"));
        assert_eq!(value.get("privileges_separation"), &Value::Bool(false));
        assert_eq!(
            value.get("expiration_date").as_str(),
            Some("2030-01-01T00:00:00Z")
        );
        assert!(value.get("value").is_null());
    }
}
