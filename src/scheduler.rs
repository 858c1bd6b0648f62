//! The cron tick: reserve due monitors, fan them out to the checks queue, and find again the
//! hand-offs a crash or a lost queue message left behind (DESIGN.md §6): incident events the
//! alerts consumer never recorded, and confirmation re-checks that never ran.
use worker::{D1Database, Env, MessageBuilder};

use crate::alerts;
use crate::bindings::{Config, CHECKS_QUEUE, DB};
use crate::history;
use crate::core::schedule::{tick_slot, CheckJob, JobKind, SEND_BATCH_MAX};
use crate::core::time::EpochMs;
use crate::error::{AppError, Context};
use crate::store::{checks, monitors, settings};
use crate::clock;

#[derive(Debug, Default)]
pub struct TickReport {
    pub slot: i64,
    pub dispatched: usize,
    pub events_resent: usize,
    pub rolled_up: usize,
}

pub async fn tick(env: &Env, now: EpochMs) -> Result<TickReport, AppError> {
    let db = env.d1(DB).context("D1 binding")?;
    let slot = tick_slot(now);
    let due = monitors::reserve_due(&db, slot).await?;
    let jobs = due
        .iter()
        .map(|row| Ok(CheckJob { monitor_id: row.id, slot, kind: JobKind::Scheduled, spec: Some(row.spec_json()?) }))
        .collect::<Result<Vec<_>, AppError>>()?;
    let dispatched = dispatch(env, &db, jobs, slot).await?;
    let config = Config::from_env(env);
    let grace_s = config.handoff_grace_seconds;
    let events_resent = alerts::resend_unreceived(env, &db, now, i64::from(grace_s) * 1000).await?;
    if let Err(e) = resend_lost_rechecks(env, &db, now, grace_s).await {
        worker::console_error!("lost rechecks: {e:?}");
    }
    // Alert upkeep (maintenance releases, lost sends) is logged, not returned, for the same reason.
    if let Err(e) = alerts::sweep(env, &db, now).await {
        worker::console_error!("alerts sweep: {e:?}");
    }
    // History upkeep must not hold back the checks above: its failure is logged, not returned.
    let rolled_up = history::upkeep(&db, &config, now).await.unwrap_or_else(|e| {
        worker::console_error!("history upkeep: {e:?}");
        0
    });
    // What `GET /status/queue` reports as the last tick: one row written per tick.
    if let Err(e) = settings::record_tick(&db, now, slot, dispatched, clock::now_ms() - now).await {
        worker::console_error!("recording the tick: {e:?}");
    }
    Ok(TickReport { slot, dispatched, events_resent, rolled_up })
}

/// Re-checks recorded as asked for but never run (their delayed message died with the process
/// or on the queue): sent again with their own slot, so a late original records nothing twice.
async fn resend_lost_rechecks(env: &Env, db: &D1Database, now: EpochMs, grace_s: u32) -> Result<usize, AppError> {
    let lost = checks::lost_rechecks(db, now.div_euclid(1000), i64::from(grace_s)).await?;
    if lost.is_empty() {
        return Ok(0);
    }
    worker::console_log!("resending {} lost re-checks", lost.len());
    let queue = env.queue(CHECKS_QUEUE).context("checks queue binding")?;
    let messages: Vec<_> = lost.iter().map(|&(monitor_id, slot)| MessageBuilder::new(CheckJob { monitor_id, slot, kind: JobKind::Recheck, spec: None }).build()).collect();
    crate::meter::send_batch(&queue, messages).await.context("resending lost rechecks")?;
    Ok(lost.len())
}

/// Sends one job per monitor, 100 per `send_batch`. If a send fails, the monitors of that
/// chunk and after are made due again, so the next tick retries them instead of skipping an
/// interval.
async fn dispatch(env: &Env, db: &D1Database, jobs: Vec<CheckJob>, slot: i64) -> Result<usize, AppError> {
    let queue = env.queue(CHECKS_QUEUE).context("checks queue binding")?;
    for (n, chunk) in jobs.chunks(SEND_BATCH_MAX).enumerate() {
        let messages: Vec<_> = chunk.iter().map(|job| MessageBuilder::new(job.clone()).build()).collect();
        if let Err(e) = crate::meter::send_batch(&queue, messages).await {
            let undispatched: Vec<i64> = jobs[n * SEND_BATCH_MAX..].iter().map(|j| j.monitor_id).collect();
            monitors::make_due(db, &undispatched, slot).await?;
            return Err(AppError::Internal(format!("sending checks: {e}")));
        }
    }
    Ok(jobs.len())
}
