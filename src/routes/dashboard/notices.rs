//! Incident updates and notices in the dashboard (DESIGN.md §9, §10). Reads through the store,
//! scoped to the session's user; every write is the API's handler run through [`super::call`],
//! so a form gets the API's validation and its error next to the field.
use serde_json::Value;
use worker::{Method, Response};

use super::super::{notices as api, Ctx};
use super::monitors::project_names;
use super::{call, html, notice, query, redirect, refused};
use crate::core::dashboard::form::{to_json, FormState};
use crate::core::dashboard::html::Section;
use crate::core::dashboard::notices::{self as view, IncidentThread, NoticeLine, NoticeThread, UpdateLine};
use crate::core::input::FieldError;
use crate::core::status_page::public_cause;
use crate::core::time::parse_iso;
use crate::error::AppError;
use crate::store::notices::{self as store, UpdateRow};

type Params = Vec<(&'static str, String)>;

fn id_param(ctx: &Ctx) -> Result<(i64, Params), AppError> {
    let id = ctx.id("id")?;
    Ok((id, vec![("id", id.to_string())]))
}

fn lines(rows: &[UpdateRow]) -> Vec<UpdateLine<'_>> {
    rows.iter().map(|u| UpdateLine { id: u.id, status: u.status, message: &u.message, created_ms: u.created_ms, edited_ms: u.edited_ms }).collect()
}

/// A new update's form starts at the newest update's status (the usual next step is the same).
fn fresh_state(rows: &[UpdateRow]) -> FormState {
    FormState::from_pairs(&[("status", rows.first().map_or("investigating", |u| u.status.as_str()))])
}

// ---------------------------------------------------------------------------------------------
// An incident's page

async fn incident_html(ctx: &Ctx, id: i64, state: Option<FormState>, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let db = ctx.db()?;
    let i = store::incident_info(&db, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("incident {id}")))?;
    let rows = store::updates_of_incident(&db, id, None, 100).await?;
    let state = state.unwrap_or_else(|| fresh_state(&rows));
    let updates = lines(&rows);
    let v = IncidentThread {
        now_ms: ctx.now,
        id,
        monitor_id: i.monitor_id,
        monitor_name: &i.monitor_name,
        project_name: &i.project_name,
        project_slug: &i.project_slug,
        project_public: i.project_public != 0,
        opened_ms: parse_iso(&i.opened_at).unwrap_or(ctx.now),
        resolved_ms: i.resolved_at.as_deref().and_then(parse_iso),
        cause: public_cause(i.failure_kind, i.cause_http_status.and_then(|s| u16::try_from(s).ok())),
        updates: &updates,
        state: &state,
        notice: notice(&query(ctx)),
    };
    html(status, view::incident_page(&browser.chrome(Section::Monitors), &v))
}

/// `GET /app/incidents/{id}`.
pub async fn incident(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    incident_html(&ctx, id, None, 200).await
}

/// `POST /app/incidents/{id}/updates`: `POST /api/incidents/{id}/updates`.
pub async fn incident_post(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let form = &ctx.browser()?.form;
    let body = Value::Object(to_json(form, view::UPDATE_FIELDS));
    match call(&ctx, api::post_incident_update, Method::Post, &format!("/api/incidents/{id}/updates"), params, Some(body)).await {
        Ok(_) => Ok(redirect(&format!("/app/incidents/{id}?done=posted"))),
        Err(e) => {
            let state = refused(e, form)?;
            incident_html(&ctx, id, Some(state), 400).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Editing and deleting one update

/// The page an update belongs on.
fn back(u: &UpdateRow) -> String {
    match (u.incident_id, u.notice_id) {
        (Some(i), _) => format!("/app/incidents/{i}"),
        (None, Some(n)) => format!("/app/notices/{n}"),
        (None, None) => "/app/notices".to_string(),
    }
}

async fn owned_update(ctx: &Ctx, id: i64) -> Result<UpdateRow, AppError> {
    store::update_owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("incident update {id}")))
}

/// `GET /app/updates/{id}/edit`.
pub async fn update_edit(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let u = owned_update(&ctx, id).await?;
    let state = FormState::from_pairs(&[("status", u.status.as_str()), ("message", &u.message)]);
    html(200, view::edit_update_page(&ctx.browser()?.chrome(Section::Monitors), id, &back(&u), &state))
}

/// `POST /app/updates/{id}`: `PATCH /api/incident-updates/{id}`.
pub async fn update_save(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let u = owned_update(&ctx, id).await?;
    let form = &ctx.browser()?.form;
    let body = Value::Object(to_json(form, view::UPDATE_FIELDS));
    match call(&ctx, api::patch_update, Method::Patch, &format!("/api/incident-updates/{id}"), params, Some(body)).await {
        Ok(_) => Ok(redirect(&format!("{}?done=saved", back(&u)))),
        Err(e) => {
            let state = refused(e, form)?;
            html(400, view::edit_update_page(&ctx.browser()?.chrome(Section::Monitors), id, &back(&u), &state))
        }
    }
}

/// `POST /app/updates/{id}/delete`: `DELETE /api/incident-updates/{id}`.
pub async fn update_delete(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let u = owned_update(&ctx, id).await?;
    call(&ctx, api::delete_update, Method::Delete, &format!("/api/incident-updates/{id}"), params, None).await?;
    Ok(redirect(&format!("{}?done=deleted", back(&u))))
}

// ---------------------------------------------------------------------------------------------
// Notices

async fn notices_html(ctx: &Ctx, state: &FormState, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let db = ctx.db()?;
    let projects = project_names(ctx).await?;
    let mut rows = Vec::new();
    for (id, _) in &projects {
        rows.extend(store::notices_of_project(&db, *id, None, 50).await?);
    }
    rows.sort_by_key(|n| std::cmp::Reverse((n.resolved_ms.is_none(), n.created_ms)));
    let list: Vec<NoticeLine> = rows
        .iter()
        .map(|n| NoticeLine {
            id: n.id,
            title: &n.title,
            project: projects.iter().find(|(id, _)| *id == n.project_id).map_or("", |(_, name)| name.as_str()),
            status: n.status,
            open: n.resolved_ms.is_none(),
            created_ms: n.created_ms,
        })
        .collect();
    html(status, view::notices_page(&browser.chrome(Section::Notices), ctx.now, &list, state, &projects, notice(&query(ctx))))
}

/// `GET /app/notices`.
pub async fn notices(ctx: Ctx) -> Result<Response, AppError> {
    let mut state = FormState::from_pairs(&[("status", "investigating")]);
    if let [(only, _)] = project_names(&ctx).await?.as_slice() {
        state.set("project", only.to_string());
    }
    notices_html(&ctx, &state, 200).await
}

/// `POST /app/notices`: `POST /api/projects/{project}/notices` (the project is a form field
/// here, a path segment there).
pub async fn notice_create(ctx: Ctx) -> Result<Response, AppError> {
    let form = &ctx.browser()?.form;
    let project = form.get("project").and_then(|p| p.trim().parse::<i64>().ok()).filter(|p| *p > 0);
    let result = match project {
        None => Err(AppError::Invalid(FieldError::new("project", "choose a project"))),
        Some(p) => {
            let body = Value::Object(to_json(form, view::NOTICE_FIELDS));
            call(&ctx, api::create_notice, Method::Post, &format!("/api/projects/{p}/notices"), vec![("id", p.to_string())], Some(body)).await
        }
    };
    match result {
        Ok(r) => {
            let v = super::body_of(r).await?;
            Ok(redirect(&format!("/app/notices/{}?done=created", v["id"].as_i64().unwrap_or_default())))
        }
        // Another user's project id is the API's 404: shown as the project field's error.
        Err(AppError::NotFound(_)) => notices_html(&ctx, &FormState::from_form(form, FieldError::new("project", "choose one of your projects")), 400).await,
        Err(e) => {
            let state = refused(e, form)?;
            notices_html(&ctx, &state, 400).await
        }
    }
}

async fn notice_html(ctx: &Ctx, id: i64, state: Option<FormState>, title_state: Option<FormState>, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let db = ctx.db()?;
    let n = store::notice_owned(&db, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("notice {id}")))?;
    let projects = project_names(ctx).await?;
    let rows = store::updates_of_notices(&db, &[id], 100).await?;
    let state = state.unwrap_or_else(|| fresh_state(&rows));
    let title_state = title_state.unwrap_or_else(|| FormState::from_pairs(&[("title", &n.title)]));
    let updates = lines(&rows);
    let v = NoticeThread {
        now_ms: ctx.now,
        id,
        title: &n.title,
        project_name: projects.iter().find(|(p, _)| *p == n.project_id).map_or("", |(_, name)| name.as_str()),
        open: n.resolved_ms.is_none(),
        updates: &updates,
        state: &state,
        title_state: &title_state,
        notice: notice(&query(ctx)),
    };
    html(status, view::notice_page(&browser.chrome(Section::Notices), &v))
}

/// `GET /app/notices/{id}`.
pub async fn notice_detail(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    notice_html(&ctx, id, None, None, 200).await
}

/// `POST /app/notices/{id}`: `PATCH /api/notices/{id}` (the title).
pub async fn notice_rename(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let form = &ctx.browser()?.form;
    match call(&ctx, api::patch_notice, Method::Patch, &format!("/api/notices/{id}"), params, Some(Value::Object(to_json(form, view::TITLE_FIELDS)))).await {
        Ok(_) => Ok(redirect(&format!("/app/notices/{id}?done=saved"))),
        Err(e) => {
            let state = refused(e, form)?;
            notice_html(&ctx, id, None, Some(state), 400).await
        }
    }
}

/// `POST /app/notices/{id}/updates`: `POST /api/notices/{id}/updates`.
pub async fn notice_post(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let form = &ctx.browser()?.form;
    match call(&ctx, api::post_notice_update, Method::Post, &format!("/api/notices/{id}/updates"), params, Some(Value::Object(to_json(form, view::UPDATE_FIELDS)))).await {
        Ok(_) => Ok(redirect(&format!("/app/notices/{id}?done=posted"))),
        Err(e) => {
            let state = refused(e, form)?;
            notice_html(&ctx, id, Some(state), None, 400).await
        }
    }
}

/// `POST /app/notices/{id}/delete`: `DELETE /api/notices/{id}`.
pub async fn notice_delete(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    call(&ctx, api::delete_notice, Method::Delete, &format!("/api/notices/{id}"), params, None).await?;
    Ok(redirect("/app/notices?done=deleted"))
}
