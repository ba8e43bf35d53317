//! `list "pve_user_token"`: the API tokens of one user or of every user.

use async_trait::async_trait;
use proxmox_client::{ListUsers, UserId};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ListResource, ListResult};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert;
use crate::list::{Found, results, text};
use crate::resources::user_token::{TokenModel, UserTokenResource};

/// The `pve_user_token` list resource.
#[derive(Debug)]
pub struct UserTokenList {
    pve: Pve,
    resource: UserTokenResource,
}

impl UserTokenList {
    pub fn new(pve: &Pve) -> Self {
        UserTokenList {
            pve: pve.clone(),
            resource: UserTokenResource::new(pve),
        }
    }
}

#[async_trait]
impl ListResource for UserTokenList {
    fn type_name(&self) -> &str {
        "pve_user_token"
    }

    fn schema(&self) -> Schema {
        UserTokenListModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(
            config,
            UserTokenListModel::USER_ID,
            &mut diagnostics,
            |text| {
                text.parse::<UserId>()
                    .map(|_| ())
                    .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
            },
        );
        diagnostics
    }

    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics> {
        let connection = self.pve.connection()?;
        let client = connection.client();
        let mut tokens: Vec<(UserId, String)> = match text(config, UserTokenListModel::USER_ID) {
            Some(user) => {
                let user: UserId = convert::parse_id(&user, UserTokenListModel::USER_ID, "ci@pve")?;
                match client.tokens(&user).list().await {
                    Ok(list) => list
                        .into_iter()
                        .map(|token| (user.clone(), token.tokenid.to_string()))
                        .collect(),
                    Err(error) if error.is_not_found() => Vec::new(),
                    // PVE answers token calls for a missing user with 403:
                    // no such user, no tokens.
                    Err(error)
                        if error.is_permission()
                            && client
                                .users()
                                .get(&user)
                                .await
                                .is_err_and(|e| e.is_not_found()) =>
                    {
                        Vec::new()
                    }
                    Err(error) => {
                        return Err(
                            connection.diagnose(&format!("list tokens of '{user}'"), &error)
                        );
                    }
                }
            }
            None => client
                .users()
                .list_with(&ListUsers {
                    enabled: None,
                    full: true,
                })
                .await
                .map_err(|error| connection.diagnose("list users and their tokens", &error))?
                .into_iter()
                // root@pam's tokens only when asked for by `user_id`: they
                // are often the very credentials Terraform runs with.
                .filter(|user| user.userid.as_str() != "root@pam")
                .flat_map(|user| {
                    let id = user.userid.clone();
                    user.tokens
                        .into_iter()
                        .map(move |token| (id.clone(), token.tokenid.to_string()))
                })
                .collect(),
        };
        let prefix = text(config, UserTokenListModel::PREFIX).unwrap_or_default();
        tokens.retain(|(_, name)| name.starts_with(&prefix));
        tokens.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
        let found = tokens
            .into_iter()
            .map(|(user, name)| Found {
                display_name: format!("{user}!{name}"),
                identity: Value::object([
                    (TokenModel::USER_ID, Value::string(user.as_str())),
                    (TokenModel::TOKEN_NAME, Value::string(&name)),
                ]),
            })
            .collect();
        results(&self.resource, found, include_state, limit).await
    }
}

/// The configuration of `list "pve_user_token"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists API tokens, sorted by token id. Imported tokens have no `value`: PVE never shows a secret again."
)]
struct UserTokenListModel {
    #[tf(
        optional,
        description = "Only the tokens of this user, `NAME@REALM`. Unset: the tokens of every user but `root@pam` (one request); `root@pam`'s tokens, often the credentials Terraform itself runs with, are listed only when `user_id = \"root@pam\"`."
    )]
    user_id: Option<String>,
    #[tf(
        optional,
        description = "Only tokens whose name starts with this text."
    )]
    prefix: Option<String>,
}
