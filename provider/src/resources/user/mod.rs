//! `pve_user`: a Proxmox VE user, its profile, expiry and group membership.

use async_trait::async_trait;
use proxmox_client::{ChangePassword, GroupId, Secret, UpdateUser, UserId};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::{Connection, Creation, Pve};
use crate::convert::{self, check_known_string, max_length};

mod model;
mod moved;

use model::UserModel;

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
                        "The password (8–64 characters) for realms that store passwords (`pve`, `pam`). Prefer `password_wo` (Terraform 1.11 or later), which keeps the password out of plan and state. \
Sent on create; a later change is applied with `PUT /access/password`, which PVE accepts only from a ticket login (provider `username` + `password`), not an API token. \
The password is never read back: Terraform keeps the configured value in state (it is sensitive, but protect your state), an out-of-band change is not detected, and unsetting it leaves the password as it is. After `terraform import` the next apply sets a configured password. Conflicts with `password_wo`.",
                    )
                    .sensitive(),
                Attribute::optional("password_wo", Type::String)
                    .description(
                        "The password (8–64 characters), write-only: Terraform sends it to the provider but never stores it in the plan or the state (Terraform 1.11 or later; older clients get an error). \
Sent when the user is created, and again whenever `password_wo_version` changes, so bump the version to apply a new password (a changed `password_wo` alone plans nothing, since Terraform keeps no copy to compare with). \
Changes after create use `PUT /access/password`, which needs a ticket login (provider `username` + `password`). Conflicts with `password`; recommended over it.",
                    )
                    .sensitive()
                    .write_only(),
                Attribute::optional("password_wo_version", Type::Number)
                    .description(
                        "Any whole number; changing it sends `password_wo` to PVE again (in place). Only meaningful with `password_wo`. Null after `terraform import`, so setting it then sends the configured password once.",
                    ),
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

    async fn create(&self, planned: &Value, config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = UserModel::from_value(planned)?;
        let user = model.user()?;
        let connection = self.pve.connection()?;
        let request = model.create_request(write_only_password(config)?)?;
        let id = user.clone();
        connection
            .create_or_adopt(
                &Creation::new("user", user.as_str(), "pve_user", "user_id")
                    .explain_conflict(exists_in_other_casing),
                |client| async move { client.users().create(&id, &request).await },
                |client| {
                    let id = user.clone();
                    async move { client.users().get(&id).await }
                },
                |found| model.matches(found),
            )
            .await?;
        // The user exists now: never fail from here on, or Terraform would forget it.
        Ok(read_back(&connection, &user, &model).await.into_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let prior = UserModel::from_value(&current.state)?;
        let user = prior.user()?;
        let connection = self.pve.connection()?;
        let found = match connection.listed_user(&user).await {
            Some(found) => Ok(found),
            None => connection.client().users().get(&user).await,
        };
        match found {
            Ok(found) => Ok(Some(UserModel::from_api(&found, &prior).into_state())),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read user '{user}'"), &error)),
        }
    }

    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        config: &Value,
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
        let new_password = if let Some(password) = after
            .password
            .as_ref()
            .filter(|p| before.password.as_ref() != Some(*p))
        {
            Some(Secret::new(password.clone()))
        } else if after.password_wo_version.is_some()
            && after.password_wo_version != before.password_wo_version
        {
            // The version was bumped: this is the one moment the write-only
            // password is sent again.
            Some(write_only_password(config)?.ok_or_else(|| {
                Diagnostics::from(convert::invalid(
                    "password_wo",
                    "`password_wo_version` changed but `password_wo` is not set: set `password_wo` to the new password, or leave `password_wo_version` as it was.",
                ))
            })?)
        } else {
            None
        };
        if let Some(password) = new_password {
            let change = ChangePassword {
                password,
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
        connection
            .delete(&format!("delete user '{user}'"), |client| async move {
                client.users().delete(&id).await
            })
            .await
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

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_user", &moved::BPG_TYPES, moved::from_bpg)
    }
}

/// Checks what can be checked without PVE; unknown values are skipped.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    check_known_string(config, "user_id", &mut diagnostics, |text| {
        text.parse::<UserId>()
            .map(drop)
            .map_err(|error| format!("{error}. Use a value like `{USER_EXAMPLE}`."))
            .and_then(|()| convert::no_list_separator(text))
    });
    if config.get("comment").as_str() == Some("") {
        diagnostics.push(empty_means_unset("comment"));
    }
    check_known_string(config, "comment", &mut diagnostics, |text| {
        if text.is_empty() {
            Ok(())
        } else {
            convert::user_cfg_comment(text).and_then(|()| max_length(2048)(text))
        }
    });
    for (name, max) in [("email", 254), ("first_name", 1024), ("last_name", 1024)] {
        if config.get(name).as_str() == Some("") {
            diagnostics.push(empty_means_unset(name));
        }
        check_known_string(config, name, &mut diagnostics, |text| {
            if text.is_empty() {
                Ok(())
            } else {
                max_length(max)(text)
            }
        });
    }
    check_known_string(config, "email", &mut diagnostics, |text| {
        if text.is_empty() || is_email(text) {
            Ok(())
        } else {
            Err("PVE accepts only a plain address like `ops@example.com` here.".into())
        }
    });
    if config
        .get("expiration_date")
        .as_str()
        .is_some_and(model::is_epoch)
    {
        diagnostics.push(
            Diagnostic::warning(
                "expiration_date at the Unix epoch means \"never\"",
                "bpg/proxmox writes `1970-01-01T00:00:00Z` for \"never expires\"; PVE reads it the same way (0). It is accepted as unset; remove the attribute to silence this warning.",
            )
            .at_attribute("expiration_date"),
        );
    }
    check_known_string(config, "expiration_date", &mut diagnostics, |text| {
        if model::is_epoch(text) {
            Ok(())
        } else {
            convert::rfc3339_to_epoch(text).map(drop)
        }
    });
    if config.get("keys").as_str() == Some("") {
        diagnostics.push(empty_means_unset("keys"));
    }
    check_known_string(config, "keys", &mut diagnostics, |text| {
        if text.is_empty() {
            Ok(())
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
    // Password diagnostics name the attribute but carry no attribute path:
    // with one, Terraform prints the configuration line, password included.
    for name in ["password", "password_wo"] {
        if let Some(Err(detail)) = config.get(name).as_str().map(password_length) {
            diagnostics.push(Diagnostic::error(format!("Invalid {name}"), detail));
        }
    }
    // Unknown counts as set: the two would both reach PVE.
    if !config.get("password").is_null() && !config.get("password_wo").is_null() {
        diagnostics.push(Diagnostic::error(
            "Conflicting attributes: password and password_wo",
            "`password` and `password_wo` both set the user's password: keep only one. Prefer `password_wo` (with `password_wo_version`), which never stores the password in plan or state.",
        ));
    }
    if !config.get("password_wo_version").is_null() && config.get("password_wo").is_null() {
        diagnostics.push(convert::invalid(
            "password_wo_version",
            "`password_wo_version` only says when to send `password_wo` again, and `password_wo` is not set: set `password_wo`, or remove `password_wo_version`.",
        ));
    }
    if let Some(groups) = config.get("groups").elements() {
        for group in groups.iter().filter_map(Value::as_str) {
            if let Err(error) = convert::parse_id::<GroupId>(group, "groups", "ops") {
                diagnostics.push(error);
            }
        }
    }
    diagnostics
}

/// The warning for a bpg habit: `""` written for "none".
fn empty_means_unset(name: &str) -> Diagnostic {
    Diagnostic::warning(
        format!("Empty {name} means unset"),
        format!("PVE stores no empty {name}, so `\"\"` (bpg/proxmox's default) is treated as unset and plans no change. Remove `{name}` (or set it to null) to silence this warning."),
    )
    .at_attribute(name)
}

/// PVE's password length rule, counted in characters as PVE does. The
/// error never echoes the password.
fn password_length(text: &str) -> Result<(), String> {
    let length = text.chars().count();
    if (8..=64).contains(&length) {
        Ok(())
    } else {
        Err(format!("PVE requires 8 to 64 characters (got {length})."))
    }
}

/// `password_wo` from the configuration (the plan and state never hold it).
fn write_only_password(config: &Value) -> Result<Option<Secret>, Diagnostics> {
    Ok(convert::string(config, "password_wo")?.map(Secret::new))
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
    let text = convert::import_key(request, "user_id");
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
                "comment", // a warning: bpg's "" means unset
                "email",
                "expiration_date", // a warning: bpg's epoch means never
                "keys",
                "", // password: named in the summary, no path (see validate_config)
                "groups"
            ]
        );
        let warnings: Vec<String> = diagnostics
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| d.summary.clone())
            .collect();
        assert_eq!(
            warnings,
            [
                "Empty comment means unset",
                "expiration_date at the Unix epoch means \"never\""
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
    fn write_only_password_conflicts_and_versions() {
        let both = Value::object([
            ("user_id", Value::from("ci@pve")),
            ("password", Value::from("first password")),
            ("password_wo", Value::Unknown),
        ]);
        let diagnostics = validate_config(&both);
        assert_eq!(diagnostics.iter().count(), 1);
        let conflict = diagnostics.iter().next().unwrap();
        assert!(conflict.detail.contains("`password` and `password_wo`"));
        assert!(
            conflict.attribute.is_none(),
            "no path, so Terraform prints no password line"
        );
        assert!(!conflict.detail.contains("first password"));

        let lonely_version = Value::object([
            ("user_id", Value::from("ci@pve")),
            ("password_wo_version", Value::number(1)),
        ]);
        let at: Vec<String> = validate_config(&lonely_version)
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(at, ["password_wo_version"]);

        let short = Value::object([
            ("user_id", Value::from("ci@pve")),
            ("password_wo", Value::from("tiny")),
            ("password_wo_version", Value::number(1)),
        ]);
        let diagnostics = validate_config(&short);
        assert_eq!(diagnostics.iter().count(), 1);
        assert!(diagnostics.iter().all(|d| !d.detail.contains("tiny")));
        assert!(
            diagnostics
                .iter()
                .all(|d| d.summary == "Invalid password_wo")
        );

        let good = short.with_attr("password_wo", "long enough secret");
        assert!(validate_config(&good).is_empty());
        assert_eq!(
            write_only_password(&good).unwrap().unwrap().expose(),
            "long enough secret"
        );
        assert!(write_only_password(&lonely_version).unwrap().is_none());
    }
}

/// The conflict of a user that exists under another spelling in a realm
/// whose user names are case-insensitive: say which spelling to use.
fn exists_in_other_casing(
    creation: &Creation<'_>,
    error: &proxmox_client::Error,
) -> Option<Diagnostics> {
    let user = creation.id;
    let existing = other_casing(&error.to_string(), user)?;
    Some(Diagnostics::from(
        Diagnostic::error(
            format!("User '{user}' already exists as '{existing}'"),
            format!(
                "The realm of '{user}' treats user names as case-insensitive (its `case_sensitive` is false), so PVE sees '{user}' and the existing '{existing}' as the same user. Use the stored spelling, user_id = \"{existing}\", and import it: `terraform import pve_user.NAME {existing}`.\n\n{error}"
            ),
        )
        .at_attribute(creation.attribute),
    ))
}

/// PVE's `user 'Jane@corp' already exists` for a requested `jane@corp`: in a
/// realm with `case-sensitive 0` the existing user of another casing
/// (pve-access-control `lookup_username`). None when the casing matches.
fn other_casing(message: &str, requested: &str) -> Option<String> {
    let start = message.find("user '")? + "user '".len();
    let end = start + message[start..].find("' already exists")?;
    let existing = &message[start..end];
    (existing != requested && existing.eq_ignore_ascii_case(requested))
        .then(|| existing.to_string())
}

#[cfg(test)]
mod casing_tests {
    use super::other_casing;

    #[test]
    fn finds_the_stored_casing() {
        let message = "500 create user failed: user 'Jane@corp' already exists";
        assert_eq!(
            other_casing(message, "jane@corp").as_deref(),
            Some("Jane@corp")
        );
        assert_eq!(other_casing(message, "Jane@corp"), None);
        assert_eq!(other_casing("user 'x@pve' already exists", "y@pve"), None);
    }
}
