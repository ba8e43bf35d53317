//! The state model of `pve_user`: state ↔ value, API ↔ state, and the
//! requests a change needs.

use std::collections::BTreeSet;
use std::fmt;

use proxmox_client::{CreateUser, GroupId, Secret, UpdateUser, User, UserId};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::model::Unknowable;

use super::USER_EXAMPLE;
use crate::convert;

/// What the text attributes say: the what, the PVE limit, and unset-is-none.
fn text(what: &str, max: usize) -> String {
    format!(
        "{what} At most {max} characters; leave it unset (not `\"\"`) for none. A value set outside Terraform is removed when this is unset."
    )
}

/// The state of one `pve_user`: its fields are the resource's attributes.
#[derive(Clone, PartialEq, Eq, Model)]
#[tf(
    description = "A Proxmox VE user (`/access/users`). The user's API tokens are `pve_user_token` resources, its privileges come from `pve_acl`. \
Import with the user id: `terraform import pve_user.NAME ci@pve`."
)]
pub(crate) struct UserModel {
    #[tf(
        required,
        requires_replace,
        identity = "The user id, `NAME@REALM`.",
        description = "The user id, `NAME@REALM` (e.g. `ci@pve`), 3–64 ASCII characters (PVE stores user ids unescaped and cannot read non-ASCII ones back by name). Changing it replaces the user."
    )]
    pub(super) user_id: String,
    #[tf(optional, description = text("A free-text comment.", 2048))]
    pub(super) comment: Option<String>,
    #[tf(optional, description = text("The e-mail address.", 254))]
    pub(super) email: Option<String>,
    #[tf(optional, description = text("The first name.", 1024))]
    pub(super) first_name: Option<String>,
    #[tf(optional, description = text("The last name.", 1024))]
    pub(super) last_name: Option<String>,
    #[tf(
        optional,
        default = true,
        description = "Whether the user (and so its API tokens) may log in. Default `true`."
    )]
    pub(super) enabled: bool,
    #[tf(
        optional,
        description = "When the account expires, as an RFC 3339 timestamp in whole seconds (`2030-01-31T23:59:59Z`). Unset means never. The user's API tokens stop working with it."
    )]
    pub(super) expiration_date: Option<String>,
    /// Unknown while planned from an unset attribute (membership left
    /// alone); written back as unknown until apply reads it.
    #[tf(
        optional,
        computed,
        use_state_for_unknown,
        description = "The groups the user belongs to (they must exist; membership is managed here, `pve_group.members` only reports it). The set replaces the user's membership: an empty set `[]` removes the user from every group. Unset leaves membership alone and reports it."
    )]
    pub(super) groups: Unknowable<BTreeSet<String>>,
    #[tf(
        optional,
        sensitive,
        description = "Legacy Yubico/OATH two-factor keys (`[0-9a-zA-Z!=]`, up to 4096 characters). Prefer PVE's TFA settings for new setups."
    )]
    pub(super) keys: Option<String>,
    #[tf(
        optional,
        sensitive,
        description = "The password (8–64 characters) for realms that store passwords (`pve`, `pam`). Prefer `password_wo` (Terraform 1.11 or later), which keeps the password out of plan and state. \
Sent on create; a later change is applied with `PUT /access/password`, which PVE accepts only from a ticket login (provider `username` + `password`), not an API token. \
The password is never read back: Terraform keeps the configured value in state (it is sensitive, but protect your state), an out-of-band change is not detected, and unsetting it leaves the password as it is. After `terraform import` the next apply sets a configured password. Conflicts with `password_wo`."
    )]
    pub(super) password: Option<String>,
    /// Write-only: null in every plan and state (Terraform never stores
    /// it), so this is `None` except in a decoded configuration; create and
    /// update read it from the configuration ([`super::write_only_password`]).
    #[tf(
        optional,
        sensitive,
        write_only,
        description = "The password (8–64 characters), write-only: Terraform sends it to the provider but never stores it in the plan or the state (Terraform 1.11 or later; older clients get an error). \
Sent when the user is created, and again whenever `password_wo_version` changes, so bump the version to apply a new password (a changed `password_wo` alone plans nothing, since Terraform keeps no copy to compare with). \
Changes after create use `PUT /access/password`, which needs a ticket login (provider `username` + `password`). Conflicts with `password`; recommended over it."
    )]
    pub(super) password_wo: Option<String>,
    /// Bumped by the user to have `password_wo` sent again.
    #[tf(
        optional,
        description = "Any whole number; changing it sends `password_wo` to PVE again (in place). Only meaningful with `password_wo`. Null after `terraform import`, so setting it then sends the configured password once."
    )]
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
            .field(
                "password_wo",
                &self.password_wo.as_ref().map(|_| "<redacted>"),
            )
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
            groups: Unknowable::Unknown,
            keys: None,
            password: None,
            password_wo: None,
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
            groups: Unknowable::Known(found.groups.iter().map(ToString::to_string).collect()),
            keys,
            password: prior.password.clone(),
            // Write-only: never read back, never stored.
            password_wo: None,
            password_wo_version: prior.password_wo_version,
        }
    }

    pub(super) fn user(&self) -> Result<UserId, Diagnostics> {
        convert::parse_id(&self.user_id, Self::USER_ID, USER_EXAMPLE).map_err(Diagnostics::from)
    }

    fn expire(&self) -> Result<i64, Diagnostics> {
        match &self.expiration_date {
            None => Ok(0),
            Some(text) if is_epoch(text) => Ok(0),
            Some(text) => convert::rfc3339_to_epoch(text).map_err(|detail| {
                Diagnostics::from(convert::invalid(Self::EXPIRATION_DATE, detail))
            }),
        }
    }

    fn group_ids(&self) -> Result<Option<Vec<GroupId>>, Diagnostics> {
        let Some(groups) = self.groups.known() else {
            return Ok(None);
        };
        groups
            .iter()
            .map(|group| convert::parse_id(group, Self::GROUPS, "ops").map_err(Diagnostics::from))
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
        let groups = match (self.groups.known(), before.groups.known()) {
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
                .known()
                .is_none_or(|groups| read.groups.known() == Some(groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::value::Value;

    fn api_user(json: serde_json::Value) -> User {
        serde_json::from_value(json).unwrap()
    }

    fn planned() -> UserModel {
        UserModel {
            comment: Some("CI".into()),
            enabled: true,
            expiration_date: Some("2030-01-01T01:00:00+01:00".into()),
            groups: Unknowable::Known(BTreeSet::from(["ops".to_string()])),
            password: Some("correct horse".into()),
            ..UserModel::imported(&"ci@pve".parse().unwrap())
        }
    }

    #[test]
    fn state_round_trips_through_value() {
        let model = planned();
        assert_eq!(UserModel::from_value(&model.to_value()).unwrap(), model);
        let identity = model.to_state().identity.unwrap();
        assert_eq!(identity.get("user_id").as_str(), Some("ci@pve"));
    }

    #[test]
    fn unknown_groups_are_not_sent_on_create() {
        let mut value = planned().to_value();
        value.set_attr(UserModel::GROUPS, Value::Unknown);
        let model = UserModel::from_value(&value).unwrap();
        assert_eq!(model.groups, Unknowable::Unknown);
        assert!(model.create_request(None).unwrap().groups.is_empty());
        // Still unknown in the state written for it (until apply reads it).
        assert!(model.to_value().get(UserModel::GROUPS).is_unknown());
        // Null (no `groups` in a prior state) is a known, empty membership.
        value.set_attr(UserModel::GROUPS, Value::Null);
        let model = UserModel::from_value(&value).unwrap();
        assert_eq!(model.groups, Unknowable::Known(BTreeSet::new()));
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
        assert_eq!(read.groups, Unknowable::Known(BTreeSet::new()));
        assert!(!planned().matches(&never));
    }

    #[test]
    fn update_sends_only_changes_and_clears_with_empty_text() {
        let before = planned();
        let mut after = planned();
        after.comment = None;
        after.email = Some("ci@example.com".into());
        after.groups = Unknowable::Known(BTreeSet::new());
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
        let mut model = planned();
        model.password_wo = Some("write only secret".into());
        let text = format!("{model:?}");
        assert!(!text.contains("correct horse"));
        assert!(!text.contains("write only secret"));
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
