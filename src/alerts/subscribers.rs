//! Status page subscribers in the alert pipeline (DESIGN.md §6): fan-out of incident events and
//! posted updates to confirmed subscribers, and claim -> send -> settle of each subscriber email
//! through the system-wide email provider. The claim, lease, backoff (`core::delivery::settle`
//! under the provider's policy) and hand-off rules are the endpoints' (`send`, `fan_out`); the
//! rows are `subscriber_sends` and `subscriber_deliveries` (keyed by subscriber, not endpoint).
//!
//! Cost per incident event or update with N confirmed subscribers who want it: fan-out reads N
//! subscriber rows and writes 1 message row + N send rows in the batch that hands the event
//! over, then N queue messages (`send_batch`, 100 per call); each send then claims (1 row
//! written), reads its context (1 message + 1 subscriber + 1 project row) and settles with its
//! log (2 rows written): about 4N rows written, 4N read and 3N queue operations (write, read,
//! delete) per event, plus one provider request per subscriber.
use worker::{D1Database, D1PreparedStatement, Env, MessageBuilder};

use super::send::{self, Outgoing, StoredEmail, LEASE_MARGIN_MS};
use super::{AlertMessage, Next};
use crate::bindings::{Config, Subscriptions, ALERTS_QUEUE};
use crate::clock;
use crate::core::delivery::{self, Outcome, SendState, Settlement, MAX_DELAY_S};
use crate::core::email::{self, EmailContent};
use crate::core::failure::FailureKind;
use crate::core::subscribers::render::{self, Notice, Page};
use crate::core::subscribers::{self as core, Purpose, Subject, CONFIRM_TTL_MS};
use crate::core::text::path_segment;
use crate::core::time::{parse_iso, EpochMs};
use crate::error::{AppError, Context};
use crate::store::alerts::EventContext;
use crate::store::checks::IncidentEvent;
use crate::store::subscribers::{self as store, Logged, NewMessage, SubscriberEventRef, SubscriberSendRef};

/// The stored form of a subscriber email: `{subject, text, html, category}`, as alert emails.
fn stored(c: &EmailContent) -> String {
    serde_json::json!({ "subject": c.subject, "text": c.text, "html": c.html, "category": c.category }).to_string()
}

fn page_url(sub: &Subscriptions<'_>, slug: &str) -> String {
    format!("{}/status/{}", sub.public_base_url, path_segment(slug))
}

/// The statements that fan an incident event out to the page's subscribers, for the batch that
/// hands the event over; none when subscriptions are off or the page is private.
pub(super) fn for_incident(db: &D1Database, config: &Config, ctx: &EventContext, event: IncidentEvent, now: EpochMs) -> Result<Vec<D1PreparedStatement>, AppError> {
    let Some(sub) = config.alerts.subscriptions() else { return Ok(Vec::new()) };
    if ctx.project_public == 0 {
        return Ok(Vec::new());
    }
    let opened_ms = parse_iso(&ctx.opened_at).unwrap_or(0);
    let category = ctx
        .incident_failure_kind
        .as_deref()
        .and_then(FailureKind::parse)
        .map_or("check failed", |k| k.public_category(ctx.cause_http_status.and_then(|s| u16::try_from(s).ok())));
    let notice = match event {
        IncidentEvent::Opened => Notice::Opened { monitor: &ctx.monitor_name, opened_ms, category },
        IncidentEvent::Resolved => {
            let resolved_ms = ctx.resolved_at.as_deref().and_then(parse_iso).unwrap_or(opened_ms);
            Notice::Resolved { monitor: &ctx.monitor_name, opened_ms, resolved_ms, category }
        }
    };
    let url = page_url(&sub, &ctx.project_slug);
    let content = render::notice(&Page { name: &ctx.project_name, url: &url }, &notice);
    let id = core::incident_message_id(ctx.incident_id, opened_ms, event.as_str());
    let payload = stored(&content);
    let message = NewMessage { id: &id, project_id: ctx.project_id, event: event.as_str(), incident_id: Some(ctx.incident_id), monitor_id: Some(ctx.monitor_id), payload: &payload };
    Ok(store::fan_out(db, &message, now)?.into())
}

/// Puts subscriber sends on the alerts queue (after the batch that created them).
pub async fn enqueue_sends(env: &Env, sends: Vec<SubscriberSendRef>) -> Result<(), AppError> {
    if sends.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    for chunk in sends.chunks(crate::core::schedule::SEND_BATCH_MAX) {
        let messages: Vec<_> = chunk.iter().cloned().map(|s| MessageBuilder::new(AlertMessage::Subscriber(s)).build()).collect();
        crate::meter::send_batch(&queue, messages).await.context("sending subscriber deliveries")?;
    }
    Ok(())
}

/// Puts posted updates not yet enqueued on the alerts queue: the poster calls this after the
/// batch that wrote `store::subscribers::update_posted` (the cron does it otherwise, after
/// `HANDOFF_GRACE_SECONDS`). Returns how many.
pub async fn enqueue_events(env: &Env, db: &D1Database, now: EpochMs) -> Result<usize, AppError> {
    let events = store::claim_new_events(db, now).await?;
    send_events(env, &events).await?;
    Ok(events.len())
}

async fn send_events(env: &Env, events: &[SubscriberEventRef]) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    let messages: Vec<_> = events.iter().map(|e| MessageBuilder::new(AlertMessage::SubscriberEvent(*e)).build()).collect();
    crate::meter::send_batch(&queue, messages).await.context("sending subscriber events")?;
    Ok(())
}

/// One posted update: held during a maintenance window of its monitor or project (the cron
/// releases it), otherwise its message and sends are created in the batch that hands it over.
pub async fn fan_out_update(env: &Env, db: &D1Database, config: &Config, e: &SubscriberEventRef, now: EpochMs) -> Result<usize, AppError> {
    let Some(ev) = store::event(db, e.subscriber_event, now).await? else { return Ok(0) };
    if ev.in_maintenance.is_some() {
        store::hold_event(db, ev.id, now).await?;
        return Ok(0);
    }
    let received = store::event_received(db, ev.id, now)?;
    let sub = config.alerts.subscriptions().filter(|_| ev.public != 0);
    let Some(sub) = sub else {
        // Nobody to tell (subscriptions off, or the page went private): handed over all the same.
        crate::store::batch(db, vec![received], "recording a subscriber event").await?;
        return Ok(0);
    };
    let url = page_url(&sub, &ev.project_slug);
    let at_ms = parse_iso(&ev.created_at).unwrap_or(now);
    let content = render::notice(&Page { name: &ev.project_name, url: &url }, &Notice::Update { title: &ev.title, status: &ev.status, message: &ev.message, at_ms });
    let id = core::update_message_id(ev.id);
    let payload = stored(&content);
    let message = NewMessage { id: &id, project_id: ev.project_id, event: "incident.update", incident_id: ev.incident_id, monitor_id: ev.monitor_id, payload: &payload };
    let [message, sends] = store::fan_out(db, &message, now)?;
    let results = crate::store::run_batch(db, vec![message, sends, received], "fanning out an update").await?;
    let created = match results.get(1) {
        Some(r) => r.results::<SubscriberSendRef>().context("reading subscriber sends")?,
        None => Vec::new(),
    };
    let n = created.len();
    enqueue_sends(env, created).await?;
    Ok(n)
}

/// Claims a subscriber send and makes one attempt if it is due (as `send::deliver`).
pub async fn deliver(db: &D1Database, config: &Config, s: &SubscriberSendRef, now: EpochMs) -> Result<(Next, Option<Outcome>), AppError> {
    let alerts = &config.alerts;
    let lease_ms = i64::from(alerts.timeout_seconds) * 1000 + LEASE_MARGIN_MS;
    let Some(attempt) = store::claim(db, s, now, lease_ms).await? else {
        return Ok(match store::state(db, s).await? {
            Some(st) if st.state() == Some(SendState::Pending) && st.next_attempt_at > now => {
                let wait_s = ((st.next_attempt_at - now + 999) / 1000).clamp(1, i64::from(MAX_DELAY_S));
                (Next::RetryAfter(wait_s as u32), None)
            }
            _ => (Next::Ack, None),
        });
    };
    let Some(ctx) = store::send_context(db, s).await? else {
        return Ok((Next::Ack, None)); // unsubscribed meanwhile: its sends went with it
    };
    let prepared = match alerts.subscriptions() {
        None => Err(String::from("not sent: subscriptions are not configured (README \"Subscriptions\")")),
        Some(_) if ctx.public == 0 => Err(String::from("not sent: the status page is private")),
        Some(sub) => prepare(&sub, s, &ctx),
    };
    let (settlement, http_status, error, latency_ms) = match prepared {
        Err(reason) => (Settlement::GiveUp, None, Some(reason), 0),
        Ok(request) => {
            let reply = send::send(&request, alerts.timeout_seconds).await;
            let settlement = delivery::settle(&request.policy, reply.answer(), attempt as u32, alerts.max_attempts, alerts.backoff_base_seconds, clock::now_ms());
            (settlement, reply.status(), reply.error.clone(), reply.latency_ms)
        }
    };
    let now = clock::now_ms();
    // An address cannot "disable" a page's subscriptions: a refusal ends this send only.
    let settlement = if settlement == Settlement::Disable { Settlement::GiveUp } else { settlement };
    let outcome = settlement.outcome();
    let log = Logged { project_id: ctx.project_id, subscriber_id: Some(s.subscriber_id), message_id: &s.message_id, event: &ctx.event, attempt, outcome, http_status, error, latency_ms: Some(latency_ms) };
    let batch = vec![store::log(db, &log, now)?, store::settle(db, s, attempt, settlement.state(), settlement.next_attempt_at(now), now)?];
    crate::store::batch(db, batch, "recording a subscriber delivery").await?;
    worker::console_log!("subscriber email {} -> subscriber {} attempt {attempt}: {} ({http_status:?})", s.message_id, s.subscriber_id, outcome.as_str());
    Ok((if let Settlement::Retry { after_s } = settlement { Next::RetryAfter(after_s) } else { Next::Ack }, Some(outcome)))
}

/// The provider request of one attempt: the stored email finished with this subscriber's link
/// (confirmation, or unsubscribe with its RFC 8058 headers), derived from the secret, so every
/// attempt carries the same bytes.
fn prepare(sub: &Subscriptions<'_>, s: &SubscriberSendRef, ctx: &store::SendContext) -> Result<Outgoing, String> {
    let stored: StoredEmail = serde_json::from_str(&ctx.payload).map_err(|_| String::from("not sent: stored email is unreadable"))?;
    let content = stored.content();
    let url = page_url(sub, &ctx.project_slug);
    let page = Page { name: &ctx.project_name, url: &url };
    let subject = Subject { project_id: ctx.project_id, subscriber_id: s.subscriber_id, email_key: &ctx.email_key };
    let (content, headers) = if ctx.event == "subscription.confirm" {
        let sent = core::confirm_sent_ms(&s.message_id).ok_or_else(|| String::from("not sent: unreadable confirmation id"))?;
        let token = core::sign(sub.secret, Purpose::Confirm, &subject, sent + CONFIRM_TTL_MS);
        (render::finish_confirmation(&content, &format!("{url}/confirm?t={token}")), Vec::new())
    } else {
        let token = core::sign(sub.secret, Purpose::Unsubscribe, &subject, 0);
        render::finish_notice(&content, &page, &format!("{url}/unsubscribe?t={token}"))
    };
    let key = email::idempotency_key(&s.message_id, &ctx.email);
    let request = email::build_request_with_headers(sub.provider, sub.base_url, sub.api_key, &sub.from, std::slice::from_ref(&ctx.email), &content, Some(&key), &headers);
    Ok(Outgoing { url: request.url, headers: request.headers, body: request.body, policy: delivery::email_policy(sub.provider), channel: None })
}

/// The cron's part: release held updates whose window ended, resend updates not received a
/// grace period later, and re-enqueue subscriber sends whose message was lost. Returns how many
/// messages it put on the queue.
pub async fn sweep(env: &Env, db: &D1Database, config: &Config, now: EpochMs) -> Result<usize, AppError> {
    let grace_ms = i64::from(config.handoff_grace_seconds) * 1000;
    let mut events = store::release_held(db, now).await?;
    events.extend(store::claim_unreceived_events(db, now, grace_ms).await?);
    send_events(env, &events).await?;
    let stuck = store::stuck(db, now, grace_ms).await?;
    let n = events.len() + stuck.len();
    enqueue_sends(env, stuck).await?;
    Ok(n)
}
