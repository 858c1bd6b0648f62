//! Incidents and their outbox of events for the alerts queue.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::checks::EventRef;
use super::{all, run};
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

/// Newest first.
pub async fn list(db: &D1Database, f: &IncidentFilter) -> Result<Vec<IncidentRow>, AppError> {
    all(
        db,
        "SELECT id, monitor_id, opened_at, resolved_at, cause, failure_kind, last_status FROM incidents \
         WHERE (?1 IS NULL OR monitor_id = ?1) \
         AND (?2 IS NULL OR (?2 = 1 AND resolved_at IS NULL) OR (?2 = 0 AND resolved_at IS NOT NULL)) \
         AND (?3 IS NULL OR id < ?3) \
         AND monitor_id IN (SELECT id FROM monitors WHERE (?6 IS NULL OR project_id = ?6) \
           AND project_id IN (SELECT id FROM projects WHERE owner_id = ?5)) \
         ORDER BY id DESC LIMIT ?4",
        &args![f.monitor, f.open, f.before_id, f.limit, f.owner, f.project],
    )
    .await
}

/// Which of `ids` are incidents of monitors in `user_id`'s projects.
pub async fn owned_ids(db: &D1Database, user_id: i64, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    const OWNED_IDS: &str = "SELECT id FROM incidents WHERE id IN (SELECT value FROM json_each(?1)) \
         AND monitor_id IN (SELECT id FROM monitors WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?2))";
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<super::Id> = all(db, OWNED_IDS, &args![list, user_id]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The outbox rows of some incidents, for the API to show how far each event got.
pub async fn events_of(db: &D1Database, incident_ids: &[i64]) -> Result<Vec<EventRow>, AppError> {
    let list = serde_json::to_string(incident_ids).unwrap_or_else(|_| "[]".into());
    all(
        db,
        "SELECT incident_id, event, created_at, enqueued_at, received_count FROM incident_events \
         WHERE incident_id IN (SELECT value FROM json_each(?1)) ORDER BY created_at",
        &args![list],
    )
    .await
}

/// Marks events as handed to the alerts queue.
pub async fn mark_enqueued(db: &D1Database, events: &[EventRef], now: EpochMs) -> Result<(), AppError> {
    for e in events {
        run(
            db,
            "UPDATE incident_events SET enqueued_at = ?3 WHERE incident_id = ?1 AND event = ?2 AND enqueued_at IS NULL",
            &args![e.incident_id, e.event.as_str(), iso(now)],
        )
        .await?;
    }
    Ok(())
}

/// Events a check wrote that never reached the queue (the sender died after the commit).
pub async fn unsent_of_check(db: &D1Database, monitor_id: i64, slot: i64) -> Result<Vec<EventRef>, AppError> {
    all(
        db,
        "SELECT incident_id, event, monitor_id, check_slot FROM incident_events \
         WHERE monitor_id = ?1 AND check_slot = ?2 AND enqueued_at IS NULL",
        &args![monitor_id, slot],
    )
    .await
}

/// Events still unsent `older_than` after they were written: the cron's safety net.
pub async fn unsent_before(db: &D1Database, older_than: EpochMs) -> Result<Vec<EventRef>, AppError> {
    all(
        db,
        "SELECT incident_id, event, monitor_id, check_slot FROM incident_events \
         WHERE enqueued_at IS NULL AND created_at < ?1 LIMIT 100",
        &args![iso(older_than)],
    )
    .await
}

/// The alerts consumer saw an event. (Delivery to endpoints replaces this with deliveries.)
pub async fn mark_received(db: &D1Database, e: &EventRef) -> Result<(), AppError> {
    run(
        db,
        "UPDATE incident_events SET received_count = received_count + 1 WHERE incident_id = ?1 AND event = ?2",
        &args![e.incident_id, e.event.as_str()],
    )
    .await
}
