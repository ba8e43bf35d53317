//! `action "pve_user_token_revoke"`: revokes an API token now, e.g. one that
//! leaked. Optionally removes the token's ACL entries first and revokes the
//! user's other tokens too. Every removal is reported as progress.

use std::collections::BTreeMap;

use async_trait::async_trait;
use proxmox_client::{AclPath, AclPrincipal, AclUpdate, RoleId, TokenId, TokenName};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{Action, ActionContext};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::{Connection, Pve};
use crate::convert;

/// The `pve_user_token_revoke` action.
#[derive(Debug)]
pub struct UserTokenRevokeAction {
    pve: Pve,
}

impl UserTokenRevokeAction {
    pub fn new(pve: &Pve) -> Self {
        UserTokenRevokeAction { pve: pve.clone() }
    }
}

/// What the configuration asks for.
#[derive(Debug)]
struct Request {
    token: TokenId,
    remove_acl_entries: bool,
    revoke_all_user_tokens: bool,
    ignore_missing: bool,
}

impl Request {
    fn from_config(config: &Value) -> Result<Self, Diagnostics> {
        let model = UserTokenRevokeModel::from_value(config)?;
        Ok(Request {
            token: convert::parse_id(
                &model.token_id,
                UserTokenRevokeModel::TOKEN_ID,
                "ci@pve!deploy",
            )?,
            remove_acl_entries: model.remove_acl_entries.unwrap_or(false),
            revoke_all_user_tokens: model.revoke_all_user_tokens.unwrap_or(false),
            ignore_missing: model.ignore_missing.unwrap_or(false),
        })
    }
}

#[async_trait]
impl Action for UserTokenRevokeAction {
    fn type_name(&self) -> &str {
        "pve_user_token_revoke"
    }

    fn schema(&self) -> Schema {
        UserTokenRevokeModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(
            config,
            UserTokenRevokeModel::TOKEN_ID,
            &mut diagnostics,
            |text| {
                text.parse::<TokenId>().map(|_| ()).map_err(|error| {
                    format!("{error}. Use a value like `ci@pve!deploy` (user, `!`, token name).")
                })
            },
        );
        diagnostics
    }

    async fn invoke(&self, config: &Value, context: &ActionContext) -> Diagnostics {
        let result = async {
            let request = Request::from_config(config)?;
            let connection = self.pve.connection()?;
            revoke(&connection, &request, context).await
        }
        .await;
        match result {
            Ok(()) => Diagnostics::new(),
            Err(diagnostics) => diagnostics,
        }
    }
}

async fn revoke(
    connection: &Connection,
    request: &Request,
    context: &ActionContext,
) -> Result<(), Diagnostics> {
    let user = request.token.user().clone();
    let name = request.token.name().clone();
    let existing = match connection.client().tokens(&user).list().await {
        Ok(tokens) => tokens.into_iter().map(|t| t.tokenid).collect::<Vec<_>>(),
        Err(error) if error.is_not_found() => {
            return missing(request, &format!("user {user} does not exist"), context);
        }
        Err(error) => {
            return Err(connection.diagnose(&format!("list the tokens of user '{user}'"), &error));
        }
    };
    let mut targets: Vec<TokenName> = Vec::new();
    if existing.contains(&name) {
        targets.push(name.clone());
    } else {
        let others = if existing.is_empty() {
            "it has none".to_string()
        } else {
            format!(
                "it has {}",
                existing
                    .iter()
                    .map(TokenName::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        missing(
            request,
            &format!("user {user} has no token named {name} ({others})"),
            context,
        )?;
    }
    if request.revoke_all_user_tokens {
        targets.extend(existing.iter().filter(|t| **t != name).cloned());
    }
    let target_ids: Vec<TokenId> = targets.iter().map(|t| user.token(t)).collect();
    let mut acl_removed = 0;
    if request.remove_acl_entries && !target_ids.is_empty() {
        acl_removed = remove_acl_entries(connection, &target_ids, context).await?;
    }
    for (token, id) in targets.iter().zip(&target_ids) {
        let user = user.clone();
        let token = token.clone();
        connection
            .delete(&format!("revoke token '{id}'"), |client| async move {
                client.tokens(&user).delete(&token).await
            })
            .await?;
        context.progress(format!("revoked token {id}"));
    }
    context.progress(format!(
        "done: {} token(s) revoked, {acl_removed} ACL entr{} removed",
        target_ids.len(),
        if acl_removed == 1 { "y" } else { "ies" }
    ));
    Ok(())
}

/// A missing token: fine when `ignore_missing` says so, else an error.
fn missing(request: &Request, what: &str, context: &ActionContext) -> Result<(), Diagnostics> {
    if request.ignore_missing {
        context.progress(format!(
            "{what}: nothing to revoke for {} (ignore_missing)",
            request.token
        ));
        return Ok(());
    }
    Err(Diagnostics::from(convert::invalid(
        UserTokenRevokeModel::TOKEN_ID,
        format!(
            "Cannot revoke {}: {what}. Check the id (USER@REALM!NAME, case matters). \
             If it was revoked already, set `ignore_missing = true`.",
            request.token
        ),
    )))
}

/// Removes every ACL entry naming one of `tokens`, one call per path and
/// token; returns how many entries were removed.
async fn remove_acl_entries(
    connection: &Connection,
    tokens: &[TokenId],
    context: &ActionContext,
) -> Result<usize, Diagnostics> {
    let entries = connection
        .client()
        .acl()
        .list()
        .await
        .map_err(|error| connection.diagnose("list ACL entries", &error))?;
    // (path, token) → roles, in a stable order for the report.
    let mut grouped: BTreeMap<(AclPath, String), (TokenId, Vec<RoleId>)> = BTreeMap::new();
    for entry in entries {
        if let AclPrincipal::Token(token) = &entry.principal
            && tokens.contains(token)
        {
            grouped
                .entry((entry.path.clone(), token.to_string()))
                .or_insert_with(|| (token.clone(), Vec::new()))
                .1
                .push(entry.roleid.clone());
        }
    }
    let mut removed = 0;
    for ((path, _), (token, roles)) in grouped {
        let update = AclUpdate {
            path: path.clone(),
            roles: roles.clone(),
            principals: vec![AclPrincipal::Token(token.clone())],
            propagate: None,
        };
        connection
            .write(|client| async move { client.acl().revoke(&update).await })
            .await
            .map_err(|error| {
                connection.diagnose(
                    &format!("remove the ACL entries of {token} on {path}"),
                    &error,
                )
            })?;
        for role in &roles {
            context.progress(format!("removed ACL entry {path} {role} of {token}"));
        }
        removed += roles.len();
    }
    Ok(removed)
}

/// The configuration of `action "pve_user_token_revoke"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Revokes an API token at once (`DELETE /access/users/{userid}/token/{tokenid}`), e.g. when its secret leaked: \
from then on PVE refuses the token. Optionally removes the token's ACL entries first and revokes every other token of the same user. \
Each removal is reported as progress, so the run log records what was revoked. \
A token that does not exist fails the action (a typo must not look like a successful revocation) unless `ignore_missing` is set. \
Run it with `terraform apply -invoke=action.pve_user_token_revoke.NAME`. Needs Terraform 1.14 or later. \
If Terraform manages the token as a `pve_user_token`, remove that resource from the configuration too (or apply, which re-creates it with a new secret)."
)]
struct UserTokenRevokeModel {
    #[tf(
        required,
        description = "The token to revoke, `USER@REALM!NAME`, e.g. `ci@pve!deploy`."
    )]
    token_id: String,
    #[tf(
        optional,
        description = "Also remove every ACL entry of the revoked token(s), explicitly and listed, before deleting them. \
PVE drops a deleted token's entries itself; removing them first records which privileges the token held. Default false."
    )]
    remove_acl_entries: Option<bool>,
    #[tf(
        optional,
        description = "Also revoke every other token of the same user (with their ACL entries when `remove_acl_entries` is set). \
The user and its password stay. Default false."
    )]
    revoke_all_user_tokens: Option<bool>,
    #[tf(
        optional,
        description = "Succeed when the token (or its user) does not exist, e.g. because it was revoked already. Default false: a missing token fails the action."
    )]
    ignore_missing: Option<bool>,
}
