//! `pve_user_token`: an API token of a user, and its secret, shown once.

use async_trait::async_trait;
use proxmox_client::{CreateToken, CreatedToken, TokenId, TokenName, UpdateToken, UserId};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    ImportRequest, MoveStateRequest, MovedState, PlanContext, Resource, ResourceState,
};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;
use time::OffsetDateTime;

use crate::connection::{Connection, Creation, Pve};
use crate::convert::{self, check_known_string};

mod model;
mod moved;

pub(crate) use model::TokenModel;

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
        TokenModel::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        TokenModel::identity_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        if plan.planned.is_null() {
            return;
        }
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let created_at = if plan.prior.is_null() {
            Some(now)
        } else {
            plan.prior
                .get(TokenModel::CREATED_AT)
                .as_str()
                .and_then(|text| convert::rfc3339_to_epoch(text).ok())
        };
        let Some(created_at) = created_at else {
            // Not yet read by this provider version (`-refresh=false`): the
            // next refresh records it.
            return;
        };
        let Some(rotate_after) = plan
            .planned
            .get(TokenModel::ROTATE_AFTER)
            .as_str()
            .and_then(|text| convert::parse_duration(text).ok())
        else {
            return;
        };
        let expire = plan
            .planned
            .get(TokenModel::EXPIRATION_DATE)
            .as_str()
            .and_then(|text| convert::rfc3339_to_epoch(text).ok());
        let token = format!(
            "{}!{}",
            plan.planned
                .get(TokenModel::USER_ID)
                .as_str()
                .unwrap_or("?"),
            plan.planned
                .get(TokenModel::TOKEN_NAME)
                .as_str()
                .unwrap_or("?")
        );
        match rotation(created_at, rotate_after, expire, now) {
            Rotation::NotYet => {}
            Rotation::Due { due } if !plan.prior.is_null() => {
                // A different planned created_at is what makes Terraform
                // replace: it compares the attributes named in requires_replace.
                plan.planned.set_attr(TokenModel::CREATED_AT, Value::Unknown);
                plan.planned.set_attr(TokenModel::VALUE, Value::Unknown);
                plan.requires_replace.push(TokenModel::CREATED_AT.into());
                plan.diagnostics.push(Diagnostic::warning(
                    format!("API token '{token}' is due for rotation"),
                    format!(
                        "It was created at {}, and rotate_after makes it due at {}: this plan replaces it with a new token of the same name (a new secret): the old token is deleted first, then the new one created. Consumers of `value` must pick up the new value.",
                        epoch_text(created_at),
                        epoch_text(due)
                    ),
                ));
            }
            Rotation::Due { .. } => {}
            Rotation::ExpiresFirst { due, expire } => plan.diagnostics.push(
                Diagnostic::warning(
                    format!("API token '{token}' expires before it is rotated"),
                    format!(
                        "expiration_date ({}) comes before the rotation that rotate_after schedules ({}), so the token stops working in between, and its replacement would keep the same past expiry. Leave expiration_date unset and rely on rotate_after, or set it after the rotation.",
                        epoch_text(expire),
                        epoch_text(due)
                    ),
                )
                .at_attribute(TokenModel::EXPIRATION_DATE),
            ),
        }
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
        let token_text = token.to_string();
        let created = connection
            .create_or_adopt(
                &Creation::new(
                    "API token",
                    &token_text,
                    "pve_user_token",
                    TokenModel::TOKEN_NAME,
                )
                .conflict_hint(CONFLICT_HINT),
                |client| async move { client.tokens(id.user()).create(id.name(), &request).await },
                |client| {
                    let id = token.clone();
                    async move { client.tokens(id.user()).get(id.name()).await }
                },
                |found| {
                    let read = TokenModel::from_api(&token, found, &model, None);
                    read.comment == model.comment
                        && read.expiration_date == model.expiration_date
                        && read.privileges_separation == model.privileges_separation
                },
            )
            .await?;
        let created = match created {
            Some(created) => created,
            None => regenerate_adopted(&connection, &token).await?,
        };
        let value = format!("{}={}", created.id, created.secret.expose());
        let model = TokenModel {
            created_at: Some(convert::now_rfc3339()),
            ..model
        };
        // The secret exists only here: never fail from now on, or it is lost.
        let info = connection
            .client()
            .tokens(token.user())
            .get(token.name())
            .await
            .unwrap_or_else(|_| created.info.clone());
        Ok(TokenModel::from_api(&token, &info, &model, Some(value)).to_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let prior = TokenModel::from_value(&current.state)?;
        let token = prior.token_id()?;
        let connection = self.pve.connection()?;
        let found = match connection.listed_token(&token).await {
            Some(info) => Ok(info),
            None => {
                connection
                    .client()
                    .tokens(token.user())
                    .get(token.name())
                    .await
            }
        };
        match found {
            Ok(info) => {
                let mut read = TokenModel::from_api(&token, &info, &prior, prior.value.clone());
                // Imported, or written by a provider version without it: from now.
                read.created_at.get_or_insert_with(convert::now_rfc3339);
                Ok(Some(read.to_state()))
            }
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
        // The secret and the creation time never change in place.
        let after = TokenModel {
            created_at: before.created_at.clone(),
            ..after
        };
        Ok(TokenModel::from_api(&token, &info, &after, before.value.clone()).to_state())
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
        let start = TokenModel {
            created_at: Some(convert::now_rfc3339()),
            ..TokenModel::for_token(&token)
        };
        Ok(vec![
            TokenModel::from_api(&token, &info, &start, None).to_state(),
        ])
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(
            request,
            "pve_user_token",
            &moved::BPG_TYPES,
            moved::from_bpg,
        )
    }
}

/// Whether `user` no longer exists. For a caller other than `root@pam`, PVE
/// answers token calls of a missing user with 403 (the `self` or
/// `userid-group` check fails before any lookup), while `GET` of the user
/// itself says "no such user": ask that before calling the token gone.
async fn user_is_gone(connection: &Connection, user: &UserId) -> bool {
    matches!(connection.client().users().get(user).await, Err(error) if error.is_not_found())
}

/// What "already exists" adds for a token: the secret is lost on import, and
/// a replacement with `create_before_destroy` needs a name of its own.
const CONFLICT_HINT: &str = "Its secret cannot be recovered, so an imported token's `value` stays null. If this is a replacement with `create_before_destroy`, the new token needs a name of its own (the old one still exists at this point): drop `create_before_destroy`, or put a keeper in the name.";

/// After a create whose answer was lost and whose token PVE has as planned:
/// give it a fresh secret (the lost one is unrecoverable).
async fn regenerate_adopted(
    connection: &Connection,
    token: &TokenId,
) -> Result<CreatedToken, Diagnostics> {
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
            "The create request was interrupted after PVE created the token, and its secret could not be replaced ({regenerate_error}). {next_step}"
        ),
    ))
}

/// Checks what can be checked without PVE; unknown values are skipped.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    check_known_string(config, TokenModel::USER_ID, &mut diagnostics, |text| {
        text.parse::<UserId>()
            .map(drop)
            .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
    });
    check_known_string(config, TokenModel::TOKEN_NAME, &mut diagnostics, |text| {
        text.parse::<TokenName>()
            .map(drop)
            .map_err(|error| format!("{error}. Use a value like `deploy`."))
    });
    check_known_string(
        config,
        TokenModel::COMMENT,
        &mut diagnostics,
        convert::user_cfg_comment,
    );
    check_known_string(
        config,
        TokenModel::EXPIRATION_DATE,
        &mut diagnostics,
        |text| convert::rfc3339_to_epoch(text).map(drop),
    );
    check_known_string(config, TokenModel::ROTATE_AFTER, &mut diagnostics, |text| {
        match convert::parse_duration(text)? {
            0 => Err(
                "a token cannot rotate after zero seconds; use a positive duration such as `30d`."
                    .into(),
            ),
            _ => Ok(()),
        }
    });
    diagnostics
}

/// Where a token with `rotate_after` stands at `now` (epoch seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rotation {
    NotYet,
    /// `now` is at or past `due`: replace the token.
    Due {
        due: i64,
    },
    /// The fixed `expire` comes before the rotation at `due`.
    ExpiresFirst {
        due: i64,
        expire: i64,
    },
}

fn rotation(created_at: i64, rotate_after: i64, expire: Option<i64>, now: i64) -> Rotation {
    let due = created_at.saturating_add(rotate_after);
    if now >= due {
        Rotation::Due { due }
    } else {
        match expire {
            Some(expire) if expire < due => Rotation::ExpiresFirst { due, expire },
            _ => Rotation::NotYet,
        }
    }
}

fn epoch_text(epoch: i64) -> String {
    convert::epoch_to_rfc3339(epoch).unwrap_or_else(|| epoch.to_string())
}

fn parse_import_id(request: &ImportRequest) -> Result<TokenId, Diagnostics> {
    let hint = format!(
        "The import id of pve_user_token is the full token id, e.g. `terraform import pve_user_token.NAME {TOKEN_EXAMPLE}`."
    );
    let result = match &request.identity {
        Some(identity) => {
            let user = identity
                .get(TokenModel::USER_ID)
                .as_str()
                .unwrap_or_default()
                .parse::<UserId>();
            let name = identity
                .get(TokenModel::TOKEN_NAME)
                .as_str()
                .unwrap_or_default()
                .parse::<TokenName>();
            user.and_then(|user| name.map(|name| user.token(&name)))
        }
        None => request.id.trim().parse::<TokenId>(),
    };
    result.map_err(|error| Diagnostics::error("Invalid import id", format!("{error}. {hint}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> TokenId {
        TOKEN_EXAMPLE.parse().unwrap()
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
    fn rotation_is_due_at_created_at_plus_rotate_after() {
        let day = 86_400;
        assert_eq!(rotation(1_000, 30 * day, None, 1_000), Rotation::NotYet);
        assert_eq!(
            rotation(1_000, 30 * day, None, 1_000 + 30 * day - 1),
            Rotation::NotYet
        );
        assert_eq!(
            rotation(1_000, 30 * day, None, 1_000 + 30 * day),
            Rotation::Due {
                due: 1_000 + 30 * day
            }
        );
        assert_eq!(
            rotation(1_000, 30 * day, Some(1_000 + day), 1_000),
            Rotation::ExpiresFirst {
                due: 1_000 + 30 * day,
                expire: 1_000 + day
            }
        );
        assert_eq!(
            rotation(1_000, day, Some(1_000 + 30 * day), 1_000),
            Rotation::NotYet
        );
        assert_eq!(
            rotation(i64::MAX - 1, i64::MAX, None, 0),
            Rotation::NotYet,
            "no overflow"
        );
    }

    #[test]
    fn rotate_after_must_be_a_positive_duration() {
        let config = |text: &str| {
            Value::object([
                ("user_id", Value::from("ci@pve")),
                ("token_name", Value::from("deploy")),
                ("rotate_after", Value::from(text)),
            ])
        };
        assert!(validate_config(&config("30d")).is_empty());
        assert!(validate_config(&config("1h30m")).is_empty());
        for bad in ["0s", "30", "thirty days", ""] {
            let diagnostics = validate_config(&config(bad));
            let at: Vec<String> = diagnostics
                .iter()
                .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
                .collect();
            assert_eq!(at, ["rotate_after"], "{bad:?}");
        }
    }
}
