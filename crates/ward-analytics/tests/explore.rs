mod common;
use ward_analytics::Assets;

#[test]
#[ignore]
fn explore() {
    let dir = std::path::PathBuf::from(std::env::var("WARD_EXPLORE").unwrap());
    let assets = match std::fs::File::open(dir.join("assets.csv")) {
        Ok(f) => Assets::from_csv_reader(f).unwrap(),
        Err(_) => Assets::default(),
    };
    let events = common::read_events(&[dir.clone()]);
    eprintln!("{} events", events.len());
    let out = common::analyze(&events, assets);
    for f in &out.findings {
        eprintln!(
            "FINDING {} {} {} {}",
            f.analytic, f.host, f.first_seen, f.title
        );
    }
    for c in &out.spread.clusters {
        eprintln!(
            "CLUSTER {} {} {} pz={:?} reasons={:?}",
            c.id, c.artefact, c.verdict, c.patient_zero, c.reasons
        );
        for h in &c.hosts {
            eprintln!(
                "  HOST {} {:?} {:?} clinical={} ips={:?}",
                h.host, h.infected_at, h.role, h.clinical, h.ips
            );
        }
        for e in &c.edges {
            eprintln!(
                "  EDGE {} -> {} {:?} {:?} ev={}",
                e.from,
                e.to,
                e.time,
                e.account,
                e.evidence.len()
            );
        }
        for a in &c.failed_attempts {
            eprintln!("  FAILED {} -> {} {:?}", a.from, a.to, a.time);
        }
    }
    for a in &out.accounts.reset {
        eprintln!("RESET {} {:?} {:?}", a.account, a.hosts, a.logon_types);
    }
    for a in &out.accounts.review {
        eprintln!("REVIEW {} {:?} {:?}", a.account, a.hosts, a.logon_types);
    }
}
