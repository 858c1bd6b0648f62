//! vigil: an uptime monitor that runs entirely on Cloudflare's edge.
//!
//! ```text
//!   cron (every minute)                         HTTP (REST API)
//!         |                                          |
//!   scheduler: due monitors by period/phase    routes: one route table
//!         |  many jobs per message                   |
//!   [checks queue] --> consumer: probe -> classify -> record (one D1 batch)
//!                                      |
//!                                      | incident transition (outbox)
//!                                      v
//!                               [alerts queue] --> alerts
//! ```
//!
//! # Layout
//! - [`core`]: the pure core. Every decision, no `worker` imports, no clock, no I/O.
//! - [`store`]: D1. SQL as constants, rows, row -> core conversions.
//! - [`routes`]: the route table and handlers; [`error`] maps every failure to problem+json.
//! - [`scheduler`]: the cron tick. [`consumer`]: the checks queue. [`probe`]: a check's fetches.
//! - [`http`]: outgoing requests under a deadline with a capped body read (probe and alerts).
//! - [`alerts`]: incident events to the alerts queue and its consumer.
//! - [`history`]: the cron's rollups (hourly, daily) and retention pruning.
//! - [`pool`]: the connection-slot semaphore. [`clock`]: the only clock. [`bindings`]: names and config.
//! - [`password`]: PBKDF2 through WebCrypto (native) for logins.
//! - [`meter`]: counts what is billed (D1 rows, queue messages, subrequests) for the per-invocation log line.
// A failure in the worker is an `AppError` answered as problem+json or logged, never a panic
// (a panic poisons the wasm instance for every request it serves). Tests may unwrap.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
pub mod alerts;
pub mod bindings;
pub mod clock;
pub mod consumer;
pub mod core;
pub mod entropy;
pub mod error;
pub mod heartbeat;
pub mod history;
pub mod hooks;
pub mod http;
pub mod meter;
pub mod password;
pub mod pool;
pub mod probe;
pub mod routes;
pub mod scheduler;
pub mod store;
pub mod zone;

use worker::{event, Context, Env, Message, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent};

use crate::core::dispatch::CheckMessage;
use crate::core::usage::{Invocation, UsageLine};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    Ok(routes::dispatch(req, env).await)
}

#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let (before, started) = (meter::now(), clock::now_ms());
    let dispatched = match scheduler::tick(&env, started).await {
        Ok(r) => {
            worker::console_log!(
                "tick {}: {} checks dispatched in {} messages in {} ms (D1 rows read {}, written {}), {} events resent, {} monitors rolled up",
                r.slot,
                r.dispatched,
                r.messages,
                r.dispatch_ms,
                r.dispatch_rows_read,
                r.dispatch_rows_written,
                r.events_resent,
                r.rolled_up
            );
            r.dispatched
        }
        Err(e) => {
            worker::console_error!("tick failed: {e:?}");
            0
        }
    };
    // The tick's bill, one JSON line (DESIGN.md §12): `checks` is the checks it dispatched.
    let line = UsageLine { checks: dispatched as u64, ms: clock::now_ms() - started, ..UsageLine::new(Invocation::Tick, meter::now() - before) };
    meter::log(&line);
}

#[event(queue)]
async fn queue(batch: MessageBatch<serde_json::Value>, env: Env, _ctx: Context) -> worker::Result<()> {
    let name = batch.queue();
    let result = if name == bindings::CHECKS_QUEUE_NAME || name == bindings::CHECKS_SLOW_QUEUE_NAME {
        consumer::consume(decode::<CheckMessage>(&batch), &env).await
    } else {
        alerts::consume(decode::<alerts::AlertMessage>(&batch), &env).await
    };
    // Per-message ack/retry already happened; an error here means nothing was processed, so
    // returning it retries the batch.
    result.map_err(|e| worker::Error::RustError(format!("{e:?}")))
}

/// Typed messages of a batch. One that does not decode is logged and left unacked; the
/// platform acks it when the handler returns, so a malformed message cannot loop forever.
fn decode<T: serde::de::DeserializeOwned>(batch: &MessageBatch<serde_json::Value>) -> Vec<Message<T>> {
    batch
        .raw_iter()
        .filter_map(|raw| Message::<T>::try_from(raw).map_err(|e| worker::console_error!("undecodable message on {}: {e}", batch.queue())).ok())
        .collect()
}
