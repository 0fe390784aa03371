//! The monitor's detection step: Ward's Sigma rules over each live event.

use std::sync::Arc;
use ward_event::{Event, Level};
use ward_monitor::{Alert, Detector};
use ward_sigma::RuleSet;

use super::case_board::CaseBoard;
use crate::output;

/// Sigma rules over each live event; every standalone rule match at or above `min_level` is an
/// alert. Matching is stateless, so the checkpoint is empty; correlation rules and the host
/// analytics need state over many events and are not run live (see docs/monitor.md).
pub struct RuleDetector {
    rules: Arc<RuleSet>,
    min_level: Level,
    board: Arc<CaseBoard>,
}

impl RuleDetector {
    /// A detector over `rules` that also records each alert on the dashboard's `board`.
    pub fn new(rules: Arc<RuleSet>, min_level: Level, board: Arc<CaseBoard>) -> Self {
        Self {
            rules,
            min_level,
            board,
        }
    }
}

impl Detector for RuleDetector {
    fn on_event(&mut self, event: &Event) -> Vec<Alert> {
        let mut alerts = Vec::new();
        let rules = Arc::clone(&self.rules);
        rules.matches(event, &mut |idx| {
            let rule = rules.rule(idx);
            if !rule.standalone || rule.level < self.min_level {
                return;
            }
            let detection = output::rule_detection(&rules, idx, event);
            alerts.push(Alert {
                key: alert_key(&detection.rule_id, event),
                time: detection.time,
                host: detection.host.clone(),
                rule_id: detection.rule_id.clone(),
                title: detection.title.clone(),
                level: detection.level,
                // The hunt's detection shape: event fields plus file and position.
                evidence: serde_json::to_value(&detection).unwrap_or(serde_json::Value::Null),
            });
            self.board.record(detection);
        });
        alerts
    }

    fn checkpoint(&self) -> Vec<u8> {
        Vec::new()
    }

    fn restore(&mut self, _state: &[u8]) {}
}

/// The alert's de-duplication key: the same event seen again (a syslog line resent, a file
/// re-read after a crash, a Beats window resent) gives the same key, so the store drops it.
///
/// A Windows record id names the event on its host and channel. Without one, the event time
/// plus a fingerprint of the fields stands in: the origin of a streamed event (a Lumberjack
/// sequence number, a syslog connection) changes when it is resent, its content does not.
pub fn alert_key(rule_id: &str, event: &Event) -> String {
    let host = event.host.short();
    let source = event.source.label();
    match event.record_id {
        Some(id) => format!("{rule_id}|{host}|{source}|{id}"),
        None => format!(
            "{rule_id}|{host}|{source}|{}|{:016x}",
            event.time.as_nanos(),
            fingerprint(event)
        ),
    }
}

/// FNV-1a over field names and values: stable across runs and builds (unlike `DefaultHasher`,
/// whose algorithm is not promised).
fn fingerprint(event: &Event) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    let mut buf = String::new();
    for (name, value) in event.fields.iter() {
        eat(name.as_bytes());
        eat(&[0]);
        eat(value.text(&mut buf).as_bytes());
        eat(&[0]);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use ward_event::{FieldList, LogSource, Timestamp, Value};

    /// The demo's Kwampirs service install on FS-01, as evtx_dump writes it.
    const SERVICE_INSTALL: &str = r##"{"Event":{"System":{"Provider":{"#attributes":{"Name":"Service Control Manager"}},"EventID":7045,"Level":4,"TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T09:10:42.109000Z"}},"EventRecordID":13221,"Channel":"System","Computer":"fs-01.clinic.local"},"EventData":{"ServiceName":"WmiApSrvEx","ImagePath":"C:\\Windows\\System32\\wmiaprvse.exe ControlTrace -Embedding -k","ServiceType":"user mode service","StartType":"auto start","AccountName":"LocalSystem"}}}"##;

    fn read(name: &str, line: &str) -> Event {
        let mut events = Vec::new();
        ward_ingest::read_reader(name, Box::new(Cursor::new(line.to_string())), &mut |e| {
            events.push(e)
        });
        assert_eq!(events.len(), 1, "one event from {line}");
        events.remove(0)
    }

    fn detector() -> (RuleDetector, Arc<CaseBoard>) {
        let (rules, _) = crate::hunt::load_rules(&[]).expect("built-in rules load");
        let board = Arc::new(CaseBoard::new(10));
        let detector = RuleDetector::new(Arc::new(rules), Level::Low, Arc::clone(&board));
        (detector, board)
    }

    #[test]
    fn kwampirs_service_install_raises_an_alert_with_its_evidence() {
        let (mut detector, board) = detector();
        let alerts = detector.on_event(&read("fs-01/System.jsonl", SERVICE_INSTALL));
        let service = alerts
            .iter()
            .find(|a| a.rule_id == "7e628801-e0ee-4388-a3d7-0db9bf23ba06")
            .expect("the Kwampirs service rule fires");
        assert_eq!(service.title, "Kwampirs Service Installed (System)");
        assert_eq!(service.host, "FS-01");
        assert_eq!(
            service.key,
            "7e628801-e0ee-4388-a3d7-0db9bf23ba06|FS-01|System|13221"
        );
        assert_eq!(service.evidence["file"], "fs-01/System.jsonl");
        assert_eq!(service.evidence["position"], 1);
        assert_eq!(service.evidence["fields"]["ServiceName"], "WmiApSrvEx");
        assert_eq!(board.len(), alerts.len());
        assert!(detector.checkpoint().is_empty(), "matching keeps no state");
    }

    /// The demo's FS-01 Sysmon log: its fifth line is a recon shell that two rules flag, one
    /// high and one critical.
    const FS01_SYSMON: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../demo/outbreak/FS-01/Sysmon.jsonl"
    ));

    #[test]
    fn below_min_level_nothing_is_raised() {
        let recon = FS01_SYSMON.lines().nth(4).expect("fifth line");
        let (mut everything, _) = detector();
        let all = everything.on_event(&read("s", recon));
        let (rules, _) = crate::hunt::load_rules(&[]).expect("built-in rules load");
        let board = Arc::new(CaseBoard::new(10));
        let mut critical = RuleDetector::new(Arc::new(rules), Level::Critical, board);
        let only = critical.on_event(&read("s", recon));
        let levels = |a: &[Alert]| {
            let mut l: Vec<_> = a.iter().map(|a| a.level).collect();
            l.sort();
            l
        };
        assert_eq!(levels(&all), [Level::High, Level::Critical]);
        assert_eq!(levels(&only), [Level::Critical]);
        assert_eq!(
            only[0].key,
            "80171b4d-2084-4b9a-8d31-318464f6f31c|FS-01|Microsoft-Windows-Sysmon/Operational|52069"
        );
    }

    fn syslog_event(text: &str, origin: &str, position: u64) -> Event {
        let mut fields = FieldList::default();
        fields.push("Message", Value::from(text));
        let time = Timestamp::parse("2026-03-02T10:00:00Z").expect("time");
        let mut event = Event::new(time, "fw01", LogSource::other("syslog", None, None), fields);
        event.origin.file = Arc::from(origin);
        event.origin.position = position;
        event
    }

    #[test]
    fn key_ignores_the_origin_but_not_the_content() {
        let first = syslog_event("DROP SRC=10.0.0.5", "udp", 1);
        let resent = syslog_event("DROP SRC=10.0.0.5", "tcp", 7);
        let other = syslog_event("DROP SRC=10.0.0.6", "udp", 1);
        assert_eq!(alert_key("r", &first), alert_key("r", &resent));
        assert_ne!(alert_key("r", &first), alert_key("r", &other));
        assert_ne!(alert_key("r", &first), alert_key("q", &first));
        assert!(alert_key("r", &first).starts_with("r|FW01|"));
    }

    #[test]
    fn key_prefers_the_record_id() {
        let a = read("a.jsonl", SERVICE_INSTALL);
        let mut b = read("b.jsonl", SERVICE_INSTALL);
        b.origin.position = 99;
        assert_eq!(alert_key("r", &a), alert_key("r", &b));
        b.record_id = Some(13222);
        assert_ne!(alert_key("r", &a), alert_key("r", &b));
    }
}
