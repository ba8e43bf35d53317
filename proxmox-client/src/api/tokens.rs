//! API tokens: `/access/users/{userid}/token[/{tokenid}]`.

use std::fmt;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::api::{decode, with_field};
use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{ApiToken, Client, Error, Secret, TokenId, TokenName, UserId};

/// An API token's settings (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The token name (`ci` in `root@pam!ci`).
    pub tokenid: TokenName,
    /// Privilege separation: the token has only its own ACLs, intersected
    /// with the user's (PVE default: true).
    #[serde(default = "default_true", deserialize_with = "de::bool_lenient")]
    pub privsep: bool,
    /// Expiry in epoch seconds; 0 = never (the token still stops with its user).
    #[serde(default, deserialize_with = "de::i64_lenient")]
    pub expire: i64,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub comment: Option<String>,
}

fn default_true() -> bool {
    true
}

/// Decodes `tokens` as PVE sends it: `null`, an array of entries (user list),
/// or an object keyed by token name (GET user).
pub(crate) fn tokens_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<TokenInfo>, D::Error> {
    use serde::de::Error as _;
    match Value::deserialize(d)? {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(D::Error::custom))
            .collect(),
        Value::Object(map) => {
            let mut out: Vec<TokenInfo> = map
                .into_iter()
                .map(|(name, v)| {
                    serde_json::from_value(with_field(v, "tokenid", &name))
                        .map_err(D::Error::custom)
                })
                .collect::<Result<_, _>>()?;
            out.sort_by(|a, b| a.tokenid.cmp(&b.tokenid));
            Ok(out)
        }
        other => Err(D::Error::custom(format!(
            "expected tokens as null, a list or an object, got {other}"
        ))),
    }
}

/// A token with its secret, as returned once by create or regenerate.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedToken {
    /// The full token id `user@realm!name`.
    pub id: TokenId,
    /// The token's settings.
    pub info: TokenInfo,
    /// The secret (a UUID). PVE shows it only now; store it.
    pub secret: Secret,
}

impl CreatedToken {
    /// The credential `user@realm!name=secret`, ready for [`crate::ClientBuilder::api_token`].
    pub fn api_token(&self) -> ApiToken {
        ApiToken::new(self.id.clone(), self.secret.clone())
    }
}

impl fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedToken")
            .field("id", &self.id)
            .field("info", &self.info)
            .field("secret", &self.secret)
            .finish()
    }
}

/// Parameters of token creation. Unset fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateToken {
    /// Comment.
    pub comment: Option<String>,
    /// Expiry in epoch seconds; 0 or unset = never.
    pub expire: Option<i64>,
    /// Privilege separation (PVE default: true).
    pub privsep: Option<bool>,
}

/// Parameters of a token update. `None` leaves a field unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateToken {
    /// New comment.
    pub comment: Option<String>,
    /// New expiry (0 = never).
    pub expire: Option<i64>,
    /// New privilege separation.
    pub privsep: Option<bool>,
    /// Remove the comment with `delete=comment` (PVE ≥ 9.0.4). Ignored when
    /// `comment` is set. Servers before 9.0.4 do not know `delete`; there,
    /// set `comment: Some(String::new())` instead.
    pub clear_comment: bool,
}

impl UpdateToken {
    fn to_params(&self) -> Params {
        let mut p = Params::new();
        p.opt("comment", self.comment.as_deref())
            .opt("expire", self.expire)
            .opt_bool("privsep", self.privsep);
        if self.clear_comment && self.comment.is_none() {
            p.put("delete", "comment");
        }
        p
    }
}

/// Handler for one user's API tokens. Get one with [`Client::tokens`].
#[derive(Debug, Clone)]
pub struct TokensHandler<'c> {
    client: &'c Client,
    user: UserId,
}

impl Client {
    /// API tokens of `user`.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::{CreateToken, TokenName, UserId};
    /// let user: UserId = "ci@pve".parse()?;
    /// let name: TokenName = "deploy".parse()?;
    /// let created = client.tokens(&user).create(&name, &CreateToken {
    ///     privsep: Some(true),
    ///     ..Default::default()
    /// }).await?;
    /// let credential = created.api_token(); // user@realm!name=secret: store it now
    /// # drop(credential); Ok(()) }
    /// ```
    pub fn tokens(&self, user: &UserId) -> TokensHandler<'_> {
        TokensHandler {
            client: self,
            user: user.clone(),
        }
    }
}

impl TokensHandler<'_> {
    fn segments<'a>(&'a self, name: Option<&'a TokenName>) -> Vec<&'a str> {
        let mut s = vec!["access", "users", self.user.as_str(), "token"];
        if let Some(n) = name {
            s.push(n.as_str());
        }
        s
    }

    fn path(&self, name: &TokenName) -> String {
        format!("/access/users/{}/token/{name}", self.user)
    }

    /// The user's tokens.
    pub async fn list(&self) -> Result<Vec<TokenInfo>, Error> {
        self.client
            .execute_list(ApiRequest::get(&self.segments(None)))
            .await
    }

    /// One token's settings.
    pub async fn get(&self, name: &TokenName) -> Result<TokenInfo, Error> {
        let data: Value = self
            .client
            .execute(ApiRequest::get(&self.segments(Some(name))))
            .await?;
        decode(
            "GET",
            &self.path(name),
            with_field(data, "tokenid", name.as_str()),
        )
    }

    /// Creates a token and returns its secret (shown only once). Not retried
    /// after a failure in transit ([`Error::OutcomeUnknown`]): the secret of
    /// a token created by a lost answer cannot be recovered, so delete and
    /// re-create it.
    pub async fn create(
        &self,
        name: &TokenName,
        token: &CreateToken,
    ) -> Result<CreatedToken, Error> {
        let mut p = Params::new();
        p.opt("comment", token.comment.as_deref())
            .opt("expire", token.expire)
            .opt_bool("privsep", token.privsep);
        let data: Value = self
            .client
            .execute(ApiRequest::post(&self.segments(Some(name))).form(p))
            .await?;
        self.created("POST", name, data)
    }

    /// Updates a token and returns its new settings.
    pub async fn update(&self, name: &TokenName, update: &UpdateToken) -> Result<TokenInfo, Error> {
        let data: Value = self
            .client
            .execute(
                ApiRequest::put(&self.segments(Some(name)))
                    .form(update.to_params())
                    .idempotent(true),
            )
            .await?;
        match data {
            // Servers before access-control 9.1 may answer null.
            Value::Object(_) => decode(
                "PUT",
                &self.path(name),
                with_field(data, "tokenid", name.as_str()),
            ),
            _ => self.get(name).await,
        }
    }

    /// Replaces the token's secret (`regenerate=1`, PVE ≥ 9.1) and returns the
    /// new one. Not retried after a failure in transit.
    pub async fn regenerate(&self, name: &TokenName) -> Result<CreatedToken, Error> {
        let mut p = Params::new();
        p.bool("regenerate", true);
        let result: Result<Value, Error> = self
            .client
            .execute(ApiRequest::put(&self.segments(Some(name))).form(p))
            .await;
        let data = match result {
            Err(Error::Parameter(e)) if e.errors.contains_key("regenerate") => {
                return Err(Error::Unsupported(format!(
                    "token regeneration needs PVE 9.1 or later ({}); delete and re-create the token instead",
                    e.errors["regenerate"]
                )));
            }
            other => other?,
        };
        if data.get("value").is_none() {
            return Err(Error::Unsupported(
                "the server did not return a new token secret (token regeneration needs PVE 9.1 or later); delete and re-create the token instead".into(),
            ));
        }
        let info = with_field(data.clone(), "tokenid", name.as_str());
        let wrapped = serde_json::json!({
            "full-tokenid": data.get("full-tokenid").cloned().unwrap_or_else(|| Value::String(self.user.token(name).to_string())),
            "info": info,
            "value": data.get("value").cloned().unwrap_or(Value::Null),
        });
        self.created("PUT", name, wrapped)
    }

    /// Deletes a token.
    pub async fn delete(&self, name: &TokenName) -> Result<(), Error> {
        self.client
            .execute_unit(ApiRequest::delete(&self.segments(Some(name))))
            .await
    }

    fn created(&self, method: &str, name: &TokenName, data: Value) -> Result<CreatedToken, Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "full-tokenid")]
            full_tokenid: Option<TokenId>,
            #[serde(default)]
            info: Value,
            value: Secret,
        }
        let raw: Raw = decode(method, &self.path(name), data)?;
        let info = match raw.info {
            Value::Object(_) => raw.info,
            _ => serde_json::json!({}),
        };
        let info: TokenInfo = decode(
            method,
            &self.path(name),
            with_field(info, "tokenid", name.as_str()),
        )?;
        Ok(CreatedToken {
            id: raw.full_tokenid.unwrap_or_else(|| self.user.token(name)),
            info,
            secret: raw.value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_encodes_delete_comment() {
        let u = UpdateToken {
            clear_comment: true,
            expire: Some(0),
            privsep: Some(false),
            ..Default::default()
        };
        assert_eq!(u.to_params().to_form(), "expire=0&privsep=0&delete=comment");
    }

    #[test]
    fn created_token_debug_hides_secret() {
        let t = CreatedToken {
            id: "a@pve!ci".parse().unwrap(),
            info: TokenInfo {
                tokenid: "ci".parse().unwrap(),
                privsep: true,
                expire: 0,
                comment: None,
            },
            secret: Secret::new("0e1f-secret-uuid"),
        };
        assert!(!format!("{t:?}").contains("0e1f"));
        assert_eq!(t.api_token().secret().expose(), "0e1f-secret-uuid");
    }
}
