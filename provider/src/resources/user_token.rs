//! `pve_user_token`: an API token of a user, and its secret, shown once.

use std::fmt;

use async_trait::async_trait;
use proxmox_client::{
    CreateToken, CreatedToken, TokenId, TokenInfo, TokenName, UpdateToken, UserId,
};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ImportRequest, Resource, ResourceState};
use tfplugin::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::{Connection, Pve};
use crate::convert::{self, check_known_string};

const TOKEN_EXAMPLE: &str = "ci@pve!deploy";

/// The `pve_user_token` resource.
#[derive(Debug)]
pub struct UserTokenResource {
    pve: Pve,
}

impl UserTokenResource {
    /// The resource, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UserTokenResource { pve: pve.clone() }
    }
}

#[async_trait]
impl Resource for UserTokenResource {
    fn type_name(&self) -> &str {
        "pve_user_token"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "An API token of a Proxmox VE user (`/access/users/{userid}/token/{tokenid}`). PVE shows the secret only when the token is created: `value` holds it, ready to use as `PROXMOX_VE_API_TOKEN`. \
Import with the full token id: `terraform import pve_user_token.NAME ci@pve!deploy` (the secret cannot be read back, so an imported token has a null `value`)."
                .into(),
            attributes: vec![
                Attribute::required("user_id", Type::String)
                    .description("The owning user, `NAME@REALM`. Changing it replaces the token (a new secret).")
                    .requires_replace(),
                Attribute::required("token_name", Type::String)
                    .description("The token name (`deploy` in `ci@pve!deploy`): a letter, then letters, digits, `.`, `-`, `_`. Changing it replaces the token (a new secret).")
                    .requires_replace(),
                Attribute::optional("comment", Type::String)
                    .description("A free-text comment. Leave it unset (not `\"\"`) for none."),
                Attribute::optional("expiration_date", Type::String).description(
                    "When the token expires, as an RFC 3339 timestamp in whole seconds (`2030-01-31T23:59:59Z`). Unset means never (the token still stops working when its user is disabled or expires).",
                ),
                Attribute::optional("privileges_separation", Type::Bool)
                    .description("Privilege separation: when `true` (the default) the token has only the privileges of its own ACLs (`pve_acl.token_id`), intersected with its user's; when `false` it has all of its user's privileges. Changed in place.")
                    .default_value(Value::Bool(true)),
                Attribute::computed("id", Type::String)
                    .description("The full token id `NAME@REALM!TOKEN`, as `pve_acl.token_id` expects it.")
                    .use_state_for_unknown(),
                Attribute::computed("value", Type::String)
                    .description("The complete API token `NAME@REALM!TOKEN=SECRET`, ready for `PROXMOX_VE_API_TOKEN` or the provider's `api_token`. Known only to the apply that created the token and kept in state from then on (protect your state); in-place updates keep it. Null after `terraform import`, because PVE never shows a secret again: to get a usable value, replace the token (`terraform apply -replace=ADDRESS`).")
                    .sensitive()
                    .use_state_for_unknown(),
            ],
            ..Block::default()
        })
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        let attribute = |name: &str, description: &str| IdentityAttribute {
            name: name.into(),
            ty: Type::String,
            required_for_import: true,
            optional_for_import: false,
            description: description.into(),
        };
        Some(IdentitySchema {
            version: 0,
            attributes: vec![
                attribute("user_id", "The owning user, `NAME@REALM`."),
                attribute("token_name", "The token name."),
            ],
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = TokenModel::from_value(planned)?;
        let token = model.token_id()?;
        let connection = self.pve.connection()?;
        let request = CreateToken {
            comment: model.comment.clone(),
            expire: Some(model.expire()?).filter(|expire| *expire > 0),
            privsep: Some(model.privileges_separation),
        };
        let id = token.clone();
        let created = match connection
            .write(
                |client| async move { client.tokens(id.user()).create(id.name(), &request).await },
            )
            .await
        {
            Ok(created) => created,
            Err(error) if error.is_conflict() => {
                return Err(Diagnostics::from(
                    Diagnostic::error(
                        format!("API token '{token}' already exists"),
                        format!(
                            "User '{}' already has a token '{}'. Import it with `terraform import pve_user_token.NAME {token}` (its secret cannot be recovered, so `value` stays null), or choose another token_name.\n\n{error}",
                            token.user(),
                            token.name()
                        ),
                    )
                    .at_attribute("token_name"),
                ));
            }
            Err(error) if error.is_outcome_unknown() => {
                adopt_interrupted(&connection, &token, &model, &error).await?
            }
            Err(error) => {
                return Err(connection.diagnose(&format!("create API token '{token}'"), &error));
            }
        };
        let value = format!("{}={}", created.id, created.secret.expose());
        // The secret exists only here: never fail from now on, or it is lost.
        let info = connection
            .client()
            .tokens(token.user())
            .get(token.name())
            .await
            .unwrap_or_else(|_| created.info.clone());
        Ok(TokenModel::from_api(&token, &info, &model, Some(value)).into_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let prior = TokenModel::from_value(&current.state)?;
        let token = prior.token_id()?;
        let connection = self.pve.connection()?;
        match connection
            .client()
            .tokens(token.user())
            .get(token.name())
            .await
        {
            Ok(info) => Ok(Some(
                TokenModel::from_api(&token, &info, &prior, prior.value.clone()).into_state(),
            )),
            // A missing user reads as "no such user": the token is gone too.
            Err(error) if error.is_not_found() => Ok(None),
            Err(error)
                if error.is_permission() && user_is_gone(&connection, token.user()).await =>
            {
                Ok(None)
            }
            Err(error) => Err(connection.diagnose(&format!("read API token '{token}'"), &error)),
        }
    }

    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let before = TokenModel::from_value(&prior.state)?;
        let after = TokenModel::from_value(planned)?;
        let token = after.token_id()?;
        let connection = self.pve.connection()?;
        let request = after.update_request(&before)?;
        let info = if request == UpdateToken::default() {
            None
        } else {
            let id = token.clone();
            Some(
                connection
                    .write(|client| async move {
                        client.tokens(id.user()).update(id.name(), &request).await
                    })
                    .await
                    .map_err(|error| {
                        connection.diagnose(&format!("update API token '{token}'"), &error)
                    })?,
            )
        };
        let info = match info {
            Some(info) => info,
            None => connection
                .client()
                .tokens(token.user())
                .get(token.name())
                .await
                .map_err(|error| {
                    connection.diagnose(&format!("read API token '{token}'"), &error)
                })?,
        };
        // The secret never changes in place.
        Ok(TokenModel::from_api(&token, &info, &after, before.value.clone()).into_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let token = TokenModel::from_value(&prior.state)?.token_id()?;
        let connection = self.pve.connection()?;
        let id = token.clone();
        match connection
            .write(|client| async move { client.tokens(id.user()).delete(id.name()).await })
            .await
        {
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error)
                if error.is_permission() && user_is_gone(&connection, token.user()).await =>
            {
                Ok(())
            }
            Err(error) => Err(connection.diagnose(&format!("delete API token '{token}'"), &error)),
        }
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let token = parse_import_id(request)?;
        let connection = self.pve.connection()?;
        let info = match connection
            .client()
            .tokens(token.user())
            .get(token.name())
            .await
        {
            Ok(info) => info,
            Err(error) if error.is_not_found() => {
                return Err(Diagnostics::error(
                    format!("API token '{token}' does not exist"),
                    "There is no such token (or no such user) on the PVE server, so there is nothing to import. Check the id (`NAME@REALM!TOKEN`), or let Terraform create it.",
                ));
            }
            Err(error) => {
                return Err(connection.diagnose(&format!("read API token '{token}'"), &error));
            }
        };
        let start = TokenModel::for_token(&token);
        Ok(vec![
            TokenModel::from_api(&token, &info, &start, None).into_state(),
        ])
    }
}

/// Whether `user` no longer exists. For a caller other than `root@pam`, PVE
/// answers token calls of a missing user with 403 (the `self` or
/// `userid-group` check fails before any lookup), while `GET` of the user
/// itself says "no such user": ask that before calling the token gone.
async fn user_is_gone(connection: &Connection, user: &UserId) -> bool {
    matches!(connection.client().users().get(user).await, Err(error) if error.is_not_found())
}

/// After a create whose answer was lost: if PVE has the token as planned,
/// give it a fresh secret (the lost one is unrecoverable) and adopt it.
async fn adopt_interrupted(
    connection: &Connection,
    token: &TokenId,
    model: &TokenModel,
    error: &proxmox_client::Error,
) -> Result<CreatedToken, Diagnostics> {
    let found = match connection
        .client()
        .tokens(token.user())
        .get(token.name())
        .await
    {
        Ok(found) => found,
        Err(_) => return Err(connection.diagnose(&format!("create API token '{token}'"), error)),
    };
    let read = TokenModel::from_api(token, &found, model, None);
    if read.comment != model.comment
        || read.expiration_date != model.expiration_date
        || read.privileges_separation != model.privileges_separation
    {
        return Err(Diagnostics::error(
            format!("API token '{token}' exists with other settings"),
            format!(
                "The create request was interrupted and a token '{token}' now exists, but not as planned; it may belong to someone else. Inspect it, then delete it or import it (`terraform import pve_user_token.NAME {token}`).\n\n{error}"
            ),
        ));
    }
    let id = token.clone();
    let regenerated = connection
        .write(|client| async move { client.tokens(id.user()).regenerate(id.name()).await })
        .await;
    let regenerate_error = match regenerated {
        Ok(created) => return Ok(created),
        Err(regenerate_error) => regenerate_error,
    };
    // A token without a known secret is useless and would block the next
    // apply ("already exists"): remove it so that apply starts clean.
    let id = token.clone();
    let removed = connection
        .write(|client| async move { client.tokens(id.user()).delete(id.name()).await })
        .await;
    // The delete's answer may be lost too: look rather than trust it.
    let gone = removed.is_ok()
        || matches!(
            connection.client().tokens(token.user()).get(token.name()).await,
            Err(probe) if probe.is_not_found()
        );
    let next_step = if gone {
        "It was deleted again; run `terraform apply` again to create it.".to_string()
    } else {
        format!(
            "Delete the token (`pveum user token remove {} {}`) and apply again.",
            token.user(),
            token.name()
        )
    };
    Err(Diagnostics::error(
        format!("API token '{token}' was created but its secret was lost"),
        format!(
            "The create request was interrupted after PVE created the token, and its secret could not be replaced ({regenerate_error}). {next_step}\n\n{error}"
        ),
    ))
}

/// Checks what can be checked without PVE; unknown values are skipped.
fn validate_config(config: &Value) -> Diagnostics {
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
    check_known_string(config, "comment", &mut diagnostics, |text| {
        if text.is_empty() {
            Err(
                "PVE does not store an empty comment; leave `comment` unset instead of \"\"."
                    .into(),
            )
        } else {
            Ok(())
        }
    });
    check_known_string(config, "expiration_date", &mut diagnostics, |text| {
        convert::rfc3339_to_epoch(text).map(drop)
    });
    diagnostics
}

fn parse_import_id(request: &ImportRequest) -> Result<TokenId, Diagnostics> {
    let hint = format!(
        "The import id of pve_user_token is the full token id, e.g. `terraform import pve_user_token.NAME {TOKEN_EXAMPLE}`."
    );
    let result = match &request.identity {
        Some(identity) => {
            let user = identity
                .get("user_id")
                .as_str()
                .unwrap_or_default()
                .parse::<UserId>();
            let name = identity
                .get("token_name")
                .as_str()
                .unwrap_or_default()
                .parse::<TokenName>();
            user.and_then(|user| name.map(|name| user.token(&name)))
        }
        None => request.id.trim().parse::<TokenId>(),
    };
    result.map_err(|error| Diagnostics::error("Invalid import id", format!("{error}. {hint}")))
}

/// The state of one `pve_user_token`.
#[derive(Clone, PartialEq, Eq)]
struct TokenModel {
    user_id: String,
    token_name: String,
    comment: Option<String>,
    expiration_date: Option<String>,
    privileges_separation: bool,
    /// `NAME@REALM!TOKEN=SECRET`; `None` when unknown (being created) or imported.
    value: Option<String>,
}

// The value holds the secret: never print it.
impl fmt::Debug for TokenModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenModel")
            .field("user_id", &self.user_id)
            .field("token_name", &self.token_name)
            .field("comment", &self.comment)
            .field("expiration_date", &self.expiration_date)
            .field("privileges_separation", &self.privileges_separation)
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl TokenModel {
    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        Ok(TokenModel {
            user_id: convert::required_string(value, "user_id")?,
            token_name: convert::required_string(value, "token_name")?,
            comment: convert::string(value, "comment")?,
            expiration_date: convert::string(value, "expiration_date")?,
            privileges_separation: convert::bool(value, "privileges_separation")?.unwrap_or(true),
            value: value.get("value").as_str().map(str::to_string),
        })
    }

    /// What an import starts from: only the id is known.
    fn for_token(token: &TokenId) -> Self {
        TokenModel {
            user_id: token.user().to_string(),
            token_name: token.name().to_string(),
            comment: None,
            expiration_date: None,
            privileges_separation: true,
            value: None,
        }
    }

    /// The state for `info`, keeping the expiry spelling of `prior` and the given secret.
    fn from_api(
        token: &TokenId,
        info: &TokenInfo,
        prior: &TokenModel,
        value: Option<String>,
    ) -> Self {
        TokenModel {
            user_id: token.user().to_string(),
            token_name: token.name().to_string(),
            comment: info.comment.clone(),
            expiration_date: convert::expiration_from_api(
                info.expire,
                prior.expiration_date.as_deref(),
            ),
            privileges_separation: info.privsep,
            value,
        }
    }

    fn token_id(&self) -> Result<TokenId, Diagnostics> {
        let user: UserId = convert::parse_id(&self.user_id, "user_id", "ci@pve")?;
        let name: TokenName = convert::parse_id(&self.token_name, "token_name", "deploy")?;
        Ok(user.token(&name))
    }

    fn expire(&self) -> Result<i64, Diagnostics> {
        match &self.expiration_date {
            None => Ok(0),
            Some(text) => convert::rfc3339_to_epoch(text)
                .map_err(|detail| Diagnostics::from(convert::invalid("expiration_date", detail))),
        }
    }

    /// Only what changed from `before`. An empty comment removes the
    /// comment on every PVE version (`delete=comment` needs 9.0.4).
    fn update_request(&self, before: &TokenModel) -> Result<UpdateToken, Diagnostics> {
        let expire = self.expire()?;
        Ok(UpdateToken {
            comment: (self.comment != before.comment)
                .then(|| self.comment.clone().unwrap_or_default()),
            expire: (before.expire().ok() != Some(expire)).then_some(expire),
            privsep: (self.privileges_separation != before.privileges_separation)
                .then_some(self.privileges_separation),
            clear_comment: false,
        })
    }

    fn to_value(&self) -> Value {
        let id = format!("{}!{}", self.user_id, self.token_name);
        Value::object([
            ("user_id", Value::string(&self.user_id)),
            ("token_name", Value::string(&self.token_name)),
            ("comment", convert::opt_string(self.comment.clone())),
            (
                "expiration_date",
                convert::opt_string(self.expiration_date.clone()),
            ),
            (
                "privileges_separation",
                Value::Bool(self.privileges_separation),
            ),
            ("id", Value::String(id)),
            ("value", convert::opt_string(self.value.clone())),
        ])
    }

    fn into_state(self) -> ResourceState {
        ResourceState {
            state: self.to_value(),
            identity: Some(Value::object([
                ("user_id", Value::string(&self.user_id)),
                ("token_name", Value::string(&self.token_name)),
            ])),
            private: Vec::new(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn token() -> TokenId {
        TOKEN_EXAMPLE.parse().unwrap()
    }

    fn model() -> TokenModel {
        TokenModel {
            comment: Some("deploys".into()),
            expiration_date: Some("2030-01-01T00:00:00Z".into()),
            value: Some("ci@pve!deploy=0e1f2a3b-secret".into()),
            ..TokenModel::for_token(&token())
        }
    }

    fn info(json: serde_json::Value) -> TokenInfo {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn state_round_trips_and_derives_the_id() {
        let state = model().into_state();
        assert_eq!(state.state.get("id").as_str(), Some("ci@pve!deploy"));
        assert_eq!(TokenModel::from_value(&state.state).unwrap(), model());
        let identity = state.identity.unwrap();
        assert_eq!(identity.get("token_name").as_str(), Some("deploy"));
    }

    #[test]
    fn planned_unknown_value_reads_as_none() {
        let mut planned = model().to_value();
        planned.set_attr("value", Value::Unknown);
        planned.set_attr("id", Value::Unknown);
        assert_eq!(TokenModel::from_value(&planned).unwrap().value, None);
    }

    #[test]
    fn read_maps_api_fields_and_keeps_the_secret() {
        let found = info(serde_json::json!({"tokenid": "deploy", "privsep": "0", "expire": 0}));
        let read = TokenModel::from_api(&token(), &found, &model(), model().value);
        assert_eq!(read.comment, None);
        assert_eq!(read.expiration_date, None, "0 is never, not 1970");
        assert!(!read.privileges_separation);
        assert_eq!(read.value, model().value);
    }

    #[test]
    fn update_sends_only_changes() {
        let before = model();
        let mut after = model();
        after.comment = None;
        after.privileges_separation = false;
        let request = after.update_request(&before).unwrap();
        assert_eq!(request.comment.as_deref(), Some(""));
        assert_eq!(request.privsep, Some(false));
        assert_eq!(request.expire, None);
        assert_eq!(
            model().update_request(&before).unwrap(),
            UpdateToken::default()
        );
        after.expiration_date = None;
        assert_eq!(after.update_request(&before).unwrap().expire, Some(0));
    }

    #[test]
    fn import_ids() {
        let by_id = ImportRequest {
            id: "ci@pve!deploy".into(),
            identity: None,
        };
        assert_eq!(parse_import_id(&by_id).unwrap(), token());
        let by_identity = ImportRequest {
            id: String::new(),
            identity: Some(Value::object([
                ("user_id", "ci@pve"),
                ("token_name", "deploy"),
            ])),
        };
        assert_eq!(parse_import_id(&by_identity).unwrap(), token());
        let bad = parse_import_id(&ImportRequest {
            id: "ci@pve".into(),
            identity: None,
        })
        .unwrap_err();
        assert!(
            bad.0[0]
                .detail
                .contains("terraform import pve_user_token.NAME ci@pve!deploy")
        );
    }

    #[test]
    fn validation() {
        let config = Value::object([
            ("user_id", Value::from("ci@pve")),
            ("token_name", Value::from("1bad")),
            ("comment", Value::from("")),
            ("expiration_date", Value::from("tomorrow")),
        ]);
        let at: Vec<String> = validate_config(&config)
            .iter()
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(at, ["token_name", "comment", "expiration_date"]);
    }

    #[test]
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", model()).contains("secret"));
    }
}
