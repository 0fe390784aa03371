//! TLS on the TCP inputs and the dashboard: syslog over TLS, Lumberjack with mutual TLS
//! (a client without an enrolled certificate is refused), and the dashboard over HTTPS.
#![cfg(feature = "tls")]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::{MarkerDetector, json_frame, wait_until};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};
use ward_monitor::{Monitor, MonitorConfig, RunningMonitor, Shutdown, Store};

fn material(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls")).join(name)
}

fn start(dir: &tempfile::TempDir) -> RunningMonitor {
    let tls = format!(
        "cert = \"{}\"\nkey = \"{}\"",
        material("server.pem").display(),
        material("server.key").display()
    );
    let text = format!(
        r#"
        state = "{state}"
        [pipeline]
        commit_ms = 20
        [[inputs]]
        type = "syslog_tcp"
        name = "syslog-tls"
        listen = "127.0.0.1:0"
        tls = {{ {inline} }}
        [[inputs]]
        type = "lumberjack"
        name = "beats-mtls"
        listen = "127.0.0.1:0"
        tls = {{ {inline}, client_ca = "{ca}" }}
        [dashboard]
        listen = "127.0.0.1:0"
        token = "test-token-0123456789"
        [dashboard.tls]
        {tls}
        "#,
        state = dir.path().join("state.db").display(),
        inline = tls.replace('\n', ", "),
        ca = material("ca.pem").display(),
    );
    let config = MonitorConfig::from_toml(&text, "tls test").unwrap();
    Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap()
}

fn connector(client_cert: bool) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(material("ca.pem")).unwrap())
        .unwrap();
    let builder = ClientConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = if client_cert {
        let certs = vec![CertificateDer::from_pem_file(material("client.pem")).unwrap()];
        let key = PrivateKeyDer::from_pem_file(material("client.key")).unwrap();
        builder.with_client_auth_cert(certs, key).unwrap()
    } else {
        builder.with_no_client_auth()
    };
    TlsConnector::from(Arc::new(config))
}

async fn connect(
    addr: std::net::SocketAddr,
    client_cert: bool,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    connector(client_cert)
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

#[test]
fn tls_inputs_and_https_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = start(&dir);
    let addrs = monitor.addresses().clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    // Syslog over TLS.
    rt.block_on(async {
        let mut s = connect(addrs.input("syslog-tls").unwrap(), false)
            .await
            .unwrap();
        s.write_all(b"<13>1 2024-03-01T10:00:00Z mri-1 nxlog - - - {\"marker\":\"alert-tls\"}\n")
            .await
            .unwrap();
        s.shutdown().await.unwrap();
    });
    let store = Store::open(&dir.path().join("state.db")).unwrap();
    let keys = || -> Vec<String> {
        store
            .alerts_after(0, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.alert.key)
            .collect()
    };
    assert!(
        wait_until(Duration::from_secs(20), || keys() == ["alert-tls"]),
        "{:?}",
        keys()
    );

    // Lumberjack with mutual TLS: refused without a client certificate, ACKed with one.
    let metrics = monitor.metrics();
    let before = metrics.totals().0;
    rt.block_on(async {
        let refused = async {
            let mut s = connect(addrs.input("beats-mtls").unwrap(), false).await?;
            let mut window = vec![b'2', b'W', 0, 0, 0, 1];
            window.extend(json_frame(1, r#"{"marker":"alert-anonymous"}"#));
            s.write_all(&window).await?;
            let mut ack = [0u8; 6];
            s.read_exact(&mut ack).await
        };
        assert!(
            refused.await.is_err(),
            "a client without a certificate must not be served"
        );

        let mut s = connect(addrs.input("beats-mtls").unwrap(), true)
            .await
            .unwrap();
        let mut window = vec![b'2', b'W', 0, 0, 0, 1];
        window.extend(json_frame(9, r#"{"marker":"alert-enrolled"}"#));
        s.write_all(&window).await.unwrap();
        let mut ack = [0u8; 6];
        tokio::time::timeout(Duration::from_secs(20), s.read_exact(&mut ack))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ack, [b'2', b'A', 0, 0, 0, 9]);
    });
    assert_eq!(
        metrics.totals().0,
        before + 1,
        "only the enrolled client's event arrived"
    );
    assert!(wait_until(Duration::from_secs(20), || keys()
        == ["alert-tls", "alert-enrolled"]));

    // The dashboard speaks HTTPS, and still wants authentication.
    let get = |path: &'static str, auth: &'static str| {
        rt.block_on(async move {
            let mut s = connect(addrs.dashboard.unwrap(), false).await.unwrap();
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
            );
            s.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            s.read_to_string(&mut response).await.unwrap();
            response
        })
    };
    assert!(get("/login", "").starts_with("HTTP/1.1 200"));
    assert!(get("/api/alerts", "").starts_with("HTTP/1.1 401"));
    let api = get(
        "/api/alerts",
        "Authorization: Bearer test-token-0123456789\r\n",
    );
    assert!(
        api.starts_with("HTTP/1.1 200") && api.contains("alert-enrolled"),
        "{api}"
    );
    monitor.stop().unwrap();
}
