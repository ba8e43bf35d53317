//! Data source `pve_user_tokens`: every API token of one user (never secrets).

use async_trait::async_trait;
use proxmox_client::UserId;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert::{self, check_known_string};
use crate::data_sources::user_token::UserTokenModel;

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

#[async_trait]
impl DataSource for UserTokensDataSource {
    fn type_name(&self) -> &str {
        "pve_user_tokens"
    }

    fn schema(&self) -> Schema {
        UserTokensModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(config, UserTokensModel::USER_ID, &mut diagnostics, |text| {
            text.parse::<UserId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let user: UserId = convert::id_attr(config, UserTokensModel::USER_ID, "ci@pve")?;
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
        let model = UserTokensModel {
            user_id: user.to_string(),
            tokens: tokens
                .iter()
                .map(|info| UserTokenModel::from_api(&user.token(&info.tokenid), info))
                .collect(),
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_user_tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists the API tokens of one Proxmox VE user, sorted by name. PVE never shows a token's secret after creation, so there are none here. Fails if the user does not exist."
)]
struct UserTokensModel {
    #[tf(required, description = "The owning user, `NAME@REALM`.")]
    user_id: String,
    #[tf(
        computed,
        description = "The tokens, each with `user_id`, `token_name`, `id` (`NAME@REALM!TOKEN`), `comment`, `expiration_date` (RFC 3339 UTC, null = never) and `privileges_separation`."
    )]
    tokens: Vec<UserTokenModel>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxmox_client::TokenInfo;
    use tfplugin::model::Field;
    use tfplugin::value::Type;

    #[test]
    fn entries_match_the_declared_object_type() {
        let info: TokenInfo =
            serde_json::from_value(serde_json::json!({"tokenid": "deploy"})).unwrap();
        let user: UserId = "ci@pve".parse().unwrap();
        let value = UserTokenModel::from_api(&user.token(&info.tokenid), &info).to_value();
        let Type::Object { attributes, .. } = UserTokenModel::ty() else {
            panic!("object type")
        };
        let keys: Vec<&String> = value.as_map().unwrap().keys().collect();
        assert_eq!(keys, attributes.keys().collect::<Vec<_>>());
    }
}
