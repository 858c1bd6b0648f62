//! Notification endpoints, their delivery log, test sends, and seed 000's `GET /emails`.
//! Every lookup is scoped to the caller's projects: another user's endpoint id answers 404.
use serde::Serialize;
use serde_json::json;
use worker::{MessageBuilder, Response};

use super::{json, next_cursor, require_owned, Ctx, Page};
use crate::alerts::{self, AlertMessage};
use crate::bindings::ALERTS_QUEUE;
use crate::core::input::FieldError;
use super::api::target_project;
use crate::core::endpoint::{self, EndpointSpec, Kind};
use crate::core::input;
use crate::entropy;
use crate::core::webhook;
use crate::error::{AppError, Context};
use crate::store::deliveries::{self, DeliveryRow};
use crate::store::endpoints::{self, EndpointRow, EndpointView};

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("notification endpoint {id}"))
}

async fn load(ctx: &Ctx) -> Result<EndpointRow, AppError> {
    let id = ctx.id("id")?;
    endpoints::get_owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| not_found(id))
}

/// A view plus the secret, for the two answers that show it: creation and rotation.
#[derive(Serialize)]
struct WithSecret {
    #[serde(flatten)]
    view: EndpointView,
    /// `whsec_<base64>`: shown this once; store it where the receiver verifies signatures.
    secret: String,
}

pub(super) fn new_secret() -> Result<String, AppError> {
    Ok(webhook::generate_secret(&entropy::bytes::<32>()?))
}

pub async fn list(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["project", "limit", "cursor"])?;
    let limit = q.limit()?;
    let after = q.id("cursor")?.unwrap_or(0);
    let rows = endpoints::list(&ctx.db()?, ctx.user_id()?, q.id("project")?, after, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    let items = rows.iter().map(EndpointRow::view).collect::<Result<Vec<_>, _>>()?;
    json(200, &Page { items, next_cursor })
}

pub async fn create(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let given = input::parse_object(&body, endpoint::FIELDS)?;
    let db = ctx.db()?;
    let project = target_project(&ctx, &db, given.get("project")).await?;
    let spec = EndpointSpec::from_map(given, project, ctx.config.target_policy)?;
    check_monitors(&db, &spec).await?;
    // A webhook's signing secret is made here and shown once; a chat or pager credential
    // came in the body and is never shown again (not even now).
    let generated = match spec.kind {
        Kind::Webhook => Some(new_secret()?),
        Kind::Email | Kind::Chat(_) => None,
    };
    let secret = generated.clone().or_else(|| spec.credential.as_ref().map(|c| c.0.clone()));
    let row = endpoints::insert(&db, &spec, secret.as_deref(), ctx.now).await?;
    let view = row.view()?;
    let mut response = match generated {
        Some(secret) => json(201, &WithSecret { view, secret })?,
        None => json(201, &view)?,
    };
    let _ = response.headers_mut().set("location", &format!("/api/notification-endpoints/{}", row.id));
    Ok(response)
}

/// Routing may only name monitors of the endpoint's own project (DESIGN.md §6).
async fn check_monitors(db: &worker::D1Database, spec: &EndpointSpec) -> Result<(), AppError> {
    let Some(ids) = &spec.monitors else { return Ok(()) };
    let foreign = endpoints::foreign_monitors(db, spec.project, ids).await?;
    match ids.iter().position(|id| foreign.contains(id)) {
        Some(i) => Err(FieldError::new(&format!("monitors[{i}]"), format!("no monitor {} in project {}", ids[i], spec.project)).into()),
        None => Ok(()),
    }
}

pub async fn get(ctx: Ctx) -> Result<Response, AppError> {
    json(200, &load(&ctx).await?.view()?)
}

pub async fn patch(mut ctx: Ctx) -> Result<Response, AppError> {
    let row = load(&ctx).await?;
    let body = ctx.json_body().await?;
    let patch = row.spec()?.patch(&body, ctx.config.target_policy)?;
    let db = ctx.db()?;
    check_monitors(&db, &patch.spec).await?;
    let generated = if patch.rotate_secret { Some(new_secret()?) } else { None };
    let secret = generated.clone().or_else(|| patch.spec.credential.as_ref().map(|c| c.0.clone()));
    let updated = endpoints::update(&db, row.id, &patch.spec, secret.as_deref(), ctx.now).await?.ok_or_else(|| not_found(row.id))?;
    let view = updated.view()?;
    match generated {
        Some(secret) => json(200, &WithSecret { view, secret }),
        None => json(200, &view),
    }
}

pub async fn delete(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    if !endpoints::delete(&ctx.db()?, ctx.user_id()?, id).await? {
        return Err(not_found(id));
    }
    Ok(Response::empty().map_err(|e| AppError::Internal(e.to_string()))?.with_status(204))
}

/// `202 {message_id, sends}`: a `test` event is on its way through the normal delivery path;
/// its attempts show in the deliveries log.
pub async fn test(ctx: Ctx) -> Result<Response, AppError> {
    let row = load(&ctx).await?;
    let (message_id, sends) = alerts::send_test(&ctx.env, &ctx.db()?, &ctx.config.alerts, &row, ctx.now).await?;
    json(202, &json!({ "message_id": message_id, "event": "test", "sends": sends }))
}

/// A delivery row with the endpoint's redacted target.
#[derive(Serialize)]
struct DeliveryOut {
    #[serde(flatten)]
    row: DeliveryRow,
    target: String,
}

/// Newest first; `cursor` is the last id of the previous page.
pub async fn deliveries(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let row = load(&ctx).await?;
    let rows: Vec<DeliveryRow> = deliveries::list(&ctx.db()?, row.id, q.id("cursor")?, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    // Where the attempts went, redacted: no token, no secret path (DESIGN.md §11).
    let target = row.redacted_target();
    let items: Vec<DeliveryOut> = rows.into_iter().map(|row| DeliveryOut { row, target: target.clone() }).collect();
    json(200, &Page { items, next_cursor })
}

/// Seed 000's `GET /emails`: send the pending notifications now and say how many.
pub async fn send_pending_emails(ctx: Ctx) -> Result<Response, AppError> {
    let report = alerts::flush(&ctx.env, &ctx.db()?, &ctx.config, ctx.user_id()?, ctx.now).await?;
    let message = format!(
        "Sent {} of {} pending email notifications ({} failed, {} still pending)",
        report.emails_delivered, report.emails_attempted, report.emails_failed, report.emails_pending
    );
    let category = if report.emails_failed == 0 { "email_sent_success" } else { "email_sent_partial" };
    json(200, &json!({ "category": category, "data": report, "message": message }))
}

/// Test hook (VIGIL_TEST_HOOKS=true only): puts the given alert messages (incident events or
/// delivery sends) on the alerts queue verbatim, in one batch, so a test can deliver one twice,
/// even to concurrent handlers, and see the receiver get it once.
pub async fn enqueue_raw_events(mut ctx: Ctx) -> Result<Response, AppError> {
    ctx.test_hooks_only()?;
    let body = ctx.json_body().await?;
    let messages: Vec<AlertMessage> = serde_json::from_str(&body).map_err(|e| FieldError::body(format!("expected an array of alert messages: {e}")))?;
    // Scoped like every route: an event of another tenant's incident, or a send to another
    // tenant's endpoint, is not found, and nothing is queued.
    if messages.iter().any(|m| matches!(m, AlertMessage::Subscriber(_) | AlertMessage::SubscriberEvent(_))) {
        return Err(FieldError::body("subscriber messages are not taken here").into());
    }
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    let events: Vec<_> = messages.iter().filter_map(|m| if let AlertMessage::Event(e) = m { Some(*e) } else { None }).collect();
    let endpoint_ids: Vec<i64> = messages.iter().filter_map(|m| if let AlertMessage::Send(s) = m { Some(s.endpoint_id) } else { None }).collect();
    if !events.is_empty() {
        let incidents: Vec<i64> = events.iter().map(|e| e.incident_id).collect();
        require_owned(&incidents, &crate::store::incidents::owned_ids(&db, user, &incidents).await?, "incident")?;
        let monitor_ids: Vec<i64> = events.iter().map(|e| e.monitor_id).collect();
        require_owned(&monitor_ids, &crate::store::monitors::owned_ids(&db, user, &monitor_ids).await?, "monitor")?;
    }
    if !endpoint_ids.is_empty() {
        require_owned(&endpoint_ids, &endpoints::owned_ids(&db, user, &endpoint_ids).await?, "notification endpoint")?;
    }
    let queue = ctx.env.queue(ALERTS_QUEUE).context("alerts queue binding")?;
    let count = messages.len();
    crate::meter::send_batch(&queue, messages.into_iter().map(|m| MessageBuilder::new(m).build()).collect::<Vec<_>>()).await.context("sending test messages")?;
    json(202, &json!({ "queued": count }))
}
