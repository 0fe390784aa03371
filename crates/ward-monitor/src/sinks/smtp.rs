//! A minimal SMTP client (RFC 5321: EHLO, MAIL, RCPT, DATA, QUIT) with STARTTLS (RFC 3207,
//! required when configured: a server that does not offer it is refused, never used in
//! clear), implicit TLS (RFC 8314) and AUTH PLAIN or LOGIN (RFC 4954; only over TLS).

use std::net::SocketAddr;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use super::Notification;
use crate::MonitorError;
use crate::config::{SinkKind, SmtpSecurity};

/// A connection, plain or TLS.
trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}
type Conn = BufReader<Box<dyn Io>>;

/// Sends each notification as one plain-text e-mail.
pub(crate) struct SmtpRelay {
    server: SocketAddr,
    from: String,
    to: Vec<String>,
    security: SmtpSecurity,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::client::ClientTls>,
    credentials: Option<(String, String)>,
}

impl SmtpRelay {
    /// Reads the TLS settings of an `smtp` sink.
    pub(crate) fn new(config: &SinkKind) -> Result<Self, MonitorError> {
        let SinkKind::Smtp {
            name,
            server,
            from,
            to,
            security,
            tls,
            username,
            password,
        } = config
        else {
            return Err(MonitorError::Invalid("not an smtp sink".into()));
        };
        #[cfg(feature = "tls")]
        let tls =
            match security {
                SmtpSecurity::None => None,
                SmtpSecurity::Starttls | SmtpSecurity::Tls => Some(
                    crate::tls::client::ClientTls::new(tls.as_ref(), server.ip(), name)?,
                ),
            };
        #[cfg(not(feature = "tls"))]
        if *security != SmtpSecurity::None || tls.is_some() {
            return Err(MonitorError::Invalid(format!(
                "sink `{name}`: SMTP over TLS needs the `tls` feature"
            )));
        }
        Ok(SmtpRelay {
            server: *server,
            from: from.clone(),
            to: to.clone(),
            security: *security,
            #[cfg(feature = "tls")]
            tls,
            credentials: username.clone().zip(password.clone()),
        })
    }

    pub(crate) async fn send(&self, alert: &Notification) -> Result<(), String> {
        let (mut conn, offers) = self.open().await?;
        if let Some((user, password)) = &self.credentials {
            authenticate(&mut conn, &offers, user, password).await?;
        }
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

    /// Connects, greets and, as configured, starts TLS; returns the connection and what the
    /// last EHLO offered (one extension per line, e.g. `AUTH PLAIN LOGIN`).
    async fn open(&self) -> Result<(Conn, Vec<String>), String> {
        let server = self.server;
        let tcp = TcpStream::connect(server)
            .await
            .map_err(|e| format!("SMTP {server}: {e}"))?;
        let stream: Box<dyn Io> = match self.security {
            SmtpSecurity::Tls => self.start_tls(tcp).await?,
            SmtpSecurity::None | SmtpSecurity::Starttls => Box::new(tcp),
        };
        let mut conn = BufReader::new(stream);
        expect(&mut conn, 220).await?;
        let mut offers = command(&mut conn, "EHLO ward-monitor", 250).await?;
        if self.security == SmtpSecurity::Starttls {
            if !offers.iter().any(|o| o.eq_ignore_ascii_case("STARTTLS")) {
                return Err(format!(
                    "SMTP {server} does not offer STARTTLS; refusing to send in clear"
                ));
            }
            command(&mut conn, "STARTTLS", 220).await?;
            // Bytes sent before the handshake would be read as if protected (CVE-2011-0411).
            if !conn.buffer().is_empty() {
                return Err(format!(
                    "SMTP {server} sent data after its STARTTLS reply; refusing"
                ));
            }
            let tls = self.start_tls(conn.into_inner()).await?;
            conn = BufReader::new(tls);
            offers = command(&mut conn, "EHLO ward-monitor", 250).await?;
        }
        Ok((conn, offers))
    }

    #[cfg(feature = "tls")]
    async fn start_tls<S: Io + 'static>(&self, stream: S) -> Result<Box<dyn Io>, String> {
        let Some(tls) = &self.tls else {
            return Err("TLS is not configured".into());
        };
        let stream = tls
            .connect(stream)
            .await
            .map_err(|e| format!("SMTP {}: {e}", self.server))?;
        Ok(Box::new(stream))
    }

    #[cfg(not(feature = "tls"))]
    async fn start_tls<S: Io + 'static>(&self, _stream: S) -> Result<Box<dyn Io>, String> {
        Err("this build lacks the `tls` feature".into())
    }
}

/// AUTH PLAIN when offered, else AUTH LOGIN; the credentials never appear in errors.
async fn authenticate(
    conn: &mut Conn,
    offers: &[String],
    user: &str,
    password: &str,
) -> Result<(), String> {
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    let mechanisms: Vec<String> = offers
        .iter()
        .filter_map(|o| {
            let upper = o.to_ascii_uppercase();
            upper
                .strip_prefix("AUTH ")
                .or_else(|| upper.strip_prefix("AUTH="))
                .map(str::to_string)
        })
        .flat_map(|m| m.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let refused = |e: String| format!("SMTP AUTH for `{}` refused: {e}", clean(user));
    if mechanisms.iter().any(|m| m == "PLAIN") {
        let token = b64(format!("\0{user}\0{password}").as_bytes());
        send_secret(conn, &format!("AUTH PLAIN {token}"), 235, "AUTH PLAIN")
            .await
            .map_err(refused)
    } else if mechanisms.iter().any(|m| m == "LOGIN") {
        command(conn, "AUTH LOGIN", 334).await.map_err(refused)?;
        send_secret(conn, &b64(user.as_bytes()), 334, "the user name")
            .await
            .map_err(refused)?;
        send_secret(conn, &b64(password.as_bytes()), 235, "the password")
            .await
            .map_err(refused)
    } else {
        Err(format!(
            "SMTP server offers no AUTH PLAIN or LOGIN (offers: {})",
            offers.join("; ")
        ))
    }
    .map(drop)
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

/// Sends one command line and reads its reply; returns the reply's texts (after the code).
async fn command(conn: &mut Conn, line: &str, code: u16) -> Result<Vec<String>, String> {
    write_line(conn, line).await?;
    expect(conn, code)
        .await
        .map_err(|e| format!("after `{line}`: {e}"))
}

/// A command carrying credentials: errors name it by `what`, never by its text.
async fn send_secret(
    conn: &mut Conn,
    line: &str,
    code: u16,
    what: &str,
) -> Result<Vec<String>, String> {
    write_line(conn, line).await?;
    expect(conn, code)
        .await
        .map_err(|e| format!("after {what}: {e}"))
}

async fn write_line(conn: &mut Conn, line: &str) -> Result<(), String> {
    let stream = conn.get_mut();
    stream
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|e| format!("SMTP write: {e}"))?;
    stream.flush().await.map_err(|e| format!("SMTP write: {e}"))
}

/// Longest reply line read; a server sending more is refused (no unbounded buffering).
const MAX_REPLY_LINE: u64 = 4096;
/// Most lines in one reply.
const MAX_REPLY_LINES: usize = 100;

/// Reads a (possibly multi-line) reply and checks its code; returns each line's text.
async fn expect(conn: &mut Conn, code: u16) -> Result<Vec<String>, String> {
    let mut texts = Vec::new();
    loop {
        let mut line = Vec::new();
        let n = (&mut *conn)
            .take(MAX_REPLY_LINE)
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| format!("SMTP read: {e}"))?;
        if n == 0 {
            return Err("SMTP server closed the connection".into());
        }
        if !line.ends_with(b"\n") && n as u64 >= MAX_REPLY_LINE {
            return Err(format!(
                "SMTP reply line longer than {MAX_REPLY_LINE} bytes"
            ));
        }
        let line = String::from_utf8_lossy(&line);
        let got: Option<u16> = line.get(..3).and_then(|c| c.parse().ok());
        if got != Some(code) {
            return Err(format!(
                "SMTP server replied `{}` (expected {code})",
                clean(line.trim_end())
            ));
        }
        texts.push(line.get(4..).unwrap_or_default().trim_end().to_string());
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(texts);
        }
        if texts.len() >= MAX_REPLY_LINES {
            return Err(format!("SMTP reply longer than {MAX_REPLY_LINES} lines"));
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
