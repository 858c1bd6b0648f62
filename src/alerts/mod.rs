//! Alert delivery (DESIGN.md §6): platform glue around `core::delivery`, `core::webhook` and
//! `core::email`, one file per job.
//!
//! ```text
//!  check recorder --EventRef--> [alerts queue] --fan_out--> alert_sends rows (INSERT OR IGNORE)
//!                                    ^                            |
//!                                    +------- SendRef per new row-+
//!  [alerts queue] --SendRef--> send: claim row -> fetch -> settle -> log attempt + settle row
//!  cron --> sweep: release maintenance holds, resend lost messages, reminders
//! ```
//!
//! - [`fan_out`]: an incident event -> one send per (endpoint, recipient), or a maintenance hold.
//! - [`send`]: claim -> send -> settle, one attempt of one send.
//! - [`sweep`]: the cron's safety net and seed 000's `GET /emails` (the caller's due emails).
//! - [`reminders`]: reminders of open incidents (glue only; the rules are `core::reminder`).
//!
//! Once per (event, endpoint, recipient) as the receiver sees it: fan-out creates each send's
//! row at most once, and a sender fetches only after taking the row in one UPDATE (a claim
//! with a lease), so duplicated messages and concurrent consumers cannot send twice. What is
//! left is the platform's own limit: a sender that dies after the receiver answered 2xx but
//! before recording it sends again when its lease runs out; the same `webhook-id` (and the
//! provider idempotency key) lets the receiver drop that one.
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use worker::{D1Database, Env, Message, MessageBuilder, MessageExt, QueueRetryOptionsBuilder};

use crate::bindings::{Config, ALERTS_QUEUE, DB};
use crate::clock;
use crate::core::schedule::SEND_BATCH_MAX;
use crate::core::time::EpochMs;
use crate::core::usage::{Invocation, UsageLine};
use crate::error::{AppError, Context};
use crate::store::checks::EventRef;
use crate::store::deliveries::SendRef;
use crate::store::incidents;
use crate::store::subscribers::{SubscriberEventRef, SubscriberSendRef};

mod channels;
mod fan_out;
mod reminders;
mod send;
pub mod subscribers;
mod sweep;

pub use fan_out::send_test;
pub use sweep::{flush, sweep, FlushReport};

/// Deliveries one consumer invocation runs at once (Cloudflare allows 6 open connections).
const SEND_CONCURRENCY: usize = 6;

/// What travels on the alerts queue. `Send` is tried first: an `EventRef` has no
/// `endpoint_id`, so the two cannot be confused, and the checks side keeps sending bare
/// `EventRef`s.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AlertMessage {
    Send(SendRef),
    Event(EventRef),
    /// A status page subscriber's email (`{message_id, subscriber_id}`).
    Subscriber(SubscriberSendRef),
    /// A posted update for status page subscribers (`{subscriber_event}`).
    SubscriberEvent(SubscriberEventRef),
}

/// Hands events to the alerts queue, then marks them enqueued. An event counts as handed over
/// only once the alerts consumer has recorded its sends (`received_at`, in the batch that
/// creates them); until then the cron resends it a grace period after it was written or last
/// enqueued (`resend_unreceived`), whether the crash came before the send, after it, or took
/// the queue message with it. Fan-out dedupes on (event, endpoint, recipient).
pub async fn enqueue(env: &Env, db: &D1Database, events: &[EventRef], now: EpochMs) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    for chunk in events.chunks(SEND_BATCH_MAX) {
        let messages: Vec<_> = chunk.iter().map(|e| MessageBuilder::new(*e).build()).collect();
        crate::meter::send_batch(&queue, messages).await.context("sending incident events")?;
    }
    incidents::mark_enqueued(db, events, now).await
}

/// The cron's safety net for the outbox: events the alerts consumer has not recorded
/// `grace_ms` after they were written or last enqueued go on the queue again. Returns how many.
pub async fn resend_unreceived(env: &Env, db: &D1Database, now: EpochMs, grace_ms: i64) -> Result<usize, AppError> {
    let events = incidents::claim_unreceived(db, now, grace_ms).await?;
    if events.is_empty() {
        return Ok(0);
    }
    worker::console_log!("resending {} incident events not yet received", events.len());
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    let messages: Vec<_> = events.iter().map(|e| MessageBuilder::new(*e).build()).collect();
    crate::meter::send_batch(&queue, messages).await.context("resending incident events")?;
    Ok(events.len())
}

/// Puts delivery messages on the alerts queue.
pub async fn enqueue_sends(env: &Env, sends: Vec<SendRef>) -> Result<(), AppError> {
    if sends.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    for chunk in sends.chunks(SEND_BATCH_MAX) {
        let messages: Vec<_> = chunk.iter().cloned().map(|s| MessageBuilder::new(AlertMessage::Send(s)).build()).collect();
        crate::meter::send_batch(&queue, messages).await.context("sending alert deliveries")?;
    }
    Ok(())
}

/// What to do with a message after handling it.
pub enum Next {
    Ack,
    RetryAfter(u32),
}

/// Alerts-queue consumer: fans events out and delivers sends, each message acked or retried
/// on its own, up to `SEND_CONCURRENCY` at a time so one slow receiver holds one slot only.
pub async fn consume(messages: Vec<Message<AlertMessage>>, env: &Env) -> Result<(), AppError> {
    let (started, before) = (clock::now_ms(), crate::meter::now());
    let db = env.d1(DB).context("D1 binding")?;
    let config = Config::from_env(env);
    let (n, retried) = (messages.len() as u64, std::cell::Cell::new(0u64));
    futures::stream::iter(messages)
        .for_each_concurrent(SEND_CONCURRENCY, |message| {
            let (db, config, retried) = (&db, &config, &retried);
            async move {
                let now = clock::now_ms();
                let result = match message.body() {
                    AlertMessage::Event(e) => fan_out::fan_out(env, db, config, e, now).await.map(|_| Next::Ack),
                    AlertMessage::Send(s) => send::deliver(db, config, s, now).await.map(|(next, _)| next),
                    AlertMessage::Subscriber(s) => subscribers::deliver(db, config, s, now).await.map(|(next, _)| next),
                    AlertMessage::SubscriberEvent(e) => subscribers::fan_out_update(env, db, config, e, now).await.map(|_| Next::Ack),
                };
                match result {
                    Ok(Next::Ack) => message.ack(),
                    Ok(Next::RetryAfter(s)) => {
                        message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(s).build());
                        retried.set(retried.get() + 1);
                    }
                    Err(e) => {
                        worker::console_error!("alert message {:?}: {e:?}", message.body());
                        message.retry();
                        retried.set(retried.get() + 1);
                    }
                }
            }
        })
        .await;
    // The invocation's bill, one JSON line (DESIGN.md §12); `subrequests` are the deliveries.
    let usage = crate::meter::now() - before;
    crate::meter::log(&UsageLine { messages: n, retried: retried.get(), ms: clock::now_ms() - started, ..UsageLine::new(Invocation::Alerts, usage) });
    Ok(())
}
