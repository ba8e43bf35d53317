//! End-to-end tests of the server through its real gRPC surface: a fake
//! provider behind mutual TLS on a unix socket, driven by a tonic client.

mod actions;
mod fake;
mod rpcs;

use std::sync::Arc;

use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use tokio::sync::watch;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_client::ProviderClient;
use crate::serve::{Running, start, start_tcp};
use crate::service::Registry;
use crate::tls::PinnedClientCert;
use crate::transport::ListenAddress;
use crate::value::{Type, Value};
use crate::wire;

/// A client identity like Terraform's: self-signed ECDSA P-521, CA:true.
pub(crate) struct ClientIdentity {
    pub cert: CertificateDer<'static>,
    pub pem: String,
    key: PrivatePkcs8KeyDer<'static>,
}

impl ClientIdentity {
    pub(crate) fn generate() -> Self {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("p521 key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let cert = params.self_signed(&key).expect("self-signed");
        Self {
            pem: cert.pem(),
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }
}

/// Trusts exactly the server certificate from the handshake line, as
/// go-plugin's client does by making it its only root.
#[derive(Debug)]
struct PinnedServer {
    cert: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert.as_ref() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A running test server.
pub(crate) struct Harness {
    pub running: Running,
    /// Dropping it would not stop the server; kept to mirror `serve`.
    #[allow(dead_code)]
    pub shutdown: watch::Sender<bool>,
    pub provider: Arc<fake::FakeProvider>,
    pub client_identity: ClientIdentity,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub(crate) async fn start() -> Self {
        Self::start_on(None).await
    }

    /// A server on loopback TCP within `ports` (inclusive).
    pub(crate) async fn start_tcp(ports: (u16, u16)) -> Self {
        Self::start_on(Some(ports)).await
    }

    async fn start_on(tcp_ports: Option<(u16, u16)>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let provider = Arc::new(fake::FakeProvider::new());
        let registry = Arc::new(Registry::new(provider.clone()).expect("registry"));
        let client_identity = ClientIdentity::generate();
        let pinned = PinnedClientCert::from_pem(&client_identity.pem).expect("client pem");
        let (shutdown, shutdown_rx) = watch::channel(false);
        let running = match tcp_ports {
            None => {
                start(
                    registry,
                    Some(pinned),
                    dir.path(),
                    shutdown.clone(),
                    shutdown_rx,
                )
                .await
            }
            Some(ports) => {
                start_tcp(registry, Some(pinned), ports, shutdown.clone(), shutdown_rx).await
            }
        }
        .expect("start");
        Self {
            running,
            shutdown,
            provider,
            client_identity,
            _dir: dir,
        }
    }

    /// A channel presenting `identity` (or no certificate at all).
    pub(crate) async fn channel(
        &self,
        identity: Option<&ClientIdentity>,
    ) -> Result<Channel, tonic::transport::Error> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = Arc::new(PinnedServer {
            cert: self.running.server_certificate.clone().expect("tls on"),
            algorithms: provider.signature_verification_algorithms,
        });
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match identity {
            Some(id) => builder
                .with_client_auth_cert(
                    vec![id.cert.clone()],
                    PrivateKeyDer::Pkcs8(id.key.clone_key()),
                )
                .expect("client auth"),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"h2".to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let address = self.running.address.clone();
        Endpoint::from_static("http://localhost")
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let connector = connector.clone();
                let address = address.clone();
                async move {
                    let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                    let stream: Box<dyn crate::transport::IoStream> = match address {
                        ListenAddress::Unix(path) => {
                            Box::new(tokio::net::UnixStream::connect(path).await?)
                        }
                        ListenAddress::Tcp(addr) => {
                            Box::new(tokio::net::TcpStream::connect(addr).await?)
                        }
                    };
                    let tls = connector.connect(name, stream).await?;
                    Ok::<_, std::io::Error>(TokioIo::new(tls))
                }
            }))
            .await
    }

    pub(crate) async fn client(&self) -> ProviderClient<Channel> {
        let channel = self
            .channel(Some(&self.client_identity))
            .await
            .expect("connect");
        ProviderClient::new(channel)
    }

    /// A fresh server and a client connected to it, the start of most tests.
    pub(crate) async fn connected() -> (Self, ProviderClient<Channel>) {
        let harness = Self::start().await;
        let client = harness.client().await;
        (harness, client)
    }

    /// Whether the server refuses a client presenting `identity` (or no
    /// certificate); with TLS 1.3 the client may only notice on first use.
    pub(crate) async fn refuses(&self, identity: Option<&ClientIdentity>) -> bool {
        match self.channel(identity).await {
            Err(_) => true,
            Ok(channel) => ProviderClient::new(channel)
                .get_metadata(pb::get_metadata::Request {})
                .await
                .is_err(),
        }
    }
}

/// `value` as Terraform sends it.
pub(crate) fn encode(value: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(wire::encode(value, ty).expect("encode"))
}

/// A value the server sent.
pub(crate) fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Value {
    wire::decode(value, ty).expect("decode")
}

pub(crate) async fn metadata(client: &mut ProviderClient<Channel>) -> pb::get_metadata::Response {
    client
        .get_metadata(pb::get_metadata::Request {})
        .await
        .expect("get metadata")
        .into_inner()
}

pub(crate) async fn provider_schema(
    client: &mut ProviderClient<Channel>,
) -> pb::get_provider_schema::Response {
    client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("get provider schema")
        .into_inner()
}
