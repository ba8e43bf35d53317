//! Ephemeral resource `pve_user_token`: a short-lived API token that is
//! created when Terraform opens it and deleted when Terraform closes it.
//! Its secret never reaches state or plan files, and a server-side expiry
//! kills it even if `close` never runs (a crash, a killed runner).

use async_trait::async_trait;
use proxmox_client::{CreateToken, CreatedToken, TokenName, UserId};
use serde::{Deserialize, Serialize};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{EphemeralOpened, EphemeralResource};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert::{self, check_known_string, invalid};

/// The token name prefix when `token_name_prefix` is not set.
const DEFAULT_PREFIX: &str = "tf-";
/// The lifetime when `lifetime` is not set.
const DEFAULT_LIFETIME: &str = "1h";
/// Shorter lifetimes would expire during the very apply that uses them.
const MIN_LIFETIME_SECONDS: i64 = 60;
/// Hex digits of randomness in a token name (40 bits).
const SUFFIX_LENGTH: usize = 10;
/// Name collisions are astronomically rare; a few fresh names settle them.
const CREATE_ATTEMPTS: usize = 3;

/// The `pve_user_token` ephemeral resource.
#[derive(Debug)]
pub struct UserTokenEphemeral {
    pve: Pve,
}

impl UserTokenEphemeral {
    /// The ephemeral resource, sharing the provider's connection handle.
    pub fn new(pve: &Pve) -> Self {
        UserTokenEphemeral { pve: pve.clone() }
    }
}

#[async_trait]
impl EphemeralResource for UserTokenEphemeral {
    fn type_name(&self) -> &str {
        "pve_user_token"
    }

    fn schema(&self) -> Schema {
        UserTokenEphemeralModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        check_known_string(
            config,
            UserTokenEphemeralModel::USER_ID,
            &mut diagnostics,
            |text| {
                text.parse::<UserId>()
                    .map(drop)
                    .map_err(|error| format!("{error}. Use a value like `ci@pve`."))
            },
        );
        check_known_string(
            config,
            UserTokenEphemeralModel::TOKEN_NAME_PREFIX,
            &mut diagnostics,
            check_prefix,
        );
        check_known_string(
            config,
            UserTokenEphemeralModel::LIFETIME,
            &mut diagnostics,
            |text| parse_lifetime(text).map(drop),
        );
        if config
            .get(UserTokenEphemeralModel::PRIVILEGES_SEPARATION)
            .is_null()
        {
            // A privilege-separated token with a random name can never have
            // an ACL of its own: say so before the run fails with 403s.
            diagnostics.push(
                Diagnostic::warning(
                    "The ephemeral token will have no privileges",
                    "`privileges_separation` defaults to true, so the token holds only privileges granted to the token itself, and its random name cannot be named in an ACL. Set `privileges_separation = false` to give it exactly its user's privileges (grant those to the user or its group), or `true` explicitly if the token needs none.",
                )
                .at_attribute(UserTokenEphemeralModel::PRIVILEGES_SEPARATION),
            );
        }
        diagnostics
    }

    async fn open(&self, config: &Value) -> Result<EphemeralOpened, Diagnostics> {
        let settings = Settings::from_config(config)?;
        let connection = self.pve.connection()?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let expire = now.checked_add(settings.lifetime).ok_or_else(|| {
            Diagnostics::from(invalid(
                UserTokenEphemeralModel::LIFETIME,
                "the lifetime is too long; use at most a few days.",
            ))
        })?;
        let expiration_date = convert::epoch_to_rfc3339(expire).ok_or_else(|| {
            Diagnostics::from(invalid(
                UserTokenEphemeralModel::LIFETIME,
                "the expiry lies outside the dates PVE can store; use a shorter lifetime.",
            ))
        })?;
        let comment = settings.comment.clone().unwrap_or_else(|| {
            format!("ephemeral token from Terraform, expires {expiration_date}")
        });
        let request = CreateToken {
            comment: Some(comment),
            expire: Some(expire),
            privsep: Some(settings.privsep),
        };

        let action = format!("create an ephemeral API token for '{}'", settings.user);
        let mut attempt = 0;
        let created = loop {
            attempt += 1;
            let name = settings.new_token_name()?;
            let (user, to_create, request) = (settings.user.clone(), name.clone(), request.clone());
            let result = connection
                .write(
                    |client| async move { client.tokens(&user).create(&to_create, &request).await },
                )
                .await;
            match result {
                Ok(created) => break created,
                Err(error) if error.is_conflict() && attempt < CREATE_ATTEMPTS => continue,
                Err(error) if error.is_outcome_unknown() => {
                    // The token may exist, but its secret is lost: remove it
                    // rather than leave an orphan behind.
                    let token = settings.user.token(&name);
                    let user = settings.user.clone();
                    let cleanup = connection
                        .write(|client| async move { client.tokens(&user).delete(&name).await })
                        .await;
                    let note = match cleanup {
                        Ok(()) => format!(
                            "The provider deleted the token '{token}' that the lost request had created. Run Terraform again."
                        ),
                        Err(cleanup) if cleanup.is_not_found() => {
                            "No token was created. Run Terraform again.".to_string()
                        }
                        Err(cleanup) => format!(
                            "The provider could not check for or delete the token '{token}' that the lost request may have created ({cleanup}); PVE refuses it after {expiration_date}, or delete it by hand."
                        ),
                    };
                    let mut diagnostics = connection.diagnose(&action, &error);
                    for diagnostic in &mut diagnostics.0 {
                        diagnostic.detail.push_str(&format!("\n\n{note}"));
                    }
                    return Err(diagnostics);
                }
                Err(error) if error.is_not_found() || error.is_permission() => {
                    // PVE answers a token create for a missing user with a
                    // bare 403 unless the caller is root@pam: tell the two
                    // apart by looking the user up.
                    let missing = error.is_not_found()
                        || matches!(
                            connection.client().users().get(&settings.user).await,
                            Err(lookup) if lookup.is_not_found()
                        );
                    if missing {
                        return Err(Diagnostics::from(invalid(
                            UserTokenEphemeralModel::USER_ID,
                            format!(
                                "PVE has no user '{}'; create it first (the user and its ACLs belong in the configuration that sets up CI, not in the run that uses the token).",
                                settings.user
                            ),
                        )));
                    }
                    return Err(connection.diagnose(&action, &error));
                }
                Err(error) => return Err(connection.diagnose(&action, &error)),
            }
        };
        let private = Private {
            user_id: created.id.user().to_string(),
            token_name: created.id.name().to_string(),
        };
        let private = serde_json::to_vec(&private).map_err(|error| {
            Diagnostics::error("Could not record the ephemeral token", error.to_string())
        })?;
        Ok(EphemeralOpened {
            result: result_value(config, &created, &expiration_date)?,
            private,
            renew_at: None,
        })
    }

    async fn close(&self, private: &[u8]) -> Result<(), Diagnostics> {
        let private: Private = serde_json::from_slice(private).map_err(|error| {
            Diagnostics::error(
                "Could not close the ephemeral API token",
                format!("Terraform handed back unreadable private data ({error}); the token is not deleted now, but PVE refuses it after its expiration_date."),
            )
        })?;
        let user: UserId =
            convert::parse_id(&private.user_id, UserTokenEphemeralModel::USER_ID, "ci@pve")
                .map_err(Diagnostics::from)?;
        let name: TokenName = convert::parse_id(
            &private.token_name,
            UserTokenEphemeralModel::TOKEN_NAME,
            "tf-0123456789",
        )
        .map_err(Diagnostics::from)?;
        let token = user.token(&name);
        let connection = self.pve.connection()?;
        let result = connection
            .write(|client| async move { client.tokens(&user).delete(&name).await })
            .await;
        match result {
            Ok(()) => Ok(()),
            // Deleted by someone else, or with its user: nothing left to do.
            Err(error) if error.is_not_found() => Ok(()),
            Err(error) => {
                let mut diagnostics =
                    connection.diagnose(&format!("delete ephemeral API token '{token}'"), &error);
                for diagnostic in &mut diagnostics.0 {
                    diagnostic.detail.push_str(
                        "\n\nPVE refuses the token after its expiration_date anyway; delete it by hand to remove it sooner.",
                    );
                }
                Err(diagnostics)
            }
        }
    }
}

/// Why a token name prefix cannot be used, or `Ok(())`.
fn check_prefix(prefix: &str) -> Result<(), String> {
    // A prefix is valid when prefix + hex digits is a valid token name.
    let sample = format!("{prefix}{}", "0".repeat(SUFFIX_LENGTH));
    if prefix.is_empty() || sample.parse::<TokenName>().is_err() {
        return Err(format!(
            "`{prefix}` cannot start a PVE token name: it must start with a letter and contain only letters, digits, '.', '-' and '_', e.g. `{DEFAULT_PREFIX}`."
        ));
    }
    Ok(())
}

/// The lifetime in seconds, at least [`MIN_LIFETIME_SECONDS`].
fn parse_lifetime(text: &str) -> Result<i64, String> {
    let seconds = convert::parse_duration(text)?;
    if seconds < MIN_LIFETIME_SECONDS {
        return Err(format!(
            "`{text}` is too short: the token must outlive the run that uses it; use at least `1m` (e.g. `30m`)."
        ));
    }
    Ok(seconds)
}

/// The result object: the configuration as given plus the computed values.
fn result_value(
    config: &Value,
    created: &CreatedToken,
    expiration_date: &str,
) -> Result<Value, Diagnostics> {
    let model = UserTokenEphemeralModel {
        user_id: convert::required_string(config, UserTokenEphemeralModel::USER_ID)?,
        token_name_prefix: convert::string(config, UserTokenEphemeralModel::TOKEN_NAME_PREFIX)?,
        lifetime: convert::string(config, UserTokenEphemeralModel::LIFETIME)?,
        privileges_separation: convert::bool(
            config,
            UserTokenEphemeralModel::PRIVILEGES_SEPARATION,
        )?,
        comment: convert::string(config, UserTokenEphemeralModel::COMMENT)?,
        id: created.id.to_string(),
        token_name: created.id.name().to_string(),
        value: format!("{}={}", created.id, created.secret.expose()),
        expiration_date: expiration_date.to_string(),
    };
    Ok(model.to_value())
}

/// What `close` needs to find the token again. Never the secret.
#[derive(Debug, Serialize, Deserialize)]
struct Private {
    user_id: String,
    token_name: String,
}

/// The configuration with defaults applied.
#[derive(Debug)]
struct Settings {
    user: UserId,
    prefix: String,
    lifetime: i64,
    privsep: bool,
    comment: Option<String>,
}

impl Settings {
    fn from_config(config: &Value) -> Result<Settings, Diagnostics> {
        let user = convert::id_attr::<UserId>(config, UserTokenEphemeralModel::USER_ID, "ci@pve")?;
        let prefix = convert::string(config, UserTokenEphemeralModel::TOKEN_NAME_PREFIX)?
            .unwrap_or_else(|| DEFAULT_PREFIX.to_string());
        check_prefix(&prefix).map_err(|detail| {
            Diagnostics::from(invalid(UserTokenEphemeralModel::TOKEN_NAME_PREFIX, detail))
        })?;
        let lifetime = convert::string(config, UserTokenEphemeralModel::LIFETIME)?
            .unwrap_or_else(|| DEFAULT_LIFETIME.to_string());
        let lifetime = parse_lifetime(&lifetime).map_err(|detail| {
            Diagnostics::from(invalid(UserTokenEphemeralModel::LIFETIME, detail))
        })?;
        Ok(Settings {
            user,
            prefix,
            lifetime,
            privsep: convert::bool(config, UserTokenEphemeralModel::PRIVILEGES_SEPARATION)?
                .unwrap_or(true),
            comment: convert::string(config, UserTokenEphemeralModel::COMMENT)?,
        })
    }

    /// The prefix plus fresh random hex digits.
    fn new_token_name(&self) -> Result<TokenName, Diagnostics> {
        let random = uuid::Uuid::new_v4().simple().to_string();
        let suffix = random.get(..SUFFIX_LENGTH).unwrap_or(&random);
        convert::parse_id(
            &format!("{}{suffix}", self.prefix),
            UserTokenEphemeralModel::TOKEN_NAME_PREFIX,
            DEFAULT_PREFIX,
        )
        .map_err(Diagnostics::from)
    }
}

/// The `pve_user_token` ephemeral resource's configuration and result.
/// No `Debug`: `value` holds the secret.
#[derive(Model)]
#[tf(
    description = "A short-lived API token for one Terraform run (Terraform ≥ 1.10). Opening it creates a token with a random name and a server-side expiry; closing it deletes the token. Its `value` is never written to state or plan files. A new token has no ACL of its own, and its name is random, so grant the ACLs to the user (or a group) and set `privileges_separation = false`: the token then has exactly the user's rights. See the guide \"Short-lived API tokens for CI\"."
)]
struct UserTokenEphemeralModel {
    #[tf(
        required,
        description = "The user that owns the token, `NAME@REALM`, e.g. `ci@pve`. The user must exist."
    )]
    user_id: String,
    #[tf(
        optional,
        description = format!(
            "The start of the token name; {SUFFIX_LENGTH} random hex digits follow it, so every run gets a new token. It must start with a letter and contain only letters, digits, '.', '-' and '_'. Default `{DEFAULT_PREFIX}`."
        )
    )]
    token_name_prefix: Option<String>,
    #[tf(
        optional,
        description = format!(
            "How long the token lives, e.g. `30m`, `2h` or `1h30m` (units s, m, h, d, w; at least 1m). PVE refuses the token after `expiration_date` even if Terraform never closes it. Cover the whole run: Terraform opens the token during plan and again during apply. Default `{DEFAULT_LIFETIME}`."
        )
    )]
    lifetime: Option<String>,
    #[tf(
        optional,
        description = "Whether the token is limited to ACLs granted to the token itself (intersected with the user's). A new token has no such ACL, so it can do nothing until one is added; set `false` to give the token exactly the user's privileges. Default `true`, as in PVE."
    )]
    privileges_separation: Option<bool>,
    #[tf(
        optional,
        description = "The token comment. Default: `ephemeral token from Terraform, expires <expiration_date>`, so a leftover token is easy to recognise."
    )]
    comment: Option<String>,
    #[tf(computed, description = "The full token id `NAME@REALM!TOKEN`.")]
    id: String,
    #[tf(
        computed,
        description = "The generated token name: `token_name_prefix` plus random hex digits."
    )]
    token_name: String,
    #[tf(
        computed,
        sensitive,
        description = "The credential `NAME@REALM!TOKEN=SECRET`, as the `api_token` argument of a provider block and `PROXMOX_VE_API_TOKEN` take it. Ephemeral: usable in provider blocks, write-only arguments, ephemeral variables and outputs, locals and provisioners, never stored."
    )]
    value: String,
    #[tf(
        computed,
        description = "When PVE stops accepting the token (RFC 3339, UTC): the time of opening plus `lifetime`."
    )]
    expiration_date: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Connection;
    use proxmox_client::{ApiToken, Client, CreateUser};

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut config = Value::object([
            ("user_id", Value::string("ci@pve")),
            ("token_name_prefix", Value::Null),
            ("lifetime", Value::Null),
            ("privileges_separation", Value::Null),
            ("comment", Value::Null),
            ("id", Value::Null),
            ("token_name", Value::Null),
            ("value", Value::Null),
            ("expiration_date", Value::Null),
        ]);
        for (name, value) in pairs {
            config.set_attr(*name, value.clone());
        }
        config
    }

    #[test]
    fn defaults_apply_when_unset() {
        let settings = Settings::from_config(&config(&[])).unwrap();
        assert_eq!(settings.prefix, "tf-");
        assert_eq!(settings.lifetime, 3_600);
        assert!(settings.privsep);
        assert_eq!(settings.comment, None);
    }

    #[test]
    fn generated_names_are_valid_random_and_prefixed() {
        let settings =
            Settings::from_config(&config(&[("token_name_prefix", Value::string("ci.run_"))]))
                .unwrap();
        let first = settings.new_token_name().unwrap();
        let second = settings.new_token_name().unwrap();
        assert!(first.as_str().starts_with("ci.run_"));
        assert_eq!(first.as_str().len(), "ci.run_".len() + SUFFIX_LENGTH);
        assert_ne!(first, second);
    }

    #[test]
    fn bad_settings_point_at_their_attribute() {
        for (name, value, expected) in [
            ("token_name_prefix", "1ci", "must start with a letter"),
            ("token_name_prefix", "", "must start with a letter"),
            ("token_name_prefix", "ci!", "must start with a letter"),
            ("lifetime", "30s", "too short"),
            ("lifetime", "0s", "too short"),
            ("lifetime", "soon", "write a duration like"),
            ("user_id", "ci-runner", "name@realm"),
        ] {
            let error =
                Settings::from_config(&config(&[(name, Value::string(value))])).unwrap_err();
            let diagnostic = &error.0[0];
            assert_eq!(
                diagnostic
                    .attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .as_deref(),
                Some(name),
                "{name}={value}"
            );
            assert!(
                diagnostic.detail.contains(expected),
                "{name}={value}: {}",
                diagnostic.detail
            );
        }
    }

    #[tokio::test]
    async fn validate_skips_unknown_values_and_reports_known_mistakes() {
        let resource = UserTokenEphemeral::new(&Pve::default());
        let unknown = config(&[
            ("user_id", Value::Unknown),
            ("lifetime", Value::Unknown),
            ("privileges_separation", Value::Unknown),
        ]);
        assert!(resource.validate(&unknown).await.is_empty());
        let quiet = config(&[("privileges_separation", Value::Bool(true))]);
        assert!(resource.validate(&quiet).await.is_empty());
        let default = resource.validate(&config(&[])).await;
        assert_eq!(default.len(), 1);
        assert!(!default.has_errors(), "only a warning");
        assert!(default.0[0].summary.contains("no privileges"));
        let bad = config(&[
            ("privileges_separation", Value::Bool(false)),
            ("lifetime", Value::string("10")),
            ("token_name_prefix", Value::string("-x")),
        ]);
        assert_eq!(resource.validate(&bad).await.len(), 2);
    }

    /// A running pve-sim, a user `ci@pve`, and a provider handle connected as root.
    async fn simulated() -> (pve_sim::RunningSim, Pve, Client) {
        let sim = pve_sim::start(pve_sim::SimOptions::default())
            .await
            .unwrap();
        let root = Client::builder(sim.url())
            .ca_pem(sim.ca_cert_pem().to_string())
            .password("root@pam".parse().unwrap(), sim.root_password())
            .build()
            .unwrap();
        root.users()
            .create(&"ci@pve".parse().unwrap(), &CreateUser::default())
            .await
            .unwrap();
        let pve = Pve::default();
        pve.set(Connection::new(root.clone(), "password of root@pam"));
        (sim, pve, root)
    }

    #[tokio::test]
    async fn open_creates_an_expiring_working_token_and_close_deletes_it() {
        let (sim, pve, root) = simulated().await;
        let resource = UserTokenEphemeral::new(&pve);
        let before = time::OffsetDateTime::now_utc().unix_timestamp();
        let opened = resource
            .open(&config(&[
                ("token_name_prefix", Value::string("ci-")),
                ("lifetime", Value::string("30m")),
                ("privileges_separation", Value::Bool(false)),
            ]))
            .await
            .unwrap();
        let after = time::OffsetDateTime::now_utc().unix_timestamp();
        let result = &opened.result;
        let name: TokenName = result.get("token_name").as_str().unwrap().parse().unwrap();
        assert!(name.as_str().starts_with("ci-"));
        assert_eq!(
            result.get("id").as_str(),
            Some(format!("ci@pve!{name}").as_str())
        );
        assert_eq!(result.get("lifetime").as_str(), Some("30m"));
        assert!(
            result.get("comment").is_null(),
            "config values are echoed as given"
        );

        // The server holds the expiry, privsep and default comment.
        let user: UserId = "ci@pve".parse().unwrap();
        let info = root.tokens(&user).get(&name).await.unwrap();
        assert!(
            (before + 1_800..=after + 1_800).contains(&info.expire),
            "{}",
            info.expire
        );
        assert_eq!(
            convert::epoch_to_rfc3339(info.expire).as_deref(),
            result.get("expiration_date").as_str()
        );
        assert!(!info.privsep);
        assert!(
            info.comment
                .unwrap()
                .starts_with("ephemeral token from Terraform, expires ")
        );

        // The value is a credential that authenticates.
        let value: ApiToken = result.get("value").as_str().unwrap().parse().unwrap();
        assert_eq!(value.id().name(), &name);
        let as_token = Client::builder(sim.url())
            .ca_pem(sim.ca_cert_pem().to_string())
            .api_token(value.clone())
            .build()
            .unwrap();
        as_token.version().await.unwrap();

        // The private data names the token but holds no secret.
        let private = String::from_utf8(opened.private.clone()).unwrap();
        assert!(private.contains(name.as_str()));
        assert!(!private.contains(value.secret().expose()));

        resource.close(&opened.private).await.unwrap();
        assert!(
            root.tokens(&user)
                .get(&name)
                .await
                .unwrap_err()
                .is_not_found()
        );
        // Closing a token that is already gone is fine.
        resource.close(&opened.private).await.unwrap();
        sim.shutdown().await;
    }

    #[tokio::test]
    async fn open_for_a_missing_user_points_at_user_id() {
        let (sim, pve, _root) = simulated().await;
        let resource = UserTokenEphemeral::new(&pve);
        let error = resource
            .open(&config(&[("user_id", Value::string("nobody@pve"))]))
            .await
            .unwrap_err();
        let diagnostic = &error.0[0];
        assert_eq!(
            diagnostic
                .attribute
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("user_id")
        );
        assert!(
            diagnostic.detail.contains("nobody@pve"),
            "{}",
            diagnostic.detail
        );
        sim.shutdown().await;
    }
}
