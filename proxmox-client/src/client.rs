//! The client, its request pipeline (auth → send → classify), and the
//! tracing and retry layers around each request.
//!
//! There are two pipelines: [`Client::execute`] authenticates through the
//! [`Authenticator`] layer, and [`Client::execute_anonymous`] sends without
//! credentials. A ticket login goes through the anonymous one, so the auth
//! layer never calls back into the pipeline that needs it.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::auth::{Authenticator, Credentials, LoginRequest, Ticket, TicketStore};
use crate::error::{ErrorAnswer, classify};
use crate::failover::{Cluster, Dispatch, Node};
use crate::params::Params;
use crate::{ClientBuilder, Error, RetryPolicy};

/// A Proxmox VE API client. Cheap to clone: clones share one connection pool
/// and one ticket.
///
/// ```no_run
/// # async fn f() -> Result<(), proxmox_client::Error> {
/// use proxmox_client::Client;
/// let client = Client::builder("https://pve.example.com:8006")
///     .api_token("root@pam!ci=8a6e0b1c-0000-4000-8000-000000000000".parse()?)
///     .build()?;
/// let version = client.version().await?;
/// println!("PVE {}", version.version);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The endpoints and their health, shared by every clone.
    pub cluster: Cluster,
    pub credentials: Credentials,
    pub tickets: Option<TicketStore>,
    pub retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "endpoints",
                &self
                    .inner
                    .cluster
                    .nodes
                    .iter()
                    .map(|node| node.base.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// One API call, before authentication.
pub(crate) struct ApiRequest {
    pub method: Method,
    segments: Vec<String>,
    pub query: Params,
    pub form: Params,
    /// Safe to repeat after a failure in transit.
    pub idempotent: bool,
}

impl ApiRequest {
    /// A request to `/api2/json/<segments…>`; each segment is percent-encoded.
    pub(crate) fn new<S: AsRef<str>>(method: Method, segments: &[S]) -> Self {
        let idempotent = method == Method::GET;
        Self {
            method,
            segments: segments.iter().map(|s| s.as_ref().to_owned()).collect(),
            query: Params::new(),
            form: Params::new(),
            idempotent,
        }
    }

    pub(crate) fn get<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::GET, segments)
    }
    pub(crate) fn post<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::POST, segments)
    }
    pub(crate) fn put<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::PUT, segments)
    }
    /// DELETE is repeatable: a second attempt at most answers "not found".
    pub(crate) fn delete<S: AsRef<str>>(segments: &[S]) -> Self {
        Self::new(Method::DELETE, segments).idempotent(true)
    }

    pub(crate) fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    pub(crate) fn query(mut self, query: Params) -> Self {
        self.query = query;
        self
    }

    pub(crate) fn form(mut self, form: Params) -> Self {
        self.form = form;
        self
    }

    /// The API path for logs and errors, e.g. `/access/users/alice@pve`.
    pub(crate) fn path(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }

    /// Addressed to a node by name, under `/nodes/{name}/`: pveproxy
    /// forwards such a request to that node.
    fn to_named_node(&self) -> bool {
        self.segments.len() >= 3 && self.segments[0] == "nodes"
    }
}

/// The answer of a successful call, before decoding.
struct RawAnswer {
    data: serde_json::Value,
}

impl Client {
    /// Starts configuring a client for `endpoint` (`https://HOST:8006`; a
    /// trailing `/api2/json` and slashes are accepted).
    pub fn builder(endpoint: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(endpoint)
    }

    /// The API base URL (`https://HOST:PORT/api2/json`) of the first endpoint.
    pub fn base_url(&self) -> &Url {
        &self.inner.cluster.first().base
    }

    /// The API base URLs of every endpoint, in the configured order.
    pub fn base_urls(&self) -> Vec<&Url> {
        self.inner.cluster.nodes.iter().map(|n| &n.base).collect()
    }

    /// Runs a request through the retry, tracing and authentication layers
    /// and decodes `data`.
    pub(crate) async fn execute<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T, Error> {
        let answer = self
            .inner
            .retry
            .run(req.idempotent, |attempt| {
                traced(&req, attempt, self.send_authenticated(&req))
            })
            .await?;
        decode(&req, answer)
    }

    /// Like [`Client::execute`] without credentials: for the login itself.
    async fn execute_anonymous<T: DeserializeOwned>(&self, req: ApiRequest) -> Result<T, Error> {
        let no_credentials = HeaderMap::new();
        let answer = self
            .inner
            .retry
            .run(req.idempotent, |attempt| {
                traced(&req, attempt, self.send(&req, &no_credentials))
            })
            .await?;
        decode(&req, answer)
    }

    /// `POST /access/ticket`, sent without credentials.
    pub(crate) async fn request_ticket(&self, login: &LoginRequest) -> Result<Ticket, Error> {
        let req = ApiRequest::post(&["access", "ticket"])
            .form(login.to_params())
            // Creating a ticket changes nothing on the server.
            .idempotent(true);
        self.execute_anonymous(req).await
    }

    /// Like [`Client::execute`] for a list answer, decoded entry by entry:
    /// see [`crate::api::decode_list`].
    pub(crate) async fn execute_list<T: DeserializeOwned>(
        &self,
        req: ApiRequest,
    ) -> Result<Vec<T>, Error> {
        let method = req.method.to_string();
        let path = req.path();
        let data: serde_json::Value = self.execute(req).await?;
        crate::api::decode_list(&method, &path, data)
    }

    /// Like [`Client::execute`], ignoring the answer's `data`.
    pub(crate) async fn execute_unit(&self, req: ApiRequest) -> Result<(), Error> {
        let _: serde_json::Value = self.execute(req).await?;
        Ok(())
    }

    /// Adds credentials; on a 401 with a ticket obtained by password, logs in
    /// again once (the ticket may have been revoked by a key rotation).
    async fn send_authenticated(&self, req: &ApiRequest) -> Result<RawAnswer, Error> {
        let auth = Authenticator {
            credentials: &self.inner.credentials,
            tickets: self.inner.tickets.as_ref(),
            login: |login: LoginRequest| async move { self.request_ticket(&login).await },
        };
        let (headers, ticket) = auth.headers(&req.method).await?;
        let result = self.send(req, &headers).await;
        match (&result, &ticket, &self.inner.credentials) {
            (Err(Error::Authentication { .. }), Some(seen), Credentials::Password { .. }) => {
                if let Some(store) = &self.inner.tickets {
                    store.invalidate(seen).await;
                }
                let (headers, _) = auth.headers(&req.method).await?;
                self.send(req, &headers).await
            }
            _ => result,
        }
    }

    /// Sends one authenticated request through the failover layer: to the
    /// first node that can serve it (see [`crate::failover`]).
    async fn send(&self, req: &ApiRequest, headers: &HeaderMap) -> Result<RawAnswer, Error> {
        let dispatch = Dispatch {
            what: format!("{} {}", req.method, req.path()),
            idempotent: req.idempotent,
            to_named_node: req.to_named_node(),
        };
        self.inner
            .cluster
            .send(&dispatch, |node| self.send_once(node, req, headers.clone()))
            .await
            // After the failover layer, which needs the status to tell the
            // endpoint's failure from that of the node a request names.
            .map_err(|error| outcome_unknown_if_not_from_pve(error, req.idempotent))
    }

    /// Sends one request to one node and classifies the answer.
    async fn send_once(
        &self,
        node: &Node,
        req: &ApiRequest,
        headers: HeaderMap,
    ) -> Result<RawAnswer, Error> {
        let method_str = req.method.to_string();
        let path = req.path();
        let mut url = node.base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|()| Error::Config("endpoint cannot be a base URL".into()))?;
            segs.pop_if_empty();
            for s in &req.segments {
                segs.push(s);
            }
        }
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.pairs().iter());
        }
        let mut builder = node.http.request(req.method.clone(), url).headers(headers);
        if req.method == Method::POST || req.method == Method::PUT {
            builder = builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(req.form.to_form());
        }
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(node, &e, &method_str, &path, req.idempotent))?;
        let status = response.status();
        let reason = response
            .extensions()
            .get::<hyper::ext::ReasonPhrase>()
            .and_then(|r| std::str::from_utf8(r.as_bytes()).ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(node, &e, &method_str, &path, req.idempotent))?;
        if status.is_success() {
            #[derive(serde::Deserialize)]
            struct Envelope {
                #[serde(default)]
                data: serde_json::Value,
            }
            let env: Envelope = serde_json::from_slice(&body).map_err(|e| Error::Decode {
                method: method_str.clone(),
                path: path.clone(),
                message: format!("body is not a PVE JSON envelope: {e}"),
            })?;
            return Ok(RawAnswer { data: env.data });
        }
        let error = classify(&ErrorAnswer {
            method: &method_str,
            path: &path,
            status: status.as_u16(),
            reason: reason.as_deref(),
            body: &body,
            credential: &self.inner.credentials.describe(),
        });
        Err(error)
    }
}

/// A failure before any answer: TLS refusal and connect failures (nothing
/// was sent) are told apart from a break after sending.
fn transport_error(
    node: &Node,
    e: &reqwest::Error,
    method: &str,
    path: &str,
    idempotent: bool,
) -> Error {
    let message = error_chain(e);
    if find_rustls_error(e).is_some() {
        return Error::Tls {
            url: node.base.to_string(),
            message,
        };
    }
    if e.is_connect() {
        return Error::Connect {
            url: node.base.to_string(),
            message,
        };
    }
    if idempotent {
        Error::Transport {
            method: method.to_owned(),
            path: path.to_owned(),
            message,
        }
    } else {
        Error::OutcomeUnknown {
            method: method.to_owned(),
            path: path.to_owned(),
            message,
        }
    }
}

/// A 502/503/504 comes from a proxy or gateway in front of pveproxy (or from
/// pveproxy failing to reach the API daemon; 595/596 from pveproxy failing
/// to reach the node it forwards to), not from PVE's handler: a
/// gateway timeout can arrive after PVE committed the change. For a request
/// that must not be repeated, the outcome is therefore unknown, exactly as
/// when the connection breaks after sending.
fn outcome_unknown_if_not_from_pve(error: Error, idempotent: bool) -> Error {
    match error {
        Error::Unavailable(api) if !idempotent => Error::OutcomeUnknown {
            message: format!(
                "the server answered {} {} (a proxy or gateway, not PVE itself)",
                api.status, api.message
            ),
            method: api.method,
            path: api.path,
        },
        other => other,
    }
}

/// One attempt, inside its tracing span. Generic over the attempt, so the
/// authenticated and the anonymous pipeline share it without one future
/// type containing the other.
async fn traced<F>(req: &ApiRequest, attempt: u32, send: F) -> Result<RawAnswer, Error>
where
    F: Future<Output = Result<RawAnswer, Error>>,
{
    let span = tracing::debug_span!(
        "pve_request",
        method = %req.method,
        path = %req.path(),
        attempt,
        status = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    );
    async {
        let started = Instant::now();
        let result = send.await;
        let span = tracing::Span::current();
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(_) => {
                span.record("status", 200u16);
                tracing::debug!("PVE request succeeded");
            }
            Err(e) => {
                if let Some(status) = e.status() {
                    span.record("status", status);
                }
                tracing::debug!(error = %e, "PVE request failed");
            }
        }
        result
    }
    .instrument(span)
    .await
}

/// Decodes the `data` of a successful answer.
fn decode<T: DeserializeOwned>(req: &ApiRequest, answer: RawAnswer) -> Result<T, Error> {
    serde_json::from_value(answer.data).map_err(|e| Error::Decode {
        method: req.method.to_string(),
        path: req.path(),
        message: e.to_string(),
    })
}

/// `outer: inner: innermost`, without repeating identical texts.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// A rustls error somewhere in the chain. `io::Error::source()` skips the
/// wrapped error itself, so io::Errors are unwrapped with `get_ref()`.
fn find_rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
        {
            // The inner error may itself be an io::Error (tokio-rustls inside
            // hyper-util): examine it on the next round.
            cur = Some(inner);
            continue;
        }
        cur = err.source();
    }
    None
}
