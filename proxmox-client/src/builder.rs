//! `Client::builder(endpoint)…build()`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::auth::{Credentials, DEFAULT_TICKET_RENEW_AFTER, TicketState, TicketStore};
use crate::client::{Client, Inner};
use crate::failover::{Cluster, DEFAULT_UNHEALTHY_FOR, Node, endpoint_label};
use crate::tls::{Fingerprint, TlsVersion, pinned_config};
use crate::{ApiToken, Error, RetryPolicy, Secret, UserId};

/// Configures and builds a [`Client`]. `Debug` output never contains secrets.
///
/// ```no_run
/// use std::time::Duration;
/// use proxmox_client::{Client, TlsVersion};
/// # fn f() -> Result<(), proxmox_client::Error> {
/// let client = Client::builder("https://pve.example.com:8006")
///     .api_token("root@pam!ci=8a6e0b1c-0000-4000-8000-000000000000".parse()?)
///     .fingerprint("AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99")
///     .min_tls_version(TlsVersion::Tls12)
///     .timeout(Duration::from_secs(30))
///     .max_retries(4)
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    endpoints: Vec<String>,
    credentials: Credentials,
    ca_pem: Vec<Vec<u8>>,
    fingerprints: Vec<String>,
    insecure: bool,
    min_tls: TlsVersion,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    renew_after: Duration,
    unhealthy_for: Duration,
    user_agent: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoints", &self.endpoints)
            .field("credentials", &self.credentials)
            .field("ca_pem_bundles", &self.ca_pem.len())
            .field("fingerprints", &self.fingerprints)
            .field("insecure", &self.insecure)
            .field("min_tls", &self.min_tls)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("renew_after", &self.renew_after)
            .field("unhealthy_for", &self.unhealthy_for)
            .finish()
    }
}

impl ClientBuilder {
    pub(crate) fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoints: vec![endpoint.into()],
            credentials: Credentials::None,
            ca_pem: Vec::new(),
            fingerprints: Vec::new(),
            insecure: false,
            min_tls: TlsVersion::Tls12,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            renew_after: DEFAULT_TICKET_RENEW_AFTER,
            unhealthy_for: DEFAULT_UNHEALTHY_FOR,
            user_agent: concat!("proxmox-client-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// Several endpoints of one PVE cluster (`https://pve1:8006`, …), in order
    /// of preference; replaces the endpoint given to [`crate::Client::builder`].
    ///
    /// Each request goes to the first node believed healthy. A node that
    /// refuses the connection, times out, fails TLS, answers with a proxy
    /// error (502/503/504/595/596) or has lost quorum (writes) is skipped
    /// for [`ClientBuilder::unhealthy_for`] and the request moves to the next
    /// node — except a write whose answer was lost, which is reported as
    /// [`Error::OutcomeUnknown`] rather than repeated. One login serves every
    /// node (PVE tickets are cluster-wide); one CA bundle
    /// ([`ClientBuilder::ca_pem`]) covers every node; pins are per endpoint
    /// ([`ClientBuilder::fingerprints`]).
    pub fn endpoints<I, S>(mut self, endpoints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.endpoints = endpoints.into_iter().map(Into::into).collect();
        self
    }

    /// How long a failed endpoint is skipped before it is tried again
    /// (default 60 s). Only matters with several [`ClientBuilder::endpoints`].
    pub fn unhealthy_for(mut self, duration: Duration) -> Self {
        self.unhealthy_for = duration;
        self
    }

    /// Sets the credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Authenticates with an API token (`user@realm!name=secret`).
    pub fn api_token(self, token: ApiToken) -> Self {
        self.credentials(Credentials::ApiToken(token))
    }

    /// Authenticates with a username and password (ticket login, renewed automatically).
    pub fn password(self, username: UserId, password: impl Into<Secret>) -> Self {
        self.credentials(Credentials::Password {
            username,
            password: password.into(),
            otp: None,
        })
    }

    /// Like [`ClientBuilder::password`], with a TOTP code for the first login.
    pub fn password_with_otp(
        self,
        username: UserId,
        password: impl Into<Secret>,
        otp: impl Into<Secret>,
    ) -> Self {
        self.credentials(Credentials::Password {
            username,
            password: password.into(),
            otp: Some(otp.into()),
        })
    }

    /// Authenticates with an existing ticket and CSRF token.
    pub fn ticket(self, ticket: impl Into<Secret>, csrf_token: impl Into<Secret>) -> Self {
        self.credentials(Credentials::Ticket {
            ticket: ticket.into(),
            csrf_token: csrf_token.into(),
        })
    }

    /// Trusts the CA certificates of a PEM bundle in addition to the system roots
    /// (e.g. `/etc/pve/pve-root-ca.pem`). May be called several times.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem.push(pem.into());
        self
    }

    /// Pins the server's leaf certificate by SHA-256 fingerprint (`AA:BB:…`,
    /// case-insensitive, colons optional). When set, exactly that certificate
    /// is accepted, whatever its issuer, host name or validity dates; the CA
    /// bundle and `insecure` are ignored.
    pub fn fingerprint(mut self, fingerprint: impl AsRef<str>) -> Self {
        self.fingerprints = vec![fingerprint.as_ref().to_owned()];
        self
    }

    /// Pins one certificate per endpoint, in the order of
    /// [`ClientBuilder::endpoints`] (every node of a cluster has its own
    /// certificate). The count must match the endpoints.
    pub fn fingerprints<I, S>(mut self, fingerprints: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.fingerprints = fingerprints
            .into_iter()
            .map(|f| f.as_ref().to_owned())
            .collect();
        self
    }

    /// Disables certificate verification entirely. Only for throw-away labs:
    /// prefer [`ClientBuilder::fingerprint`] for self-signed certificates.
    pub fn insecure(mut self, insecure: bool) -> Self {
        self.insecure = insecure;
        self
    }

    /// The lowest TLS version to negotiate (default 1.2).
    pub fn min_tls_version(mut self, version: TlsVersion) -> Self {
        self.min_tls = version;
        self
    }

    /// Timeout of one request attempt, from connecting to reading the body (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The whole retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Retries after the first attempt (default 4; 0 disables retrying).
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry.max_retries = max_retries;
        self
    }

    /// Base and maximum backoff delay (defaults 100 ms and 5 s).
    pub fn retry_delays(mut self, base: Duration, max: Duration) -> Self {
        self.retry.base_delay = base;
        self.retry.max_delay = max;
        self
    }

    /// Renew tickets this long after they were issued (default 1 h 45 min; PVE
    /// tickets live 2 h).
    pub fn ticket_renew_after(mut self, after: Duration) -> Self {
        self.renew_after = after;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Validates the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        if self.endpoints.is_empty() {
            return Err(Error::Config(
                "no endpoint: give at least one https://HOST:8006".into(),
            ));
        }
        let mut bases: Vec<Url> = Vec::with_capacity(self.endpoints.len());
        for endpoint in &self.endpoints {
            let base = normalize_endpoint(endpoint)?;
            if bases.contains(&base) {
                return Err(Error::Config(format!(
                    "endpoint '{}' is listed twice: list each node once",
                    endpoint_label(&base)
                )));
            }
            bases.push(base);
        }
        if !self.fingerprints.is_empty() && self.fingerprints.len() != bases.len() {
            return Err(Error::Config(format!(
                "{} endpoints but {} certificate fingerprints: pinning takes one fingerprint per endpoint, in the same order (or use one CA certificate for the cluster instead)",
                bases.len(),
                self.fingerprints.len()
            )));
        }
        let mut nodes = Vec::with_capacity(bases.len());
        for (index, base) in bases.into_iter().enumerate() {
            let http = self.http_client(self.fingerprints.get(index).map(String::as_str))?;
            nodes.push(Node::new(base, http));
        }

        let tickets = match &self.credentials {
            Credentials::Password { .. } => Some(TicketStore::new(None, self.renew_after)),
            Credentials::Ticket { ticket, csrf_token } => Some(TicketStore::new(
                Some(TicketState::supplied(ticket.clone(), csrf_token.clone())),
                self.renew_after,
            )),
            _ => None,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                cluster: Cluster {
                    nodes,
                    unhealthy_for: self.unhealthy_for,
                },
                credentials: self.credentials,
                tickets,
                retry: self.retry,
            }),
        })
    }
}

impl ClientBuilder {
    /// The HTTP client of one endpoint: the shared TLS settings, or that
    /// endpoint's pinned certificate.
    fn http_client(&self, fingerprint: Option<&str>) -> Result<reqwest::Client, Error> {
        let mut http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.clone())
            .https_only(true)
            // PVE never redirects; a followed redirect would re-send the
            // CSRF header and, on 307/308, a login body with the password.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(fp) = fingerprint {
            let pin: Fingerprint = fp.parse()?;
            http = http.tls_backend_preconfigured(pinned_config(pin, self.min_tls)?);
        } else {
            http = http.tls_version_min(match self.min_tls {
                TlsVersion::Tls12 => reqwest::tls::Version::TLS_1_2,
                TlsVersion::Tls13 => reqwest::tls::Version::TLS_1_3,
            });
            for (i, pem) in self.ca_pem.iter().enumerate() {
                let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                    Error::Config(format!("CA bundle #{} is not valid PEM: {e}", i + 1))
                })?;
                if certs.is_empty() {
                    return Err(Error::Config(format!(
                        "CA bundle #{} contains no PEM certificate",
                        i + 1
                    )));
                }
                http = http.tls_certs_merge(certs);
            }
            if self.insecure {
                http = http.tls_danger_accept_invalid_certs(true);
            }
        }
        http.build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
    }
}

/// Whether the authority part of an endpoint (after any `scheme://`, up to
/// the first `/`, `?` or `#`) has a `user@` or `user:password@` prefix.
fn has_userinfo(endpoint: &str) -> bool {
    let rest = endpoint
        .split_once("://")
        .map_or(endpoint, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.contains('@')
}

/// Turns a user-supplied endpoint into the `…/api2/json` base URL.
pub(crate) fn normalize_endpoint(endpoint: &str) -> Result<Url, Error> {
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return Err(Error::Config(
            "endpoint is empty: set it to https://HOST:8006".into(),
        ));
    }
    // Checked first, before any message echoes the endpoint: userinfo may
    // hold a password (`https://root:pw@host:8006`).
    if has_userinfo(endpoint) {
        return Err(Error::Config(
            "endpoint must not contain credentials (user:password@): configure an API token or password instead"
                .into(),
        ));
    }
    if !endpoint.contains("://") {
        return Err(Error::Config(format!(
            "endpoint '{endpoint}' has no scheme: use https://{endpoint}"
        )));
    }
    let url = Url::parse(endpoint)
        .map_err(|e| Error::Config(format!("endpoint '{endpoint}' is not a valid URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" => {
            return Err(Error::Config(format!(
                "endpoint '{endpoint}' uses http://, but the PVE API is served over https only: use https://{}",
                endpoint
                    .split_once("://")
                    .map_or(endpoint, |(_, rest)| rest)
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "endpoint '{endpoint}' has scheme '{other}': use https://HOST:8006"
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "endpoint must not contain credentials: configure an API token or password instead"
                .into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "endpoint '{endpoint}' must not have a query or fragment"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Config(format!("endpoint '{endpoint}' has no host")));
    }
    let mut path = url.path().trim_end_matches('/').to_owned();
    if let Some(stripped) = path.strip_suffix("/api2/json") {
        path = stripped.trim_end_matches('/').to_owned();
    }
    let mut base = url;
    base.set_path(&format!("{path}/api2/json"));
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_credentials_are_refused_without_echoing_them() {
        for input in [
            "https://root:hunter2@pve:8006",
            "http://root:hunter2@pve:8006",
            "root:hunter2@pve:8006",
            "ftp://root:hunter2@pve",
            "https://root:hunter2@pve:8006/?x#y",
        ] {
            let error = normalize_endpoint(input).unwrap_err().to_string();
            assert!(error.contains("credentials"), "{input}: {error}");
            assert!(!error.contains("hunter2"), "{input}: {error}");
        }
        // An '@' after the host is not userinfo.
        assert!(normalize_endpoint("https://pve:8006/a@b").is_ok());
    }

    #[test]
    fn endpoints_are_normalized() {
        for input in [
            "https://pve:8006",
            "https://pve:8006/",
            "https://pve:8006/api2/json",
            "https://pve:8006/api2/json/",
            "  https://pve:8006//  ",
        ] {
            assert_eq!(
                normalize_endpoint(input).unwrap().as_str(),
                "https://pve:8006/api2/json",
                "{input}"
            );
        }
        assert_eq!(
            normalize_endpoint("https://proxy/pve/").unwrap().as_str(),
            "https://proxy/pve/api2/json"
        );
    }

    #[test]
    fn http_and_odd_endpoints_are_rejected_clearly() {
        let err = normalize_endpoint("http://pve:8006")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("https only") && err.contains("https://pve:8006"),
            "{err}"
        );
        assert!(
            normalize_endpoint("pve:8006")
                .unwrap_err()
                .to_string()
                .contains("no scheme")
        );
        assert!(normalize_endpoint("https://u:p@pve").is_err());
        assert!(normalize_endpoint("").is_err());
        assert!(normalize_endpoint("ftp://pve").is_err());
    }

    #[test]
    fn builder_debug_redacts_secrets() {
        let b = ClientBuilder::new("https://pve:8006")
            .api_token("root@pam!ci=super-secret-uuid".parse().unwrap());
        let dbg = format!("{b:?}");
        assert!(dbg.contains("root@pam!ci"), "{dbg}");
        assert!(!dbg.contains("super-secret-uuid"), "{dbg}");
        let b = ClientBuilder::new("https://pve:8006")
            .password("root@pam".parse().unwrap(), "hunter2-password");
        assert!(!format!("{b:?}").contains("hunter2-password"));
        let b =
            ClientBuilder::new("https://pve:8006").ticket("PVE:root@pam:0::TICKETSIG", "CSRFVAL");
        let dbg = format!("{b:?}");
        assert!(
            !dbg.contains("TICKETSIG") && !dbg.contains("CSRFVAL"),
            "{dbg}"
        );
    }

    #[test]
    fn bad_fingerprint_and_pem_fail_at_build() {
        let err = ClientBuilder::new("https://pve:8006")
            .fingerprint("AA:BB")
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)) && err.to_string().contains("fingerprint"));
        let err = ClientBuilder::new("https://pve:8006")
            .ca_pem("not a pem")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("CA bundle #1"), "{err}");
    }
}
