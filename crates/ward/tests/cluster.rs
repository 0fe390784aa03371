//! Ward on a real 3-node NATS JetStream cluster (three nats-server processes on loopback ports)
//! with `ward worker` processes, against `ward hunt` on the same files (what is compared:
//! `ward_cluster::compare`). Two sites: the demo outbreak and the EVTX attack samples' lateral
//! movement (../shared/data). Faults: a worker SIGKILLed mid-stream, a NATS node SIGKILLed
//! with R3 streams, everything killed and restarted between two halves of a site, an edge
//! that ships again after dying mid-ship.
//!
//! Needs nats-server (scripts/install-test-deps.sh) and the shared data; each skips with a
//! message when absent, and fails under `WARD_REQUIRE_DATA=1`. The tests take a lock and run
//! one at a time: each starts three servers and two workers on a 2-core machine.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ward_cluster::compare::{Comparison, compare};
use ward_cluster::local::{LocalCluster, UserSpec, find_server};
use ward_cluster::{Layout, SiteId};
use ward_event::Event;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

const WARD: &str = env!("CARGO_BIN_EXE_ward");

fn demo() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/outbreak")).to_path_buf()
}

/// The second site, or `None` (skipped, or a panic under WARD_REQUIRE_DATA=1).
fn lateral() -> Option<PathBuf> {
    ward_testdata::shared("evtx-attack-samples/Lateral Movement")
}

fn server_present() -> bool {
    if find_server().is_some() {
        return true;
    }
    let message = "nats-server not found: run scripts/install-test-deps.sh";
    if std::env::var_os("WARD_REQUIRE_DATA").is_some_and(|v| v == "1") {
        panic!("{message} (WARD_REQUIRE_DATA=1)");
    }
    eprintln!("SKIPPED: {message}");
    false
}

/// A site's events as `ward ship` reads them: every file, in the hunt's order.
fn events(path: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    for input in ward_ingest::discover(&[path.to_path_buf()]).unwrap() {
        ward_ingest::read_path(&input, &mut |e| events.push(e));
    }
    events.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    events
}

/// `ward hunt --format json` on `path`, with the workers' rules.
fn hunt(path: &Path) -> serde_json::Value {
    let output = Command::new(WARD)
        .arg("hunt")
        .arg(path)
        .args(["--format", "json", "--no-default-rules", "--quiet"])
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A cluster, its users and its workers; everything killed by pid when dropped.
struct Rig {
    workers: Vec<Option<Child>>,
    cluster: LocalCluster,
    operator: UserSpec,
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
}

impl Drop for Rig {
    fn drop(&mut self) {
        for i in 0..self.workers.len() {
            self.kill_worker(i);
        }
    }
}

impl Rig {
    fn start(sites: &[&SiteId], workers: usize) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let operator = UserSpec::all("worker", "worker-secret");
        let mut users = vec![operator.clone()];
        users.extend(sites.iter().map(|s| UserSpec::site(s, "edge-secret")));
        let cluster = LocalCluster::start(dir.path(), 3, &users).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut rig = Rig {
            workers: Vec::new(),
            cluster,
            operator,
            dir,
            runtime,
        };
        rig.ensure();
        for i in 0..workers {
            let child = rig.spawn_worker(i);
            rig.workers.push(Some(child));
        }
        rig
    }

    fn ensure(&self) {
        self.runtime.block_on(async {
            let js = self.operator_js().await;
            ward_cluster::setup::ensure(&js, &Layout::default())
                .await
                .unwrap();
        });
    }

    async fn operator_js(&self) -> async_nats::jetstream::Context {
        let client = ward_cluster::connect(&self.cluster.urls(), Some(&self.operator.credentials))
            .await
            .unwrap();
        async_nats::jetstream::new(client)
    }

    fn spawn_worker(&self, i: usize) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("worker-{i}.log")))
            .unwrap();
        Command::new(WARD)
            .args(["worker", "--nats", &self.cluster.urls(), "--id"])
            .arg(format!("w{i}"))
            .env("WARD_NATS_USER", &self.operator.credentials.user)
            .env("WARD_NATS_PASSWORD", &self.operator.credentials.password)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap()
    }

    /// SIGKILL, by pid.
    fn kill_worker(&mut self, i: usize) {
        if let Some(mut child) = self.workers[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Ships `events` as `site` with the site's own credentials; `after` sees the count acked.
    async fn ship(
        &self,
        site: &SiteId,
        events: &[Event],
        after: impl FnMut(u64),
    ) -> ward_cluster::ship::ShipReport {
        let user = UserSpec::site(site, "edge-secret");
        let client = ward_cluster::connect(&self.cluster.urls(), Some(&user.credentials))
            .await
            .unwrap();
        let js = async_nats::jetstream::new(client);
        ward_cluster::ship::ship(&js, site, events, after)
            .await
            .unwrap()
    }

    /// Waits until every partition has caught up with the raw stream as it is now.
    fn wait_drained(&self) {
        self.runtime.block_on(async {
            let js = self.operator_js().await;
            let handles = ward_cluster::setup::ensure(&js, &Layout::default())
                .await
                .unwrap();
            let last = ward_cluster::setup::raw_last_sequence(&js).await.unwrap();
            let deadline = Instant::now() + Duration::from_secs(120);
            while !ward_cluster::setup::drained_to(&handles, &Layout::default(), last)
                .await
                .unwrap()
            {
                assert!(
                    Instant::now() < deadline,
                    "not drained within 120 s; logs in {}",
                    self.dir.path().display()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }

    fn compare(&self, site: &SiteId, hunt: &serde_json::Value) -> Comparison {
        let alerts = self.runtime.block_on(async {
            let js = self.operator_js().await;
            ward_cluster::alerts::read_all(&js, &site.tenant)
                .await
                .unwrap()
        });
        let json: Vec<_> = alerts.into_iter().map(|a| a.json).collect();
        compare(hunt, &json, site)
    }
}

fn assert_equal(c: &Comparison, what: &str) {
    assert!(c.equal(), "{what}: {:#?}", c.differences());
    assert!(
        !c.hunt_detections.is_empty(),
        "{what}: the hunt found nothing"
    );
}

#[test]
fn two_sites_shipped_concurrently_give_each_site_its_own_hunt() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(lateral), true) = (lateral(), server_present()) else {
        return;
    };
    let a = SiteId::new("north", "outbreak").unwrap();
    let b = SiteId::new("north", "lateral").unwrap();
    let rig = Rig::start(&[&a, &b], 2);
    let (ea, eb) = (events(&demo()), events(&lateral));
    rig.runtime.block_on(async {
        let (ra, rb) = tokio::join!(rig.ship(&a, &ea, |_| {}), rig.ship(&b, &eb, |_| {}));
        assert_eq!(ra.stored as usize, ea.len());
        assert_eq!(rb.stored as usize, eb.len());
    });
    rig.wait_drained();
    assert_equal(&rig.compare(&a, &hunt(&demo())), "demo site");
    assert_equal(&rig.compare(&b, &hunt(&lateral)), "lateral-movement site");
}

#[test]
fn a_worker_killed_mid_stream_loses_and_repeats_nothing() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (Some(lateral), true) = (lateral(), server_present()) else {
        return;
    };
    let a = SiteId::new("north", "outbreak").unwrap();
    let b = SiteId::new("north", "lateral").unwrap();
    let mut rig = Rig::start(&[&a, &b], 2);
    let (ea, eb) = (events(&demo()), events(&lateral));
    // Half of each site, then worker 0 dies (SIGKILL) while the rest is shipped.
    let (ha, hb) = (ea.len() / 2, eb.len() / 2);
    rig.runtime.block_on(async {
        tokio::join!(
            rig.ship(&a, &ea[..ha], |_| {}),
            rig.ship(&b, &eb[..hb], |_| {})
        );
    });
    rig.kill_worker(0);
    rig.runtime.block_on(async {
        tokio::join!(
            rig.ship(&a, &ea[ha..], |_| {}),
            rig.ship(&b, &eb[hb..], |_| {})
        );
    });
    rig.wait_drained();
    assert_equal(&rig.compare(&a, &hunt(&demo())), "demo site");
    assert_equal(&rig.compare(&b, &hunt(&lateral)), "lateral-movement site");
    let log = std::fs::read_to_string(rig.dir.path().join("worker-1.log")).unwrap();
    let owned = log.matches("owns partition").count();
    assert!(owned >= 8, "worker 1 took every partition over:\n{log}");
}

#[test]
fn a_nats_node_killed_with_r3_streams_does_not_stop_the_work() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !server_present() {
        return;
    }
    let a = SiteId::new("north", "outbreak").unwrap();
    let mut rig = Rig::start(&[&a], 2);
    let ea = events(&demo());
    let half = ea.len() / 2;
    rig.runtime.block_on(rig.ship(&a, &ea[..half], |_| {}));
    rig.cluster.kill_node(1);
    rig.runtime.block_on(rig.ship(&a, &ea[half..], |_| {}));
    rig.wait_drained();
    assert_equal(&rig.compare(&a, &hunt(&demo())), "demo site, one node down");
}

#[test]
fn a_whole_restart_resumes_from_the_checkpoints() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !server_present() {
        return;
    }
    let a = SiteId::new("north", "outbreak").unwrap();
    let mut rig = Rig::start(&[&a], 2);
    let ea = events(&demo());
    let half = ea.len() / 2;
    rig.runtime.block_on(rig.ship(&a, &ea[..half], |_| {}));
    rig.wait_drained();
    // Everything dies at once: both workers, then the three servers (SIGKILL).
    rig.kill_worker(0);
    rig.kill_worker(1);
    for node in 0..3 {
        rig.cluster.kill_node(node);
    }
    for node in 0..3 {
        rig.cluster.start_node(node).unwrap();
    }
    for node in 0..3 {
        rig.cluster.wait_port(node).unwrap();
    }
    rig.ensure();
    for i in 0..2 {
        let child = rig.spawn_worker(i);
        rig.workers[i] = Some(child);
    }
    rig.runtime.block_on(rig.ship(&a, &ea[half..], |_| {}));
    rig.wait_drained();
    // The second half's correlations and analytics need the first half's state: equal to the
    // hunt over the whole site only if the checkpoints were resumed.
    assert_equal(
        &rig.compare(&a, &hunt(&demo())),
        "demo site across a restart",
    );
}

#[test]
fn an_edge_restarted_mid_ship_leaves_no_gap_and_no_duplicate() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    if !server_present() {
        return;
    }
    let a = SiteId::new("north", "outbreak").unwrap();
    let rig = Rig::start(&[&a], 2);
    let ea = events(&demo());
    let cut = ea.len() * 3 / 5;
    // The edge dies after 60 %, comes back and ships everything again from the start.
    let first = rig.runtime.block_on(rig.ship(&a, &ea[..cut], |_| {}));
    let again = rig.runtime.block_on(rig.ship(&a, &ea, |_| {}));
    assert_eq!(first.stored as usize, cut);
    assert_eq!(
        again.duplicates as usize, cut,
        "the resent events were dropped"
    );
    assert_eq!(again.stored as usize, ea.len() - cut);
    rig.wait_drained();
    assert_equal(
        &rig.compare(&a, &hunt(&demo())),
        "demo site, edge restarted",
    );
}
