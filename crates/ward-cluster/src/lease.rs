//! One owner per partition: a key in a KV bucket whose entries expire after the lease TTL.
//! The owner creates the key (which fails while another holds it) and renews it by revision
//! (which fails once someone else has taken it), so at most one worker acts on a partition at
//! a time; a dead owner's key expires and another worker creates it anew.

use async_nats::jetstream::kv;
use bytes::Bytes;

use crate::ClusterError;

/// A held partition lease.
pub struct Lease {
    store: kv::Store,
    key: String,
    owner: String,
    revision: u64,
}

impl Lease {
    /// Takes partition `partition` for `owner` when nobody holds it; `None` when somebody does.
    pub async fn acquire(
        store: &kv::Store,
        partition: u32,
        owner: &str,
    ) -> Result<Option<Lease>, ClusterError> {
        let key = format!("p{partition}");
        match store.create(&key, Bytes::from(owner.to_string())).await {
            Ok(revision) => Ok(Some(Lease {
                store: store.clone(),
                key,
                owner: owner.to_string(),
                revision,
            })),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(ClusterError::nats(format!("taking lease {key}"), e)),
        }
    }

    /// Renews the lease; an error means it was lost (expired and taken, or unreachable).
    pub async fn renew(&mut self) -> Result<(), ClusterError> {
        let revision = self
            .store
            .update(&self.key, Bytes::from(self.owner.clone()), self.revision)
            .await
            .map_err(|e| ClusterError::nats(format!("renewing lease {}", self.key), e))?;
        self.revision = revision;
        Ok(())
    }

    /// Gives the partition up at once (after a final checkpoint), so the next owner need not
    /// wait for the TTL.
    pub async fn release(self) {
        let _ = self
            .store
            .delete_expect_revision(&self.key, Some(self.revision))
            .await;
    }
}
