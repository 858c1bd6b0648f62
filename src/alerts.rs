//! Alert delivery (SPEC section 4): platform glue around `core::webhook` and `core::email`.
//!
//! ```text
//!  check recorder --EventRef--> [alerts queue] --fan_out--> alert_sends rows (INSERT OR IGNORE)
//!                                    ^                            |
//!                                    +------- SendRef per new row-+
//!  [alerts queue] --SendRef--> deliver: claim row -> fetch -> judge -> log attempt + settle row
//! ```
//!
//! Once per (event, endpoint, recipient) as the receiver sees it: fan-out creates each send's
//! row at most once, and a sender fetches only after taking the row in one UPDATE (a claim
//! with a lease), so duplicated messages and concurrent consumers cannot send twice. What is
//! left is the platform's own limit: a sender that dies after the receiver answered 2xx but
//! before recording it sends again when its lease runs out; the same `webhook-id` (and the
//! provider idempotency key) lets the receiver drop that one.
use std::pin::pin;
use std::time::Duration;

use futures::future::{select, Either};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use worker::{AbortController, D1Database, Delay, Env, Fetch, Headers, Message, MessageBuilder, MessageExt, Method, QueueRetryOptionsBuilder, Request, RequestInit, RequestRedirect};

use crate::args;
use crate::bindings::{AlertConfig, Config, ALERTS_QUEUE, DB};
use crate::clock;
use crate::core::email::{self, EmailContent, Mailbox, Provider};
use crate::core::endpoint::Kind;
use crate::core::reminder::{self, ReminderInfo};
use crate::core::schedule::SEND_BATCH_MAX;
use crate::core::ssrf;
use crate::core::status::CheckStatus;
use crate::core::time::{iso, parse_iso, EpochMs};
use crate::core::webhook::{self, CheckInfo, DeliveryOutcome, EventInfo, EventKind, IncidentInfo, MonitorInfo, ProjectInfo, WebhookSecret};
use crate::entropy;
use crate::error::{AppError, Context};
use crate::store::checks::{EventRef, IncidentEvent};
use crate::store::deliveries::{self, Attempt, ClaimedSend, NewSend, SendRef};
use crate::store::endpoints::{self, EndpointRow};
use crate::store::{all, first, incidents};

/// Deliveries one consumer invocation runs at once (Cloudflare allows 6 open connections).
const SEND_CONCURRENCY: usize = 6;
/// A send left pending this long past its retry time has lost its message: the cron resends.
const STUCK_GRACE_MS: i64 = 120_000;
/// How long a claimed send stays with its sender beyond the request timeout.
const LEASE_MARGIN_MS: i64 = 30_000;

/// What travels on the alerts queue. `Send` is tried first: an `EventRef` has no
/// `endpoint_id`, so the two cannot be confused, and the checks side keeps sending bare
/// `EventRef`s.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AlertMessage {
    Send(SendRef),
    Event(EventRef),
}

/// Hands events to the alerts queue, then marks them enqueued. A crash between the two leaves
/// them unmarked, and the cron resends them; fan-out dedupes on (event, endpoint, recipient).
pub async fn enqueue(env: &Env, db: &D1Database, events: &[EventRef], now: EpochMs) -> Result<(), AppError> {
    if events.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    for chunk in events.chunks(SEND_BATCH_MAX) {
        let messages: Vec<_> = chunk.iter().map(|e| MessageBuilder::new(*e).build()).collect();
        queue.send_batch(messages).await.context("sending incident events")?;
    }
    incidents::mark_enqueued(db, events, now).await
}

/// Puts delivery messages on the alerts queue.
pub async fn enqueue_sends(env: &Env, sends: Vec<SendRef>) -> Result<(), AppError> {
    if sends.is_empty() {
        return Ok(());
    }
    let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    for chunk in sends.chunks(SEND_BATCH_MAX) {
        let messages: Vec<_> = chunk.iter().cloned().map(|s| MessageBuilder::new(AlertMessage::Send(s)).build()).collect();
        queue.send_batch(messages).await.context("sending alert deliveries")?;
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
    let db = env.d1(DB).context("D1 binding")?;
    let config = Config::from_env(env);
    futures::stream::iter(messages)
        .for_each_concurrent(SEND_CONCURRENCY, |message| {
            let (db, config) = (&db, &config);
            async move {
                let now = clock::now_ms();
                let result = match message.body() {
                    AlertMessage::Event(e) => fan_out(env, db, &config.alerts, e, now).await.map(|_| Next::Ack),
                    AlertMessage::Send(s) => deliver(db, config, s, now, false).await.map(|(next, _)| next),
                };
                match result {
                    Ok(Next::Ack) => message.ack(),
                    Ok(Next::RetryAfter(s)) => message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(s).build()),
                    Err(e) => {
                        worker::console_error!("alert message {:?}: {e:?}", message.body());
                        message.retry();
                    }
                }
            }
        })
        .await;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fan-out

/// An incident event with everything an alert says, read in one query.
#[derive(Debug, Deserialize)]
struct EventContext {
    incident_id: i64,
    event: String,
    event_at: String,
    released_at: Option<String>,
    opened_at: String,
    resolved_at: Option<String>,
    cause: String,
    monitor_id: i64,
    monitor_name: String,
    monitor_url: String,
    project_id: i64,
    project_slug: String,
    project_name: String,
    check_status: Option<String>,
    http_status: Option<i64>,
    latency_ms: Option<i64>,
    failure_type: Option<String>,
    check_started_at: Option<String>,
    in_maintenance: Option<i64>,
    opened_held: Option<i64>,
}

const EVENT_CONTEXT: &str = "SELECT e.incident_id, e.event, e.created_at AS event_at, e.released_at, \
     i.opened_at, i.resolved_at, i.cause, m.id AS monitor_id, m.name AS monitor_name, m.url AS monitor_url, \
     p.id AS project_id, p.slug AS project_slug, p.name AS project_name, \
     c.status AS check_status, c.http_status, c.latency_ms, c.failure_type, c.started_at AS check_started_at, \
     (SELECT 1 FROM maintenance_windows w WHERE w.project_id = p.id AND (w.monitor_id IS NULL OR w.monitor_id = m.id) \
        AND w.starts_at <= ?3 AND w.ends_at > ?3 LIMIT 1) AS in_maintenance, \
     (SELECT 1 FROM incident_events o WHERE o.incident_id = e.incident_id AND o.event = 'incident.opened' \
        AND o.held_at IS NOT NULL AND o.released_at IS NULL) AS opened_held \
     FROM incident_events e JOIN incidents i ON i.id = e.incident_id JOIN monitors m ON m.id = i.monitor_id \
     JOIN projects p ON p.id = m.project_id LEFT JOIN checks c ON c.monitor_id = e.monitor_id AND c.slot = e.check_slot \
     WHERE e.incident_id = ?1 AND e.event = ?2";

impl EventContext {
    fn kind(&self) -> EventKind {
        EventKind::parse(&self.event).unwrap_or(EventKind::IncidentOpened)
    }

    fn opened_ms(&self) -> EpochMs {
        parse_iso(&self.opened_at).unwrap_or(0)
    }

    fn message_id(&self) -> String {
        webhook::message_id(self.incident_id, self.opened_ms(), &self.event)
    }

    /// The alert's content, from the event's own check: the same bytes however late or often
    /// it is built.
    fn info(&self) -> EventInfo {
        let kind = self.kind();
        let check = check_info(&self.check_status, &self.check_started_at, self.http_status, self.latency_ms, &self.failure_type);
        EventInfo {
            kind,
            project: ProjectInfo { id: self.project_id, slug: self.project_slug.clone(), name: self.project_name.clone() },
            monitor: Some(MonitorInfo { id: self.monitor_id, name: self.monitor_name.clone(), url: self.monitor_url.clone() }),
            incident: Some(IncidentInfo {
                id: self.incident_id,
                opened_at: self.opened_ms(),
                // An opened alert says "open" even when sent after the incident resolved, so
                // every attempt of it carries the same bytes.
                resolved_at: if kind == EventKind::IncidentResolved { self.resolved_at.as_deref().and_then(parse_iso) } else { None },
                cause: Some(self.cause.clone()),
                reminder: None,
            }),
            check,
        }
    }
}

/// The sends for one event and the endpoints that want it: one per webhook, one per email
/// recipient. Rendered here, once, and stored with the send.
fn sends_for(info: &EventInfo, message_id: &str, incident_id: Option<i64>, endpoints: &[EndpointRow], config: &AlertConfig, event_at: EpochMs) -> Vec<NewSend> {
    let event = info.kind.as_str();
    let mut out = Vec::new();
    for endpoint in endpoints {
        let Ok(spec) = endpoint.spec() else { continue };
        if !spec.wants(event) {
            continue;
        }
        let new = |recipient: String, payload: String| NewSend {
            send: SendRef { message_id: message_id.to_string(), endpoint_id: endpoint.id, recipient },
            event: event.to_string(),
            incident_id,
            payload,
        };
        let payload = render(spec.kind, info, config, event_at);
        match spec.kind {
            Kind::Webhook => out.push(new(String::new(), payload)),
            Kind::Email => {
                for recipient in spec.recipients.unwrap_or_default() {
                    out.push(new(recipient, payload.clone()));
                }
            }
        }
    }
    out
}

/// The stored bytes of one send: the webhook JSON body, or the rendered email as
/// `{subject, text, html, category}`.
fn render(kind: Kind, info: &EventInfo, config: &AlertConfig, event_at: EpochMs) -> String {
    match kind {
        Kind::Webhook => webhook::payload(info, event_at),
        Kind::Email => {
            let page = config.public_base_url.as_ref().map(|base| format!("{base}/status/{}", info.project.slug));
            let content = email::render(info, page.as_deref());
            serde_json::json!({
                "subject": content.subject, "text": content.text, "html": content.html, "category": content.category,
            })
            .to_string()
        }
    }
}

/// One incident event: find the endpoints that want it, create their sends (once), enqueue
/// the new ones. Inside a maintenance window the event is held instead (see `sweep`).
pub async fn fan_out(env: &Env, db: &D1Database, config: &AlertConfig, e: &EventRef, now: EpochMs) -> Result<usize, AppError> {
    incidents::mark_received(db, e).await?;
    let Some(ctx) = first::<EventContext>(db, EVENT_CONTEXT, &args![e.incident_id, e.event.as_str(), iso(now)]).await? else {
        return Ok(0); // the monitor (and its incidents) was deleted meanwhile
    };
    let endpoints = endpoints::active_of_project(db, ctx.project_id).await?;
    let info = ctx.info();
    let message_id = ctx.message_id();
    let sends = sends_for(&info, &message_id, Some(ctx.incident_id), &endpoints, config, parse_iso(&ctx.event_at).unwrap_or(now));
    // A resolved event whose opened alert never went out (held by a window) stays quiet too:
    // the receiver never heard of the incident.
    let held = ctx.in_maintenance.is_some() || (e.event == IncidentEvent::Resolved && ctx.opened_held.is_some());
    if held {
        hold(db, &ctx, &message_id, &sends, now).await?;
        return Ok(0);
    }
    if ctx.released_at.is_some() {
        worker::console_log!("alert {message_id}: released after its maintenance window");
    }
    let created = deliveries::create(db, &sends, now).await?;
    let n = created.len();
    enqueue_sends(env, created).await?;
    Ok(n)
}

/// Holds an event during maintenance, and logs a `suppressed` delivery per endpoint the first
/// time, so a user can see why no alert came.
async fn hold(db: &D1Database, ctx: &EventContext, message_id: &str, sends: &[NewSend], now: EpochMs) -> Result<(), AppError> {
    let newly: Vec<serde_json::Value> = all(
        db,
        "UPDATE incident_events SET held_at = COALESCE(held_at, ?3), released_at = NULL \
         WHERE incident_id = ?1 AND event = ?2 AND (held_at IS NULL OR released_at IS NOT NULL) RETURNING incident_id",
        &args![ctx.incident_id, ctx.event.clone(), iso(now)],
    )
    .await?;
    if newly.is_empty() || sends.is_empty() {
        return Ok(());
    }
    let reason = if ctx.in_maintenance.is_some() { "maintenance window" } else { "opened alert was held by a maintenance window" };
    let mut logged: Vec<i64> = Vec::new();
    let mut batch = Vec::new();
    for s in sends {
        // One row per endpoint is enough to explain the silence.
        if logged.contains(&s.send.endpoint_id) {
            continue;
        }
        logged.push(s.send.endpoint_id);
        let send = SendRef { message_id: message_id.to_string(), endpoint_id: s.send.endpoint_id, recipient: String::new() };
        let attempt = Attempt { send: &send, incident_id: s.incident_id, event: &s.event, attempt: 0, outcome: "suppressed", http_status: None, error: Some(reason.into()), latency_ms: None };
        batch.push(deliveries::log(db, &attempt, now)?);
    }
    db.batch(batch).await.context("logging suppressed alerts")?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Delivery

/// The result of one attempt, before it is judged.
struct Answer {
    status: Option<u16>,
    retry_after: Option<String>,
    error: Option<String>,
    latency_ms: i64,
}

/// Claims a send and makes one attempt. `send_now` (`GET /emails`) ignores the retry schedule.
/// Returns what to do with the message and the outcome name if an attempt was made.
pub async fn deliver(db: &D1Database, config: &Config, s: &SendRef, now: EpochMs, send_now: bool) -> Result<(Next, Option<&'static str>), AppError> {
    let alerts = &config.alerts;
    let lease_ms = i64::from(alerts.timeout_seconds) * 1000 + LEASE_MARGIN_MS;
    let Some(claimed) = deliveries::claim(db, s, now, lease_ms, send_now).await? else {
        // Not ours to send: done, in flight elsewhere, or gone; or a retry not yet due, which
        // this (duplicate or early) message waits for rather than sending early.
        return Ok(match deliveries::state(db, s).await? {
            Some(st) if st.state == "pending" && st.next_attempt_at > now => {
                let wait_s = ((st.next_attempt_at - now + 999) / 1000).clamp(1, i64::from(webhook::MAX_DELAY_S));
                (Next::RetryAfter(wait_s as u32), None)
            }
            _ => (Next::Ack, None),
        });
    };
    let attempt = claimed.attempts;
    if claimed.event == reminder::EVENT && !incident_open(db, claimed.incident_id).await? {
        // Resolved since the reminder was created (or deleted): "still down" would be wrong.
        let log = Attempt { send: s, incident_id: claimed.incident_id, event: &claimed.event, attempt, outcome: "skipped", http_status: None, error: Some("not sent: the incident resolved".into()), latency_ms: None };
        db.batch(vec![deliveries::log(db, &log, now)?, deliveries::settle(db, s, attempt, "failed", now, now)?]).await.context("recording skipped reminder")?;
        return Ok((Next::Ack, Some("skipped")));
    }
    let endpoint = endpoints::get(db, s.endpoint_id).await?;
    let prepared = match &endpoint {
        None => return Ok((Next::Ack, None)), // deleted: its sends went with it
        Some(ep) if ep.is_active == 0 => Err(format!("endpoint is inactive{}", ep.disabled_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default())),
        Some(ep) => prepare(ep, &claimed, config, now),
    };
    let is_email = endpoint.as_ref().is_some_and(|ep| ep.kind == Kind::Email.as_str());
    let (outcome, answer, sent) = match prepared {
        // Nothing to send to: a configuration problem, not the receiver's; retrying won't help.
        Err(reason) => (DeliveryOutcome::GiveUp, Answer { status: None, retry_after: None, error: Some(reason), latency_ms: 0 }, false),
        Ok(request) => {
            let answer = send(request, alerts.timeout_seconds).await;
            let judge = if is_email { email::judge_with_base } else { webhook::judge_with_base };
            let outcome = judge(answer.status, answer.retry_after.as_deref(), attempt as u32, alerts.max_attempts, clock::now_ms(), alerts.backoff_base_seconds);
            (outcome, answer, true)
        }
    };
    let now = clock::now_ms();
    // Giving up on an answer that is retryable in itself means the attempts ran out.
    let exhausted = sent && matches!(webhook::judge(answer.status, None, 1, 2, now), DeliveryOutcome::Retry { .. });
    let (name, state, next_at) = match outcome {
        DeliveryOutcome::Delivered => ("delivered", "delivered", now),
        DeliveryOutcome::Retry { after_s } => ("retry", "pending", now + i64::from(after_s) * 1000),
        DeliveryOutcome::Disable => ("disabled", "disabled", now),
        DeliveryOutcome::GiveUp if exhausted => ("dead_lettered", "failed", now),
        DeliveryOutcome::GiveUp => ("failed", "failed", now),
    };
    let log = Attempt {
        send: s,
        incident_id: claimed.incident_id,
        event: &claimed.event,
        attempt,
        outcome: name,
        http_status: answer.status,
        error: answer.error.clone(),
        latency_ms: Some(answer.latency_ms),
    };
    let mut batch = vec![deliveries::log(db, &log, now)?, deliveries::settle(db, s, attempt, state, next_at, now)?];
    if outcome == DeliveryOutcome::Disable {
        batch.push(endpoints::disable(db, s.endpoint_id, "the receiver answered 410 Gone", now)?);
    }
    db.batch(batch).await.context("recording delivery attempt")?;
    worker::console_log!("alert {} -> endpoint {} attempt {attempt}: {name} ({:?})", s.message_id, s.endpoint_id, answer.status);
    let next = match outcome {
        DeliveryOutcome::Retry { after_s } => Next::RetryAfter(after_s),
        _ => Next::Ack,
    };
    Ok((next, Some(name)))
}

async fn incident_open(db: &D1Database, incident_id: Option<i64>) -> Result<bool, AppError> {
    let Some(id) = incident_id else { return Ok(false) };
    let row: Option<serde_json::Value> = first(db, "SELECT 1 AS open FROM incidents WHERE id = ?1 AND resolved_at IS NULL", &args![id]).await?;
    Ok(row.is_some())
}

/// A request ready to fetch.
struct Outgoing {
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// Builds the request for an attempt; `Err` says why nothing can be sent (never a secret).
fn prepare(endpoint: &EndpointRow, send: &ClaimedSend, config: &Config, now: EpochMs) -> Result<Outgoing, String> {
    let not_sent = |why: String| format!("not sent: {why}");
    match Kind::parse(&endpoint.kind) {
        Some(Kind::Webhook) => {
            let raw_url = endpoint.url.as_deref().ok_or_else(|| not_sent("webhook has no url".into()))?;
            // Checked again at send time: the policy may have changed since the endpoint was saved.
            let url = ssrf::check_target(raw_url, config.target_policy).map_err(|e| not_sent(format!("url refused: {e}")))?;
            let secret = endpoint.secret.as_deref().map(WebhookSecret::parse).transpose().ok().flatten().ok_or_else(|| not_sent("webhook secret is unreadable".into()))?;
            let headers = webhook::headers(secret.as_bytes(), &send.message_id, now.div_euclid(1000), &send.payload);
            Ok(Outgoing { url: url.to_string(), headers: headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect(), body: send.payload.clone() })
        }
        Some(Kind::Email) => {
            let alerts = &config.alerts;
            let provider = match endpoint.provider.as_deref() {
                Some(p) => Provider::parse(p),
                None => alerts.email_provider,
            }
            .ok_or_else(|| not_sent("no email provider configured (EMAIL_PROVIDER)".into()))?;
            let key = alerts.email_key(provider).ok_or_else(|| not_sent(format!("no API key configured for {provider}")))?;
            let from = alerts.email_from.as_deref().and_then(Mailbox::parse).ok_or_else(|| not_sent("no valid sender configured (EMAIL_FROM)".into()))?;
            let content: StoredEmail = serde_json::from_str(&send.payload).map_err(|_| not_sent("stored email is unreadable".into()))?;
            let content = EmailContent { subject: content.subject, text: content.text, html: content.html, category: content.category };
            let key_for_provider = email::idempotency_key(&send.message_id, &send.recipient);
            let request = email::build_request(provider, alerts.email_base_url(provider), key, &from, std::slice::from_ref(&send.recipient), &content, Some(&key_for_provider));
            Ok(Outgoing { url: request.url, headers: request.headers, body: request.body })
        }
        None => Err(not_sent(format!("unknown endpoint kind {}", endpoint.kind))),
    }
}

#[derive(Deserialize)]
struct StoredEmail {
    subject: String,
    text: String,
    html: String,
    category: String,
}

/// POSTs under one deadline. Redirects are not followed (`manual`): a 3xx is an answer, judged
/// as not delivered. The response body is read (bounded) only to release the connection.
async fn send(request: Outgoing, timeout_seconds: u32) -> Answer {
    let start = clock::now_ms();
    let built = (|| -> worker::Result<Request> {
        let headers = Headers::new();
        for (k, v) in &request.headers {
            headers.set(k, v)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_redirect(RequestRedirect::Manual).with_body(Some(request.body.as_str().into()));
        Request::new_with_init(&request.url, &init)
    })();
    let req = match built {
        Ok(r) => r,
        Err(e) => return Answer { status: None, retry_after: None, error: Some(format!("not sent: could not build the request: {e}")), latency_ms: 0 },
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    let timeout_ms = u64::from(timeout_seconds) * 1000;
    let work = pin!(async {
        let mut response = Fetch::Request(req).send_with_signal(&signal).await?;
        let status = response.status_code();
        let retry_after = response.headers().get("retry-after").ok().flatten();
        if let Ok(mut stream) = response.stream() {
            let mut read = 0usize;
            while let Some(Ok(chunk)) = stream.next().await {
                read += chunk.len();
                if read > 64 * 1024 {
                    break;
                }
            }
        }
        Ok::<_, worker::Error>((status, retry_after))
    });
    let deadline = pin!(Delay::from(Duration::from_millis(timeout_ms)));
    let result = match select(work, deadline).await {
        Either::Left((r, _)) => Some(r),
        Either::Right(_) => {
            // The pinned work future is dropped when this function returns; aborting the
            // signal is what cancels the fetch.
            controller.abort();
            None
        }
    };
    let latency_ms = (clock::now_ms() - start).max(0);
    match result {
        None => Answer { status: None, retry_after: None, error: Some(format!("timeout after {timeout_seconds}s")), latency_ms },
        Some(Err(e)) => Answer { status: None, retry_after: None, error: Some(format!("network error: {e}")), latency_ms },
        Some(Ok((status, retry_after))) => {
            let error = match status {
                200..=299 => None,
                300..=399 => Some(format!("HTTP {status}: redirects are not followed; update the URL")),
                _ => Some(format!("HTTP {status}")),
            };
            Answer { status: Some(status), retry_after, error, latency_ms }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Test events, `GET /emails`, and the cron's sweep

/// Creates and enqueues a `test` event for one endpoint; returns its message id and sends.
pub async fn send_test(env: &Env, db: &D1Database, config: &AlertConfig, endpoint: &EndpointRow, now: EpochMs) -> Result<(String, usize), AppError> {
    #[derive(Deserialize)]
    struct Project {
        id: i64,
        slug: String,
        name: String,
    }
    let project = first::<Project>(db, "SELECT id, slug, name FROM projects WHERE id = ?1", &args![endpoint.project_id])
        .await?
        .ok_or_else(|| AppError::NotFound(format!("project {}", endpoint.project_id)))?;
    let info = EventInfo {
        kind: EventKind::Test,
        project: ProjectInfo { id: project.id, slug: project.slug, name: project.name },
        monitor: None,
        incident: None,
        check: None,
    };
    let message_id = webhook::test_message_id(&entropy::bytes::<16>()?);
    // An inactive endpoint gets the send too: delivery logs it as `failed` with the reason,
    // which is what a user testing a disabled endpoint needs to see.
    let sends = sends_for(&info, &message_id, None, std::slice::from_ref(endpoint), config, now);
    let created = deliveries::create(db, &sends, now).await?;
    let n = created.len();
    enqueue_sends(env, created).await?;
    Ok((message_id, n))
}

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
        fan_out(env, db, &config.alerts, e, now).await?;
        incidents::mark_enqueued(db, std::slice::from_ref(e), now).await?;
        report.events_fanned_out += 1;
    }
    let pending = deliveries::pending_emails(db, 25).await?;
    for s in &pending {
        match deliver(db, config, s, clock::now_ms(), true).await? {
            (_, Some("delivered")) => {
                report.emails_attempted += 1;
                report.emails_delivered += 1;
            }
            (_, Some("retry")) => {
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
    let released: Vec<EventRef> = all(
        db,
        "UPDATE incident_events SET released_at = ?1 WHERE rowid IN ( \
           SELECT e.rowid FROM incident_events e JOIN incidents i ON i.id = e.incident_id JOIN monitors m ON m.id = i.monitor_id \
           WHERE e.held_at IS NOT NULL AND e.released_at IS NULL AND e.event = 'incident.opened' AND i.resolved_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM maintenance_windows w WHERE w.project_id = m.project_id \
             AND (w.monitor_id IS NULL OR w.monitor_id = m.id) AND w.starts_at <= ?1 AND w.ends_at > ?1) LIMIT 100) \
         RETURNING incident_id, event, monitor_id, check_slot",
        &args![iso(now)],
    )
    .await?;
    if !released.is_empty() {
        let queue = env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
        let messages: Vec<_> = released.iter().map(|e| MessageBuilder::new(*e).build()).collect();
        queue.send_batch(messages).await.context("releasing held incident events")?;
    }
    let stuck = deliveries::stuck(db, now, STUCK_GRACE_MS).await?;
    let resent = stuck.len();
    enqueue_sends(env, stuck).await?;
    if let Err(e) = remind(env, db, &Config::from_env(env).alerts, now).await {
        worker::console_error!("alert reminders: {e:?}");
    }
    Ok((released.len(), resent))
}

// ---------------------------------------------------------------------------------------
// Reminders

/// Reminders created per tick at most; the rest are due on the next tick (each candidate row
/// is due and unsent, so the backlog drains).
const REMINDERS_PER_TICK: u32 = 50;

/// One (open incident, endpoint, recipient) whose current reminder is due and not yet created,
/// with what the reminder says (the monitor's latest check).
#[derive(Debug, Deserialize)]
struct DueReminder {
    incident_id: i64,
    opened_at: String,
    cause: String,
    monitor_id: i64,
    monitor_name: String,
    monitor_url: String,
    project_id: i64,
    project_slug: String,
    project_name: String,
    endpoint_id: i64,
    endpoint_kind: String,
    recipient: String,
    reminder_minutes: i64,
    check_status: Option<String>,
    http_status: Option<i64>,
    latency_ms: Option<i64>,
    failure_type: Option<String>,
    check_started_at: Option<String>,
}

/// Who gets reminders (README "Alerts"): an open incident, not in a maintenance window; an
/// active endpoint with `reminder_minutes` whose `events` include `incident.opened`; and only
/// where the opened alert was delivered (per email recipient, and only recipients still on
/// the list; found by its message id, `webhook::message_id`, so through alert_sends' key).
/// Reminder k is due at opened_at + k * N; the last condition skips the rows whose current
/// reminder already has its send row (`reminder::message_id`, rebuilt here in SQL: a
/// mismatch would only make a row come back each tick, never send twice, since the insert is
/// keyed on the id Rust builds). opened_ms is the same epoch ms `parse_iso` gives (ISO text
/// with milliseconds, rounded back from julianday).
const DUE_REMINDERS: &str = "WITH open AS ( \
       SELECT i.id, i.monitor_id, i.opened_at, i.cause, \
              CAST(ROUND((julianday(i.opened_at) - 2440587.5) * 86400000.0) AS INTEGER) AS opened_ms \
       FROM incidents i WHERE i.resolved_at IS NULL) \
     SELECT i.id AS incident_id, i.opened_at, i.cause, m.id AS monitor_id, m.name AS monitor_name, m.url AS monitor_url, \
       p.id AS project_id, p.slug AS project_slug, p.name AS project_name, \
       e.id AS endpoint_id, e.kind AS endpoint_kind, o.recipient, e.reminder_minutes, \
       c.status AS check_status, c.http_status, c.latency_ms, c.failure_type, c.started_at AS check_started_at \
     FROM open i JOIN monitors m ON m.id = i.monitor_id JOIN projects p ON p.id = m.project_id \
     JOIN notification_endpoints e ON e.project_id = p.id AND e.is_active = 1 AND e.reminder_minutes > 0 \
       AND EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = 'incident.opened') \
     JOIN alert_sends o ON o.message_id = 'msg_' || i.id || '_' || i.opened_ms || '_incident_opened' \
       AND o.endpoint_id = e.id AND o.state = 'delivered' \
       AND (o.recipient = '' OR o.recipient IN (SELECT value FROM json_each(COALESCE(e.recipients, '[]')))) \
     LEFT JOIN checks c ON c.monitor_id = m.id AND c.slot = (SELECT MAX(slot) FROM checks WHERE monitor_id = m.id) \
     WHERE CAST(?1 AS INTEGER) - i.opened_ms >= e.reminder_minutes * CAST(?2 AS INTEGER) \
       AND NOT EXISTS (SELECT 1 FROM maintenance_windows w WHERE w.project_id = p.id \
         AND (w.monitor_id IS NULL OR w.monitor_id = m.id) AND w.starts_at <= ?3 AND w.ends_at > ?3) \
       AND NOT EXISTS (SELECT 1 FROM alert_sends r WHERE r.endpoint_id = e.id AND r.recipient = o.recipient \
         AND r.message_id = 'msg_' || i.id || '_' || i.opened_ms || '_incident_reminder_' \
           || ((CAST(?1 AS INTEGER) - i.opened_ms) / (e.reminder_minutes * CAST(?2 AS INTEGER)))) \
     ORDER BY i.opened_at, e.id LIMIT ?4";

/// Creates the sends of the reminders due now, in one statement, and enqueues the ones it
/// created. Two ticks in one period build the same message ids, so the second creates nothing.
pub async fn remind(env: &Env, db: &D1Database, config: &AlertConfig, now: EpochMs) -> Result<usize, AppError> {
    let unit_ms = i64::from(config.reminder_unit_seconds) * 1000;
    let due: Vec<DueReminder> = all(db, DUE_REMINDERS, &args![now, unit_ms, iso(now), REMINDERS_PER_TICK]).await?;
    let mut rows = Vec::new();
    for d in &due {
        let Some(new) = reminder_send(d, config, now) else { continue };
        rows.push(serde_json::json!({ "m": new.send.message_id, "e": new.send.endpoint_id, "r": new.send.recipient, "i": new.incident_id, "p": new.payload }));
    }
    if rows.is_empty() {
        return Ok(0);
    }
    // The incident is checked again here: it may have resolved since the select.
    let created: Vec<SendRef> = all(
        db,
        "INSERT OR IGNORE INTO alert_sends (message_id, endpoint_id, recipient, event, incident_id, payload, next_attempt_at, created_at, updated_at) \
         SELECT json_extract(j.value, '$.m'), json_extract(j.value, '$.e'), json_extract(j.value, '$.r'), ?2, json_extract(j.value, '$.i'), \
                json_extract(j.value, '$.p'), ?3, ?4, ?4 \
         FROM json_each(?1) j JOIN incidents i ON i.id = json_extract(j.value, '$.i') AND i.resolved_at IS NULL \
         RETURNING message_id, endpoint_id, recipient",
        &args![serde_json::Value::Array(rows).to_string(), reminder::EVENT, now, iso(now)],
    )
    .await?;
    let n = created.len();
    if n > 0 {
        worker::console_log!("alert reminders: {n} created");
    }
    enqueue_sends(env, created).await?;
    Ok(n)
}

/// A check row's columns (as both the event and the reminder queries alias them) as the
/// alert's check; `None` when there is no readable check.
fn check_info(
    status: &Option<String>,
    started_at: &Option<String>,
    http_status: Option<i64>,
    latency_ms: Option<i64>,
    failure_type: &Option<String>,
) -> Option<CheckInfo> {
    let (Some(status), Some(at)) = (status, started_at) else { return None };
    CheckStatus::parse(status).map(|status| CheckInfo {
        status,
        http_status: http_status.and_then(|s| u16::try_from(s).ok()),
        latency_ms: latency_ms.and_then(|l| u32::try_from(l).ok()),
        failure_type: failure_type.clone(),
        started_at: parse_iso(at).unwrap_or(0),
    })
}

/// The send of the reminder due now for one row, rendered once; `None` if nothing is due
/// (the SQL and `reminder::due` agree, so this is a guard, not a filter).
fn reminder_send(d: &DueReminder, config: &AlertConfig, now: EpochMs) -> Option<NewSend> {
    let opened_at = parse_iso(&d.opened_at)?;
    let every_minutes = u32::try_from(d.reminder_minutes).ok()?;
    let interval = reminder::interval_ms(every_minutes, config.reminder_unit_seconds)?;
    let number = reminder::due(opened_at, interval, now)?;
    let due_at = reminder::due_at(opened_at, interval, number);
    let kind = Kind::parse(&d.endpoint_kind)?;
    let check = check_info(&d.check_status, &d.check_started_at, d.http_status, d.latency_ms, &d.failure_type);
    let info = EventInfo {
        kind: EventKind::IncidentReminder,
        project: ProjectInfo { id: d.project_id, slug: d.project_slug.clone(), name: d.project_name.clone() },
        monitor: Some(MonitorInfo { id: d.monitor_id, name: d.monitor_name.clone(), url: d.monitor_url.clone() }),
        incident: Some(IncidentInfo {
            id: d.incident_id,
            opened_at,
            resolved_at: None,
            cause: Some(d.cause.clone()),
            reminder: Some(ReminderInfo { number, due_at, every_minutes }),
        }),
        check,
    };
    Some(NewSend {
        send: SendRef { message_id: reminder::message_id(d.incident_id, opened_at, number), endpoint_id: d.endpoint_id, recipient: d.recipient.clone() },
        event: reminder::EVENT.to_string(),
        incident_id: Some(d.incident_id),
        payload: render(kind, &info, config, due_at),
    })
}
