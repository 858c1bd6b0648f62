//! Fan-out and hold (DESIGN.md §6): an incident event becomes one send per webhook and one per
//! email recipient, rendered once and stored with the send; inside a maintenance window the
//! event is held instead, and the cron releases it (`sweep`).
use worker::{D1Database, Env};

use super::enqueue_sends;
use crate::bindings::{AlertConfig, Config};
use crate::core::delivery::Outcome;
use crate::core::email;
use crate::core::failure::FailureKind;
use crate::core::endpoint::Kind;
use crate::core::status::CheckStatus;
use crate::core::time::{parse_iso, EpochMs};
use crate::core::webhook::{self, CheckInfo, EventInfo, EventKind, IncidentInfo, MonitorInfo, ProjectInfo};
use crate::entropy;
use crate::error::{AppError, Context};
use crate::store::alerts::{self as store, EventContext};
use crate::store::checks::{EventRef, IncidentEvent};
use crate::store::deliveries::{self, Attempt, NewSend, SendRef};
use crate::store::endpoints::EndpointRow;
use crate::store::subscribers::SubscriberSendRef;
use crate::store::{endpoints, incidents};

fn kind(ctx: &EventContext) -> EventKind {
    EventKind::parse(&ctx.event).unwrap_or(EventKind::IncidentOpened)
}

fn opened_ms(ctx: &EventContext) -> EpochMs {
    parse_iso(&ctx.opened_at).unwrap_or(0)
}

fn message_id(ctx: &EventContext) -> String {
    webhook::message_id(ctx.incident_id, opened_ms(ctx), &ctx.event)
}

/// The alert's content, from the event's own check: the same bytes however late or often it
/// is built.
fn info(ctx: &EventContext) -> EventInfo {
    let kind = kind(ctx);
    let check = check_info(&ctx.check_status, &ctx.check_started_at, ctx.http_status, ctx.latency_ms, &ctx.failure_type, &ctx.check_failure_kind);
    EventInfo {
        kind,
        project: ProjectInfo { id: ctx.project_id, slug: ctx.project_slug.clone(), name: ctx.project_name.clone() },
        monitor: Some(MonitorInfo::from_columns(
            ctx.monitor_id,
            &ctx.monitor_name,
            &ctx.monitor_url,
            &ctx.monitor_type,
            ctx.monitor_hostname.as_deref(),
            ctx.monitor_record_type.as_deref(),
        )),
        incident: Some(IncidentInfo {
            id: ctx.incident_id,
            opened_at: opened_ms(ctx),
            // An opened alert says "open" even when sent after the incident resolved, so
            // every attempt of it carries the same bytes.
            resolved_at: if kind == EventKind::IncidentResolved { ctx.resolved_at.as_deref().and_then(parse_iso) } else { None },
            cause: Some(ctx.cause.clone()),
            failure_kind: ctx.incident_failure_kind.as_deref().and_then(FailureKind::parse),
            reminder: None,
        }),
        check,
    }
}

/// A check row's columns (as both the event and the reminder queries alias them) as the
/// alert's check; `None` when there is no readable check.
pub(super) fn check_info(
    status: &Option<String>,
    started_at: &Option<String>,
    http_status: Option<i64>,
    latency_ms: Option<i64>,
    failure_type: &Option<String>,
    failure_kind: &Option<String>,
) -> Option<CheckInfo> {
    let (Some(status), Some(at)) = (status, started_at) else { return None };
    CheckStatus::parse(status).map(|status| CheckInfo {
        status,
        http_status: http_status.and_then(|s| u16::try_from(s).ok()),
        latency_ms: latency_ms.and_then(|l| u32::try_from(l).ok()),
        failure_type: failure_type.clone(),
        failure_kind: failure_kind.as_deref().and_then(FailureKind::parse),
        started_at: parse_iso(at).unwrap_or(0),
    })
}

/// The sends for one event and the endpoints that want it: one per webhook, one per email
/// recipient. Rendered here, once, and stored with the send.
fn sends_for(info: &EventInfo, message_id: &str, incident_id: Option<i64>, endpoints: &[EndpointRow], config: &AlertConfig, event_at: EpochMs) -> Vec<NewSend> {
    let event = info.kind.as_str();
    let mut out = Vec::new();
    for endpoint in endpoints {
        let Ok(spec) = endpoint.spec() else { continue };
        // Routing (DESIGN.md §6): an endpoint limited to some monitors hears only of those.
        if !spec.wants(event) || !spec.routes(info.monitor.as_ref().map(|m| m.id)) {
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
            Kind::Webhook | Kind::Chat(_) => out.push(new(String::new(), payload)),
            Kind::Email => {
                for recipient in spec.recipients.unwrap_or_default() {
                    out.push(new(recipient, payload.clone()));
                }
            }
        }
    }
    out
}

/// The stored bytes of one send: the webhook JSON body, the rendered email as
/// `{subject, text, html, category}`, or a chat or pager message without its target.
pub(super) fn render(kind: Kind, info: &EventInfo, config: &AlertConfig, event_at: EpochMs) -> String {
    match kind {
        Kind::Webhook => webhook::payload(info, event_at),
        Kind::Chat(channel) => super::channels::render(channel, info, config, event_at),
        Kind::Email => {
            let page = super::channels::link(config, info);
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
pub async fn fan_out(env: &Env, db: &D1Database, full: &Config, e: &EventRef, now: EpochMs) -> Result<usize, AppError> {
    let config = &full.alerts;
    incidents::mark_received(db, e).await?;
    let Some(ctx) = store::event_context(db, e, now).await? else {
        return Ok(0); // the monitor (and its incidents) was deleted meanwhile
    };
    let endpoints = endpoints::active_of_project(db, ctx.project_id).await?;
    let info = info(&ctx);
    let message_id = message_id(&ctx);
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
    // The event is handed over exactly when its sends exist, the status page subscribers'
    // included: one batch.
    let mut also = vec![incidents::received_stmt(db, e, now)?];
    let subscribers = super::subscribers::for_incident(db, full, &ctx, e.event, now)?;
    let to_subscribers = !subscribers.is_empty();
    also.extend(subscribers);
    let (created, rest) = deliveries::create_with(db, &sends, now, also).await?;
    let subscriber_sends = match rest.last().filter(|_| to_subscribers) {
        Some(r) => r.results::<SubscriberSendRef>().context("reading subscriber sends")?,
        None => Vec::new(),
    };
    let n = created.len() + subscriber_sends.len();
    enqueue_sends(env, created).await?;
    super::subscribers::enqueue_sends(env, subscriber_sends).await?;
    Ok(n)
}

/// Holds an event during maintenance (which also hands it over: the hold is what the consumer
/// records), and logs a `suppressed` delivery per endpoint the first time, so a user can see
/// why no alert came.
async fn hold(db: &D1Database, ctx: &EventContext, message_id: &str, sends: &[NewSend], now: EpochMs) -> Result<(), AppError> {
    let newly = store::hold_event(db, ctx.incident_id, &ctx.event, now).await?;
    if !newly || sends.is_empty() {
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
        let attempt = Attempt { send: &send, incident_id: s.incident_id, event: &s.event, attempt: 0, outcome: Outcome::Suppressed, http_status: None, error: Some(reason.into()), latency_ms: None };
        batch.push(deliveries::log(db, &attempt, now)?);
    }
    crate::store::batch(db, batch, "logging suppressed alerts").await?;
    Ok(())
}

/// Creates and enqueues a `test` event for one endpoint; returns its message id and sends.
pub async fn send_test(env: &Env, db: &D1Database, config: &AlertConfig, endpoint: &EndpointRow, now: EpochMs) -> Result<(String, usize), AppError> {
    let project = store::project(db, endpoint.project_id).await?.ok_or_else(|| AppError::NotFound(format!("project {}", endpoint.project_id)))?;
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
    let created = deliveries::create(db, &sends, now, None).await?;
    let n = created.len();
    enqueue_sends(env, created).await?;
    Ok((message_id, n))
}
