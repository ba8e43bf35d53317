//! Data source `pve_user_tokens`: every API token of one user (never secrets).

use async_trait::async_trait;
use proxmox_client::UserId;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{self, check_known_string, object_type};
use crate::data_sources::user_token::token_value;

/// The `pve_user_tokens` data source.
#[derive(Debug)]
pub struct UserTokensDataSource {
    pve: Pve,
}

impl UserTokensDataSource {
    /// The data source, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UserTokensDataSource { pve: pve.clone() }
    }
}

fn token_type() -> Type {
    object_type(&[
        ("user_id", Type::String),
        ("token_name", Type::String),
        ("id", Type::String),
        ("comment", Type::String),
        ("expiration_date", Type::String),
        ("privileges_separation", Type::Bool),
    ])
}

#[async_trait]
impl DataSource for UserTokensDataSource {
    fn type_name(&self) -> &str {
        "pve_user_tokens"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Lists the API tokens of one Proxmox VE user, sorted by name. PVE never shows a token's secret after creation, so there are none here. Fails if the user does not exist.".into(),
            attributes: vec![
                Attribute::required("user_id", Type::String).description("The owning user, `NAME@REALM`."),
                Attribute::computed("tokens", Type::List(Box::new(token_type()))).description(
                    "The tokens, each with `user_id`, `token_name`, `id` (`NAME@REALM!TOKEN`), `comment`, `expiration_date` (RFC 3339 UTC, null = never) and `privileges_separation`.",
                ),
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
        let mut tokens = match connection.client().tokens(&user).list().await {
            Ok(tokens) => tokens,
            Err(error) if error.is_not_found() => {
                return Err(Diagnostics::error(
                    format!("User '{user}' does not exist"),
                    "There is no such user on the PVE server. Check the id, `NAME@REALM`.",
                ));
            }
            Err(error) => {
                return Err(connection.diagnose(&format!("list API tokens of '{user}'"), &error));
            }
        };
        // PVE lists tokens in hash order; sort so the list is stable.
        tokens.sort_by(|a, b| a.tokenid.cmp(&b.tokenid));
        Ok(Value::object([
            ("user_id", Value::string(user.as_str())),
            (
                "tokens",
                Value::list(
                    tokens
                        .iter()
                        .map(|info| token_value(&user.token(&info.tokenid), info)),
                ),
            ),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxmox_client::TokenInfo;

    #[test]
    fn entries_match_the_declared_object_type() {
        let info: TokenInfo =
            serde_json::from_value(serde_json::json!({"tokenid": "deploy"})).unwrap();
        let user: UserId = "ci@pve".parse().unwrap();
        let value = token_value(&user.token(&info.tokenid), &info);
        let Type::Object { attributes, .. } = token_type() else {
            panic!("object type")
        };
        let keys: Vec<&String> = value.as_map().unwrap().keys().collect();
        assert_eq!(keys, attributes.keys().collect::<Vec<_>>());
    }
}
