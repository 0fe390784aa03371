//! Headless Chromium against the dashboard. A browser cannot be given a header on the command
//! line, so a small loopback proxy adds the bearer token to each request it forwards.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::process::bearer;

/// Where Debian installs Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A loopback proxy in front of `dashboard` that logs every request in with the token.
pub fn bearer_proxy(dashboard: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            std::thread::spawn(move || forward(client, dashboard));
        }
    });
    addr
}

/// Forwards one request (GETs only: no body) with the token added and `connection: close`,
/// then copies the reply back.
fn forward(client: TcpStream, dashboard: SocketAddr) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut upstream) = TcpStream::connect(dashboard) else {
        return;
    };
    let mut reader = BufReader::new(client);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if !line.to_ascii_lowercase().starts_with("connection:") {
            head.push_str(&line);
        }
    }
    head.push_str(&format!("{}\r\nconnection: close\r\n\r\n", bearer()));
    if upstream.write_all(head.as_bytes()).is_err() {
        return;
    }
    let mut reply = Vec::new();
    let _ = upstream.read_to_end(&mut reply);
    let _ = reader.get_mut().write_all(&reply);
}

/// Loads `url` in headless Chromium and returns the DOM after its scripts ran, and the
/// browser's console log (CSP refusals land there). `None` when Chromium is not installed.
pub fn dump_dom(url: &str, profile: &Path) -> Option<(String, String)> {
    if !Path::new(CHROMIUM).exists() {
        return None;
    }
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes while Chromium runs: a large page would fill a pipe and stall it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let dom = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let log = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let deadline = Instant::now() + Duration::from_secs(25);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 25 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = dom.join().ok()?;
    let log = log.join().ok()?;
    Some((dom, log))
}
