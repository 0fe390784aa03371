//! Shared pieces of the loopback tests: a detector that alerts on a field value, a webhook
//! receiver, a Lumberjack client, and bounded waiting.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ward_event::{Event, Fields, Level};
use ward_monitor::{Alert, Detector};

/// Alerts on every event whose `marker` field starts with `alert-` (the marker is the key),
/// and counts the events it has seen; the count is its checkpointed state. The optional
/// `rule` and `level` fields set the alert's rule id (default `test-marker`) and level
/// (default `high`).
#[derive(Default)]
pub struct MarkerDetector {
    pub seen: u64,
}

impl Detector for MarkerDetector {
    fn on_event(&mut self, event: &Event) -> Vec<Alert> {
        self.seen += 1;
        let marker = event
            .get("marker")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        if !marker.starts_with("alert-") {
            return Vec::new();
        }
        let text = |field: &str| {
            event
                .get(field)
                .and_then(|v| v.as_str().map(str::to_string))
        };
        vec![Alert {
            key: marker.to_string(),
            time: event.time,
            host: event.host.short().to_string(),
            rule_id: text("rule").unwrap_or_else(|| "test-marker".into()),
            title: format!("Marker {marker}"),
            level: text("level")
                .and_then(|l| l.parse().ok())
                .unwrap_or(Level::High),
            evidence: serde_json::json!({"origin": event.origin.file.to_string(), "position": event.origin.position}),
        }]
    }

    fn checkpoint(&self) -> Vec<u8> {
        self.seen.to_be_bytes().to_vec()
    }

    fn restore(&mut self, state: &[u8]) {
        self.seen = state.try_into().map(u64::from_be_bytes).unwrap_or(0);
    }
}

/// The events a checkpoint says the detector has seen.
pub fn seen_in_checkpoint(state: &[u8]) -> u64 {
    state.try_into().map(u64::from_be_bytes).unwrap_or(0)
}

/// A webhook receiver on 127.0.0.1: keeps every POSTed JSON body in arrival order.
pub struct Webhook {
    pub addr: SocketAddr,
    pub bodies: Arc<Mutex<Vec<serde_json::Value>>>,
    runtime: tokio::runtime::Runtime,
}

impl Webhook {
    /// Starts the receiver on a free port.
    pub fn start() -> Webhook {
        use axum::routing::post;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let bodies: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let store = Arc::clone(&bodies);
        let app = axum::Router::new().route(
            "/hook",
            post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let store = Arc::clone(&store);
                async move {
                    store.lock().unwrap().push(body);
                    "ok"
                }
            }),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        Webhook {
            addr,
            bodies,
            runtime,
        }
    }

    /// The URL to configure.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Alert keys received, in arrival order.
    pub fn keys(&self) -> Vec<String> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["key"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Sequence numbers received, in arrival order.
    pub fn seqs(&self) -> Vec<i64> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| b["seq"].as_i64().unwrap_or(-1))
            .collect()
    }
}

/// Polls `done` every 20 ms for at most `limit`; true when it held.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// A Lumberjack v2 data frame.
pub fn json_frame(seq: u32, body: &str) -> Vec<u8> {
    let mut f = vec![b'2', b'J'];
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&(body.len() as u32).to_be_bytes());
    f.extend_from_slice(body.as_bytes());
    f
}

/// Sends one window of JSON events (zlib-compressed when `compress`) and returns the ACKed
/// sequence number.
pub fn send_window(
    stream: &mut TcpStream,
    first_seq: u32,
    bodies: &[String],
    compress: bool,
) -> u32 {
    let mut frames = Vec::new();
    for (i, body) in bodies.iter().enumerate() {
        frames.extend(json_frame(first_seq + i as u32, body));
    }
    let mut out = vec![b'2', b'W'];
    out.extend_from_slice(&(bodies.len() as u32).to_be_bytes());
    if compress {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&frames).unwrap();
        let packed = z.finish().unwrap();
        out.extend_from_slice(b"2C");
        out.extend_from_slice(&(packed.len() as u32).to_be_bytes());
        out.extend(packed);
    } else {
        out.extend(frames);
    }
    stream.write_all(&out).unwrap();
    let mut ack = [0u8; 6];
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.read_exact(&mut ack).unwrap();
    assert_eq!(&ack[..2], b"2A");
    u32::from_be_bytes([ack[2], ack[3], ack[4], ack[5]])
}
