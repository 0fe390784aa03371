//! Reading the alert stream back (for `ward cluster-check`, the tests and the benchmark).

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures_util::StreamExt;

use crate::ClusterError;
use crate::subjects::{ALERT_STREAM, alert_subject};

/// One stored alert: its JSON, and the JetStream times (Unix ns) of the alert and of the raw
/// event that raised it.
#[derive(Debug, Clone)]
pub struct StoredAlert {
    /// The alert as published.
    pub json: serde_json::Value,
    /// When JetStream stored the alert.
    pub stored_ns: i64,
    /// When JetStream stored the last raw event fed before the alert was raised.
    pub raw_published_ns: i64,
}

/// Every alert of `tenant` in the alert stream, in stream order; retried a few times while
/// the cluster is electing a leader (a node just died).
pub async fn read_all(
    js: &jetstream::Context,
    tenant: &str,
) -> Result<Vec<StoredAlert>, ClusterError> {
    let mut attempt = 0;
    loop {
        match read_all_once(js, tenant).await {
            Ok(alerts) => return Ok(alerts),
            Err(e) if attempt >= 10 => return Err(e),
            Err(_) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn read_all_once(
    js: &jetstream::Context,
    tenant: &str,
) -> Result<Vec<StoredAlert>, ClusterError> {
    let stream = js
        .get_stream(ALERT_STREAM)
        .await
        .map_err(|e| ClusterError::nats("opening the alert stream", e))?;
    let consumer = stream
        .create_consumer(consumer::pull::Config {
            filter_subject: alert_subject(tenant),
            ack_policy: consumer::AckPolicy::None,
            inactive_threshold: Duration::from_secs(30),
            num_replicas: 1,
            memory_storage: true,
            ..Default::default()
        })
        .await
        .map_err(|e| ClusterError::nats("reading the alert stream", e))?;
    let mut out = Vec::new();
    loop {
        let mut batch = consumer
            .fetch()
            .max_messages(1000)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .map_err(|e| ClusterError::nats("reading the alert stream", e))?;
        let mut got = 0;
        while let Some(message) = batch.next().await {
            let message = message.map_err(|e| ClusterError::nats("reading an alert", e))?;
            got += 1;
            let stored_ns = message
                .info()
                .map(|i| i.published.unix_timestamp_nanos() as i64)
                .unwrap_or_default();
            let raw_published_ns = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Ward-Raw-Published"))
                .and_then(|v| v.as_str().parse().ok())
                .unwrap_or_default();
            let json = serde_json::from_slice(&message.payload).unwrap_or(serde_json::Value::Null);
            out.push(StoredAlert {
                json,
                stored_ns,
                raw_published_ns,
            });
        }
        if got == 0 {
            return Ok(out);
        }
    }
}
