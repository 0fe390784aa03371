//! One function per fuzz target (see [`crate::TARGETS`]).

use std::io::{BufRead, Cursor};
use std::path::PathBuf;
use std::sync::OnceLock;

use ward_analytics::network::{NetworkAnalyzer, NetworkConfig};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets, Intel};
use ward_audit::{AuditConfig, Auditor, BreachedList};
use ward_event::Event;
use ward_ingest::ReadOptions;
use ward_monitor::{IngestDecoder, MonitorConfig};
use ward_sigma::{Mapping, RuleSetBuilder};

/// Reads `data` as the registry's format `format`, skipping the sniffer; syslog times get a
/// fixed year so a run does not depend on the clock.
fn read_format(format: &str, data: &[u8]) {
    let options = ReadOptions {
        syslog_year: Some(2024),
        ..ReadOptions::default()
    };
    let mut input: &mut dyn BufRead = &mut Cursor::new(data);
    let report = ward_ingest::read_as(format, "fuzz", &mut input, &options, &mut |event| {
        touch(&event);
    });
    assert!(report.is_some(), "no reader named {format}");
}

/// Reads every field of an event, so lazily decoded values are decoded too.
fn touch(event: &Event) {
    for (name, value) in event.fields.iter() {
        std::hint::black_box((name, value));
    }
    std::hint::black_box(event.host.short());
}

/// The EVTX reader (whole files: header, chunks, BinXML, templates).
pub fn evtx(data: &[u8]) {
    read_format("evtx", data);
}

/// The Windows-JSON reader, every shape (evtx_dump, Winlogbeat 6/7/8, NXLog, PowerShell).
pub fn windows_json(data: &[u8]) {
    read_format("windows-json", data);
}

/// What `ward hunt` does to a file: gzip and zip layers, the sniffer, then whichever reader.
pub fn open_any(data: &[u8]) {
    let options = ReadOptions {
        syslog_year: Some(2024),
        ..ReadOptions::default()
    };
    let input = Box::new(Cursor::new(data));
    for report in ward_ingest::read_reader_with("fuzz", input, &options, &mut |e| touch(&e)) {
        std::hint::black_box(report.errors.len());
    }
}

/// Windows Firewall (`pfirewall.log`).
pub fn windows_firewall(data: &[u8]) {
    read_format("windows-firewall", data);
}

/// Zeek TSV logs (`#fields` headers).
pub fn zeek_tsv(data: &[u8]) {
    read_format("zeek-tsv", data);
}

/// Zeek JSON logs.
pub fn zeek_json(data: &[u8]) {
    read_format("zeek-json", data);
}

/// Squid native access log.
pub fn squid(data: &[u8]) {
    read_format("squid", data);
}

/// Squid / web proxies in common or combined log format.
pub fn squid_common(data: &[u8]) {
    read_format("squid-common", data);
}

/// FortiGate key=value traffic logs.
pub fn fortigate(data: &[u8]) {
    read_format("fortigate", data);
}

/// Cisco ASA `%ASA-` messages.
pub fn cisco_asa(data: &[u8]) {
    read_format("cisco-asa", data);
}

/// pfSense / OPNsense `filterlog` CSV.
pub fn pf_filterlog(data: &[u8]) {
    read_format("pf-filterlog", data);
}

/// Linux netfilter (`iptables`/`nftables` LOG lines in syslog).
pub fn iptables(data: &[u8]) {
    read_format("iptables", data);
}

/// Suricata EVE JSON.
pub fn suricata_eve(data: &[u8]) {
    read_format("suricata-eve", data);
}

/// Suricata `fast.log` alerts.
pub fn suricata_fast(data: &[u8]) {
    read_format("suricata-fast", data);
}

/// AdGuard Home query log (JSON lines).
pub fn adguard_querylog(data: &[u8]) {
    read_format("adguard-querylog", data);
}

/// AdGuard Home's application log.
pub fn adguard(data: &[u8]) {
    read_format("adguard", data);
}

/// Palo Alto PAN-OS CSV syslog.
pub fn pan_os(data: &[u8]) {
    read_format("pan-os", data);
}

/// MikroTik RouterOS firewall messages.
pub fn mikrotik(data: &[u8]) {
    read_format("mikrotik", data);
}

/// ArcSight CEF messages.
pub fn cef(data: &[u8]) {
    read_format("cef", data);
}

/// BIND named query logs.
pub fn bind(data: &[u8]) {
    read_format("bind", data);
}

/// Syslog over TCP: the framer (octet-counted or newline framed, RFC 6587), the RFC 3164/5424
/// header and the payload decoder. The first byte sets the message size limit, the second the
/// size of the chunks the stream arrives in, so frames are split at every place.
pub fn syslog_stream(data: &[u8]) {
    let [limit, chunk, stream @ ..] = data else {
        return;
    };
    let max = 64 + usize::from(*limit) * 64;
    let chunks: Vec<&[u8]> = stream.chunks(1 + usize::from(*chunk)).collect();
    let (events, _dropped) = ward_monitor::fuzzing::syslog_stream(&chunks, max, &IngestDecoder);
    events.iter().for_each(touch);
}

/// Lumberjack v2 (Beats) frames, compressed frames included.
pub fn beats_stream(data: &[u8]) {
    if let Ok(events) = ward_monitor::fuzzing::beats_stream(data, &IngestDecoder) {
        events.iter().for_each(touch);
    }
}

/// The Sigma rule compiler: YAML in (rules, correlations, filters), a rule set out.
pub fn sigma_rule(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    builder.add_yaml("fuzz.yml", &text);
    let (rules, report) = builder.build();
    std::hint::black_box((rules.len(), report.problems.len()));
}

/// Conditions and modifiers at match time: a rule (before the first NUL byte) compiled and run
/// on the Windows events of a JSON document (after it), and its correlations on the hits.
pub fn sigma_match(data: &[u8]) {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (rule, events) = data.split_at(split);
    let mut builder = RuleSetBuilder::new(Mapping::builtin());
    builder.add_yaml("fuzz.yml", &String::from_utf8_lossy(rule));
    let (rules, _) = builder.build();
    let mut inputs = Vec::new();
    let mut input: &mut dyn BufRead = &mut Cursor::new(events.get(1..).unwrap_or_default());
    let options = ReadOptions::default();
    ward_ingest::read_as("windows-json", "fuzz", &mut input, &options, &mut |event| {
        let mut hits = Vec::new();
        rules.matches(&event, &mut |idx| hits.push(idx));
        for idx in hits {
            inputs.extend(rules.correlation_input(idx, &event));
        }
    });
    std::hint::black_box(rules.correlate(&inputs).len());
}

/// The intel loader: plain indicator lists and STIX 2.1 bundles.
pub fn intel(data: &[u8]) {
    let mut intel = Intel::default();
    let _ = intel.load_text(&String::from_utf8_lossy(data), "fuzz.txt");
    std::hint::black_box(intel.len());
}

/// The asset inventory CSV (`hostname,ip,role,clinical`).
pub fn assets_csv(data: &[u8]) {
    if let Ok(assets) = Assets::from_csv_reader(data) {
        std::hint::black_box(assets.len());
    }
}

/// A private folder of this process for the targets whose parser takes a path.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ward-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        dir
    })
}

/// The audit's inventory, policy, hash-export, feed and admin-list parsers (sniffed by content:
/// software CSV, `Get-HotFix`, osquery JSON, `systeminfo`, `net accounts`, secedit INF, NTLM
/// exports, KEV/OSV feeds), then the checks over what they gave.
pub fn audit_file(data: &[u8]) {
    let path = scratch().join("input");
    std::fs::write(&path, data).expect("write the input");
    let mut auditor = Auditor::new(AuditConfig::default());
    if auditor.add_file(&path).is_ok() {
        std::hint::black_box(auditor.finish());
    }
}

/// The breached-password list (sorted `HASH:COUNT`), searched in place by bisection.
pub fn breached_list(data: &[u8]) {
    let mut list = BreachedList::from_reader(Cursor::new(data), data.len() as u64);
    for probe in [
        [0u8; 16],
        [0x7f; 16],
        [0xff; 16],
        *b"\x31\xd6\xcf\xe0\xd1\x6a\xe9\x31\xb7\x3c\x59\xd7\xe0\xc0\x89\xc0",
    ] {
        let _ = list.lookup(&probe);
    }
}

/// The monitor's TOML configuration, parsed and validated.
pub fn monitor_config(data: &[u8]) {
    let _ = MonitorConfig::from_toml(&String::from_utf8_lossy(data), "fuzz.toml");
}

/// The analytics checkpoint decoder (a checkpoint can be damaged on disk): the host analyzer's
/// when the first byte is even, the network analyzer's when odd.
pub fn checkpoint(data: &[u8]) {
    let [which, bytes @ ..] = data else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(analyzer) =
            Analyzer::restore(AnalyticsConfig::default(), Assets::default(), bytes)
        {
            std::hint::black_box(analyzer.finish());
        }
    } else if let Ok(analyzer) = NetworkAnalyzer::restore(NetworkConfig::default(), bytes) {
        std::hint::black_box(analyzer.finish());
    }
}
