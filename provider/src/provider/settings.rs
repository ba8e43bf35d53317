//! The provider settings: the block's values with their `PROXMOX_VE_*`
//! fallbacks, the credential kind chosen from them, and the client built
//! from the result.

use std::time::Duration;

use proxmox_client::{ApiToken, Client, Credentials, Secret, TlsVersion, UserId};
use tfplugin::diag::Diagnostic;
use tfplugin::value::Value;

use super::model::SETTINGS;
use super::{ProviderModel, invalid_api_token, min_tls_refusal, parse_min_tls};
use crate::connection::Connection;
use crate::endpoints;

/// The provider settings after environment fallbacks, before connecting.
pub(super) struct Settings {
    /// One or more endpoints, and one pin per endpoint (or none).
    endpoints: endpoints::Endpoints,
    credentials: Credentials,
    credential_description: String,
    insecure: bool,
    ca_pem: Option<String>,
    min_tls: TlsVersion,
    timeout: Option<u64>,
    max_retries: Option<u32>,
    endpoint_cooldown: Option<u64>,
    /// Warnings for `ConfigureProvider` (settings that were ignored or
    /// weaken verification).
    warnings: Vec<Diagnostic>,
}

/// The three kinds of credential, each with the settings that belong to it.
/// The first setting(s) decide whether a source sets the kind at all.
const CREDENTIAL_KINDS: [(&str, &[&str]); 3] = [
    ("`api_token`", &[ProviderModel::API_TOKEN]),
    (
        "`username` + `password`",
        &[ProviderModel::USERNAME, ProviderModel::PASSWORD],
    ),
    (
        "`auth_ticket` + `csrf_prevention_token`",
        &[
            ProviderModel::AUTH_TICKET,
            ProviderModel::CSRF_PREVENTION_TOKEN,
        ],
    ),
];
const TOKEN: usize = 0;
const PASSWORD: usize = 1;
const TICKET: usize = 2;

fn env_var(name: &str) -> &'static str {
    SETTINGS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map_or("", |(_, var, _)| *var)
}

/// Which credential kind to use, with the usual precedence: a kind set in
/// the provider block wins, and the environment's credentials are then
/// ignored (an aliased provider fed by an ephemeral token must work in a
/// shell that exports a password); only two kinds in the *same* source are
/// ambiguous. A lone `PROXMOX_VE_USERNAME` beside another credential in the
/// environment (bpg/proxmox's docs suggest it for SSH) is ignored with a
/// warning. `None`: no credential anywhere.
fn choose_credential_kind(
    in_block: &dyn Fn(&str) -> bool,
    in_env: &dyn Fn(&str) -> bool,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<usize>, Diagnostic> {
    let kinds_in = |is_set: &dyn Fn(&str) -> bool| -> Vec<usize> {
        (0..CREDENTIAL_KINDS.len())
            .filter(|kind| CREDENTIAL_KINDS[*kind].1.iter().any(|name| is_set(name)))
            .collect()
    };
    let conflict = |kinds: &[usize], source: &str| {
        let names: Vec<&str> = kinds.iter().map(|kind| CREDENTIAL_KINDS[*kind].0).collect();
        Diagnostic::error(
            "Conflicting credentials",
            format!(
                "{source} sets more than one kind of credential ({}). Set exactly one of `api_token`, `username` + `password`, or `auth_ticket` + `csrf_prevention_token` there. (Credentials in the provider block take precedence over PROXMOX_VE_* variables; two in the same place are ambiguous.)",
                names.join(" and ")
            ),
        )
    };
    let block_kinds = kinds_in(in_block);
    let mut env_kinds = kinds_in(in_env);
    match block_kinds.as_slice() {
        [] => {}
        [kind] => {
            let ignored: Vec<&str> = env_kinds
                .iter()
                .filter(|other| *other != kind)
                .flat_map(|other| CREDENTIAL_KINDS[*other].1.iter())
                .filter(|name| in_env(name))
                .map(|name| env_var(name))
                .collect();
            if !ignored.is_empty() {
                // Names only, never values.
                tracing::debug!(
                    ignored = %ignored.join(", "),
                    "credentials in the provider block take precedence; ignoring these environment variables"
                );
            }
            return Ok(Some(*kind));
        }
        several => return Err(conflict(several, "The provider block")),
    }
    let lone_username = in_env(ProviderModel::USERNAME) && !in_env(ProviderModel::PASSWORD);
    if env_kinds.len() > 1 && lone_username {
        env_kinds.retain(|kind| *kind != PASSWORD);
        warnings.push(Diagnostic::warning(
            "PROXMOX_VE_USERNAME ignored",
            "PROXMOX_VE_USERNAME is set without PROXMOX_VE_PASSWORD, next to another credential, which is used. This provider needs no SSH user; unset PROXMOX_VE_USERNAME to silence this warning.",
        ));
    }
    match env_kinds.as_slice() {
        [] => Ok(None),
        [kind] => Ok(Some(*kind)),
        several => Err(conflict(several, "The environment")),
    }
}

impl Settings {
    pub(super) fn from_config(config: &Value) -> Result<Settings, Diagnostic> {
        Self::from_config_with(config, &|var: &str| std::env::var(var).ok())
    }

    /// [`Settings::from_config`] with the environment as a lookup, so that
    /// tests need not change the process environment.
    fn from_config_with(
        config: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, Diagnostic> {
        let nonblank = |value: String| (!value.trim().is_empty()).then_some(value);
        let from_block = |name: &str| -> Option<String> {
            config
                .get(name)
                .as_str()
                .map(str::to_string)
                .and_then(nonblank)
        };
        let from_env = |name: &str| -> Option<String> { env(env_var(name)).and_then(nonblank) };
        let text = |name: &str| -> Option<String> { from_block(name).or_else(|| from_env(name)) };
        let mut warnings = Vec::new();
        let endpoints = endpoints::from_config(config, env)?;

        let kind = choose_credential_kind(
            &|name| from_block(name).is_some(),
            &|name| from_env(name).is_some(),
            &mut warnings,
        )?;
        // The settings of the chosen kind: the block's, else the environment's.
        let part = |kind_wanted: usize, name: &str| -> Option<String> {
            (kind == Some(kind_wanted)).then(|| text(name)).flatten()
        };
        let api_token = part(TOKEN, ProviderModel::API_TOKEN);
        let username = part(PASSWORD, ProviderModel::USERNAME);
        let password = part(PASSWORD, ProviderModel::PASSWORD);
        let ticket = part(TICKET, ProviderModel::AUTH_TICKET);
        let csrf = part(TICKET, ProviderModel::CSRF_PREVENTION_TOKEN);
        let (credentials, credential_description) = if let Some(token) = api_token {
            let token: ApiToken = token.parse().map_err(|error| invalid_api_token(&error))?;
            let description = format!("API token {}", token.id());
            (Credentials::ApiToken(token), description)
        } else if username.is_some() || password.is_some() {
            let (Some(username), Some(password)) = (username, password) else {
                return Err(Diagnostic::error(
                    "Incomplete password credentials",
                    "`username` and `password` go together: set both (or use `api_token`).",
                ));
            };
            let user: UserId = username.parse().map_err(|error| {
                Diagnostic::error(
                    "Invalid username",
                    format!("{error}. Expected `USER@REALM`, e.g. `root@pam`."),
                )
                .at_attribute(ProviderModel::USERNAME)
            })?;
            let description = format!("password of {user}");
            let otp = text(ProviderModel::OTP).map(Secret::new);
            (
                Credentials::Password {
                    username: user,
                    password: Secret::new(password),
                    otp,
                },
                description,
            )
        } else if ticket.is_some() || csrf.is_some() {
            let (Some(ticket), Some(csrf)) = (ticket, csrf) else {
                return Err(Diagnostic::error(
                    "Incomplete ticket credentials",
                    "`auth_ticket` needs the `csrf_prevention_token` that came with it: set both.",
                ));
            };
            (
                Credentials::Ticket {
                    ticket: Secret::new(ticket),
                    csrf_token: Secret::new(csrf),
                },
                "an authentication ticket".to_string(),
            )
        } else {
            return Err(Diagnostic::error(
                "Missing credentials",
                "Set `api_token` (or PROXMOX_VE_API_TOKEN), or `username` + `password` (PROXMOX_VE_USERNAME / PROXMOX_VE_PASSWORD).",
            ));
        };

        let insecure = match config.get(ProviderModel::INSECURE).as_bool() {
            Some(insecure) => insecure,
            None => match text(ProviderModel::INSECURE).as_deref().map(str::trim) {
                None => false,
                Some("1" | "true" | "TRUE" | "True" | "yes") => true,
                Some("0" | "false" | "FALSE" | "False" | "no") => false,
                Some(other) => {
                    return Err(Diagnostic::error(
                        "Invalid PROXMOX_VE_INSECURE",
                        format!("`{other}` is not a boolean; use true or false."),
                    )
                    .at_attribute(ProviderModel::INSECURE));
                }
            },
        };
        let ca_pem = match text(ProviderModel::CA_CERTIFICATE) {
            None => None,
            Some(value) if value.contains("-----BEGIN") => Some(value),
            Some(path) => Some(std::fs::read_to_string(&path).map_err(|error| {
                Diagnostic::error(
                    "Unreadable ca_certificate",
                    format!("`ca_certificate` is neither PEM text nor a readable file ({path}: {error})."),
                )
                .at_attribute(ProviderModel::CA_CERTIFICATE)
            })?),
        };
        let min_tls = match text(ProviderModel::MIN_TLS) {
            None => TlsVersion::Tls12,
            Some(value) => parse_min_tls(&value).ok_or_else(|| {
                Diagnostic::error("Invalid min_tls", min_tls_refusal(&value))
                    .at_attribute(ProviderModel::MIN_TLS)
            })?,
        };
        let whole = |name: &str| {
            config
                .get(name)
                .as_i64()
                .and_then(|n| u64::try_from(n).ok())
        };
        let pinned = !endpoints.fingerprints.is_empty();
        match (pinned, insecure, &ca_pem) {
            (true, true, _) | (true, _, Some(_)) => warnings.push(Diagnostic::warning(
                "tls_fingerprint overrides other TLS settings",
                "`tls_fingerprint` is set, so `ca_certificate` and `insecure` are ignored: only the pinned certificate is accepted. Remove the settings that do not apply.",
            )),
            (false, true, _) => warnings.push(Diagnostic::warning(
                "TLS certificate verification is off",
                "`insecure = true` (or PROXMOX_VE_INSECURE) accepts any certificate, so anyone on the network path can read the credentials. Set `ca_certificate` to the cluster CA (/etc/pve/pve-root-ca.pem) instead.",
            )),
            _ => {}
        }
        Ok(Settings {
            endpoints,
            credentials,
            credential_description,
            insecure,
            ca_pem,
            min_tls,
            timeout: whole(ProviderModel::TIMEOUT),
            max_retries: whole(ProviderModel::MAX_RETRIES).and_then(|n| u32::try_from(n).ok()),
            endpoint_cooldown: whole(ProviderModel::ENDPOINT_COOLDOWN),
            warnings,
        })
    }

    /// Builds the client; nothing is sent until the first API call.
    pub(super) fn connect(self) -> Result<(Connection, Vec<Diagnostic>), Diagnostic> {
        let first = self.endpoints.urls.first().cloned().unwrap_or_default();
        let mut builder = Client::builder(first)
            .endpoints(self.endpoints.urls)
            .credentials(self.credentials)
            .insecure(self.insecure)
            .min_tls_version(self.min_tls)
            .user_agent(concat!(
                "terraform-provider-pve/",
                env!("CARGO_PKG_VERSION")
            ));
        if let Some(pem) = self.ca_pem {
            builder = builder.ca_pem(pem);
        }
        if !self.endpoints.fingerprints.is_empty() {
            builder = builder.fingerprints(self.endpoints.fingerprints);
        }
        if let Some(seconds) = self.endpoint_cooldown {
            builder = builder.unhealthy_for(Duration::from_secs(seconds));
        }
        if let Some(seconds) = self.timeout {
            builder = builder.timeout(Duration::from_secs(seconds));
        }
        if let Some(retries) = self.max_retries {
            builder = builder.max_retries(retries);
        }
        let client = builder.build().map_err(|error| {
            Diagnostic::error("Invalid provider configuration", error.to_string())
        })?;
        Ok((
            Connection::new(client, self.credential_description),
            self.warnings,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN_VALUE: &str = "ci@pve!deploy=0badc0de-dead-4bad-8bad-0123456789ab";

    fn settings(block: &[(&str, &str)], env: &[(&str, &str)]) -> Result<Settings, Diagnostic> {
        let mut pairs = vec![("endpoint", Value::string("https://pve.example:8006"))];
        pairs.extend(block.iter().map(|(k, v)| (*k, Value::string(*v))));
        let config = Value::object(pairs);
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_config_with(&config, &|var: &str| {
            env.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone())
        })
    }

    fn used(result: Result<Settings, Diagnostic>) -> (String, Vec<String>) {
        match result {
            Ok(settings) => (
                settings.credential_description,
                settings
                    .warnings
                    .iter()
                    .map(|w| w.summary.clone())
                    .collect(),
            ),
            Err(error) => panic!("{}: {}", error.summary, error.detail),
        }
    }

    #[test]
    fn credentials_in_the_block_win_over_the_environment() {
        let env = [
            ("PROXMOX_VE_USERNAME", "root@pam"),
            ("PROXMOX_VE_PASSWORD", "shell-password"),
        ];
        let (credential, warnings) = used(settings(&[("api_token", TOKEN_VALUE)], &env));
        assert_eq!(credential, "API token ci@pve!deploy");
        assert!(warnings.is_empty(), "{warnings:?}");
        let (credential, _) = used(settings(
            &[("username", "ops@pve"), ("password", "block-password")],
            &[("PROXMOX_VE_API_TOKEN", TOKEN_VALUE)],
        ));
        assert_eq!(credential, "password of ops@pve");
        // A kind chosen in the block may take its other half from the environment.
        let (credential, _) = used(settings(
            &[("username", "ops@pve")],
            &[("PROXMOX_VE_PASSWORD", "shell-password")],
        ));
        assert_eq!(credential, "password of ops@pve");
    }

    #[test]
    fn two_credentials_in_the_same_place_are_ambiguous() {
        let error = settings(&[("api_token", TOKEN_VALUE), ("username", "root@pam")], &[])
            .err()
            .expect("conflict");
        assert_eq!(error.summary, "Conflicting credentials");
        assert!(error.detail.contains("provider block"), "{}", error.detail);
        let error = settings(
            &[],
            &[
                ("PROXMOX_VE_API_TOKEN", TOKEN_VALUE),
                ("PROXMOX_VE_USERNAME", "root@pam"),
                ("PROXMOX_VE_PASSWORD", "shell-password"),
            ],
        )
        .err()
        .expect("conflict");
        assert_eq!(error.summary, "Conflicting credentials");
        assert!(error.detail.contains("environment"), "{}", error.detail);
        assert!(!error.detail.contains("shell-password"));
    }

    #[test]
    fn a_malformed_token_is_never_echoed_nor_pointed_at() {
        let swapped = "0badc0de-dead-4bad-8bad-0123456789ab=ci@pve!deploy";
        let error = settings(&[("api_token", swapped)], &[])
            .err()
            .expect("invalid");
        assert_eq!(error.summary, "Invalid api_token");
        assert_eq!(error.attribute, None);
        assert!(!error.detail.contains("0badc0de"), "{}", error.detail);
        let endpoint = Value::object([
            ("endpoint", Value::string("https://root:hunter2@pve:8006")),
            ("api_token", Value::string(TOKEN_VALUE)),
        ]);
        let error = Settings::from_config_with(&endpoint, &|_: &str| None)
            .and_then(Settings::connect)
            .expect_err("refused");
        assert!(!error.detail.contains("hunter2"), "{}", error.detail);
        assert_eq!(error.attribute, None);
    }

    #[test]
    fn weakened_or_overridden_tls_settings_warn() {
        let token = ("api_token", TOKEN_VALUE);
        let fingerprint = (
            "tls_fingerprint",
            "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
        );
        let (_, warnings) = used(settings(&[token], &[("PROXMOX_VE_INSECURE", "true")]));
        assert_eq!(warnings, ["TLS certificate verification is off"]);
        let (_, warnings) = used(settings(
            &[token, fingerprint],
            &[("PROXMOX_VE_INSECURE", "1")],
        ));
        assert_eq!(warnings, ["tls_fingerprint overrides other TLS settings"]);
        let (_, warnings) = used(settings(&[token, fingerprint], &[]));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_lone_environment_username_beside_a_token_is_ignored_with_a_warning() {
        let (credential, warnings) = used(settings(
            &[],
            &[
                ("PROXMOX_VE_API_TOKEN", TOKEN_VALUE),
                ("PROXMOX_VE_USERNAME", "root@pam"),
            ],
        ));
        assert_eq!(credential, "API token ci@pve!deploy");
        assert_eq!(warnings, ["PROXMOX_VE_USERNAME ignored"]);
        // Alone, it is still an incomplete password credential.
        let error = settings(&[], &[("PROXMOX_VE_USERNAME", "root@pam")])
            .err()
            .expect("incomplete");
        assert_eq!(error.summary, "Incomplete password credentials");
    }
}

#[cfg(test)]
mod min_tls_habits {
    use super::*;

    #[test]
    fn bpg_min_tls_values_are_refused_with_the_reason() {
        for old in ["1.0", "1.1"] {
            assert!(parse_min_tls(old).is_none());
            let text = min_tls_refusal(old);
            assert!(text.contains("TLS 1.2 and 1.3 only"), "{text}");
            assert!(text.contains("bpg/proxmox"), "{text}");
        }
        assert!(parse_min_tls("1.3").is_some());
        assert!(min_tls_refusal("fast").contains("is not a TLS version"));
    }
}
