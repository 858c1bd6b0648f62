//! Sweep and flush (DESIGN.md §6): the cron's safety net (maintenance releases, lost
//! messages, reminders) and seed 000's `GET /emails`.
use serde::Serialize;
use worker::{D1Database, Env, MessageBuilder};

use super::{enqueue_sends, fan_out, reminders, send};
use crate::bindings::{Config, ALERTS_QUEUE};
use crate::clock;
use crate::core::delivery::Outcome;
use crate::core::time::EpochMs;
use crate::error::{AppError, Context};
use crate::store::alerts as store;
use crate::store::{deliveries, incidents};

/// Email sends one `GET /emails` attempts at most (each is one provider request).
const FLUSH_MAX: u32 = 25;

/// What `GET /emails` did, counting only the caller's events and sends.
#[derive(Debug, Default, Serialize)]
pub struct FlushReport {
    /// The caller's incident events not yet recorded by the alerts consumer, fanned out now.
    pub events_fanned_out: usize,
    /// The caller's due email sends attempted now, and how they came out.
    pub emails_attempted: usize,
    pub emails_delivered: usize,
    pub emails_failed: usize,
    /// The caller's email sends still waiting afterwards (retry scheduled, or in flight).
    pub emails_pending: usize,
}

/// Seed 000's "send the pending notifications now", for the caller's projects only: fans out
/// their events the alerts consumer has not recorded, and makes one attempt at each of their
/// email sends that is due, through the same claim as the queue. A send waiting out its
/// backoff or `Retry-After` is not attempted early: calling this in a loop cannot use up
/// attempts (or another tenant's) faster than the retry policy allows.
pub async fn flush(env: &Env, db: &D1Database, config: &Config, owner: i64, now: EpochMs) -> Result<FlushReport, AppError> {
    let mut report = FlushReport::default();
    for e in &incidents::unreceived_of_owner(db, owner, 100).await? {
        fan_out::fan_out(env, db, config, e, now).await?;
        report.events_fanned_out += 1;
    }
    for s in &deliveries::due_emails_of_owner(db, owner, clock::now_ms(), FLUSH_MAX).await? {
        match send::deliver(db, config, s, clock::now_ms()).await? {
            (_, Some(Outcome::Delivered)) => {
                report.emails_attempted += 1;
                report.emails_delivered += 1;
            }
            (_, Some(Outcome::Retry)) => report.emails_attempted += 1,
            (_, Some(_)) => {
                report.emails_attempted += 1;
                report.emails_failed += 1;
            }
            (_, None) => {} // taken by the queue meanwhile, or no longer due
        }
    }
    report.emails_pending = deliveries::open_emails_of_owner(db, owner).await?;
    Ok(report)
}

/// The cron's part: release opened events held by a maintenance window that has ended while
/// the incident is still open (they alert now, once), and re-enqueue sends whose message was
/// lost (pending a grace period past their retry time, or a lease that ran out). Returns
/// (released, resent).
pub async fn sweep(env: &Env, db: &D1Database, now: EpochMs) -> Result<(usize, usize), AppError> {
    let config = Config::from_env(env);
    let released = store::release_held(db, now).await?;
    if !released.is_empty() {
        let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
        let messages: Vec<_> = released.iter().map(|e| MessageBuilder::new(*e).build()).collect();
        crate::meter::send_batch(&queue, messages).await.context("releasing held incident events")?;
    }
    let stuck = deliveries::stuck(db, now, i64::from(config.handoff_grace_seconds) * 1000).await?;
    let resent = stuck.len();
    enqueue_sends(env, stuck).await?;
    if let Err(e) = reminders::remind(env, db, &config.alerts, now).await {
        worker::console_error!("alert reminders: {e:?}");
    }
    // Status page subscribers: held updates released, lost hand-offs resent.
    let resent = resent + match super::subscribers::sweep(env, db, &config, now).await {
        Ok(n) => n,
        Err(e) => {
            worker::console_error!("subscriber sweep: {e:?}");
            0
        }
    };
    Ok((released.len(), resent))
}
