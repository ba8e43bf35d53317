//! Provider start-up as Terraform sees it: spawn the binary with the
//! environment go-plugin sets (magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6`,
//! a fresh P-521 client certificate), read the handshake line, connect over
//! mutual TLS on the unix socket and call `GetProviderSchema`. The same
//! measurement runs against a Go (terraform-plugin-go) provider for scale.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use tonic::transport::{Channel, Endpoint, Uri};

/// go-plugin's magic cookie for Terraform providers.
const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// Timings of one start.
#[derive(Debug, Clone, Copy)]
pub struct StartupSample {
    /// Spawn until the handshake line is read.
    pub handshake: Duration,
    /// TLS connect plus the first `GetProviderSchema` call.
    pub first_schema: Duration,
    /// A second `GetProviderSchema` on the open connection.
    pub warm_schema: Duration,
    /// Size of the encoded schema response, in bytes.
    pub schema_bytes: usize,
}

/// The empty `GetProviderSchema.Request`.
#[derive(Clone, PartialEq, prost::Message)]
struct Empty {}

/// The response, kept as raw bytes: its size is all we report.
#[derive(Clone, PartialEq, prost::Message)]
struct SchemaResponse {
    /// `provider` (field 1): present in every valid answer.
    #[prost(bytes = "vec", tag = "1")]
    provider: Vec<u8>,
    /// `resource_schemas` entries (field 2), raw.
    #[prost(bytes = "vec", repeated, tag = "2")]
    resource_schemas: Vec<Vec<u8>>,
}

/// A self-signed ECDSA P-521 CA certificate, like the one Terraform makes.
struct ClientIdentity {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn client_identity() -> Result<ClientIdentity, String> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).map_err(|e| e.to_string())?;
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned()]).map_err(|e| e.to_string())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    Ok(ClientIdentity {
        pem: cert.pem(),
        der: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    })
}

/// Trusts exactly the certificate from the handshake line (as go-plugin does).
#[derive(Debug)]
struct Pinned {
    cert: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinned {
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

async fn connect(
    socket: &str,
    server_cert: CertificateDer<'static>,
    identity: &ClientIdentity,
) -> Result<Channel, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(Pinned {
        cert: server_cert,
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(
            vec![identity.der.clone()],
            PrivateKeyDer::Pkcs8(identity.key.clone_key()),
        )
        .map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let path = socket.to_string();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let path = path.clone();
            async move {
                let stream = tokio::net::UnixStream::connect(path).await?;
                let name = ServerName::try_from("localhost").map_err(std::io::Error::other)?;
                let tls = connector.connect(name, stream).await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| format!("connect to {socket}: {e}"))
}

async fn get_schema(channel: Channel) -> Result<usize, String> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.map_err(|e| e.to_string())?;
    let path = http::uri::PathAndQuery::from_static("/tfplugin6.Provider/GetProviderSchema");
    let codec = tonic_prost::ProstCodec::<Empty, SchemaResponse>::default();
    let response = grpc
        .unary(tonic::Request::new(Empty {}), path, codec)
        .await
        .map_err(|e| format!("GetProviderSchema: {e}"))?
        .into_inner();
    if response.provider.is_empty() || response.resource_schemas.is_empty() {
        return Err("GetProviderSchema answered without provider or resource schemas".into());
    }
    Ok(prost::Message::encoded_len(&response))
}

/// Starts `binary` once and measures; the process is killed afterwards.
pub fn sample(runtime: &tokio::runtime::Runtime, binary: &Path) -> Result<StartupSample, String> {
    let identity = client_identity()?;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", &identity.pem)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", binary.display()))?;
    let mut line = String::new();
    let read = child
        .stdout
        .take()
        .map(|out| BufReader::new(out).read_line(&mut line));
    let handshake = started.elapsed();
    let result = match read {
        Some(Ok(n)) if n > 0 => measure(runtime, &line, &identity, handshake),
        _ => Err("the provider printed no handshake line".to_string()),
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    line: &str,
    identity: &ClientIdentity,
    handshake: Duration,
) -> Result<StartupSample, String> {
    // CORE|PROTO|network|address|grpc|base64 DER certificate
    let fields: Vec<&str> = line.trim().split('|').collect();
    let [_, proto, network, address, "grpc", cert] = fields.as_slice() else {
        return Err(format!("unexpected handshake line: {line}"));
    };
    if *proto != "6" || *network != "unix" {
        return Err(format!("unexpected handshake line: {line}"));
    }
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(cert.trim_end_matches('='))
        .map_err(|e| format!("handshake certificate: {e}"))?;
    let server_cert = CertificateDer::from(der);
    runtime.block_on(async {
        let first = Instant::now();
        let channel = connect(address, server_cert, identity).await?;
        let schema_bytes = get_schema(channel.clone()).await?;
        let first_schema = first.elapsed();
        let warm = Instant::now();
        get_schema(channel).await?;
        Ok(StartupSample {
            handshake,
            first_schema,
            warm_schema: warm.elapsed(),
            schema_bytes,
        })
    })
}

/// Median of a list of durations (the list is sorted in place).
pub fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
