//! Incident events on their way to alert delivery: the outbox sender (checks side) and the
//! alerts-queue consumer. Delivery to webhooks and email is not built yet; the consumer
//! records that it received each event, which is what lets tests prove "enqueued once".
use worker::{D1Database, Env, Message, MessageBuilder, MessageExt};

use crate::bindings::{ALERTS_QUEUE, DB};
use crate::core::time::EpochMs;
use crate::error::{AppError, Context};
use crate::store::checks::EventRef;
use crate::store::incidents;

/// Hands events to the alerts queue, then marks them enqueued. A crash between the two leaves
/// them unmarked, and the cron resends them; delivery dedupes on (incident, event).
pub async fn enqueue(env: &Env, db: &D1Database, events: &[EventRef], now: EpochMs) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    let messages: Vec<_> = events.iter().map(|e| MessageBuilder::new(*e).build()).collect();
    queue.send_batch(messages).await.context("sending incident events")?;
    incidents::mark_enqueued(db, events, now).await
}

/// Alerts-queue consumer: one message per incident event; ack or retry each on its own.
pub async fn consume(messages: Vec<Message<EventRef>>, env: &Env) -> Result<(), AppError> {
    let db = env.d1(DB).context("D1 binding")?;
    for message in messages {
        match incidents::mark_received(&db, message.body()).await {
            Ok(()) => message.ack(),
            Err(e) => {
                worker::console_error!("alert event {:?}: {e:?}", message.body());
                message.retry();
            }
        }
    }
    Ok(())
}
