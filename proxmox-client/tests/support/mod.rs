//! An in-process HTTPS test server (rcgen certificates, tokio-rustls, axum).
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use proxmox_client::{Client, ClientBuilder, RetryPolicy};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

/// Response header that makes the server drop the connection instead of answering.
pub const DROP_HEADER: &str = "x-test-drop-connection";

/// The API token every test client sends (the test servers accept any).
pub const API_TOKEN: &str = "root@pam!ci=11111111-2222-4333-8444-555555555555";

/// Retries with millisecond delays, so that retried tests stay fast.
pub fn fast_retries(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(5),
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    /// PEM of the CA that signed the server certificate.
    pub ca_pem: String,
    /// SHA-256 of the leaf certificate, PVE style.
    pub fingerprint: String,
}

impl TestServer {
    pub async fn start(app: Router) -> Self {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
        let leaf_der: CertificateDer<'static> = leaf.der().clone();
        let fingerprint = Sha256::digest(leaf_der.as_ref())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![leaf_der],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let app = app.clone();
                            async move {
                                use tower::ServiceExt;
                                let resp: Response<Body> = app
                                    .oneshot(req.map(Body::new))
                                    .await
                                    .unwrap_or_else(|e: Infallible| match e {});
                                if resp.headers().contains_key(DROP_HEADER) {
                                    // An error from the service makes hyper close the
                                    // connection without sending a response.
                                    return Err::<Response<Body>, _>(std::io::Error::other("drop"));
                                }
                                Ok(resp)
                            }
                        });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            ca_pem: ca.pem(),
            fingerprint,
        }
    }

    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// A builder that trusts this server's CA and retries fast.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder(self.url())
            .ca_pem(self.ca_pem.clone())
            .retry_policy(fast_retries(4))
    }

    /// [`TestServer::builder`] with [`API_TOKEN`].
    pub fn token_client(&self) -> Client {
        self.builder()
            .api_token(API_TOKEN.parse().expect("test helper"))
            .build()
            .expect("test helper")
    }
}

/// A PVE JSON success answer.
pub fn ok(data: serde_json::Value) -> Response<Body> {
    json(StatusCode::OK, None, serde_json::json!({ "data": data }))
}

/// A PVE error answer with `message` (and the first line as reason phrase).
pub fn pve_error(status: u16, message: &str) -> Response<Body> {
    let reason = message.lines().next().unwrap_or("").to_owned();
    json(
        StatusCode::from_u16(status).unwrap(),
        Some(reason),
        serde_json::json!({ "data": null, "message": message }),
    )
}

/// A response with a custom reason phrase and a JSON body.
pub fn json(status: StatusCode, reason: Option<String>, body: serde_json::Value) -> Response<Body> {
    let mut resp = Response::builder()
        .status(status)
        .header("content-type", "application/json;charset=UTF-8")
        .body(Body::from(body.to_string()))
        .unwrap();
    if let Some(reason) = reason {
        resp.extensions_mut()
            .insert(hyper::ext::ReasonPhrase::try_from(reason.into_bytes()).unwrap());
    }
    resp
}

/// PVE's pre-dispatch 401: reason phrase, empty body.
pub fn unauthorized(reason: &str) -> Response<Body> {
    let mut resp = Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .body(Body::empty())
        .unwrap();
    resp.extensions_mut()
        .insert(hyper::ext::ReasonPhrase::try_from(reason.as_bytes().to_vec()).unwrap());
    resp
}

/// Makes the test server drop the connection.
pub fn drop_connection() -> Response<Body> {
    Response::builder()
        .header(DROP_HEADER, "1")
        .body(Body::empty())
        .unwrap()
}
