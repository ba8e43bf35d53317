//! The state model of `pve_user_token`: state ↔ value, API ↔ state.

use std::collections::BTreeMap;
use std::fmt;

use proxmox_client::{TokenId, TokenInfo, TokenName, UpdateToken, UserId};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use crate::convert;

/// The state of one `pve_user_token`.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct TokenModel {
    pub(super) user_id: String,
    pub(super) token_name: String,
    pub(super) comment: Option<String>,
    pub(super) expiration_date: Option<String>,
    pub(super) privileges_separation: bool,
    /// `NAME@REALM!TOKEN=SECRET`; `None` when unknown (being created) or imported.
    pub(super) value: Option<String>,
    /// A duration (`30d`) after which the next plan replaces the token.
    pub(super) rotate_after: Option<String>,
    /// Arbitrary values whose change replaces the token.
    pub(super) keepers: Option<BTreeMap<String, String>>,
    /// When this provider created the token (RFC 3339, UTC); `None` while
    /// unknown (being created or replaced).
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
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .field("rotate_after", &self.rotate_after)
            .field("keepers", &self.keepers)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl TokenModel {
    pub(super) fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        Ok(TokenModel {
            user_id: convert::required_string(value, "user_id")?,
            token_name: convert::required_string(value, "token_name")?,
            comment: convert::string(value, "comment")?,
            expiration_date: convert::string(value, "expiration_date")?,
            privileges_separation: convert::bool(value, "privileges_separation")?.unwrap_or(true),
            value: value.get("value").as_str().map(str::to_string),
            rotate_after: convert::string(value, "rotate_after")?,
            keepers: string_map(value, "keepers")?,
            created_at: value.get("created_at").as_str().map(str::to_string),
        })
    }

    /// What an import starts from: only the id is known.
    pub(super) fn for_token(token: &TokenId) -> Self {
        TokenModel {
            user_id: token.user().to_string(),
            token_name: token.name().to_string(),
            comment: None,
            expiration_date: None,
            privileges_separation: true,
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
            value,
            rotate_after: prior.rotate_after.clone(),
            keepers: prior.keepers.clone(),
            created_at: prior.created_at.clone(),
        }
    }

    pub(super) fn token_id(&self) -> Result<TokenId, Diagnostics> {
        let user: UserId = convert::parse_id(&self.user_id, "user_id", "ci@pve")?;
        let name: TokenName = convert::parse_id(&self.token_name, "token_name", "deploy")?;
        Ok(user.token(&name))
    }

    pub(super) fn expire(&self) -> Result<i64, Diagnostics> {
        match &self.expiration_date {
            None => Ok(0),
            Some(text) => convert::rfc3339_to_epoch(text)
                .map_err(|detail| Diagnostics::from(convert::invalid("expiration_date", detail))),
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

    pub(super) fn to_value(&self) -> Value {
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
            (
                "rotate_after",
                convert::opt_string(self.rotate_after.clone()),
            ),
            (
                "keepers",
                self.keepers.as_ref().map_or(Value::Null, |keepers| {
                    Value::map(keepers.iter().map(|(k, v)| (k.clone(), Value::string(v))))
                }),
            ),
            ("created_at", convert::opt_string(self.created_at.clone())),
        ])
    }

    pub(super) fn into_state(self) -> ResourceState {
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

/// A `map(string)` attribute; null is `None`.
fn string_map(value: &Value, name: &str) -> Result<Option<BTreeMap<String, String>>, Diagnostics> {
    let attribute = value.get(name);
    if attribute.is_null() {
        return Ok(None);
    }
    let entries = attribute.as_map().ok_or_else(|| {
        Diagnostics::from(convert::invalid(
            name,
            format!("`{name}` must be a map of strings."),
        ))
    })?;
    entries
        .iter()
        .map(|(key, item)| match item.as_str() {
            Some(text) => Ok((key.clone(), text.to_string())),
            None => Err(Diagnostics::from(convert::invalid(
                name,
                format!("`{name}[\"{key}\"]` must be a known string."),
            ))),
        })
        .collect::<Result<BTreeMap<_, _>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

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
