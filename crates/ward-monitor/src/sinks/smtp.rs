//! A minimal SMTP client (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT) for a relay on the local
//! network. No TLS or AUTH: point it at a relay that accepts the monitor's address.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::Notification;

/// Sends each notification as one plain-text e-mail.
pub(crate) struct SmtpRelay {
    server: SocketAddr,
    from: String,
    to: Vec<String>,
}

impl SmtpRelay {
    pub(crate) fn new(server: SocketAddr, from: String, to: Vec<String>) -> Self {
        SmtpRelay { server, from, to }
    }

    pub(crate) async fn send(&self, alert: &Notification) -> Result<(), String> {
        let stream = TcpStream::connect(self.server)
            .await
            .map_err(|e| format!("SMTP {}: {e}", self.server))?;
        let mut conn = BufReader::new(stream);
        expect(&mut conn, 220).await?;
        command(&mut conn, "EHLO ward-monitor", 250).await?;
        command(
            &mut conn,
            &format!("MAIL FROM:<{}>", clean(&self.from)),
            250,
        )
        .await?;
        for to in &self.to {
            command(&mut conn, &format!("RCPT TO:<{}>", clean(to)), 250).await?;
        }
        command(&mut conn, "DATA", 354).await?;
        let body = message(alert, &self.from, &self.to);
        conn.get_mut()
            .write_all(body.as_bytes())
            .await
            .map_err(|e| format!("SMTP write: {e}"))?;
        command(&mut conn, ".", 250).await?;
        // The message is accepted; a failed QUIT changes nothing.
        let _ = command(&mut conn, "QUIT", 221).await;
        Ok(())
    }
}

/// Header values must not carry line breaks (header injection).
fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// A short stable digest of the alert key (FNV-1a), so the Message-ID is the same on a resend.
fn key_digest(key: &str) -> String {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

/// Headers and a dot-stuffed body, ending with CRLF (the lone `.` is sent separately).
pub(crate) fn message(alert: &Notification, from: &str, to: &[String]) -> String {
    let subject = clean(&format!(
        "[ward] {} {} on {}",
        alert.level.as_str().to_uppercase(),
        alert.title,
        alert.host
    ));
    let pretty = serde_json::to_string_pretty(&alert.body).unwrap_or_default();
    // RFC 5322 requires Date; a Message-ID lets mail systems drop a resent copy.
    let now = jiff::Timestamp::now();
    let date = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_string(&now)
        .unwrap_or_default();
    let mut out = format!(
        "Date: {date}\r\nMessage-ID: <ward-alert-{}-{}@ward-monitor>\r\nFrom: <{}>\r\nTo: {}\r\nSubject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Ward-Alert-Key: {}\r\n\r\n",
        alert.seq,
        key_digest(&alert.key),
        clean(from),
        to.iter()
            .map(|t| format!("<{}>", clean(t)))
            .collect::<Vec<_>>()
            .join(", "),
        clean(&alert.key),
    );
    for line in pretty.lines() {
        if line.starts_with('.') {
            out.push('.');
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

async fn command(conn: &mut BufReader<TcpStream>, line: &str, code: u16) -> Result<(), String> {
    conn.get_mut()
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| format!("SMTP write: {e}"))?;
    expect(conn, code)
        .await
        .map_err(|e| format!("after `{line}`: {e}"))
}

/// Reads a (possibly multi-line) reply and checks its code.
async fn expect(conn: &mut BufReader<TcpStream>, code: u16) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = conn
            .read_line(&mut line)
            .await
            .map_err(|e| format!("SMTP read: {e}"))?;
        if n == 0 {
            return Err("SMTP server closed the connection".into());
        }
        let got: Option<u16> = line.get(..3).and_then(|c| c.parse().ok());
        if got != Some(code) {
            return Err(format!(
                "SMTP server replied `{}` (expected {code})",
                line.trim_end()
            ));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_notification_is_mailed_with_its_own_key_and_count() {
        let body = serde_json::json!({
            "seq": 7, "key": "group:mail:ward.beacon|MRI-1:0", "kind": "group",
            "time": "2024-03-01T10:00:00Z", "host": "MRI-1", "rule_id": "ward.beacon",
            "title": "Beacon to 203.0.113.9 (+4 more)", "level": "high",
            "group": {"count": 5},
        });
        let entry = crate::store::OutboxEntry {
            id: 1,
            key: "group:mail:ward.beacon|MRI-1:0".into(),
            body,
        };
        let note = Notification::of_entry(entry);
        let mail = message(&note, "ward@clinic.local", &["soc@clinic.local".into()]);
        assert!(
            mail.contains("Subject: [ward] HIGH Beacon to 203.0.113.9 (+4 more) on MRI-1\r\n"),
            "{mail}"
        );
        assert!(mail.contains("X-Ward-Alert-Key: group:mail:ward.beacon|MRI-1:0\r\n"));
        assert!(mail.contains("\"count\": 5"));
    }
}
