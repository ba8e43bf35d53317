//! The `provider "pve" {}` block: connection settings, their
//! `PROXMOX_VE_*` environment fallbacks, validation, and configuration of
//! the shared [`Connection`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use proxmox_client::{ApiToken, Client, Credentials, Secret, TlsVersion, UserId};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    Action, ClientInfo, DataSource, EphemeralResource, Function, ListResource, Provider, Resource,
};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::{Connection, Pve};
use crate::{actions, data_sources, ephemeral, functions, list, resources};

/// Each setting: its attribute, its environment variable, and whether it is secret.
const SETTINGS: &[(&str, &str, bool)] = &[
    ("endpoint", "PROXMOX_VE_ENDPOINT", false),
    ("api_token", "PROXMOX_VE_API_TOKEN", true),
    ("username", "PROXMOX_VE_USERNAME", false),
    ("password", "PROXMOX_VE_PASSWORD", true),
    ("otp", "PROXMOX_VE_OTP", true),
    ("auth_ticket", "PROXMOX_VE_AUTH_TICKET", true),
    (
        "csrf_prevention_token",
        "PROXMOX_VE_CSRF_PREVENTION_TOKEN",
        true,
    ),
    ("insecure", "PROXMOX_VE_INSECURE", false),
    ("ca_certificate", "PROXMOX_VE_CA_CERTIFICATE", false),
    ("tls_fingerprint", "PROXMOX_VE_TLS_FINGERPRINT", false),
    ("min_tls", "PROXMOX_VE_MIN_TLS", false),
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
        let env = |attr: &str| {
            SETTINGS
                .iter()
                .find(|(name, _, _)| *name == attr)
                .map(|(_, var, _)| *var)
                .unwrap_or_default()
        };
        let setting = |name: &str, text: &str| {
            let attribute = Attribute::optional(name, Type::String)
                .description(format!("{text} Defaults to `{}`.", env(name)));
            if SETTINGS.iter().any(|(n, _, secret)| *n == name && *secret) {
                attribute.sensitive()
            } else {
                attribute
            }
        };
        Schema::new(Block {
            description: "Manages Proxmox VE access control: users, API tokens, roles, ACLs, groups, pools and realms.".into(),
            attributes: vec![
                setting("endpoint", "The PVE API endpoint, `https://HOST:8006` (a trailing `/api2/json` is accepted)."),
                setting("api_token", "An API token, `USER@REALM!TOKENID=SECRET`. Preferred over a password."),
                setting("username", "A user for ticket login, `USER@REALM` (with `password`)."),
                setting("password", "The password of `username`."),
                setting("otp", "A TOTP code, when `username` has two-factor authentication."),
                setting("auth_ticket", "An existing `PVEAuthCookie` ticket (with `csrf_prevention_token`)."),
                setting("csrf_prevention_token", "The CSRF prevention token that came with `auth_ticket`."),
                Attribute::optional("insecure", Type::Bool).description(
                    "Skip TLS certificate verification. For tests only: prefer `ca_certificate` or `tls_fingerprint`. Defaults to `PROXMOX_VE_INSECURE`, else false.",
                ),
                setting("ca_certificate", "A PEM bundle (or the path of one) of extra CAs to trust, e.g. your cluster's `pve-root-ca.pem`."),
                setting("tls_fingerprint", "Pin the server certificate by its SHA-256 fingerprint as PVE shows it (`AA:BB:…`); then no CA is needed."),
                setting("min_tls", "The minimum TLS version: `1.2` (default) or `1.3`."),
                Attribute::optional("timeout", Type::Number)
                    .description("Seconds to wait for one API request. Default 60."),
                Attribute::optional("max_retries", Type::Number).description(
                    "How often a transient failure (lock timeout, 5xx from a proxy, dropped connection on a safe request) is retried. Default 4.",
                ),
            ],
            ..Block::default()
        })
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        // Only what can be checked without the environment: values may still be unknown.
        let mut diagnostics = Diagnostics::new();
        if let Some(token) = config.get("api_token").as_str()
            && let Err(error) = token.parse::<ApiToken>()
        {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid api_token",
                    format!("{error}. Expected `USER@REALM!TOKENID=SECRET`."),
                )
                .at_attribute("api_token"),
            );
        }
        if let Some(min_tls) = config.get("min_tls").as_str()
            && parse_min_tls(min_tls).is_none()
        {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid min_tls",
                    format!("`{min_tls}` is not a TLS version; use \"1.2\" or \"1.3\"."),
                )
                .at_attribute("min_tls"),
            );
        }
        for name in ["timeout", "max_retries"] {
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
        {
            // Terraform configures the provider during plan with values that
            // are only known after apply; resources that need the API then
            // report this reason.
            self.pve
                .set_unconfigured(format!("`{unknown}` is not known until apply"));
            return Diagnostics::new();
        }
        match Settings::from_config(config).and_then(|settings| settings.connect()) {
            Ok(connection) => {
                self.pve.set(connection);
                Diagnostics::new()
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

fn parse_min_tls(text: &str) -> Option<TlsVersion> {
    match text.trim() {
        "1.2" | "TLSv1.2" | "tls1.2" => Some(TlsVersion::Tls12),
        "1.3" | "TLSv1.3" | "tls1.3" => Some(TlsVersion::Tls13),
        _ => None,
    }
}

/// The provider settings after environment fallbacks, before connecting.
struct Settings {
    endpoint: String,
    credentials: Credentials,
    credential_description: String,
    insecure: bool,
    ca_pem: Option<String>,
    fingerprint: Option<String>,
    min_tls: TlsVersion,
    timeout: Option<u64>,
    max_retries: Option<u32>,
}

impl Settings {
    fn from_config(config: &Value) -> Result<Settings, Diagnostic> {
        let text = |name: &str| -> Option<String> {
            config
                .get(name)
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    let var = SETTINGS
                        .iter()
                        .find(|(n, _, _)| *n == name)
                        .map(|(_, v, _)| *v)?;
                    std::env::var(var).ok()
                })
                .filter(|value| !value.trim().is_empty())
        };
        let endpoint = text("endpoint").ok_or_else(|| {
            Diagnostic::error(
                "Missing endpoint",
                "Set `endpoint = \"https://HOST:8006\"` in the provider block, or PROXMOX_VE_ENDPOINT.",
            )
            .at_attribute("endpoint")
        })?;

        let api_token = text("api_token");
        let username = text("username");
        let password = text("password");
        let ticket = text("auth_ticket");
        let csrf = text("csrf_prevention_token");
        let chosen = [
            api_token.is_some(),
            username.is_some() || password.is_some(),
            ticket.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if chosen > 1 {
            return Err(Diagnostic::error(
                "Conflicting credentials",
                "Set exactly one of `api_token`, `username` + `password`, or `auth_ticket` + `csrf_prevention_token` (in the provider block or PROXMOX_VE_* variables).",
            ));
        }
        let (credentials, credential_description) = if let Some(token) = api_token {
            let token: ApiToken = token.parse().map_err(|error| {
                Diagnostic::error(
                    "Invalid api_token",
                    format!("{error}. Expected `USER@REALM!TOKENID=SECRET`."),
                )
                .at_attribute("api_token")
            })?;
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
        } else if let Some(ticket) = ticket {
            let csrf = csrf.ok_or_else(|| {
                Diagnostic::error(
                    "Missing csrf_prevention_token",
                    "`auth_ticket` needs the `csrf_prevention_token` that came with it.",
                )
                .at_attribute("csrf_prevention_token")
            })?;
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
                Diagnostic::error(
                    "Invalid min_tls",
                    format!("`{value}` is not a TLS version; use \"1.2\" or \"1.3\"."),
                )
                .at_attribute("min_tls")
            })?,
        };
        let whole = |name: &str| {
            config
                .get(name)
                .as_i64()
                .and_then(|n| u64::try_from(n).ok())
        };
        Ok(Settings {
            endpoint,
            credentials,
            credential_description,
            insecure,
            ca_pem,
            fingerprint: text("tls_fingerprint"),
            min_tls,
            timeout: whole("timeout"),
            max_retries: whole("max_retries").and_then(|n| u32::try_from(n).ok()),
        })
    }

    /// Builds the client; nothing is sent until the first API call.
    fn connect(self) -> Result<Connection, Diagnostic> {
        let mut builder = Client::builder(&self.endpoint)
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
        if let Some(fingerprint) = self.fingerprint {
            builder = builder.fingerprint(fingerprint);
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
        Ok(Connection::new(client, self.credential_description))
    }
}
