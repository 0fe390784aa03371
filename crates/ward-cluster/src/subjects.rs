//! The subject and stream names Ward uses on NATS, and the tenant and site names that go
//! into them.
//!
//! Raw events are published to `ward.raw.<tenant>.<site>.<source>`. The raw stream maps each
//! to `ward.part.<partition>.<tenant>.<site>.<source>`, the partition a stable hash of tenant
//! and site computed by the server (subject-mapping partitions), so all of a site's events land
//! in one partition, in the order they were published. Alerts go to `ward.alerts.<tenant>`.

use crate::ClusterError;

/// Stream of raw events (`ward.raw.>`, stored under `ward.part.>`).
pub const RAW_STREAM: &str = "WARD_RAW";
/// Stream of alerts (`ward.alerts.>`).
pub const ALERT_STREAM: &str = "WARD_ALERTS";
/// KV bucket of partition leases (`p<N>` → owning worker).
pub const LEASE_BUCKET: &str = "ward-leases";
/// KV bucket of live workers (`w-<id>`), for sharing partitions out evenly.
pub const WORKER_BUCKET: &str = "ward-workers";
/// KV bucket of drain progress (`p<N>` → the raw stream sequence the partition has caught up to).
pub const PROGRESS_BUCKET: &str = "ward-progress";
/// Object store of partition checkpoints (`partition-<N>`).
pub const CHECKPOINT_STORE: &str = "ward-checkpoints";

/// A tenant (customer, hospital group) and one of its sites: the unit of isolation and of
/// the whole-site analytics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SiteId {
    /// Tenant name, one subject token.
    pub tenant: String,
    /// Site name, one subject token.
    pub site: String,
}

impl SiteId {
    /// A site, its names checked to be usable as subject tokens and user names.
    pub fn new(tenant: &str, site: &str) -> Result<Self, ClusterError> {
        check_name("tenant", tenant)?;
        check_name("site", site)?;
        Ok(SiteId {
            tenant: tenant.to_string(),
            site: site.to_string(),
        })
    }

    /// The subject a raw event of `source` (a log label such as `Security`) is published to.
    pub fn raw_subject(&self, source: &str) -> String {
        format!(
            "ward.raw.{}.{}.{}",
            self.tenant,
            self.site,
            source_token(source)
        )
    }
}

impl std::fmt::Display for SiteId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.tenant, self.site)
    }
}

/// The subject of a tenant's alerts.
pub fn alert_subject(tenant: &str) -> String {
    format!("ward.alerts.{tenant}")
}

/// The stored-subject filter of one partition.
pub fn partition_filter(partition: u32) -> String {
    format!("ward.part.{partition}.>")
}

/// The site a stored raw subject (`ward.part.<p>.<tenant>.<site>.<source>`) belongs to.
pub fn site_of_stored(subject: &str) -> Option<SiteId> {
    let mut tokens = subject.split('.');
    let (Some("ward"), Some("part"), Some(_), Some(tenant), Some(site)) = (
        tokens.next(),
        tokens.next(),
        tokens.next(),
        tokens.next(),
        tokens.next(),
    ) else {
        return None;
    };
    SiteId::new(tenant, site).ok()
}

/// Tenant and site names: letters, digits, `-` and `_`, 1–64 characters (they become subject
/// tokens and NATS user names, where `.`, `*`, `>` and spaces have meaning).
fn check_name(what: &'static str, name: &str) -> Result<(), ClusterError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ClusterError::BadName {
            what,
            name: name.to_string(),
        })
    }
}

/// A log label made into one subject token: anything but letters, digits, `-` and `_` becomes
/// `_` (`Microsoft-Windows-Sysmon/Operational` → `Microsoft-Windows-Sysmon_Operational`).
pub fn source_token(source: &str) -> String {
    let token: String = source
        .chars()
        .take(128)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if token.is_empty() {
        "unknown".into()
    } else {
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_publishes_under_its_own_tokens_and_is_found_again_in_its_partition() {
        let site = SiteId::new("stmary", "radiology").unwrap();
        assert_eq!(
            site.raw_subject("Microsoft-Windows-Sysmon/Operational"),
            "ward.raw.stmary.radiology.Microsoft-Windows-Sysmon_Operational"
        );
        let stored = "ward.part.3.stmary.radiology.Security";
        assert_eq!(site_of_stored(stored), Some(site));
        assert_eq!(site_of_stored("ward.raw.x"), None);
    }

    #[test]
    fn names_that_would_change_a_subject_are_refused() {
        for bad in ["", "a.b", "*", ">", "a b", &"x".repeat(65)] {
            assert!(SiteId::new(bad, "s").is_err(), "{bad:?}");
            assert!(SiteId::new("t", bad).is_err(), "{bad:?}");
        }
        assert_eq!(source_token(""), "unknown");
    }
}
