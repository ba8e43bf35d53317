//! The provider block's schema ([`ProviderModel`]) and the environment
//! variable each setting falls back to.

use tfplugin::Model;

use crate::endpoints;

/// Each setting: its attribute, its environment variable, and whether it is secret.
pub(super) const SETTINGS: &[(&str, &str, bool)] = &[
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
