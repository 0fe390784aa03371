//! With a slow detector and a one-message queue, UDP drops are counted with their reason while
//! TCP senders are slowed down and lose nothing.

mod common;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use common::wait_until;
use ward_event::Event;
use ward_monitor::{Alert, Detector, DropReason, Monitor, MonitorConfig, RunningMonitor, Shutdown};

/// Takes 2 ms per event, far slower than the senders.
struct SlowDetector;

impl Detector for SlowDetector {
    fn on_event(&mut self, _event: &Event) -> Vec<Alert> {
        std::thread::sleep(Duration::from_millis(2));
        Vec::new()
    }
    fn checkpoint(&self) -> Vec<u8> {
        Vec::new()
    }
    fn restore(&mut self, _state: &[u8]) {}
}

fn start(dir: &tempfile::TempDir) -> RunningMonitor {
    let text = format!(
        "state = \"{}\"\n[pipeline]\nqueue_capacity = 1\ncommit_ms = 20\n\
         [[inputs]]\ntype = \"syslog_udp\"\nname = \"udp\"\nlisten = \"127.0.0.1:0\"\n\
         [[inputs]]\ntype = \"syslog_tcp\"\nname = \"tcp\"\nlisten = \"127.0.0.1:0\"\n",
        dir.path().join("state.db").display()
    );
    Monitor::new(
        MonitorConfig::from_toml(&text, "test").unwrap(),
        Box::new(SlowDetector),
    )
    .start(Shutdown::new())
    .unwrap()
}

#[test]
fn udp_drops_are_counted_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = start(&dir);
    let metrics = monitor.metrics();
    let target = monitor.addresses().input("udp").unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(
        b"<13>1 2024-03-01T10:00:00Z fw01 app - - - {\"broken\":",
        target,
    )
    .unwrap();
    assert!(wait_until(Duration::from_secs(10), || metrics
        .dropped(DropReason::Unparsed)
        == 1));
    for i in 0..300 {
        udp.send_to(
            format!("<13>1 2024-03-01T10:00:00Z fw01 app - - - {{\"n\":{i}}}").as_bytes(),
            target,
        )
        .unwrap();
        // Paced so the kernel buffer keeps up; the 2 ms detector still cannot.
        std::thread::sleep(Duration::from_micros(200));
    }
    // Every datagram that arrived is either processed or counted as dropped.
    let settled = || {
        let (events_in, _, processed, _) = metrics.totals();
        events_in == 301 && processed + metrics.dropped(DropReason::QueueFull) == 300
    };
    assert!(
        wait_until(Duration::from_secs(20), settled),
        "{}",
        metrics.render()
    );
    monitor.stop().unwrap();
    let queue_full = metrics.dropped(DropReason::QueueFull);
    assert!(
        queue_full > 0,
        "a one-message queue behind a 2 ms detector must overflow"
    );
    assert!(metrics.render().contains(&format!(
        "events_dropped{{reason=\"queue_full\"}} {queue_full}\n"
    )));
    assert!(
        metrics
            .render()
            .contains("events_dropped{reason=\"unparsed\"} 1\n")
    );
}

#[test]
fn tcp_senders_wait_instead_of_losing_messages() {
    let dir = tempfile::tempdir().unwrap();
    let monitor = start(&dir);
    let metrics = monitor.metrics();
    let mut tcp = TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    for i in 0..500 {
        writeln!(
            tcp,
            "<13>1 2024-03-01T10:00:00Z pc-{i} app - - - plain text message {i}"
        )
        .unwrap();
    }
    drop(tcp);
    assert!(
        wait_until(Duration::from_secs(30), || metrics.totals().2 == 500),
        "{}",
        metrics.render()
    );
    monitor.stop().unwrap();
    assert_eq!(metrics.totals(), (500, 500, 500, 0));
    assert_eq!(metrics.dropped(DropReason::QueueFull), 0);
}

/// Panics on its first event.
struct BrokenDetector;

impl Detector for BrokenDetector {
    fn on_event(&mut self, _event: &Event) -> Vec<Alert> {
        panic!("detector bug");
    }
    fn checkpoint(&self) -> Vec<u8> {
        Vec::new()
    }
    fn restore(&mut self, _state: &[u8]) {}
}

#[test]
fn a_panicking_detector_stops_the_monitor_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "state = \"{}\"\n[[inputs]]\ntype = \"syslog_tcp\"\nname = \"tcp\"\nlisten = \"127.0.0.1:0\"\n",
        dir.path().join("state.db").display()
    );
    let monitor = Monitor::new(
        MonitorConfig::from_toml(&text, "test").unwrap(),
        Box::new(BrokenDetector),
    )
    .start(Shutdown::new())
    .unwrap();
    let mut tcp = TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    writeln!(tcp, "<13>1 2024-03-01T10:00:00Z pc-1 app - - - hello").unwrap();
    // `wait` returns on its own: the failure triggered the shutdown.
    let err = monitor.wait().unwrap_err().to_string();
    assert_eq!(err, "pipeline stopped: the detector panicked");
}
