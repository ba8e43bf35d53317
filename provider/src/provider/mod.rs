//! The `provider "pve" {}` block: connection settings, their
//! `PROXMOX_VE_*` environment fallbacks, validation, and configuration of
//! the shared [`Connection`].

mod model;
mod settings;

use std::sync::Arc;

use async_trait::async_trait;
use proxmox_client::{ApiToken, TlsVersion};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    Action, ClientInfo, DataSource, EphemeralResource, Function, ListResource, Provider, Resource,
};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

pub(crate) use model::ProviderModel;
use model::SETTINGS;
use settings::Settings;

use crate::connection::Pve;
use crate::endpoints;
use crate::{actions, data_sources, ephemeral, functions, list, resources};

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
        if let Some(token) = config.get(ProviderModel::API_TOKEN).as_str()
            && let Err(error) = token.parse::<ApiToken>()
        {
            diagnostics.push(invalid_api_token(&error));
        }
        if let Some(min_tls) = config.get(ProviderModel::MIN_TLS).as_str()
            && parse_min_tls(min_tls).is_none()
        {
            diagnostics.push(
                Diagnostic::error("Invalid min_tls", min_tls_refusal(min_tls))
                    .at_attribute(ProviderModel::MIN_TLS),
            );
        }
        for name in [
            ProviderModel::TIMEOUT,
            ProviderModel::MAX_RETRIES,
            ProviderModel::ENDPOINT_COOLDOWN,
        ] {
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
pub(super) fn invalid_api_token(error: &proxmox_client::IdError) -> Diagnostic {
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
pub(super) fn min_tls_refusal(value: &str) -> String {
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

pub(super) fn parse_min_tls(text: &str) -> Option<TlsVersion> {
    match text.trim() {
        "1.2" | "TLSv1.2" | "tls1.2" => Some(TlsVersion::Tls12),
        "1.3" | "TLSv1.3" | "tls1.3" => Some(TlsVersion::Tls13),
        _ => None,
    }
}
