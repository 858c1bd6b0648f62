//! Check rows, and recording a check: row + monitor state + incident transition in one D1
//! batch, which D1 runs as one transaction.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{all, first, stmt, Batch, Refusal};
use crate::args;
use crate::core::classify::Verdict;
use crate::core::failure::FailureKind;
use crate::core::incident::{Step, Transition};
use crate::core::schedule::{check_id, slot_at_or_after, slot_at_or_before, CheckJob};
use crate::core::status::CheckStatus;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

const INSERT_CHECK: &str = "INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, attempts, failure_kind) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
/// Sets state_version to the version the recorder read + 1; the guard trigger aborts the
/// batch when someone else got there first. The re-check columns (migration 0008): ?8/?9 the
/// re-check this check asks for (its slot, and when it counts as lost), else NULL; ?10 this
/// check's slot, which settles any re-check up to it. (SET reads the old row, so every CASE
/// sees the same recheck_slot.)
const UPDATE_STATE: &str = "UPDATE monitors SET status = ?2, slow = ?3, consecutive_failures = ?4, consecutive_successes = ?5, \
     last_checked_at = ?6, state_version = ?7, \
     recheck_slot = CASE WHEN ?8 IS NOT NULL THEN ?8 WHEN recheck_slot <= ?10 THEN NULL ELSE recheck_slot END, \
     recheck_due = CASE WHEN ?8 IS NOT NULL THEN ?9 WHEN recheck_slot <= ?10 THEN NULL ELSE recheck_due END \
     WHERE id = ?1";

/// ?1 now (epoch s), ?2 grace (s). Re-checks whose queue message was lost (the consumer died
/// before sending it, or it died on the queue): pushed one grace period on and returned, at
/// most 100 a tick; a paused monitor's is dropped. Reads only overdue rows of the
/// `monitors_recheck` partial index (normally none).
const LOST_RECHECKS: &str = "UPDATE monitors SET recheck_due = CASE WHEN is_active = 1 THEN ?1 + ?2 END, \
       recheck_slot = CASE WHEN is_active = 1 THEN recheck_slot END \
     WHERE rowid IN (SELECT rowid FROM monitors WHERE recheck_due <= ?1 LIMIT 100) \
     RETURNING id AS monitor_id, recheck_slot AS slot, is_active";
const OPEN_INCIDENT: &str = "INSERT INTO incidents (monitor_id, opened_at, opened_slot, cause, last_status, failure_kind, cause_http_status) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const RESOLVE_INCIDENT: &str =
    "UPDATE incidents SET resolved_at = ?2, last_status = ?3 WHERE monitor_id = ?1 AND resolved_at IS NULL";
const TOUCH_INCIDENT: &str = "UPDATE incidents SET last_status = ?2 WHERE monitor_id = ?1 AND resolved_at IS NULL";
/// The outbox row for the open incident (opened in this batch, or about to be resolved by it).
const INSERT_EVENT: &str = "INSERT INTO incident_events (incident_id, event, monitor_id, check_slot, created_at) \
     SELECT id, ?2, monitor_id, ?3, ?4 FROM incidents WHERE monitor_id = ?1 AND resolved_at IS NULL \
     RETURNING incident_id, event, monitor_id, check_slot";

/// An incident transition waiting to be handed to the alerts queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    pub incident_id: i64,
    pub event: IncidentEvent,
    pub monitor_id: i64,
    pub check_slot: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncidentEvent {
    #[serde(rename = "incident.opened")]
    Opened,
    #[serde(rename = "incident.resolved")]
    Resolved,
}

impl IncidentEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "incident.opened",
            Self::Resolved => "incident.resolved",
        }
    }
}

/// What the recorder did with a check.
#[derive(Debug)]
pub enum Recorded {
    /// Written; these events now wait in the outbox.
    New(Vec<EventRef>),
    /// This (monitor, slot) was recorded before: a redelivered message. Nothing changed.
    Duplicate,
    /// The monitor's state moved since it was read. Nothing changed; re-read and retry.
    Stale,
    /// The monitor was deleted meanwhile. Nothing to record.
    MonitorGone,
}

/// What one executed check produced, ready to be stored.
pub struct CheckResult<'a> {
    pub job: &'a CheckJob,
    pub started_at: EpochMs,
    pub attempts: u32,
    pub verdict: &'a Verdict,
    /// The confirmation re-check this check asks for, recorded with it so the cron can find
    /// it again if its queue message is lost.
    pub recheck: Option<Recheck>,
}

/// A re-check handed to the checks queue: its job slot, and when (epoch s) it counts as lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recheck {
    pub slot: i64,
    pub lost_after: i64,
}

/// A re-check the cron sends again.
#[derive(Debug, Deserialize)]
pub struct LostRecheck {
    pub monitor_id: i64,
    pub slot: Option<i64>,
    pub is_active: i64,
}

/// The cron's safety net for re-checks (see `LOST_RECHECKS`): the active ones to send again.
pub async fn lost_rechecks(db: &D1Database, now_s: i64, grace_s: i64) -> Result<Vec<(i64, i64)>, AppError> {
    let rows: Vec<LostRecheck> = all(db, LOST_RECHECKS, &args![now_s, grace_s]).await?;
    Ok(rows.into_iter().filter(|r| r.is_active == 1).filter_map(|r| Some((r.monitor_id, r.slot?))).collect())
}

/// Records a check and its consequences atomically. `read_version` is the monitor's
/// state_version when `step` was computed from it.
pub async fn record(db: &D1Database, result: &CheckResult<'_>, step: &Step, read_version: i64) -> Result<Recorded, AppError> {
    let CheckResult { job, started_at, attempts, verdict, recheck } = result;
    let status = verdict.status.as_str();
    let at = iso(*started_at);
    let mut batch = Batch::new();
    batch.push(
        Write::Check,
        stmt(
            db,
            INSERT_CHECK,
            &args![
                job.monitor_id,
                job.slot,
                job.kind.as_str(),
                at.clone(),
                status,
                verdict.slow,
                verdict.http_status,
                verdict.latency_ms,
                verdict.failure_type(),
                *attempts,
                verdict.failure_kind().map(FailureKind::as_str)
            ],
        )?,
    );
    batch.push(
        Write::State,
        stmt(
            db,
            UPDATE_STATE,
            &args![
                job.monitor_id,
                status,
                verdict.slow,
                step.streaks.consecutive_failures,
                step.streaks.consecutive_successes,
                at.clone(),
                read_version + 1,
                recheck.map(|r| r.slot),
                recheck.map(|r| r.lost_after),
                job.slot
            ],
        )?,
    );
    let event_args = |event: IncidentEvent| args![job.monitor_id, event.as_str(), job.slot, at.clone()];
    match step.transition {
        Transition::Open => {
            let cause = verdict.failure_type().unwrap_or(status);
            let kind = verdict.failure_kind().map(FailureKind::as_str);
            batch.push(Write::OpenIncident, stmt(db, OPEN_INCIDENT, &args![job.monitor_id, at.clone(), job.slot, cause, status, kind, verdict.http_status])?);
            batch.push(Write::Event, stmt(db, INSERT_EVENT, &event_args(IncidentEvent::Opened))?);
        }
        Transition::Resolve => {
            // The event first: it finds the incident by `resolved_at IS NULL`.
            batch.push(Write::Event, stmt(db, INSERT_EVENT, &event_args(IncidentEvent::Resolved))?);
            batch.push(Write::ResolveIncident, stmt(db, RESOLVE_INCIDENT, &args![job.monitor_id, at.clone(), status])?);
        }
        Transition::None if step.streaks.incident_open => {
            batch.push(Write::TouchIncident, stmt(db, TOUCH_INCIDENT, &args![job.monitor_id, status])?);
        }
        Transition::None => {}
    }
    match batch.run(db, &format!("recording check {}", job.check_id())).await {
        Ok(results) => Ok(Recorded::New(results.rows::<EventRef>(Write::Event)?)),
        Err(AppError::Refused(Refusal::Unique, _)) => Ok(Recorded::Duplicate),
        Err(AppError::Refused(Refusal::StaleState, _)) => Ok(Recorded::Stale),
        Err(AppError::Refused(Refusal::ForeignKey, _)) => Ok(Recorded::MonitorGone),
        Err(e) => Err(e),
    }
}

/// The statements of one recording batch, by what each does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Check,
    State,
    OpenIncident,
    /// The outbox row; its `RETURNING` is the batch's only result that is read.
    Event,
    ResolveIncident,
    TouchIncident,
}

/// A check row as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckRow {
    pub monitor_id: i64,
    pub slot: i64,
    pub kind: String,
    pub started_at: String,
    pub status: String,
    pub slow: i64,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub failure_type: Option<String>,
    pub attempts: i64,
    #[serde(default)]
    pub failure_kind: Option<FailureKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub id: String,
    pub monitor_id: i64,
    pub kind: String,
    pub started_at: String,
    pub status: String,
    pub slow: bool,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub failure_type: Option<String>,
    /// Why it failed as a code (`timeout`, `status`, ...); `null` when UP or unknown.
    pub failure_kind: Option<FailureKind>,
    pub attempts: i64,
}

impl From<CheckRow> for CheckView {
    fn from(r: CheckRow) -> Self {
        Self {
            id: check_id(r.monitor_id, r.slot),
            monitor_id: r.monitor_id,
            kind: r.kind,
            started_at: r.started_at,
            status: r.status,
            slow: r.slow != 0,
            http_status: r.http_status,
            latency_ms: r.latency_ms,
            failure_type: r.failure_type,
            failure_kind: r.failure_kind,
            attempts: r.attempts,
        }
    }
}

/// Filters of `GET /api/checks`. `since` and `until` are instants (epoch ms) compared with
/// the check's slot.
#[derive(Debug, Default)]
pub struct CheckFilter {
    /// The caller: only checks of monitors in their projects.
    pub owner: i64,
    pub monitor: Option<i64>,
    pub status: Option<CheckStatus>,
    pub since: Option<EpochMs>,
    pub until: Option<EpochMs>,
    /// Keyset cursor: rows strictly before (slot, monitor_id) in the listing order.
    pub before: Option<(i64, i64)>,
    pub limit: u32,
}

/// The columns a [`CheckRow`] has, for every query that reads one.
macro_rules! check_columns {
    () => {
        "monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, failure_kind, attempts"
    };
}

const LIST: &str = concat!(
    "SELECT ",
    check_columns!(),
    " FROM checks WHERE (?1 IS NULL OR monitor_id = ?1) AND (?2 IS NULL OR status = ?2) \
     AND (?3 IS NULL OR slot >= ?3) AND (?4 IS NULL OR slot <= ?4) \
     AND (?5 IS NULL OR slot < ?5 OR (slot = ?5 AND monitor_id < ?6)) \
     AND monitor_id IN (SELECT id FROM monitors WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?8)) \
     ORDER BY slot DESC, monitor_id DESC LIMIT ?7"
);

const LATEST: &str = concat!("SELECT ", check_columns!(), " FROM checks WHERE monitor_id = ?1 ORDER BY slot DESC LIMIT 1");

/// Newest first, by (slot, monitor_id).
pub async fn list(db: &D1Database, f: &CheckFilter) -> Result<Vec<CheckRow>, AppError> {
    let (cursor_slot, cursor_monitor) = f.before.map_or((None, None), |(s, m)| (Some(s), Some(m)));
    all(
        db,
        LIST,
        &args![f.monitor, f.status.map(CheckStatus::as_str), f.since.map(slot_at_or_after), f.until.map(slot_at_or_before), cursor_slot, cursor_monitor, f.limit, f.owner],
    )
    .await
}

pub async fn latest(db: &D1Database, monitor_id: i64) -> Result<Option<CheckRow>, AppError> {
    first(db, LATEST, &args![monitor_id]).await
}


/// Seed 002's names of a check's monitor: the project's slug (site) and the monitor's name
/// (domain). Only the caller's monitors.
#[derive(Debug, Clone, Deserialize)]
pub struct SiteDomain {
    pub monitor_id: i64,
    pub site_id: String,
    pub domain_id: String,
}

const SITE_DOMAINS: &str = "SELECT m.id AS monitor_id, p.slug AS site_id, m.name AS domain_id FROM monitors m JOIN projects p ON p.id = m.project_id \
     WHERE m.id IN (SELECT value FROM json_each(?1)) AND p.owner_id = ?2";

/// For a page of checks: one query reading 2 rows per distinct monitor (not per check).
pub async fn site_domains(db: &D1Database, owner: i64, monitor_ids: &[i64]) -> Result<Vec<SiteDomain>, AppError> {
    let list = serde_json::to_string(monitor_ids).unwrap_or_else(|_| "[]".into());
    all(db, SITE_DOMAINS, &args![list, owner]).await
}
