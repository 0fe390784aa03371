//! Zeek logs, TSV (`#separator`, `#fields`, `#types` headers; `-` unset, `(empty)` empty) and
//! JSON (one object per line). Field names are Zeek's own, with `id_orig_h`-style exports
//! normalised to `id.orig_h`; unknown fields are kept. Each record also gets the common network
//! names, and HTTP and DNS records get Sigma's proxy and DNS names.

use super::proxy;
use super::record::{self, RecordBuilder};
use super::zeek_json;
use super::{LineParser, Record};
use ward_event::{LogSource, Timestamp, Value};

/// True when the head has Zeek TSV headers (`#separator`, `#fields`) or, for header-less
/// exports, a line of Zeek column names.
pub(crate) fn looks_like_tsv(head: &str) -> bool {
    let lines = head.lines().filter(|l| !l.trim().is_empty());
    lines
        .clone()
        .any(|l| l.starts_with("#separator") || l.starts_with("#fields"))
        || lines
            .filter(|l| !l.starts_with('#'))
            .take(20)
            .any(|l| l.contains('\t') && names_columns(l))
}

/// True when a line names Zeek columns (the first line of a header-less export).
fn names_columns(line: &str) -> bool {
    line.split('\t')
        .any(|c| c == "uid" || c == "ts" || c == "id.orig_h")
}

/// True when the line is a JSON object with Zeek's keys.
pub(crate) fn looks_like_json(line: &str) -> bool {
    let zeek_keys = ["\"id.orig_h\"", "\"id_orig_h\"", "\"uid\"", "\"_path\""];
    line.starts_with('{') && zeek_keys.iter().any(|k| line.contains(k))
}

/// A parser for one Zeek TSV log (the registry's reader).
pub(crate) fn tsv_parser() -> Box<dyn LineParser> {
    Box::new(ZeekTsv::default())
}

/// A parser for one Zeek JSON log (the registry's reader).
pub(crate) fn json_parser() -> Box<dyn LineParser> {
    Box::new(ZeekJson)
}

impl LineParser for ZeekTsv {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        let Some(time) = ZeekTsv::line(self, line, rec)? else {
            return Ok(None);
        };
        let path = if self.path.is_empty() {
            infer_path(rec)
        } else {
            self.path.as_str()
        };
        add_common(path, rec);
        Ok(Some(Record {
            time,
            source: Some(source(path)),
        }))
    }
}

/// Zeek JSON: one object per line, stateless.
struct ZeekJson;

impl LineParser for ZeekJson {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        if line.starts_with('#') {
            return Ok(None);
        }
        let time = json_line(line, rec)?;
        let path = rec
            .get_str("_path")
            .map(str::to_string)
            .unwrap_or_else(|| infer_path(rec).to_string());
        add_common(&path, rec);
        Ok(Some(Record {
            time,
            source: Some(source(&path)),
        }))
    }
}

/// A Zeek column type, as far as conversion cares.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ColumnType {
    Int,
    Float,
    Bool,
    Text,
}

impl ColumnType {
    fn from_zeek(t: &str) -> Self {
        match t {
            "count" | "int" | "port" => ColumnType::Int,
            "time" | "interval" | "double" => ColumnType::Float,
            "bool" => ColumnType::Bool,
            _ => ColumnType::Text,
        }
    }
}

/// Header state of a Zeek TSV log.
pub(crate) struct ZeekTsv {
    separator: String,
    empty: String,
    unset: String,
    path: String,
    names: Vec<String>,
    types: Vec<ColumnType>,
}

impl Default for ZeekTsv {
    fn default() -> Self {
        ZeekTsv {
            separator: "\t".into(),
            empty: "(empty)".into(),
            unset: "-".into(),
            path: String::new(),
            names: Vec::new(),
            types: Vec::new(),
        }
    }
}

/// `\x09` → tab, as Zeek writes separators.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\x") {
        out.push_str(rest.get(..i).unwrap_or(""));
        let hex = rest
            .get(i + 2..i + 4)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(b) => {
                out.push(char::from(b));
                rest = rest.get(i + 4..).unwrap_or("");
            }
            None => {
                out.push_str("\\x");
                rest = rest.get(i + 2..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// `id_orig_h` → `id.orig_h` (some exporters flatten records with `_`).
pub(crate) fn normalise_name(name: &str) -> std::borrow::Cow<'_, str> {
    match name.strip_prefix("id_") {
        Some(rest @ ("orig_h" | "orig_p" | "resp_h" | "resp_p")) => format!("id.{rest}").into(),
        _ => name.into(),
    }
}

impl ZeekTsv {
    /// Reads one line: a header (`Ok(None)`) or a record (`Ok(Some(time))`, fields in `rec`).
    pub(crate) fn line(
        &mut self,
        line: &str,
        rec: &mut RecordBuilder,
    ) -> Result<Option<Timestamp>, String> {
        if let Some(directive) = line.strip_prefix('#') {
            self.directive(directive);
            return Ok(None);
        }
        if self.names.is_empty() {
            // Header-less exports put the column names on the first line.
            if names_columns(line) {
                self.names = line
                    .split('\t')
                    .map(|n| normalise_name(n).into_owned())
                    .collect();
                return Ok(None);
            }
            return Err("Zeek record before the #fields header".into());
        }
        let values: Vec<&str> = line.split(self.separator.as_str()).collect();
        if values.len() != self.names.len() {
            return Err(format!(
                "{} values for {} Zeek fields",
                values.len(),
                self.names.len()
            ));
        }
        for (i, (name, raw)) in self.names.iter().zip(values).enumerate() {
            if raw == self.unset {
                continue;
            }
            if raw == self.empty {
                rec.value(name, Value::from(""));
                continue;
            }
            let value = match self.types.get(i).copied().unwrap_or(ColumnType::Text) {
                ColumnType::Int => raw
                    .parse::<i64>()
                    .ok()
                    .map(Value::Int)
                    .or_else(|| raw.parse::<u64>().ok().map(Value::UInt)),
                ColumnType::Float => raw
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Value::Float),
                ColumnType::Bool => Some(Value::Bool(raw == "T")),
                ColumnType::Text => None,
            };
            rec.value(name, value.unwrap_or_else(|| Value::from(raw)));
        }
        Ok(Some(record_time(rec)?))
    }

    fn directive(&mut self, d: &str) {
        if let Some(sep) = d.strip_prefix("separator ") {
            self.separator = unescape(sep.trim());
            return;
        }
        let (key, value) = d
            .split_once(self.separator.as_str())
            .or_else(|| d.split_once(' '))
            .unwrap_or((d, ""));
        match key {
            "empty_field" => self.empty = value.to_string(),
            "unset_field" => self.unset = value.to_string(),
            "path" => self.path = value.to_string(),
            "fields" => {
                self.names = value
                    .split(self.separator.as_str())
                    .map(|n| normalise_name(n).into_owned())
                    .collect();
                self.types.clear();
            }
            "types" => {
                self.types = value
                    .split(self.separator.as_str())
                    .map(ColumnType::from_zeek)
                    .collect()
            }
            _ => {}
        }
    }
}

/// The record's `ts`; a record with no `ts` column gets [`Timestamp::UNKNOWN`].
fn record_time(rec: &RecordBuilder) -> Result<Timestamp, String> {
    match rec.fields.get("ts") {
        None => Ok(Timestamp::UNKNOWN),
        Some(Value::Float(f)) => Ok(Timestamp::from_epoch_secs_f64(*f)),
        Some(Value::Int(i)) => Ok(Timestamp::from_nanos(i.saturating_mul(1_000_000_000))),
        Some(Value::Str(s)) => Timestamp::parse(s).map_err(|e| format!("ts: {e}")),
        Some(other) => Err(format!("ts `{other}` is not a time")),
    }
}

/// Parses one Zeek JSON line into `rec`; returns its time.
pub(crate) fn json_line(line: &str, rec: &mut RecordBuilder) -> Result<Timestamp, String> {
    zeek_json::fill(line, rec)?;
    record_time(rec)
}

/// Guesses the log name of a JSON record without `_path` from the fields it has.
pub(crate) fn infer_path(rec: &RecordBuilder) -> &'static str {
    let has = |n: &str| rec.fields.get(n).is_some();
    if has("conn_state") || has("orig_bytes") {
        "conn"
    } else if has("qtype_name") || (has("query") && has("rcode")) {
        "dns"
    } else if has("method") && has("uri") {
        "http"
    } else if has("server_name") || has("cipher") {
        "ssl"
    } else if has("share_type") {
        "smb_mapping"
    } else if has("action") && has("path") && has("name") {
        "smb_files"
    } else if has("endpoint") && has("operation") {
        "dce_rpc"
    } else if has("request_type") && has("client") {
        "kerberos"
    } else if has("domainname") || has("server_nb_computer_name") {
        "ntlm"
    } else {
        "unknown"
    }
}

/// The log source for a Zeek log name: `zeek/<name>`, plus Sigma's category where one applies.
pub(crate) fn source(path: &str) -> LogSource {
    let category = match path {
        "http" => Some("proxy"),
        "dns" => Some("dns"),
        _ => None,
    };
    LogSource::other("zeek", Some(path), category)
}

/// Adds the common network names and, for HTTP and DNS, Sigma's category names.
pub(crate) fn add_common(path: &str, rec: &mut RecordBuilder) {
    let copy = |rec: &mut RecordBuilder, from: &str, to: &str| {
        if let Some(v) = rec.fields.get(from).cloned() {
            rec.value(to, v);
        }
    };
    copy(rec, "id.orig_h", record::SRC_IP);
    copy(rec, "id.orig_p", record::SRC_PORT);
    copy(rec, "id.resp_h", record::DST_IP);
    copy(rec, "id.resp_p", record::DST_PORT);
    copy(rec, "proto", record::PROTOCOL);
    match path {
        "conn" => {
            copy(rec, "orig_bytes", record::BYTES_OUT);
            copy(rec, "resp_bytes", record::BYTES_IN);
            copy(rec, "duration", record::DURATION);
        }
        "ssl" => copy(rec, "server_name", record::DST_HOST),
        "http" => {
            let text = |rec: &RecordBuilder, n: &str| rec.get_str(n).unwrap_or("").to_string();
            let (method, uri, host) = (text(rec, "method"), text(rec, "uri"), text(rec, "host"));
            proxy::add_request(rec, &method, &uri, &host);
            copy(rec, "user_agent", "c-useragent");
            copy(rec, "status_code", "sc-status");
            copy(rec, "referrer", "cs-referrer");
            copy(rec, "request_body_len", "cs-bytes");
            copy(rec, "response_body_len", "sc-bytes");
            copy(rec, "response_body_len", record::BYTES_IN);
        }
        "dns" => {
            copy(rec, "answers", "answer");
            copy(rec, "qtype_name", "record_type");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_with_types_and_unset_fields() {
        let mut z = ZeekTsv::default();
        let mut rec = RecordBuilder::new();
        for h in [
            "#separator \\x09",
            "#path\tconn",
            "#fields\tts\tuid\tid_orig_h\tid.resp_p\tduration\tlocal_orig\ttunnel_parents",
            "#types\ttime\tstring\taddr\tport\tinterval\tbool\tset[string]",
        ] {
            assert_eq!(z.line(h, &mut rec).unwrap(), None);
        }
        let t = z
            .line("928.943457\tCxl7\t10.0.2.112\t80\t-\tT\t(empty)", &mut rec)
            .unwrap()
            .unwrap();
        assert_eq!(t.as_nanos(), 928_943_457_000);
        assert_eq!(z.path, "conn");
        let f = &rec.fields;
        assert_eq!(f.get_str("id.orig_h"), Some("10.0.2.112"));
        assert_eq!(f.get("id.resp_p"), Some(&Value::Int(80)));
        assert_eq!(f.get("duration"), None);
        assert_eq!(f.get("local_orig"), Some(&Value::Bool(true)));
        assert_eq!(f.get_str("tunnel_parents"), Some(""));
        assert!(z.line("1.0\tonly-two", &mut RecordBuilder::new()).is_err());
        assert!(
            z.line(
                "XXXXXXXXXX.XXXXXX\tC\t1.2.3.4\t80\t1.0\tF\t-",
                &mut RecordBuilder::new()
            )
            .is_err()
        );
    }

    #[test]
    fn http_records_get_proxy_names() {
        let mut rec = RecordBuilder::new();
        let t = json_line(r#"{"ts":1700000000.5,"id.orig_h":"10.0.0.5","id.resp_h":"1.2.3.4","id.resp_p":80,"method":"GET","host":"1.2.3.4","uri":"/a.php?q=Zm9v","status_code":200,"tags":[],"resp_mime_types":["text/plain","x"]}"#, &mut rec).unwrap();
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20.5Z");
        assert_eq!(infer_path(&rec), "http");
        add_common("http", &mut rec);
        let f = &rec.fields;
        assert_eq!(f.get_str("cs-host"), Some("1.2.3.4"));
        assert_eq!(f.get_str("c-uri-query"), Some("q=Zm9v"));
        assert_eq!(f.get_str("src_ip"), Some("10.0.0.5"));
        assert_eq!(f.get("sc-status").and_then(|v| v.as_i64()), Some(200));
        assert_eq!(f.get_str("resp_mime_types"), Some("text/plain,x"));
    }
}
