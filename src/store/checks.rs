//! Check rows, and recording a check: row + monitor state + incident transition in one D1
//! batch, which D1 runs as one transaction.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::monitors::MonitorRow;
use super::{all, blocks, heartbeats, stmt, Arg, Batch, Refusal};
use crate::args;
use crate::core::blocks::{block_start, is_plain, Entry};
use crate::core::classify::Verdict;
use crate::core::failure::FailureKind;
use crate::core::incident::{changes_state, Step, Transition};
use crate::core::schedule::{check_id, slot_at_or_after, slot_at_or_before, CheckJob, JobKind};
use crate::core::status::CheckStatus;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

/// A check's full row (checks that are not plain, `core::blocks`), written only while the
/// monitor's state is the one the recorder read (?12): a stale recorder writes nothing.
const INSERT_FULL: &str = "INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, attempts, failure_kind) \
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE (SELECT state_version FROM monitors WHERE id = ?1) = ?12";
/// ?1 monitor, ?2 the hour's block start (epoch s), ?3 the entry, ?4 started_at, ?5 the
/// state_version the recorder read. Appends the check's entry to its hour's block (1 row
/// written), only while the monitor's state is still the one its step was computed from; a row
/// comes back when it wrote. A slot already in the block aborts the batch
/// (`check_blocks_one_per_slot`, migration 0014).
const APPEND: &str = "INSERT INTO check_blocks (monitor_id, start, last_at, data) \
     SELECT ?1, ?2, ?4, ?3 WHERE (SELECT state_version FROM monitors WHERE id = ?1) = ?5 \
     ON CONFLICT (monitor_id, start) DO UPDATE SET data = data || excluded.data, last_at = max(last_at, excluded.last_at) \
     RETURNING monitor_id";
/// Sets state_version to the version the recorder read + 1; the guard trigger aborts the
/// batch when someone else got there first. The re-check columns (migration 0008): ?8/?9 the
/// re-check this check asks for (its slot, and when it counts as lost), else NULL; ?10 this
/// check's slot, which settles any re-check up to it. (SET reads the old row, so every CASE
/// sees the same recheck_slot.) Written only when the check changes the state
/// (`core::incident::changes_state`).
const UPDATE_STATE: &str = "UPDATE monitors SET status = ?2, slow = ?3, consecutive_failures = ?4, consecutive_successes = ?5, \
     last_checked_at = ?6, state_version = ?7, slow_lane = ?11, \
     recheck_slot = CASE WHEN ?8 IS NOT NULL THEN ?8 WHEN recheck_slot <= ?10 THEN NULL ELSE recheck_slot END, \
     recheck_due = CASE WHEN ?8 IS NOT NULL THEN ?9 WHEN recheck_slot <= ?10 THEN NULL ELSE recheck_due END \
     WHERE id = ?1";

/// ?1 now (epoch s), ?2 grace (s). Re-checks whose queue message was lost (the consumer died
/// before sending it, or it died on the queue): pushed one grace period on and returned, at
/// most 100 a tick; a paused monitor's is dropped, and `timed_out` is
/// `core::dispatch::in_slow_lane` in SQL. Reads only overdue rows of the
/// `monitors_recheck` partial index (normally none).
const LOST_RECHECKS: &str = "UPDATE monitors SET recheck_due = CASE WHEN is_active = 1 THEN ?1 + ?2 END, \
       recheck_slot = CASE WHEN is_active = 1 THEN recheck_slot END \
     WHERE rowid IN (SELECT rowid FROM monitors WHERE recheck_due <= ?1 LIMIT 100) \
     RETURNING id AS monitor_id, recheck_slot AS slot, is_active, (status = 'TIMEOUT' OR slow_lane = 1) AS timed_out";
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
    /// A heartbeat's check: the heartbeat state it leads to, written in the same statement as
    /// the monitor's state (always: a ping's time is in it), and its ping row.
    pub heartbeat: Option<heartbeats::Save<'a>>,
    /// Whether the monitor belongs in the slow lane after this check
    /// (`core::dispatch::slow_lane_after`); `None` leaves it as stored.
    pub slow_lane: Option<bool>,
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
    /// 1 when the monitor's last check timed out: its re-check goes in the slow lane.
    #[serde(default)]
    pub timed_out: Option<i64>,
}

/// The cron's safety net for re-checks (see `LOST_RECHECKS`): the active ones to send again,
/// as re-check jobs of their own slot.
pub async fn lost_rechecks(db: &D1Database, now_s: i64, grace_s: i64) -> Result<Vec<CheckJob>, AppError> {
    let rows: Vec<LostRecheck> = all(db, LOST_RECHECKS, &args![now_s, grace_s]).await?;
    Ok(lost_jobs(rows))
}

fn lost_jobs(rows: Vec<LostRecheck>) -> Vec<CheckJob> {
    rows.into_iter()
        .filter(|r| r.is_active == 1)
        .filter_map(|r| Some(CheckJob { timed_out: r.timed_out == Some(1), ..CheckJob::new(r.monitor_id, r.slot?, JobKind::Recheck, None) }))
        .collect()
}

/// The statements that record a check, in order (see [`record`]): pure, so host tests run them
/// on SQLite.
pub fn plan(result: &CheckResult<'_>, step: &Step, row: &MonitorRow) -> Vec<(Write, &'static str, Vec<Arg>)> {
    let CheckResult { job, started_at, attempts, verdict, recheck, heartbeat, slow_lane } = result;
    let read_version = row.state_version;
    let status = verdict.status.as_str();
    let at = iso(*started_at);
    let stored = row.stored();
    let slow_lane = slow_lane.unwrap_or(stored.slow_lane);
    let writes_state = changes_state(&stored, verdict.status, verdict.slow, step, job.slot) || slow_lane != stored.slow_lane;
    let plain = is_plain(job.kind, verdict, *attempts) && !writes_state;
    let entry = Entry::of(job.slot, *started_at, verdict, plain);
    let mut batch: Vec<(Write, &'static str, Vec<Arg>)> = Vec::new();
    batch.push((Write::Block, APPEND, Vec::from(args![job.monitor_id, block_start(job.slot), entry.encode(), at.clone(), read_version])));
    if !plain {
        batch.push((
            Write::Check,
            INSERT_FULL,
            Vec::from(args![
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
                verdict.failure_kind().map(FailureKind::as_str),
                read_version
            ]),
        ));
    }
    // Both state writes begin alike: ?1 the monitor, ?2-?6 its state, ?7 the version written.
    let written = read_version + 1;
    let state_args = || {
        Vec::from(args![
            job.monitor_id,
            status,
            verdict.slow,
            step.streaks.consecutive_failures,
            step.streaks.consecutive_successes,
            at.clone(),
            written
        ])
    };
    if let Some(hb) = heartbeat {
        let mut args = state_args();
        args.extend(args![hb.state, hb.deadline_ms]);
        batch.push((Write::State, heartbeats::UPDATE_WITH_CHECK, args));
        if let Some(args) = hb.ping_args(job.monitor_id, written) {
            batch.push((Write::Ping, heartbeats::INSERT_PING, args));
        }
    } else if writes_state {
        let mut args = state_args();
        args.extend(args![recheck.map(|r| r.slot), recheck.map(|r| r.lost_after), job.slot, slow_lane]);
        batch.push((Write::State, UPDATE_STATE, args));
    }
    let event_args = |event: IncidentEvent| Vec::from(args![job.monitor_id, event.as_str(), job.slot, at.clone()]);
    match step.transition {
        Transition::Open => {
            let cause = verdict.failure_type().unwrap_or(status);
            let kind = verdict.failure_kind().map(FailureKind::as_str);
            batch.push((Write::OpenIncident, OPEN_INCIDENT, Vec::from(args![job.monitor_id, at.clone(), job.slot, cause, status, kind, verdict.http_status])));
            batch.push((Write::Event, INSERT_EVENT, event_args(IncidentEvent::Opened)));
        }
        Transition::Resolve => {
            // The event first: it finds the incident by `resolved_at IS NULL`.
            batch.push((Write::Event, INSERT_EVENT, event_args(IncidentEvent::Resolved)));
            batch.push((Write::ResolveIncident, RESOLVE_INCIDENT, Vec::from(args![job.monitor_id, at.clone(), status])));
        }
        Transition::None if step.streaks.incident_open => {
            batch.push((Write::TouchIncident, TOUCH_INCIDENT, Vec::from(args![job.monitor_id, status])));
        }
        Transition::None => {}
    }
    batch
}

/// Records a check and its consequences atomically, against the monitor's row as it was read
/// when `step` was computed from it (its state_version guards the write).
///
/// D1 rows written: 1 for a plain check that changes nothing of the state (its block entry);
/// otherwise 1 more for the full row, 1 for the state and whatever the incident transition
/// writes. A check stays plain only if it is a scheduled UP at the first attempt and changes
/// no state, so while an incident is open every check has its full row. A heartbeat's check
/// always writes the state row (its ping time is in it), and nothing more when it is plain: a
/// steady success ping writes 2 rows.
pub async fn record(db: &D1Database, result: &CheckResult<'_>, step: &Step, row: &MonitorRow) -> Result<Recorded, AppError> {
    let mut batch = Batch::new();
    for (key, sql, args) in plan(result, step, row) {
        batch.push(key, stmt(db, sql, &args)?);
    }
    match batch.run(db, &format!("recording check {}", result.job.check_id())).await {
        // No block row written: the state moved (or the monitor is gone) since it was read. A
        // batch that writes the state has aborted by then (the version trigger); one that does
        // not wrote nothing at all, since every write in it is guarded the same way.
        Ok(results) if results.rows::<serde_json::Value>(Write::Block)?.is_empty() => Ok(Recorded::Stale),
        Ok(results) => Ok(Recorded::New(results.rows::<EventRef>(Write::Event)?)),
        Err(AppError::Refused(Refusal::Unique, _)) => Ok(Recorded::Duplicate),
        Err(AppError::Refused(Refusal::StaleState, _)) => Ok(Recorded::Stale),
        Err(AppError::Refused(Refusal::ForeignKey, _)) => Ok(Recorded::MonitorGone),
        Err(e) => Err(e),
    }
}

/// The statements of one recording batch, by what each does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// The check's entry in its hour's block: every check has one.
    Block,
    /// The full row of a check that is not plain.
    Check,
    State,
    /// A heartbeat's ping row, logged with the check it finished.
    Ping,
    OpenIncident,
    /// The outbox row; its `RETURNING` is the batch's only result that is read.
    Event,
    ResolveIncident,
    TouchIncident,
}

/// A check row as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// The caller's monitors (or the one asked for, if theirs): what a listing may show.
const LISTED_MONITORS: &str = "SELECT id FROM monitors WHERE (?1 IS NULL OR id = ?1) \
     AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)";

/// Newest first, by (slot, monitor_id). UP checks (and unfiltered pages) come from the hour
/// blocks, which hold every check; other statuses only full rows have, so those are listed from
/// the `checks` table alone.
pub async fn list(db: &D1Database, f: &CheckFilter) -> Result<Vec<CheckRow>, AppError> {
    let monitors: Vec<super::Id> = all(db, LISTED_MONITORS, &args![f.monitor, f.owner]).await?;
    let monitors: Vec<i64> = monitors.into_iter().map(|m| m.id).collect();
    let listing = blocks::Listing {
        monitors: &monitors,
        only_up: f.status == Some(CheckStatus::Up),
        since: f.since.map(slot_at_or_after),
        until: f.until.map(slot_at_or_before),
        before: f.before,
        limit: f.limit,
    };
    match f.status {
        Some(status) if status != CheckStatus::Up => blocks::list_full(db, &listing, status.as_str()).await,
        _ => blocks::list(db, &listing).await,
    }
}

/// The monitor's newest check (by slot).
pub async fn latest(db: &D1Database, monitor_id: i64) -> Result<Option<CheckRow>, AppError> {
    let newest: Vec<(i64, Entry)> = blocks::newest_entries(db, &[monitor_id]).await?.into_iter().collect();
    Ok(blocks::rows_of(db, &newest).await?.pop())
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::core::blocks::decode;
    use crate::core::failure::Failure;
    use crate::core::incident::{self, Effect, Thresholds};
    use crate::store::sqlite::{self, q};

    const BLOCKS: &str = "SELECT monitor_id, start, data FROM check_blocks ORDER BY monitor_id, start";
    const FULL: &str = "SELECT monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, failure_kind, attempts FROM checks";

    /// Every check read back from blocks and full rows, by (monitor, slot), the way the readers
    /// do (`store::blocks::merge`).
    fn read_back(blocks: &[Value], full: &[Value]) -> Vec<CheckRow> {
        let entries: Vec<(i64, Entry)> = blocks
            .iter()
            .flat_map(|b| {
                let m = b["monitor_id"].as_i64().unwrap();
                decode(b["start"].as_i64().unwrap(), b["data"].as_str().unwrap()).into_iter().map(move |e| (m, e))
            })
            .collect();
        let full: Vec<CheckRow> = full.iter().map(|r| serde_json::from_value(r.clone()).unwrap()).collect();
        super::blocks::merge(&entries, full)
    }

    #[allow(clippy::too_many_arguments)]
    fn row(monitor_id: i64, slot: i64, kind: &str, started_at: &str, status: &str, slow: i64, http: Option<i64>, latency: Option<i64>, failure: Option<(&str, FailureKind)>, attempts: i64) -> CheckRow {
        CheckRow {
            monitor_id,
            slot,
            kind: kind.into(),
            started_at: started_at.into(),
            status: status.into(),
            slow,
            http_status: http,
            latency_ms: latency,
            failure_type: failure.map(|f| f.0.to_string()),
            attempts,
            failure_kind: failure.map(|f| f.1),
        }
    }

    fn sql_text(v: &Option<impl ToString>) -> String {
        v.as_ref().map_or("NULL".into(), |x| format!("'{}'", x.to_string().replace('\'', "''")))
    }

    /// Lost re-checks come back as re-check jobs of their own slot, those of monitors whose last
    /// check timed out marked so (the tick sends them in the slow lane); paused monitors' are
    /// dropped, and nothing not yet overdue is taken.
    #[test]
    fn lost_rechecks_keep_their_lane() {
        let mut script = sqlite::migrations(99);
        script.push_str(
            "INSERT INTO monitors (id, project_id, name, url, created_at, updated_at, status, is_active, recheck_slot, recheck_due) VALUES \
             (1, 1, 'hang', 'https://a.example', 'x', 'x', 'TIMEOUT', 1, 500, 900), \
             (2, 1, 'down', 'https://b.example', 'x', 'x', 'DOWN', 1, 510, 900), \
             (3, 1, 'paused', 'https://c.example', 'x', 'x', 'TIMEOUT', 0, 520, 900), \
             (4, 1, 'later', 'https://d.example', 'x', 'x', 'TIMEOUT', 1, 530, 2000);\n",
        );
        let out = sqlite::run(&script, &[vec![q(LOST_RECHECKS, &[Arg::from(1000_i64), Arg::from(120_i64)])]]);
        let rows: Vec<LostRecheck> = out[0].as_ref().unwrap()[0].0.iter().map(|r| serde_json::from_value(r.clone()).unwrap()).collect();
        let mut jobs = lost_jobs(rows);
        jobs.sort_by_key(|j| j.monitor_id);
        let want = vec![
            CheckJob { timed_out: true, ..CheckJob::new(1, 500, JobKind::Recheck, None) },
            CheckJob::new(2, 510, JobKind::Recheck, None),
        ];
        assert_eq!(jobs, want);
    }

    /// Migration 0014 copies every existing check into the new layout exactly: read back through
    /// the readers' merge, each one is the row it was, and only plain ones lose their full row.
    #[test]
    fn migration_0014_copies_every_check_exactly() {
        let h = 1_795_237_200; // 2026-11-21T05:00:00Z, an hour start
        let status_503 = Some(("status 503 not in [200]", FailureKind::Status));
        #[rustfmt::skip]
        let rows = vec![
            row(1, h - 60, "scheduled", "2026-11-21T04:59:01.250Z", "UP", 0, Some(200), Some(87), None, 1),
            row(1, h, "scheduled", "2026-11-21T05:00:00.000Z", "UP", 1, Some(200), Some(2500), None, 1),
            row(1, h + 60, "scheduled", "2026-11-21T05:00:59.999Z", "UP", 0, Some(204), Some(3), None, 1),
            row(1, h + 120, "scheduled", "2026-11-21T05:02:00.007Z", "UP", 0, None, None, None, 1),
            row(1, h + 180, "scheduled", "2026-11-21T05:03:40.000Z", "DOWN", 0, Some(503), Some(20), status_503, 4),
            row(1, h + 200, "recheck", "2026-11-21T05:03:20.500Z", "TIMEOUT", 0, None, None, Some(("timeout after 20s", FailureKind::Timeout)), 1),
            row(1, h + 240, "scheduled", "2026-11-21T05:04:00.012Z", "BOT_DETECTED", 0, Some(403), Some(30), Some(("bot wall: cf-mitigated: challenge", FailureKind::BotWall)), 1),
            row(1, h + 300, "recheck", "2026-11-21T05:05:00.012Z", "UP", 0, Some(200), Some(15), None, 1),
            row(1, h + 333, "manual", "2026-11-21T05:05:33.100Z", "UP", 0, Some(200), Some(15), None, 1),
            row(1, h + 360, "scheduled", "2026-11-21T05:06:00.100Z", "UP", 0, Some(200), Some(15), None, 2),
            row(1, h + 420, "scheduled", "2026-11-21T05:07:00Z", "UP", 0, Some(200), Some(15), None, 1),
            row(1, h + 480, "scheduled", "2026-11-21T05:08:00.100Z", "UP", 0, Some(200), Some(-5), None, 1),
            row(1, h + 3599, "scheduled", "2026-11-21T05:59:59.999Z", "UP", 0, Some(200), Some(1), None, 1),
            row(1, h + 3600, "scheduled", "2026-11-21T06:00:00.001Z", "UP", 0, Some(200), Some(1), None, 1),
            row(1, h + 7300, "scheduled", "2026-11-21T07:01:40.000Z", "DOWN", 0, Some(500), Some(9), Some(("status 500 not in [200]", FailureKind::Status)), 1),
            // A monitor with an open incident keeps every row full, UP ones too.
            row(2, h, "scheduled", "2026-11-21T05:00:00.300Z", "DOWN", 0, Some(503), Some(20), status_503, 1),
            row(2, h + 60, "scheduled", "2026-11-21T05:01:00.300Z", "UP", 0, Some(200), Some(20), None, 1),
        ];
        let mut script = sqlite::migrations(13);
        script.push_str(
            "INSERT INTO monitors (id, project_id, name, url, created_at, updated_at) VALUES \
             (1, 1, 'a', 'https://a.example', 'x', 'x'), (2, 1, 'b', 'https://b.example', 'x', 'x');\n\
             INSERT INTO incidents (monitor_id, opened_at, opened_slot, cause, last_status) VALUES (2, 'x', 1, 'down', 'DOWN');\n",
        );
        for r in &rows {
            script.push_str(&format!(
                "INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, attempts, failure_kind) \
                 VALUES ({}, {}, '{}', '{}', '{}', {}, {}, {}, {}, {}, {});\n",
                r.monitor_id, r.slot, r.kind, r.started_at, r.status, r.slow, sql_text(&r.http_status), sql_text(&r.latency_ms),
                sql_text(&r.failure_type), r.attempts, sql_text(&r.failure_kind.map(FailureKind::as_str)),
            ));
        }
        script.push_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/0014_compact_checks.sql")).unwrap());
        let out = sqlite::run(&script, &[vec![q(BLOCKS, &[]), q(FULL, &[]), q("SELECT last_at FROM check_blocks ORDER BY monitor_id, start", &[])]]);
        let results = out[0].as_ref().unwrap();
        let (blocks, full) = (&results[0].0, &results[1].0);
        let mut back = read_back(blocks, full);
        back.sort_by_key(|r| (r.monitor_id, r.slot));
        assert_eq!(back.len(), rows.len(), "every check is read back");
        for (got, want) in back.iter().zip(&rows) {
            assert_eq!(got, want);
        }
        // Plain: 1's scheduled first-attempt UPs with a well-formed started_at and a latency >= 0.
        let plain = [h - 60, h, h + 60, h + 120, h + 3599, h + 3600];
        let kept: Vec<(i64, i64)> = full.iter().map(|r| (r["monitor_id"].as_i64().unwrap(), r["slot"].as_i64().unwrap())).collect();
        assert_eq!(kept.len(), rows.len() - plain.len(), "{kept:?}");
        assert!(kept.iter().all(|(m, s)| *m == 2 || !plain.contains(s)), "{kept:?}");
        // One block per monitor-hour, newest start as its last_at.
        assert_eq!(blocks.len(), 5, "{blocks:?}");
        assert_eq!(results[2].0[1]["last_at"], "2026-11-21T05:59:59.999Z");
    }

    fn monitor(file: &str) -> MonitorRow {
        let out = sqlite::run_on(file, "", &[vec![q(crate::store::monitors::GET, &args![1i64])]]);
        serde_json::from_value(out[0].as_ref().unwrap()[0].0[0].clone()).unwrap()
    }

    /// The recorder's statements on SQLite, check by check as the consumer runs them: every
    /// check reads back exactly (compact or full), a steady UP check is one statement changing
    /// one row, a redelivery aborts and changes nothing, a stale recorder writes nothing, and
    /// the incident opens and resolves once.
    #[test]
    fn recording_writes_one_row_per_steady_check_and_reads_back_exactly() {
        let file = std::env::temp_dir().join(format!("vigil-record-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let file = file.to_string_lossy().to_string();
        let mut script = sqlite::migrations(u32::MAX);
        script.push_str(
            "INSERT INTO monitors (id, project_id, name, url, created_at, updated_at, check_interval_seconds, failure_threshold, recovery_threshold) \
             VALUES (1, 1, 'a', 'https://a.example', 'x', 'x', 60, 2, 1);",
        );
        sqlite::run_on(&file, &script, &[]);
        let h = 1_795_237_200;
        use CheckStatus::*;
        use JobKind::*;
        // (kind, status, slow, http, latency, attempts, steady: one statement, one row changed)
        type Planned = (JobKind, CheckStatus, bool, Option<u16>, Option<u32>, u32, bool);
        let mut seq: Vec<Planned> = Vec::new();
        for i in 0..12 {
            seq.push((Scheduled, Up, false, Some(200), Some(40), 1, i >= 10)); // streak saturates at 10
        }
        seq.push((Scheduled, Up, true, Some(200), Some(3000), 1, false)); // turns slow
        seq.push((Scheduled, Up, true, Some(200), Some(3100), 1, true));
        seq.push((Scheduled, Up, false, Some(204), Some(50), 1, false));
        seq.push((Scheduled, Down, false, Some(503), Some(20), 4, false)); // failing, re-check asked
        seq.push((Recheck, Down, false, Some(503), Some(20), 4, false)); // opens
        seq.push((Scheduled, Timeout, false, None, None, 1, false)); // incident open: full
        seq.push((Scheduled, Up, false, Some(200), Some(40), 1, false)); // resolves
        for i in 0..11 {
            seq.push((Scheduled, Up, false, Some(200), Some(41), 1, i >= 9));
        }
        seq.push((Manual, Up, false, Some(200), Some(42), 1, false)); // full row, no state write
        seq.push((Scheduled, BotDetected, false, Some(403), Some(30), 1, false));
        seq.push((Scheduled, BotDetected, false, Some(403), Some(30), 1, false));
        seq.push((Scheduled, Up, false, Some(200), Some(40), 2, false)); // answered on a retry: full
        let mut expected = Vec::new();
        let thresholds = Thresholds { failure: 2, recovery: 1 };
        let get = || q(crate::store::monitors::GET, &args![1i64]);
        let as_row = |v: &Value| -> MonitorRow { serde_json::from_value(v.clone()).unwrap() };
        let mut row = monitor(&file);
        for (i, (kind, status, slow, http, latency, attempts, steady)) in seq.iter().copied().enumerate() {
            // Slots cross the hour at i = 10; re-checks and manual runs fall between minutes.
            let slot = h - 600 + i as i64 * 60 + if kind == Scheduled { 0 } else { 7 };
            let started = slot * 1000 + 250 + i as i64;
            let failure = match status {
                Up => None,
                Down => Some(Failure::new(FailureKind::Status, "status 503 not in [200]")),
                Timeout => Some(Failure::new(FailureKind::Timeout, "timeout after 20s")),
                BotDetected => Some(Failure::new(FailureKind::BotWall, "bot wall: status 403")),
            };
            let verdict = Verdict { status, failure: failure.clone(), slow, http_status: http, latency_ms: latency };
            let job = CheckJob { monitor_id: 1, slot, kind, spec: None, attempt: 1, timed_out: false };
            let step = incident::step(row.streaks(), Effect::of(status, false), thresholds);
            let recheck = step.recheck.then_some(super::Recheck { slot: slot + 20, lost_after: slot + 300 });
            let result = CheckResult { job: &job, started_at: started, attempts, verdict: &verdict, recheck, heartbeat: None, slow_lane: None };
            let statements: Vec<sqlite::Step> = plan(&result, &step, &row).into_iter().map(|(_, sql, args)| (sql.to_string(), args)).collect();
            let mut group = statements.clone();
            group.push(get());
            let out = sqlite::run_on(&file, "", &[group]);
            let mut results = out[0].clone().unwrap_or_else(|e| panic!("check {i}: {e}"));
            row = as_row(&results.pop().unwrap().0[0]);
            assert!(!results[0].0.is_empty(), "check {i} appended");
            let changed: i64 = results.iter().map(|r| r.1).sum();
            assert_eq!((statements.len() == 1 && changed == 1), steady, "check {i}: {} statements, {changed} rows changed", statements.len());
            expected.push(row_of(1, slot, kind.as_str(), &iso(started), status.as_str(), slow, http, latency, failure.as_ref(), attempts));
            // Delivered again, for a steady check and a few others: the first delivery's own plan
            // may find the state moved by its own write (stale: the consumer then re-reads and
            // recomputes); recomputed from the fresh row, it is a duplicate. Nothing changes.
            if steady || [0, 15, 16, 18, 30].contains(&i) {
                let redo: Vec<sqlite::Step> = plan(&result, &incident::step(row.streaks(), Effect::of(status, false), thresholds), &row)
                    .into_iter()
                    .map(|(_, sql, args)| (sql.to_string(), args))
                    .collect();
                let out = sqlite::run_on(&file, "", &[statements, redo]);
                let first = out[0].as_ref().unwrap_err();
                assert!(first.contains("UNIQUE constraint failed") || first.contains("stale monitor state"), "check {i} again: {first}");
                let second = out[1].as_ref().unwrap_err();
                assert!(second.contains("UNIQUE constraint failed"), "check {i} recomputed: {second}");
            }
        }
        // A recorder that read an older version writes nothing (steady or not).
        let stale = MonitorRow { state_version: row.state_version - 1, ..row.clone() };
        let job = CheckJob { monitor_id: 1, slot: h + 7200, kind: Scheduled, spec: None, attempt: 1, timed_out: false };
        let verdict = Verdict { status: Up, failure: None, slow: false, http_status: Some(200), latency_ms: Some(1) };
        let result = CheckResult { job: &job, started_at: (h + 7200) * 1000, attempts: 1, verdict: &verdict, recheck: None, heartbeat: None, slow_lane: None };
        let step = incident::step(stale.streaks(), Effect::Success, thresholds);
        let statements: Vec<sqlite::Step> = plan(&result, &step, &stale).into_iter().map(|(_, sql, args)| (sql.to_string(), args)).collect();
        let out = sqlite::run_on(&file, "", &[statements]).remove(0);
        match out {
            Ok(results) => assert!(results.iter().all(|r| r.1 == 0) && results[0].0.is_empty(), "stale wrote: {results:?}"),
            Err(e) => assert!(e.contains("stale monitor state"), "{e}"),
        }
        let out = sqlite::run_on(
            &file,
            "",
            &[vec![
                q(BLOCKS, &[]),
                q(FULL, &[]),
                q("SELECT count(*) AS n, sum(resolved_at IS NOT NULL) AS resolved FROM incidents", &[]),
                q("SELECT count(*) AS n FROM incident_events", &[]),
            ]],
        );
        let r = out[0].as_ref().unwrap();
        let mut back = read_back(&r[0].0, &r[1].0);
        back.sort_by_key(|c| c.slot);
        assert_eq!(back, expected);
        assert_eq!((r[2].0[0]["n"].as_i64(), r[2].0[0]["resolved"].as_i64()), (Some(1), Some(1)), "one incident, resolved");
        assert_eq!(r[3].0[0]["n"].as_i64(), Some(2), "opened and resolved events");
        let plain = seq.iter().filter(|c| c.6).count();
        assert_eq!(plain, 5);
        assert_eq!(r[1].0.len(), seq.len() - plain, "only steady plain checks go without a full row");
        let m = monitor(&file);
        assert_eq!((m.status.as_deref(), m.consecutive_successes, m.incident_open), (Some("UP"), 10, 0), "bot walls left the saturated streak as it was");
        let _ = std::fs::remove_file(&file);
    }

    /// A heartbeat's check writes the monitor row once, with the heartbeat's state and
    /// deadline: a steady success is its block entry and that row (2 rows), a logged ping adds
    /// its row, and a recorder that read an older state writes nothing at all (no ping row
    /// either). The sweep's query reads only heartbeat monitors, through their index.
    #[test]
    fn heartbeat_checks_write_the_row_once_with_their_state() {
        let file = std::env::temp_dir().join(format!("vigil-heartbeat-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let file = file.to_string_lossy().to_string();
        let mut script = sqlite::migrations(u32::MAX);
        script.push_str(
            "INSERT INTO monitors (id, project_id, name, url, created_at, updated_at, monitor_type, check_interval_seconds, failure_threshold, recovery_threshold) \
             VALUES (1, 1, 'cron', '', 'x', 'x', 'heartbeat', 60, 1, 1), (2, 1, 'web', 'https://a.example', 'x', 'x', 'http', 60, 1, 1), \
             (3, 1, 'later', '', 'x', 'x', 'heartbeat', 60, 1, 1);\n\
             UPDATE monitors SET deadline_ms = 5 WHERE id = 2;\n\
             UPDATE monitors SET deadline_ms = 9999999999999 WHERE id = 3;\n",
        );
        sqlite::run_on(&file, &script, &[]);
        let h = 1_795_237_200;
        let thresholds = Thresholds { failure: 1, recovery: 1 };
        let up = Verdict { status: CheckStatus::Up, failure: None, slow: false, http_status: None, latency_ms: Some(1500) };
        let mut row = monitor(&file);
        for i in 0..13_i64 {
            let slot = h + i * 60;
            let state = format!("{{\"last\":{slot}}}");
            let logged = (i == 12).then(|| heartbeats::PingRow {
                received_ms: slot * 1000,
                kind: "success".into(),
                exit_status: None,
                rid: None,
                duration_ms: Some(1500),
                slot: Some(slot),
                body: Some("done".into()),
            });
            let save = heartbeats::Save { state: &state, deadline_ms: Some(slot * 1000 + 120_000), ping: logged.as_ref() };
            let job = CheckJob::new(1, slot, JobKind::Scheduled, None);
            let step = incident::step(row.streaks(), Effect::Success, thresholds);
            let result = CheckResult { job: &job, started_at: slot * 1000, attempts: 1, verdict: &up, recheck: None, heartbeat: Some(save), slow_lane: None };
            let planned = plan(&result, &step, &row);
            let writes: Vec<Write> = planned.iter().map(|p| p.0).collect();
            let steady = i >= 10; // the success streak saturates at 10
            let want = match (steady, i == 12) {
                (true, false) => vec![Write::Block, Write::State],
                (true, true) => vec![Write::Block, Write::State, Write::Ping],
                (false, _) => vec![Write::Block, Write::Check, Write::State],
            };
            assert_eq!(writes, want, "ping {i}");
            let statements: Vec<sqlite::Step> = planned.into_iter().map(|(_, sql, args)| (sql.to_string(), args)).collect();
            // Recorded against an older read first: aborted by the version guard, nothing written.
            if i == 12 {
                let stale = MonitorRow { state_version: row.state_version - 1, ..row.clone() };
                let old: Vec<sqlite::Step> = plan(&result, &step, &stale).into_iter().map(|(_, sql, args)| (sql.to_string(), args)).collect();
                let out = sqlite::run_on(&file, "", &[old]);
                assert!(out[0].as_ref().unwrap_err().contains("stale monitor state"), "{:?}", out[0]);
            }
            let out = sqlite::run_on(&file, "", &[statements]);
            let changed: i64 = out[0].as_ref().unwrap_or_else(|e| panic!("ping {i}: {e}")).iter().map(|r| r.1).sum();
            assert_eq!(changed, want.len() as i64, "ping {i}: one row per statement");
            let before = row.state_version;
            row = monitor(&file);
            assert_eq!((row.heartbeat_state.as_deref(), row.deadline_ms, row.state_version), (Some(state.as_str()), Some(slot * 1000 + 120_000), before + 1), "ping {i}");
        }
        let out = sqlite::run_on(
            &file,
            "",
            &[vec![
                q("SELECT count(*) AS n, max(body) AS body FROM pings", &[]),
                q(super::heartbeats::OVERDUE, &args![h * 1000 + 13 * 60_000 + 120_000, 50_i64]),
                q(&format!("EXPLAIN QUERY PLAN {}", super::heartbeats::OVERDUE), &args![0_i64, 50_i64]),
            ]],
        );
        let r = out[0].as_ref().unwrap();
        assert_eq!((r[0].0[0]["n"].as_i64(), r[0].0[0]["body"].as_str()), (Some(1), Some("done")), "one ping row, written once");
        let overdue: Vec<i64> = r[1].0.iter().map(|v| v["id"].as_i64().unwrap()).collect();
        assert_eq!(overdue, vec![1], "the overdue heartbeat; not the HTTP monitor's stray deadline, not the later one");
        let query_plan = serde_json::to_string(&r[2].0).unwrap();
        assert!(query_plan.contains("monitors_heartbeat"), "{query_plan}");
        let _ = std::fs::remove_file(&file);
    }

    #[allow(clippy::too_many_arguments)]
    fn row_of(m: i64, slot: i64, kind: &str, at: &str, status: &str, slow: bool, http: Option<u16>, latency: Option<u32>, failure: Option<&Failure>, attempts: u32) -> CheckRow {
        row(m, slot, kind, at, status, i64::from(slow), http.map(i64::from), latency.map(i64::from), failure.map(|f| (f.reason.as_str(), f.kind)), i64::from(attempts))
    }
}
