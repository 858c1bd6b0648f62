//! Heartbeat monitors' glue (DESIGN.md §3): a ping, the cron's sweep of overdue monitors, and
//! re-arming after an edit. Every decision is `core::heartbeat`'s; a check it asks for is
//! recorded exactly as the checks consumer records one (`store::checks::record` with
//! `incident::step`, then the outbox's events handed to the alerts queue).
use base64::Engine as _;
use worker::{D1Database, Env};

use crate::alerts;
use crate::bindings::Config;
use crate::clock;
use crate::core::classify::Verdict;
use crate::core::heartbeat::{self, Expect, Finding, Signal, State, Timing, Zone};
use crate::core::incident::{self, Effect, Thresholds};
use crate::core::monitor::{MonitorSpec, MonitorType};
use crate::core::schedule::{slot_of, CheckJob, JobKind};
use crate::core::time::EpochMs;
use crate::entropy;
use crate::error::AppError;
use crate::store::checks::{self, CheckResult, Recorded};
use crate::store::heartbeats::{self, PingRow, Save};
use crate::store::incidents;
use crate::store::monitors::{self, MonitorRow};
use crate::zone::IntlZone;

/// A ping's attempts: pings of one token arriving together (a job run on many hosts) each win
/// one round of the `state_version` race, so the last of N needs N attempts. The rate limit
/// bounds N: once a window has accepted its pings, the rest are refused on their next read,
/// writing nothing, so this many attempts always settle.
const PING_ATTEMPTS: usize = heartbeat::PINGS_PER_WINDOW as usize + 2;
/// Overdue monitors one tick handles; more wait for the next tick (oldest deadline first).
pub const SWEEP_LIMIT: u32 = 50;

/// A new ping token: 128 random bits from the platform's CSPRNG, base64url (22 characters).
pub fn new_token() -> Result<String, AppError> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(entropy::bytes::<16>()?))
}

/// Whether `token` has the form [`new_token`] gives (22 base64url characters).
pub fn token_shaped(token: &str) -> bool {
    token.len() == 22 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A monitor's schedule, parsed once: owns what the core's [`Timing`] borrows.
struct Schedule {
    cron: Option<croner::Cron>,
    zone: Option<IntlZone>,
    period_ms: EpochMs,
    grace_ms: EpochMs,
}

impl Schedule {
    fn of(spec: &MonitorSpec, config: &Config) -> Result<Self, AppError> {
        let unit = i64::from(config.heartbeat_second_ms);
        let cron = spec.schedule.as_deref().map(heartbeat::parse_cron).transpose().map_err(|e| AppError::Internal(format!("stored schedule: {e}")))?;
        let zone = match &cron {
            Some(_) => {
                let name = spec.tz.as_deref().unwrap_or("UTC");
                Some(IntlZone::new(name).ok_or_else(|| AppError::Internal(format!("time zone {name} unknown to the runtime")))?)
            }
            None => None,
        };
        let grace = spec.grace_seconds.unwrap_or(heartbeat::DEFAULT_GRACE_SECONDS);
        Ok(Self { cron, zone, period_ms: i64::from(spec.check_interval_seconds) * unit, grace_ms: i64::from(grace) * unit })
    }

    fn timing(&self) -> Timing<'_> {
        let expect = match (&self.cron, &self.zone) {
            (Some(cron), Some(zone)) => Expect::Cron { cron, zone: Zone(zone) },
            _ => Expect::Period { period_ms: self.period_ms },
        };
        Timing { expect, grace_ms: self.grace_ms }
    }
}

/// What a ping request carries.
pub struct Ping<'a> {
    pub token: &'a str,
    pub signal: Signal,
    pub rid: Option<&'a str>,
    pub body: Option<String>,
    pub now: EpochMs,
}

/// How a ping was answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Ok,
    /// No heartbeat monitor has this token. Nothing was written.
    NotFound,
    /// Over the per-token limit; nothing was written. Retry after this many ms.
    RateLimited(EpochMs),
}

/// Applies a ping. Costs: the token lookup (1 index read) and the monitor row; then one batch
/// (D1 runs it as one transaction). A finish (success, failure, exit status) records its check
/// there with the heartbeat's new state and deadline in the same write of the monitor row: a
/// steady success writes 2 rows (that row and the check's hour-block entry). A `/start` or
/// `/log` writes the row and its ping log row. A ping log row is kept also for a finish that
/// carries a body.
pub async fn ping(env: &Env, db: &D1Database, config: &Config, p: Ping<'_>) -> Result<Answer, AppError> {
    let Some(id) = heartbeats::id_by_token(db, p.token).await? else { return Ok(Answer::NotFound) };
    for _ in 0..PING_ATTEMPTS {
        let Some(row) = monitors::get(db, id).await? else { return Ok(Answer::NotFound) };
        if row.is_active == 0 {
            // Paused: answered, ignored (nothing written), as no check runs for a paused monitor.
            return Ok(Answer::Ok);
        }
        let spec = row.spec()?;
        let schedule = Schedule::of(&spec, config)?;
        let state = State::parse(row.heartbeat_state.as_deref());
        let outcome = match heartbeat::on_ping(&state, p.signal, p.rid, p.now, &schedule.timing()) {
            Ok(o) => o,
            Err(limited) => return Ok(Answer::RateLimited(limited.retry_after_ms)),
        };
        let slot = outcome.slot.unwrap_or_else(|| slot_of(p.now));
        let logged = (p.body.is_some() || matches!(p.signal, Signal::Start | Signal::Log)).then(|| PingRow {
            received_ms: p.now,
            kind: p.signal.kind().to_string(),
            exit_status: p.signal.exit_status().map(i64::from),
            rid: p.rid.map(str::to_string),
            duration_ms: outcome.duration_ms,
            slot: outcome.finding.is_some().then_some(slot),
            body: p.body.clone(),
        });
        let text = outcome.state.to_text();
        let save = Save { state: &text, deadline_ms: outcome.deadline_ms, ping: logged.as_ref() };
        let written = match &outcome.finding {
            Some(finding) => record(env, db, &row, &spec, slot, p.now, finding, &save).await?,
            None => heartbeats::save(db, id, row.state_version, &save).await?,
        };
        if written {
            return Ok(Answer::Ok);
        }
        // Another ping (or the sweep) wrote first: read again and decide again.
    }
    Err(AppError::Internal(format!("monitor {id}: heartbeat state kept changing")))
}

/// Records a heartbeat's check the way the checks consumer records a probed one, with the
/// heartbeat state it leads to (`save`) in the same batch, against the row as read. Returns
/// false when the row's state moved meanwhile: nothing was written; the caller re-reads.
#[allow(clippy::too_many_arguments)]
async fn record(env: &Env, db: &D1Database, row: &MonitorRow, spec: &MonitorSpec, slot: i64, at_ms: EpochMs, f: &Finding, save: &Save<'_>) -> Result<bool, AppError> {
    let job = CheckJob::new(row.id, slot, JobKind::Scheduled, None);
    let verdict = Verdict {
        status: f.status,
        failure: f.failure.clone(),
        slow: false,
        http_status: None,
        latency_ms: f.duration_ms.map(|d| d.clamp(0, i64::from(u32::MAX)) as u32),
    };
    let thresholds = Thresholds { failure: spec.failure_threshold, recovery: spec.recovery_threshold };
    // No confirmation re-checks: a heartbeat cannot be asked again; its grace time is the patience.
    let step = incident::step(row.streaks(), Effect::of(verdict.status, false), thresholds);
    let result = CheckResult { job: &job, started_at: at_ms, attempts: 1, verdict: &verdict, recheck: None, heartbeat: Some(*save), slow_lane: None };
    match checks::record(db, &result, &step, row).await? {
        Recorded::New(events) => alerts::enqueue(env, db, &events, clock::now_ms()).await.map(|()| true),
        Recorded::Duplicate => {
            // This second already has a check (a second finish within it, or a sweep run
            // twice): the heartbeat's state still moves on, and the check's events, if any
            // are still unsent, go out again.
            if !heartbeats::save(db, row.id, row.state_version, save).await? {
                return Ok(false);
            }
            let unsent = incidents::unreceived_of_check(db, job.monitor_id, job.slot).await?;
            alerts::enqueue(env, db, &unsent, clock::now_ms()).await.map(|()| true)
        }
        Recorded::MonitorGone => Ok(true),
        Recorded::Stale => Ok(false),
    }
}

/// The tick's heartbeat work: the sweep, then pruning pings older than raw checks are kept.
pub async fn upkeep(env: &Env, db: &D1Database, config: &Config, now: EpochMs) -> Result<usize, AppError> {
    let before = crate::meter::now();
    let missed = sweep(env, db, config, now).await?;
    heartbeats::prune(db, now - i64::from(config.raw_retention_days) * 86_400_000).await?;
    if config.check_log {
        // What the sweep and the ping pruning cost this tick (CHECK_LOG=true only).
        let used = crate::meter::now();
        worker::console_log!(
            "vigil-sweep {{\"missed\":{missed},\"d1_statements\":{},\"d1_rows_read\":{},\"d1_rows_written\":{},\"queue_messages\":{}}}",
            used.d1_statements - before.d1_statements,
            used.d1_rows_read - before.d1_rows_read,
            used.d1_rows_written - before.d1_rows_written,
            used.queue_messages - before.queue_messages
        );
    }
    Ok(missed)
}

/// The cron's sweep: every heartbeat monitor whose deadline passed gets a DOWN check
/// (`missed_heartbeat`) and its next deadline. One query finds them all, reading only the
/// heartbeat monitors' rows (`heartbeats::overdue`); each overdue monitor then costs one read
/// and one batch: its check recorded with its new heartbeat state.
pub async fn sweep(env: &Env, db: &D1Database, config: &Config, now: EpochMs) -> Result<usize, AppError> {
    let ids = heartbeats::overdue(db, now, SWEEP_LIMIT).await?;
    if ids.is_empty() {
        return Ok(0);
    }
    let mut missed = 0;
    for row in monitors::get_many(db, &ids).await? {
        let id = row.id;
        match miss(env, db, config, row, now).await {
            Ok(true) => missed += 1,
            Ok(false) => {}
            Err(e) => worker::console_error!("heartbeat sweep, monitor {id}: {e:?}"),
        }
    }
    Ok(missed)
}

async fn miss(env: &Env, db: &D1Database, config: &Config, row: MonitorRow, now: EpochMs) -> Result<bool, AppError> {
    let spec = row.spec()?;
    if row.is_active == 0 || spec.monitor_type != MonitorType::Heartbeat {
        heartbeats::set_deadline(db, row.id, None).await?;
        return Ok(false);
    }
    let schedule = Schedule::of(&spec, config)?;
    let timing = schedule.timing();
    let state = State::parse(row.heartbeat_state.as_deref());
    let Some(m) = heartbeat::on_deadline(&state, now, &timing) else {
        // The column is behind the state (an edit moved the deadline): put it right.
        heartbeats::set_deadline(db, row.id, timing.deadline(&state)).await?;
        return Ok(false);
    };
    let text = m.state.to_text();
    let save = Save { state: &text, deadline_ms: m.deadline_ms, ping: None };
    // False: a ping came in meanwhile. It is newer than the deadline this sweep stands for, so
    // it decides; the next tick looks again.
    record(env, db, &row, &spec, m.slot, m.at_ms, &m.finding, &save).await
}

/// After a configuration write: a heartbeat monitor gets its token if it has none, and its
/// deadline follows the new schedule (none while paused or still waiting for a first ping).
/// A deadline already passed is dropped: a resumed or re-scheduled monitor waits for its next
/// ping rather than going DOWN for the time it was paused.
pub async fn rearm(db: &D1Database, config: &Config, row: &MonitorRow, now: EpochMs) -> Result<(), AppError> {
    let spec = row.spec()?;
    if spec.monitor_type != MonitorType::Heartbeat {
        return heartbeats::set_deadline(db, row.id, None).await;
    }
    if row.ping_token.is_none() {
        heartbeats::ensure_token(db, row.id, &new_token()?).await?;
    }
    let deadline = match row.is_active {
        0 => None,
        _ => Schedule::of(&spec, config)?.timing().deadline(&State::parse(row.heartbeat_state.as_deref())).filter(|d| *d > now),
    };
    heartbeats::set_deadline(db, row.id, deadline).await
}
