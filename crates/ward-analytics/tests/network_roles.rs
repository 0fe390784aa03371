//! Network roles: a web proxy's upstream traffic and a monitoring server's polls are not
//! attacks, whether the role comes from the assets file or from the traffic; a worm's beacon
//! through the proxy and a workstation's scan are still found.

use std::sync::Arc;
use ward_analytics::Assets;
use ward_analytics::case::Finding;
use ward_analytics::network::{
    AssetRoles, FactOrigin, Flow, NetFact, NetworkAnalyzer, NetworkConfig, WebRequest,
};
use ward_event::{Level, Timestamp};

const START: i64 = 1_772_000_000;
const PROXY: &str = "10.0.0.8";
const MONITOR: &str = "10.0.0.20";

fn flow(secs: i64, src: &str, dst: &str, port: u16, failed: bool) -> Flow {
    Flow {
        time: Timestamp::from_nanos((START + secs) * 1_000_000_000),
        src: src.parse().expect("address"),
        dst: Some(dst.parse().expect("address")),
        dst_name: None,
        dport: Some(port),
        proto: Arc::from(if port == 0 { "icmp" } else { "tcp" }),
        bytes: Some(700),
        duration: Some(0.3),
        failed,
        origin: FactOrigin {
            file: Arc::from("firewall.log"),
            position: secs as u64,
            kind: Arc::from("firewall"),
        },
    }
}

fn conn(secs: i64, src: &str, dst: &str, port: u16, failed: bool) -> NetFact {
    NetFact::Connection(flow(secs, src, dst, port, failed))
}

/// A Squid line: the client is the source, the upstream address the destination.
fn proxied(secs: i64, client: &str, upstream: &str, path: &str, query: &str) -> NetFact {
    let mut f = flow(secs, client, upstream, 80, false);
    f.dst_name = Some(Arc::from(upstream));
    f.origin.kind = Arc::from("squid/proxy");
    let web = WebRequest {
        method: "GET".into(),
        host: upstream.into(),
        path: path.into(),
        query: query.into(),
        status: Some(200),
    };
    NetFact::WebRequest(f, web)
}

fn external(i: u32) -> String {
    format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1)
}

/// The proxy's day: `clients` workstations use it on :3128 every few minutes, and it opens
/// 443 connections to 400 external addresses (one every 10 s, so 30 in any 5 minutes) plus a
/// burst of failed ones (dead upstreams).
fn proxy_day(clients: u32) -> Vec<NetFact> {
    let mut facts = Vec::new();
    for i in 0..400u32 {
        facts.push(conn(i64::from(i) * 10, PROXY, &external(i), 443, false));
    }
    for i in 0..6u32 {
        facts.push(conn(
            2_000 + i64::from(i),
            PROXY,
            &external(500 + i),
            80,
            true,
        ));
    }
    for c in 0..clients {
        for k in 0..20i64 {
            let t = k * 200 + i64::from(c) * 7;
            facts.push(conn(t, &format!("10.1.0.{}", c + 10), PROXY, 3128, false));
        }
    }
    facts
}

/// Ten workstations that each browse a couple of external sites directly.
fn direct_browsing() -> Vec<NetFact> {
    (0..10u32)
        .flat_map(|w| {
            (0..2u32).map(move |k| {
                let t = i64::from(w * 300 + k * 50);
                conn(
                    t,
                    &format!("10.1.1.{}", w + 10),
                    &external(900 + w),
                    443,
                    false,
                )
            })
        })
        .collect()
}

fn analyse(mut facts: Vec<NetFact>, roles: AssetRoles) -> Vec<Finding> {
    facts.sort_by_key(|f| f.time());
    let mut analyzer = NetworkAnalyzer::new(NetworkConfig::default()).with_roles(roles);
    for f in &facts {
        analyzer.feed(f);
    }
    analyzer.finish()
}

fn of<'a>(findings: &'a [Finding], analytic: &str, host: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.analytic == analytic && f.host == host)
        .collect()
}

fn role_of(f: &Finding) -> &str {
    f.details.get("role").and_then(|v| v.as_str()).unwrap_or("")
}

/// Its upstream traffic raises nothing; one informational finding says why.
fn assert_quiet_proxy(found: &[Finding], basis: &str) {
    for analytic in [
        "scan-horizontal",
        "scan-vertical",
        "smb-fan-out",
        "c2-fallback",
    ] {
        assert!(
            of(found, analytic, PROXY).is_empty(),
            "{analytic}: {found:#?}"
        );
    }
    let role = of(found, "network-role", PROXY);
    let [role] = role.as_slice() else {
        panic!("one role finding: {found:#?}")
    };
    assert_eq!(role.level, Level::Informational);
    assert!(
        role_of(role).starts_with("web proxy ("),
        "{}",
        role_of(role)
    );
    assert!(role_of(role).contains(basis), "{}", role_of(role));
    assert!(
        role.title
            .contains("upstream destinations not scored as scans")
    );
    assert!(role.details["dropped"]["c2-fallback"].as_u64() == Some(1));
}

#[test]
fn a_proxy_learned_from_its_clients_is_not_a_scanner() {
    let found = analyse(proxy_day(30), AssetRoles::default());
    assert_quiet_proxy(&found, "learned: 30 clients on :3128");
}

#[test]
fn a_proxy_learned_from_its_upstream_alone_is_not_a_scanner() {
    // An edge firewall's view: no client connections, but the proxy reaches far more web
    // servers than any workstation.
    let mut facts = proxy_day(0);
    facts.extend(direct_browsing());
    let found = analyse(facts, AssetRoles::default());
    assert_quiet_proxy(
        &found,
        "external web destinations, most internal hosts reach few",
    );
}

#[test]
fn a_proxy_named_in_the_assets_file_is_not_a_scanner() {
    let csv = format!("hostname,ip,role,clinical\nproxy-01,{PROXY},web-proxy,false\n");
    let assets = Assets::from_csv_reader(csv.as_bytes()).expect("assets");
    let found = analyse(proxy_day(0), AssetRoles::from_assets(&assets));
    assert_quiet_proxy(&found, "assets: role `web-proxy`");
}

#[test]
fn without_a_role_the_same_traffic_is_a_scan() {
    let found = analyse(proxy_day(0), AssetRoles::default());
    assert!(!of(&found, "scan-horizontal", PROXY).is_empty());
    assert!(!of(&found, "c2-fallback", PROXY).is_empty());
}

/// The monitoring server pings and polls SNMP on 15 hosts every 5 minutes for 3 hours.
fn monitoring_polls() -> Vec<NetFact> {
    let mut facts = Vec::new();
    for beat in 0..36i64 {
        for h in 0..15u32 {
            let t = beat * 300 + i64::from(h);
            facts.push(conn(t, MONITOR, &format!("10.2.0.{}", h + 10), 161, false));
        }
    }
    facts
}

#[test]
fn a_monitoring_server_polls_are_counted_not_scored() {
    let found = analyse(monitoring_polls(), AssetRoles::default());
    let from_monitor: Vec<&Finding> = found.iter().filter(|f| f.host == MONITOR).collect();
    let [role] = from_monitor.as_slice() else {
        panic!("only the role finding: {found:#?}")
    };
    assert_eq!(role.analytic, "network-role");
    assert_eq!(role.level, Level::Informational);
    assert!(
        role_of(role).starts_with("monitoring server (learned: polls about 15 internal hosts"),
        "{}",
        role_of(role)
    );
    assert_eq!(role.details["dropped"]["beacon"].as_u64(), Some(15));
    assert!(
        role.title
            .contains("its polls of about 15 internal hosts not scored as scans or beacons"),
        "{}",
        role.title
    );
}

#[test]
fn a_workstation_beacon_to_an_internal_host_is_capped_at_low() {
    let facts: Vec<NetFact> = (0..30i64)
        .map(|k| conn(k * 600, "10.1.0.5", "10.2.0.9", 445, false))
        .collect();
    let found = analyse(facts, AssetRoles::default());
    let [beacon] = of(&found, "beacon", "10.1.0.5")[..] else {
        panic!("{found:#?}")
    };
    assert_eq!(beacon.level, Level::Low);
    assert!(beacon.details.contains_key("level_reason"));

    // On a port no internal service uses, regularity is enough again.
    let facts: Vec<NetFact> = (0..30i64)
        .map(|k| conn(k * 600, "10.1.0.5", "10.2.0.9", 4444, false))
        .collect();
    let found = analyse(facts, AssetRoles::default());
    let [beacon] = of(&found, "beacon", "10.1.0.5")[..] else {
        panic!("{found:#?}")
    };
    assert_eq!(beacon.level, Level::High);
    assert_eq!(
        beacon.details["corroborated_by"].as_str(),
        Some("unusual port 4444")
    );
}

#[test]
fn a_worm_beacon_through_the_proxy_is_found_for_the_client() {
    const CLIENT: &str = "10.1.0.23";
    const C2: &str = "185.100.87.202";
    let mut facts = proxy_day(30);
    for k in 0..24i64 {
        let t = k * 3_600;
        let query = "q=aGVsbG8gd29ybGQgZnJvbSBrd2FtcGlycw==";
        facts.push(proxied(t, CLIENT, C2, "/groupmgr/index.php", query));
        // The same request leaves through the proxy.
        facts.push(conn(t + 2, PROXY, C2, 80, false));
    }
    let found = analyse(facts, AssetRoles::default());
    for analytic in ["beacon", "http-ip-literal", "encoded-query"] {
        let hits = of(&found, analytic, CLIENT);
        assert_eq!(hits.len(), 1, "{analytic}: {found:#?}");
        assert!(hits[0].level >= Level::Medium, "{analytic}: {:?}", hits[0]);
        assert!(!hits[0].details.contains_key("role"));
    }
    assert_eq!(of(&found, "beacon", CLIENT)[0].level, Level::High);
    // The proxy's copy of it is context, not a second infected host.
    for b in of(&found, "beacon", PROXY) {
        assert_eq!(b.level, Level::Informational);
        assert!(role_of(b).contains("relayed for an internal client"));
    }
}

#[test]
fn a_workstation_scan_is_still_a_scan_beside_a_proxy_and_a_poller() {
    const WORM: &str = "10.1.0.66";
    let mut facts = proxy_day(30);
    facts.extend(monitoring_polls());
    for i in 0..40u32 {
        let dst = format!("10.3.{}.{}", i / 200, i % 200 + 1);
        facts.push(conn(5_000 + i64::from(i), WORM, &dst, 445, true));
    }
    let found = analyse(facts, AssetRoles::default());
    let scans = of(&found, "scan-horizontal", WORM);
    assert_eq!(scans.len(), 1, "{found:#?}");
    assert_eq!(scans[0].level, Level::High);
    assert!(!scans[0].details.contains_key("role"));
    assert_eq!(of(&found, "smb-fan-out", WORM)[0].level, Level::High);
    let hosts: Vec<&str> = found
        .iter()
        .filter(|f| f.level >= Level::Medium)
        .map(|f| f.host.as_str())
        .collect();
    assert!(hosts.iter().all(|h| *h == WORM), "{hosts:?}");
}

#[test]
fn a_monitoring_server_checking_in_with_its_vendor_is_low_but_its_c2_is_not() {
    let mut facts = monitoring_polls();
    for k in 0..24i64 {
        // Squid names the host it fetched from; the address is the upstream's.
        let NetFact::WebRequest(mut f, mut web) =
            proxied(k * 450 + 3, MONITOR, "203.0.113.50", "/check", "")
        else {
            unreachable!("proxied makes web requests")
        };
        f.dst_name = Some(Arc::from("updates.vendor.example"));
        web.host = "updates.vendor.example".into();
        facts.push(NetFact::WebRequest(f, web));
    }
    let found = analyse(facts.clone(), AssetRoles::default());
    let [vendor] = of(&found, "beacon", MONITOR)[..] else {
        panic!("{found:#?}")
    };
    assert_eq!(vendor.level, Level::Low);
    assert!(
        vendor.details["level_reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("monitoring server (learned")),
        "{vendor:?}"
    );

    // The same clockwork to an IP literal with an encoded query is an implant's, role or not.
    for k in 0..24i64 {
        let query = "q=aGVsbG8gd29ybGQgZnJvbSBrd2FtcGlycw==";
        facts.push(proxied(
            k * 450 + 5,
            MONITOR,
            "185.100.87.202",
            "/index.php",
            query,
        ));
    }
    facts.sort_by_key(|f| f.time());
    let found = analyse(facts, AssetRoles::default());
    let c2 = of(&found, "beacon", MONITOR)
        .into_iter()
        .find(|b| {
            b.details["destination"]
                .as_str()
                .is_some_and(|d| d.starts_with("185."))
        })
        .expect("C2 beacon");
    assert_eq!(c2.level, Level::High, "{c2:?}");
}

#[test]
fn a_workstation_checking_in_with_a_named_vendor_host_is_low_unless_the_query_is_encoded() {
    const AGENT: &str = "10.1.0.77";
    let named = |k: i64, query: &str| {
        let NetFact::WebRequest(mut f, mut web) =
            proxied(k * 3_600, AGENT, "203.0.113.80", "/api/checkin", query)
        else {
            unreachable!("proxied makes web requests")
        };
        f.dst_name = Some(Arc::from("agent.vendor.example"));
        web.host = "agent.vendor.example".into();
        NetFact::WebRequest(f, web)
    };
    let found = analyse(
        (0..24).map(|k| named(k, "v=2")).collect(),
        AssetRoles::default(),
    );
    let [beacon] = of(&found, "beacon", AGENT)[..] else {
        panic!("{found:#?}")
    };
    assert_eq!(beacon.level, Level::Low);
    assert!(beacon.details.contains_key("level_reason"));

    // The same clock with an encoded query string is how Kwampirs-like implants call home.
    let query = "q=aGVsbG8gd29ybGQgZnJvbSBrd2FtcGlycw==";
    let found = analyse(
        (0..24).map(|k| named(k, query)).collect(),
        AssetRoles::default(),
    );
    let [beacon] = of(&found, "beacon", AGENT)[..] else {
        panic!("{found:#?}")
    };
    assert!(beacon.level >= Level::Medium, "{beacon:?}");
}
