//! `pve_user`: a Proxmox VE user, its profile, expiry and group membership.

use async_trait::async_trait;
use proxmox_client::{ChangePassword, GroupId, Secret, UpdateUser, UserId};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::{Connection, Creation, Pve};
use crate::convert::{self, check_known_string, max_length};

mod model;
mod moved;

pub(crate) use model::UserModel;
use tfplugin::model::Unknowable;

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
        UserModel::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        UserModel::identity_schema()
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
                &Creation::new("user", user.as_str(), "pve_user", UserModel::USER_ID)
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
        Ok(read_back(&connection, &user, &model).await.to_state())
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
            Ok(found) => Ok(Some(UserModel::from_api(&found, &prior).to_state())),
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
                    UserModel::PASSWORD_WO,
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
        Ok(read_back(&connection, &user, &after).await.to_state())
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
            UserModel::from_api(&found, &UserModel::imported(&user)).to_state(),
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
    check_known_string(config, UserModel::USER_ID, &mut diagnostics, |text| {
        text.parse::<UserId>()
            .map(drop)
            .map_err(|error| format!("{error}. Use a value like `{USER_EXAMPLE}`."))
            .and_then(|()| convert::no_list_separator(text))
            .and_then(|()| ascii_user_id(text))
    });
    if config.get(UserModel::COMMENT).as_str() == Some("") {
        diagnostics.push(empty_means_unset(UserModel::COMMENT));
    }
    check_known_string(config, UserModel::COMMENT, &mut diagnostics, |text| {
        if text.is_empty() {
            Ok(())
        } else {
            convert::user_cfg_comment(text).and_then(|()| max_length(2048)(text))
        }
    });
    for (name, max) in [
        (UserModel::EMAIL, 254),
        (UserModel::FIRST_NAME, 1024),
        (UserModel::LAST_NAME, 1024),
    ] {
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
    check_known_string(config, UserModel::EMAIL, &mut diagnostics, |text| {
        if text.is_empty() || is_email(text) {
            Ok(())
        } else {
            Err("PVE accepts only a plain address like `ops@example.com` here.".into())
        }
    });
    if let Some(email) = config.get(UserModel::EMAIL).as_str()
        && !email.is_ascii()
    {
        diagnostics.push(
            Diagnostic::warning(
                "Non-ASCII e-mail address",
                "PVE writes e-mail addresses to user.cfg unescaped and reads the file back as bytes: this address reads back unchanged only while every non-ASCII character in user.cfg fits in one byte (Latin-1). Once any user id there needs more, it comes back altered (`jÃ¼rgen@…`) and shows as a change on every plan. An ASCII address (or its punycode domain) avoids this.",
            )
            .at_attribute(UserModel::EMAIL),
        );
    }
    if config
        .get(UserModel::EXPIRATION_DATE)
        .as_str()
        .is_some_and(model::is_epoch)
    {
        diagnostics.push(
            Diagnostic::warning(
                "expiration_date at the Unix epoch means \"never\"",
                "bpg/proxmox writes `1970-01-01T00:00:00Z` for \"never expires\"; PVE reads it the same way (0). It is accepted as unset; remove the attribute to silence this warning.",
            )
            .at_attribute(UserModel::EXPIRATION_DATE),
        );
    }
    check_known_string(
        config,
        UserModel::EXPIRATION_DATE,
        &mut diagnostics,
        |text| {
            if model::is_epoch(text) {
                Ok(())
            } else {
                convert::rfc3339_to_epoch(text).map(drop)
            }
        },
    );
    if config.get(UserModel::KEYS).as_str() == Some("") {
        diagnostics.push(empty_means_unset(UserModel::KEYS));
    }
    check_known_string(config, UserModel::KEYS, &mut diagnostics, |text| {
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
    for name in [UserModel::PASSWORD, UserModel::PASSWORD_WO] {
        if let Some(Err(detail)) = config.get(name).as_str().map(password_length) {
            diagnostics.push(Diagnostic::error(format!("Invalid {name}"), detail));
        }
    }
    // Unknown counts as set: the two would both reach PVE.
    if !config.get(UserModel::PASSWORD).is_null() && !config.get(UserModel::PASSWORD_WO).is_null() {
        diagnostics.push(Diagnostic::error(
            "Conflicting attributes: password and password_wo",
            "`password` and `password_wo` both set the user's password: keep only one. Prefer `password_wo` (with `password_wo_version`), which never stores the password in plan or state.",
        ));
    }
    if !config.get(UserModel::PASSWORD_WO_VERSION).is_null()
        && config.get(UserModel::PASSWORD_WO).is_null()
    {
        diagnostics.push(convert::invalid(
            UserModel::PASSWORD_WO_VERSION,
            "`password_wo_version` only says when to send `password_wo` again, and `password_wo` is not set: set `password_wo`, or remove `password_wo_version`.",
        ));
    }
    if let Some(groups) = config.get(UserModel::GROUPS).elements() {
        for group in groups.iter().filter_map(Value::as_str) {
            if let Err(error) = convert::parse_id::<GroupId>(group, UserModel::GROUPS, "ops") {
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
    Ok(convert::string(config, UserModel::PASSWORD_WO)?.map(Secret::new))
}

/// User ids must be ASCII to be manageable: PVE accepts others, but writes
/// them to user.cfg unescaped (Latin-1 or UTF-8, as Perl prints the file),
/// reads the file back as bytes, and does not decode the request path
/// either, so the user cannot be read back by the name it was created with.
fn ascii_user_id(text: &str) -> Result<(), String> {
    if text.is_ascii() {
        Ok(())
    } else {
        Err("PVE stores user ids unescaped in user.cfg and does not decode UTF-8 in request paths, so a user id with non-ASCII characters cannot be read back by name (`GET /access/users/…` answers \"no such user\", or the listed id comes back altered). Use ASCII letters, digits and `.`, `-`, `_` in the user name.".into())
    }
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
    let text = convert::import_key(request, UserModel::USER_ID);
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
            groups: Unknowable::Known(planned.groups.clone().into_known().unwrap_or_default()),
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
    fn non_ascii_user_ids_are_refused_and_non_ascii_emails_warned() {
        let config = Value::object([
            ("user_id", Value::from("jürgen@pve")),
            ("email", Value::from("jürgen@example.com")),
        ]);
        let diagnostics = validate_config(&config);
        let at = |name: &str| {
            diagnostics
                .iter()
                .find(|d| d.attribute.as_ref().is_some_and(|a| a.to_string() == name))
                .unwrap_or_else(|| panic!("no diagnostic at {name}"))
        };
        assert!(at("user_id").is_error());
        assert!(
            at("user_id").detail.contains("non-ASCII"),
            "{}",
            at("user_id").detail
        );
        assert!(!at("email").is_error());
        assert!(
            at("email").detail.contains("Latin-1"),
            "{}",
            at("email").detail
        );
        assert!(
            validate_config(&Value::object([("user_id", Value::from("jurgen@pve"))])).is_empty()
        );
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
