//! Alert sends (the once-only claim per message, endpoint and recipient) and the delivery log
//! (one row per attempt). See migrations/0005_deliveries.sql for why the claim looks like this.
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement, D1Result};

use super::{all, first, stmt};
use crate::args;
use crate::core::delivery::{Outcome, SendState};
use crate::core::time::{iso, EpochMs};
use crate::error::{AppError, Context};

/// Identifies one send; also the body of a delivery message on the alerts queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRef {
    pub message_id: String,
    pub endpoint_id: i64,
    /// `""` for webhooks; one address per email send.
    pub recipient: String,
}

/// A send to be created at fan-out (or by a test request).
#[derive(Debug, Clone)]
pub struct NewSend {
    pub send: SendRef,
    pub event: String,
    pub incident_id: Option<i64>,
    pub payload: String,
}

/// A claimed send: this consumer may make attempt number `attempts` now.
#[derive(Debug, Clone, Deserialize)]
pub struct ClaimedSend {
    pub message_id: String,
    pub endpoint_id: i64,
    pub recipient: String,
    pub event: String,
    pub incident_id: Option<i64>,
    pub payload: String,
    pub attempts: i64,
}

/// Where a send stands, when a claim failed.
#[derive(Debug, Clone, Deserialize)]
pub struct SendStatus {
    pub state: String,
    pub next_attempt_at: i64,
}

impl SendStatus {
    pub fn state(&self) -> Option<SendState> {
        SendState::parse(&self.state)
    }
}

/// One attempt (or suppression) as logged and listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryRow {
    pub id: i64,
    pub endpoint_id: i64,
    pub message_id: String,
    pub incident_id: Option<i64>,
    pub event: String,
    pub recipient: Option<String>,
    pub attempt: i64,
    pub outcome: String,
    pub http_status: Option<i64>,
    pub error: Option<String>,
    pub latency_ms: Option<i64>,
    pub created_at: String,
}

/// A delivery row before it is written.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub send: &'a SendRef,
    pub incident_id: Option<i64>,
    pub event: &'a str,
    pub attempt: i64,
    pub outcome: Outcome,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: Option<i64>,
}

const CREATE_SEND: &str = "INSERT OR IGNORE INTO alert_sends (message_id, endpoint_id, recipient, event, incident_id, payload, next_attempt_at, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING message_id, endpoint_id, recipient";

/// ?1-?3 the send, ?4 now (ms), ?5 the lease (ms), ?6 now (ISO). A pending send is taken
/// only once due (a second of slack for queue delays rounded to whole seconds).
const CLAIM: &str = "UPDATE alert_sends SET state = 'sending', attempts = attempts + 1, lease_until = ?4 + ?5, updated_at = ?6 \
     WHERE message_id = ?1 AND endpoint_id = ?2 AND recipient = ?3 \
     AND ((state = 'pending' AND next_attempt_at <= ?4 + 1000) OR (state = 'sending' AND lease_until < ?4)) \
     RETURNING message_id, endpoint_id, recipient, event, incident_id, payload, attempts";

const SEND_STATE: &str = "SELECT state, next_attempt_at FROM alert_sends WHERE message_id = ?1 AND endpoint_id = ?2 AND recipient = ?3";

/// ?1-?3 the send, ?4 the attempt that ends, ?5 the new state, ?6 next attempt (ms), ?7 now (ISO).
const SETTLE: &str = "UPDATE alert_sends SET state = ?5, next_attempt_at = ?6, lease_until = NULL, updated_at = ?7 \
     WHERE message_id = ?1 AND endpoint_id = ?2 AND recipient = ?3 AND attempts = ?4 AND state = 'sending'";

const LOG_ATTEMPT: &str = "INSERT INTO deliveries (endpoint_id, message_id, incident_id, event, recipient, attempt, outcome, http_status, error, latency_ms, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

const LIST: &str = "SELECT id, endpoint_id, message_id, incident_id, event, recipient, attempt, outcome, http_status, error, latency_ms, created_at \
     FROM deliveries WHERE endpoint_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3";

/// ?1 now (ms), ?2 grace (ms). The `state IN` term lets SQLite seek the `alert_sends_open`
/// partial index, so a tick reads only open sends (pending or sending), never the delivered
/// history (with the bare OR it scanned the whole table).
const STUCK: &str = "SELECT message_id, endpoint_id, recipient FROM alert_sends WHERE state IN ('pending', 'sending') \
     AND ((state = 'pending' AND next_attempt_at < ?1 - ?2) OR (state = 'sending' AND lease_until < ?1)) LIMIT 100";

/// ?1 owner, ?2 now (ms), ?3 limit. The caller's email sends (through their endpoints'
/// projects) that may be attempted now: the claim's own condition, so nothing is attempted
/// before its backoff or `Retry-After` allows. Reads the `alert_sends_open` partial index.
const DUE_EMAILS_OF_OWNER: &str = "SELECT message_id, endpoint_id, recipient FROM alert_sends WHERE state IN ('pending', 'sending') AND recipient <> '' \
     AND endpoint_id IN (SELECT e.id FROM notification_endpoints e JOIN projects p ON p.id = e.project_id WHERE p.owner_id = ?1) \
     AND ((state = 'pending' AND next_attempt_at <= ?2 + 1000) OR (state = 'sending' AND lease_until < ?2)) \
     ORDER BY next_attempt_at LIMIT ?3";

/// ?1 owner. The caller's email sends not settled yet.
const OPEN_EMAILS_OF_OWNER: &str = "SELECT COUNT(*) AS n FROM alert_sends WHERE recipient <> '' AND state IN ('pending', 'sending') \
     AND endpoint_id IN (SELECT e.id FROM notification_endpoints e JOIN projects p ON p.id = e.project_id WHERE p.owner_id = ?1)";

/// Creates the sends that do not exist yet, in one batch (with `also`, the statement that
/// hands their event over); returns the ones this call created, so only those are enqueued (a
/// repeated fan-out enqueues nothing).
pub async fn create(db: &D1Database, sends: &[NewSend], now: EpochMs, also: Option<D1PreparedStatement>) -> Result<Vec<SendRef>, AppError> {
    Ok(create_with(db, sends, now, also.into_iter().collect()).await?.0)
}

/// [`create`] with any statements after the sends in the same batch (the hand-off, the
/// subscribers' fan-out); returns the sends created and the other statements' results.
pub async fn create_with(db: &D1Database, sends: &[NewSend], now: EpochMs, also: Vec<D1PreparedStatement>) -> Result<(Vec<SendRef>, Vec<D1Result>), AppError> {
    if sends.is_empty() && also.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut statements = sends
        .iter()
        .map(|s| {
            stmt(
                db,
                CREATE_SEND,
                &args![s.send.message_id.clone(), s.send.endpoint_id, s.send.recipient.clone(), s.event.clone(), s.incident_id, s.payload.clone(), now, iso(now)],
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    statements.extend(also);
    let mut results = super::run_batch(db, statements, "creating alert sends").await?;
    let rest = results.split_off(sends.len().min(results.len()));
    let mut created = Vec::new();
    for r in results {
        created.extend(r.results::<SendRef>().context("reading created sends")?);
    }
    Ok((created, rest))
}

/// Takes the send for one attempt, in one statement, so of two consumers holding the same
/// message only one gets it. Due pending sends, and sends whose previous holder's lease ran
/// out (it crashed mid-attempt), can be taken.
pub async fn claim(db: &D1Database, s: &SendRef, now: EpochMs, lease_ms: i64) -> Result<Option<ClaimedSend>, AppError> {
    first(
        db,
        CLAIM,
        &args![s.message_id.clone(), s.endpoint_id, s.recipient.clone(), now, lease_ms, iso(now)],
    )
    .await
}

pub async fn state(db: &D1Database, s: &SendRef) -> Result<Option<SendStatus>, AppError> {
    first(
        db,
        SEND_STATE,
        &args![s.message_id.clone(), s.endpoint_id, s.recipient.clone()],
    )
    .await
}

/// The statement that ends an attempt: the send's new state. Guarded on the attempt number, so
/// a holder whose lease ran out (and whose send someone else took over) changes nothing.
pub fn settle(db: &D1Database, s: &SendRef, attempt: i64, state: SendState, next_attempt_at: EpochMs, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(
        db,
        SETTLE,
        &args![s.message_id.clone(), s.endpoint_id, s.recipient.clone(), attempt, state.as_str(), next_attempt_at, iso(now)],
    )
}

/// The statement that logs one attempt.
pub fn log(db: &D1Database, a: &Attempt<'_>, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    let recipient = Some(a.send.recipient.clone()).filter(|r| !r.is_empty());
    stmt(
        db,
        LOG_ATTEMPT,
        &args![a.send.endpoint_id, a.send.message_id.clone(), a.incident_id, a.event, recipient, a.attempt, a.outcome.as_str(), a.http_status, a.error.clone(), a.latency_ms, iso(now)],
    )
}

/// Newest first, before the cursor id.
pub async fn list(db: &D1Database, endpoint_id: i64, before: Option<i64>, limit: u32) -> Result<Vec<DeliveryRow>, AppError> {
    all(
        db,
        LIST,
        &args![endpoint_id, before, limit],
    )
    .await
}

/// Sends nobody is working on: pending long past their retry time (the retry message was
/// lost, or the fan-out died before enqueueing), or held by a sender whose lease ran out.
pub async fn stuck(db: &D1Database, now: EpochMs, grace_ms: i64) -> Result<Vec<SendRef>, AppError> {
    all(
        db,
        STUCK,
        &args![now, grace_ms],
    )
    .await
}

/// The caller's email sends that are due, for `GET /emails`.
pub async fn due_emails_of_owner(db: &D1Database, owner: i64, now: EpochMs, limit: u32) -> Result<Vec<SendRef>, AppError> {
    all(db, DUE_EMAILS_OF_OWNER, &args![owner, now, limit]).await
}

/// How many of the caller's email sends are not settled yet.
pub async fn open_emails_of_owner(db: &D1Database, owner: i64) -> Result<usize, AppError> {
    #[derive(Deserialize)]
    struct Count {
        n: i64,
    }
    let row: Option<Count> = first(db, OPEN_EMAILS_OF_OWNER, &args![owner]).await?;
    Ok(row.map_or(0, |c| usize::try_from(c.n).unwrap_or(0)))
}
