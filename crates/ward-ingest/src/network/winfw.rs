//! Windows Firewall `pfirewall.log` (W3C extended: `#Fields: date time action protocol src-ip
//! dst-ip src-port dst-port size …`). Times are the host's local time; read as UTC.

use super::record::{self, RecordBuilder};
use super::{LineParser, Record};
use ward_event::Timestamp;

/// True when the head looks like a Windows Firewall log.
pub(crate) fn looks_like(head: &str) -> bool {
    head.contains("#Software: Microsoft Windows Firewall")
        || head.contains("#Fields: date time action protocol src-ip")
}

/// Field names from the latest `#Fields:` line (the header may repeat on log rotation).
#[derive(Default)]
pub(crate) struct W3cState {
    fields: Vec<String>,
}

impl W3cState {
    /// Reads one line; `Ok(None)` for headers.
    pub(crate) fn line(
        &mut self,
        line: &str,
        rec: &mut RecordBuilder,
    ) -> Result<Option<Timestamp>, String> {
        if let Some(fields) = line.strip_prefix("#Fields:") {
            self.fields = fields
                .split_ascii_whitespace()
                .map(str::to_string)
                .collect();
            return Ok(None);
        }
        if line.starts_with('#') {
            return Ok(None);
        }
        if self.fields.is_empty() {
            return Err("data before the #Fields: header".into());
        }
        let values: Vec<&str> = line.split_ascii_whitespace().collect();
        if values.len() < self.fields.len().min(8) {
            return Err(format!(
                "{} values for {} fields",
                values.len(),
                self.fields.len()
            ));
        }
        let (mut date, mut time) = ("", "");
        for (name, value) in self.fields.iter().zip(values.iter().copied()) {
            match name.as_str() {
                "date" => date = value,
                "time" => time = value,
                "action" => {
                    rec.text(record::ACTION, &record::normalise_action(value));
                    rec.text("firewall_action", value);
                }
                "protocol" => rec.text(record::PROTOCOL, &record::protocol_name(value)),
                "src-ip" => rec.text(record::SRC_IP, value),
                "dst-ip" => rec.text(record::DST_IP, value),
                "src-port" => rec.int(record::SRC_PORT, value),
                "dst-port" => rec.int(record::DST_PORT, value),
                "size" | "tcpwin" | "pid" => rec.int(name, value),
                other => rec.text(other, value),
            }
        }
        let time = Timestamp::parse(&format!("{date} {time}")).map_err(|e| e.to_string())?;
        Ok(Some(time))
    }
}

/// A parser for one input (the registry's reader).
pub(crate) fn parser() -> Box<dyn LineParser> {
    Box::new(W3cState::default())
}

impl LineParser for W3cState {
    fn line(&mut self, line: &str, rec: &mut RecordBuilder) -> Result<Option<Record>, String> {
        Ok(W3cState::line(self, line, rec)?.map(Record::at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_after_the_fields_header() {
        let mut st = W3cState::default();
        let mut rec = RecordBuilder::new();
        assert!(
            st.line(
                "2005-04-11 08:05:57 DROP UDP 1.2.3.4 5.6.7.8 137 137 78",
                &mut rec
            )
            .is_err()
        );
        st.line("#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path", &mut rec).unwrap();
        let t = st.line("2005-04-11 08:09:29 OPEN TCP 123.45.78.90 123.156.78.90 1606 445 - - - - - - - - -", &mut rec).unwrap();
        assert_eq!(t.unwrap().to_rfc3339(), "2005-04-11T08:09:29Z");
        assert_eq!(
            rec.fields.get("dst_port").and_then(|v| v.as_i64()),
            Some(445)
        );
        assert_eq!(rec.fields.get_str("firewall_action"), Some("OPEN"));
        assert!(rec.fields.get("tcpflags").is_none());
    }
}
