//! AdGuard Home: its query log (`querylog.json`, one object per line with `T`, `QH`, `QT`,
//! `IP`, `Result`) as Sigma `dns` events, and its application log (`2023/02/21 08:05:56.233208
//! [error] POST 192.168.1.2 /control/login: …`, Go's log format) with the client address of
//! web-interface requests and logins.

use ward_event::{LogSource, Timestamp, Value};

use super::Message;
use super::record::{self, RecordBuilder};
use super::{LineParser, Record, zeek_json};

/// True when the line is a query-log object.
pub(crate) fn looks_like_querylog(line: &str) -> bool {
    line.starts_with('{') && line.contains("\"QH\"") && line.contains("\"T\"")
}

/// A parser for one `querylog.json` (the registry's reader).
pub(crate) fn querylog_parser() -> Box<dyn LineParser> {
    Box::new(QueryLog)
}

struct QueryLog;

impl LineParser for QueryLog {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        zeek_json::fill(line, rec)?;
        let time = rec.get_str("T").ok_or("query-log line without T")?;
        let time = Timestamp::parse(time).map_err(|e| e.to_string())?;
        let copy = |rec: &mut RecordBuilder, from: &str, to: &str| {
            if let Some(v) = rec.fields.get(from).cloned() {
                rec.value(to, v);
            }
        };
        copy(rec, "QH", "query");
        copy(rec, "QT", "record_type");
        copy(rec, "IP", record::SRC_IP);
        let filtered = rec.fields.get("Result.IsFiltered") == Some(&Value::Bool(true));
        rec.text(record::ACTION, if filtered { "block" } else { "allow" });
        Ok(Some(Record {
            time,
            source: Some(LogSource::other("adguard", Some("querylog"), Some("dns"))),
        }))
    }
}

/// `2023/02/21 08:05:56.233208 [level] ` at the start: the time and the rest.
fn app_time(msg: &str) -> Option<(Timestamp, &str, &str)> {
    let (date, rest) = msg.split_once(' ')?;
    let (clock, rest) = rest.split_once(' ')?;
    let level = rest.strip_prefix('[')?;
    let (level, rest) = level.split_once("] ")?;
    if date.len() != 10
        || date.get(4..5) != Some("/")
        || !level.bytes().all(|b| b.is_ascii_lowercase())
    {
        return None;
    }
    let t = Timestamp::parse(&format!("{}T{clock}Z", date.replace('/', "-"))).ok()?;
    Some((t, level, rest))
}

/// True when the message is an AdGuard Home application-log line.
pub(crate) fn looks_like_app(msg: &str) -> bool {
    app_time(msg).is_some_and(|(_, level, rest)| {
        matches!(level, "info" | "error" | "debug" | "warn")
            && (rest.contains("/control/") || rest.starts_with("auth:") || rest.contains("AdGuard"))
    })
}

/// Fills `rec` from one application-log line.
pub(crate) fn parse_app<'a>(msg: &'a str, rec: &mut RecordBuilder) -> Result<Message<'a>, String> {
    let (time, level, rest) = app_time(msg).ok_or("no AdGuard Home time and [level]")?;
    rec.text("level", level);
    rec.text("message", rest);
    let mut words = rest.split_whitespace();
    if let (Some(method), Some(client), Some(path)) = (words.next(), words.next(), words.next())
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && path.starts_with('/')
    {
        rec.text("cs-method", method);
        rec.text("cs-uri-stem", path.trim_end_matches(':'));
        rec.text(record::SRC_IP, client);
    }
    // Behind a proxy the real client is named later: `from ip 192.168.1.3`.
    if let Some((_, ip)) = rest.rsplit_once("from ip ") {
        let ip = ip.split([':', ' ']).next().unwrap_or("");
        rec.fields.set(record::SRC_IP, Value::from(ip));
    }
    if rest.contains("invalid username or password") {
        rec.text(record::ACTION, "failure");
    } else if rest.contains("successfully logged in") {
        rec.text(record::ACTION, "success");
    }
    Ok(Message {
        device: "",
        time: Some(time),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_log_login_failure_behind_proxy() {
        let msg = "2024/01/26 06:43:57.223387 [error] POST 192.168.1.1 /control/login: from ip 192.168.1.3: invalid username or password";
        assert!(looks_like_app(msg));
        let mut rec = RecordBuilder::new();
        let m = parse_app(msg, &mut rec).unwrap();
        assert_eq!(m.time.unwrap().to_rfc3339(), "2024-01-26T06:43:57.223387Z");
        assert_eq!(rec.get_str("src_ip"), Some("192.168.1.3"));
        assert_eq!(rec.get_str("action"), Some("failure"));
        assert_eq!(rec.get_str("cs-uri-stem"), Some("/control/login"));
    }

    #[test]
    fn querylog_line() {
        // Written for this test from AdGuard Home's querylog.json field names.
        let line = r#"{"T":"2024-03-01T10:00:00.5+01:00","QH":"x1.example.org","QT":"TXT","QC":"IN","CP":"","IP":"192.168.1.10","Result":{"IsFiltered":true,"Reason":3},"Elapsed":1200}"#;
        assert!(looks_like_querylog(line));
        let mut rec = RecordBuilder::new();
        let r = QueryLog.line(line, &mut rec).unwrap().unwrap();
        assert_eq!(r.time.to_rfc3339(), "2024-03-01T09:00:00.5Z");
        assert_eq!(rec.get_str("query"), Some("x1.example.org"));
        assert_eq!(rec.get_str("src_ip"), Some("192.168.1.10"));
        assert_eq!(rec.get_str("action"), Some("block"));
    }
}
