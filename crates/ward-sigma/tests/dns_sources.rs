//! One SigmaHQ `dns` rule (WannaCry's kill-switch domains) fires alike on Sysmon 22, Zeek DNS
//! and Suricata EVE DNS: the mapping gives Sysmon's `QueryName` the Sigma name `query` that
//! the network readers set.

use ward_event::{Event, FieldList, LogSource, Timestamp, Value};
use ward_sigma::{Mapping, RuleSetBuilder};

const DOMAIN: &str = "iuqssfsodp9ifjaposdfjhgosurijfaewrwergwea.com";

fn sysmon_22(name: &str) -> Event {
    let mut f = FieldList::default();
    f.push("QueryName", Value::from(name));
    f.push("QueryStatus", Value::from("0"));
    f.push("Image", Value::from("C:\\Windows\\mssecsvc.exe"));
    Event::new(
        Timestamp::from_nanos(1_700_000_000_000_000_000),
        "WARD-PC1",
        LogSource::windows(
            "Microsoft-Windows-Sysmon/Operational",
            "Microsoft-Windows-Sysmon",
            22,
        ),
        f,
    )
}

fn network(name: &str, log: &str) -> Vec<Event> {
    let mut events = Vec::new();
    let reports = ward_ingest::read_reader(
        name,
        Box::new(std::io::Cursor::new(log.to_string())),
        &mut |e| events.push(e),
    );
    assert_eq!(reports.first().map(|r| r.bad_records), Some(0), "{name}");
    events
}

#[test]
fn wannacry_killswitch_rule_fires_on_sysmon_zeek_and_suricata() {
    let Some(path) =
        ward_testdata::shared("sigma/rules/network/dns/net_dns_wannacry_killswitch_domain.yml")
    else {
        return;
    };
    let mut b = RuleSetBuilder::new(Mapping::builtin());
    b.add_yaml(
        "wannacry.yml",
        &std::fs::read_to_string(&path).expect("rule readable"),
    );
    let (set, report) = b.build();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(set.len(), 1);

    let zeek = format!(
        r#"{{"ts":1700000000.5,"uid":"C1","id.orig_h":"10.0.0.5","id.orig_p":5353,"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","query":"{DOMAIN}","qtype_name":"A","rcode_name":"NOERROR"}}
{{"ts":1700000001.5,"uid":"C2","id.orig_h":"10.0.0.5","id.orig_p":5353,"id.resp_h":"10.0.0.53","id.resp_p":53,"proto":"udp","query":"www.nhs.uk","qtype_name":"A","rcode_name":"NOERROR"}}
"#
    );
    let suricata = format!(
        r#"{{"timestamp":"2023-11-14T22:13:20.000000+0000","event_type":"dns","src_ip":"10.0.0.6","src_port":5353,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":1,"rrname":"{DOMAIN}","rrtype":"A","tx_id":0}}}}
{{"timestamp":"2023-11-14T22:13:21.000000+0000","event_type":"dns","src_ip":"10.0.0.6","src_port":5353,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":2,"rrname":"www.nhs.uk","rrtype":"A","tx_id":0}}}}
"#
    );
    let sources: [(&str, Vec<Event>); 3] = [
        (
            "sysmon 22",
            vec![sysmon_22(DOMAIN), sysmon_22("www.nhs.uk")],
        ),
        ("zeek dns", network("dns.log", &zeek)),
        ("suricata eve", network("eve.json", &suricata)),
    ];
    for (what, events) in &sources {
        assert_eq!(events.len(), 2, "{what}");
        let hits: Vec<bool> = events
            .iter()
            .map(|e| {
                let mut n = 0;
                set.matches(e, &mut |_| n += 1);
                n == 1
            })
            .collect();
        assert_eq!(
            hits,
            [true, false],
            "{what}: {:?}",
            events.first().map(|e| &e.source)
        );
    }
}
