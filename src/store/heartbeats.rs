//! Heartbeat monitors in D1 (DESIGN.md §3): the ping token, the heartbeat's state and deadline
//! on the monitor row, the ping log, and the cron's one query for every overdue monitor.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{all, first, run, stmt, Batch, Id};
use crate::args;
use crate::core::time::EpochMs;
use crate::error::AppError;

/// A ping finds its monitor through the `monitors_ping_token` unique index: 1 row read.
const ID_BY_TOKEN: &str = "SELECT id FROM monitors WHERE ping_token = ?1 AND monitor_type = 'heartbeat'";

/// Compare-and-set of the heartbeat's state: written only if it is still the state the caller
/// read (?4; `IS` so NULL, a new monitor's, compares too). Two pings racing, or a ping and the
/// cron's sweep, serialise here: the loser re-reads. ?1 id, ?2 new state, ?3 deadline.
const SAVE_STATE: &str = "UPDATE monitors SET heartbeat_state = ?2, deadline_ms = ?3 WHERE id = ?1 AND heartbeat_state IS ?4 RETURNING id";

/// The ping log row, in the same batch as the state it goes with, and only if that state won
/// (?9 is the new state).
const INSERT_PING: &str = "INSERT INTO pings (monitor_id, received_ms, kind, exit_status, rid, duration_ms, slot, body) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM monitors WHERE id = ?1 AND heartbeat_state IS ?9)";

/// Every monitor whose deadline has passed: one range read of the `monitors_deadline` partial
/// index (only heartbeat monitors with a deadline are in it), oldest first.
const OVERDUE: &str = "SELECT id FROM monitors WHERE deadline_ms <= ?1 ORDER BY deadline_ms LIMIT ?2";

/// A deadline set from the configuration (an edit, a pause, a resume): ?1 id, ?2 deadline.
const SET_DEADLINE: &str = "UPDATE monitors SET deadline_ms = ?2 WHERE id = ?1 AND deadline_ms IS NOT ?2";

/// Gives a heartbeat monitor its ping token if it has none (?1 id, ?2 token).
const ENSURE_TOKEN: &str = "UPDATE monitors SET ping_token = ?2 WHERE id = ?1 AND ping_token IS NULL AND monitor_type = 'heartbeat'";

const RECENT_PINGS: &str = "SELECT received_ms, kind, exit_status, rid, duration_ms, slot, body FROM pings \
     WHERE monitor_id = ?1 ORDER BY received_ms DESC, id DESC LIMIT ?2";

/// Pings older than the raw-check retention, oldest first: the rows before the first young
/// one by rowid (rowids grow with time), at most 1,000 a tick. Reads the old rows plus one.
const PRUNE_PINGS: &str = "DELETE FROM pings WHERE rowid IN (SELECT rowid FROM pings WHERE rowid < \
       COALESCE((SELECT rowid FROM pings WHERE received_ms >= ?1 ORDER BY rowid LIMIT 1), (SELECT max(rowid) + 1 FROM pings)) \
     ORDER BY rowid LIMIT 1000)";

/// One row of the ping log, as stored and as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PingRow {
    pub received_ms: EpochMs,
    pub kind: String,
    pub exit_status: Option<i64>,
    pub rid: Option<String>,
    pub duration_ms: Option<i64>,
    /// The check this ping recorded (`{monitor}-{slot}` is its id), for finishes.
    pub slot: Option<i64>,
    pub body: Option<String>,
}

pub async fn id_by_token(db: &D1Database, token: &str) -> Result<Option<i64>, AppError> {
    Ok(first::<Id>(db, ID_BY_TOKEN, &args![token]).await?.map(|r| r.id))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    State,
    Ping,
}

/// Writes the new state and deadline if the state is still `read` (and the ping row with it).
/// Returns false when another writer got there first: nothing was written; re-read.
pub async fn save(db: &D1Database, id: i64, read: Option<&str>, new: &str, deadline_ms: Option<EpochMs>, ping: Option<&PingRow>) -> Result<bool, AppError> {
    let mut batch = Batch::new();
    batch.push(Write::State, stmt(db, SAVE_STATE, &args![id, new, deadline_ms, read])?);
    if let Some(p) = ping {
        batch.push(Write::Ping, stmt(db, INSERT_PING, &args![id, p.received_ms, p.kind.as_str(), p.exit_status, p.rid.clone(), p.duration_ms, p.slot, p.body.clone(), new])?);
    }
    let results = batch.run(db, "saving a heartbeat").await?;
    Ok(!results.rows::<Id>(Write::State)?.is_empty())
}

pub async fn overdue(db: &D1Database, now: EpochMs, limit: u32) -> Result<Vec<i64>, AppError> {
    Ok(all::<Id>(db, OVERDUE, &args![now, limit]).await?.into_iter().map(|r| r.id).collect())
}

pub async fn set_deadline(db: &D1Database, id: i64, deadline_ms: Option<EpochMs>) -> Result<(), AppError> {
    run(db, SET_DEADLINE, &args![id, deadline_ms]).await
}

pub async fn ensure_token(db: &D1Database, id: i64, token: &str) -> Result<(), AppError> {
    run(db, ENSURE_TOKEN, &args![id, token]).await
}

pub async fn recent_pings(db: &D1Database, monitor_id: i64, limit: u32) -> Result<Vec<PingRow>, AppError> {
    all(db, RECENT_PINGS, &args![monitor_id, limit]).await
}

pub async fn prune(db: &D1Database, before_ms: EpochMs) -> Result<(), AppError> {
    run(db, PRUNE_PINGS, &args![before_ms]).await
}
