//! Incident updates and notices (DESIGN.md §9): what operators say on the status page.
//!
//! - `GET|POST /api/incidents/{id}/updates`: an incident's updates (newest first) / post one.
//! - `PATCH|DELETE /api/incident-updates/{id}`: edit or delete any update (of an incident or a
//!   notice).
//! - `GET|POST /api/projects/{id}/notices`: a project's notices with their updates / open one
//!   (`{title, status, message}`: the title and its first update).
//! - `GET|PATCH|DELETE /api/notices/{id}`: one notice / rename it (`{title}`) / delete it with
//!   its updates.
//! - `GET|POST /api/notices/{id}/updates`: a notice's updates / post one.
//!
//! Tenants as everywhere (DESIGN.md §7): another user's incident, notice, update or project is
//! the same 404 as a missing one.
use worker::Response;

use super::{json, next_cursor, Ctx, Page};
use crate::core::notice::{NoticeSpec, UpdateSpec};
use crate::error::{AppError, Context};
use crate::store::notices::{self, NoticeRow, NoticeView, Target, UpdateRow, UpdateView};
use crate::store::projects;

fn created(body: &impl serde::Serialize, location: String) -> Result<Response, AppError> {
    let mut response = json(201, body)?;
    let _ = response.headers_mut().set("location", &location);
    Ok(response)
}

/// Hands the update just written to the status page subscribers' fan-out. The update is
/// written already: a failure here is logged, and the cron sends the outbox row after
/// `HANDOFF_GRACE_SECONDS` (DESIGN.md §6).
async fn tell_subscribers(ctx: &Ctx, db: &worker::D1Database) {
    if let Err(e) = crate::alerts::subscribers::enqueue_events(&ctx.env, db, ctx.now).await {
        worker::console_error!("enqueueing subscriber events: {e:?}");
    }
}

fn list_page(rows: &[UpdateRow], limit: u32) -> Page<UpdateView> {
    Page { items: rows.iter().map(UpdateView::from).collect(), next_cursor: next_cursor(rows, limit, |r| r.id.to_string()) }
}

async fn incident_project(ctx: &Ctx, id: i64) -> Result<i64, AppError> {
    notices::incident_project(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("incident {id}")))
}

async fn owned_notice(ctx: &Ctx, id: i64) -> Result<NoticeRow, AppError> {
    notices::notice_owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("notice {id}")))
}

async fn owned_update(ctx: &Ctx, id: i64) -> Result<UpdateRow, AppError> {
    notices::update_owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("incident update {id}")))
}

/// `GET /api/incidents/{id}/updates`: newest first.
pub async fn incident_updates(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    incident_project(&ctx, id).await?;
    let rows = notices::updates_of_incident(&ctx.db()?, id, q.id("cursor")?, limit).await?;
    json(200, &list_page(&rows, limit))
}

/// `POST /api/incidents/{id}/updates` with `{status, message}`.
pub async fn post_incident_update(mut ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let project = incident_project(&ctx, id).await?;
    let spec = UpdateSpec::create(&body)?;
    let db = ctx.db()?;
    let row = notices::post_update(&db, project, Target::Incident(id), &spec, ctx.now).await?;
    tell_subscribers(&ctx, &db).await;
    created(&UpdateView::from(&row), format!("/api/incident-updates/{}", row.id))
}

/// `PATCH /api/incident-updates/{id}` with `{status?, message?}`.
pub async fn patch_update(mut ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let row = owned_update(&ctx, id).await?;
    let spec = UpdateSpec { status: row.status, message: row.message.clone() }.patch(&body)?;
    let row = notices::edit_update(&ctx.db()?, &row, &spec, ctx.now).await?;
    json(200, &UpdateView::from(&row))
}

/// `DELETE /api/incident-updates/{id}`.
pub async fn delete_update(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let row = owned_update(&ctx, id).await?;
    notices::delete_update(&ctx.db()?, &row).await?;
    Ok(Response::empty().context("empty response")?.with_status(204))
}

/// Updates listed per notice: a notice with more than this shows its newest ones.
const UPDATES_PER_NOTICE: u32 = 50;

/// `GET /api/projects/{id}/notices`: newest first, each with its updates.
pub async fn list_notices(ctx: Ctx) -> Result<Response, AppError> {
    let project = ctx.id("id")?;
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let db = ctx.db()?;
    projects::owned(&db, ctx.user_id()?, project).await?.ok_or_else(|| AppError::NotFound(format!("project {project}")))?;
    let rows = notices::notices_of_project(&db, project, q.id("cursor")?, limit).await?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let updates = notices::updates_of_notices(&db, &ids, UPDATES_PER_NOTICE * limit).await?;
    let next = next_cursor(&rows, limit, |r| r.id.to_string());
    json(200, &Page { items: rows.iter().map(|n| NoticeView::of(n, &updates)).collect(), next_cursor: next })
}

/// `POST /api/projects/{id}/notices` with `{title, status, message}`.
pub async fn create_notice(mut ctx: Ctx) -> Result<Response, AppError> {
    let project = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let db = ctx.db()?;
    projects::owned(&db, ctx.user_id()?, project).await?.ok_or_else(|| AppError::NotFound(format!("project {project}")))?;
    let spec = NoticeSpec::create(&body)?;
    let (notice, first) = notices::open_notice(&db, project, &spec, ctx.now).await?;
    tell_subscribers(&ctx, &db).await;
    created(&NoticeView::of(&notice, &[first]), format!("/api/notices/{}", notice.id))
}

async fn notice_view(ctx: &Ctx, n: &NoticeRow) -> Result<NoticeView, AppError> {
    let updates = notices::updates_of_notices(&ctx.db()?, &[n.id], UPDATES_PER_NOTICE).await?;
    Ok(NoticeView::of(n, &updates))
}

/// `GET /api/notices/{id}`.
pub async fn get_notice(ctx: Ctx) -> Result<Response, AppError> {
    let n = owned_notice(&ctx, ctx.id("id")?).await?;
    json(200, &notice_view(&ctx, &n).await?)
}

/// `PATCH /api/notices/{id}` with `{title}`.
pub async fn patch_notice(mut ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let n = owned_notice(&ctx, id).await?;
    let title = NoticeSpec::patch_title(&body)?;
    let n = notices::rename_notice(&ctx.db()?, &n, &title).await?;
    json(200, &notice_view(&ctx, &n).await?)
}

/// `DELETE /api/notices/{id}`: the notice and its updates.
pub async fn delete_notice(ctx: Ctx) -> Result<Response, AppError> {
    let n = owned_notice(&ctx, ctx.id("id")?).await?;
    notices::delete_notice(&ctx.db()?, &n).await?;
    Ok(Response::empty().context("empty response")?.with_status(204))
}

/// `GET /api/notices/{id}/updates`: newest first.
pub async fn notice_updates(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["limit"])?;
    let limit = q.limit()?;
    let n = owned_notice(&ctx, ctx.id("id")?).await?;
    let rows = notices::updates_of_notices(&ctx.db()?, &[n.id], limit).await?;
    json(200, &Page { items: rows.iter().map(UpdateView::from).collect::<Vec<_>>(), next_cursor: None })
}

/// `POST /api/notices/{id}/updates` with `{status, message}`.
pub async fn post_notice_update(mut ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let n = owned_notice(&ctx, id).await?;
    let spec = UpdateSpec::create(&body)?;
    let db = ctx.db()?;
    let row = notices::post_update(&db, n.project_id, Target::Notice(n.id), &spec, ctx.now).await?;
    tell_subscribers(&ctx, &db).await;
    created(&UpdateView::from(&row), format!("/api/incident-updates/{}", row.id))
}
