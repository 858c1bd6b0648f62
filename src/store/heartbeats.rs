//! Heartbeat monitors in D1 (DESIGN.md §3): the ping token, the heartbeat's state and deadline
//! on the monitor row, the ping log, and the cron's one query for every overdue monitor.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{all, first, run, stmt, Arg, Batch, Id, Refusal};
use crate::args;
use crate::core::time::EpochMs;
use crate::error::AppError;

/// A ping finds its monitor through the `monitors_ping_token` unique index: 1 row read.
const ID_BY_TOKEN: &str = "SELECT id FROM monitors WHERE ping_token = ?1 AND monitor_type = 'heartbeat'";

/// The heartbeat's state and deadline, for a ping that records no check (`/start`, `/log`):
/// ?1 id, ?2 state, ?3 deadline, ?4 the state_version read + 1. Every writer of a heartbeat's
/// state moves `state_version` (pings, the sweep, and the checks they record, whose
/// [`UPDATE_WITH_CHECK`] does the same), so `monitors_state_version_guard` serialises them: a
/// writer that read an older state aborts its batch and re-reads. No index holds these columns
/// (migration 0017), so this is 1 row written.
const SAVE_STATE: &str = "UPDATE monitors SET heartbeat_state = ?2, deadline_ms = ?3, state_version = ?4 WHERE id = ?1 RETURNING id";

/// The monitor's state after a heartbeat's check, with the heartbeat's own state and deadline,
/// in one write of the row (the check's batch, `store::checks::plan`): ?1 id, ?2 status, ?3
/// slow, ?4/?5 the streaks, ?6 last_checked_at, ?7 the state_version read + 1, ?8 the
/// heartbeat state, ?9 the deadline. A heartbeat never asks for re-checks, so their columns
/// (and the `monitors_recheck` index) are left alone.
pub(super) const UPDATE_WITH_CHECK: &str = "UPDATE monitors SET status = ?2, slow = ?3, consecutive_failures = ?4, consecutive_successes = ?5, \
     last_checked_at = ?6, state_version = ?7, heartbeat_state = ?8, deadline_ms = ?9 WHERE id = ?1";

/// The ping log row, in the same batch as the state it goes with, after it, and only if that
/// state was written (?9 is the state_version it wrote).
pub(super) const INSERT_PING: &str = "INSERT INTO pings (monitor_id, received_ms, kind, exit_status, rid, duration_ms, slot, body) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM monitors WHERE id = ?1 AND state_version = ?9)";

/// Every heartbeat monitor whose deadline has passed, oldest first. The deadline moves with
/// every ping, so it is in no index (an index entry moved per ping would be a row written per
/// ping); the query reads the heartbeat monitors' rows through the `monitors_heartbeat` partial
/// index (migration 0017), never the other monitors': about 2 rows read per heartbeat monitor
/// per tick, against D1's price of reads at a thousandth of writes'.
pub(super) const OVERDUE: &str = "SELECT id FROM monitors INDEXED BY monitors_heartbeat WHERE monitor_type = 'heartbeat' AND deadline_ms <= ?1 \
     ORDER BY deadline_ms LIMIT ?2";

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

/// What a ping (or the sweep) leaves of a heartbeat: its new state, its deadline, and the ping
/// log row when the ping is logged. Written with the check it records, if any
/// (`store::checks::CheckResult::heartbeat`), else by [`save`].
#[derive(Debug, Clone, Copy)]
pub struct Save<'a> {
    pub state: &'a str,
    pub deadline_ms: Option<EpochMs>,
    pub ping: Option<&'a PingRow>,
}

impl Save<'_> {
    /// The ping row's statement, for the batch that writes state_version `written`.
    pub(super) fn ping_args(&self, id: i64, written: i64) -> Option<Vec<Arg>> {
        self.ping.map(|p| Vec::from(args![id, p.received_ms, p.kind.as_str(), p.exit_status, p.rid.clone(), p.duration_ms, p.slot, p.body.clone(), written]))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    State,
    Ping,
}

/// Writes a heartbeat's state without a check, against the row's `state_version` as read.
/// Returns false when another writer got there first (nothing written: re-read) or the
/// monitor is gone. D1 rows written: 1, and 1 for the ping row.
pub async fn save(db: &D1Database, id: i64, read_version: i64, s: &Save<'_>) -> Result<bool, AppError> {
    let written = read_version + 1;
    let mut batch = Batch::new();
    batch.push(Write::State, stmt(db, SAVE_STATE, &args![id, s.state, s.deadline_ms, written])?);
    if let Some(args) = s.ping_args(id, written) {
        batch.push(Write::Ping, stmt(db, INSERT_PING, &args)?);
    }
    match batch.run(db, "saving a heartbeat").await {
        Ok(results) => Ok(!results.rows::<Id>(Write::State)?.is_empty()),
        Err(AppError::Refused(Refusal::StaleState, _)) => Ok(false),
        Err(e) => Err(e),
    }
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
