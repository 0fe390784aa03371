//! The durable state: alerts, input offsets, the detector checkpoint and sink cursors in one
//! SQLite file (WAL mode). [`Store::commit`] writes a batch's alerts, the inputs' offsets and
//! the detector checkpoint in ONE transaction, so a crash either keeps all three or none: the
//! events after the last commit are re-read and re-detected from the matching checkpoint.
//! Grouping sinks keep their groups and an outbox of notifications here too (`outbox.rs`).

mod outbox;

pub use outbox::{GroupSummary, OutboxEntry};

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use ward_event::{Level, Timestamp};

use crate::MonitorError;
use crate::alert::{Alert, StoredAlert};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    time_ns INTEGER NOT NULL,
    host TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    title TEXT NOT NULL,
    level TEXT NOT NULL,
    evidence TEXT NOT NULL,
    stored_at INTEGER NOT NULL,
    acknowledged INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS offsets (input TEXT PRIMARY KEY, identity TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1), state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sink_cursors (sink TEXT PRIMARY KEY, seq INTEGER NOT NULL);
";

/// Where a tailed file was read up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offset {
    /// `input:path`.
    pub input: String,
    /// The file's identity (device and inode), to spot rotation across restarts.
    pub identity: String,
    /// Byte offset just after the last fully processed line.
    pub position: u64,
}

/// A connection to the state file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the state file in WAL mode.
    pub fn open(path: &Path) -> Result<Self, MonitorError> {
        let err = |e| MonitorError::store(path, e);
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // FULL: a commit is on disk before offsets are acknowledged to Beats clients.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        conn.execute_batch(outbox::SCHEMA).map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self, e: rusqlite::Error) -> MonitorError {
        MonitorError::store(&self.path, e)
    }

    /// Commits alerts (dropping known keys), offsets and the checkpoint atomically.
    /// Returns how many alerts were new.
    pub fn commit(
        &mut self,
        alerts: &[Alert],
        offsets: &[Offset],
        checkpoint: Option<&[u8]>,
    ) -> Result<u64, MonitorError> {
        let path = self.path.clone();
        let err = |e| MonitorError::store(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        let mut new = 0;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO alerts (key, time_ns, host, rule_id, title, level, evidence, stored_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(err)?;
            let now = now_nanos();
            for a in alerts {
                let evidence = a.evidence.to_string();
                new += insert
                    .execute(params![
                        a.key,
                        a.time.as_nanos(),
                        a.host,
                        a.rule_id,
                        a.title,
                        a.level.as_str(),
                        evidence,
                        now
                    ])
                    .map_err(err)? as u64;
            }
            let mut upsert = tx
                .prepare_cached("INSERT OR REPLACE INTO offsets (input, identity, position) VALUES (?1, ?2, ?3)")
                .map_err(err)?;
            for o in offsets {
                upsert
                    .execute(params![o.input, o.identity, o.position as i64])
                    .map_err(err)?;
            }
            if let Some(state) = checkpoint {
                tx.execute(
                    "INSERT OR REPLACE INTO checkpoint (id, state) VALUES (1, ?1)",
                    params![state],
                )
                .map_err(err)?;
            }
        }
        tx.commit().map_err(err)?;
        Ok(new)
    }

    /// The last committed detector checkpoint.
    pub fn checkpoint(&self) -> Result<Option<Vec<u8>>, MonitorError> {
        self.conn
            .query_row("SELECT state FROM checkpoint WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every committed file offset.
    pub fn offsets(&self) -> Result<Vec<Offset>, MonitorError> {
        let mut stmt = self
            .conn
            .prepare("SELECT input, identity, position FROM offsets")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Offset {
                    input: r.get(0)?,
                    identity: r.get(1)?,
                    position: r.get::<_, i64>(2)? as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Alerts with `seq` greater than `after`, oldest first, at most `limit`.
    pub fn alerts_after(&self, after: i64, limit: usize) -> Result<Vec<StoredAlert>, MonitorError> {
        self.query_alerts(
            "SELECT seq, key, time_ns, host, rule_id, title, level, evidence, acknowledged FROM alerts WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![after, limit as i64],
        )
    }

    /// The newest alerts, newest first.
    pub fn latest_alerts(&self, limit: usize) -> Result<Vec<StoredAlert>, MonitorError> {
        self.query_alerts(
            "SELECT seq, key, time_ns, host, rule_id, title, level, evidence, acknowledged FROM alerts ORDER BY seq DESC LIMIT ?1",
            params![limit as i64],
        )
    }

    /// Runs a query whose columns are `seq, key, time_ns, host, rule_id, title, level,
    /// evidence, acknowledged`.
    fn query_alerts(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<StoredAlert>, MonitorError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params, |r| {
                let level: String = r.get(6)?;
                let evidence: String = r.get(7)?;
                Ok(StoredAlert {
                    seq: r.get(0)?,
                    alert: Alert {
                        key: r.get(1)?,
                        time: Timestamp::from_nanos(r.get(2)?),
                        host: r.get(3)?,
                        rule_id: r.get(4)?,
                        title: r.get(5)?,
                        level: level.parse().unwrap_or(Level::Informational),
                        evidence: serde_json::from_str(&evidence)
                            .unwrap_or(serde_json::Value::Null),
                    },
                    acknowledged: r.get::<_, i64>(8)? != 0,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Marks an alert acknowledged; false when no such alert.
    pub fn acknowledge(&self, seq: i64) -> Result<bool, MonitorError> {
        let n = self
            .conn
            .execute(
                "UPDATE alerts SET acknowledged = 1 WHERE seq = ?1",
                params![seq],
            )
            .map_err(|e| self.err(e))?;
        Ok(n > 0)
    }

    /// The last alert a sink delivered.
    pub fn sink_cursor(&self, sink: &str) -> Result<i64, MonitorError> {
        let seq: Option<i64> = self
            .conn
            .query_row(
                "SELECT seq FROM sink_cursors WHERE sink = ?1",
                params![sink],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(seq.unwrap_or(0))
    }

    /// Records that a sink delivered every alert up to `seq`.
    pub fn set_sink_cursor(&self, sink: &str, seq: i64) -> Result<(), MonitorError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO sink_cursors (sink, seq) VALUES (?1, ?2)",
                params![sink, seq],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Deletes alerts older than `days` that every listed sink has delivered; returns how many.
    /// Their keys are forgotten too, so a rule may alert again on the same key afterwards.
    pub fn apply_retention(&self, days: u64, sinks: &[String]) -> Result<usize, MonitorError> {
        let cutoff = now_nanos().saturating_sub((days as i64).saturating_mul(86_400_000_000_000));
        let mut delivered = i64::MAX;
        for sink in sinks {
            delivered = delivered.min(self.sink_cursor(sink)?);
        }
        let deleted = self
            .conn
            .execute(
                "DELETE FROM alerts WHERE stored_at < ?1 AND seq <= ?2",
                params![cutoff, delivered],
            )
            .map_err(|e| self.err(e))?;
        self.forget_delivered_notifications(cutoff / 1_000_000)?;
        Ok(deleted)
    }
}

/// Milliseconds since the Unix epoch: the grouping timers' clock.
pub(crate) fn now_millis() -> i64 {
    now_nanos() / 1_000_000
}

fn now_nanos() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(key: &str) -> Alert {
        Alert {
            key: key.into(),
            time: Timestamp::from_nanos(5),
            host: "MRI-1".into(),
            rule_id: "r1".into(),
            title: "t".into(),
            level: Level::High,
            evidence: serde_json::json!({"n": 1}),
        }
    }

    #[test]
    fn commit_dedups_by_key_and_keeps_offsets_and_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let off = Offset {
            input: "f:a.log".into(),
            identity: "1:2".into(),
            position: 42,
        };
        assert_eq!(
            store
                .commit(
                    &[alert("a"), alert("b"), alert("a")],
                    std::slice::from_ref(&off),
                    Some(b"cp1")
                )
                .unwrap(),
            2
        );
        assert_eq!(
            store.commit(&[alert("b"), alert("c")], &[], None).unwrap(),
            1
        );
        drop(store);
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        let keys: Vec<_> = store
            .alerts_after(0, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.alert.key)
            .collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(store.offsets().unwrap(), vec![off]);
        assert_eq!(store.checkpoint().unwrap().as_deref(), Some(&b"cp1"[..]));
        assert_eq!(store.alerts_after(0, 10).unwrap()[0].alert, alert("a"));
    }

    #[test]
    fn retention_keeps_undelivered_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        store.commit(&[alert("a"), alert("b")], &[], None).unwrap();
        store.set_sink_cursor("hook", 1).unwrap();
        assert_eq!(store.apply_retention(0, &["hook".to_string()]).unwrap(), 1);
        let keys: Vec<_> = store
            .alerts_after(0, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.alert.key)
            .collect();
        assert_eq!(keys, ["b"]);
    }

    #[test]
    fn groups_and_their_outbox_survive_a_reopen_and_are_not_made_twice() {
        use crate::config::Delivery;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        let mut low = alert("a");
        low.level = Level::Low;
        store.commit(&[low, alert("b")], &[], None).unwrap();
        let delivery = Delivery::default();
        let alerts = store.alerts_after(0, 10).unwrap();
        // The high alert opens the group at once, with the low one folded in.
        let due = store
            .fold_for_sink("hook", &delivery, &alerts, 1_000)
            .unwrap();
        assert_eq!(due, None);
        drop(store);

        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.sink_cursor("hook").unwrap(), 2);
        let outbox = store.outbox_after("hook", 0, 10).unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!(outbox[0].key, "group:hook:MRI-1:0");
        assert_eq!(outbox[0].body["group"]["count"], 2);
        assert_eq!(
            outbox[0].body["group"]["levels"],
            serde_json::json!({"low": 1, "high": 1})
        );
        // Nothing new: a second step makes nothing.
        store.fold_for_sink("hook", &delivery, &[], 2_000).unwrap();
        assert_eq!(store.outbox_after("hook", 0, 10).unwrap().len(), 1);
        // A later alert waits for group_interval, from the stored send time.
        store.commit(&[alert("c")], &[], None).unwrap();
        let alerts = store.alerts_after(2, 10).unwrap();
        let due = store
            .fold_for_sink("hook", &delivery, &alerts, 3_000)
            .unwrap();
        assert_eq!(due, Some(1_000 + 300_000));
        let groups = store.groups(None, 10).unwrap();
        assert_eq!((groups[0].count, groups[0].pending), (3, 1));
        let keys: Vec<_> = store
            .group_alerts("hook", "MRI-1", 0, 10)
            .unwrap()
            .into_iter()
            .map(|a| a.alert.key)
            .collect();
        assert_eq!(keys, ["a", "b", "c"]);

        // Retention forgets delivered notifications and the memberships of deleted alerts.
        store.set_outbox_cursor("hook", outbox[0].id).unwrap();
        store.apply_retention(0, &["hook".to_string()]).unwrap();
        assert!(store.outbox_after("hook", 0, 10).unwrap().is_empty());
        let left = store.group_alerts("hook", "MRI-1", 0, 10).unwrap();
        assert!(left.is_empty(), "{left:?}");
    }
}
