//! Users: `/access/users` and `PUT /access/password`.

use serde::Deserialize;

use crate::api::tokens::{TokenInfo, tokens_lenient};
use crate::api::with_field;
use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{Client, Error, GroupId, Secret, UserId};

/// A user as PVE reports it (list entry with `full=1`, or a single user).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// The user id.
    pub userid: UserId,
    /// Whether the user may log in (PVE default: enabled).
    #[serde(default = "default_true", deserialize_with = "de::bool_lenient")]
    pub enable: bool,
    /// Account expiry, seconds since the epoch; 0 = never.
    #[serde(default, deserialize_with = "de::i64_lenient")]
    pub expire: i64,
    /// First name.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub lastname: Option<String>,
    /// E-mail address (PVE may send `""` for none; that is `None` here).
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub email: Option<String>,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub comment: Option<String>,
    /// Legacy two-factor keys (`x` when the user has entries in the TFA config).
    #[serde(default)]
    pub keys: Option<Secret>,
    /// Group membership (array on GET, comma string in the list; `""` = none).
    #[serde(default, deserialize_with = "de::list_skipping_invalid")]
    pub groups: Vec<GroupId>,
    /// The user's API tokens (list with `full=1` and GET only; `null` = none).
    #[serde(default, deserialize_with = "tokens_lenient")]
    pub tokens: Vec<TokenInfo>,
    /// The realm type (`pve`, `pam`, `ldap`, …), in list entries.
    #[serde(default, rename = "realm-type")]
    pub realm_type: Option<String>,
    /// Whether TOTP is locked after too many failures.
    #[serde(
        default,
        rename = "totp-locked",
        deserialize_with = "de::opt_bool_lenient"
    )]
    pub totp_locked: Option<bool>,
    /// Until when all second factors are locked (epoch seconds).
    #[serde(default, rename = "tfa-locked-until")]
    pub tfa_locked_until: Option<i64>,
}

fn default_true() -> bool {
    true
}

/// Parameters of `POST /access/users`. Unset fields are not sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateUser {
    /// Initial password (8–64 characters; the realm must store passwords).
    pub password: Option<Secret>,
    /// Enabled (PVE default: true).
    pub enable: Option<bool>,
    /// Expiry in epoch seconds, 0 = never.
    pub expire: Option<i64>,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Legacy two-factor keys.
    pub keys: Option<Secret>,
    /// Groups to join (must exist).
    pub groups: Vec<GroupId>,
}

impl CreateUser {
    fn to_params(&self, userid: &UserId) -> Params {
        let mut p = Params::new();
        p.put("userid", userid.as_str())
            .opt("password", self.password.as_ref().map(Secret::expose))
            .opt_bool("enable", self.enable)
            .opt("expire", self.expire)
            .opt("firstname", self.firstname.as_deref())
            .opt("lastname", self.lastname.as_deref())
            .opt("email", self.email.as_deref())
            .opt("comment", self.comment.as_deref())
            .opt("keys", self.keys.as_ref().map(Secret::expose))
            .nonempty_list("groups", &self.groups);
        p
    }
}

/// Parameters of `PUT /access/users/{userid}`. `None` leaves a field
/// unchanged; `Some(String::new())` clears a text field (PVE clears with `""`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateUser {
    /// Enabled.
    pub enable: Option<bool>,
    /// Expiry in epoch seconds, 0 = never.
    pub expire: Option<i64>,
    /// First name (`""` clears).
    pub firstname: Option<String>,
    /// Last name (`""` clears).
    pub lastname: Option<String>,
    /// E-mail (`""` clears).
    pub email: Option<String>,
    /// Comment (`""` clears).
    pub comment: Option<String>,
    /// Legacy two-factor keys (`""` clears).
    pub keys: Option<Secret>,
    /// Groups: replaces the membership (an empty list removes all groups),
    /// or is added to it when `append` is set.
    pub groups: Option<Vec<GroupId>>,
    /// Add `groups` instead of replacing the membership.
    pub append: bool,
}

impl UpdateUser {
    fn to_params(&self) -> Params {
        let mut p = Params::new();
        p.opt_bool("enable", self.enable)
            .opt("expire", self.expire)
            .opt("firstname", self.firstname.as_deref())
            .opt("lastname", self.lastname.as_deref())
            .opt("email", self.email.as_deref())
            .opt("comment", self.comment.as_deref())
            .opt("keys", self.keys.as_ref().map(Secret::expose));
        if let Some(groups) = &self.groups {
            p.list("groups", groups);
            p.flag("append", self.append);
        }
        p
    }
}

/// Parameters of `PUT /access/password`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangePassword {
    /// The new password (8–64 characters).
    pub password: Secret,
    /// The *caller's* current password; required unless the caller is `root@pam`.
    pub confirmation_password: Option<Secret>,
}

/// Filters for [`UsersHandler::list_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct ListUsers {
    /// Only enabled (`Some(true)`) or disabled (`Some(false)`) users.
    pub enabled: Option<bool>,
    /// Include groups and tokens (`full=1`).
    pub full: bool,
}

impl Default for ListUsers {
    fn default() -> Self {
        Self {
            enabled: None,
            full: true,
        }
    }
}

/// Handler for `/access/users`. Get one with [`Client::users`].
#[derive(Debug, Clone, Copy)]
pub struct UsersHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// Users: list, get, create, update, delete, change password.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::{CreateUser, UserId};
    /// let alice: UserId = "alice@pve".parse()?;
    /// client.users().create(&alice, &CreateUser {
    ///     comment: Some("CI operator".into()),
    ///     ..Default::default()
    /// }).await?;
    /// let user = client.users().get(&alice).await?;
    /// assert!(user.enable);
    /// # Ok(()) }
    /// ```
    pub fn users(&self) -> UsersHandler<'_> {
        UsersHandler { client: self }
    }
}

impl UsersHandler<'_> {
    /// All users visible to the caller, with groups and tokens (`full=1`).
    pub async fn list(&self) -> Result<Vec<User>, Error> {
        self.list_with(&ListUsers::default()).await
    }

    /// Users, filtered.
    pub async fn list_with(&self, filter: &ListUsers) -> Result<Vec<User>, Error> {
        let mut q = Params::new();
        q.opt_bool("enabled", filter.enabled)
            .flag("full", filter.full);
        self.client
            .execute_list(ApiRequest::get(&["access", "users"]).query(q))
            .await
    }

    /// One user (with groups and tokens).
    pub async fn get(&self, userid: &UserId) -> Result<User, Error> {
        let data: serde_json::Value = self
            .client
            .execute(ApiRequest::get(&["access", "users", userid.as_str()]))
            .await?;
        // GET does not repeat the id: add it so `User` is the same shape as a list entry.
        crate::api::decode(
            "GET",
            &format!("/access/users/{userid}"),
            with_field(data, "userid", userid.as_str()),
        )
    }

    /// Creates a user. Not retried after a failure in transit (the result is
    /// then [`Error::OutcomeUnknown`]); a repeated create answers [`Error::Conflict`].
    pub async fn create(&self, userid: &UserId, user: &CreateUser) -> Result<(), Error> {
        self.client
            .execute_unit(ApiRequest::post(&["access", "users"]).form(user.to_params(userid)))
            .await
    }

    /// Updates a user. Idempotent (retried on transient errors) unless `append` is set.
    pub async fn update(&self, userid: &UserId, update: &UpdateUser) -> Result<(), Error> {
        let append = update.append && update.groups.is_some();
        self.client
            .execute_unit(
                ApiRequest::put(&["access", "users", userid.as_str()])
                    .form(update.to_params())
                    .idempotent(!append),
            )
            .await
    }

    /// Deletes a user (with its tokens, group memberships and user ACLs).
    pub async fn delete(&self, userid: &UserId) -> Result<(), Error> {
        self.client
            .execute_unit(ApiRequest::delete(&["access", "users", userid.as_str()]))
            .await
    }

    /// Changes a user's password (`PUT /access/password`). Needs a ticket:
    /// PVE refuses this call with an API token.
    pub async fn change_password(
        &self,
        userid: &UserId,
        change: &ChangePassword,
    ) -> Result<(), Error> {
        let mut p = Params::new();
        p.put("userid", userid.as_str())
            .put("password", change.password.expose())
            .opt(
                "confirmation-password",
                change.confirmation_password.as_ref().map(Secret::expose),
            );
        self.client
            .execute_unit(
                ApiRequest::put(&["access", "password"])
                    .form(p)
                    .idempotent(true),
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_entry_with_full_decodes_quirks() {
        let json = serde_json::json!({
            "userid": "alice@pve", "enable": 1, "expire": 0, "email": "",
            "groups": "ops,dev", "tokens": [{"tokenid": "ci", "privsep": "0", "expire": 0}],
            "realm-type": "pve", "unknown-extra": {"x": 1}
        });
        let u: User = serde_json::from_value(json).unwrap();
        assert_eq!(u.email, None);
        assert_eq!(u.groups.len(), 2);
        assert_eq!(u.tokens[0].tokenid.as_str(), "ci");
        assert!(!u.tokens[0].privsep);
        assert_eq!(u.realm_type.as_deref(), Some("pve"));
    }

    #[test]
    fn get_shape_decodes_groups_array_and_tokens_object() {
        let json = serde_json::json!({
            "userid": "alice@pve", "enable": "0", "expire": "1700000000",
            "groups": ["ops"], "tokens": {"ci": {"privsep": 1, "expire": 5, "comment": "c"}}
        });
        let u: User = serde_json::from_value(json).unwrap();
        assert!(!u.enable);
        assert_eq!(u.expire, 1_700_000_000);
        assert_eq!(u.groups[0].as_str(), "ops");
        assert_eq!(u.tokens[0].comment.as_deref(), Some("c"));
        assert_eq!(u.tokens[0].expire, 5);
    }

    #[test]
    fn null_tokens_and_empty_groups_are_empty() {
        let json = serde_json::json!({"userid": "a@pve", "groups": "", "tokens": null});
        let u: User = serde_json::from_value(json).unwrap();
        assert!(u.groups.is_empty() && u.tokens.is_empty());
        assert!(
            u.enable,
            "absent enable defaults to PVE's default (enabled)"
        );
    }

    #[test]
    fn update_encodes_clearing_and_append() {
        let upd = UpdateUser {
            email: Some(String::new()),
            enable: Some(false),
            groups: Some(vec![GroupId::new("ops").unwrap()]),
            append: true,
            ..Default::default()
        };
        assert_eq!(
            upd.to_params().to_form(),
            "enable=0&email=&groups=ops&append=1"
        );
        let clear_groups = UpdateUser {
            groups: Some(vec![]),
            ..Default::default()
        };
        assert_eq!(clear_groups.to_params().to_form(), "groups=");
    }
}
