//! go-plugin AutoMTLS: a fresh server certificate per process, and a client
//! certificate verifier that accepts exactly the certificate Terraform
//! announced in `PLUGIN_CLIENT_CERT`.
//!
//! Terraform's client certificate is self-signed with `CA:true`, which
//! webpki refuses as an end-entity certificate; pinning the exact DER is
//! both simpler and stricter than chain building. Handshake signatures are
//! still verified, with aws-lc-rs (which, unlike ring, verifies the
//! ECDSA P-521 signatures Terraform's key makes).

use std::sync::Arc;

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};

/// Why TLS could not be set up. The certificate or TLS library's own error
/// is kept as the boxed source, so those libraries are not part of this
/// crate's API.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    #[error("could not generate the server certificate: {0}")]
    Generate(#[source] crate::BoxError),
    #[error("could not build the TLS configuration: {0}")]
    Config(#[source] crate::BoxError),
}

fn generate_error(error: rcgen::Error) -> TlsError {
    TlsError::Generate(Box::new(error))
}

fn config_error(error: rustls::Error) -> TlsError {
    TlsError::Config(Box::new(error))
}

/// The process's server certificate and private key.
pub(crate) struct ServerIdentity {
    pub certificate: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity").finish_non_exhaustive()
    }
}

impl ServerIdentity {
    /// A new self-signed certificate shaped like go-plugin's: CN and SAN
    /// `localhost`, `CA:true` (so Terraform can trust it as its own root),
    /// server and client auth usages. The key is ECDSA P-256.
    pub(crate) fn generate() -> Result<Self, TlsError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(generate_error)?;
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned()]).map_err(generate_error)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "HashiCorp");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyAgreement,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::seconds(30);
        // go-plugin uses 30 years; a plugin process never lives that long.
        params.not_after = now + time::Duration::days(365 * 30);
        let certificate = params.self_signed(&key).map_err(generate_error)?;
        Ok(Self {
            certificate: certificate.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The certificate as go-plugin puts it in the handshake line: DER,
    /// base64 with the standard alphabet and no padding.
    pub(crate) fn handshake_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.certificate.as_ref())
    }

    /// The rustls server configuration: TLS 1.2/1.3, client certificate
    /// required and pinned, ALPN `h2` (gRPC clients insist on it).
    pub(crate) fn server_config(
        &self,
        client: PinnedClientCert,
    ) -> Result<rustls::ServerConfig, TlsError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(config_error)?
            .with_client_cert_verifier(Arc::new(client))
            .with_single_cert(
                vec![self.certificate.clone()],
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
            )
            .map_err(config_error)?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }
}

/// Accepts exactly one client certificate (byte-equal DER) and checks the
/// handshake signatures made with its key.
#[derive(Debug)]
pub(crate) struct PinnedClientCert {
    certificate: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    /// Reads the PEM certificate from `PLUGIN_CLIENT_CERT`'s value.
    pub(crate) fn from_pem(pem: &str) -> Result<Self, TlsError> {
        let certificate = CertificateDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| TlsError::ClientCert(e.to_string()))?;
        Ok(Self::new(certificate))
    }

    pub(crate) fn new(certificate: CertificateDer<'static>) -> Self {
        let provider: CryptoProvider = rustls::crypto::aws_lc_rs::default_provider();
        Self {
            certificate,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.certificate.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
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

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
