//! TLS material: a generated CA plus a server certificate for 127.0.0.1,
//! localhost and ::1 (like PVE's pve-root-ca + node certificate), or a
//! certificate and key read from files.

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};

use crate::sim::SimError;

/// What the server needs for TLS and what clients need to trust it.
#[derive(Clone)]
pub struct TlsMaterial {
    /// rustls configuration (HTTP/1.1 only, like pveproxy).
    pub server_config: Arc<ServerConfig>,
    /// SHA-256 fingerprint of the server certificate, `AA:BB:…`.
    pub fingerprint: String,
    /// PEM of the certificate clients should trust (the CA, or the given
    /// certificate chain).
    pub ca_cert_pem: String,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// PVE's fingerprint notation: upper-case hex pairs joined by `:`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> SimError {
    SimError::Tls(format!("{what}: {e}"))
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, SimError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("protocol versions", e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| tls_error("server certificate", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A generated CA: its certificate and what signs leaf certificates.
struct GeneratedCa {
    cert: rcgen::Certificate,
    params: CertificateParams,
    key: KeyPair,
}

fn generate_ca() -> Result<GeneratedCa, SimError> {
    let key = KeyPair::generate().map_err(|e| tls_error("CA key", e))?;
    let mut params =
        CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error("CA params", e))?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "pve-sim Root CA");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "PVE Cluster Manager CA");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params
        .self_signed(&key)
        .map_err(|e| tls_error("CA certificate", e))?;
    Ok(GeneratedCa { cert, params, key })
}

/// A server certificate for `names` (SANs; the first is the common name)
/// signed by `ca`, as the server's TLS material.
fn leaf(ca: &GeneratedCa, names: Vec<String>, common_name: &str) -> Result<TlsMaterial, SimError> {
    let issuer = Issuer::new(ca.params.clone(), &ca.key);
    let server_key = KeyPair::generate().map_err(|e| tls_error("server key", e))?;
    let mut params = CertificateParams::new(names).map_err(|e| tls_error("server params", e))?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "PVE Cluster Node");
    let server_cert = params
        .signed_by(&server_key, &issuer)
        .map_err(|e| tls_error("server certificate", e))?;

    let fingerprint = fingerprint(server_cert.der());
    let chain = vec![server_cert.der().clone(), ca.cert.der().clone()];
    let key = PrivateKeyDer::try_from(server_key.serialize_der())
        .map_err(|e| tls_error("server key", e))?;
    Ok(TlsMaterial {
        server_config: server_config(chain, key)?,
        fingerprint,
        ca_cert_pem: ca.cert.pem(),
    })
}

fn loopback_names() -> Vec<String> {
    vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        "::1".to_string(),
    ]
}

/// Generate a fresh CA and a server certificate signed by it.
pub fn generate() -> Result<TlsMaterial, SimError> {
    let ca = generate_ca()?;
    leaf(&ca, loopback_names(), "localhost")
}

/// Generate one cluster CA (like PVE's `pve-root-ca.pem`) and one leaf
/// certificate per node name (like each node's `pve-ssl.pem`), valid for
/// the loopback addresses and the node name. Every entry's `ca_cert_pem`
/// is the same CA.
pub fn generate_cluster(nodes: &[String]) -> Result<Vec<TlsMaterial>, SimError> {
    let ca = generate_ca()?;
    nodes
        .iter()
        .map(|node| {
            let mut names = loopback_names();
            names.push(node.clone());
            leaf(&ca, names, node)
        })
        .collect()
}

/// Load a PEM certificate chain and private key from files.
pub fn load(cert_path: &Path, key_path: &Path) -> Result<TlsMaterial, SimError> {
    let cert_pem = std::fs::read_to_string(cert_path)
        .map_err(|e| tls_error(&format!("reading {}", cert_path.display()), e))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| tls_error(&format!("parsing {}", cert_path.display()), e))?;
    let first = chain
        .first()
        .ok_or_else(|| SimError::Tls(format!("no certificate found in {}", cert_path.display())))?;
    let fingerprint = fingerprint(first);
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|e| tls_error(&format!("reading key {}", key_path.display()), e))?;
    Ok(TlsMaterial {
        server_config: server_config(chain, key)?,
        fingerprint,
        ca_cert_pem: cert_pem,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_format() {
        let fp = fingerprint(b"abc");
        assert_eq!(fp.len(), 32 * 3 - 1);
        assert!(fp.starts_with("BA:78:16:BF:"));
    }

    #[test]
    fn cluster_nodes_share_one_ca_with_own_leaves() {
        let names = vec!["pve1".to_string(), "pve2".to_string()];
        let nodes = generate_cluster(&names).unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0].ca_cert_pem, nodes[1].ca_cert_pem);
        assert_ne!(nodes[0].fingerprint, nodes[1].fingerprint);
    }

    #[test]
    fn generated_material_round_trips_through_files() {
        let material = generate().unwrap();
        assert!(
            material
                .ca_cert_pem
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert_eq!(material.fingerprint.split(':').count(), 32);
    }
}
