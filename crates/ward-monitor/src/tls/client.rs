//! The sinks' TLS: which CAs to trust (the configured `ca`, else the system's bundle), the
//! name to check, and an optional client certificate, for rustls (syslog, SMTP) and ureq
//! (webhooks) alike.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

use crate::MonitorError;
use crate::config::ClientTlsConfig;

/// How long a server may take to complete the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(15);

/// Where Linux and BSD distributions keep their CA bundle (`SSL_CERT_FILE` wins).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
    "/usr/local/share/certs/ca-root-nss.crt",
];

/// A sink's verified TLS settings, loaded once at start.
#[derive(Clone)]
pub(crate) struct ClientTls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl ClientTls {
    /// Loads the CA, the client identity and the server name; `target` is the default name.
    pub(crate) fn new(
        config: Option<&ClientTlsConfig>,
        target: IpAddr,
        owner: &str,
    ) -> Result<Self, MonitorError> {
        let config = config.cloned().unwrap_or_default();
        let invalid = |what: String| MonitorError::Invalid(format!("sink `{owner}`: TLS {what}"));
        let name = match &config.server_name {
            Some(name) => ServerName::try_from(name.clone())
                .map_err(|e| invalid(format!("server_name `{name}`: {e}")))?,
            None => ServerName::from(target),
        };
        let mut roots = RootCertStore::empty();
        for cert in roots_of(&config, owner)? {
            roots
                .add(cert)
                .map_err(|e| invalid(format!("CA certificate: {e}")))?;
        }
        let builder =
            ClientConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| invalid(e.to_string()))?
                .with_root_certificates(roots);
        let client = match identity_of(&config, owner)? {
            Some((chain, key)) => builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| invalid(format!("client certificate: {e}")))?,
            None => builder.with_no_client_auth(),
        };
        Ok(ClientTls {
            connector: TlsConnector::from(Arc::new(client)),
            name,
        })
    }

    /// Completes the handshake over `stream` within [`HANDSHAKE_TIMEOUT`].
    pub(crate) async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
    ) -> Result<TlsStream<S>, String> {
        let name = self.name.clone();
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, self.connector.connect(name, stream)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(format!("TLS handshake failed: {e}")),
            Err(_) => Err("TLS handshake timed out".into()),
        }
    }
}

/// The CA certificates to trust: the configured file, else the system bundle.
fn roots_of(
    config: &ClientTlsConfig,
    owner: &str,
) -> Result<Vec<CertificateDer<'static>>, MonitorError> {
    let invalid = |what: String| MonitorError::Invalid(format!("sink `{owner}`: TLS {what}"));
    let path = match &config.ca {
        Some(ca) => ca.clone(),
        None => system_bundle().ok_or_else(|| {
            invalid(
                "needs `ca`: no system CA bundle found (set tls.ca or SSL_CERT_FILE)".to_string(),
            )
        })?,
    };
    let certs = read_certs(&path).map_err(|e| invalid(format!("CA {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(format!(
            "CA {}: no certificate in file",
            path.display()
        )));
    }
    Ok(certs)
}

fn system_bundle() -> Option<PathBuf> {
    std::env::var_os("SSL_CERT_FILE")
        .map(PathBuf::from)
        .into_iter()
        .chain(SYSTEM_BUNDLES.iter().map(PathBuf::from))
        .find(|p| p.is_file())
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect)
        .map_err(|e| e.to_string())
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate chain and key, when configured.
fn identity_of(config: &ClientTlsConfig, owner: &str) -> Result<Option<Identity>, MonitorError> {
    let invalid = |what: String| MonitorError::Invalid(format!("sink `{owner}`: TLS {what}"));
    let (Some(cert), Some(key)) = (&config.cert, &config.key) else {
        return Ok(None);
    };
    let chain =
        read_certs(cert).map_err(|e| invalid(format!("certificate {}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(invalid(format!(
            "certificate {}: no certificate in file",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| invalid(format!("key {}: {e}", key.display())))?;
    Ok(Some((chain, key)))
}

/// ureq's TLS settings for an `https://` webhook: always explicit roots (ureq is built
/// without a bundled root store) and the ring provider.
pub(crate) fn ureq_tls(
    config: Option<&ClientTlsConfig>,
    owner: &str,
) -> Result<ureq::tls::TlsConfig, MonitorError> {
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig, TlsProvider};
    let config = config.cloned().unwrap_or_default();
    let roots: Vec<Certificate<'static>> = roots_of(&config, owner)?
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    let mut builder = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(RootCerts::Specific(Arc::new(roots)))
        .unversioned_rustls_crypto_provider(Arc::new(crypto::ring::default_provider()));
    if let (Some(cert), Some(key)) = (&config.cert, &config.key) {
        let invalid = |what: String| MonitorError::Invalid(format!("sink `{owner}`: TLS {what}"));
        let chain: Vec<Certificate<'static>> = read_certs(cert)
            .map_err(|e| invalid(format!("certificate {}: {e}", cert.display())))?
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned())
            .collect();
        let pem = std::fs::read(key).map_err(|e| invalid(format!("key {}: {e}", key.display())))?;
        let key = PrivateKey::from_pem(&pem)
            .map_err(|e| invalid(format!("key {}: {e}", key.display())))?;
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(builder.build())
}
