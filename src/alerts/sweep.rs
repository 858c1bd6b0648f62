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

/// A send left pending this long past its retry time has lost its message: the cron resends.
const STUCK_GRACE_MS: i64 = 120_000;

/// What `GET /emails` did.
#[derive(Debug, Default, Serialize)]
pub struct FlushReport {
    /// Incident events that had not reached the alerts queue and were fanned out now.
    pub events_fanned_out: usize,
    /// Email sends attempted now, and how they came out.
    pub emails_attempted: usize,
    pub emails_delivered: usize,
    pub emails_failed: usize,
    /// Email sends still waiting (retry scheduled, or in flight elsewhere).
    pub emails_pending: usize,
}

/// Seed 000's "send the pending notifications now": fans out unsent incident events and makes
/// one attempt at every email send not yet delivered, through the same claim as the queue.
pub async fn flush(env: &Env, db: &D1Database, config: &Config, now: EpochMs) -> Result<FlushReport, AppError> {
    let mut report = FlushReport::default();
    let unsent = incidents::unsent_before(db, now + 1).await?;
    for e in &unsent {
        fan_out::fan_out(env, db, &config.alerts, e, now).await?;
        incidents::mark_enqueued(db, std::slice::from_ref(e), now).await?;
        report.events_fanned_out += 1;
    }
    let pending = deliveries::pending_emails(db, 25).await?;
    for s in &pending {
        match send::deliver(db, config, s, clock::now_ms(), true).await? {
            (_, Some(Outcome::Delivered)) => {
                report.emails_attempted += 1;
                report.emails_delivered += 1;
            }
            (_, Some(Outcome::Retry)) => {
                report.emails_attempted += 1;
                report.emails_pending += 1;
            }
            (_, Some(_)) => {
                report.emails_attempted += 1;
                report.emails_failed += 1;
            }
            (_, None) => report.emails_pending += 1,
        }
    }
    Ok(report)
}

/// The cron's part: release opened events held by a maintenance window that has ended while
/// the incident is still open (they alert now, once), and re-enqueue sends whose message was
/// lost. Returns (released, resent).
pub async fn sweep(env: &Env, db: &D1Database, now: EpochMs) -> Result<(usize, usize), AppError> {
    let released = store::release_held(db, now).await?;
    if !released.is_empty() {
        let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
        let messages: Vec<_> = released.iter().map(|e| MessageBuilder::new(*e).build()).collect();
        queue.send_batch(messages).await.context("releasing held incident events")?;
    }
    let stuck = deliveries::stuck(db, now, STUCK_GRACE_MS).await?;
    let resent = stuck.len();
    enqueue_sends(env, stuck).await?;
    if let Err(e) = reminders::remind(env, db, &Config::from_env(env).alerts, now).await {
        worker::console_error!("alert reminders: {e:?}");
    }
    Ok((released.len(), resent))
}
