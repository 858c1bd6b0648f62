//! Status page subscribers (DESIGN.md §6, §9; migrations/0018_subscribers.sql): the subscribe
//! form's writes and rate-limit counters, links, the owner's list, and the subscriber sends'
//! claim, settle and log (the same protocol as `deliveries` for endpoints).
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::{all, first, run, stmt};
use crate::args;
use crate::core::delivery::{Outcome, SendState};
use crate::core::subscribers::{Limit, CONFIRM_RESEND_MS, CONFIRM_TTL_MS};
use crate::core::time::{iso, EpochMs};
use crate::error::{AppError, Context};

/// One subscriber send; also the body of its message on the alerts queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberSendRef {
    pub message_id: String,
    pub subscriber_id: i64,
}

/// A posted update waiting in the outbox; also its message on the alerts queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriberEventRef {
    pub subscriber_event: i64,
}

// ---------------------------------------------------------------------------------------
// The subscribe form

/// ?1 before (ms). A few expired counters per request, through the window index.
const LIMIT_PRUNE: &str = "DELETE FROM subscribe_limits WHERE key IN (SELECT key FROM subscribe_limits WHERE window_start_ms < ?1 LIMIT 20)";

/// ?1 key, ?2 window start (ms). One row per key, restarted when a new window begins.
const LIMIT_BUMP: &str = "INSERT INTO subscribe_limits (key, window_start_ms, count) VALUES (?1, ?2, 1) \
     ON CONFLICT(key) DO UPDATE SET count = CASE WHEN window_start_ms = ?2 THEN count + 1 ELSE 1 END, window_start_ms = ?2 \
     RETURNING count";

/// Counts this request against each `(limit, key)` in one batch (and prunes a few expired
/// counters); returns the counts, this request included, in order.
pub async fn bump_limits(db: &D1Database, limits: &[(Limit, String)], now: EpochMs) -> Result<Vec<u32>, AppError> {
    let oldest = limits.iter().map(|(l, _)| l.window_ms).max().unwrap_or(0);
    let mut batch = vec![stmt(db, LIMIT_PRUNE, &args![now - oldest])?];
    for (limit, key) in limits {
        batch.push(stmt(db, LIMIT_BUMP, &args![format!("{}:{key}", limit.scope), limit.window(now)])?);
    }
    #[derive(Deserialize)]
    struct Count {
        count: i64,
    }
    let results = super::run_batch(db, batch, "counting subscribe requests").await?;
    let mut counts = Vec::new();
    for r in results.into_iter().skip(1) {
        let row = r.results::<Count>().context("reading a counter")?.into_iter().next();
        counts.push(row.map_or(u32::MAX, |c| u32::try_from(c.count).unwrap_or(u32::MAX)));
    }
    Ok(counts)
}

/// ?1 project, ?2 email, ?3 email key, ?4 monitors (JSON or NULL), ?5 now (ms), ?6 now (ISO),
/// ?7 resend before (ms). A new address gets a row; an unconfirmed one whose last confirmation
/// is older than 15 minutes is stamped again (and takes the new monitor choice); a confirmed
/// one is never touched. Whether a confirmation goes out is whether the stamp is now.
const SUBSCRIBE: &str = "INSERT INTO subscribers (project_id, email, email_key, monitors, confirm_sent_ms, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
     ON CONFLICT(project_id, email_key) DO UPDATE SET confirm_sent_ms = ?5, monitors = ?4, email = ?2 \
     WHERE confirmed_at IS NULL AND (confirm_sent_ms IS NULL OR confirm_sent_ms <= ?7)";

/// ?1 project, ?2 email key, ?3 now (ms), ?4 payload, ?5 now (ISO). The id is
/// `core::subscribers::confirm_message_id`.
const CONFIRM_MESSAGE: &str = "INSERT OR IGNORE INTO subscriber_messages (id, project_id, event, incident_id, payload, created_at) \
     SELECT 'sub_confirm_' || id || '_' || CAST(?3 AS INTEGER), project_id, 'subscription.confirm', NULL, ?4, ?5 FROM subscribers \
     WHERE project_id = ?1 AND email_key = ?2 AND confirm_sent_ms = ?3 AND confirmed_at IS NULL";

/// ?1 project, ?2 email key, ?3 now (ms), ?4 now (ISO).
const CONFIRM_SEND: &str = "INSERT OR IGNORE INTO subscriber_sends (message_id, subscriber_id, next_attempt_at, created_at, updated_at) \
     SELECT 'sub_confirm_' || id || '_' || CAST(?3 AS INTEGER), id, ?3, ?4, ?4 FROM subscribers \
     WHERE project_id = ?1 AND email_key = ?2 AND confirm_sent_ms = ?3 AND confirmed_at IS NULL \
     RETURNING message_id, subscriber_id";

/// ?1 unconfirmed rows created before (ISO), ?2 and not mailed since (ms).
const PRUNE_UNCONFIRMED: &str = "DELETE FROM subscribers WHERE id IN (SELECT id FROM subscribers \
     WHERE confirmed_at IS NULL AND created_at < ?1 AND (confirm_sent_ms IS NULL OR confirm_sent_ms < ?2) LIMIT 20)";

/// A subscribe request for one address, in one batch: the row (unless confirmed or mailed in
/// the last 15 minutes), its confirmation message and send, and a few expired unconfirmed rows
/// pruned. Returns the confirmation send to enqueue, if one was created.
pub async fn subscribe(
    db: &D1Database,
    project_id: i64,
    email: &str,
    email_key: &str,
    monitors: Option<String>,
    payload: &str,
    now: EpochMs,
) -> Result<Option<SubscriberSendRef>, AppError> {
    let at = iso(now);
    let batch = vec![
        stmt(db, PRUNE_UNCONFIRMED, &args![iso(now - CONFIRM_TTL_MS), now - CONFIRM_TTL_MS])?,
        stmt(db, SUBSCRIBE, &args![project_id, email, email_key, monitors, now, at.clone(), now - CONFIRM_RESEND_MS])?,
        stmt(db, CONFIRM_MESSAGE, &args![project_id, email_key, now, payload, at.clone()])?,
        stmt(db, CONFIRM_SEND, &args![project_id, email_key, now, at])?,
    ];
    let results = super::run_batch(db, batch, "subscribing").await?;
    let created = match results.last() {
        Some(r) => r.results::<SubscriberSendRef>().context("reading the confirmation send")?,
        None => Vec::new(),
    };
    Ok(created.into_iter().next())
}

/// A subscriber as a link names it.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkSubscriber {
    pub id: i64,
    pub email: String,
    pub email_key: String,
    pub confirmed_at: Option<String>,
}

const BY_ID: &str = "SELECT id, email, email_key, confirmed_at FROM subscribers WHERE id = ?1 AND project_id = ?2";

pub async fn by_id(db: &D1Database, project_id: i64, id: i64) -> Result<Option<LinkSubscriber>, AppError> {
    first(db, BY_ID, &args![id, project_id]).await
}

const CONFIRM: &str = "UPDATE subscribers SET confirmed_at = COALESCE(confirmed_at, ?3) WHERE id = ?1 AND project_id = ?2";

pub async fn confirm(db: &D1Database, project_id: i64, id: i64, now: EpochMs) -> Result<(), AppError> {
    run(db, CONFIRM, &args![id, project_id, iso(now)]).await
}

/// Unsubscribing deletes the row; its waiting sends and its log go with it (ON DELETE CASCADE).
const UNSUBSCRIBE: &str = "DELETE FROM subscribers WHERE id = ?1 AND project_id = ?2";

pub async fn unsubscribe(db: &D1Database, project_id: i64, id: i64) -> Result<(), AppError> {
    run(db, UNSUBSCRIBE, &args![id, project_id]).await
}

// ---------------------------------------------------------------------------------------
// The owner's view

/// A subscriber as its page's owner sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriberRow {
    pub id: i64,
    pub project_id: i64,
    pub email: String,
    /// JSON text in D1; `monitors()` reads it.
    #[serde(skip_serializing)]
    pub monitors: Option<String>,
    pub confirmed_at: Option<String>,
    pub created_at: String,
}

impl SubscriberRow {
    pub fn monitor_ids(&self) -> Option<Vec<i64>> {
        self.monitors.as_deref().and_then(|m| serde_json::from_str(m).ok())
    }
}

/// ?1 project, ?2 owner, ?3 after id, ?4 limit. Lowest id first.
const LIST: &str = "SELECT s.id, s.project_id, s.email, s.monitors, s.confirmed_at, s.created_at FROM subscribers s \
     JOIN projects p ON p.id = s.project_id WHERE s.project_id = ?1 AND p.owner_id = ?2 AND s.id > ?3 ORDER BY s.id LIMIT ?4";

pub async fn list(db: &D1Database, owner: i64, project_id: i64, after: i64, limit: u32) -> Result<Vec<SubscriberRow>, AppError> {
    all(db, LIST, &args![project_id, owner, after, limit]).await
}

/// How many subscribers a page has, confirmed and not yet.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Counts {
    pub confirmed: i64,
    pub unconfirmed: i64,
}

const COUNTS: &str = "SELECT COALESCE(SUM(s.confirmed_at IS NOT NULL), 0) AS confirmed, COALESCE(SUM(s.confirmed_at IS NULL), 0) AS unconfirmed \
     FROM subscribers s JOIN projects p ON p.id = s.project_id WHERE s.project_id = ?1 AND p.owner_id = ?2";

pub async fn counts(db: &D1Database, owner: i64, project_id: i64) -> Result<Counts, AppError> {
    Ok(first(db, COUNTS, &args![project_id, owner]).await?.unwrap_or_default())
}

const PROJECT_OF: &str = "SELECT s.project_id AS id FROM subscribers s JOIN projects p ON p.id = s.project_id WHERE s.id = ?1 AND p.owner_id = ?2";

/// The project of an owner's subscriber (`None`: not theirs, or not there).
pub async fn project_of(db: &D1Database, owner: i64, id: i64) -> Result<Option<i64>, AppError> {
    let row: Option<super::Id> = first(db, PROJECT_OF, &args![id, owner]).await?;
    Ok(row.map(|r| r.id))
}

const REMOVE: &str = "DELETE FROM subscribers WHERE id = ?1 AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2) RETURNING id";

/// The owner removes a subscriber; false when it is not theirs (or not there).
pub async fn remove(db: &D1Database, owner: i64, id: i64) -> Result<bool, AppError> {
    let rows: Vec<super::Id> = all(db, REMOVE, &args![id, owner]).await?;
    Ok(!rows.is_empty())
}

// ---------------------------------------------------------------------------------------
// Fan-out

/// ?1 message id, ?2 project, ?3 event, ?4 incident, ?5 payload, ?6 now (ISO).
const MESSAGE: &str = "INSERT OR IGNORE INTO subscriber_messages (id, project_id, event, incident_id, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// ?1 message id, ?2 project, ?3 now (ms), ?4 now (ISO), ?5 monitor (or NULL for a notice).
/// One row per confirmed subscriber who wants this monitor, read through the
/// `subscribers_confirmed` index: N subscribers, N rows read and N written, one statement.
const FAN_OUT: &str = "INSERT OR IGNORE INTO subscriber_sends (message_id, subscriber_id, next_attempt_at, created_at, updated_at) \
     SELECT ?1, s.id, ?3, ?4, ?4 FROM subscribers s WHERE s.project_id = ?2 AND s.confirmed_at IS NOT NULL \
     AND (?5 IS NULL OR s.monitors IS NULL OR EXISTS (SELECT 1 FROM json_each(s.monitors) WHERE value = ?5)) \
     RETURNING message_id, subscriber_id";

/// The two statements that create one message and its sends to every confirmed subscriber who
/// wants it; push them into the batch that hands the event over. The second returns the sends
/// created ([`SubscriberSendRef`] rows).
pub fn fan_out(db: &D1Database, m: &NewMessage<'_>, now: EpochMs) -> Result<[D1PreparedStatement; 2], AppError> {
    Ok([
        stmt(db, MESSAGE, &args![m.id, m.project_id, m.event, m.incident_id, m.payload, iso(now)])?,
        stmt(db, FAN_OUT, &args![m.id, m.project_id, now, iso(now), m.monitor_id])?,
    ])
}

/// A message for a page's confirmed subscribers.
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub project_id: i64,
    pub event: &'a str,
    pub incident_id: Option<i64>,
    /// Only subscribers of this monitor (and those of all monitors); `None`: everyone.
    pub monitor_id: Option<i64>,
    pub payload: &'a str,
}

// ---------------------------------------------------------------------------------------
// The update outbox (the seam with incident updates and notices)

/// ?1 project, ?2 incident (or NULL), ?3 title (or NULL: the notice's title, else the
/// incident's monitor), ?4 status, ?5 message, ?6 the poster's id for it, ?7 now (ISO), ?8 notice.
const UPDATE_POSTED: &str = "INSERT INTO subscriber_events (project_id, incident_id, monitor_id, update_ref, status, title, message, created_at) \
     VALUES (?1, ?2, (SELECT monitor_id FROM incidents WHERE id = ?2), ?6, ?4, \
       COALESCE(?3, (SELECT title FROM notices WHERE id = ?8), \
         (SELECT m.name FROM incidents i JOIN monitors m ON m.id = i.monitor_id WHERE i.id = ?2), 'Notice'), ?5, ?7)";

/// What an operator posted, for the subscribers of its page.
#[derive(Debug, Clone, Copy)]
pub struct UpdatePosted<'a> {
    pub project_id: i64,
    /// The incident it updates; `None` for a notice not tied to one.
    pub incident_id: Option<i64>,
    /// The notice it updates (its title is the email's), if any.
    pub notice_id: Option<i64>,
    /// The title; `None`: the notice's title, else the incident's monitor name.
    pub title: Option<&'a str>,
    /// investigating | identified | monitoring | resolved
    pub status: &'a str,
    pub message: &'a str,
    /// The poster's own id for the update (shown in logs only).
    pub update_ref: Option<&'a str>,
}

/// The outbox row for "update posted": pushed into the batch that writes the update
/// (`store::notices::post_update`, `open_notice`); the route then calls
/// `alerts::subscribers::enqueue_events` after the batch (the cron resends it otherwise). One
/// row written; the fan-out later writes one message row and one send per subscriber.
pub fn update_posted(db: &D1Database, u: &UpdatePosted<'_>, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, UPDATE_POSTED, &args![u.project_id, u.incident_id, u.title, u.status, u.message, u.update_ref, iso(now), u.notice_id])
}

/// ?1 now (ISO). Events never enqueued: marked and returned (the unreceived partial index).
const ENQUEUE_NEW: &str = "UPDATE subscriber_events SET enqueued_at = ?1 WHERE received_at IS NULL AND enqueued_at IS NULL \
     AND id IN (SELECT id FROM subscriber_events WHERE received_at IS NULL LIMIT 100) RETURNING id AS subscriber_event";

pub async fn claim_new_events(db: &D1Database, now: EpochMs) -> Result<Vec<SubscriberEventRef>, AppError> {
    all(db, ENQUEUE_NEW, &args![iso(now)]).await
}

/// ?1 now (ISO), ?2 grace cut-off (ISO). Events the consumer has not recorded a grace period
/// after they were written or last enqueued.
const RESEND_UNRECEIVED: &str = "UPDATE subscriber_events SET enqueued_at = ?1 WHERE id IN (SELECT id FROM subscriber_events \
     WHERE received_at IS NULL AND COALESCE(enqueued_at, created_at) < ?2 LIMIT 100) RETURNING id AS subscriber_event";

pub async fn claim_unreceived_events(db: &D1Database, now: EpochMs, grace_ms: i64) -> Result<Vec<SubscriberEventRef>, AppError> {
    all(db, RESEND_UNRECEIVED, &args![iso(now), iso(now - grace_ms)]).await
}

/// A posted update with its page, read in one query.
#[derive(Debug, Clone, Deserialize)]
pub struct EventRow {
    pub id: i64,
    pub project_id: i64,
    pub incident_id: Option<i64>,
    pub monitor_id: Option<i64>,
    pub status: String,
    pub title: String,
    pub message: String,
    pub created_at: String,
    pub received_at: Option<String>,
    pub project_name: String,
    pub project_slug: String,
    pub public: i64,
    pub in_maintenance: Option<i64>,
}

/// ?1 event, ?2 now (ISO). A project-wide window holds every update; a monitor's window holds
/// the updates of its incidents.
const EVENT: &str = "SELECT e.id, e.project_id, e.incident_id, e.monitor_id, e.status, e.title, e.message, e.created_at, e.received_at, \
     p.name AS project_name, p.slug AS project_slug, p.public, \
     (SELECT 1 FROM maintenance_windows w WHERE w.project_id = e.project_id AND (w.monitor_id IS NULL OR w.monitor_id = e.monitor_id) \
        AND w.starts_at <= ?2 AND w.ends_at > ?2 LIMIT 1) AS in_maintenance \
     FROM subscriber_events e JOIN projects p ON p.id = e.project_id WHERE e.id = ?1";

pub async fn event(db: &D1Database, id: i64, now: EpochMs) -> Result<Option<EventRow>, AppError> {
    first(db, EVENT, &args![id, iso(now)]).await
}

const EVENT_RECEIVED: &str = "UPDATE subscriber_events SET received_at = COALESCE(received_at, ?2) WHERE id = ?1";

pub fn event_received(db: &D1Database, id: i64, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, EVENT_RECEIVED, &args![id, iso(now)])
}

/// Holds an update during maintenance (which hands it over); a row only the first time.
const HOLD_EVENT: &str = "UPDATE subscriber_events SET held_at = ?2, received_at = COALESCE(received_at, ?2) WHERE id = ?1 AND held_at IS NULL RETURNING id";

pub async fn hold_event(db: &D1Database, id: i64, now: EpochMs) -> Result<bool, AppError> {
    let rows: Vec<super::Id> = all(db, HOLD_EVENT, &args![id, iso(now)]).await?;
    Ok(!rows.is_empty())
}

/// ?1 now (ISO). Held updates whose window has ended go out now (handed over anew).
const RELEASE_HELD: &str = "UPDATE subscriber_events SET held_at = NULL, received_at = NULL, enqueued_at = ?1 WHERE id IN ( \
       SELECT e.id FROM subscriber_events e WHERE e.held_at IS NOT NULL \
       AND NOT EXISTS (SELECT 1 FROM maintenance_windows w WHERE w.project_id = e.project_id \
         AND (w.monitor_id IS NULL OR w.monitor_id = e.monitor_id) AND w.starts_at <= ?1 AND w.ends_at > ?1) LIMIT 100) \
     RETURNING id AS subscriber_event";

pub async fn release_held(db: &D1Database, now: EpochMs) -> Result<Vec<SubscriberEventRef>, AppError> {
    all(db, RELEASE_HELD, &args![iso(now)]).await
}

// ---------------------------------------------------------------------------------------
// Claim, send, settle, log

/// ?1-?2 the send, ?3 now (ms), ?4 lease (ms), ?5 now (ISO). `deliveries::claim`'s rule.
const CLAIM: &str = "UPDATE subscriber_sends SET state = 'sending', attempts = attempts + 1, lease_until = ?3 + ?4, updated_at = ?5 \
     WHERE message_id = ?1 AND subscriber_id = ?2 \
     AND ((state = 'pending' AND next_attempt_at <= ?3 + 1000) OR (state = 'sending' AND lease_until < ?3)) \
     RETURNING attempts";

/// Takes the send for one attempt; returns the attempt number.
pub async fn claim(db: &D1Database, s: &SubscriberSendRef, now: EpochMs, lease_ms: i64) -> Result<Option<i64>, AppError> {
    #[derive(Deserialize)]
    struct Attempts {
        attempts: i64,
    }
    let row: Option<Attempts> = first(db, CLAIM, &args![s.message_id.clone(), s.subscriber_id, now, lease_ms, iso(now)]).await?;
    Ok(row.map(|r| r.attempts))
}

const SEND_STATE: &str = "SELECT state, next_attempt_at FROM subscriber_sends WHERE message_id = ?1 AND subscriber_id = ?2";

pub async fn state(db: &D1Database, s: &SubscriberSendRef) -> Result<Option<super::deliveries::SendStatus>, AppError> {
    first(db, SEND_STATE, &args![s.message_id.clone(), s.subscriber_id]).await
}

/// Everything one attempt needs, read in one query.
#[derive(Debug, Clone, Deserialize)]
pub struct SendContext {
    pub event: String,
    pub payload: String,
    pub project_id: i64,
    pub project_slug: String,
    pub project_name: String,
    pub public: i64,
    pub email: String,
    pub email_key: String,
}

const SEND_CONTEXT: &str = "SELECT m.event, m.payload, m.project_id, p.slug AS project_slug, p.name AS project_name, p.public, s.email, s.email_key \
     FROM subscriber_messages m JOIN subscribers s ON s.id = ?2 AND s.project_id = m.project_id JOIN projects p ON p.id = m.project_id \
     WHERE m.id = ?1";

pub async fn send_context(db: &D1Database, s: &SubscriberSendRef) -> Result<Option<SendContext>, AppError> {
    first(db, SEND_CONTEXT, &args![s.message_id.clone(), s.subscriber_id]).await
}

const SETTLE: &str = "UPDATE subscriber_sends SET state = ?4, next_attempt_at = ?5, lease_until = NULL, updated_at = ?6 \
     WHERE message_id = ?1 AND subscriber_id = ?2 AND attempts = ?3 AND state = 'sending'";

/// Ends an attempt (guarded on the attempt number, as `deliveries::settle`).
pub fn settle(db: &D1Database, s: &SubscriberSendRef, attempt: i64, state: SendState, next_attempt_at: EpochMs, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, SETTLE, &args![s.message_id.clone(), s.subscriber_id, attempt, state.as_str(), next_attempt_at, iso(now)])
}

const LOG: &str = "INSERT INTO subscriber_deliveries (project_id, subscriber_id, message_id, event, attempt, outcome, http_status, error, latency_ms, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// One attempt (or, with no subscriber, a held message) in the subscriber delivery log.
#[derive(Debug, Clone)]
pub struct Logged<'a> {
    pub project_id: i64,
    pub subscriber_id: Option<i64>,
    pub message_id: &'a str,
    pub event: &'a str,
    pub attempt: i64,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: Option<i64>,
}

pub fn log(db: &D1Database, l: &Logged<'_>, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, LOG, &args![l.project_id, l.subscriber_id, l.message_id, l.event, l.attempt, l.outcome.as_str(), l.http_status, l.error.clone(), l.latency_ms, iso(now)])
}

/// ?1 now (ms), ?2 grace (ms): open sends nobody is working on (the `subscriber_sends_open` index).
const STUCK: &str = "SELECT message_id, subscriber_id FROM subscriber_sends WHERE state IN ('pending', 'sending') \
     AND ((state = 'pending' AND next_attempt_at < ?1 - ?2) OR (state = 'sending' AND lease_until < ?1)) LIMIT 100";

pub async fn stuck(db: &D1Database, now: EpochMs, grace_ms: i64) -> Result<Vec<SubscriberSendRef>, AppError> {
    all(db, STUCK, &args![now, grace_ms]).await
}

/// One row of the subscriber delivery log, as the owner reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub subscriber_id: Option<i64>,
    pub message_id: String,
    pub event: String,
    pub attempt: i64,
    pub outcome: String,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub created_at: String,
}

/// ?1 project, ?2 owner, ?3 before id (or NULL), ?4 limit. Newest first.
const DELIVERIES: &str = "SELECT d.id, d.subscriber_id, d.message_id, d.event, d.attempt, d.outcome, d.http_status, d.error, d.created_at \
     FROM subscriber_deliveries d JOIN projects p ON p.id = d.project_id WHERE d.project_id = ?1 AND p.owner_id = ?2 \
     AND (?3 IS NULL OR d.id < ?3) ORDER BY d.id DESC LIMIT ?4";

pub async fn deliveries(db: &D1Database, owner: i64, project_id: i64, before: Option<i64>, limit: u32) -> Result<Vec<DeliveryRow>, AppError> {
    all(db, DELIVERIES, &args![project_id, owner, before, limit]).await
}
