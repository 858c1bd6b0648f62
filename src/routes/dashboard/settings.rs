//! Projects, alert endpoints, maintenance, tokens, export/import, account and users pages
//! (DESIGN.md §10). Reads through the store (scoped to the session's user); writes through the
//! API handlers via [`super::call`], so the forms answer exactly what the API would.
use serde_json::{json, Value};
use worker::{Method, Response};

use super::super::{accounts, endpoints as api_endpoints, projects as api_projects, subscribers as api_subscribers, transfer, Ctx};
use super::monitors::project_names;
use super::{body_of, call, html, notice, query, query_get, redirect, refused};
use crate::core::dashboard::form::{to_json, FormState};
use crate::core::dashboard::html::Section;
use crate::core::dashboard::settings::{self as view, DeliveryLine, EndpointDetail, EndpointLine, ProjectLine, SubscriberLine, TokenLine, UserLine, WindowLine};
use crate::core::time::iso;
use crate::error::AppError;
use crate::store::{accounts as store_accounts, deliveries, endpoints, monitors, projects, sessions, subscribers};

type Params = Vec<(&'static str, String)>;

fn id_param(ctx: &Ctx) -> Result<(i64, Params), AppError> {
    let id = ctx.id("id")?;
    Ok((id, vec![("id", id.to_string())]))
}

// ---------------------------------------------------------------------------------------------
// Projects

async fn projects_html(ctx: &Ctx, state: &FormState, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let rows = projects::list(&ctx.db()?, ctx.user_id()?, 0, 200).await?;
    let lines: Vec<ProjectLine> = rows.iter().map(|p| ProjectLine { id: p.id, name: &p.name, slug: &p.slug, public: p.public != 0 }).collect();
    html(status, view::projects_page(&browser.chrome(Section::Projects), &lines, state, notice(&query(ctx))))
}

pub async fn projects_list(ctx: Ctx) -> Result<Response, AppError> {
    projects_html(&ctx, &FormState::from_pairs(&[("public", "true")]), 200).await
}

pub async fn project_create(ctx: Ctx) -> Result<Response, AppError> {
    let form = &ctx.browser()?.form;
    match call(&ctx, api_projects::create, Method::Post, "/api/projects", vec![], Some(Value::Object(to_json(form, view::PROJECT_FIELDS)))).await {
        Ok(_) => Ok(redirect("/app/projects?done=created")),
        Err(e) => {
            let state = refused(e, form)?;
            projects_html(&ctx, &state, 400).await
        }
    }
}

pub async fn project_edit(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let id = ctx.id("id")?;
    let p = projects::owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("project {id}")))?;
    let state = FormState::from_pairs(&[
        ("name", &p.name),
        ("slug", &p.slug),
        ("public", if p.public != 0 { "true" } else { "false" }),
        ("custom_domain", p.custom_domain.as_deref().unwrap_or("")),
    ]);
    html(200, view::project_page(&browser.chrome(Section::Projects), id, &p.name, &state))
}

pub async fn project_update(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let (id, params) = id_param(&ctx)?;
    match call(&ctx, api_projects::patch, Method::Patch, &format!("/api/projects/{id}"), params, Some(Value::Object(to_json(&browser.form, view::PROJECT_FIELDS)))).await {
        Ok(_) => Ok(redirect("/app/projects?done=saved")),
        Err(e) => {
            let state = refused(e, &browser.form)?;
            let name = projects::owned(&ctx.db()?, ctx.user_id()?, id).await?.map(|p| p.name).unwrap_or_default();
            html(400, view::project_page(&browser.chrome(Section::Projects), id, &name, &state))
        }
    }
}

/// `GET /app/projects/{id}/subscribers`: the count and the list (the first 200).
pub async fn subscribers_list(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let id = ctx.id("id")?;
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    let p = projects::owned(&db, user, id).await?.ok_or_else(|| AppError::NotFound(format!("project {id}")))?;
    let rows = subscribers::list(&db, user, id, 0, 200).await?;
    let counts = subscribers::counts(&db, user, id).await?;
    let names = monitors::in_project(&db, id, 200).await?;
    let monitor_names = |ids: Option<Vec<i64>>| match ids {
        None => String::from("all"),
        Some(ids) => ids.iter().map(|m| names.iter().find(|n| n.id == *m).map_or_else(|| format!("#{m}"), |n| n.name.clone())).collect::<Vec<_>>().join(", "),
    };
    let lines: Vec<SubscriberLine> = rows
        .iter()
        .map(|r| SubscriberLine { id: r.id, email: &r.email, confirmed: r.confirmed_at.is_some(), monitors: monitor_names(r.monitor_ids()), created_at: &r.created_at })
        .collect();
    let enabled = ctx.config.alerts.subscriptions().is_some() && p.public != 0;
    html(200, view::subscribers_page(&browser.chrome(Section::Projects), id, &p.name, (counts.confirmed, counts.unconfirmed), enabled, &lines, notice(&query(&ctx))))
}

/// `POST /app/subscribers/{id}/delete`: runs `DELETE /api/subscribers/{id}`.
pub async fn subscriber_delete(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let project = subscribers::project_of(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("subscriber {id}")))?;
    call(&ctx, api_subscribers::remove, Method::Delete, &format!("/api/subscribers/{id}"), params, None).await?;
    Ok(redirect(&format!("/app/projects/{project}/subscribers?done=deleted")))
}

// ---------------------------------------------------------------------------------------------
// Notification endpoints

pub async fn endpoints_list(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let rows = endpoints::list(&ctx.db()?, ctx.user_id()?, None, 0, 200).await?;
    let names = project_names(&ctx).await?;
    let views = rows.iter().map(|r| r.view()).collect::<Result<Vec<_>, _>>()?;
    let lines: Vec<EndpointLine> = views
        .iter()
        .map(|v| EndpointLine {
            id: v.id,
            name: &v.name,
            kind: &v.kind,
            target: endpoint_target(v),
            project: names.iter().find(|(id, _)| *id == v.project).map(|(_, n)| n.as_str()).unwrap_or(""),
            is_active: v.is_active,
            disabled_reason: v.disabled_reason.as_deref(),
        })
        .collect();
    html(200, view::endpoints_page(&browser.chrome(Section::Endpoints), &lines, notice(&query(&ctx))))
}

/// What the endpoints list shows an endpoint posts to: its URL (redacted where it holds a
/// credential), its recipients, or its chat, topic or key holder.
fn endpoint_target(v: &crate::store::endpoints::EndpointView) -> String {
    let c = &v.config;
    let place = match (&c.chat_id, &c.topic, &c.user_key) {
        (Some(chat), _, _) => Some(format!("chat {chat}")),
        (_, Some(topic), _) => Some(format!("topic {topic}")),
        (_, _, Some(user)) => Some(format!("user {}…", user.chars().take(6).collect::<String>())),
        _ => None,
    };
    match (&v.url, &v.recipients, place) {
        (Some(url), _, Some(place)) => format!("{url} ({place})"),
        (Some(url), _, None) => url.clone(),
        (None, Some(r), _) => r.join(", "),
        (None, None, Some(place)) => place,
        (None, None, None) if v.kind == "pagerduty" => "Events API v2".to_string(),
        (None, None, None) => String::new(),
    }
}

pub async fn endpoint_new(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let projects = project_names(&ctx).await?;
    let mut state = FormState::from_pairs(&[("kind", "webhook"), ("events", "incident.opened,incident.resolved"), ("is_active", "true")]);
    if projects.len() == 1 {
        state.set("project", projects[0].0.to_string());
    }
    html(200, view::new_endpoint_page(&browser.chrome(Section::Endpoints), &state, &projects))
}

fn endpoint_state(v: &crate::store::endpoints::EndpointView) -> FormState {
    let mut s = FormState::default();
    s.set("name", v.name.clone());
    s.set("kind", v.kind.clone());
    // A URL that holds a credential comes back redacted: the form leaves it empty (kept)
    // rather than offering the redacted text for saving over the real one.
    let secret_url = crate::core::endpoint::Kind::parse(&v.kind).is_some_and(|k| k.secret_url());
    s.set("url", if secret_url { String::new() } else { v.url.clone().unwrap_or_default() });
    s.set("recipients", v.recipients.clone().unwrap_or_default().join(", "));
    s.set("provider", v.provider.clone().unwrap_or_default());
    s.set("chat_id", v.config.chat_id.clone().unwrap_or_default());
    s.set("message_thread_id", v.config.message_thread_id.map(|n| n.to_string()).unwrap_or_default());
    s.set("topic", v.config.topic.clone().unwrap_or_default());
    s.set("user_key", v.config.user_key.clone().unwrap_or_default());
    s.set("events", v.events.join(","));
    s.set("reminder_minutes", v.reminder_minutes.map(|m| m.to_string()).unwrap_or_default());
    s.set("is_active", v.is_active.to_string());
    s
}

/// The endpoint page: settings form, actions, deliveries. `secret` right after it was made.
async fn endpoint_html(ctx: &Ctx, id: i64, state: Option<FormState>, secret: Option<&str>, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let db = ctx.db()?;
    let row = endpoints::get_owned(&db, ctx.user_id()?, id).await?.ok_or_else(|| AppError::NotFound(format!("notification endpoint {id}")))?;
    let v = row.view()?;
    let state = state.unwrap_or_else(|| endpoint_state(&v));
    let rows = deliveries::list(&db, id, None, 50).await?;
    let lines: Vec<DeliveryLine> = rows
        .iter()
        .map(|d| DeliveryLine {
            at: &d.created_at,
            event: &d.event,
            recipient: d.recipient.as_deref(),
            attempt: d.attempt,
            outcome: &d.outcome,
            http_status: d.http_status,
            error: d.error.as_deref(),
            latency_ms: d.latency_ms,
        })
        .collect();
    let detail = EndpointDetail { id, name: &v.name, kind: &v.kind, state: &state, secret, deliveries: &lines, notice: notice(&query(ctx)) };
    html(status, view::endpoint_page(&browser.chrome(Section::Endpoints), &detail))
}

pub async fn endpoint_create(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let kind = browser.form.get("kind").unwrap_or("webhook");
    let body = view::endpoint_json(&browser.form, kind, true);
    match call(&ctx, api_endpoints::create, Method::Post, "/api/notification-endpoints", vec![], Some(Value::Object(body))).await {
        Ok(r) => {
            let v = body_of(r).await?;
            let id = v["id"].as_i64().unwrap_or_default();
            match v["secret"].as_str() {
                // The secret exists only in this answer: show it now, never via a redirect URL.
                Some(secret) => endpoint_html(&ctx, id, None, Some(secret), 201).await,
                None => Ok(redirect(&format!("/app/endpoints/{id}?done=created"))),
            }
        }
        Err(e) => {
            let state = refused(e, &browser.form)?;
            html(400, view::new_endpoint_page(&browser.chrome(Section::Endpoints), &state, &project_names(&ctx).await?))
        }
    }
}

pub async fn endpoint_detail(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    endpoint_html(&ctx, id, None, None, 200).await
}

pub async fn endpoint_update(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let (id, params) = id_param(&ctx)?;
    let kind = browser.form.get("kind").unwrap_or("webhook");
    let body = view::endpoint_json(&browser.form, kind, false);
    match call(&ctx, api_endpoints::patch, Method::Patch, &format!("/api/notification-endpoints/{id}"), params, Some(Value::Object(body))).await {
        Ok(_) => Ok(redirect(&format!("/app/endpoints/{id}?done=saved"))),
        Err(e) => {
            let state = refused(e, &browser.form)?;
            endpoint_html(&ctx, id, Some(state), None, 400).await
        }
    }
}

pub async fn endpoint_test(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    call(&ctx, api_endpoints::test, Method::Post, &format!("/api/notification-endpoints/{id}/test"), params, None).await?;
    Ok(redirect(&format!("/app/endpoints/{id}?done=test")))
}

pub async fn endpoint_rotate(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    let r = call(&ctx, api_endpoints::patch, Method::Patch, &format!("/api/notification-endpoints/{id}"), params, Some(json!({ "rotate_secret": true }))).await?;
    let v = body_of(r).await?;
    endpoint_html(&ctx, id, None, v["secret"].as_str(), 200).await
}

pub async fn endpoint_delete(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    call(&ctx, api_endpoints::delete, Method::Delete, &format!("/api/notification-endpoints/{id}"), params, None).await?;
    Ok(redirect("/app/endpoints?done=deleted"))
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows

async fn maintenance_html(ctx: &Ctx, state: &FormState, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let (db, user, now) = (ctx.db()?, ctx.user_id()?, ctx.now);
    let rows = projects::maintenance(&db, user, None, None, None, 100).await?;
    let projects = project_names(ctx).await?;
    let monitor_rows = monitors::list(&db, user, None, 0, 200).await?;
    let monitor_names: Vec<(i64, String)> = monitor_rows.iter().map(|m| (m.id, m.name.clone())).collect();
    let now_iso = iso(now);
    let lines: Vec<WindowLine> = rows
        .iter()
        .map(|w| {
            let project = projects.iter().find(|(id, _)| *id == w.project_id).map(|(_, n)| n.clone()).unwrap_or_default();
            let scope = match w.monitor_id.and_then(|m| monitor_names.iter().find(|(id, _)| *id == m)) {
                Some((_, name)) => format!("{name} ({project})"),
                None => project,
            };
            let when = if w.ends_at < now_iso { "Past" } else if w.starts_at <= now_iso { "Active" } else { "Upcoming" };
            WindowLine { id: w.id, title: &w.title, scope, starts_at: &w.starts_at, ends_at: &w.ends_at, when }
        })
        .collect();
    let page = view::maintenance_page(&browser.chrome(Section::Maintenance), &lines, state, &projects, &monitor_names, notice(&query(ctx)));
    html(status, page)
}

pub async fn maintenance_list(ctx: Ctx) -> Result<Response, AppError> {
    let mut state = FormState::default();
    if let [(only, _)] = project_names(&ctx).await?.as_slice() {
        state.set("project", only.to_string());
    }
    maintenance_html(&ctx, &state, 200).await
}

pub async fn maintenance_create(ctx: Ctx) -> Result<Response, AppError> {
    let form = &ctx.browser()?.form;
    match call(&ctx, api_projects::create_maintenance, Method::Post, "/api/maintenance-windows", vec![], Some(Value::Object(to_json(form, view::MAINTENANCE_FIELDS)))).await {
        Ok(_) => Ok(redirect("/app/maintenance?done=created")),
        Err(e) => {
            let state = refused(e, form)?;
            maintenance_html(&ctx, &state, 400).await
        }
    }
}

pub async fn maintenance_delete(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    call(&ctx, api_projects::delete_maintenance, Method::Delete, &format!("/api/maintenance-windows/{id}"), params, None).await?;
    Ok(redirect("/app/maintenance?done=deleted"))
}

// ---------------------------------------------------------------------------------------------
// API tokens

async fn tokens_html(ctx: &Ctx, state: &FormState, created: Option<&str>, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let rows = store_accounts::tokens(&ctx.db()?, ctx.user_id()?, 0, 200).await?;
    let lines: Vec<TokenLine> = rows
        .iter()
        .map(|t| TokenLine {
            id: t.id,
            name: &t.name,
            prefix: &t.prefix,
            scopes: crate::core::auth::Scopes::from_db(&t.scopes).list().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
            created_at: &t.created_at,
            last_used_at: t.last_used_at.as_deref(),
            expires_at: t.expires_at.as_deref(),
        })
        .collect();
    html(status, view::tokens_page(&browser.chrome(Section::Tokens), &lines, state, created, notice(&query(ctx))))
}

pub async fn tokens_list(ctx: Ctx) -> Result<Response, AppError> {
    tokens_html(&ctx, &FormState::from_pairs(&[("scopes", "read write")]), None, 200).await
}

pub async fn token_create(ctx: Ctx) -> Result<Response, AppError> {
    let form = &ctx.browser()?.form;
    match call(&ctx, accounts::create_token, Method::Post, "/api/tokens", vec![], Some(Value::Object(to_json(form, view::TOKEN_FIELDS)))).await {
        Ok(r) => {
            let v = body_of(r).await?;
            tokens_html(&ctx, &FormState::from_pairs(&[("scopes", "read write")]), v["token"].as_str(), 201).await
        }
        Err(e) => {
            let state = refused(e, form)?;
            tokens_html(&ctx, &state, None, 400).await
        }
    }
}

pub async fn token_revoke(ctx: Ctx) -> Result<Response, AppError> {
    let (id, params) = id_param(&ctx)?;
    call(&ctx, accounts::revoke_token, Method::Delete, &format!("/api/tokens/{id}"), params, None).await?;
    Ok(redirect("/app/tokens?done=revoked"))
}

// ---------------------------------------------------------------------------------------------
// Export and import

pub async fn data(ctx: Ctx) -> Result<Response, AppError> {
    html(200, view::data_page(&ctx.browser()?.chrome(Section::Data), None, None))
}

/// `GET /app/export?include_secrets=true`: `GET /api/export` as a download.
pub async fn export(ctx: Ctx) -> Result<Response, AppError> {
    let q = query(&ctx);
    let secrets = query_get(&q, "include_secrets") == Some("true");
    let mut r = call(&ctx, transfer::export, Method::Get, &format!("/api/export?include_secrets={secrets}"), vec![], None).await?;
    let _ = r.headers_mut().set("cache-control", "no-store");
    let _ = r.headers_mut().set("x-content-type-options", "nosniff");
    Ok(r)
}

/// `POST /app/import` (multipart: the file): `POST /api/import` with its content.
pub async fn import(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let chrome = browser.chrome(Section::Data);
    let text = browser.form.get("file").unwrap_or("").to_string();
    let rename = browser.form.get("rename_taken_slugs") == Some("true");
    let body: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return html(400, view::data_page(&chrome, Some(&format!("the file is not JSON: {e}")), None)),
    };
    match call(&ctx, transfer::import, Method::Post, &format!("/api/import?rename_taken_slugs={rename}"), vec![], Some(body)).await {
        Ok(r) => {
            let v = body_of(r).await?;
            // "projects: 1 created, 0 updated": the counts after the noun, so no "1 projects".
            let counts = |k: &str| format!("{}: {} created, {} updated", k.replace('_', " "), v[k]["created"], v[k]["updated"]);
            let counts = [counts("projects"), counts("monitors"), counts("notification_endpoints")].join("; ");
            let new_ping_urls: Vec<(String, String)> = v["heartbeats"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|line| line["ping_token"] == "new")
                .map(|line| (format!("{} / {}", line["project"].as_str().unwrap_or(""), line["monitor"].as_str().unwrap_or("")), line["ping_url"].as_str().unwrap_or("").to_string()))
                .collect();
            html(200, view::data_page(&chrome, None, Some(&view::ImportSummary { counts: &counts, new_ping_urls: &new_ping_urls })))
        }
        Err(AppError::Invalid(e) | AppError::Conflict(e)) => html(400, view::data_page(&chrome, Some(&e.to_string()), None)),
        Err(AppError::TooLarge(max)) => html(413, view::data_page(&chrome, Some(&format!("the file is larger than {max} bytes")), None)),
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Account and users

pub async fn account(ctx: Ctx) -> Result<Response, AppError> {
    html(200, view::account_page(&ctx.browser()?.chrome(Section::Account), &FormState::default(), notice(&query(&ctx))))
}

/// `POST /app/account/password`: `PATCH /api/me`; then every other session of the user ends.
pub async fn change_password(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    let mut body = serde_json::Map::new();
    body.insert("password".into(), Value::String(browser.form.get("password").unwrap_or("").to_string()));
    if let Some(current) = browser.form.get("current_password").filter(|c| !c.is_empty()) {
        body.insert("current_password".into(), Value::String(current.to_string()));
    }
    match call(&ctx, accounts::patch_me, Method::Patch, "/api/me", vec![], Some(Value::Object(body))).await {
        Ok(_) => {
            sessions::delete_others(&ctx.db()?, ctx.user_id()?, &browser.session_hash).await?;
            Ok(redirect("/app/account?done=password"))
        }
        Err(e) => {
            // Passwords are never echoed back into the form.
            let mut state = refused(e, &browser.form)?;
            state.values.clear();
            html(400, view::account_page(&browser.chrome(Section::Account), &state, None))
        }
    }
}

async fn users_html(ctx: &Ctx, state: &FormState, status: u16) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    if !browser.is_admin {
        return Err(AppError::NotFound("page /app/users".into()));
    }
    let rows = store_accounts::users(&ctx.db()?, 0, 200).await?;
    let lines: Vec<UserLine> = rows.iter().map(|u| UserLine { username: &u.username, is_admin: u.is_admin != 0, created_at: &u.created_at }).collect();
    html(status, view::users_page(&browser.chrome(Section::Users), &lines, state, notice(&query(ctx))))
}

/// `GET /app/users`: admins only (others get the same 404 as any page that is not theirs).
pub async fn users(ctx: Ctx) -> Result<Response, AppError> {
    users_html(&ctx, &FormState::default(), 200).await
}

pub async fn user_create(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    if !browser.is_admin {
        return Err(AppError::NotFound("page /app/users".into()));
    }
    match call(&ctx, accounts::create_user, Method::Post, "/api/users", vec![], Some(Value::Object(to_json(&browser.form, view::USER_FIELDS)))).await {
        Ok(_) => Ok(redirect("/app/users?done=created")),
        Err(e) => {
            let mut state = refused(e, &browser.form)?;
            state.values.remove("password");
            users_html(&ctx, &state, 400).await
        }
    }
}
