//! Hostile clients on every TCP listener (syslog TCP, Lumberjack, the dashboard): a sender
//! that trickles a message byte by byte, and one that says nothing, are cut off within the
//! configured timeouts; connections beyond `max_connections` are closed at once; the login
//! form is rate limited per address.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::MarkerDetector;
use ward_monitor::{Monitor, MonitorConfig, RunningMonitor, Shutdown};

const TOKEN: &str = "test-token-0123456789";

fn start(dir: &tempfile::TempDir) -> RunningMonitor {
    let limits = "max_connections = 2\nidle_timeout = \"1s\"\nframe_timeout = \"1s\"";
    let text = format!(
        r#"
        state = "{}"
        [[inputs]]
        type = "syslog_tcp"
        name = "syslog"
        listen = "127.0.0.1:0"
        {limits}
        [[inputs]]
        type = "lumberjack"
        name = "beats"
        listen = "127.0.0.1:0"
        {limits}
        [dashboard]
        listen = "127.0.0.1:0"
        token = "{TOKEN}"
        max_connections = 2
        header_timeout = "1s"
        request_timeout = "1s"
        login_attempts_per_minute = 3
        "#,
        dir.path().join("state.db").display()
    );
    let config = MonitorConfig::from_toml(&text, "test").unwrap();
    Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap()
}

/// Writes `trickle` one byte every 100 ms (then waits) until the server closes the
/// connection; returns how long that took, or None if it stayed open for 8 s.
fn cut_off_after(addr: SocketAddr, trickle: &[u8]) -> Option<Duration> {
    let start = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut bytes = trickle
        .iter()
        .cycle()
        .take(if trickle.is_empty() { 0 } else { 1000 });
    let mut buf = [0u8; 512];
    while start.elapsed() < Duration::from_secs(8) {
        if let Some(b) = bytes.next()
            && stream.write_all(&[*b]).is_err()
        {
            return Some(start.elapsed());
        }
        match stream.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

#[test]
fn slow_and_idle_clients_are_cut_off_on_every_tcp_listener() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = start(&dir);
    let addresses = monitor.addresses().clone();
    let syslog = addresses.input("syslog").unwrap();
    let beats = addresses.input("beats").unwrap();
    let dashboard = addresses.dashboard.unwrap();
    // A syslog message, a Beats JSON frame and HTTP headers that never end; and silence.
    let mut frame = vec![b'2', b'W', 0, 0, 0, 1, b'2', b'J', 0, 0, 0, 1, 0, 0, 1, 0];
    frame.extend(std::iter::repeat_n(b'x', 256));
    let cases: Vec<(&str, SocketAddr, Vec<u8>)> = vec![
        (
            "syslog slow",
            syslog,
            b"<13>1 2024-03-01T10:00:00Z host app - - - never ending".to_vec(),
        ),
        ("syslog idle", syslog, Vec::new()),
        ("beats slow", beats, frame),
        ("beats idle", beats, Vec::new()),
        (
            "dashboard slow",
            dashboard,
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                .to_vec(),
        ),
        ("dashboard idle", dashboard, Vec::new()),
    ];
    // Each listener takes two connections at once: its slow and its idle client.
    let results: Vec<(&str, Option<Duration>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .iter()
            .map(|(name, addr, trickle)| {
                scope.spawn(move || (*name, cut_off_after(*addr, trickle)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (name, cut) in results {
        let cut = cut.unwrap_or_else(|| panic!("{name}: still open after 8 s"));
        assert!(
            cut >= Duration::from_millis(800) && cut < Duration::from_secs(4),
            "{name}: cut off after {cut:?}, expected about 1 s"
        );
    }
    monitor.stop().unwrap();
}

#[test]
fn connections_beyond_the_cap_are_closed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = start(&dir);
    let addresses = monitor.addresses().clone();
    for addr in [
        addresses.input("syslog").unwrap(),
        addresses.input("beats").unwrap(),
        addresses.dashboard.unwrap(),
    ] {
        let held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
        // Give the accept loop time to take both before the third arrives.
        std::thread::sleep(Duration::from_millis(200));
        let mut third = TcpStream::connect(addr).unwrap();
        third
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let started = Instant::now();
        let mut buf = [0u8; 16];
        let closed = match third.read(&mut buf) {
            Ok(0) => true,
            Err(e) => e.kind() == ErrorKind::ConnectionReset,
            Ok(_) => false,
        };
        assert!(
            closed && started.elapsed() < Duration::from_millis(500),
            "{addr}: the third connection was served"
        );
        drop(held);
    }
    monitor.stop().unwrap();
}

#[test]
fn login_attempts_are_rate_limited_per_address() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = start(&dir);
    let base = format!("http://{}", monitor.addresses().dashboard.unwrap());
    let http = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .new_agent();
    let attempt = || {
        // No CSRF token: refused with 403 while under the limit, without a password check.
        http.post(&format!("{base}/login"))
            .send_form([("password", TOKEN)])
            .unwrap()
    };
    for _ in 0..3 {
        assert_eq!(attempt().status(), 403);
    }
    let r = attempt();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // The limit is on the login only: the token still reaches the API.
    let r = http
        .get(&format!("{base}/api/alerts"))
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    monitor.stop().unwrap();
}

/// A client that stalls the TLS handshake (silent, or a ClientHello record trickled byte by
/// byte) is cut off within the input's `frame_timeout`, not the fixed 10 s handshake limit.
#[cfg(feature = "tls")]
#[test]
fn a_stalled_tls_handshake_is_cut_off_within_the_frame_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let material = |name: &str| format!("{}/tests/tls/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = format!(
        "state = \"{}\"\n[[inputs]]\ntype = \"syslog_tcp\"\nname = \"syslog-tls\"\nlisten = \"127.0.0.1:0\"\n\
         frame_timeout = \"1s\"\ntls = {{ cert = \"{}\", key = \"{}\" }}\n",
        dir.path().join("state.db").display(),
        material("server.pem"),
        material("server.key"),
    );
    let config = MonitorConfig::from_toml(&text, "test").unwrap();
    let monitor = Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap();
    let addr = monitor.addresses().input("syslog-tls").unwrap();
    // A handshake record announcing 512 bytes, which never all arrive.
    let mut hello = vec![0x16, 0x03, 0x01, 0x02, 0x00];
    hello.extend(std::iter::repeat_n(0x01, 512));
    let results: Vec<Option<Duration>> = std::thread::scope(|scope| {
        let silent = scope.spawn(|| cut_off_after(addr, &[]));
        let slow = scope.spawn(|| cut_off_after(addr, &hello));
        vec![silent.join().unwrap(), slow.join().unwrap()]
    });
    for cut in results {
        let cut = cut.expect("still open after 8 s");
        assert!(
            cut >= Duration::from_millis(800) && cut < Duration::from_secs(4),
            "cut off after {cut:?}, expected about 1 s"
        );
    }
    monitor.stop().unwrap();
}
