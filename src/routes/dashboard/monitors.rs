//! The overview and the monitor pages (DESIGN.md §10). Reads use the store directly, scoped to
//! the session's user; every write is the JSON API's handler run through [`super::call`].
use std::collections::BTreeMap;

use serde_json::{json, Value};
use worker::{Method, Response};

use super::super::{api, Ctx};
use super::{body_of, call, html, notice, query, query_get, redirect, refused};
use crate::core::dashboard::form::{to_json, FormState};
use crate::core::dashboard::html::Section;
use crate::core::dashboard::monitor::{self as view, CheckLine, Detail, HeartbeatInfo, IncidentLine, PingLine};
use crate::core::dashboard::overview::{self, Filter, Row, State, BIN_SECONDS, MAX_MONITORS, STRIP_BINS};
use crate::core::schedule::{check_id, parse_check_id};
use crate::core::status::CheckStatus;
use crate::core::time::parse_iso;
use crate::core::uptime::{hour_start, HOUR_MS};
use crate::error::AppError;
use crate::store::checks::{self, CheckFilter};
use crate::store::incidents::{self, IncidentFilter};
use crate::store::{monitors, overview as store, projects, rollups};

/// The monitor model's defaults, for the form's hints (a failure is our bug: a 500).
fn defaults() -> Result<crate::core::monitor::MonitorSpec, AppError> {
    view::defaults().map_err(|e| AppError::Internal(format!("monitor defaults: {e}")))
}

/// Checks per page on the detail page.
const CHECKS_PAGE: u32 = 25;

/// (id, name) of the user's projects.
pub(super) async fn project_names(ctx: &Ctx) -> Result<Vec<(i64, String)>, AppError> {
    let rows = projects::list(&ctx.db()?, ctx.user_id()?, 0, 200).await?;
    Ok(rows.into_iter().map(|p| (p.id, p.name)).collect())
}

/// `GET /app?project=&state=`: four queries (projects, monitors, strip bins, rolled-up hours)
/// plus the session's, whatever the number of monitors.
pub async fn overview(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let rows_before = crate::store::rows_read();
    let q = query(&ctx);
    let filter = Filter { project: query_get(&q, "project").and_then(|p| p.parse().ok()), state: query_get(&q, "state").and_then(State::parse) };
    let (db, user, now) = (ctx.db()?, ctx.user_id()?, ctx.now);
    let projects = project_names(&ctx).await?;
    let mut lines = store::monitors(&db, user, filter.project, MAX_MONITORS + 1).await?;
    let truncated = lines.len() > MAX_MONITORS as usize;
    lines.truncate(MAX_MONITORS as usize);
    let ids: Vec<i64> = lines.iter().map(|m| m.id).collect();
    // Bins end after the current 5-minute bin, so hour boundaries fall on bin boundaries.
    let to_s = now.div_euclid(1000).div_euclid(BIN_SECONDS) * BIN_SECONDS + BIN_SECONDS;
    let from_s = to_s - STRIP_BINS as i64 * BIN_SECONDS;
    let day_from = hour_start(now) - 23 * HOUR_MS;
    let (mut checks, mut hours) = (BTreeMap::new(), BTreeMap::new());
    if !ids.is_empty() {
        for (m, c) in store::checks(&db, &ids, from_s, to_s).await? {
            checks.entry(m).or_insert_with(Vec::new).push((c.slot, c.status, c.slow));
        }
        for h in store::rolled_hours(&db, &ids, day_from).await? {
            hours.insert(h.m, h);
        }
    }
    let rows: Vec<Row> = lines
        .iter()
        .map(|m| {
            let (mut up, mut n) = hours.get(&m.id).map_or((0, 0), |h| (h.up, h.n));
            let bins = overview::bins_of(checks.remove(&m.id).unwrap_or_default(), from_s);
            let mut strip = [None; STRIP_BINS];
            for (i, b) in bins.iter().enumerate() {
                let Some(b) = b else { continue };
                strip[i] = Some(b.worst);
                // Checks after the rolled-up hours count toward the 24 h uptime too.
                if (from_s + i as i64 * BIN_SECONDS) * 1000 >= m.rolled_up_until_ms.max(day_from) {
                    up += b.up;
                    n += b.n;
                }
            }
            let interval = m.freshness_interval;
            overview::fill(&mut strip, interval);
            Row {
                id: m.id,
                name: &m.name,
                project_id: m.project_id,
                is_active: m.is_active != 0,
                status: m.status.as_deref().and_then(CheckStatus::parse),
                slow: m.slow != 0,
                last_checked_ms: m.last_checked_at.as_deref().and_then(parse_iso),
                interval_seconds: interval,
                incident_open: m.incident_open != 0,
                latency_ms: m.latency_ms.map(|l| l.clamp(0, i64::from(u32::MAX)) as u32),
                bins: strip,
                uptime_24h: (n > 0).then(|| up as f64 / n as f64),
            }
        })
        .collect();
    let page = overview::render(&browser.chrome(Section::Monitors), overview::Input { now_ms: now, rows, projects: &projects, filter, truncated, notice: notice(&q) });
    let mut r = html(200, page)?;
    // The benchmark's "D1 rows read per view" (the session lookup before this adds 2: one
    // sessions row and one users row, both by primary key).
    let _ = r.headers_mut().set("x-vigil-d1-rows-read", &(crate::store::rows_read() - rows_before).to_string());
    Ok(r)
}

/// `GET /app/monitors/new?project=`.
pub async fn new_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let q = query(&ctx);
    let projects = project_names(&ctx).await?;
    let project = query_get(&q, "project").and_then(|p| p.parse().ok()).or_else(|| (projects.len() == 1).then(|| projects[0].0));
    let d = defaults()?;
    html(200, view::form_page(&browser.chrome(Section::Monitors), &d, None, &view::new_state(&d, project), &projects))
}

/// `POST /app/monitors`: `POST /api/monitors` with the form's fields.
pub async fn create_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let body = Value::Object(to_json(&browser.form, view::FIELDS));
    match call(&ctx, api::create_monitor, Method::Post, "/api/monitors", vec![], Some(body)).await {
        Ok(r) => {
            let id = body_of(r).await?["id"].as_i64().unwrap_or_default();
            Ok(redirect(&format!("/app/monitors/{id}?done=created")))
        }
        Err(e) => {
            let state = refused(e, &browser.form)?;
            html(400, view::form_page(&browser.chrome(Section::Monitors), &defaults()?, None, &state, &project_names(&ctx).await?))
        }
    }
}

async fn owned(ctx: &Ctx) -> Result<monitors::MonitorRow, AppError> {
    let id = ctx.id("id")?;
    monitors::get_owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("monitor {id}")))
}

/// `GET /app/monitors/:id?before=<check id>`.
pub async fn detail(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let row = owned(&ctx).await?;
    let spec = row.spec()?;
    let (db, user, now) = (ctx.db()?, ctx.user_id()?, ctx.now);
    let q = query(&ctx);
    let before = query_get(&q, "before").and_then(parse_check_id).filter(|(m, _)| *m == row.id).map(|(m, s)| (s, m));
    let project = projects::owned(&db, user, row.project_id).await?.map(|p| p.name).unwrap_or_default();
    let raw = rollups::raw_checks(&db, &[row.id], now - 4 * HOUR_MS, now + 1).await?;
    let latency: Vec<(i64, u32)> = raw.iter().filter_map(|(_, c)| Some((c.at_ms, c.latency_ms?))).collect();
    let filter = CheckFilter { owner: user, monitor: Some(row.id), before, limit: CHECKS_PAGE, ..Default::default() };
    let rows = checks::list(&db, &filter).await?;
    let older = super::super::next_cursor(&rows, CHECKS_PAGE, |r| check_id(r.monitor_id, r.slot));
    let lines: Vec<CheckLine> = rows
        .iter()
        .map(|c| CheckLine {
            at: &c.started_at,
            at_ms: parse_iso(&c.started_at).unwrap_or_default(),
            kind: &c.kind,
            status: &c.status,
            http_status: c.http_status,
            latency_ms: c.latency_ms,
            attempts: c.attempts,
            failure: c.failure_type.as_deref(),
        })
        .collect();
    let incidents = incidents::list(&db, &IncidentFilter { owner: user, monitor: Some(row.id), limit: 10, ..Default::default() }).await?;
    let incident_lines: Vec<IncidentLine> = incidents
        .iter()
        .filter_map(|i| Some(IncidentLine { id: i.id, opened_ms: parse_iso(&i.opened_at)?, resolved_ms: i.resolved_at.as_deref().and_then(parse_iso), cause: &i.cause }))
        .collect();
    let hb_view = api::heartbeat_view(&db, &row).await?;
    let ping_url = api::ping_url(&ctx, &row)?.unwrap_or_default();
    let hb_state = crate::core::heartbeat::State::parse(row.heartbeat_state.as_deref());
    let pings = match &hb_view {
        Some(hb) => hb.pings.iter().map(|p| PingLine {
            at_ms: parse_iso(&p.received_at).unwrap_or_default(),
            kind: &p.kind,
            exit_status: p.exit_status,
            rid: p.rid.as_deref(),
            duration_ms: p.duration_ms,
            body: p.body.as_deref(),
        }).collect(),
        None => Vec::new(),
    };
    let heartbeat = hb_view.as_ref().map(|_| HeartbeatInfo {
        ping_url: &ping_url,
        deadline_ms: row.deadline_ms,
        last_ping_ms: hb_state.last_ping_ms,
        last_duration_ms: hb_state.last_duration_ms,
        open_runs: hb_state.runs.len(),
        pings: &pings,
    });
    let v = Detail {
        heartbeat,
        now_ms: now,
        id: row.id,
        spec: &spec,
        project_name: &project,
        status: row.status.as_deref().and_then(CheckStatus::parse),
        slow: row.slow != 0,
        incident_open: row.incident_open != 0,
        last_checked_ms: row.last_checked_at.as_deref().and_then(parse_iso),
        latency: &latency,
        checks: &lines,
        older: older.as_deref(),
        paged: before.is_some(),
        incidents: &incident_lines,
        notice: notice(&q),
    };
    html(200, view::detail_page(&browser.chrome(Section::Monitors), &v))
}

/// `GET /app/monitors/:id/edit`.
pub async fn edit_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let row = owned(&ctx).await?;
    let state = view::state_of(&row.spec()?);
    html(200, view::form_page(&browser.chrome(Section::Monitors), &defaults()?, Some((row.id, &row.name)), &state, &project_names(&ctx).await?))
}

async fn patch(ctx: &Ctx, id: i64, body: Value) -> Result<Response, AppError> {
    call(ctx, api::patch_monitor, Method::Patch, &format!("/api/monitors/{id}"), vec![("id", id.to_string())], Some(body)).await
}

/// `POST /app/monitors/:id`: `PATCH /api/monitors/{id}` with every field of the form.
pub async fn update_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let id = ctx.id("id")?;
    let body = Value::Object(to_json(&browser.form, view::FIELDS));
    match patch(&ctx, id, body).await {
        Ok(_) => Ok(redirect(&format!("/app/monitors/{id}?done=saved"))),
        Err(e) => {
            let state: FormState = refused(e, &browser.form)?;
            let row = owned(&ctx).await?;
            html(400, view::form_page(&browser.chrome(Section::Monitors), &defaults()?, Some((id, &row.name)), &state, &project_names(&ctx).await?))
        }
    }
}

pub async fn pause(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    patch(&ctx, id, json!({ "is_active": false })).await?;
    Ok(redirect(&format!("/app/monitors/{id}?done=paused")))
}

pub async fn resume(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    patch(&ctx, id, json!({ "is_active": true })).await?;
    Ok(redirect(&format!("/app/monitors/{id}?done=resumed")))
}

/// `POST /app/monitors/:id/run`: `POST /api/monitors/{id}/run`.
pub async fn run_now(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    call(&ctx, api::run_monitor, Method::Post, &format!("/api/monitors/{id}/run"), vec![("id", id.to_string())], None).await?;
    Ok(redirect(&format!("/app/monitors/{id}?done=queued")))
}

/// `GET /app/monitors/:id/delete`: the confirmation page (works without JavaScript).
pub async fn delete_confirm(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let row = owned(&ctx).await?;
    html(200, view::delete_page(&browser.chrome(Section::Monitors), row.id, &row.name))
}

pub async fn delete_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    call(&ctx, api::delete_monitor, Method::Delete, &format!("/api/monitors/{id}"), vec![("id", id.to_string())], None).await?;
    Ok(redirect("/app?done=deleted"))
}
