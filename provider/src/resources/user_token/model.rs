//! The state model of `pve_user_token`: state ↔ value, API ↔ state.

use std::collections::BTreeMap;
use std::fmt;

use proxmox_client::{TokenId, TokenInfo, TokenName, UpdateToken, UserId};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;

use crate::convert;

/// The state of one `pve_user_token`.
#[derive(Clone, PartialEq, Eq, Model)]
#[tf(
    description = "An API token of a Proxmox VE user (`/access/users/{userid}/token/{tokenid}`). PVE shows the secret only when the token is created: `value` holds it, ready to use as `PROXMOX_VE_API_TOKEN`. \
Set `rotate_after` to have Terraform replace the token on the first plan after it reaches that age, or `keepers` to replace it when other values change. \
Import with the full token id: `terraform import pve_user_token.NAME ci@pve!deploy` (the secret cannot be read back, so an imported token has a null `value`)."
)]
pub(crate) struct TokenModel {
    #[tf(
        required,
        requires_replace,
        identity = "The owning user, `NAME@REALM`.",
        description = "The owning user, `NAME@REALM`. Changing it replaces the token (a new secret)."
    )]
    pub(super) user_id: String,
    #[tf(
        required,
        requires_replace,
        identity = "The token name.",
        description = "The token name (`deploy` in `ci@pve!deploy`): a letter, then letters, digits, `.`, `-`, `_`. Changing it replaces the token (a new secret)."
    )]
    pub(super) token_name: String,
    #[tf(
        optional,
        description = "A free-text comment. Leave it unset (not `\"\"`) for none."
    )]
    pub(super) comment: Option<String>,
    #[tf(
        optional,
        description = "When the token expires, as an RFC 3339 timestamp in whole seconds (`2030-01-31T23:59:59Z`). Unset means never (the token still stops working when its user is disabled or expires)."
    )]
    pub(super) expiration_date: Option<String>,
    #[tf(
        optional,
        default = true,
        description = "Privilege separation: when `true` (the default) the token has only the privileges of its own ACLs (`pve_acl.token_id`), intersected with its user's; when `false` it has all of its user's privileges. Changed in place."
    )]
    pub(super) privileges_separation: bool,
    /// `NAME@REALM!TOKEN`; `None` while unknown (being created).
    #[tf(
        computed,
        use_state_for_unknown,
        description = "The full token id `NAME@REALM!TOKEN`, as `pve_acl.token_id` expects it."
    )]
    pub(super) id: Option<String>,
    /// `NAME@REALM!TOKEN=SECRET`; `None` when unknown (being created) or imported.
    #[tf(
        computed,
        sensitive,
        use_state_for_unknown,
        description = "The complete API token `NAME@REALM!TOKEN=SECRET`, ready for `PROXMOX_VE_API_TOKEN` or the provider's `api_token`. Known only to the apply that created the token and kept in state from then on (protect your state); in-place updates keep it. Null after `terraform import`, because PVE never shows a secret again: to get a usable value, replace the token (`terraform apply -replace=ADDRESS`)."
    )]
    pub(super) value: Option<String>,
    /// A duration (`30d`) after which the next plan replaces the token.
    #[tf(
        optional,
        description = "Replace the token once it is this old: a duration such as `720h`, `30d`, `2w` or `1h30m` (units s, m, h, d, w), counted from `created_at`. Terraform has no clock of its own, so the replacement happens at the first plan/apply after that moment (schedule applies, e.g. a nightly CI job). The replacement keeps `token_name`, so it deletes the old token before creating the new one: do not combine it with `create_before_destroy` (the create would fail with \"already exists\"); for a gap-free rotation, derive `token_name` from a keeper instead (see the rotation guide). Changing it is in place. If `expiration_date` is set, keep the rotation before it: every replacement keeps the same fixed expiry."
    )]
    pub(super) rotate_after: Option<String>,
    /// Arbitrary values whose change replaces the token.
    #[tf(
        optional,
        requires_replace,
        description = "Arbitrary strings that replace the token (a new secret) whenever any of them changes, e.g. `{ rotation = \"2025-q3\" }` or the id of the system that consumes it."
    )]
    pub(super) keepers: Option<BTreeMap<String, String>>,
    /// When this provider created the token (RFC 3339, UTC); `None` while
    /// unknown (being created or replaced).
    #[tf(
        computed,
        use_state_for_unknown,
        description = "When the provider created the token, as an RFC 3339 timestamp in UTC; `rotate_after` counts from it. PVE does not record it, so for an imported token (or one created by an older provider version) it is the time Terraform first read it."
    )]
    pub(super) created_at: Option<String>,
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
            .field("id", &self.id)
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .field("rotate_after", &self.rotate_after)
            .field("keepers", &self.keepers)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl TokenModel {
    /// What an import starts from: only the id is known.
    pub(super) fn for_token(token: &TokenId) -> Self {
        TokenModel {
            user_id: token.user().to_string(),
            token_name: token.name().to_string(),
            comment: None,
            expiration_date: None,
            privileges_separation: true,
            id: Some(format!("{}!{}", token.user(), token.name())),
            value: None,
            rotate_after: None,
            keepers: None,
            created_at: None,
        }
    }

    /// The state for `info`, keeping the expiry spelling of `prior`, the
    /// rotation settings and creation time of `prior` (PVE records neither),
    /// and the given secret.
    pub(super) fn from_api(
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
            id: Some(format!("{}!{}", token.user(), token.name())),
            value,
            rotate_after: prior.rotate_after.clone(),
            keepers: prior.keepers.clone(),
            created_at: prior.created_at.clone(),
        }
    }

    pub(super) fn token_id(&self) -> Result<TokenId, Diagnostics> {
        let user: UserId = convert::parse_id(&self.user_id, Self::USER_ID, "ci@pve")?;
        let name: TokenName = convert::parse_id(&self.token_name, Self::TOKEN_NAME, "deploy")?;
        Ok(user.token(&name))
    }

    pub(super) fn expire(&self) -> Result<i64, Diagnostics> {
        match &self.expiration_date {
            None => Ok(0),
            Some(text) => convert::rfc3339_to_epoch(text).map_err(|detail| {
                Diagnostics::from(convert::invalid(Self::EXPIRATION_DATE, detail))
            }),
        }
    }

    /// Only what changed from `before`. An empty comment removes the
    /// comment on every PVE version (`delete=comment` needs 9.0.4).
    pub(super) fn update_request(&self, before: &TokenModel) -> Result<UpdateToken, Diagnostics> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::value::Value;

    fn token() -> TokenId {
        super::super::TOKEN_EXAMPLE.parse().unwrap()
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
        let state = model().to_state();
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
    fn debug_hides_the_secret() {
        assert!(!format!("{:?}", model()).contains("secret"));
    }

    #[test]
    fn rotation_settings_and_creation_time_survive_reads() {
        let mut prior = model();
        prior.rotate_after = Some("30d".into());
        prior.keepers = Some(BTreeMap::from([("epoch".to_string(), "3".to_string())]));
        prior.created_at = Some("2025-01-01T00:00:00Z".into());
        let value = prior.to_value();
        assert_eq!(value.get("keepers").get("epoch").as_str(), Some("3"));
        assert_eq!(TokenModel::from_value(&value).unwrap(), prior);
        let found = info(serde_json::json!({"tokenid": "deploy", "privsep": 1}));
        let read = TokenModel::from_api(&token(), &found, &prior, prior.value.clone());
        assert_eq!(read.created_at, prior.created_at);
        assert_eq!(read.rotate_after, prior.rotate_after);
        assert_eq!(read.keepers, prior.keepers);
        let mut planned = value.clone();
        planned.set_attr("created_at", Value::Unknown);
        assert_eq!(TokenModel::from_value(&planned).unwrap().created_at, None);
        let mut bad = value;
        bad.set_attr("keepers", Value::map([("epoch", Value::Unknown)]));
        assert!(TokenModel::from_value(&bad).is_err());
    }
}
