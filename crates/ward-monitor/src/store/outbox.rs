//! A grouping sink's durable state: its groups, which alerts each holds, and the outbox of
//! notifications waiting for delivery.
//!
//! [`Store::fold_for_sink`] folds the alerts after the sink's cursor into its groups, writes
//! every notification that became due into the outbox (keyed `group:SINK:GROUP:N`) and moves
//! the cursor, in ONE transaction: after a crash either all of it happened or none, so a group
//! is never lost and no notification is made twice. Delivery reads the outbox with a cursor of
//! its own; a crash between a delivery and that cursor's update resends the same entry, with
//! the same key.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use ward_event::{Level, Timestamp};

use super::Store;
use crate::MonitorError;
use crate::alert::StoredAlert;
use crate::config::Delivery;
use crate::grouping::{Group, Route, route};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sink TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (sink, key)
);
CREATE TABLE IF NOT EXISTS outbox_cursors (sink TEXT PRIMARY KEY, id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sink_groups (
    sink TEXT NOT NULL,
    group_key TEXT NOT NULL,
    level TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_ns INTEGER NOT NULL,
    last_ns INTEGER NOT NULL,
    notifications INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (sink, group_key)
);
CREATE INDEX IF NOT EXISTS sink_groups_pending ON sink_groups (sink, pending);
CREATE TABLE IF NOT EXISTS group_members (
    sink TEXT NOT NULL,
    group_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (sink, group_key, seq)
);
";

/// One notification in a sink's outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Position in the outbox, which orders delivery.
    pub id: i64,
    /// The notification key (the alert key, or `group:SINK:GROUP:N`).
    pub key: String,
    /// The JSON every sink delivers.
    pub body: serde_json::Value,
}

/// A sink's group, as the dashboard lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    /// The sink that groups it.
    pub sink: String,
    /// The `group_by` values joined by `|`.
    pub key: String,
    /// The highest level of its alerts.
    pub level: Level,
    /// How many alerts it holds.
    pub count: u64,
    /// Its first and last alert's event time.
    pub first: Timestamp,
    /// See `first`.
    pub last: Timestamp,
    /// Notifications made for it so far.
    pub notifications: u64,
    /// Alerts folded since its last notification.
    pub pending: u64,
}

impl GroupSummary {
    /// The JSON the dashboard API returns.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "sink": self.sink,
            "key": self.key,
            "level": self.level.as_str(),
            "count": self.count,
            "first": self.first.to_rfc3339(),
            "last": self.last.to_rfc3339(),
            "notifications": self.notifications,
            "pending": self.pending,
        })
    }
}

impl Store {
    /// Folds `alerts` (the next ones after the sink's cursor) into the sink's groups, writes
    /// the notifications due at `now_ms` into its outbox and moves its cursor past `alerts`,
    /// in one transaction. Returns when the next pending group falls due.
    pub(crate) fn fold_for_sink(
        &mut self,
        sink: &str,
        delivery: &Delivery,
        alerts: &[StoredAlert],
        now_ms: i64,
    ) -> Result<Option<i64>, MonitorError> {
        let path = self.path.clone();
        let err = |e| MonitorError::store(&path, e);
        // IMMEDIATE: this transaction reads before it writes, and a deferred one could not
        // take the write lock once the pipeline has committed since its read began.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut groups = pending_groups(&tx, sink).map_err(err)?;
        let mut changed = BTreeSet::new();
        for stored in alerts {
            match route(stored, delivery) {
                Route::Skip => {}
                Route::Deliver(kind) => {
                    let mut body = stored.to_json();
                    body["kind"] = kind.as_str().into();
                    enqueue(&tx, sink, &stored.alert.key, &body, now_ms).map_err(err)?;
                }
                Route::Fold(key) => {
                    if !groups.contains_key(&key) {
                        let group = load_group(&tx, sink, &key).map_err(err)?;
                        groups.insert(key.clone(), group.unwrap_or_default());
                    }
                    if let Some(group) = groups.get_mut(&key) {
                        group.fold(stored, now_ms, delivery);
                    }
                    tx.execute(
                        "INSERT OR IGNORE INTO group_members (sink, group_key, seq) VALUES (?1, ?2, ?3)",
                        params![sink, key, stored.seq],
                    )
                    .map_err(err)?;
                    changed.insert(key);
                }
            }
        }
        let mut next_due: Option<i64> = None;
        for (key, group) in &mut groups {
            if group.due_ms(delivery).is_some_and(|due| due <= now_ms)
                && let Some((note_key, _kind, body)) = group.flush(sink, key, now_ms)
            {
                enqueue(&tx, sink, &note_key, &body, now_ms).map_err(err)?;
                changed.insert(key.clone());
            }
            if let Some(due) = group.due_ms(delivery) {
                next_due = Some(next_due.map_or(due, |d| d.min(due)));
            }
        }
        for key in &changed {
            save_group(&tx, sink, key, &groups[key]).map_err(err)?;
        }
        if let Some(last) = alerts.last() {
            tx.execute(
                "INSERT OR REPLACE INTO sink_cursors (sink, seq) VALUES (?1, ?2)",
                params![sink, last.seq],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(next_due)
    }

    /// The sink's notifications after outbox position `after`, oldest first.
    pub fn outbox_after(
        &self,
        sink: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, MonitorError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, key, body FROM outbox WHERE sink = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![sink, after, limit as i64], |r| {
                let body: String = r.get(2)?;
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The last outbox position the sink delivered.
    pub fn outbox_cursor(&self, sink: &str) -> Result<i64, MonitorError> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM outbox_cursors WHERE sink = ?1",
                params![sink],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(id.unwrap_or(0))
    }

    /// Records that the sink delivered its outbox up to `id`.
    pub(crate) fn set_outbox_cursor(&self, sink: &str, id: i64) -> Result<(), MonitorError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO outbox_cursors (sink, id) VALUES (?1, ?2)",
                params![sink, id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The groups of every sink (or of one), most recently active first.
    pub fn groups(
        &self,
        sink: Option<&str>,
        limit: usize,
    ) -> Result<Vec<GroupSummary>, MonitorError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT sink, group_key, level, count, first_ns, last_ns, notifications, pending
                 FROM sink_groups WHERE ?1 IS NULL OR sink = ?1 ORDER BY last_ns DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![sink, limit as i64], |r| {
                let level: String = r.get(2)?;
                Ok(GroupSummary {
                    sink: r.get(0)?,
                    key: r.get(1)?,
                    level: level.parse().unwrap_or_default(),
                    count: r.get::<_, i64>(3)? as u64,
                    first: Timestamp::from_nanos(r.get(4)?),
                    last: Timestamp::from_nanos(r.get(5)?),
                    notifications: r.get::<_, i64>(6)? as u64,
                    pending: r.get::<_, i64>(7)? as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// The alerts a sink folded into a group, after `seq` `after`, oldest first.
    pub fn group_alerts(
        &self,
        sink: &str,
        group_key: &str,
        after: i64,
        limit: usize,
    ) -> Result<Vec<StoredAlert>, MonitorError> {
        self.query_alerts(
            "SELECT a.seq, a.key, a.time_ns, a.host, a.rule_id, a.title, a.level, a.evidence, a.acknowledged
             FROM group_members m JOIN alerts a ON a.seq = m.seq
             WHERE m.sink = ?1 AND m.group_key = ?2 AND m.seq > ?3 ORDER BY m.seq LIMIT ?4",
            params![sink, group_key, after, limit as i64],
        )
    }

    /// Forgets delivered notifications made before `cutoff_ms`, and group memberships of
    /// alerts retention deleted.
    pub(super) fn forget_delivered_notifications(
        &self,
        cutoff_ms: i64,
    ) -> Result<(), MonitorError> {
        self.conn
            .execute_batch(&format!(
                "DELETE FROM outbox WHERE created_ms < {cutoff_ms}
                   AND id <= COALESCE((SELECT id FROM outbox_cursors c WHERE c.sink = outbox.sink), 0);
                 DELETE FROM group_members WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.seq = group_members.seq);"
            ))
            .map_err(|e| self.err(e))
    }
}

/// The sink's groups with alerts waiting for a notification.
fn pending_groups(tx: &Transaction, sink: &str) -> rusqlite::Result<BTreeMap<String, Group>> {
    let mut stmt = tx.prepare_cached(
        "SELECT group_key, state FROM sink_groups WHERE sink = ?1 AND pending > 0",
    )?;
    let rows = stmt.query_map(params![sink], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut groups = BTreeMap::new();
    for row in rows {
        let (key, state) = row?;
        groups.insert(key, parse_group(&state));
    }
    Ok(groups)
}

fn load_group(tx: &Transaction, sink: &str, key: &str) -> rusqlite::Result<Option<Group>> {
    tx.query_row(
        "SELECT state FROM sink_groups WHERE sink = ?1 AND group_key = ?2",
        params![sink, key],
        |r| r.get::<_, String>(0),
    )
    .optional()
    .map(|state| state.map(|s| parse_group(&s)))
}

/// A group row we wrote ourselves; one that cannot be read (another Ward version) restarts
/// empty rather than stopping delivery, and says so.
fn parse_group(state: &str) -> Group {
    serde_json::from_str(state).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "unreadable group state; the group starts afresh");
        Group::default()
    })
}

fn save_group(tx: &Transaction, sink: &str, key: &str, group: &Group) -> rusqlite::Result<()> {
    let state = serde_json::to_string(group).unwrap_or_default();
    let pending = group.pending.as_ref().map_or(0, |p| p.tally.count);
    tx.execute(
        "INSERT OR REPLACE INTO sink_groups
           (sink, group_key, level, count, first_ns, last_ns, notifications, pending, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            sink,
            key,
            group.totals.level().as_str(),
            group.totals.count as i64,
            group.totals.first_ns,
            group.totals.last_ns,
            group.notifications as i64,
            pending as i64,
            state
        ],
    )?;
    Ok(())
}

/// Adds a notification to the outbox; a key already there is kept as it was.
fn enqueue(
    tx: &Transaction,
    sink: &str,
    key: &str,
    body: &serde_json::Value,
    now_ms: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO outbox (sink, key, body, created_ms) VALUES (?1, ?2, ?3, ?4)",
        params![sink, key, body.to_string(), now_ms],
    )?;
    Ok(())
}
