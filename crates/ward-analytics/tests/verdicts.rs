//! Cluster verdicts on small hand-made outbreaks: a signed admin tool pushed by one source is
//! `likely-admin`, the same with follow-up or from several sources is `suspicious`, and hops
//! from hosts that were themselves reached make a `worm`.

use ward_analytics::case::{Cluster, Evidence};
use ward_analytics::facts::{Account, Fact, Logon, ProcessCreation, ServiceInstall, ShareAccess};
use ward_analytics::network::{FactOrigin, Flow, NetFact, WebRequest};
use ward_analytics::{AnalyticsConfig, Analyzer, Assets};
use ward_event::Timestamp;

const T0: i64 = 1_772_440_000;

fn ev(t: i64, host: &str, kind: &str) -> Evidence {
    Evidence {
        time: Timestamp::from_nanos((T0 + t) * 1_000_000_000),
        host: host.into(),
        kind: kind.into(),
        ..Evidence::default()
    }
}

fn ip(host: &str) -> String {
    format!(
        "10.0.0.{}",
        host.bytes().map(u32::from).sum::<u32>() % 250 + 1
    )
}

/// `from` logs on to `to` as `user`, copies `file` to ADMIN$ and installs `service` from it.
fn hop(t: i64, from: &str, to: &str, user: &str, service: &str, file: &str) -> Vec<Fact> {
    let image = format!("%SystemRoot%\\{file}");
    install(t, (from, to), user, service, file, &image)
}

/// `from` logs on to `to` as `user`, writes `written` under ADMIN$ and installs `service` with
/// the image path `image`.
fn install(
    t: i64,
    (from, to): (&str, &str),
    user: &str,
    service: &str,
    written: &str,
    image: &str,
) -> Vec<Fact> {
    let account = Account {
        domain: "CLINIC".into(),
        user: user.into(),
        sid: None,
    };
    let lid = format!("{:#x}", 0x1000 + t);
    vec![
        Fact::Logon(Logon {
            evidence: ev(t, to, "4624"),
            success: true,
            logon_type: 3,
            account: account.clone(),
            source_ip: Some(ip(from)),
            workstation: Some(from.into()),
            logon_id: Some(lid.clone()),
            auth: Default::default(),
        }),
        Fact::ShareAccess(ShareAccess {
            evidence: ev(t + 1, to, "5145"),
            share: "ADMIN$".into(),
            relative_target: Some(written.into()),
            write: true,
            source_ip: Some(ip(from)),
            account,
            logon_id: Some(lid),
        }),
        Fact::ServiceInstall(ServiceInstall {
            evidence: ev(t + 3, to, "7045"),
            service: service.into(),
            image_path: image.into(),
            service_account: Some("LocalSystem".into()),
            subject: None,
            logon_id: None,
        }),
    ]
}

/// Five discovery commands on `host` from one parent.
fn recon(t: i64, host: &str) -> Vec<Fact> {
    [
        "ipconfig /all",
        "net view",
        "net user",
        "systeminfo",
        "tasklist /v",
    ]
    .iter()
    .enumerate()
    .map(|(i, cmd)| {
        Fact::ProcessCreation(ProcessCreation {
            evidence: ev(t + i as i64, host, "4688"),
            image: format!(
                "C:\\Windows\\System32\\{}.exe",
                cmd.split(' ').next().unwrap_or("x")
            ),
            command_line: (*cmd).into(),
            parent_image: Some("C:\\Windows\\PSEXESVC.exe".into()),
            process_key: Some(format!("{}", 9000 + i)),
            parent_key: Some("4242".into()),
            user: None,
            logon_id: None,
        })
    })
    .collect()
}

fn clusters(facts: Vec<Vec<Fact>>) -> Vec<Cluster> {
    clusters_with("hostname,ip,role,clinical\n", facts)
}

/// Clusters with an assets file's text.
fn clusters_with(assets: &str, facts: Vec<Vec<Fact>>) -> Vec<Cluster> {
    let assets = Assets::from_csv_reader(assets.as_bytes()).expect("assets");
    let mut all: Vec<Fact> = facts.into_iter().flatten().collect();
    all.sort_by_key(Fact::time);
    let mut a = Analyzer::new(AnalyticsConfig::default(), assets);
    for f in &all {
        a.feed(f);
    }
    a.finish().spread.clusters
}

#[test]
fn one_admin_pushing_psexec_is_likely_admin() {
    let c = clusters(vec![
        hop(
            0,
            "ADMIN-PC",
            "LAB-1",
            "it.admin",
            "PSEXESVC",
            "PSEXESVC.exe",
        ),
        hop(
            100,
            "ADMIN-PC",
            "LAB-2",
            "it.admin",
            "PSEXESVC",
            "PSEXESVC.exe",
        ),
        hop(
            200,
            "ADMIN-PC",
            "LAB-3",
            "it.admin",
            "PSEXESVC",
            "PSEXESVC.exe",
        ),
    ]);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].verdict, "likely-admin");
    assert_eq!(
        c[0].reasons,
        [
            "likely-admin: nothing a worm does once it lands, one source, and the evidence for \
             administration (5, 3 needed) outweighs that for a worm (0)",
            "admin +1: named service or admin account: CLINIC\\it.admin",
            "admin +1: signed admin tool psexesvc",
            "admin +1: the same name on all 3 targets",
            "admin +1: all hops in one time window",
            "admin +1: no follow-up activity on the targets",
        ]
    );
}

#[test]
fn psexec_followed_by_recon_is_suspicious() {
    let c = clusters(vec![
        hop(
            0,
            "ADMIN-PC",
            "LAB-1",
            "it.admin",
            "PSEXESVC",
            "PSEXESVC.exe",
        ),
        recon(30, "LAB-1"),
    ]);
    assert_eq!(c[0].verdict, "suspicious");
    assert_eq!(
        c[0].reasons,
        [
            "suspicious: the hosts did what a worm does once it lands, but the evidence for a \
             worm (2, 3 needed) does not outweigh that for administration (3)",
            "worm +2: follow-up on 1 host: recon bursts (1)",
            "admin +1: named service or admin account: CLINIC\\it.admin",
            "admin +1: signed admin tool psexesvc",
            "admin +1: all hops in one time window",
        ]
    );
}

#[test]
fn psexec_from_two_sources_is_suspicious() {
    let c = clusters(vec![
        hop(
            0,
            "ADMIN-PC",
            "LAB-1",
            "it.admin",
            "PSEXESVC",
            "PSEXESVC.exe",
        ),
        hop(
            100,
            "NURSE-PC",
            "LAB-2",
            "nurse",
            "PSEXESVC",
            "PSEXESVC.exe",
        ),
    ]);
    assert_eq!(c[0].verdict, "suspicious");
    assert_eq!(
        c[0].reasons,
        [
            "suspicious: the evidence points to administration (4 against 0), but from 2 \
             sources that are not all management servers",
            "admin +1: signed admin tool psexesvc",
            "admin +1: the same name on all 2 targets",
            "admin +1: all hops in one time window",
            "admin +1: no follow-up activity on the targets",
        ]
    );
}

#[test]
fn hops_from_reached_hosts_make_a_worm() {
    let c = clusters(vec![
        hop(0, "WS-1", "FS-1", "WS-1$", "Svc1", "a.exe"),
        hop(300, "FS-1", "MRI-1", "FS-1$", "Svc1", "b.exe"),
        // A hop out of a host before it was reached is not multi-hop evidence on its own.
        hop(400, "XRAY-1", "KIOSK-1", "XRAY-1$", "Other", "c.exe"),
    ]);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].verdict, "worm");
    assert_eq!(c[0].patient_zero.as_deref(), Some("WS-1"));
    assert_eq!(
        c[0].reasons,
        [
            "worm: the hosts did what a worm does once it lands (relay, follow-up or C2), and \
             the evidence for a worm (5, 3 needed) outweighs that for administration (1)",
            "worm +3: multi-hop: FS-1 reached from WS-1, then reached MRI-1",
            "worm +1: remote actor is a machine account or SYSTEM, not a person or a service \
             account",
            "worm +1: names vary from host to host: 1 service name(s), 2 file name(s)",
            "admin +1: all hops in one time window",
        ]
    );
    let hosts: Vec<&str> = c[0].hosts.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(hosts, ["WS-1", "FS-1", "MRI-1"]);
    assert_eq!(c[1].verdict, "suspicious");
}

fn flow(t: i64, src: &str, dst: &str, port: u16, failed: bool) -> Flow {
    Flow {
        time: Timestamp::from_nanos((T0 + t) * 1_000_000_000),
        src: src.parse().expect("src"),
        dst: Some(dst.parse().expect("dst")),
        dst_name: None,
        dport: Some(port),
        proto: "tcp".into(),
        bytes: None,
        duration: None,
        failed,
        origin: FactOrigin {
            kind: "zeek/conn".into(),
            ..FactOrigin::default()
        },
    }
}

fn c2(t: i64, src: &str) -> NetFact {
    let web = WebRequest {
        method: "GET".into(),
        host: "203.0.113.9".into(),
        path: "/index.php".into(),
        query: "q=aGVsbG8gd29ybGQgZnJvbSBrd2FtcGlycw".into(),
        status: Some(200),
    };
    NetFact::WebRequest(flow(t, src, "203.0.113.9", 80, false), web)
}

#[test]
fn network_evidence_needs_an_infected_source_then_a_call_out() {
    let mut host: Vec<Fact> = hop(0, "WS-1", "FS-1", "WS-1$", "Svc1", "a.exe");
    host.extend(hop(300, "FS-1", "MRI-1", "FS-1$", "Svc1", "b.exe"));
    host.sort_by_key(Fact::time);
    let (fs, mri) = (ip("FS-1"), ip("MRI-1"));
    let mut net = [
        // Reached over SMB by the infected file server, then calls out: joins.
        NetFact::Connection(flow(400, &fs, "10.9.9.1", 445, false)),
        c2(500, "10.9.9.1"),
        // Called out before anyone reached it: not this worm's doing.
        c2(100, "10.9.9.2"),
        NetFact::Connection(flow(400, &fs, "10.9.9.2", 445, false)),
        // Reached by MRI-1 before MRI-1 was infected.
        NetFact::Connection(flow(200, &mri, "10.9.9.3", 445, false)),
        c2(500, "10.9.9.3"),
        // The SMB session was refused.
        NetFact::Connection(flow(400, &fs, "10.9.9.4", 445, true)),
        c2(500, "10.9.9.4"),
    ];
    net.sort_by_key(|n| n.time());
    let mut a = Analyzer::new(AnalyticsConfig::default(), Assets::default());
    let mut flows = net.iter().peekable();
    for f in &host {
        while let Some(n) = flows.next_if(|n| n.time() <= f.time()) {
            a.feed_network(n);
        }
        a.feed(f);
    }
    flows.for_each(|n| a.feed_network(n));
    let out = a.finish();
    let worm = &out.spread.clusters[0];
    assert_eq!(worm.verdict, "worm");
    let hosts: Vec<&str> = worm.hosts.iter().map(|h| h.host.as_str()).collect();
    assert_eq!(hosts, ["WS-1", "FS-1", "MRI-1", "10.9.9.1"]);
    let added = &worm.hosts[3];
    assert_eq!(
        added.infected_at,
        Some(Timestamp::from_nanos((T0 + 400) * 1_000_000_000))
    );
    let last = worm.edges.last().expect("edge");
    // The file server's address is named from the logons it made.
    assert_eq!((last.from.as_str(), last.to.as_str()), ("FS-1", "10.9.9.1"));
    assert_eq!(
        worm.reasons.last().map(String::as_str),
        Some(
            "network-evidenced: 10.9.9.1 reached over SMB from FS-1, then 1 C2-like \
             request(s) to 203.0.113.9"
        )
    );
}

/// A client push to `n` workstations from `server`, a minute apart, as `user`.
fn push(server: &str, n: usize, user: &str) -> Vec<Vec<Fact>> {
    (0..n)
        .map(|i| {
            install(
                60 * i as i64,
                (server, &format!("WS-{i:02}")),
                user,
                "ccmsetup",
                "ccmsetup\\ccmsetup.exe",
                "C:\\Windows\\ccmsetup\\ccmsetup.exe /service",
            )
        })
        .collect()
}

#[test]
fn a_client_push_from_a_deployment_server_is_likely_admin_even_as_its_machine_account() {
    // SCCM falls back to the site server's computer account when no push account is set.
    let assets = "hostname,ip,role,clinical\nSCCM-01,,deployment,false\n";
    let c = clusters_with(assets, push("SCCM-01", 12, "SCCM-01$"));
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].verdict, "likely-admin", "{:#?}", c[0].reasons);
    assert!(c[0].reasons.iter().any(|r| r.starts_with(
        "admin +2: pushed from management server(s) SCCM-01 (assets role deployment)"
    )));
    assert!(c[0]
        .reasons
        .iter()
        .any(|r| r == "admin +2: installed under a vendor path: C:\\Windows\\ccmsetup\\ccmsetup.exe /service"));
}

#[test]
fn a_push_learned_from_its_shape_is_likely_admin_and_later_worm_hosts_do_not_change_it() {
    // No assets role: one source reaching 12 hosts inside one window is learned. Three of the
    // targets are later reached by a worm and survey themselves: a quarter of the cluster.
    let mut facts = push("PKG-SRV", 12, "svc_deploy");
    for (i, t) in [(1, 90_000), (2, 90_600), (3, 91_200)] {
        facts.push(hop(
            t,
            "WS-66",
            &format!("WS-{i:02}"),
            "WS-66$",
            "WmiApSrvEx",
            "wmiapsrvex.exe",
        ));
        facts.push(recon(t + 30, &format!("WS-{i:02}")));
    }
    let c = clusters(facts);
    let push = c
        .iter()
        .find(|c| c.artefact == "service:ccmsetup")
        .expect("push cluster");
    assert_eq!(push.verdict, "likely-admin", "{:#?}", push.reasons);
    assert!(push.reasons.iter().any(|r| r
        == "admin +1: PKG-SRV acts as a management server (learned): pushed to 12 hosts within 4 h"));
    assert!(
        push.reasons
            .iter()
            .any(|r| r.starts_with("worm (not weighed): follow-up on 3 hosts"))
    );
    let worm = c
        .iter()
        .find(|c| c.artefact == "service:WmiApSrvEx")
        .expect("worm cluster");
    assert_ne!(worm.verdict, "likely-admin");
}
