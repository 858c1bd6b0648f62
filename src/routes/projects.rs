//! Projects (the tenant containers), their maintenance windows, and the dashboard summary.
use serde::Serialize;
use worker::Response;

use super::{json, next_cursor, Ctx, Page};
use crate::core::input::FieldError;
use crate::core::project::{MaintenanceSpec, ProjectSpec};
use crate::error::{AppError, Context};
use crate::store::incidents::{self, IncidentFilter, IncidentRow};
use crate::store::monitors;
use crate::store::projects::{self, ProjectView, Summary};

fn project_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("project {id}"))
}

pub async fn list(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let rows = projects::list(&ctx.db()?, ctx.user_id()?, q.id("cursor")?.unwrap_or(0), limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    json(200, &Page { items: rows.into_iter().map(ProjectView::from).collect(), next_cursor })
}

pub async fn create(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let spec = ProjectSpec::create(&body)?;
    let row = projects::insert(&ctx.db()?, ctx.user_id()?, &spec, ctx.now).await?;
    let mut response = json(201, &ProjectView::from(row.clone()))?;
    let _ = response.headers_mut().set("location", &format!("/api/projects/{}", row.id));
    Ok(response)
}

pub async fn get(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let row = projects::owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| project_not_found(id))?;
    json(200, &ProjectView::from(row))
}

pub async fn patch(mut ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    let row = projects::owned(&db, user, id).await?.ok_or_else(|| project_not_found(id))?;
    let spec = row.spec().patch(&body)?;
    let row = projects::update(&db, user, id, &spec).await?.ok_or_else(|| project_not_found(id))?;
    json(200, &ProjectView::from(row))
}

/// Deletes the project with everything in it (monitors, history, endpoints, windows).
pub async fn delete(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    if !projects::delete(&ctx.db()?, ctx.user_id()?, id).await? {
        return Err(project_not_found(id));
    }
    Ok(Response::empty().context("empty response")?.with_status(204))
}

pub async fn list_maintenance(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["project", "current", "limit", "cursor"])?;
    let current = match q.text("current") {
        None | Some("false") => None,
        Some("true") => Some(ctx.now),
        Some(_) => return Err(FieldError::new("current", "must be true or false").into()),
    };
    let limit = q.limit()?;
    let rows = projects::maintenance(&ctx.db()?, ctx.user_id()?, q.id("project")?, current, q.id("cursor")?, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    json(200, &Page { items: rows, next_cursor })
}

pub async fn create_maintenance(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let spec = MaintenanceSpec::create(&body)?;
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    // A monitor decides the project; a project given as well must be the same one.
    let project = match spec.monitor_id {
        Some(m) => {
            let monitor = monitors::get_owned(&db, user, m).await?.ok_or_else(|| FieldError::new("monitor", format!("no monitor {m} of yours")))?;
            if spec.project_id.is_some_and(|p| p != monitor.project_id) {
                return Err(FieldError::new("project", format!("monitor {m} is in project {}", monitor.project_id)).into());
            }
            monitor.project_id
        }
        None => {
            let p = spec.project_id.unwrap_or_default();
            projects::owned(&db, user, p).await?.ok_or_else(|| FieldError::new("project", format!("no project {p} of yours")))?.id
        }
    };
    let row = projects::insert_maintenance(&db, project, &spec, ctx.now).await?;
    json(201, &row)
}

pub async fn delete_maintenance(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    if !projects::delete_maintenance(&ctx.db()?, ctx.user_id()?, id).await? {
        return Err(AppError::NotFound(format!("maintenance window {id}")));
    }
    Ok(Response::empty().context("empty response")?.with_status(204))
}

/// `GET /api/dashboard/summary`: monitors by state, open incidents, uptime of the last 24 h.
pub async fn summary(ctx: Ctx) -> Result<Response, AppError> {
    #[derive(Serialize)]
    struct Dashboard {
        #[serde(flatten)]
        counts: Summary,
        /// Share of checks in the last 24 h that were UP, in percent; null with no checks.
        uptime_24h: Option<f64>,
        open_incidents_list: Vec<IncidentRow>,
    }
    ctx.query(&[])?;
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    let counts = projects::summary(&db, user, ctx.now - 86_400_000).await?;
    let uptime_24h = (counts.checks_24h > 0).then(|| (counts.up_checks_24h as f64 * 10_000.0 / counts.checks_24h as f64).round() / 100.0);
    let filter = IncidentFilter { owner: user, open: Some(true), limit: 20, ..Default::default() };
    let open_incidents_list = incidents::list(&db, &filter).await?;
    json(200, &Dashboard { counts, uptime_24h, open_incidents_list })
}
