//! The alerts glue's reads and writes of incident events, maintenance holds, reminders and
//! test events (DESIGN.md §6). Sends and the delivery log are in `deliveries`.
use serde::Deserialize;
use worker::D1Database;

use super::checks::EventRef;
use super::deliveries::SendRef;
use super::{all, first};
use crate::args;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

/// An incident event with everything an alert says, read in one query.
#[derive(Debug, Deserialize)]
pub struct EventContext {
    pub incident_id: i64,
    pub event: String,
    pub event_at: String,
    pub released_at: Option<String>,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    pub cause: String,
    pub incident_failure_kind: Option<String>,
    pub monitor_id: i64,
    pub monitor_name: String,
    pub monitor_url: String,
    pub monitor_type: String,
    pub monitor_hostname: Option<String>,
    pub monitor_record_type: Option<String>,
    pub project_id: i64,
    pub project_slug: String,
    pub project_name: String,
    pub check_status: Option<String>,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub failure_type: Option<String>,
    pub check_failure_kind: Option<String>,
    pub check_started_at: Option<String>,
    pub in_maintenance: Option<i64>,
    pub opened_held: Option<i64>,
    /// For status page subscribers, who read only the public category (DESIGN.md §9).
    pub cause_http_status: Option<i64>,
    pub project_public: i64,
}

/// ?1 incident, ?2 event, ?3 now (ISO). The check is the event's own (by its slot), so the
/// alert's content is the same however late it is built; the maintenance and "opened alert
/// held" flags decide whether the event is held.
const EVENT_CONTEXT: &str = "SELECT e.incident_id, e.event, e.created_at AS event_at, e.released_at, \
     i.opened_at, i.resolved_at, i.cause, i.failure_kind AS incident_failure_kind, i.cause_http_status, p.public AS project_public, \
     m.id AS monitor_id, m.name AS monitor_name, m.url AS monitor_url, \
     m.monitor_type, m.hostname AS monitor_hostname, m.record_type AS monitor_record_type, \
     p.id AS project_id, p.slug AS project_slug, p.name AS project_name, \
     c.status AS check_status, c.http_status, c.latency_ms, c.failure_type, c.failure_kind AS check_failure_kind, \
     c.started_at AS check_started_at, \
     (SELECT 1 FROM maintenance_windows w WHERE w.project_id = p.id AND (w.monitor_id IS NULL OR w.monitor_id = m.id) \
        AND w.starts_at <= ?3 AND w.ends_at > ?3 LIMIT 1) AS in_maintenance, \
     (SELECT 1 FROM incident_events o WHERE o.incident_id = e.incident_id AND o.event = 'incident.opened' \
        AND o.held_at IS NOT NULL AND o.released_at IS NULL) AS opened_held \
     FROM incident_events e JOIN incidents i ON i.id = e.incident_id JOIN monitors m ON m.id = i.monitor_id \
     JOIN projects p ON p.id = m.project_id LEFT JOIN checks c ON c.monitor_id = e.monitor_id AND c.slot = e.check_slot \
     WHERE e.incident_id = ?1 AND e.event = ?2";

/// `None` when the monitor (and with it the incident and its events) was deleted meanwhile.
pub async fn event_context(db: &D1Database, e: &EventRef, now: EpochMs) -> Result<Option<EventContext>, AppError> {
    first(db, EVENT_CONTEXT, &args![e.incident_id, e.event.as_str(), iso(now)]).await
}

/// Holds an event (maintenance); returns a row only the first time (or after a release), so
/// the `suppressed` log is written once per hold. The hold is what the consumer records for
/// the event, so it also hands the event over (`received_at`).
const HOLD_EVENT: &str = "UPDATE incident_events SET held_at = COALESCE(held_at, ?3), released_at = NULL, received_at = COALESCE(received_at, ?3) \
     WHERE incident_id = ?1 AND event = ?2 AND (held_at IS NULL OR released_at IS NOT NULL) RETURNING incident_id";

/// True if this call put the event on hold (false: it was held already).
pub async fn hold_event(db: &D1Database, incident_id: i64, event: &str, now: EpochMs) -> Result<bool, AppError> {
    let newly: Vec<serde_json::Value> = all(db, HOLD_EVENT, &args![incident_id, event, iso(now)]).await?;
    Ok(!newly.is_empty())
}

/// ?1 now (ISO). Opened events held by a window that has ended while the incident is still
/// open: marked released and returned, at most 100 a tick. Reads only held, unreleased rows
/// (the `incident_events_held` partial index). A released event is handed over anew: until
/// the consumer records its sends, the cron's outbox check resends it.
const RELEASE_HELD: &str = "UPDATE incident_events SET released_at = ?1, enqueued_at = ?1, received_at = NULL WHERE rowid IN ( \
       SELECT e.rowid FROM incident_events e JOIN incidents i ON i.id = e.incident_id JOIN monitors m ON m.id = i.monitor_id \
       WHERE e.held_at IS NOT NULL AND e.released_at IS NULL AND e.event = 'incident.opened' AND i.resolved_at IS NULL \
       AND NOT EXISTS (SELECT 1 FROM maintenance_windows w WHERE w.project_id = m.project_id \
         AND (w.monitor_id IS NULL OR w.monitor_id = m.id) AND w.starts_at <= ?1 AND w.ends_at > ?1) LIMIT 100) \
     RETURNING incident_id, event, monitor_id, check_slot";

pub async fn release_held(db: &D1Database, now: EpochMs) -> Result<Vec<EventRef>, AppError> {
    all(db, RELEASE_HELD, &args![iso(now)]).await
}

const INCIDENT_OPEN: &str = "SELECT 1 AS open FROM incidents WHERE id = ?1 AND resolved_at IS NULL";

pub async fn incident_open(db: &D1Database, incident_id: i64) -> Result<bool, AppError> {
    let row: Option<serde_json::Value> = first(db, INCIDENT_OPEN, &args![incident_id]).await?;
    Ok(row.is_some())
}

/// The project a test event speaks for.
#[derive(Debug, Deserialize)]
pub struct TestProject {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

const TEST_PROJECT: &str = "SELECT id, slug, name FROM projects WHERE id = ?1";

pub async fn project(db: &D1Database, project_id: i64) -> Result<Option<TestProject>, AppError> {
    first(db, TEST_PROJECT, &args![project_id]).await
}

/// One (open incident, endpoint, recipient) whose current reminder is due and not yet created,
/// with what the reminder says (the monitor's latest check).
#[derive(Debug, Deserialize)]
pub struct DueReminder {
    pub incident_id: i64,
    pub opened_at: String,
    pub cause: String,
    pub incident_failure_kind: Option<String>,
    pub monitor_id: i64,
    pub monitor_name: String,
    pub monitor_url: String,
    pub monitor_type: String,
    pub monitor_hostname: Option<String>,
    pub monitor_record_type: Option<String>,
    pub project_id: i64,
    pub project_slug: String,
    pub project_name: String,
    pub endpoint_id: i64,
    pub endpoint_kind: String,
    pub recipient: String,
    pub reminder_minutes: i64,
    pub check_status: Option<String>,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub failure_type: Option<String>,
    pub check_failure_kind: Option<String>,
    pub check_started_at: Option<String>,
}

/// Who gets reminders (README "Alerts"): an open incident, not in a maintenance window; an
/// active endpoint with `reminder_minutes` whose `events` include `incident.opened`; and only
/// where the opened alert was delivered (per email recipient, and only recipients still on
/// the list; found by its message id, `webhook::message_id`, so through alert_sends' key).
/// Reminder k is due at opened_at + k * N; the last condition skips the rows whose current
/// reminder already has its send row (`reminder::message_id`, rebuilt here in SQL: a
/// mismatch would only make a row come back each tick, never send twice, since the insert is
/// keyed on the id Rust builds). opened_ms is the same epoch ms `parse_iso` gives (ISO text
/// with milliseconds, rounded back from julianday).
/// ?1 now (ms), ?2 the reminder unit (ms), ?3 now (ISO), ?4 limit.
const DUE_REMINDERS: &str = "WITH open AS ( \
       SELECT i.id, i.monitor_id, i.opened_at, i.cause, i.failure_kind, \
              CAST(ROUND((julianday(i.opened_at) - 2440587.5) * 86400000.0) AS INTEGER) AS opened_ms \
       FROM incidents i WHERE i.resolved_at IS NULL) \
     SELECT i.id AS incident_id, i.opened_at, i.cause, i.failure_kind AS incident_failure_kind, m.id AS monitor_id, m.name AS monitor_name, m.url AS monitor_url, \
       m.monitor_type, m.hostname AS monitor_hostname, m.record_type AS monitor_record_type, \
       p.id AS project_id, p.slug AS project_slug, p.name AS project_name, \
       e.id AS endpoint_id, e.kind AS endpoint_kind, o.recipient, e.reminder_minutes, \
       c.status AS check_status, c.http_status, c.latency_ms, c.failure_type, c.failure_kind AS check_failure_kind, \
       c.started_at AS check_started_at \
     FROM open i JOIN monitors m ON m.id = i.monitor_id JOIN projects p ON p.id = m.project_id \
     JOIN notification_endpoints e ON e.project_id = p.id AND e.is_active = 1 AND e.reminder_minutes > 0 \
       AND EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = 'incident.opened') \
     JOIN alert_sends o ON o.message_id = 'msg_' || i.id || '_' || i.opened_ms || '_incident_opened' \
       AND o.endpoint_id = e.id AND o.state = 'delivered' \
       AND (o.recipient = '' OR o.recipient IN (SELECT value FROM json_each(COALESCE(e.recipients, '[]')))) \
     LEFT JOIN checks c ON c.monitor_id = m.id AND c.slot = (SELECT MAX(slot) FROM checks WHERE monitor_id = m.id) \
     WHERE CAST(?1 AS INTEGER) - i.opened_ms >= e.reminder_minutes * CAST(?2 AS INTEGER) \
       AND NOT EXISTS (SELECT 1 FROM maintenance_windows w WHERE w.project_id = p.id \
         AND (w.monitor_id IS NULL OR w.monitor_id = m.id) AND w.starts_at <= ?3 AND w.ends_at > ?3) \
       AND NOT EXISTS (SELECT 1 FROM alert_sends r WHERE r.endpoint_id = e.id AND r.recipient = o.recipient \
         AND r.message_id = 'msg_' || i.id || '_' || i.opened_ms || '_incident_reminder_' \
           || ((CAST(?1 AS INTEGER) - i.opened_ms) / (e.reminder_minutes * CAST(?2 AS INTEGER)))) \
     ORDER BY i.opened_at, e.id LIMIT ?4";

pub async fn due_reminders(db: &D1Database, now: EpochMs, unit_ms: i64, limit: u32) -> Result<Vec<DueReminder>, AppError> {
    all(db, DUE_REMINDERS, &args![now, unit_ms, iso(now), limit]).await
}

/// ?1 a JSON array of `{m, e, r, i, p}` (message id, endpoint, recipient, incident, payload),
/// ?2 the event, ?3 now (ms), ?4 now (ISO). The incident is checked again here: it may have
/// resolved since the select. Returns the sends it created.
const CREATE_REMINDER_SENDS: &str = "INSERT OR IGNORE INTO alert_sends \
       (message_id, endpoint_id, recipient, event, incident_id, payload, next_attempt_at, created_at, updated_at) \
     SELECT json_extract(j.value, '$.m'), json_extract(j.value, '$.e'), json_extract(j.value, '$.r'), ?2, json_extract(j.value, '$.i'), \
            json_extract(j.value, '$.p'), ?3, ?4, ?4 \
     FROM json_each(?1) j JOIN incidents i ON i.id = json_extract(j.value, '$.i') AND i.resolved_at IS NULL \
     RETURNING message_id, endpoint_id, recipient";

pub async fn create_reminder_sends(db: &D1Database, rows_json: String, event: &str, now: EpochMs) -> Result<Vec<SendRef>, AppError> {
    all(db, CREATE_REMINDER_SENDS, &args![rows_json, event, now, iso(now)]).await
}
