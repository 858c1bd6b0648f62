//! Status page subscriptions (DESIGN.md §9, README "Subscriptions"): the public form and the
//! pages its links open, and the owner's API. Decisions are `core::subscribers`; rows are
//! `store::subscribers`; emails go out through the alerts queue (`alerts::subscribers`).
//!
//! Cost of one subscribe request: one batch bumping 2 rate-limit counters (2 rows written, a
//! few expired ones deleted), one batch writing the subscriber row, the confirmation message
//! and its send (3 rows written), one queue message. A request over a limit stops after the
//! first batch.
use serde::Serialize;
use worker::Response;

use super::{json, next_cursor, Ctx, Page};
use crate::alerts::subscribers::enqueue_sends;
use crate::core::input::{parse_form, BodyType, FieldError};
use crate::core::status_page::{answer_html, Answer, AnswerForm};
use crate::core::subscribers::render::{confirmation, Page as EmailPage};
use crate::core::subscribers::{self as core, Limit, Purpose, Subject, Token, MONITORS_MAX, PER_CLIENT, PER_PAGE};
use crate::core::text::path_segment;
use crate::error::{AppError, Context};
use crate::store::pages;
use crate::store::projects::{self, ProjectRow};
use crate::store::subscribers::{self as store, Counts, DeliveryRow, SubscriberRow};

/// A public project whose page takes subscriptions; private, unknown and unconfigured ones are
/// the same 404 (the page shows no form then).
async fn subscribable(ctx: &Ctx) -> Result<ProjectRow, AppError> {
    let slug = ctx.param("slug");
    let not_found = || AppError::NotFound(format!("subscriptions to status page {slug}"));
    if ctx.config.alerts.subscriptions().is_none() {
        return Err(not_found());
    }
    match pages::project_by_slug(&ctx.db()?, slug).await? {
        Some(p) if p.public != 0 => Ok(p),
        _ => Err(not_found()),
    }
}

/// An answer page: HTML, never cached, and no Referer (link pages carry a token in their URL).
fn page(status: u16, a: &Answer<'_>) -> Result<Response, AppError> {
    let mut r = Response::from_html(answer_html(a)).context("HTML response")?.with_status(status);
    let h = r.headers_mut();
    for (k, v) in [("cache-control", "no-store"), ("referrer-policy", "no-referrer"), ("x-content-type-options", "nosniff"), ("x-frame-options", "DENY")] {
        let _ = h.set(k, v);
    }
    Ok(r)
}

fn answer<'a>(p: &'a ProjectRow, title: &'a str, message: &'a str) -> Answer<'a> {
    Answer { project_name: &p.name, slug: &p.slug, title, message, form: None }
}

/// `POST /status/{slug}/subscribe` (form: `email`, optional repeated `monitors`). The answer is
/// the same page whether the address is new, unconfirmed or confirmed.
pub async fn subscribe(mut ctx: Ctx) -> Result<Response, AppError> {
    let project = subscribable(&ctx).await?;
    let (_, body) = ctx.body(&[BodyType::Form]).await?;
    let form = parse_form(&body, &["email", "monitors"], &[], &["monitors"])?;
    let raw = form.get("email").and_then(|v| v.as_str()).unwrap_or("");
    let email = match core::validate_email(raw) {
        Ok(e) => e,
        Err(why) => {
            let message = format!("The email address {why}. Go back and try again.");
            return page(400, &answer(&project, "That address does not look right", &message));
        }
    };
    let mut monitors: Vec<i64> = Vec::new();
    for v in form.get("monitors").and_then(|v| v.as_array()).into_iter().flatten() {
        let id = v.as_str().and_then(|s| s.parse::<i64>().ok()).filter(|n| *n > 0).ok_or_else(|| FieldError::new("monitors", "must be monitor ids"))?;
        if !monitors.contains(&id) {
            monitors.push(id);
        }
    }
    if monitors.len() > MONITORS_MAX {
        return Err(FieldError::new("monitors", format!("at most {MONITORS_MAX}")).into());
    }
    monitors.sort_unstable();
    let db = ctx.db()?;
    let client = ctx.req.headers().get("cf-connecting-ip").ok().flatten().unwrap_or_else(|| String::from("unknown"));
    let alerts = &ctx.config.alerts;
    let limits = [(Limit { max: alerts.subscribe_per_page, ..PER_PAGE }, project.id.to_string()), (Limit { max: alerts.subscribe_per_client, ..PER_CLIENT }, client)];
    let counts = store::bump_limits(&db, &limits, ctx.now).await?;
    if let Some(wait) = limits.iter().zip(&counts).filter_map(|((l, _), n)| l.exceeded(*n, ctx.now)).max() {
        let mut r = page(429, &answer(&project, "Too many requests", "This page has had too many subscription requests just now. Please try again later."))?;
        let _ = r.headers_mut().set("retry-after", &wait.to_string());
        return Ok(r);
    }
    let sub = ctx.config.alerts.subscriptions().ok_or_else(|| AppError::NotFound(String::from("subscriptions")))?;
    let url = format!("{}/status/{}", sub.public_base_url, path_segment(&project.slug));
    let content = confirmation(&EmailPage { name: &project.name, url: &url });
    let payload = serde_json::json!({ "subject": content.subject, "text": content.text, "html": content.html, "category": content.category }).to_string();
    let monitors = (!monitors.is_empty()).then(|| serde_json::Value::from(monitors).to_string());
    let created = store::subscribe(&db, project.id, &email, &core::email_key(&email), monitors, &payload, ctx.now).await?;
    enqueue_sends(&ctx.env, created.into_iter().collect()).await?;
    page(200, &answer(&project, "Check your inbox", "If this address can receive email, a message with a confirmation link is on its way. Nothing is sent until the link is used; it works for 48 hours."))
}

/// The token of a link, checked against its subscriber; `Ok(None)` when the subscriber is gone.
async fn verified(ctx: &Ctx, project: &ProjectRow, token: &str, purpose: Purpose) -> Result<Result<Option<store::LinkSubscriber>, ()>, AppError> {
    let Ok(t) = Token::parse(token) else { return Ok(Err(())) };
    let Some(row) = store::by_id(&ctx.db()?, project.id, t.subscriber_id).await? else { return Ok(Ok(None)) };
    let secret = ctx.config.alerts.subscriptions().map(|s| s.secret.to_vec()).unwrap_or_default();
    let subject = Subject { project_id: project.id, subscriber_id: row.id, email_key: &row.email_key };
    Ok(match t.verify(&secret, purpose, &subject, ctx.now) {
        Ok(()) => Ok(Some(row)),
        Err(_) => Err(()),
    })
}

fn refused(project: &ProjectRow) -> Result<Response, AppError> {
    page(400, &answer(project, "This link is invalid or has expired", "Nothing was changed. To subscribe, use the form on the status page again."))
}

/// The token from the query string (`?t=`), or from a form body's `t`.
fn query_token(ctx: &Ctx) -> Result<String, AppError> {
    Ok(ctx.query(&["t"])?.text("t").unwrap_or("").to_string())
}

/// `GET /status/{slug}/confirm?t=`: a page with the confirm button (a mail scanner that opens
/// the link confirms nothing).
pub async fn confirm_page(ctx: Ctx) -> Result<Response, AppError> {
    let project = subscribable(&ctx).await?;
    let token = query_token(&ctx)?;
    match verified(&ctx, &project, &token, Purpose::Confirm).await? {
        Ok(Some(row)) => {
            let message = format!("Send email updates about {} to {}?", project.name, row.email);
            let form = AnswerForm { action: format!("/status/{}/confirm", path_segment(&project.slug)), button: "Confirm subscription", hidden: vec![("t", token.as_str())] };
            page(200, &Answer { form: Some(form), ..answer(&project, "Confirm your subscription", &message) })
        }
        _ => refused(&project),
    }
}

/// `POST /status/{slug}/confirm` (form `t`): confirms.
pub async fn confirm(mut ctx: Ctx) -> Result<Response, AppError> {
    let project = subscribable(&ctx).await?;
    let (_, body) = ctx.body(&[BodyType::Form]).await?;
    let form = parse_form(&body, &["t"], &[], &[])?;
    let token = form.get("t").and_then(|v| v.as_str()).unwrap_or("").to_string();
    match verified(&ctx, &project, &token, Purpose::Confirm).await? {
        Ok(Some(row)) => {
            store::confirm(&ctx.db()?, project.id, row.id, ctx.now).await?;
            page(200, &answer(&project, "You are subscribed", "You will get an email when an incident opens or resolves and when an update is posted. Every email has an unsubscribe link."))
        }
        _ => refused(&project),
    }
}

/// `GET /status/{slug}/unsubscribe?t=`: the link in the email body; a page with the button.
pub async fn unsubscribe_page(ctx: Ctx) -> Result<Response, AppError> {
    let project = subscribable(&ctx).await?;
    let token = query_token(&ctx)?;
    match verified(&ctx, &project, &token, Purpose::Unsubscribe).await? {
        Ok(Some(row)) => {
            let message = format!("Stop sending email updates about {} to {}?", project.name, row.email);
            let action = format!("/status/{}/unsubscribe?t={token}", path_segment(&project.slug));
            let form = AnswerForm { action, button: "Unsubscribe", hidden: vec![("List-Unsubscribe", "One-Click")] };
            page(200, &Answer { form: Some(form), ..answer(&project, "Unsubscribe", &message) })
        }
        Ok(None) => page(200, &answer(&project, "You are unsubscribed", "This address gets no more email from this status page.")),
        Err(()) => refused(&project),
    }
}

/// `POST /status/{slug}/unsubscribe?t=`: RFC 8058 one-click (body `List-Unsubscribe=One-Click`,
/// which mail clients send with no cookie or further step), and the page's button. Deletes the
/// subscriber, and with it every email still waiting for it. Repeating it changes nothing.
pub async fn unsubscribe(mut ctx: Ctx) -> Result<Response, AppError> {
    let project = subscribable(&ctx).await?;
    let token = query_token(&ctx)?;
    // The body is read (size and type checked) but says nothing more than "one click".
    let _ = ctx.body(&[BodyType::Form]).await?;
    match verified(&ctx, &project, &token, Purpose::Unsubscribe).await? {
        Ok(Some(row)) => {
            store::unsubscribe(&ctx.db()?, project.id, row.id).await?;
            page(200, &answer(&project, "You are unsubscribed", "This address gets no more email from this status page."))
        }
        Ok(None) => page(200, &answer(&project, "You are unsubscribed", "This address gets no more email from this status page.")),
        Err(()) => refused(&project),
    }
}

// ---------------------------------------------------------------------------------------
// The owner's API

#[derive(Serialize)]
struct SubscriberView {
    id: i64,
    project: i64,
    email: String,
    /// `null`: every monitor of the page.
    monitors: Option<Vec<i64>>,
    confirmed: bool,
    confirmed_at: Option<String>,
    created_at: String,
}

impl From<SubscriberRow> for SubscriberView {
    fn from(r: SubscriberRow) -> Self {
        Self { id: r.id, project: r.project_id, monitors: r.monitor_ids(), confirmed: r.confirmed_at.is_some(), email: r.email, confirmed_at: r.confirmed_at, created_at: r.created_at }
    }
}

#[derive(Serialize)]
struct SubscriberPage {
    counts: Counts,
    items: Vec<SubscriberView>,
    next_cursor: Option<String>,
}

/// `GET /api/projects/{id}/subscribers`: the counts, and the subscribers lowest id first.
pub async fn list(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    projects::owned(&db, user, id).await?.ok_or_else(|| AppError::NotFound(format!("project {id}")))?;
    let rows = store::list(&db, user, id, q.id("cursor")?.unwrap_or(0), limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    let counts = store::counts(&db, user, id).await?;
    json(200, &SubscriberPage { counts, items: rows.into_iter().map(SubscriberView::from).collect(), next_cursor })
}

/// `DELETE /api/subscribers/{id}`: the owner removes a subscriber (another owner's is a 404).
pub async fn remove(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    if !store::remove(&ctx.db()?, ctx.user_id()?, id).await? {
        return Err(AppError::NotFound(format!("subscriber {id}")));
    }
    Ok(Response::empty().context("empty response")?.with_status(204))
}

/// `GET /api/projects/{id}/subscriber-deliveries`: the subscriber emails' attempts, newest first.
pub async fn deliveries(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    projects::owned(&db, user, id).await?.ok_or_else(|| AppError::NotFound(format!("project {id}")))?;
    let rows: Vec<DeliveryRow> = store::deliveries(&db, user, id, q.id("cursor")?, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    json(200, &Page { items: rows, next_cursor })
}
