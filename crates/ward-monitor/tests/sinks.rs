//! Alerts forwarded as syslog (UDP and TCP) and e-mail (a tiny SMTP server in the test), and a
//! webhook that fails at first: retried with back-off, delivered once.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{MarkerDetector, wait_until};
use ward_monitor::{Monitor, MonitorConfig, RunningMonitor, Shutdown};

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

fn send_markers(monitor: &RunningMonitor, markers: &[&str]) {
    let mut tcp = TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    for m in markers {
        writeln!(
            tcp,
            "<13>1 2024-03-01T10:00:00Z mri-1 nxlog - - - {{\"marker\":\"{m}\"}}"
        )
        .unwrap();
    }
}

#[test]
fn alerts_are_forwarded_as_rfc5424_syslog_over_udp_and_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let sinks = format!(
        "[[sinks]]\ntype = \"syslog\"\nname = \"siem-udp\"\ntarget = \"{}\"\ngranularity = \"event\"\n\
         [[sinks]]\ntype = \"syslog\"\nname = \"siem-tcp\"\ntarget = \"{}\"\nprotocol = \"tcp\"\ngranularity = \"event\"\n",
        udp.local_addr().unwrap(),
        tcp.local_addr().unwrap()
    );
    let monitor = start(&dir, &sinks);
    send_markers(&monitor, &["alert-1", "quiet", "alert-2"]);

    let mut buf = [0u8; 4096];
    let mut datagrams = Vec::new();
    for _ in 0..2 {
        let n = udp.recv(&mut buf).unwrap();
        datagrams.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    // High maps to severity 3 (error), facility auth (4): PRI 35.
    assert!(
        datagrams[0].starts_with("<35>1 2024-03-01T10:00:00Z MRI-1 ward - test-marker - {"),
        "{}",
        datagrams[0]
    );
    let json: serde_json::Value = serde_json::from_str(
        datagrams[0]
            .split_once(" - {")
            .map(|(_, j)| format!("{{{j}"))
            .unwrap()
            .as_str(),
    )
    .unwrap();
    assert_eq!(json["key"], "alert-1");
    assert!(datagrams[1].contains("\"key\":\"alert-2\""));

    let (conn, _) = tcp.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut frames = Vec::new();
    let mut reader = BufReader::new(conn);
    for _ in 0..2 {
        let mut len = Vec::new();
        reader.read_until(b' ', &mut len).unwrap();
        let len: usize = std::str::from_utf8(&len[..len.len() - 1])
            .unwrap()
            .parse()
            .unwrap();
        let mut frame = vec![0u8; len];
        reader.read_exact(&mut frame).unwrap();
        frames.push(String::from_utf8(frame).unwrap());
    }
    assert!(
        frames[0].starts_with("<35>1 ") && frames[0].contains("\"key\":\"alert-1\""),
        "{}",
        frames[0]
    );
    assert!(frames[1].contains("\"key\":\"alert-2\""));
    monitor.stop().unwrap();
}

/// Accepts one SMTP session per alert and keeps each DATA section.
fn smtp_server(listener: TcpListener, messages: Arc<Mutex<Vec<String>>>, sessions: usize) {
    for _ in 0..sessions {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut out = stream.try_clone().unwrap();
        let mut lines = BufReader::new(stream);
        out.write_all(b"220 test ESMTP\r\n").unwrap();
        let mut line = String::new();
        while lines.read_line(&mut line).unwrap() > 0 {
            let reply: &[u8] = match line.trim_end() {
                l if l.starts_with("EHLO") => b"250-test\r\n250 8BITMIME\r\n",
                "DATA" => {
                    out.write_all(b"354 go ahead\r\n").unwrap();
                    let mut data = String::new();
                    loop {
                        let mut l = String::new();
                        lines.read_line(&mut l).unwrap();
                        if l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    messages.lock().unwrap().push(data);
                    b"250 queued\r\n"
                }
                "QUIT" => {
                    out.write_all(b"221 bye\r\n").unwrap();
                    break;
                }
                _ => b"250 ok\r\n",
            };
            out.write_all(reply).unwrap();
            line.clear();
        }
    }
}

#[test]
fn alerts_are_mailed_through_an_smtp_relay() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let sinks = format!(
        "[[sinks]]\ntype = \"smtp\"\nname = \"mail\"\nserver = \"{}\"\nfrom = \"ward@clinic.local\"\nto = [\"soc@clinic.local\", \"it@clinic.local\"]\ngranularity = \"event\"\n",
        listener.local_addr().unwrap()
    );
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let server = {
        let messages = Arc::clone(&messages);
        std::thread::spawn(move || smtp_server(listener, messages, 2))
    };
    let monitor = start(&dir, &sinks);
    send_markers(&monitor, &["alert-1", "alert-2"]);
    assert!(wait_until(Duration::from_secs(20), || messages
        .lock()
        .unwrap()
        .len()
        == 2));
    server.join().unwrap();
    monitor.stop().unwrap();
    let messages = messages.lock().unwrap();
    assert!(
        messages[0].contains("Subject: [ward] HIGH Marker alert-1 on MRI-1\r\n"),
        "{}",
        messages[0]
    );
    assert!(messages[0].starts_with("Date: "), "{}", messages[0]);
    assert!(messages[0].contains("\r\nMessage-ID: <ward-alert-1-"));
    assert!(messages[0].contains("To: <soc@clinic.local>, <it@clinic.local>\r\n"));
    assert!(messages[0].contains("X-Ward-Alert-Key: alert-1\r\n"));
    assert!(
        messages[1].contains("\"key\": \"alert-2\""),
        "{}",
        messages[1]
    );
}

#[test]
fn a_failing_webhook_is_retried_and_gets_each_alert_once() {
    use axum::http::StatusCode;
    let attempts = Arc::new(AtomicUsize::new(0));
    let accepted: Arc<Mutex<Vec<String>>> = Arc::default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (a, acc) = (Arc::clone(&attempts), Arc::clone(&accepted));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let (a, acc) = (Arc::clone(&a), Arc::clone(&acc));
            async move {
                // The first two attempts fail, as a receiver restarting would.
                if a.fetch_add(1, Ordering::SeqCst) < 2 {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let key = headers["x-ward-alert-key"].to_str().unwrap().to_string();
                acc.lock().unwrap().push(key);
                StatusCode::OK
            }
        }),
    );
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let monitor = start(
        &dir,
        &format!(
            "[[sinks]]\ntype = \"webhook\"\nname = \"hook\"\nurl = \"{url}\"\ngranularity = \"event\"\n"
        ),
    );
    send_markers(&monitor, &["alert-1", "alert-2"]);
    assert!(wait_until(Duration::from_secs(20), || accepted
        .lock()
        .unwrap()
        .len()
        == 2));
    // Read after the stop: the receiver records a key before it answers, so the monitor may
    // not have counted the last delivery yet when the wait above ends.
    let metrics = monitor.metrics();
    monitor.stop().unwrap();
    let metrics = metrics.render();
    assert_eq!(*accepted.lock().unwrap(), ["alert-1", "alert-2"]);
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
    assert!(metrics.contains("alert_delivery_failures 2\n"), "{metrics}");
    assert!(metrics.contains("alerts_delivered 2\n"), "{metrics}");
}
