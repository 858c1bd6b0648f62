//! Monitors in D1: configuration rows, current state, and the tick's due monitors (by schedule
//! period and phase, DESIGN.md §3).
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{D1Database, D1PreparedStatement};

use super::checks::CheckRow;
use super::{all, blocks, first, refused_as, run, stmt, Arg, Refusal};
use crate::args;
use crate::core::incident::{Stored, Streaks};
use crate::core::input::FieldError;
use crate::core::monitor::{MonitorSpec, MonitorType, Role};
use crate::core::blocks::BLOCK_SECONDS;
use crate::core::dispatch;
use crate::core::schedule::{minute_of, next_due_minute, period_ticks, phase_at, slot_at_or_after, slot_at_or_before, slot_of, slot_of_minute, slot_start_ms};
use crate::core::status::CheckStatus;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

/// Config columns in the order `config_args` binds them (?1..?28).
macro_rules! config_columns {
    () => {
        "project_id, name, monitor_type, role, method, url, headers, body, \
         expected_status_codes, body_contains, bot_protection_string, bot_counts_as_failure, \
         expected_response_time_ms, timeout_seconds, check_interval_seconds, failure_threshold, \
         recovery_threshold, retries, backoff_factor, retry_status_codes, is_active, \
         hostname, record_type, expected_values, assertions, grace_seconds, schedule, tz"
    };
}

/// The same columns as assignments from ?1..?28, for UPDATE (all but the project: ?2..?28).
macro_rules! config_assignments_but_project {
    () => {
        "name = ?2, monitor_type = ?3, role = ?4, method = ?5, url = ?6, headers = ?7, body = ?8, \
         expected_status_codes = ?9, body_contains = ?10, bot_protection_string = ?11, bot_counts_as_failure = ?12, \
         expected_response_time_ms = ?13, timeout_seconds = ?14, check_interval_seconds = ?15, failure_threshold = ?16, \
         recovery_threshold = ?17, retries = ?18, backoff_factor = ?19, retry_status_codes = ?20, is_active = ?21, \
         hostname = ?22, record_type = ?23, expected_values = ?24, assertions = ?25, \
         grace_seconds = ?26, schedule = ?27, tz = ?28"
    };
}

/// The placeholders of the config columns, for INSERT ... VALUES / SELECT.
macro_rules! config_values_but_project {
    () => {
        "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28"
    };
}

/// The stored columns of a [`MonitorRow`] but `last_checked_at`, named (not `*`).
macro_rules! state_columns {
    () => {
        concat!(
            "id, ",
            config_columns!(),
            ", created_at, updated_at, status, slow, consecutive_failures, consecutive_successes, \
             state_version, rolled_up_until_ms, recheck_slot, sched_period, sched_phase, sched_pending_ms, \
             ping_token, heartbeat_state, deadline_ms, slow_lane"
        )
    };
}

/// The columns of a [`MonitorRow`], for reads and `RETURNING`. A steady check does not rewrite
/// the monitor's row (DESIGN.md §4), so the last check's time is its newest block's `last_at`
/// (every check has an entry there), or the row's own for a monitor without blocks.
macro_rules! row_columns {
    () => {
        concat!(
            state_columns!(),
            ", COALESCE((SELECT b.last_at FROM check_blocks b WHERE b.monitor_id = monitors.id ORDER BY b.start DESC LIMIT 1), \
             monitors.last_checked_at) AS last_checked_at"
        )
    };
}

/// The columns the tick reads of each due monitor ([`DueMonitor`]): its place in the schedule
/// and whether its last check timed out. Not its config: the consumer reads every row of its
/// batch anyway (it needs the state to record), so carrying the config in the job would move
/// each row through the tick twice (DESIGN.md §3).
macro_rules! tick_columns {
    () => {
        "id, sched_period, sched_phase, status, slow_lane"
    };
}

/// Every monitor read also says whether it has an open incident (the state machine needs it).
macro_rules! select_rows {
    ($($rest:literal),*) => {
        concat!(
            "SELECT ",
            row_columns!(),
            ", EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = monitors.id AND i.resolved_at IS NULL) AS incident_open \
             FROM monitors ",
            $($rest),*
        )
    };
}

/// The row as D1 returns it. JSON-valued columns are text; booleans are 0/1.
#[derive(Debug, Clone, Deserialize)]
pub struct MonitorRow {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub monitor_type: String,
    pub role: String,
    pub method: String,
    pub url: String,
    pub headers: String,
    pub body: Option<String>,
    pub expected_status_codes: String,
    pub body_contains: Option<String>,
    pub bot_protection_string: Option<String>,
    pub bot_counts_as_failure: i64,
    pub expected_response_time_ms: Option<i64>,
    pub timeout_seconds: i64,
    pub check_interval_seconds: i64,
    pub failure_threshold: i64,
    pub recovery_threshold: i64,
    pub retries: i64,
    pub backoff_factor: f64,
    pub retry_status_codes: String,
    pub is_active: i64,
    pub hostname: Option<String>,
    pub record_type: Option<String>,
    pub expected_values: String,
    pub assertions: String,
    #[serde(default)]
    pub grace_seconds: Option<i64>,
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub tz: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub status: Option<String>,
    pub slow: i64,
    pub consecutive_failures: i64,
    pub consecutive_successes: i64,
    pub last_checked_at: Option<String>,
    pub state_version: i64,
    /// Hours before this instant have final hourly rollups.
    pub rolled_up_until_ms: EpochMs,
    /// A confirmation re-check still awaited (migration 0008).
    #[serde(default)]
    pub recheck_slot: Option<i64>,
    /// The schedule (DESIGN.md §3): due on the tick of minute m when
    /// (m - sched_phase) mod sched_period = 0.
    pub sched_period: i64,
    pub sched_phase: i64,
    /// Created, edited or resumed at this instant and not yet dispatched: the next tick checks it.
    pub sched_pending_ms: Option<EpochMs>,
    /// Heartbeat monitors (migration 0016): the ping token, the heartbeat's JSON state
    /// (core::heartbeat::State) and when it goes DOWN unless pinged.
    #[serde(default)]
    pub ping_token: Option<String>,
    #[serde(default)]
    pub heartbeat_state: Option<String>,
    #[serde(default)]
    pub deadline_ms: Option<EpochMs>,
    /// 1 while its checks are slow: the tick sends it to the slow lane (migration 0020).
    #[serde(default)]
    pub slow_lane: i64,
    pub incident_open: i64,
}

/// A monitor's current state, as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorState {
    pub status: Option<CheckStatus>,
    pub slow: bool,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    pub incident_open: bool,
    pub last_checked_at: Option<String>,
    pub next_check_at: Option<String>,
}

impl MonitorRow {
    /// The configuration as the core's type. Rows are only ever written from a validated spec,
    /// so a failure here means the database was edited by hand.
    pub fn spec(&self) -> Result<MonitorSpec, AppError> {
        let json = |text: &str, field: &str| {
            serde_json::from_str::<Value>(text).map_err(|e| AppError::Internal(format!("monitor {} {field}: {e}", self.id)))
        };
        let value = serde_json::json!({
            "project": self.project_id,
            "name": self.name,
            "monitor_type": self.monitor_type,
            "role": self.role,
            "method": self.method,
            "url": crate::core::monitor::normalised_url(&self.url),
            "headers": json(&self.headers, "headers")?,
            "body": self.body,
            "expected_status_codes": json(&self.expected_status_codes, "expected_status_codes")?,
            "body_contains": self.body_contains,
            "bot_protection_string": self.bot_protection_string,
            "bot_counts_as_failure": self.bot_counts_as_failure != 0,
            "expected_response_time_ms": self.expected_response_time_ms,
            "timeout_seconds": self.timeout_seconds,
            "check_interval_seconds": self.check_interval_seconds,
            "failure_threshold": self.failure_threshold,
            "recovery_threshold": self.recovery_threshold,
            "retries": self.retries,
            "backoff_factor": self.backoff_factor,
            "retry_status_codes": json(&self.retry_status_codes, "retry_status_codes")?,
            "is_active": self.is_active != 0,
            "hostname": self.hostname,
            "record_type": self.record_type,
            "expected_values": json(&self.expected_values, "expected_values")?,
            "assertions": json(&self.assertions, "assertions")?,
            // The column has a default for every monitor; only heartbeat monitors show it.
            "grace_seconds": (self.monitor_type == "heartbeat").then_some(self.grace_seconds).flatten(),
            "schedule": self.schedule,
            "tz": self.schedule.as_ref().and(self.tz.as_ref()),
        });
        crate::core::input::typed(value).map_err(|e: FieldError| AppError::Internal(format!("monitor {}: {e}", self.id)))
    }

    /// The configuration as the JSON a check job carries.
    pub fn spec_json(&self) -> Result<String, AppError> {
        serde_json::to_string(&self.spec()?).map_err(|e| AppError::Internal(format!("monitor {}: {e}", self.id)))
    }

    pub fn role(&self) -> Role {
        if self.role == "supplementary" { Role::Supplementary } else { Role::Core }
    }

    /// The interval the pages judge this monitor's last result fresh by (a heartbeat's lasts
    /// until its deadline): `core::status_page::freshness_interval`.
    pub fn freshness_interval(&self) -> u32 {
        freshness_interval(&self.monitor_type, self.check_interval_seconds, self.grace_seconds, self.last_checked_at.as_deref(), self.deadline_ms)
    }

    pub fn streaks(&self) -> Streaks {
        Streaks {
            consecutive_failures: self.consecutive_failures.max(0) as u32,
            consecutive_successes: self.consecutive_successes.max(0) as u32,
            incident_open: self.incident_open != 0,
        }
    }

    /// What the row holds of its state, for `core::incident::changes_state`.
    pub fn stored(&self) -> Stored {
        Stored {
            status: self.status.as_deref().and_then(CheckStatus::parse),
            slow: self.slow != 0,
            streaks: self.streaks(),
            recheck_slot: self.recheck_slot,
            slow_lane: self.slow_lane != 0,
        }
    }

    /// Its jobs go to the slow lane (`core::dispatch::in_slow_lane`).
    pub fn in_slow_lane(&self) -> bool {
        dispatch::in_slow_lane(self.status.as_deref().and_then(CheckStatus::parse), self.slow_lane != 0)
    }

    /// The state as of `now`; `next_check_at` is the tick that will check it next.
    pub fn state(&self, now: EpochMs) -> MonitorState {
        let s = self.streaks();
        let minute = minute_of(slot_of(now));
        let next = if self.sched_pending_ms.is_some() { minute + 1 } else { next_due_minute(minute, self.sched_period, self.sched_phase) };
        MonitorState {
            status: self.status.as_deref().and_then(CheckStatus::parse),
            slow: self.slow != 0,
            consecutive_failures: s.consecutive_failures,
            consecutive_successes: s.consecutive_successes,
            incident_open: s.incident_open,
            last_checked_at: self.last_checked_at.clone(),
            // A heartbeat monitor is not checked: its next decision is its deadline.
            next_check_at: match self.monitor_type.as_str() {
                "heartbeat" => self.deadline_ms.map(iso),
                _ => (self.is_active != 0).then(|| iso(slot_start_ms(slot_of_minute(next)))),
            },
        }
    }
}

fn config_args(spec: &MonitorSpec) -> Vec<Arg> {
    Vec::from(args![
        spec.project_id,
        spec.name.trim(),
        spec.monitor_type.as_str(),
        text(&spec.role),
        spec.method.as_str(),
        spec.url.trim(),
        text(&spec.headers),
        spec.body.clone(),
        text(&spec.expected_status_codes),
        spec.body_contains.clone(),
        spec.bot_protection_string.clone(),
        spec.bot_counts_as_failure,
        spec.expected_response_time_ms,
        spec.timeout_seconds,
        spec.check_interval_seconds,
        spec.failure_threshold,
        spec.recovery_threshold,
        spec.retries,
        spec.backoff_factor,
        text(&spec.retry_status_codes),
        spec.is_active,
        spec.hostname.clone(),
        spec.record_type.map(|t| t.as_str()),
        text(&spec.expected_values),
        text(&spec.assertions),
        spec.grace_seconds.unwrap_or(crate::core::heartbeat::DEFAULT_GRACE_SECONDS),
        spec.schedule.clone(),
        spec.tz.clone().unwrap_or_else(|| "UTC".into()),
    ])
}

/// `core::status_page::freshness_interval` from a monitor's stored columns (its type code, ISO
/// last-check time), for every row type that pages read.
pub fn freshness_interval(monitor_type: &str, interval_s: i64, grace_s: Option<i64>, last_checked_at: Option<&str>, deadline_ms: Option<EpochMs>) -> u32 {
    let heartbeat = monitor_type == MonitorType::Heartbeat.as_str();
    let last = last_checked_at.and_then(crate::core::time::parse_iso);
    crate::core::status_page::freshness_interval(heartbeat, interval_s, grace_s, last, deadline_ms)
}

/// A fresh ping token for a heartbeat monitor (used only where the row has none yet).
fn ping_token(spec: &MonitorSpec) -> Result<Option<String>, AppError> {
    match spec.monitor_type {
        MonitorType::Heartbeat => crate::heartbeat::new_token().map(Some),
        _ => Ok(None),
    }
}

/// JSON text of a value; enums come out bare (`core`, not `"core"`).
fn text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(v) => v.to_string(),
        Err(_) => String::new(),
    }
}

/// A project id that does not exist fails the foreign key; say so about the field.
fn project_refusal(e: AppError) -> AppError {
    refused_as(e, Refusal::ForeignKey, || AppError::Invalid(FieldError::new("project", "no such project")))
}

/// A new monitor is pending (`sched_pending_ms`, ?32: the next tick checks it and fixes its
/// phase) and has no incident yet. ?1..?28 the config (`config_args`), ?29 now, ?30 its period,
/// ?31 a phase until then, ?33 a heartbeat monitor's ping token (else NULL).
const INSERT: &str = concat!(
    "INSERT INTO monitors (",
    config_columns!(),
    ", created_at, updated_at, sched_period, sched_phase, sched_pending_ms, ping_token) VALUES (?1, ",
    config_values_but_project!(),
    ", ?29, ?29, ?30, ?31, CASE WHEN ?21 THEN ?32 END, ?33) RETURNING ",
    row_columns!(),
    ", 0 AS incident_open"
);

/// ?1..?28 the config, ?29 now, ?30 the monitor's id, ?31 its period. An edited (or resumed)
/// monitor is pending again (?32), so a fixed URL is confirmed on the next tick; a paused one
/// is not. (A heartbeat monitor's token and deadline are `heartbeat::rearm`'s.)
const UPDATE: &str = concat!(
    "UPDATE monitors SET project_id = ?1, ",
    config_assignments_but_project!(),
    ", updated_at = ?29, sched_period = ?31, sched_pending_ms = CASE WHEN ?21 THEN ?32 END WHERE id = ?30 RETURNING ",
    row_columns!(),
    ", EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = ?30 AND i.resolved_at IS NULL) AS incident_open"
);

/// Import's upsert by name: ?1..?28 the config, ?29 now; the project is found by slug and
/// owner (?30, ?31) inside SQL; ?32 the period, ?33 a phase, ?34 the pending mark, ?35 a
/// heartbeat monitor's new ping token (kept if it has one). A heartbeat's deadline stays until
/// its next ping or sweep, unless it is paused.
const UPSERT_UPDATE: &str = concat!(
    "UPDATE monitors SET ",
    config_assignments_but_project!(),
    ", updated_at = ?29, sched_period = ?32, sched_pending_ms = CASE WHEN ?21 THEN ?34 END, \
       ping_token = COALESCE(ping_token, ?35), deadline_ms = CASE WHEN ?21 = 1 AND ?3 = 'heartbeat' THEN deadline_ms END \
      WHERE project_id = (SELECT id FROM projects WHERE slug = ?30 AND owner_id = ?31) AND name = ?2"
);

const UPSERT_INSERT: &str = concat!(
    "INSERT INTO monitors (",
    config_columns!(),
    ", created_at, updated_at, sched_period, sched_phase, sched_pending_ms, ping_token) SELECT (SELECT id FROM projects WHERE slug = ?30 AND owner_id = ?31), ",
    config_values_but_project!(),
    ", ?29, ?29, ?32, ?33, CASE WHEN ?21 THEN ?34 END, ?35 \
     WHERE NOT EXISTS (SELECT 1 FROM monitors WHERE project_id = (SELECT id FROM projects WHERE slug = ?30 AND owner_id = ?31) AND name = ?2)"
);

/// A new or edited monitor's period, a phase (due on the next minute) until the next tick
/// fixes it, and its pending mark. A heartbeat monitor is never dispatched (DESIGN.md §3): its
/// period is 0, which no tick walks, and it is never pending; its deadline decides instead.
fn schedule_args(spec: &MonitorSpec, now: EpochMs) -> [Arg; 3] {
    if spec.monitor_type == MonitorType::Heartbeat {
        return args![0i64, 0i64, None::<EpochMs>];
    }
    let period = period_ticks(spec.check_interval_seconds);
    args![period, phase_at(minute_of(slot_of(now)) + 1, period), now]
}

/// Inserts a monitor, checked on the next tick (a heartbeat one waits for its first ping).
pub async fn insert(db: &D1Database, spec: &MonitorSpec, now: EpochMs) -> Result<MonitorRow, AppError> {
    let mut a = config_args(spec);
    a.push(iso(now).into());
    a.extend(schedule_args(spec, now));
    a.push(ping_token(spec)?.into());
    first(db, INSERT, &a).await.map_err(project_refusal)?.ok_or_else(|| AppError::Internal("insert returned no row".into()))
}

/// Replaces a monitor's configuration. An edited monitor is due on the next tick, so a fixed
/// URL is confirmed within a minute.
pub async fn update(db: &D1Database, id: i64, spec: &MonitorSpec, now: EpochMs) -> Result<Option<MonitorRow>, AppError> {
    let mut a = config_args(spec);
    a.push(iso(now).into());
    a.push(id.into());
    let [period, _, pending] = schedule_args(spec, now);
    a.extend([period, pending]);
    first(db, UPDATE, &a).await.map_err(project_refusal)
}

/// Import's upsert by name, as two statements for the caller's batch: update the monitor of
/// that name in the project with that slug, or insert it when there is none. The project is
/// found by slug inside SQL, so a project created earlier in the same batch works.
/// `ping_token` is a heartbeat monitor's token for when the row has none (the caller reports it).
pub fn upsert_by_name(db: &D1Database, user_id: i64, slug: &str, spec: &MonitorSpec, ping_token: Option<&str>, now: EpochMs) -> Result<Vec<D1PreparedStatement>, AppError> {
    let mut a = config_args(spec);
    a.push(iso(now).into());
    a.push(slug.into());
    a.push(user_id.into());
    a.extend(schedule_args(spec, now));
    a.push(ping_token.into());
    Ok(vec![stmt(db, UPSERT_UPDATE, &a)?, stmt(db, UPSERT_INSERT, &a)?])
}

/// Of these ping tokens, those some monitor holds: one index probe each (`monitors_ping_token`).
const TAKEN_PING_TOKENS: &str = "SELECT ping_token FROM monitors WHERE ping_token IN (SELECT value FROM json_each(?1))";

pub async fn taken_ping_tokens(db: &D1Database, tokens: &[String]) -> Result<Vec<String>, AppError> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(serde::Deserialize)]
    struct Row {
        ping_token: String,
    }
    let list = serde_json::to_string(tokens).unwrap_or_else(|_| "[]".into());
    let rows: Vec<Row> = all(db, TAKEN_PING_TOKENS, &args![list]).await?;
    Ok(rows.into_iter().map(|r| r.ping_token).collect())
}

pub(super) const GET: &str = select_rows!("WHERE id = ?1");
const GET_OWNED: &str = select_rows!("WHERE id = ?1 AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)");
/// Without `row_columns`'s block lookup: the consumer and the heartbeat sweep record checks, and
/// a record needs the state, not the last check's time (one row read per monitor, not two).
const GET_MANY: &str = concat!(
    "SELECT ",
    state_columns!(),
    ", NULL AS last_checked_at, EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = monitors.id AND i.resolved_at IS NULL) AS incident_open \
     FROM monitors WHERE id IN (SELECT value FROM json_each(?1))"
);
const LIST: &str = select_rows!(
    "WHERE id > ?1 AND (?2 IS NULL OR project_id = ?2) AND project_id IN (SELECT id FROM projects WHERE owner_id = ?4) \
     ORDER BY id LIMIT ?3"
);
const IN_PROJECT: &str = select_rows!("WHERE project_id = ?1 ORDER BY id LIMIT ?2");
const DELETE_OWNED: &str = "DELETE FROM monitors WHERE id = ?1 AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2) RETURNING id";
/// The distinct periods of active monitors, ascending: one `monitors_schedule` index seek each.
/// Period 0 (heartbeat monitors, never dispatched) is not walked.
const DUE_PERIODS: &str = "WITH RECURSIVE p(period) AS ( \
       SELECT min(sched_period) FROM monitors WHERE is_active = 1 AND sched_period > 0 \
       UNION ALL \
       SELECT (SELECT min(sched_period) FROM monitors WHERE is_active = 1 AND sched_period > p.period) FROM p WHERE p.period IS NOT NULL) \
     SELECT period FROM p WHERE period IS NOT NULL";
/// One page of the monitors due with one period and phase, after monitor id ?3: an index range
/// that reads exactly the rows it returns, in id order. Pending monitors are left to
/// `TAKE_PENDING`. `0 AS incident_open`: the tick needs only the config.
const DUE_AT_PHASE: &str = concat!(
    "SELECT ",
    tick_columns!(),
    " FROM monitors WHERE is_active = 1 AND sched_period = ?1 AND sched_phase = ?2 AND id > ?3 \
     AND sched_pending_ms IS NULL ORDER BY id LIMIT ?4"
);
/// The same over a range of phases (a tick covering missed minutes), after (phase ?4, id ?5).
const DUE_IN_PHASES: &str = concat!(
    "SELECT ",
    tick_columns!(),
    " FROM monitors WHERE is_active = 1 AND sched_period = ?1 AND sched_phase >= ?2 AND sched_phase <= ?3 \
     AND (sched_phase > ?4 OR (sched_phase = ?4 AND id > ?5)) AND sched_pending_ms IS NULL ORDER BY sched_phase, id LIMIT ?6"
);
/// Takes up to ?2 monitors created or edited since the last tick (the `monitors_pending`
/// index, normally empty) and fixes their phase on this tick's minute ?1, in one statement, so
/// two ticks never both take one.
const TAKE_PENDING: &str = concat!(
    "UPDATE monitors SET sched_pending_ms = NULL, sched_phase = ?1 % sched_period \
     WHERE id IN (SELECT id FROM monitors WHERE sched_pending_ms IS NOT NULL AND is_active = 1 LIMIT ?2) RETURNING ",
    tick_columns!()
);
/// Gives back monitors taken by [`take_pending`] whose jobs could not be sent.
const RESTORE_PENDING: &str =
    "UPDATE monitors SET sched_pending_ms = ?1 WHERE id IN (SELECT value FROM json_each(?2)) AND sched_pending_ms IS NULL AND is_active = 1";

pub async fn get(db: &D1Database, id: i64) -> Result<Option<MonitorRow>, AppError> {
    first(db, GET, &args![id]).await
}

/// The monitor if it is in one of `user_id`'s projects: another tenant's id is just not found.
pub async fn get_owned(db: &D1Database, user_id: i64, id: i64) -> Result<Option<MonitorRow>, AppError> {
    first(db, GET_OWNED, &args![id, user_id]).await
}

/// Which of `ids` are monitors of `user_id`'s projects (one query, like [`get_many`]).
pub async fn owned_ids(db: &D1Database, user_id: i64, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<super::Id> = all(db, OWNED_IDS, &args![list, user_id]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

const OWNED_IDS: &str = "SELECT id FROM monitors WHERE id IN (SELECT value FROM json_each(?1)) \
     AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)";

/// Monitors by id, for a consumer batch: one query whatever the batch size (json_each keeps
/// it to one bound parameter; D1 allows 100 per statement). `last_checked_at` is not read.
pub async fn get_many(db: &D1Database, ids: &[i64]) -> Result<Vec<MonitorRow>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    all(db, GET_MANY, &args![list]).await
}

/// One page of `user_id`'s monitors, by id, optionally of one project.
pub async fn list(db: &D1Database, user_id: i64, project: Option<i64>, after_id: i64, limit: u32) -> Result<Vec<MonitorRow>, AppError> {
    all(db, LIST, &args![after_id, project, limit, user_id]).await
}

/// A project's monitors by id, for its public status page (the page decides visibility).
pub async fn in_project(db: &D1Database, project_id: i64, limit: u32) -> Result<Vec<MonitorRow>, AppError> {
    all(db, IN_PROJECT, &args![project_id, limit]).await
}

/// Deletes one of `user_id`'s monitors and (by cascade) its checks and incidents. Returns
/// whether it existed.
pub async fn delete(db: &D1Database, user_id: i64, id: i64) -> Result<bool, AppError> {
    Ok(first::<super::Id>(db, DELETE_OWNED, &args![id, user_id]).await?.is_some())
}

/// Where a tick's dispatch stands, in the order monitors are dispatched: by period, phase, id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub struct Position {
    pub period: i64,
    pub phase: i64,
    pub id: i64,
}

/// A monitor the tick dispatches: what its job and the claim's cursor need.
#[derive(Debug, Clone, Deserialize)]
pub struct DueMonitor {
    pub id: i64,
    pub sched_period: i64,
    pub sched_phase: i64,
    pub status: Option<String>,
    #[serde(default)]
    pub slow_lane: i64,
}

impl DueMonitor {
    pub fn position(&self) -> Position {
        Position { period: self.sched_period, phase: self.sched_phase, id: self.id }
    }

    /// Its job goes to the slow lane (`core::dispatch::in_slow_lane`), and takes a capped slot
    /// where both lanes meet (`pool`).
    pub fn timed_out(&self) -> bool {
        dispatch::in_slow_lane(self.status.as_deref().and_then(CheckStatus::parse), self.slow_lane != 0)
    }
}

/// The periods the tick walks (see `DUE_PERIODS`).
pub async fn due_periods(db: &D1Database) -> Result<Vec<i64>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        period: i64,
    }
    Ok(all::<Row>(db, DUE_PERIODS, &[]).await?.into_iter().map(|r| r.period).collect())
}

/// Up to `limit` monitors with `period` and a phase in `lo..=hi`, after `after` (which has this
/// period, or starts it), in dispatch order.
pub async fn due_page(db: &D1Database, period: i64, (lo, hi): (i64, i64), after: Position, limit: u32) -> Result<Vec<DueMonitor>, AppError> {
    if after.phase > hi {
        return Ok(Vec::new());
    }
    if lo == hi {
        let after_id = if after.phase == lo { after.id } else { 0 };
        all(db, DUE_AT_PHASE, &args![period, lo, after_id, limit]).await
    } else {
        let (phase, id) = if after.phase >= lo { (after.phase, after.id) } else { (lo, 0) };
        all(db, DUE_IN_PHASES, &args![period, lo, hi, phase, id, limit]).await
    }
}

/// Takes the monitors waiting for their first check (new, edited, resumed), fixing their phase
/// on the tick of `minute`.
pub async fn take_pending(db: &D1Database, minute: i64, limit: u32) -> Result<Vec<DueMonitor>, AppError> {
    all(db, TAKE_PENDING, &args![minute, limit]).await
}

/// Makes monitors taken by [`take_pending`] pending again: their jobs were not sent.
pub async fn restore_pending(db: &D1Database, ids: &[i64], now: EpochMs) -> Result<(), AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    run(db, RESTORE_PENDING, &args![now, list]).await
}

/// A monitor and its latest check, if any (seed 000's `GET /status`).
#[derive(Debug, Clone, Deserialize)]
pub struct Latest {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub expected_status_codes: String,
    pub started_at: Option<String>,
    pub status: Option<String>,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
}

const OWNED_LIST: &str = "SELECT id, name, url, expected_status_codes FROM monitors \
     WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1) ORDER BY id LIMIT ?2";

#[derive(Debug, Clone, Deserialize)]
struct Target {
    id: i64,
    name: String,
    url: String,
    expected_status_codes: String,
}

/// The user's monitors with each one's newest check: three queries (monitors, their newest
/// blocks, the full rows among those checks).
pub async fn latest_results(db: &D1Database, user_id: i64, limit: u32) -> Result<Vec<Latest>, AppError> {
    let targets: Vec<Target> = all(db, OWNED_LIST, &args![user_id, limit]).await?;
    let ids: Vec<i64> = targets.iter().map(|t| t.id).collect();
    let newest: Vec<_> = blocks::newest_entries(db, &ids).await?.into_iter().collect();
    let mut checks: std::collections::BTreeMap<i64, CheckRow> = blocks::rows_of(db, &newest).await?.into_iter().map(|c| (c.monitor_id, c)).collect();
    Ok(targets
        .into_iter()
        .map(|t| {
            let c = checks.remove(&t.id);
            Latest {
                id: t.id,
                name: t.name,
                url: t.url,
                expected_status_codes: t.expected_status_codes,
                started_at: c.as_ref().map(|c| c.started_at.clone()),
                status: c.as_ref().map(|c| c.status.clone()),
                http_status: c.as_ref().and_then(|c| c.http_status),
                latency_ms: c.as_ref().and_then(|c| c.latency_ms),
            }
        })
        .collect())
}

/// What the checks queue has to do for a user: monitors due now (waiting for their first check,
/// or due on this minute's tick while it has not dispatched), checks in the last minute.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Waiting {
    pub due_now: i64,
    pub checks_last_minute: i64,
}

const DUE_NOW: &str = "SELECT count(*) AS due_now, 0 AS checks_last_minute FROM monitors WHERE is_active = 1 AND sched_period > 0 \
        AND (sched_pending_ms IS NOT NULL OR ((?1 - sched_phase) % sched_period = 0 \
          AND NOT EXISTS (SELECT 1 FROM tick_claims WHERE slot = ?3 AND done_ms IS NOT NULL))) \
        AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)";
const OWNED_ALL: &str = "SELECT id FROM monitors WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1)";

/// Monitors due now, and checks of the last minute counted from the blocks of its hours.
pub async fn waiting(db: &D1Database, user_id: i64, now: EpochMs) -> Result<Waiting, AppError> {
    let minute = minute_of(slot_of(now));
    let mut w: Waiting = first(db, DUE_NOW, &args![minute, user_id, slot_of_minute(minute)]).await?.unwrap_or_default();
    let ids: Vec<super::Id> = all(db, OWNED_ALL, &args![user_id]).await?;
    let ids: Vec<i64> = ids.into_iter().map(|i| i.id).collect();
    let from = slot_at_or_after(now - 60_000);
    w.checks_last_minute = blocks::entries(db, &ids, from, slot_at_or_before(now) + BLOCK_SECONDS).await?.len() as i64;
    Ok(w)
}

/// Used by health: the cheapest query that proves D1 answers.
pub async fn ping(db: &D1Database) -> Result<(), AppError> {
    const PING: &str = "SELECT 1";
    run(db, PING, &[]).await
}
