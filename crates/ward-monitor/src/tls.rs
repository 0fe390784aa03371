//! TLS for the TCP inputs and the dashboard (feature `tls`: rustls with the ring provider).
//! With `client_ca` set, clients must present a certificate issued by that CA (mutual TLS),
//! so only enrolled log shippers can feed the monitor. The sinks' side (webhooks, syslog,
//! SMTP) is in [`client`].

use crate::MonitorError;
use crate::config::TlsConfig;

#[cfg(feature = "tls")]
pub(crate) mod client;

#[cfg(feature = "tls")]
mod imp {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::net::TcpStream;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls::server::WebPkiClientVerifier;
    use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto};

    use super::*;

    /// How long a client may take to complete the handshake.
    const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

    /// Accepts TLS on a TCP connection.
    pub(crate) type Acceptor = tokio_rustls::TlsAcceptor;

    /// Loads the certificate chain, key and optional client CA into an acceptor.
    pub(crate) fn acceptor(config: &TlsConfig, owner: &str) -> Result<Acceptor, MonitorError> {
        let invalid = |what: String| MonitorError::Invalid(format!("{owner}: TLS {what}"));
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&config.cert)
            .and_then(Iterator::collect)
            .map_err(|e| invalid(format!("certificate {}: {e}", config.cert.display())))?;
        if certs.is_empty() {
            return Err(invalid(format!(
                "certificate {}: no certificate in file",
                config.cert.display()
            )));
        }
        let key = PrivateKeyDer::from_pem_file(&config.key)
            .map_err(|e| invalid(format!("key {}: {e}", config.key.display())))?;
        let provider = Arc::new(crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?;
        let builder = match &config.client_ca {
            None => builder.with_no_client_auth(),
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                for cert in CertificateDer::pem_file_iter(ca)
                    .map_err(|e| invalid(format!("client CA {}: {e}", ca.display())))?
                {
                    let cert =
                        cert.map_err(|e| invalid(format!("client CA {}: {e}", ca.display())))?;
                    roots
                        .add(cert)
                        .map_err(|e| invalid(format!("client CA {}: {e}", ca.display())))?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| invalid(format!("client CA {}: {e}", ca.display())))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let server = builder
            .with_single_cert(certs, key)
            .map_err(|e| invalid(e.to_string()))?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(server)))
    }

    /// Completes the handshake within `limit`, and never more than [`HANDSHAKE_TIMEOUT`].
    pub(crate) async fn accept(
        acceptor: &Acceptor,
        stream: TcpStream,
        limit: Duration,
    ) -> Result<tokio_rustls::server::TlsStream<TcpStream>, String> {
        match tokio::time::timeout(limit.min(HANDSHAKE_TIMEOUT), acceptor.accept(stream)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(format!("TLS handshake failed: {e}")),
            Err(_) => Err("TLS handshake timed out".into()),
        }
    }
}

#[cfg(not(feature = "tls"))]
mod imp {
    use tokio::net::TcpStream;

    use super::*;

    /// No TLS in this build: the type has no values.
    #[derive(Clone)]
    pub(crate) enum Acceptor {}

    /// Refuses: this build has no TLS.
    pub(crate) fn acceptor(_config: &TlsConfig, owner: &str) -> Result<Acceptor, MonitorError> {
        Err(MonitorError::Invalid(format!(
            "{owner}: TLS is configured but this build lacks the `tls` feature"
        )))
    }

    /// Unreachable: there is no acceptor.
    pub(crate) async fn accept(
        acceptor: &Acceptor,
        _stream: TcpStream,
        _limit: std::time::Duration,
    ) -> Result<TcpStream, String> {
        match *acceptor {}
    }
}

pub(crate) use imp::{Acceptor, accept, acceptor};

/// An acceptor for an optional TLS section.
pub(crate) fn optional(
    config: Option<&TlsConfig>,
    owner: &str,
) -> Result<Option<Acceptor>, MonitorError> {
    config.map(|c| acceptor(c, owner)).transpose()
}
