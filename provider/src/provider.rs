//! The `provider "pve" {}` block: connection settings, their
//! `PROXMOX_VE_*` environment fallbacks, validation, and configuration of
//! the shared [`Connection`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use proxmox_client::{ApiToken, Client, Credentials, Secret, TlsVersion, UserId};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    Action, ClientInfo, DataSource, EphemeralResource, Function, ListResource, Provider, Resource,
};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::{Connection, Pve};
use crate::endpoints;
use crate::{actions, data_sources, ephemeral, functions, list, resources};

/// Each setting: its attribute, its environment variable, and whether it is secret.
const SETTINGS: &[(&str, &str, bool)] = &[
    (ProviderModel::ENDPOINT, "PROXMOX_VE_ENDPOINT", false),
    (ProviderModel::API_TOKEN, "PROXMOX_VE_API_TOKEN", true),
    (ProviderModel::USERNAME, "PROXMOX_VE_USERNAME", false),
    (ProviderModel::PASSWORD, "PROXMOX_VE_PASSWORD", true),
    (ProviderModel::OTP, "PROXMOX_VE_OTP", true),
    (ProviderModel::AUTH_TICKET, "PROXMOX_VE_AUTH_TICKET", true),
    (
        ProviderModel::CSRF_PREVENTION_TOKEN,
        "PROXMOX_VE_CSRF_PREVENTION_TOKEN",
        true,
    ),
    (ProviderModel::INSECURE, "PROXMOX_VE_INSECURE", false),
    (
        ProviderModel::CA_CERTIFICATE,
        "PROXMOX_VE_CA_CERTIFICATE",
        false,
    ),
    (
        ProviderModel::TLS_FINGERPRINT,
        "PROXMOX_VE_TLS_FINGERPRINT",
        false,
    ),
    (ProviderModel::MIN_TLS, "PROXMOX_VE_MIN_TLS", false),
];

/// The provider: owns the connection handle shared by every resource.
#[derive(Debug, Default)]
pub struct PveProvider {
    pve: Pve,
}

impl PveProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for PveProvider {
    fn type_name(&self) -> &str {
        "pve"
    }

    fn schema(&self) -> Schema {
        ProviderModel::schema()
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        // Only what can be checked without the environment: values may still be unknown.
        let mut diagnostics = Diagnostics::new();
        // No attribute path on a diagnostic about a sensitive value: with
        // one, Terraform prints the configuration line, i.e. the secret.
        if let Some(token) = config.get("api_token").as_str()
            && let Err(error) = token.parse::<ApiToken>()
        {
            diagnostics.push(invalid_api_token(&error));
        }
        if let Some(min_tls) = config.get("min_tls").as_str()
            && parse_min_tls(min_tls).is_none()
        {
            diagnostics.push(
                Diagnostic::error("Invalid min_tls", min_tls_refusal(min_tls))
                    .at_attribute("min_tls"),
            );
        }
        for name in ["timeout", "max_retries", "endpoint_cooldown"] {
            if let Some(n) = config.get(name).as_f64()
                && (n < 0.0 || n.fract() != 0.0)
            {
                diagnostics.push(
                    Diagnostic::error(
                        format!("Invalid {name}"),
                        format!("{name} must be a whole number of at least 0, got {n}."),
                    )
                    .at_attribute(name),
                );
            }
        }
        diagnostics
    }

    async fn configure(&self, config: &Value, _client: &ClientInfo) -> Diagnostics {
        if let Some(unknown) = SETTINGS
            .iter()
            .map(|(name, _, _)| *name)
            .find(|name| config.get(name).is_unknown())
            .or_else(|| endpoints::unknown_setting(config))
        {
            // Terraform configures the provider during plan with values that
            // are only known after apply; resources that need the API then
            // report this reason.
            self.pve
                .set_unconfigured(format!("`{unknown}` is not known until apply"));
            return Diagnostics::new();
        }
        match Settings::from_config(config).and_then(|settings| settings.connect()) {
            Ok((connection, warnings)) => {
                self.pve.set(connection);
                Diagnostics(warnings)
            }
            Err(diagnostic) => {
                self.pve.set_unconfigured(diagnostic.summary.clone());
                Diagnostics(vec![diagnostic])
            }
        }
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        resources::all(&self.pve)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        data_sources::all(&self.pve)
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        ephemeral::all(&self.pve)
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        functions::all()
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        list::all(&self.pve)
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        actions::all(&self.pve)
    }
}

/// The error for a malformed `api_token`. Deliberately without an attribute
/// path (Terraform would print the configuration line with the secret); the
/// parse error itself never echoes the value.
fn invalid_api_token(error: &proxmox_client::IdError) -> Diagnostic {
    Diagnostic::error(
        "Invalid api_token",
        format!(
            "The `api_token` setting (or PROXMOX_VE_API_TOKEN) is malformed: {error}. Expected `USER@REALM!TOKENID=SECRET`."
        ),
    )
}

/// Why a `min_tls` value is refused. bpg/proxmox accepts `1.0` and `1.1`
/// (its users may carry them over); they cannot be honoured here: rustls
/// implements TLS 1.2 and 1.3 only, and PVE on Debian (OpenSSL's
/// `MinProtocol = TLSv1.2`) offers nothing older either.
fn min_tls_refusal(value: &str) -> String {
    if matches!(
        value.trim(),
        "1.0" | "1.1" | "1" | "TLSv1" | "TLSv1.0" | "TLSv1.1"
    ) {
        format!(
            "`{value}` allows TLS versions older than 1.2, which this provider never speaks (it implements TLS 1.2 and 1.3 only) and PVE on Debian does not offer: a bpg/proxmox `min_tls = \"{value}\"` connected with TLS 1.2 or 1.3 anyway. Use \"1.2\" or \"1.3\" (bpg's default), or remove min_tls (the default here is 1.2)."
        )
    } else {
        format!("`{value}` is not a TLS version; use \"1.2\" or \"1.3\".")
    }
}

fn parse_min_tls(text: &str) -> Option<TlsVersion> {
    match text.trim() {
        "1.2" | "TLSv1.2" | "tls1.2" => Some(TlsVersion::Tls12),
        "1.3" | "TLSv1.3" | "tls1.3" => Some(TlsVersion::Tls13),
        _ => None,
    }
}

/// The provider settings after environment fallbacks, before connecting.
struct Settings {
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
    ("`api_token`", &["api_token"]),
    ("`username` + `password`", &["username", "password"]),
    (
        "`auth_ticket` + `csrf_prevention_token`",
        &["auth_ticket", "csrf_prevention_token"],
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
    let lone_username = in_env("username") && !in_env("password");
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
    fn from_config(config: &Value) -> Result<Settings, Diagnostic> {
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
        let api_token = part(TOKEN, "api_token");
        let username = part(PASSWORD, "username");
        let password = part(PASSWORD, "password");
        let ticket = part(TICKET, "auth_ticket");
        let csrf = part(TICKET, "csrf_prevention_token");
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
                .at_attribute("username")
            })?;
            let description = format!("password of {user}");
            let otp = text("otp").map(Secret::new);
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

        let insecure = match config.get("insecure").as_bool() {
            Some(insecure) => insecure,
            None => match text("insecure").as_deref().map(str::trim) {
                None => false,
                Some("1" | "true" | "TRUE" | "True" | "yes") => true,
                Some("0" | "false" | "FALSE" | "False" | "no") => false,
                Some(other) => {
                    return Err(Diagnostic::error(
                        "Invalid PROXMOX_VE_INSECURE",
                        format!("`{other}` is not a boolean; use true or false."),
                    )
                    .at_attribute("insecure"));
                }
            },
        };
        let ca_pem = match text("ca_certificate") {
            None => None,
            Some(value) if value.contains("-----BEGIN") => Some(value),
            Some(path) => Some(std::fs::read_to_string(&path).map_err(|error| {
                Diagnostic::error(
                    "Unreadable ca_certificate",
                    format!("`ca_certificate` is neither PEM text nor a readable file ({path}: {error})."),
                )
                .at_attribute("ca_certificate")
            })?),
        };
        let min_tls = match text("min_tls") {
            None => TlsVersion::Tls12,
            Some(value) => parse_min_tls(&value).ok_or_else(|| {
                Diagnostic::error("Invalid min_tls", min_tls_refusal(&value))
                    .at_attribute("min_tls")
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
            timeout: whole("timeout"),
            max_retries: whole("max_retries").and_then(|n| u32::try_from(n).ok()),
            endpoint_cooldown: whole("endpoint_cooldown"),
            warnings,
        })
    }

    /// Builds the client; nothing is sent until the first API call.
    fn connect(self) -> Result<(Connection, Vec<Diagnostic>), Diagnostic> {
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

/// The `provider "pve" {}` block. Its settings are read with their
/// environment fallbacks (`SETTINGS`, [`endpoints`]), not decoded as a whole:
/// this struct declares the schema and the attribute names.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Manages Proxmox VE access control: users, API tokens, roles, ACLs, groups, pools and realms."
)]
pub(crate) struct ProviderModel {
    #[tf(
        optional,
        description = with_env_default(
            "The PVE API endpoint, `https://HOST:8006` (a trailing `/api2/json` is accepted). For several nodes of a cluster, set `endpoints` instead.",
            "PROXMOX_VE_ENDPOINT"
        )
    )]
    endpoint: Option<String>,
    #[tf(
        optional,
        sensitive,
        description = with_env_default(
            "An API token, `USER@REALM!TOKENID=SECRET`. Preferred over a password.",
            "PROXMOX_VE_API_TOKEN"
        )
    )]
    api_token: Option<String>,
    #[tf(
        optional,
        description = with_env_default(
            "A user for ticket login, `USER@REALM` (with `password`).",
            "PROXMOX_VE_USERNAME"
        )
    )]
    username: Option<String>,
    #[tf(
        optional,
        sensitive,
        description = with_env_default("The password of `username`.", "PROXMOX_VE_PASSWORD")
    )]
    password: Option<String>,
    #[tf(
        optional,
        sensitive,
        description = with_env_default(
            "A TOTP code, when `username` has two-factor authentication.",
            "PROXMOX_VE_OTP"
        )
    )]
    otp: Option<String>,
    #[tf(
        optional,
        sensitive,
        description = with_env_default(
            "An existing `PVEAuthCookie` ticket (with `csrf_prevention_token`).",
            "PROXMOX_VE_AUTH_TICKET"
        )
    )]
    auth_ticket: Option<String>,
    #[tf(
        optional,
        sensitive,
        description = with_env_default(
            "The CSRF prevention token that came with `auth_ticket`.",
            "PROXMOX_VE_CSRF_PREVENTION_TOKEN"
        )
    )]
    csrf_prevention_token: Option<String>,
    #[tf(
        optional,
        description = "Skip TLS certificate verification. For tests only: prefer `ca_certificate` or `tls_fingerprint`. Defaults to `PROXMOX_VE_INSECURE`, else false."
    )]
    insecure: Option<bool>,
    #[tf(
        optional,
        description = with_env_default(
            "A PEM bundle (or the path of one) of extra CAs to trust, e.g. your cluster's `pve-root-ca.pem`.",
            "PROXMOX_VE_CA_CERTIFICATE"
        )
    )]
    ca_certificate: Option<String>,
    #[tf(
        optional,
        description = with_env_default(
            "Pin the server certificate by its SHA-256 fingerprint as PVE shows it (`AA:BB:…`); then no CA is needed, and `ca_certificate` and `insecure` are ignored (with a warning). A pin checks neither the chain, the host name nor the expiry, and breaks whenever the certificate is renewed: prefer `ca_certificate`.",
            "PROXMOX_VE_TLS_FINGERPRINT"
        )
    )]
    tls_fingerprint: Option<String>,
    #[tf(
        optional,
        description = with_env_default(
            "The minimum TLS version: `1.2` (default) or `1.3`.",
            "PROXMOX_VE_MIN_TLS"
        )
    )]
    min_tls: Option<String>,
    #[tf(
        optional,
        description = "Seconds to wait for one API request. Default 60."
    )]
    timeout: Option<i64>,
    #[tf(
        optional,
        description = "How often a transient failure (lock timeout, 5xx from a proxy, dropped connection on a safe request) is retried. Default 4."
    )]
    max_retries: Option<i64>,
    #[tf(
        optional,
        description = format!(
            "Several nodes of one PVE cluster, `[\"https://pve1:8006\", \"https://pve2:8006\", …]`, in order of preference; instead of `endpoint` (set exactly one of the two). Each request goes to the first node believed healthy; a node that refuses connections, times out, answers with a proxy error or has lost quorum is skipped for `endpoint_cooldown` seconds. One login serves every node. See the guide \"Running against a cluster\". Defaults to `{}` (comma-separated).",
            endpoints::ENDPOINTS_VAR
        )
    )]
    endpoints: Option<Vec<String>>,
    #[tf(
        optional,
        description = format!(
            "With `endpoints`: pin each node's certificate by its SHA-256 fingerprint, one per endpoint in the same order (every node of a cluster has its own certificate). Prefer `ca_certificate` with the cluster's `pve-root-ca.pem`, which covers every node. Defaults to `{}` (comma-separated).",
            endpoints::TLS_FINGERPRINTS_VAR
        )
    )]
    tls_fingerprints: Option<Vec<String>>,
    #[tf(
        optional,
        description = "With `endpoints`: seconds a node that failed is skipped before it is tried again. Default 60."
    )]
    endpoint_cooldown: Option<i64>,
}

/// A setting's description, ending with the environment variable it falls back to.
fn with_env_default(text: &str, var: &str) -> String {
    format!("{text} Defaults to `{var}`.")
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
