//! A partition's checkpoint: the raw stream sequence it covers, and per site the detector's
//! own checkpoint (the monitor's, postcard and JSON sections) and the alert keys raised so far.
//! Stored whole as one object (`partition-<N>`) in the checkpoint store.

use async_nats::jetstream::object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

use crate::ClusterError;

/// Version byte in front of every checkpoint.
const CHECKPOINT_VERSION: u8 = 1;

/// Everything a new owner needs to resume a partition exactly where the old one stopped.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PartitionCheckpoint {
    /// Raw stream sequence of the last event the state includes.
    pub stream_seq: u64,
    /// One entry per site seen in the partition.
    pub sites: Vec<SiteCheckpoint>,
}

/// One site's state.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SiteCheckpoint {
    /// Tenant name.
    pub tenant: String,
    /// Site name.
    pub site: String,
    /// The detector's checkpoint.
    pub detector: Vec<u8>,
    /// Alert keys already published (raised again later, they are not republished).
    pub raised: Vec<String>,
}

fn object_name(partition: u32) -> String {
    format!("partition-{partition}")
}

/// Loads partition `partition`'s checkpoint; an empty one when there is none yet.
pub async fn load(
    store: &ObjectStore,
    partition: u32,
) -> Result<PartitionCheckpoint, ClusterError> {
    let mut object = match store.get(object_name(partition)).await {
        Ok(object) => object,
        Err(e) if e.kind() == async_nats::jetstream::object_store::GetErrorKind::NotFound => {
            return Ok(PartitionCheckpoint::default());
        }
        Err(e) => return Err(ClusterError::nats("reading a checkpoint", e)),
    };
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| ClusterError::nats("reading a checkpoint", e))?;
    decode(&bytes)
}

/// Stores partition `partition`'s checkpoint, replacing the previous one.
pub async fn store(
    store: &ObjectStore,
    partition: u32,
    checkpoint: &PartitionCheckpoint,
) -> Result<(), ClusterError> {
    let bytes = encode(checkpoint);
    store
        .put(object_name(partition).as_str(), &mut bytes.as_slice())
        .await
        .map_err(|e| ClusterError::nats("writing a checkpoint", e))?;
    Ok(())
}

/// The checkpoint's bytes.
pub fn encode(checkpoint: &PartitionCheckpoint) -> Vec<u8> {
    let mut out = vec![CHECKPOINT_VERSION];
    out.extend(postcard::to_stdvec(checkpoint).unwrap_or_default());
    out
}

/// A checkpoint from its bytes; an error when damaged or of another version.
pub fn decode(bytes: &[u8]) -> Result<PartitionCheckpoint, ClusterError> {
    match bytes.split_first() {
        Some((&CHECKPOINT_VERSION, body)) => postcard::from_bytes(body)
            .map_err(|e| ClusterError::Wire(format!("damaged partition checkpoint: {e}"))),
        _ => Err(ClusterError::Wire(
            "partition checkpoint of another Ward version".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_and_damage_is_an_error() {
        let checkpoint = PartitionCheckpoint {
            stream_seq: 41,
            sites: vec![SiteCheckpoint {
                tenant: "t".into(),
                site: "s".into(),
                detector: vec![1, 2, 3],
                raised: vec!["rule|HOST|Security|7".into()],
            }],
        };
        let bytes = encode(&checkpoint);
        let back = decode(&bytes).unwrap();
        assert_eq!(back.stream_seq, 41);
        assert_eq!(back.sites[0].raised, checkpoint.sites[0].raised);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(&[]).is_err());
        assert!(decode(&[7]).is_err());
    }
}
