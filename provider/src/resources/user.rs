//! `pve_user`: a Proxmox VE user, its profile, expiry and group membership.

use std::collections::BTreeSet;
use std::fmt;

use async_trait::async_trait;
use proxmox_client::{ChangePassword, CreateUser, GroupId, Secret, UpdateUser, User, UserId};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ImportRequest, Resource, ResourceState};
use tfplugin::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::{Connection, Pve};
use crate::convert::{self, check_known_string, max_length};

const USER_EXAMPLE: &str = "ci@pve";

/// The `pve_user` resource.
#[derive(Debug)]
pub struct UserResource {
    pve: Pve,
}

impl UserResource {
    /// The resource, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UserResource { pve: pve.clone() }
    }
}

#[async_trait]
impl Resource for UserResource {
    fn type_name(&self) -> &str {
        "pve_user"
    }

    fn schema(&self) -> Schema {
        let text = |name: &str, what: &str, max: usize| {
            Attribute::optional(name, Type::String).description(format!(
                "{what} At most {max} characters; leave it unset (not `\"\"`) for none. A value set outside Terraform is removed when this is unset."
            ))
        };
        Schema::new(Block {
            description: "A Proxmox VE user (`/access/users`). The user's API tokens are `pve_user_token` resources, its privileges come from `pve_acl`. \
Import with the user id: `terraform import pve_user.NAME ci@pve`."
                .into(),
            attributes: vec![
                Attribute::required("user_id", Type::String)
                    .description("The user id, `NAME@REALM` (e.g. `ci@pve`), 3–64 characters. Changing it replaces the user.")
                    .requires_replace(),
                text("comment", "A free-text comment.", 2048),
                text("email", "The e-mail address.", 254),
                text("first_name", "The first name.", 1024),
                text("last_name", "The last name.", 1024),
                Attribute::optional("enabled", Type::Bool)
                    .description("Whether the user (and so its API tokens) may log in. Default `true`.")
                    .default_value(Value::Bool(true)),
                Attribute::optional("expiration_date", Type::String).description(
                    "When the account expires, as an RFC 3339 timestamp in whole seconds (`2030-01-31T23:59:59Z`). Unset means never. The user's API tokens stop working with it.",
                ),
                Attribute::optional_computed("groups", Type::Set(Box::new(Type::String)))
                    .description(
                        "The groups the user belongs to (they must exist; membership is managed here, `pve_group.members` only reports it). The set replaces the user's membership: an empty set `[]` removes the user from every group. Unset leaves membership alone and reports it.",
                    )
                    .use_state_for_unknown(),
                Attribute::optional("keys", Type::String)
                    .description("Legacy Yubico/OATH two-factor keys (`[0-9a-zA-Z!=]`, up to 4096 characters). Prefer PVE's TFA settings for new setups.")
                    .sensitive(),
                Attribute::optional("password", Type::String)
                    .description(
                        "The password (8–64 characters) for realms that store passwords (`pve`, `pam`). Sent on create; a later change is applied with `PUT /access/password`, which PVE accepts only from a ticket login (provider `username` + `password`), not an API token. \
The password is never read back: Terraform keeps the configured value in state (it is sensitive, but protect your state), an out-of-band change is not detected, and unsetting it leaves the password as it is. After `terraform import` the next apply sets a configured password.",
                    )
                    .sensitive(),
            ],
            ..Block::default()
        })
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "user_id".into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "The user id, `NAME@REALM`.".into(),
            }],
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = UserModel::from_value(planned)?;
        let user = model.user()?;
        let connection = self.pve.connection()?;
        let request = model.create_request()?;
        let (id, body) = (user.clone(), request.clone());
        match connection
            .write(|client| async move { client.users().create(&id, &body).await })
            .await
        {
            Ok(()) => {}
            Err(error) if error.is_conflict() => {
                return Err(Diagnostics::from(
                    Diagnostic::error(
                        format!("User '{user}' already exists"),
                        format!(
                            "PVE already has a user '{user}'. To manage it with Terraform, import it: `terraform import pve_user.NAME {user}` (or an `import {{ to = pve_user.NAME, id = \"{user}\" }}` block); or choose another user_id.\n\n{error}"
                        ),
                    )
                    .at_attribute("user_id"),
                ));
            }
            Err(error) if error.is_outcome_unknown() => {
                // The request may have reached PVE: adopt the user only if it is what was asked.
                match connection.client().users().get(&user).await {
                    Ok(found) if model.matches(&found) => {}
                    Ok(_) => {
                        return Err(Diagnostics::error(
                            format!("User '{user}' exists with other settings"),
                            format!(
                                "The create request was interrupted and a user '{user}' now exists, but not as planned; it may belong to someone else. Inspect it, then import it (`terraform import pve_user.NAME {user}`) or delete it.\n\n{error}"
                            ),
                        ));
                    }
                    Err(_) => {
                        return Err(connection.diagnose(&format!("create user '{user}'"), &error));
                    }
                }
            }
            Err(error) => return Err(connection.diagnose(&format!("create user '{user}'"), &error)),
        }
        // The user exists now: never fail from here on, or Terraform would forget it.
        Ok(read_back(&connection, &user, &model).await.into_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let prior = UserModel::from_value(&current.state)?;
        let user = prior.user()?;
        let connection = self.pve.connection()?;
        match connection.client().users().get(&user).await {
            Ok(found) => Ok(Some(UserModel::from_api(&found, &prior).into_state())),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read user '{user}'"), &error)),
        }
    }

    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let before = UserModel::from_value(&prior.state)?;
        let after = UserModel::from_value(planned)?;
        let user = after.user()?;
        let connection = self.pve.connection()?;
        let request = after.update_request(&before)?;
        if request != UpdateUser::default() {
            let id = user.clone();
            connection
                .write(|client| async move { client.users().update(&id, &request).await })
                .await
                .map_err(|error| connection.diagnose(&format!("update user '{user}'"), &error))?;
        }
        if let Some(password) = after
            .password
            .as_ref()
            .filter(|p| before.password.as_ref() != Some(*p))
        {
            let change = ChangePassword {
                password: Secret::new(password.clone()),
                confirmation_password: None,
            };
            let id = user.clone();
            connection
                .write(|client| async move { client.users().change_password(&id, &change).await })
                .await
                .map_err(|error| password_diagnostic(&connection, &user, &error))?;
        }
        Ok(read_back(&connection, &user, &after).await.into_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let user = UserModel::from_value(&prior.state)?.user()?;
        let connection = self.pve.connection()?;
        let id = user.clone();
        match connection
            .write(|client| async move { client.users().delete(&id).await })
            .await
        {
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => Err(connection.diagnose(&format!("delete user '{user}'"), &error)),
        }
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let user = parse_import_id(request)?;
        let connection = self.pve.connection()?;
        let found = match connection.client().users().get(&user).await {
            Ok(found) => found,
            Err(error) if error.is_not_found() => {
                return Err(Diagnostics::error(
                    format!("User '{user}' does not exist"),
                    "There is no such user on the PVE server, so there is nothing to import. Check the id (`NAME@REALM`), or let Terraform create it.",
                ));
            }
            Err(error) => return Err(connection.diagnose(&format!("read user '{user}'"), &error)),
        };
        Ok(vec![
            UserModel::from_api(&found, &UserModel::imported(&user)).into_state(),
        ])
    }
}

/// Checks what can be checked without PVE; unknown values are skipped.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    check_known_string(config, "user_id", &mut diagnostics, |text| {
        text.parse::<UserId>()
            .map(drop)
            .map_err(|error| format!("{error}. Use a value like `{USER_EXAMPLE}`."))
    });
    for (name, max) in [
        ("comment", 2048),
        ("email", 254),
        ("first_name", 1024),
        ("last_name", 1024),
    ] {
        check_known_string(config, name, &mut diagnostics, |text| {
            if text.is_empty() {
                Err(format!(
                    "PVE does not store an empty {name}; leave `{name}` unset instead of \"\"."
                ))
            } else {
                max_length(max)(text)
            }
        });
    }
    check_known_string(config, "email", &mut diagnostics, |text| {
        if is_email(text) {
            Ok(())
        } else {
            Err("PVE accepts only a plain address like `ops@example.com` here.".into())
        }
    });
    check_known_string(config, "expiration_date", &mut diagnostics, |text| {
        convert::rfc3339_to_epoch(text).map(drop)
    });
    check_known_string(config, "keys", &mut diagnostics, |text| {
        if text.is_empty() {
            Err("leave `keys` unset instead of \"\".".into())
        } else if text.len() > 4096
            || !text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '!' || c == '=')
        {
            Err("PVE accepts up to 4096 of the characters 0-9, a-z, A-Z, `!` and `=` here.".into())
        } else {
            Ok(())
        }
    });
    check_known_string(config, "password", &mut diagnostics, |text| {
        // Count characters as PVE does, and never echo the password.
        let length = text.chars().count();
        if (8..=64).contains(&length) {
            Ok(())
        } else {
            Err(format!("PVE requires 8 to 64 characters (got {length})."))
        }
    });
    if let Some(groups) = config.get("groups").elements() {
        for group in groups.iter().filter_map(Value::as_str) {
            if let Err(error) = convert::parse_id::<GroupId>(group, "groups", "ops") {
                diagnostics.push(error);
            }
        }
    }
    diagnostics
}

/// PVE's `email-opt` rule (reference §3): `local@domain`, dot-separated non-empty parts.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let local_ok = local.split('.').all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '+' | '-' | '~'))
    });
    let domain_ok = domain.split('.').all(|part| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    });
    local_ok && domain_ok
}

fn parse_import_id(request: &ImportRequest) -> Result<UserId, Diagnostics> {
    let text = match &request.identity {
        Some(identity) => identity
            .get("user_id")
            .as_str()
            .unwrap_or_default()
            .to_string(),
        None => request.id.trim().to_string(),
    };
    text.parse().map_err(|error| {
        Diagnostics::error(
            "Invalid import id",
            format!("{error}. The import id of pve_user is the user id, e.g. `terraform import pve_user.NAME {USER_EXAMPLE}`."),
        )
    })
}

/// The user as PVE has it after a write. If that read fails, the planned
/// values stand in (the next refresh corrects them): a created user must
/// reach the state.
async fn read_back(connection: &Connection, user: &UserId, planned: &UserModel) -> UserModel {
    match connection.client().users().get(user).await {
        Ok(found) => UserModel::from_api(&found, planned),
        Err(_) => UserModel {
            groups: Some(planned.groups.clone().unwrap_or_default()),
            ..planned.clone()
        },
    }
}

/// PVE refuses password changes from API tokens (`allowtoken => 0`); say
/// that instead of the generic "missing privilege" hint. The diagnostic does
/// not point at `password`, so Terraform does not print its source line.
fn password_diagnostic(
    connection: &Connection,
    user: &UserId,
    error: &proxmox_client::Error,
) -> Diagnostics {
    if error.is_permission() && connection.credential().starts_with("API token") {
        return Diagnostics::error(
            "Password changes need a ticket login",
            format!(
                "Could not change the password of '{user}': PVE refuses `PUT /access/password` from API tokens. Configure the provider with `username` and `password` (PROXMOX_VE_USERNAME / PROXMOX_VE_PASSWORD) for this change, or change the password outside Terraform and update the configuration to match.\n\n{error}"
            ),
        );
    }
    connection.diagnose(&format!("change the password of '{user}'"), error)
}

/// The state of one `pve_user`.
#[derive(Clone, PartialEq, Eq)]
struct UserModel {
    user_id: String,
    comment: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    enabled: bool,
    expiration_date: Option<String>,
    /// `None` while unknown (planned from an unset attribute).
    groups: Option<BTreeSet<String>>,
    keys: Option<String>,
    password: Option<String>,
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
            .finish_non_exhaustive()
    }
}

impl UserModel {
    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
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
        })
    }

    /// What an import starts from: only the id is known.
    fn imported(user: &UserId) -> Self {
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
        }
    }

    /// The state for `found`, keeping from `prior` what PVE does not report
    /// (the password) or reports differently (the spelling of the expiry,
    /// the TFA marker in `keys`).
    fn from_api(found: &User, prior: &UserModel) -> Self {
        let keys = match found.keys.as_ref().map(Secret::expose) {
            // `x` marks "has entries in the TFA config", not a configured key.
            Some("x") if prior.keys.is_none() => None,
            Some(keys) => Some(keys.to_string()),
            None => None,
        };
        UserModel {
            user_id: found.userid.to_string(),
            comment: found.comment.clone(),
            email: found.email.clone(),
            first_name: found.firstname.clone(),
            last_name: found.lastname.clone(),
            enabled: found.enable,
            expiration_date: convert::expiration_from_api(
                found.expire,
                prior.expiration_date.as_deref(),
            ),
            groups: Some(found.groups.iter().map(ToString::to_string).collect()),
            keys,
            password: prior.password.clone(),
        }
    }

    fn user(&self) -> Result<UserId, Diagnostics> {
        convert::parse_id(&self.user_id, "user_id", USER_EXAMPLE).map_err(Diagnostics::from)
    }

    fn expire(&self) -> Result<i64, Diagnostics> {
        match &self.expiration_date {
            None => Ok(0),
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

    fn create_request(&self) -> Result<CreateUser, Diagnostics> {
        let expire = self.expire()?;
        Ok(CreateUser {
            password: self.password.clone().map(Secret::new),
            enable: Some(self.enabled),
            expire: (expire > 0).then_some(expire),
            firstname: self.first_name.clone(),
            lastname: self.last_name.clone(),
            email: self.email.clone(),
            comment: self.comment.clone(),
            keys: self.keys.clone().map(Secret::new),
            groups: self.group_ids()?.unwrap_or_default(),
        })
    }

    /// Only what changed from `before`; `""` clears a text field in PVE.
    fn update_request(&self, before: &UserModel) -> Result<UpdateUser, Diagnostics> {
        fn changed(after: &Option<String>, before: &Option<String>) -> Option<String> {
            (after != before).then(|| after.clone().unwrap_or_default())
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
    fn matches(&self, found: &User) -> bool {
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

    fn to_value(&self) -> Value {
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
        ])
    }

    fn into_state(self) -> ResourceState {
        ResourceState {
            state: self.to_value(),
            identity: Some(Value::object([("user_id", Value::string(&self.user_id))])),
            private: Vec::new(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
        assert!(model.create_request().unwrap().groups.is_empty());
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
    fn validation_names_the_attribute_and_the_fix() {
        let config = Value::object([
            ("user_id", Value::from("ci")),
            ("comment", Value::from("")),
            ("email", Value::from("not an address")),
            ("expiration_date", Value::from("1970-01-01T00:00:00Z")),
            ("password", Value::from("short")),
            ("keys", Value::from("bad key")),
            ("groups", Value::set_of_strings(["ops", "a:b"])),
        ]);
        let diagnostics = validate_config(&config);
        let at: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            at,
            [
                "user_id",
                "comment",
                "email",
                "expiration_date",
                "keys",
                "password",
                "groups"
            ]
        );
        assert!(
            diagnostics.iter().all(|d| !d.detail.contains("short")),
            "never echo the password"
        );
        let unknown = Value::object([("user_id", Value::Unknown), ("password", Value::Unknown)]);
        assert!(validate_config(&unknown).is_empty());
    }

    #[test]
    fn email_rule() {
        assert!(is_email("ops@example.com"));
        assert!(is_email("first.last+tag@sub.example-corp.org"));
        assert!(!is_email("ops@"));
        assert!(!is_email("ops@@example.com"));
        assert!(!is_email("a b@example.com"));
        assert!(!is_email(".ops@example.com"));
    }

    #[test]
    fn import_id_from_text_or_identity() {
        let by_id = ImportRequest {
            id: " ci@pve ".into(),
            identity: None,
        };
        assert_eq!(parse_import_id(&by_id).unwrap().as_str(), "ci@pve");
        let by_identity = ImportRequest {
            id: String::new(),
            identity: Some(Value::object([("user_id", "ops@pam")])),
        };
        assert_eq!(parse_import_id(&by_identity).unwrap().as_str(), "ops@pam");
        let bad = parse_import_id(&ImportRequest {
            id: "ci".into(),
            identity: None,
        })
        .unwrap_err();
        assert!(
            bad.0[0]
                .detail
                .contains("terraform import pve_user.NAME ci@pve")
        );
    }

    #[test]
    fn debug_hides_secrets() {
        let text = format!("{:?}", planned());
        assert!(!text.contains("correct horse"));
    }
}
