//! The cron tick (DESIGN.md §3): dispatch first, upkeep after. Dispatch sends the monitors
//! waiting for their first check (new, edited, resumed) and those the schedule makes due this
//! minute, packed many jobs per checks-queue message, writing no row per monitor: one claim row
//! per tick guards against a second dispatch. Upkeep then finds again the hand-offs a crash or a
//! lost queue message left behind (DESIGN.md §6), sweeps alerts and rolls up history; none of it
//! can hold back or fail the dispatch before it.
use std::collections::BTreeSet;

use worker::{D1Database, Env, MessageBuilder, Queue};

use crate::alerts;
use crate::bindings::{self, Config, DB};
use crate::clock;
use crate::core::dispatch::{balanced_jobs_per_message, by_lane, pack, pack_lanes, send_groups, CheckMessage, Lane, PackedJob, CONSUMER_BATCH_MESSAGES, SEND_BATCH_MESSAGES_MAX};
use crate::core::schedule::{due_phases, minute_of, plan_tick, tick_slot, JobKind, TickPlan, CLAIM_LEASE_MS};
use crate::heartbeat;
use crate::core::time::EpochMs;
use crate::error::{AppError, Context};
use crate::history;
use crate::hooks;
use crate::store::monitors::{self, DueMonitor, Position};
use crate::store::ticks::{self, Claim};
use crate::store::{checks, settings};

/// Rows per due-monitor page, and new or edited monitors taken per tick (the rest wait a tick).
const DUE_PAGE: u32 = 1000;
const PENDING_MAX: u32 = 5000;

#[derive(Debug, Default)]
pub struct TickReport {
    pub slot: i64,
    /// Check jobs sent: new or edited monitors plus scheduled ones.
    pub dispatched: usize,
    /// Checks-queue messages they went in.
    pub messages: usize,
    /// Milliseconds from the tick's start to the end of dispatch.
    pub dispatch_ms: i64,
    /// D1 rows the dispatch read and wrote (upkeep's are in the tick's usage line only).
    pub dispatch_rows_read: u64,
    pub dispatch_rows_written: u64,
    pub events_resent: usize,
    pub rolled_up: usize,
}

pub async fn tick(env: &Env, now: EpochMs) -> Result<TickReport, AppError> {
    let db = env.d1(DB).context("D1 binding")?;
    let config = Config::from_env(env);
    let slot = tick_slot(now);
    let sender = Sender { main: bindings::checks_queue(env, Lane::Main)?, slow: bindings::checks_queue(env, Lane::Slow)?, jobs_per_message: config.check_jobs_per_message };
    let mut report = TickReport { slot, ..TickReport::default() };
    let before = crate::meter::now();

    // Dispatch. A failure of one part is logged and returned at the end, after upkeep.
    let mut failed: Option<AppError> = None;
    let pending = dispatch_pending(&db, &sender, slot, now).await.unwrap_or_else(|e| {
        worker::console_error!("dispatching new monitors: {e:?}");
        failed.get_or_insert(e);
        Sent::default()
    });
    let scheduled = dispatch_schedule(&db, &sender, slot, now, &pending.ids).await.unwrap_or_else(|e| {
        worker::console_error!("dispatching tick {slot}: {e:?}");
        failed.get_or_insert(e);
        Sent::default()
    });
    report.dispatched = pending.ids.len() + scheduled.ids.len();
    report.messages = pending.messages + scheduled.messages;
    report.dispatch_ms = clock::now_ms() - now;
    let used = crate::meter::now() - before;
    (report.dispatch_rows_read, report.dispatch_rows_written) = (used.d1_rows_read, used.d1_rows_written);

    // Upkeep, each step on its own: its failure is logged, never returned.
    // Heartbeat monitors are never dispatched (period 0): their overdue deadlines are found here
    // in one indexed query, after the checks went out.
    if let Err(e) = heartbeat::upkeep(env, &db, &config, now).await {
        worker::console_error!("heartbeat sweep: {e:?}");
    }
    let grace_s = config.handoff_grace_seconds;
    if let Err(e) = resend_lost_rechecks(&sender, &db, now, grace_s).await {
        worker::console_error!("lost rechecks: {e:?}");
    }
    report.events_resent = alerts::resend_unreceived(env, &db, now, i64::from(grace_s) * 1000).await.unwrap_or_else(|e| {
        worker::console_error!("unreceived events: {e:?}");
        0
    });
    if let Err(e) = alerts::sweep(env, &db, now).await {
        worker::console_error!("alerts sweep: {e:?}");
    }
    report.rolled_up = history::upkeep(&db, &config, now).await.unwrap_or_else(|e| {
        worker::console_error!("history upkeep: {e:?}");
        0
    });
    // What `GET /status/queue` reports as the last tick: one row written per tick.
    if let Err(e) = settings::record_tick(&db, now, slot, report.dispatched, clock::now_ms() - now).await {
        worker::console_error!("recording the tick: {e:?}");
    }
    match failed {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// What a dispatch step sent.
#[derive(Debug, Default)]
struct Sent {
    ids: BTreeSet<i64>,
    messages: usize,
}

/// Monitors created, edited or resumed since the last tick: checked now at this tick's slot,
/// with their phase fixed on this minute (one UPDATE ... RETURNING takes them, so two ticks
/// never both do). Those whose send fails are made pending again.
async fn dispatch_pending(db: &D1Database, sender: &Sender, slot: i64, now: EpochMs) -> Result<Sent, AppError> {
    let rows = monitors::take_pending(db, minute_of(slot), PENDING_MAX).await?;
    if rows.is_empty() {
        return Ok(Sent::default());
    }
    let jobs = jobs_of(&rows, &BTreeSet::new());
    let mut sent = Sent::default();
    for (n, group) in sender.sends(slot, &jobs).into_iter().enumerate() {
        if let Err(e) = sender.send(&group).await {
            let unsent: Vec<i64> = jobs[group.first_job..].iter().map(|(_, j)| j.monitor_id).collect();
            monitors::restore_pending(db, &unsent, now).await?;
            return Err(AppError::Internal(format!("sending new monitors' checks (send {n}): {e:?}")));
        }
        sent.messages += group.messages();
        sent.ids.extend(jobs[group.first_job..group.end_job].iter().map(|(_, j)| j.monitor_id));
    }
    Ok(sent)
}

/// The schedule's monitors due this minute (DESIGN.md §3). The claim decides whether this tick
/// dispatches at all and over which window of minutes; progress is written to it after each
/// `send_batch` but the last, so a failure here is finished by the next tick from that point.
async fn dispatch_schedule(db: &D1Database, sender: &Sender, slot: i64, now: EpochMs, skip: &BTreeSet<i64>) -> Result<Sent, AppError> {
    let recent: Vec<Claim> = ticks::recent(db).await?;
    let states: Vec<_> = recent.iter().map(Claim::state).collect();
    let claim = match plan_tick(slot, now, &states) {
        TickPlan::Nothing => None,
        TickPlan::Claim { window } => ticks::claim(db, slot, window, now, now + CLAIM_LEASE_MS).await?,
        TickPlan::TakeOver => ticks::take_over(db, slot, now, now + CLAIM_LEASE_MS).await?,
    };
    let Some(claim) = claim else { return Ok(Sent::default()) }; // another tick has it
    let rows = due_rows(db, &claim).await?;
    let jobs = jobs_of(&rows, skip);
    let sends = sender.sends(claim.slot, &jobs);
    let mut sent = Sent::default();
    let mut cursor = claim.cursor();
    let last = sends.len().saturating_sub(1);
    for (n, group) in sends.iter().enumerate() {
        if let Err(e) = sender.send(group).await {
            // Give the claim up at once (lease 0): the next tick takes it over from `cursor`.
            ticks::advance(db, &claim, cursor, 0, None, 0).await?;
            return Err(AppError::Internal(format!("sending tick {} (send {n} of {}): {e:?}", claim.slot, sends.len())));
        }
        sent.messages += group.messages();
        sent.ids.extend(jobs[group.first_job..group.end_job].iter().map(|(_, j)| j.monitor_id));
        cursor = jobs[group.end_job - 1].0;
        if n < last && !ticks::advance(db, &claim, cursor, group.end_job - group.first_job, None, now + CLAIM_LEASE_MS).await? {
            return Err(AppError::Internal(format!("tick {}: claim taken over while dispatching", claim.slot)));
        }
    }
    let end = rows.last().map_or(cursor, DueMonitor::position).max(cursor);
    let last_group = sends.last().map_or(0, |g| g.end_job - g.first_job);
    ticks::advance(db, &claim, end, last_group, Some(clock::now_ms()), 0).await?;
    Ok(sent)
}

/// The claim's due monitors after its cursor, in dispatch order: for each period, the phases
/// its window makes due, page by page. Reads only the index entries and rows of due monitors,
/// plus one index entry per distinct period.
async fn due_rows(db: &D1Database, claim: &Claim) -> Result<Vec<DueMonitor>, AppError> {
    let minute = minute_of(claim.slot);
    let cursor = claim.cursor();
    let mut rows = Vec::new();
    for period in monitors::due_periods(db).await? {
        if period < cursor.period {
            continue;
        }
        for range in due_phases(minute, claim.window_ticks, period) {
            let mut after = if cursor.period == period { cursor } else { Position { period, phase: -1, id: 0 } };
            loop {
                let page = monitors::due_page(db, period, range, after, DUE_PAGE).await?;
                let full = page.len() == DUE_PAGE as usize;
                if let Some(last) = page.last() {
                    after = last.position();
                }
                rows.extend(page);
                if !full {
                    break;
                }
            }
        }
    }
    Ok(rows)
}

/// Each due monitor's job with its dispatch position, but those in `skip`. A job carries no
/// config: the consumer checks the monitor as its row is when the job runs.
fn jobs_of(rows: &[DueMonitor], skip: &BTreeSet<i64>) -> Vec<(Position, PackedJob)> {
    rows.iter()
        .filter(|r| !skip.contains(&r.id))
        .map(|r| (r.position(), PackedJob { monitor_id: r.id, spec: None, timed_out: r.timed_out() }))
        .collect()
}

/// Packs and sends check jobs to the checks queues, each job in its lane.
struct Sender {
    main: Queue,
    slow: Queue,
    jobs_per_message: usize,
}

/// One group of consecutive jobs (by index), sent as one `send_batch` call per lane: the
/// cursor moves past the group only when every lane's call has succeeded.
struct Send {
    lanes: Vec<(Lane, Vec<CheckMessage>)>,
    first_job: usize,
    end_job: usize,
}

impl Send {
    fn messages(&self) -> usize {
        self.lanes.iter().map(|(_, m)| m.len()).sum()
    }
}

impl Sender {
    /// The groups of these jobs of one slot, in order, each within `send_batch`'s limits.
    fn sends(&self, slot: i64, jobs: &[(Position, PackedJob)]) -> Vec<Send> {
        // A test hook's figure is taken as it is; otherwise the messages fill whole batches.
        let per_message = hooks::jobs_per_message().unwrap_or_else(|| balanced_jobs_per_message(jobs.len(), self.jobs_per_message, CONSUMER_BATCH_MESSAGES));
        let jobs: Vec<PackedJob> = jobs.iter().map(|(_, j)| j.clone()).collect();
        let packed = pack(slot, JobKind::Scheduled, jobs.clone(), per_message);
        let sizes: Vec<usize> = packed.iter().map(|m| CheckMessage::Packed(m.clone()).bytes()).collect();
        let per_send = hooks::messages_per_send().unwrap_or(SEND_BATCH_MESSAGES_MAX);
        let mut first_job = 0;
        send_groups(&sizes, per_send)
            .into_iter()
            .map(|range| {
                let end_job = first_job + packed[range].iter().map(|m| m.jobs.len()).sum::<usize>();
                let lanes = pack_lanes(slot, JobKind::Scheduled, &jobs[first_job..end_job], per_message);
                let lanes = lanes.into_iter().map(|(lane, ms)| (lane, ms.into_iter().map(CheckMessage::Packed).collect())).collect();
                let send = Send { lanes, first_job, end_job };
                first_job = end_job;
                send
            })
            .collect()
    }

    fn queue(&self, lane: Lane) -> &Queue {
        match lane {
            Lane::Main => &self.main,
            Lane::Slow => &self.slow,
        }
    }

    async fn send(&self, send: &Send) -> Result<(), AppError> {
        if hooks::send_fails() {
            return Err(AppError::Internal("send_batch failed (test hook)".into()));
        }
        for (lane, messages) in &send.lanes {
            let batch: Vec<_> = messages.iter().map(|m| MessageBuilder::new(m.clone()).build()).collect();
            crate::meter::send_batch(self.queue(*lane), batch).await.context("sending check jobs")?;
        }
        Ok(())
    }
}

/// Re-checks recorded as asked for but never run (their delayed message died with the process
/// or on the queue): sent again with their own slot, so a late original records nothing twice.
async fn resend_lost_rechecks(sender: &Sender, db: &D1Database, now: EpochMs, grace_s: u32) -> Result<usize, AppError> {
    let lost = checks::lost_rechecks(db, now.div_euclid(1000), i64::from(grace_s)).await?;
    if lost.is_empty() {
        return Ok(0);
    }
    worker::console_log!("resending {} lost re-checks", lost.len());
    let count = lost.len();
    for (lane, jobs) in by_lane(lost, |j| j.timed_out) {
        let messages: Vec<_> = jobs.into_iter().map(|j| MessageBuilder::new(CheckMessage::One(j)).build()).collect();
        crate::meter::send_batch(sender.queue(lane), messages).await.context("resending lost rechecks")?;
    }
    Ok(count)
}
