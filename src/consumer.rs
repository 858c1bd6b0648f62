//! The checks-queue consumer: run a batch's check jobs concurrently (bounded by connection
//! slots), classify, record, and hand incident transitions on. A message carries many jobs
//! (DESIGN.md §3); a job that fails is sent again on its own and the message is acked, so one
//! bad check never replays the others. Only if that send fails is the whole message retried,
//! and then the (monitor, slot) key makes its recorded jobs no-ops.
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures::future::{join_all, LocalBoxFuture, Shared};
use futures::FutureExt;
use worker::{D1Database, Env, Message, MessageBuilder, MessageExt};

use crate::alerts;
use crate::bindings::{self, Config, DB};
use crate::clock;
use crate::core::check_log::CheckLine;
use crate::core::classify::classify;
use crate::core::incident::{self, Effect, Thresholds};
use crate::core::monitor::MonitorSpec;
use crate::core::dispatch::{by_lane, pack_handoffs, retry_of, send_groups, slow_lane_after, CheckMessage, Lane};
use crate::core::schedule::{recheck_lost_after, CheckJob, JobKind, JOB_MAX_ATTEMPTS};
use crate::core::status::CheckStatus;
use crate::core::usage::{Invocation, UsageLine};
use crate::error::{AppError, Context};
use crate::hooks;
use crate::meter;
use crate::pool::{HealthyJob, Slots};
use crate::probe::{self, Probed};
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
    /// Checks of this invocation handed to the slow lane, by the index of the message that
    /// brought each: sent together when every check has run ([`send_handoffs`]).
    handoffs: RefCell<Vec<(usize, CheckJob)>>,
}

pub async fn consume(messages: Vec<Message<CheckMessage>>, env: &Env) -> Result<(), AppError> {
    let (started, before) = (clock::now_ms(), meter::now());
    let config = Config::from_env(env);
    let db = env.d1(DB).context("D1 binding")?;
    // Every job of every message, with the message it came in. (A message the queue delivers
    // again after a crash is bounded by the queue's own `max_retries`.)
    let jobs: Vec<(usize, CheckJob)> = messages.iter().enumerate().flat_map(|(i, m)| m.body().jobs().into_iter().map(move |j| (i, j))).collect();
    let ids: Vec<i64> = jobs.iter().map(|(_, j)| j.monitor_id).collect();
    // One state read for the whole batch, shared by every check: it holds the config of the
    // jobs that carry none (scheduled ones) and the state every record needs.
    let rows: Rows = {
        let db = &db;
        async move {
            let rows = monitors::get_many(db, &ids).await.map_err(|e| format!("{e:?}"))?;
            Ok(Rc::new(rows.into_iter().map(|r| (r.id, r)).collect()))
        }
        .boxed_local()
        .shared()
    };
    // The slot count and the rows together: every scheduled job waits for its row before it
    // fetches, so reading them one after the other delayed the first fetch by a round trip.
    let (concurrency, _) = futures::join!(concurrency(&db, &config), rows.clone());
    let slots = Slots::new(concurrency);
    let ctx = Job { env, db: &db, config: &config, slots: &slots, handoffs: RefCell::new(Vec::new()) };
    let runs = jobs.iter().map(|(i, job)| {
        let (ctx, rows) = (&ctx, rows.clone());
        // Registered before any check starts, so timed-out monitors are capped from the first fetch.
        let healthy = (!job.timed_out).then(|| slots.healthy_job());
        async move {
            let result = if ctx.config.test_hooks && hooks::job_fails(job.monitor_id) {
                Err(AppError::Internal("failed by a test hook".into()))
            } else {
                run_job(ctx, *i, job.clone(), rows, healthy).await
            };
            (*i, job, result)
        }
    });
    let outcomes = join_all(runs).await;
    let mut failed: Vec<Vec<CheckJob>> = vec![Vec::new(); messages.len()];
    for (i, job, result) in outcomes {
        if let Err(e) = result {
            worker::console_error!("check {} failed (attempt {} of {JOB_MAX_ATTEMPTS}): {e:?}", job.check_id(), job.attempt);
            failed[i].push(job.clone());
        }
    }
    // Before any message is acked: a hand-off that could not be sent fails like any job.
    let handoffs = ctx.handoffs.take();
    let handed_off = match send_handoffs(&ctx, &handoffs).await {
        Ok(()) => handoffs.len() as u64,
        Err(e) => {
            worker::console_error!("handing {} slow checks to the slow lane: {e:?}", handoffs.len());
            for (i, job) in handoffs {
                failed[i].push(CheckJob { timed_out: true, ..job });
            }
            0
        }
    };
    let mut retried = 0;
    for (message, failed) in messages.iter().zip(failed) {
        match retry_alone(&ctx, &failed).await {
            Ok(_) => message.ack(),
            Err(e) => {
                worker::console_error!("re-sending failed checks, retrying their message: {e:?}");
                message.retry();
                retried += 1;
            }
        }
    }
    // One line per invocation (DESIGN.md §12): what it cost, and the peak connections the
    // benchmark reads. `checks` counts jobs, `messages` what carried them; the one-job
    // messages of re-sent jobs are in `queue_messages`.
    meter::log(&UsageLine {
        checks: jobs.len() as u64,
        messages: messages.len() as u64,
        retried,
        handed_off,
        ms: clock::now_ms() - started,
        peak_connections: slots.peak() as u64,
        ..UsageLine::new(Invocation::Consumer, meter::now() - before)
    });
    Ok(())
}

/// Sends each failed job again on its own with its next attempt number (one-job messages,
/// so the rest of its message is not replayed); a job out of attempts is logged dead.
async fn retry_alone(ctx: &Job<'_>, failed: &[CheckJob]) -> Result<usize, AppError> {
    let retries: Vec<CheckJob> = failed
        .iter()
        .filter_map(|job| {
            let next = retry_of(job, JOB_MAX_ATTEMPTS);
            if next.is_none() {
                worker::console_error!("check {} dead after {JOB_MAX_ATTEMPTS} attempts", job.check_id());
            }
            next
        })
        .collect();
    if retries.is_empty() {
        return Ok(0);
    }
    let count = retries.len();
    for (lane, jobs) in by_lane(retries, |j| j.timed_out) {
        let messages: Vec<_> = jobs.into_iter().map(|j| MessageBuilder::new(CheckMessage::One(j)).build()).collect();
        meter::send_batch(&bindings::checks_queue(ctx.env, lane)?, messages).await.context("re-sending failed checks")?;
    }
    Ok(count)
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

async fn run_job(ctx: &Job<'_>, message: usize, job: CheckJob, rows: Rows<'_>, healthy: Option<HealthyJob>) -> Result<(), AppError> {
    let carried = job.spec.as_deref().and_then(|json| serde_json::from_str::<MonitorSpec>(json).ok());
    let spec = match carried {
        Some(spec) => spec,
        // Scheduled jobs carry no config (`scheduler::jobs_of`): the monitor as it is now.
        None => match row_of(&rows, job.monitor_id).await? {
            Some(row) => match row.spec() {
                Ok(spec) => spec,
                Err(e) => {
                    // A stored config that does not read is a bug a retry cannot mend: logged, skipped.
                    worker::console_error!("monitor {} cannot be checked: {e:?}", job.monitor_id);
                    return Ok(());
                }
            },
            None => return Ok(()), // deleted since it was queued
        },
    };
    if spec.monitor_type == crate::core::monitor::MonitorType::Heartbeat {
        return Ok(()); // pinged, never probed (a job queued before the monitor became one)
    }
    let slots = if job.timed_out { ctx.slots.capped() } else { ctx.slots.clone() };
    // Only the main lane hands off: the slow lane is where a slow check gets its whole timeout.
    let handoff = (!job.timed_out).then_some(ctx.config.handoff_after_ms).filter(|ms| *ms > 0);
    let report = match probe::run(&spec, ctx.config, &slots, handoff).await {
        Probed::Done(report) => report,
        Probed::HandedOff => {
            drop(healthy);
            hand_off(ctx, message, job);
            return Ok(());
        }
    };
    drop(healthy); // probed: no longer a healthy check waiting for a slot
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
    let slow_lane = Some(slow_lane_after(job.timed_out, verdict.latency_ms, ctx.config.handoff_after_ms));
    let thresholds = Thresholds { failure: spec.failure_threshold, recovery: spec.recovery_threshold };
    for _ in 0..STALE_RETRIES {
        let step = incident::step(row.streaks(), effect, thresholds);
        let result = CheckResult { job: &job, started_at: report.started_at, attempts: report.attempts, verdict: &verdict, recheck: step.recheck.then_some(recheck), heartbeat: None, slow_lane };
        match checks::record(ctx.db, &result, &step, &row).await? {
            Recorded::New(events) => {
                alerts::enqueue(ctx.env, ctx.db, &events, clock::now_ms()).await?;
                if step.recheck {
                    send_recheck(ctx, &job, recheck.slot, verdict.status == CheckStatus::Timeout).await?;
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

/// Moves a check whose first attempt outlasted the hand-off time to the slow lane (DESIGN.md
/// §3): the same job (monitor, slot, kind, attempt), to run there as a slow one. Nothing was
/// recorded for it here, so the slow lane's run is its only record. It is sent with the
/// invocation's other hand-offs once every check has run ([`send_handoffs`]).
fn hand_off(ctx: &Job<'_>, message: usize, job: CheckJob) {
    if ctx.config.check_log {
        worker::console_log!("vigil-handoff {{\"check\":\"{}\",\"after_ms\":{}}}", job.check_id(), ctx.config.handoff_after_ms);
    }
    ctx.handoffs.borrow_mut().push((message, job));
}

/// The invocation's hand-offs in as few slow-lane messages as they pack into
/// ([`pack_handoffs`]), within `send_batch`'s limits. If this fails, the caller treats them as
/// failed jobs, re-sent on their own or their message retried; after a partial failure (over
/// 100 messages of hand-offs) some run twice, and the (monitor, slot) key records them once.
async fn send_handoffs(ctx: &Job<'_>, handoffs: &[(usize, CheckJob)]) -> Result<(), AppError> {
    if handoffs.is_empty() {
        return Ok(());
    }
    let jobs: Vec<CheckJob> = handoffs.iter().map(|(_, j)| j.clone()).collect();
    let messages = pack_handoffs(&jobs, ctx.config.check_jobs_per_message);
    let queue = bindings::checks_queue(ctx.env, Lane::Slow)?;
    let sizes: Vec<usize> = messages.iter().map(CheckMessage::bytes).collect();
    for range in send_groups(&sizes, crate::core::dispatch::SEND_BATCH_MESSAGES_MAX) {
        let batch: Vec<_> = messages[range].iter().map(|m| MessageBuilder::new(m.clone()).build()).collect();
        meter::send_batch(&queue, batch).await.context("handing slow checks to the slow lane")?;
    }
    Ok(())
}

/// Pulls the next check forward to confirm a failure (or a recovery) in about a minute, in the
/// slow lane after a timeout (DESIGN.md §3). The record already holds this re-check
/// (`recheck_slot`), so if this message is lost the cron sends it again (`scheduler::tick`).
async fn send_recheck(ctx: &Job<'_>, job: &CheckJob, slot: i64, timed_out: bool) -> Result<(), AppError> {
    let delay = ctx.config.recheck_delay_seconds;
    let recheck = CheckJob { timed_out, ..CheckJob::new(job.monitor_id, slot, JobKind::Recheck, job.spec.clone()) };
    let queue = bindings::checks_queue(ctx.env, Lane::of(timed_out))?;
    meter::send(&queue, MessageBuilder::new(CheckMessage::One(recheck)).delay_seconds(delay).build()).await.context("sending recheck")
}
