//! The checks-queue consumer: run a batch of checks concurrently (bounded by connection slots),
//! classify, record, and hand incident transitions on. Each message is acked or retried on its
//! own, so one bad check never replays the others.
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::future::{join_all, LocalBoxFuture, Shared};
use futures::FutureExt;
use worker::{D1Database, Env, Message, MessageBuilder, MessageExt};

use crate::alerts;
use crate::bindings::{Config, CHECKS_QUEUE, DB};
use crate::clock;
use crate::core::check_log::CheckLine;
use crate::core::classify::classify;
use crate::core::incident::{self, Effect, Thresholds};
use crate::core::monitor::MonitorSpec;
use crate::core::schedule::{recheck_lost_after, CheckJob, JobKind};
use crate::core::usage::{Invocation, UsageLine};
use crate::error::{AppError, Context};
use crate::meter;
use crate::pool::Slots;
use crate::probe;
use crate::store::checks::{self, CheckResult, Recheck, Recorded};
use crate::store::monitors::{self, MonitorRow};
use crate::store::{incidents, settings};

/// Attempts to record against a monitor whose state keeps moving under us (another check of
/// the same monitor recording at the same moment) before handing the message back to the queue.
const STALE_RETRIES: usize = 5;

struct Job<'a> {
    env: &'a Env,
    db: &'a D1Database,
    config: &'a Config,
    slots: &'a Slots,
}

pub async fn consume(messages: Vec<Message<CheckJob>>, env: &Env) -> Result<(), AppError> {
    let (started, before) = (clock::now_ms(), meter::now());
    let config = Config::from_env(env);
    let db = env.d1(DB).context("D1 binding")?;
    let ids: Vec<i64> = messages.iter().map(|m| m.body().monitor_id).collect();
    // One state read for the whole batch, started now and awaited only when a check needs it:
    // checks that carry their config start fetching at once instead of waiting for it.
    let rows: Rows = {
        let db = &db;
        async move {
            let rows = monitors::get_many(db, &ids).await.map_err(|e| format!("{e:?}"))?;
            Ok(Rc::new(rows.into_iter().map(|r| (r.id, r)).collect()))
        }
        .boxed_local()
        .shared()
    };
    let slots = Slots::new(concurrency(&db, &config).await);
    let ctx = Job { env, db: &db, config: &config, slots: &slots };
    let retried = std::cell::Cell::new(0u64);
    let runs = messages.iter().map(|message| {
        let (ctx, rows, retried) = (&ctx, rows.clone(), &retried);
        async move {
            match run_job(ctx, message.body().clone(), rows).await {
                Ok(()) => message.ack(),
                Err(e) => {
                    worker::console_error!("check {} failed, will retry: {e:?}", message.body().check_id());
                    message.retry();
                    retried.set(retried.get() + 1);
                }
            }
        }
    });
    join_all(runs).await;
    // One line per invocation (DESIGN.md §12): what it cost, and the peak connections the
    // benchmark reads.
    let n = messages.len() as u64;
    meter::log(&UsageLine {
        checks: n,
        messages: n,
        retried: retried.get(),
        ms: clock::now_ms() - started,
        peak_connections: slots.peak() as u64,
        ..UsageLine::new(Invocation::Consumer, meter::now() - before)
    });
    Ok(())
}

/// Fetches held open at once: the admin's `worker_thread` (seed 000's `POST /status/queue`)
/// if set, else `CHECK_CONCURRENCY`. Costs one primary-key read (1 D1 row) per invocation,
/// before the first fetch; if it fails the checks still run, at the configured figure.
async fn concurrency(db: &D1Database, config: &Config) -> usize {
    match settings::worker_thread(db).await {
        Ok(Some(n)) => (n as usize).clamp(1, 6),
        Ok(None) => config.check_concurrency,
        Err(e) => {
            worker::console_error!("reading worker_thread, using CHECK_CONCURRENCY: {e:?}");
            config.check_concurrency
        }
    }
}

/// The batch's monitor rows by id, read once and shared by every check of the batch.
type Rows<'a> = Shared<LocalBoxFuture<'a, Result<Rc<BTreeMap<i64, MonitorRow>>, String>>>;

async fn row_of(rows: &Rows<'_>, id: i64) -> Result<Option<MonitorRow>, AppError> {
    let rows = rows.clone().await.map_err(|e| AppError::Internal(format!("reading monitors: {e}")))?;
    Ok(rows.get(&id).cloned())
}

async fn run_job(ctx: &Job<'_>, job: CheckJob, rows: Rows<'_>) -> Result<(), AppError> {
    let carried = job.spec.as_deref().and_then(|json| serde_json::from_str::<MonitorSpec>(json).ok());
    let spec = match carried {
        Some(spec) => spec,
        None => match row_of(&rows, job.monitor_id).await? {
            Some(row) => row.spec()?,
            None => return Ok(()), // deleted since it was queued
        },
    };
    let report = probe::run(&spec, ctx.config, ctx.slots).await;
    let verdict = classify(&spec, &report.outcome);
    if ctx.config.check_log {
        worker::console_log!("{}", CheckLine::new(job.monitor_id, &job.check_id(), job.kind.as_str(), report.attempts, &verdict).render());
    }
    let Some(mut row) = row_of(&rows, job.monitor_id).await? else { return Ok(()) }; // deleted meanwhile
    if row.is_active == 0 && job.kind != JobKind::Manual {
        return Ok(()); // paused since it was queued
    }
    // The re-check this check may ask for, fixed now so the record and the message agree.
    let delay = ctx.config.recheck_delay_seconds;
    let recheck_slot = clock::now_ms().div_euclid(1000).max(job.slot) + i64::from(delay.max(1));
    let recheck = Recheck {
        slot: recheck_slot,
        lost_after: recheck_lost_after(recheck_slot, ctx.config.handoff_grace_seconds, spec.timeout_seconds, spec.retries),
    };
    let effect = Effect::of(verdict.status, spec.bot_counts_as_failure);
    let thresholds = Thresholds { failure: spec.failure_threshold, recovery: spec.recovery_threshold };
    for _ in 0..STALE_RETRIES {
        let step = incident::step(row.streaks(), effect, thresholds);
        let result = CheckResult { job: &job, started_at: report.started_at, attempts: report.attempts, verdict: &verdict, recheck: step.recheck.then_some(recheck) };
        match checks::record(ctx.db, &result, &step, &row).await? {
            Recorded::New(events) => {
                alerts::enqueue(ctx.env, ctx.db, &events, clock::now_ms()).await?;
                if step.recheck {
                    send_recheck(ctx, &job, recheck.slot).await?;
                }
                return Ok(());
            }
            Recorded::Duplicate => {
                // Redelivered: the first delivery recorded it. Finish what it may not have.
                let unsent = incidents::unreceived_of_check(ctx.db, job.monitor_id, job.slot).await?;
                return alerts::enqueue(ctx.env, ctx.db, &unsent, clock::now_ms()).await;
            }
            Recorded::MonitorGone => return Ok(()),
            Recorded::Stale => match monitors::get(ctx.db, job.monitor_id).await? {
                Some(fresh) => row = fresh,
                None => return Ok(()),
            },
        }
    }
    Err(AppError::Internal(format!("monitor {} state kept changing while recording", job.monitor_id)))
}

/// Pulls the next check forward to confirm a failure (or a recovery) in about a minute. The
/// record already holds this re-check (`recheck_slot`), so if this message is lost the cron
/// sends it again (`scheduler::tick`).
async fn send_recheck(ctx: &Job<'_>, job: &CheckJob, slot: i64) -> Result<(), AppError> {
    let delay = ctx.config.recheck_delay_seconds;
    let recheck = CheckJob { monitor_id: job.monitor_id, slot, kind: JobKind::Recheck, spec: job.spec.clone() };
    let queue = ctx.env.queue(CHECKS_QUEUE).context("checks queue binding")?;
    meter::send(&queue, MessageBuilder::new(recheck).delay_seconds(delay).build()).await.context("sending recheck")
}
