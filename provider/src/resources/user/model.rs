//! The state model of `pve_user`: state ↔ value, API ↔ state, and the
//! requests a change needs.

use std::collections::BTreeSet;
use std::fmt;

use proxmox_client::{CreateUser, GroupId, Secret, UpdateUser, User, UserId};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use super::USER_EXAMPLE;
use crate::convert;

/// The state of one `pve_user`.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct UserModel {
    pub(super) user_id: String,
    pub(super) comment: Option<String>,
    pub(super) email: Option<String>,
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
    pub(super) enabled: bool,
    pub(super) expiration_date: Option<String>,
    /// `None` while unknown (planned from an unset attribute).
    pub(super) groups: Option<BTreeSet<String>>,
    pub(super) keys: Option<String>,
    pub(super) password: Option<String>,
    /// Bumped by the user to have `password_wo` sent again; the password
    /// itself is write-only and never part of the model.
    pub(super) password_wo_version: Option<i64>,
}

// Keys and password are secrets: never print them.
impl fmt::Debug for UserModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserModel")
            .field("user_id", &self.user_id)
            .field("enabled", &self.enabled)
            .field("expiration_date", &self.expiration_date)
            .field("groups", &self.groups)
            .field("keys", &self.keys.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_wo_version", &self.password_wo_version)
            .finish_non_exhaustive()
    }
}

/// bpg/proxmox's "never expires", `1970-01-01T00:00:00Z` (any spelling of
/// the epoch's second): PVE's `expire = 0`.
pub(super) fn is_epoch(text: &str) -> bool {
    text.starts_with("1970-01-01T00:00:00")
}

/// A text attribute as PVE sees it: `""` (bpg's habit) is none.
fn sent(text: &Option<String>) -> Option<String> {
    text.clone().filter(|text| !text.is_empty())
}

/// What to keep in state for a text PVE reports as `found`: the prior `""`
/// when PVE has none, so a configured `""` plans no change.
fn kept(found: &Option<String>, prior: &Option<String>) -> Option<String> {
    match (found, prior) {
        (None, Some(prior)) if prior.is_empty() => Some(String::new()),
        _ => found.clone(),
    }
}

impl UserModel {
    pub(super) fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let groups = if value.get("groups").is_unknown() {
            None
        } else {
            Some(
                convert::strings(value, "groups")?
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            )
        };
        Ok(UserModel {
            user_id: convert::required_string(value, "user_id")?,
            comment: convert::string(value, "comment")?,
            email: convert::string(value, "email")?,
            first_name: convert::string(value, "first_name")?,
            last_name: convert::string(value, "last_name")?,
            enabled: convert::bool(value, "enabled")?.unwrap_or(true),
            expiration_date: convert::string(value, "expiration_date")?,
            groups,
            keys: convert::string(value, "keys")?,
            password: convert::string(value, "password")?,
            password_wo_version: convert::i64(value, "password_wo_version")?,
        })
    }

    /// What an import starts from: only the id is known.
    pub(super) fn imported(user: &UserId) -> Self {
        UserModel {
            user_id: user.to_string(),
            comment: None,
            email: None,
            first_name: None,
            last_name: None,
            enabled: true,
            expiration_date: None,
            groups: None,
            keys: None,
            password: None,
            password_wo_version: None,
        }
    }

    /// The state for `found`, keeping from `prior` what PVE does not report
    /// (the password) or reports differently (the spelling of the expiry,
    /// the TFA marker in `keys`).
    pub(super) fn from_api(found: &User, prior: &UserModel) -> Self {
        let keys = match found.keys.as_ref().map(Secret::expose) {
            // `x` marks "has entries in the TFA config", not a configured key.
            Some("x") if prior.keys.is_none() => None,
            Some(keys) => Some(keys.to_string()),
            // Keep a configured `""` (bpg's habit): PVE stores no keys either way.
            None => prior.keys.clone().filter(String::is_empty),
        };
        let expiration_date = match prior.expiration_date.as_deref() {
            Some(text) if found.expire <= 0 && is_epoch(text) => Some(text.to_string()),
            prior_text => convert::expiration_from_api(found.expire, prior_text),
        };
        UserModel {
            user_id: found.userid.to_string(),
            comment: kept(&found.comment, &prior.comment),
            email: kept(&found.email, &prior.email),
            first_name: kept(&found.firstname, &prior.first_name),
            last_name: kept(&found.lastname, &prior.last_name),
            enabled: found.enable,
            expiration_date,
            groups: Some(found.groups.iter().map(ToString::to_string).collect()),
            keys,
            password: prior.password.clone(),
            password_wo_version: prior.password_wo_version,
        }
    }

    pub(super) fn user(&self) -> Result<UserId, Diagnostics> {
        convert::parse_id(&self.user_id, "user_id", USER_EXAMPLE).map_err(Diagnostics::from)
    }

    fn expire(&self) -> Result<i64, Diagnostics> {
        match &self.expiration_date {
            None => Ok(0),
            Some(text) if is_epoch(text) => Ok(0),
            Some(text) => convert::rfc3339_to_epoch(text)
                .map_err(|detail| Diagnostics::from(convert::invalid("expiration_date", detail))),
        }
    }

    fn group_ids(&self) -> Result<Option<Vec<GroupId>>, Diagnostics> {
        let Some(groups) = &self.groups else {
            return Ok(None);
        };
        groups
            .iter()
            .map(|group| convert::parse_id(group, "groups", "ops").map_err(Diagnostics::from))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The create request; `write_only_password` is `password_wo` from the
    /// configuration (validation makes it exclusive with `password`).
    pub(super) fn create_request(
        &self,
        write_only_password: Option<Secret>,
    ) -> Result<CreateUser, Diagnostics> {
        let expire = self.expire()?;
        Ok(CreateUser {
            password: self
                .password
                .clone()
                .map(Secret::new)
                .or(write_only_password),
            enable: Some(self.enabled),
            expire: (expire > 0).then_some(expire),
            firstname: sent(&self.first_name),
            lastname: sent(&self.last_name),
            email: sent(&self.email),
            comment: sent(&self.comment),
            keys: sent(&self.keys).map(Secret::new),
            groups: self.group_ids()?.unwrap_or_default(),
        })
    }

    /// Only what changed from `before`; `""` clears a text field in PVE.
    pub(super) fn update_request(&self, before: &UserModel) -> Result<UpdateUser, Diagnostics> {
        fn changed(after: &Option<String>, before: &Option<String>) -> Option<String> {
            (sent(after) != sent(before)).then(|| after.clone().unwrap_or_default())
        }
        let expire = self.expire()?;
        let groups = match (&self.groups, &before.groups) {
            (Some(after), Some(prior)) if after == prior => None,
            (Some(_), _) => self.group_ids()?,
            (None, _) => None,
        };
        Ok(UpdateUser {
            enable: (self.enabled != before.enabled).then_some(self.enabled),
            expire: (before.expire().ok() != Some(expire)).then_some(expire),
            firstname: changed(&self.first_name, &before.first_name),
            lastname: changed(&self.last_name, &before.last_name),
            email: changed(&self.email, &before.email),
            comment: changed(&self.comment, &before.comment),
            keys: changed(&self.keys, &before.keys).map(Secret::new),
            groups,
            append: false,
        })
    }

    /// Whether `found` is the user this model would create (after an interrupted create).
    pub(super) fn matches(&self, found: &User) -> bool {
        let read = UserModel::from_api(found, self);
        read.comment == self.comment
            && read.email == self.email
            && read.first_name == self.first_name
            && read.last_name == self.last_name
            && read.enabled == self.enabled
            && read.expiration_date == self.expiration_date
            && self
                .groups
                .as_ref()
                .is_none_or(|groups| read.groups.as_ref() == Some(groups))
    }

    pub(super) fn to_value(&self) -> Value {
        Value::object([
            ("user_id", Value::string(&self.user_id)),
            ("comment", convert::opt_string(self.comment.clone())),
            ("email", convert::opt_string(self.email.clone())),
            ("first_name", convert::opt_string(self.first_name.clone())),
            ("last_name", convert::opt_string(self.last_name.clone())),
            ("enabled", Value::Bool(self.enabled)),
            (
                "expiration_date",
                convert::opt_string(self.expiration_date.clone()),
            ),
            (
                "groups",
                self.groups.as_ref().map_or(Value::Unknown, |groups| {
                    Value::set_of_strings(groups.iter().cloned())
                }),
            ),
            ("keys", convert::opt_string(self.keys.clone())),
            ("password", convert::opt_string(self.password.clone())),
            (
                "password_wo_version",
                self.password_wo_version.map_or(Value::Null, Value::number),
            ),
            // Write-only: never stored (the framework nulls it again anyway).
            ("password_wo", Value::Null),
        ])
    }

    pub(super) fn into_state(self) -> ResourceState {
        ResourceState {
            state: self.to_value(),
            identity: Some(Value::object([("user_id", Value::string(&self.user_id))])),
            private: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_user(json: serde_json::Value) -> User {
        serde_json::from_value(json).unwrap()
    }

    fn planned() -> UserModel {
        UserModel {
            comment: Some("CI".into()),
            enabled: true,
            expiration_date: Some("2030-01-01T01:00:00+01:00".into()),
            groups: Some(BTreeSet::from(["ops".to_string()])),
            password: Some("correct horse".into()),
            ..UserModel::imported(&"ci@pve".parse().unwrap())
        }
    }

    #[test]
    fn state_round_trips_through_value() {
        let model = planned();
        assert_eq!(UserModel::from_value(&model.to_value()).unwrap(), model);
        let identity = model.clone().into_state().identity.unwrap();
        assert_eq!(identity.get("user_id").as_str(), Some("ci@pve"));
    }

    #[test]
    fn unknown_groups_are_not_sent_on_create() {
        let mut value = planned().to_value();
        value.set_attr("groups", Value::Unknown);
        let model = UserModel::from_value(&value).unwrap();
        assert_eq!(model.groups, None);
        assert!(model.create_request(None).unwrap().groups.is_empty());
    }

    #[test]
    fn read_keeps_password_and_expiry_spelling_and_maps_never_to_null() {
        let found = api_user(serde_json::json!({
            "userid": "ci@pve", "enable": 1, "expire": 1_893_456_000, "comment": "CI",
            "groups": ["ops"], "keys": "x"
        }));
        let read = UserModel::from_api(&found, &planned());
        assert_eq!(read.password.as_deref(), Some("correct horse"));
        assert_eq!(
            read.expiration_date.as_deref(),
            Some("2030-01-01T01:00:00+01:00")
        );
        assert_eq!(read.keys, None, "the TFA marker is not a configured key");
        assert!(planned().matches(&found));

        let never = api_user(serde_json::json!({"userid": "ci@pve", "expire": 0}));
        let read = UserModel::from_api(&never, &planned());
        assert_eq!(read.expiration_date, None);
        assert_eq!(read.groups, Some(BTreeSet::new()));
        assert!(!planned().matches(&never));
    }

    #[test]
    fn update_sends_only_changes_and_clears_with_empty_text() {
        let before = planned();
        let mut after = planned();
        after.comment = None;
        after.email = Some("ci@example.com".into());
        after.groups = Some(BTreeSet::new());
        let request = after.update_request(&before).unwrap();
        assert_eq!(request.comment.as_deref(), Some(""));
        assert_eq!(request.email.as_deref(), Some("ci@example.com"));
        assert_eq!(
            request.groups,
            Some(vec![]),
            "an empty set clears membership"
        );
        assert!(!request.append, "membership is replaced, never appended");
        assert_eq!(request.enable, None);
        assert_eq!(request.expire, None);

        let mut never = planned();
        never.expiration_date = None;
        assert_eq!(never.update_request(&before).unwrap().expire, Some(0));
        assert_eq!(
            planned().update_request(&before).unwrap(),
            UpdateUser::default()
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let text = format!("{:?}", planned());
        assert!(!text.contains("correct horse"));
    }

    #[test]
    fn write_only_password_is_sent_on_create_but_never_stored() {
        let mut model = planned();
        model.password = None;
        model.password_wo_version = Some(3);
        let request = model
            .create_request(Some(Secret::new("write only secret".to_string())))
            .unwrap();
        assert_eq!(
            request.password.as_ref().map(Secret::expose),
            Some("write only secret")
        );
        let value = model.to_value();
        assert_eq!(value.get("password_wo_version").as_i64(), Some(3));
        assert!(value.get("password_wo").is_null());
        assert_eq!(UserModel::from_value(&value).unwrap(), model);
        let read = UserModel::from_api(&api_user(serde_json::json!({"userid": "ci@pve"})), &model);
        assert_eq!(
            read.password_wo_version,
            Some(3),
            "the version survives a refresh"
        );
    }

    #[test]
    fn bpg_habits_empty_text_and_epoch_expiry_mean_unset_without_drift() {
        let mut model = planned();
        model.comment = Some(String::new());
        model.email = Some(String::new());
        model.keys = Some(String::new());
        model.expiration_date = Some("1970-01-01T00:00:00Z".into());
        let request = model.create_request(None).unwrap();
        assert_eq!(request.comment, None);
        assert_eq!(request.email, None);
        assert!(request.keys.is_none());
        assert_eq!(request.expire, None, "the epoch is never");
        let found = api_user(
            serde_json::json!({"userid": "ci@pve", "enable": 1, "expire": 0, "groups": ["ops"]}),
        );
        let read = UserModel::from_api(&found, &model);
        assert_eq!(read.comment.as_deref(), Some(""), "no drift against \"\"");
        assert_eq!(
            read.expiration_date.as_deref(),
            Some("1970-01-01T00:00:00Z")
        );
        assert!(model.matches(&found));
        assert_eq!(read.update_request(&model).unwrap(), UpdateUser::default());
        let mut unset = model.clone();
        unset.comment = None;
        assert_eq!(
            unset.update_request(&model).unwrap().comment,
            None,
            "\"\" to null sends nothing"
        );
    }
}
