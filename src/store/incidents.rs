//! Incidents and their outbox of events for the alerts queue.
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::checks::EventRef;
use super::{all, run, stmt};
use crate::args;
use crate::core::failure::FailureKind;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: i64,
    pub monitor_id: i64,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    pub cause: String,
    /// The cause as a code (`timeout`, `status`, ...); `null` when not known.
    #[serde(default)]
    pub failure_kind: Option<FailureKind>,
    pub last_status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventRow {
    pub incident_id: i64,
    pub event: String,
    pub created_at: String,
    pub enqueued_at: Option<String>,
    /// When the alerts consumer recorded the event's sends (or its maintenance hold).
    pub received_at: Option<String>,
    pub received_count: i64,
}

#[derive(Debug, Default)]
pub struct IncidentFilter {
    /// The caller: only incidents of monitors in their projects.
    pub owner: i64,
    pub project: Option<i64>,
    pub monitor: Option<i64>,
    /// Some(true): open only; Some(false): resolved only.
    pub open: Option<bool>,
    pub before_id: Option<i64>,
    pub limit: u32,
}

const LIST: &str = "SELECT id, monitor_id, opened_at, resolved_at, cause, failure_kind, last_status FROM incidents \
     WHERE (?1 IS NULL OR monitor_id = ?1) \
     AND (?2 IS NULL OR (?2 = 1 AND resolved_at IS NULL) OR (?2 = 0 AND resolved_at IS NOT NULL)) \
     AND (?3 IS NULL OR id < ?3) \
     AND monitor_id IN (SELECT id FROM monitors WHERE (?6 IS NULL OR project_id = ?6) \
       AND project_id IN (SELECT id FROM projects WHERE owner_id = ?5)) \
     ORDER BY id DESC LIMIT ?4";
const OWNED_IDS: &str = "SELECT id FROM incidents WHERE id IN (SELECT value FROM json_each(?1)) \
     AND monitor_id IN (SELECT id FROM monitors WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?2))";
const EVENTS_OF: &str = "SELECT incident_id, event, created_at, enqueued_at, received_at, received_count FROM incident_events \
     WHERE incident_id IN (SELECT value FROM json_each(?1)) ORDER BY created_at";

/// Newest first.
pub async fn list(db: &D1Database, f: &IncidentFilter) -> Result<Vec<IncidentRow>, AppError> {
    all(db, LIST, &args![f.monitor, f.open, f.before_id, f.limit, f.owner, f.project]).await
}

/// Which of `ids` are incidents of monitors in `user_id`'s projects.
pub async fn owned_ids(db: &D1Database, user_id: i64, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<super::Id> = all(db, OWNED_IDS, &args![list, user_id]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The outbox rows of some incidents, for the API to show how far each event got.
pub async fn events_of(db: &D1Database, incident_ids: &[i64]) -> Result<Vec<EventRow>, AppError> {
    let list = serde_json::to_string(incident_ids).unwrap_or_else(|_| "[]".into());
    all(db, EVENTS_OF, &args![list]).await
}

/// ?1 incident, ?2 event, ?3 now (ISO).
const MARK_ENQUEUED: &str = "UPDATE incident_events SET enqueued_at = ?3 WHERE incident_id = ?1 AND event = ?2 AND enqueued_at IS NULL";

/// Marks events as put on the alerts queue. Not yet handed over: that is `received_stmt`.
pub async fn mark_enqueued(db: &D1Database, events: &[EventRef], now: EpochMs) -> Result<(), AppError> {
    for e in events {
        run(db, MARK_ENQUEUED, &args![e.incident_id, e.event.as_str(), iso(now)]).await?;
    }
    Ok(())
}

/// ?1 monitor, ?2 slot.
const UNRECEIVED_OF_CHECK: &str = "SELECT incident_id, event, monitor_id, check_slot FROM incident_events \
     WHERE monitor_id = ?1 AND check_slot = ?2 AND received_at IS NULL";

/// Events a check wrote that the alerts consumer has not recorded yet (the sender died after
/// the commit, or the message died on the queue): a redelivered check sends them again.
pub async fn unreceived_of_check(db: &D1Database, monitor_id: i64, slot: i64) -> Result<Vec<EventRef>, AppError> {
    all(db, UNRECEIVED_OF_CHECK, &args![monitor_id, slot]).await
}

/// ?1 now (ISO), ?2 cutoff (ISO). Events not received by the alerts consumer a grace period
/// after they were written (never enqueued: the sender died after the commit) or last
/// enqueued (the message died with the process or on the queue): stamped enqueued again and
/// returned, at most 100 a tick, so each is resent once per grace period until received.
/// Reads only the `incident_events_unreceived` partial index (the few events in flight).
const RESEND_UNRECEIVED: &str = "UPDATE incident_events SET enqueued_at = ?1 WHERE rowid IN ( \
       SELECT rowid FROM incident_events WHERE received_at IS NULL AND COALESCE(enqueued_at, created_at) < ?2 LIMIT 100) \
     RETURNING incident_id, event, monitor_id, check_slot";

/// The cron's safety net for the outbox -> alerts consumer hand-off.
pub async fn claim_unreceived(db: &D1Database, now: EpochMs, grace_ms: i64) -> Result<Vec<EventRef>, AppError> {
    all(db, RESEND_UNRECEIVED, &args![iso(now), iso(now - grace_ms)]).await
}

/// ?1 owner, ?2 limit.
const UNRECEIVED_OF_OWNER: &str = "SELECT e.incident_id, e.event, e.monitor_id, e.check_slot FROM incident_events e \
     JOIN monitors m ON m.id = e.monitor_id JOIN projects p ON p.id = m.project_id \
     WHERE e.received_at IS NULL AND p.owner_id = ?1 ORDER BY e.created_at LIMIT ?2";

/// The caller's events not yet recorded by the alerts consumer, for `GET /emails`.
pub async fn unreceived_of_owner(db: &D1Database, owner: i64, limit: u32) -> Result<Vec<EventRef>, AppError> {
    all(db, UNRECEIVED_OF_OWNER, &args![owner, limit]).await
}

/// ?1 incident, ?2 event.
const COUNT_RECEIPT: &str = "UPDATE incident_events SET received_count = received_count + 1 WHERE incident_id = ?1 AND event = ?2";

/// The alerts consumer saw an event (counted for the API; handing over is `received_stmt`).
pub async fn mark_received(db: &D1Database, e: &EventRef) -> Result<(), AppError> {
    run(db, COUNT_RECEIPT, &args![e.incident_id, e.event.as_str()]).await
}

/// ?1 incident, ?2 event, ?3 now (ISO).
const MARK_HANDED_OVER: &str = "UPDATE incident_events SET received_at = COALESCE(received_at, ?3) WHERE incident_id = ?1 AND event = ?2";

/// The statement that ends the hand-off of an event: run in the batch that creates its sends,
/// so an event is received exactly when its sends exist.
pub fn received_stmt(db: &D1Database, e: &EventRef, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, MARK_HANDED_OVER, &args![e.incident_id, e.event.as_str(), iso(now)])
}
