//! A TCP syslog flood of at least 50,000 events/s for a bounded time (10 s; set
//! WARD_FLOOD_SECS=60 for the long run) loses nothing: back-pressure slows the sender instead.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::MarkerDetector;

use ward_monitor::{DropReason, Monitor, MonitorConfig, Shutdown, Store};

#[test]
fn tcp_flood_at_50k_events_per_second_loses_nothing() {
    let secs: u64 = std::env::var("WARD_FLOOD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "state = \"{}\"\n[[inputs]]\ntype = \"syslog_tcp\"\nname = \"tcp\"\nlisten = \"127.0.0.1:0\"\n",
        dir.path().join("state.db").display()
    );
    let config = MonitorConfig::from_toml(&text, "flood").unwrap();
    let monitor = Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap();
    let metrics = monitor.metrics();

    // One block of 1,000 firewall-style messages (one in 1,000 alerts), sent over and over.
    let mut block = Vec::new();
    for i in 0..1000 {
        let marker = if i == 0 { "alert-flood" } else { "quiet" };
        let line = format!(
            "<134>1 2024-03-01T10:00:00Z fw01 filterlog - - - {{\"marker\":\"{marker}\",\"src\":\"10.1.2.{}\",\"dpt\":445}}\n",
            i % 250
        );
        block.extend_from_slice(line.as_bytes());
    }
    let mut tcp = TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    let start = Instant::now();
    let mut sent = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        tcp.write_all(&block).unwrap();
        sent += 1000;
    }
    drop(tcp);
    // What the sender wrote may still sit in socket buffers; syslog has no ACK, so wait for
    // the input to read it all before stopping.
    common::wait_until(Duration::from_secs(30), || metrics.totals().2 == sent);
    let elapsed = start.elapsed().as_secs_f64();
    monitor.stop().unwrap();
    let (events_in, parsed, processed, alerts) = metrics.totals();
    let rate = processed as f64 / elapsed;
    eprintln!("flood: {sent} sent in {elapsed:.1} s, {processed} processed, {rate:.0} events/s");
    assert_eq!(
        (events_in, parsed, processed),
        (sent, sent, sent),
        "every message processed"
    );
    for reason in [
        DropReason::QueueFull,
        DropReason::Unparsed,
        DropReason::Oversize,
    ] {
        assert_eq!(metrics.dropped(reason), 0, "{}", reason.as_str());
    }
    assert_eq!(alerts, 1, "one key, de-duplicated");
    let checkpoint = Store::open(&dir.path().join("state.db"))
        .unwrap()
        .checkpoint()
        .unwrap()
        .unwrap();
    assert_eq!(common::seen_in_checkpoint(&checkpoint), sent);
    assert!(rate >= 50_000.0, "{rate:.0} events/s is below 50,000");
}
