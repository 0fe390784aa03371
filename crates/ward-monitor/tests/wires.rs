//! The sinks' wires under TLS, against local receivers that trust the test CA of `tests/tls`:
//! an HTTPS webhook that requires a client certificate, a syslog-over-TLS collector (RFC 5425
//! framing), and a scripted SMTP server speaking STARTTLS or implicit TLS and AUTH PLAIN or
//! LOGIN. Secrets (bearer token, SMTP password) come from files.
#![cfg(feature = "tls")]

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use common::{MarkerDetector, wait_until};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto};
use ward_monitor::{Monitor, MonitorConfig, RunningMonitor, Shutdown};

fn material(name: &str) -> String {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls"))
        .join(name)
        .display()
        .to_string()
}

/// A TLS acceptor with the test server certificate; with `client_ca`, client certificates
/// from the test CA are required.
fn acceptor(require_client: bool) -> TlsAcceptor {
    let provider = Arc::new(crypto::ring::default_provider());
    let certs = vec![CertificateDer::from_pem_file(material("server.pem")).unwrap()];
    let key = PrivateKeyDer::from_pem_file(material("server.key")).unwrap();
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(material("ca.pem")).unwrap())
            .unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    TlsAcceptor::from(Arc::new(builder.with_single_cert(certs, key).unwrap()))
}

/// A background runtime for the receivers.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn start(dir: &tempfile::TempDir, sinks: &str) -> RunningMonitor {
    let text = format!(
        "state = \"{}\"\n[pipeline]\ncommit_ms = 20\n[[inputs]]\ntype = \"syslog_tcp\"\nname = \"tcp\"\nlisten = \"127.0.0.1:0\"\n{sinks}",
        dir.path().join("state.db").display()
    );
    let config = MonitorConfig::from_toml(&text, "test").unwrap();
    Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap()
}

fn send_marker(monitor: &RunningMonitor, marker: &str) {
    send_markers(monitor, &[marker]);
}

/// Sends the markers in order over one connection.
fn send_markers(monitor: &RunningMonitor, markers: &[&str]) {
    use std::io::Write;
    let mut tcp = std::net::TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    for marker in markers {
        writeln!(
            tcp,
            "<13>1 2024-03-01T10:00:00Z mri-1 nxlog - - - {{\"marker\":\"{marker}\"}}"
        )
        .unwrap();
    }
}

fn secret_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// One HTTP/1.1 request: its head and body.
async fn read_request<S: AsyncRead + Unpin>(stream: S) -> Option<(String, String)> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await.ok()?;
    Some((head, String::from_utf8_lossy(&body).into_owned()))
}

#[test]
fn an_https_webhook_checks_the_server_against_its_ca_and_shows_a_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let received: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let store = Arc::clone(&received);
    let tls = acceptor(true);
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (tls, store) = (tls.clone(), Arc::clone(&store));
            tokio::spawn(async move {
                // Without the client certificate the handshake fails and nothing is stored.
                let Ok(mut stream) = tls.accept(tcp).await else {
                    return;
                };
                let Some(request) = read_request(&mut stream).await else {
                    return;
                };
                store.lock().unwrap().push(request);
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = stream.shutdown().await;
            });
        }
    });
    let token = secret_file(&dir, "token", "token-from-a-file\n");
    let sinks = format!(
        "[[sinks]]\ntype = \"webhook\"\nname = \"soc\"\nurl = \"https://{addr}/hook\"\n\
         bearer_token_file = \"{token}\"\ngranularity = \"event\"\n\
         tls = {{ ca = \"{}\", cert = \"{}\", key = \"{}\" }}\n",
        material("ca.pem"),
        material("client.pem"),
        material("client.key"),
    );
    let monitor = start(&dir, &sinks);
    send_marker(&monitor, "alert-https");
    assert!(wait_until(Duration::from_secs(20), || !received
        .lock()
        .unwrap()
        .is_empty()));
    let (head, body) = received.lock().unwrap()[0].clone();
    assert!(head.starts_with("POST /hook HTTP/1.1"), "{head}");
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case("authorization: Bearer token-from-a-file")),
        "the token file's content, without its newline: {head}"
    );
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["key"], "alert-https");
    monitor.stop().unwrap();
}

#[test]
fn alerts_are_forwarded_over_tls_with_octet_counted_frames() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let frames: Arc<Mutex<String>> = Arc::default();
    let store = Arc::clone(&frames);
    let tls = acceptor(false);
    rt.spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut stream = tls.accept(tcp).await.unwrap();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = stream.read(&mut buf).await {
            store
                .lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    // The server certificate names 127.0.0.1, the target's address: no server_name needed.
    let sinks = format!(
        "[[sinks]]\ntype = \"syslog\"\nname = \"siem\"\ntarget = \"{addr}\"\nprotocol = \"tls\"\n\
         tls = {{ ca = \"{}\" }}\ngranularity = \"event\"\n",
        material("ca.pem")
    );
    let monitor = start(&dir, &sinks);
    send_markers(&monitor, &["alert-tls-1", "alert-tls-2"]);
    assert!(wait_until(Duration::from_secs(20), || {
        let frames = frames.lock().unwrap();
        frames.contains("alert-tls-1") && frames.contains("alert-tls-2")
    }));
    let text = frames.lock().unwrap().clone();
    // RFC 5425: MSG-LEN SP SYSLOG-MSG, one after the other.
    let mut rest = text.as_str();
    let mut messages = Vec::new();
    while !rest.is_empty() {
        let (len, after) = rest.split_once(' ').unwrap();
        let len: usize = len.parse().unwrap();
        messages.push(&after[..len]);
        rest = &after[len..];
    }
    assert_eq!(messages.len(), 2, "{text}");
    assert!(
        messages[0].starts_with("<35>1 2024-03-01T10:00:00Z MRI-1 ward - test-marker - {"),
        "{}",
        messages[0]
    );
    assert!(messages[0].contains("\"key\":\"alert-tls-1\""));
    assert!(messages[1].contains("\"key\":\"alert-tls-2\""));
    monitor.stop().unwrap();
}

/// How the scripted SMTP server protects the session.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    StartTls,
    Implicit,
}

/// A scripted SMTP server: offers STARTTLS before TLS and `AUTH mechanism` after it, and
/// records the AUTH exchange and the message.
async fn smtp_session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    greet: bool,
    log: &Mutex<Vec<String>>,
    mechanism: &str,
) -> Option<()> {
    let mut conn = BufReader::new(stream);
    if greet {
        conn.get_mut().write_all(b"220 test ESMTP\r\n").await.ok()?;
    }
    let mut line = String::new();
    loop {
        line.clear();
        if conn.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let command = line.trim_end().to_string();
        log.lock().unwrap().push(command.clone());
        let reply = if command.starts_with("EHLO") {
            format!("250-test\r\n250-SIZE 1000000\r\n250 AUTH {mechanism}\r\n")
        } else if command == "AUTH LOGIN" {
            "334 VXNlcm5hbWU6\r\n".into()
        } else if command.starts_with("AUTH PLAIN ") {
            "235 ok\r\n".into()
        } else if command.starts_with("MAIL") || command.starts_with("RCPT") {
            "250 ok\r\n".into()
        } else if command == "DATA" {
            conn.get_mut().write_all(b"354 go\r\n").await.ok()?;
            let mut message = String::new();
            loop {
                let mut l = String::new();
                if conn.read_line(&mut l).await.ok()? == 0 {
                    return None;
                }
                if l == ".\r\n" {
                    break;
                }
                message.push_str(&l);
            }
            log.lock().unwrap().push(message);
            "250 queued\r\n".into()
        } else if command == "QUIT" {
            conn.get_mut().write_all(b"221 bye\r\n").await.ok()?;
            return Some(());
        } else if log
            .lock()
            .unwrap()
            .iter()
            .rev()
            .nth(1)
            .is_some_and(|c| c == "AUTH LOGIN")
        {
            // The user name, then the password.
            "334 UGFzc3dvcmQ6\r\n".into()
        } else if log
            .lock()
            .unwrap()
            .iter()
            .rev()
            .nth(2)
            .is_some_and(|c| c == "AUTH LOGIN")
        {
            "235 ok\r\n".into()
        } else {
            "500 what\r\n".into()
        };
        conn.get_mut().write_all(reply.as_bytes()).await.ok()?;
    }
}

/// Runs one SMTP server of `mode`; returns its address and the commands it saw.
fn smtp_server(
    rt: &tokio::runtime::Runtime,
    mode: Mode,
    mechanism: &'static str,
) -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&log);
    let tls = acceptor(false);
    rt.spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (tls, log) = (tls.clone(), Arc::clone(&log));
            tokio::spawn(async move {
                if mode == Mode::Implicit {
                    let stream = tls.accept(tcp).await.ok()?;
                    return smtp_session(stream, true, &log, mechanism).await;
                }
                // Plain: EHLO offers only STARTTLS; after it, the TLS session.
                let mut conn = BufReader::new(tcp);
                conn.get_mut().write_all(b"220 test ESMTP\r\n").await.ok()?;
                let mut line = String::new();
                loop {
                    line.clear();
                    if conn.read_line(&mut line).await.ok()? == 0 {
                        return None;
                    }
                    log.lock().unwrap().push(line.trim_end().to_string());
                    if line.starts_with("EHLO") {
                        conn.get_mut()
                            .write_all(b"250-test\r\n250 STARTTLS\r\n")
                            .await
                            .ok()?;
                    } else if line.starts_with("STARTTLS") {
                        conn.get_mut().write_all(b"220 go ahead\r\n").await.ok()?;
                        break;
                    } else {
                        conn.get_mut()
                            .write_all(b"530 STARTTLS first\r\n")
                            .await
                            .ok()?;
                    }
                }
                let stream = tls.accept(conn.into_inner()).await.ok()?;
                smtp_session(stream, false, &log, mechanism).await
            });
        }
    });
    (addr, seen)
}

#[test]
fn mail_goes_out_over_starttls_or_implicit_tls_with_auth_plain_or_login() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (starttls, starttls_log) = smtp_server(&rt, Mode::StartTls, "PLAIN LOGIN");
    let (implicit, implicit_log) = smtp_server(&rt, Mode::Implicit, "LOGIN");
    let password = secret_file(&dir, "smtp-password", "pa55 from file\n");
    let sinks = format!(
        "[[sinks]]\ntype = \"smtp\"\nname = \"starttls\"\nserver = \"{starttls}\"\nsecurity = \"starttls\"\n\
         from = \"ward@clinic.local\"\nto = [\"soc@clinic.local\"]\nusername = \"ward\"\n\
         password_file = \"{password}\"\ntls = {{ ca = \"{ca}\", server_name = \"localhost\" }}\ngranularity = \"event\"\n\
         [[sinks]]\ntype = \"smtp\"\nname = \"implicit\"\nserver = \"{implicit}\"\nsecurity = \"tls\"\n\
         from = \"ward@clinic.local\"\nto = [\"soc@clinic.local\"]\nusername = \"ward\"\n\
         password_file = \"{password}\"\ntls = {{ ca = \"{ca}\" }}\ngranularity = \"event\"\n",
        ca = material("ca.pem"),
    );
    let monitor = start(&dir, &sinks);
    send_marker(&monitor, "alert-mail");
    let done = |log: &Mutex<Vec<String>>| log.lock().unwrap().iter().any(|c| c == "QUIT");
    assert!(wait_until(Duration::from_secs(20), || done(&starttls_log)
        && done(&implicit_log)));

    let log = starttls_log.lock().unwrap().clone();
    let plain = base64::engine::general_purpose::STANDARD.encode("\0ward\0pa55 from file");
    let expected_start = [
        "EHLO ward-monitor".to_string(),
        "STARTTLS".into(),
        "EHLO ward-monitor".into(),
        format!("AUTH PLAIN {plain}"),
        "MAIL FROM:<ward@clinic.local>".into(),
        "RCPT TO:<soc@clinic.local>".into(),
        "DATA".into(),
    ];
    assert_eq!(&log[..7], &expected_start, "{log:?}");
    assert!(
        log[7].contains("X-Ward-Alert-Key: alert-mail\r\n"),
        "{}",
        log[7]
    );

    let log = implicit_log.lock().unwrap().clone();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    assert_eq!(
        &log[..4],
        &[
            "EHLO ward-monitor".to_string(),
            "AUTH LOGIN".into(),
            b64("ward"),
            b64("pa55 from file"),
        ],
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|c| c.contains("X-Ward-Alert-Key: alert-mail"))
    );
    monitor.stop().unwrap();
}

#[test]
fn auth_without_tls_and_tls_settings_on_plain_transports_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = |sink: &str| {
        MonitorConfig::from_toml(
            &format!(
                "state = \"{}\"\n[[sinks]]\nname = \"x\"\n{sink}\n",
                dir.path().join("s.db").display()
            ),
            "test",
        )
        .map(drop)
        .unwrap_err()
        .to_string()
    };
    let err = config(
        "type = \"smtp\"\nserver = \"127.0.0.1:25\"\nfrom = \"a@b\"\nto = [\"c@d\"]\nusername = \"u\"\npassword = \"p\"",
    );
    assert!(err.contains("in clear"), "{err}");
    let err = config("type = \"webhook\"\nurl = \"http://x/\"\ntls = { ca = \"ca.pem\" }");
    assert!(err.contains("not https"), "{err}");
    let err = config("type = \"syslog\"\ntarget = \"127.0.0.1:514\"\ntls = { ca = \"ca.pem\" }");
    assert!(err.contains("protocol is not"), "{err}");
    let err = config(
        "type = \"webhook\"\nurl = \"https://x/\"\nbearer_token = \"a\"\nbearer_token_file = \"b\"",
    );
    assert!(err.contains("only one of"), "{err}");
    let err = config(&format!(
        "type = \"webhook\"\nurl = \"https://x/\"\nbearer_token_file = \"{}\"",
        dir.path().join("missing").display()
    ));
    assert!(
        err.contains("sinks.x.bearer_token_file") && err.contains("missing"),
        "{err}"
    );
}

#[test]
fn a_webhook_redirect_is_a_failed_delivery_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&requests);
    rt.spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else {
                return;
            };
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let Some((head, _)) = read_request(&mut tcp).await else {
                    return;
                };
                seen.lock().unwrap().push(head);
                let _ = tcp
                    .write_all(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://elsewhere.example/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    let sinks = format!(
        "[[sinks]]\ntype = \"webhook\"\nname = \"moved\"\nurl = \"http://{addr}/hook\"\ngranularity = \"event\"\n"
    );
    let monitor = start(&dir, &sinks);
    send_marker(&monitor, "alert-redirected");
    let metrics = monitor.metrics();
    let counter = |name: &str| -> u64 {
        let text = metrics.render();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    assert!(wait_until(Duration::from_secs(20), || counter(
        "alert_delivery_failures"
    ) >= 2));
    assert_eq!(counter("alerts_delivered"), 0);
    assert!(
        requests
            .lock()
            .unwrap()
            .iter()
            .all(|h| h.starts_with("POST /hook")),
        "only the configured receiver was asked"
    );
    monitor.stop().unwrap();
}
