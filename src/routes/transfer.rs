//! `GET /api/export` and `POST /api/import`: the caller's whole configuration (projects, their
//! monitors and notification endpoints; signing secrets, credentials and heartbeat ping tokens
//! only with `include_secrets=true`) as one JSON document that round-trips. Import is
//! idempotent: projects match by slug, monitors and endpoints by name within their project;
//! it is validated whole before anything is written, then written in one D1 batch. Its report
//! lists every heartbeat monitor's ping URL, and says which ones are new: a job that still pings
//! an old URL would otherwise leave its monitor waiting for a first ping forever (DESIGN.md §7).
use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::{json as j, Map, Value};
use worker::Response;

use super::{json, Ctx};
use crate::core::endpoint::{self, EndpointSpec, Kind};
use crate::core::input::{self, BodyType, FieldError};
use crate::core::sites_yaml;
use crate::core::webhook;
use crate::core::monitor::{MonitorSpec, MonitorType};
use crate::core::project::{slugify, validate_slug, ProjectSpec, SLUG_MAX};
use crate::core::time::iso;
use crate::error::AppError;
use crate::store::{endpoints, monitors, projects};

pub const FORMAT_VERSION: u64 = 1;
/// One import is one D1 batch; these keep it well inside D1's per-batch limits.
const MAX_PROJECTS: usize = 50;
const MAX_MONITORS: usize = 300;
const MAX_ENDPOINTS_PER_PROJECT: usize = 50;

pub async fn export(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["include_secrets"])?;
    let include_secrets = match q.text("include_secrets") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(FieldError::new("include_secrets", "must be true or false").into()),
    };
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = projects::list(&db, user, after, 200).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for p in page {
            let mut monitors_out = Vec::new();
            let mut after_m = 0;
            loop {
                let rows = monitors::list(&db, user, Some(p.id), after_m, 200).await?;
                let Some(last) = rows.last() else { break };
                after_m = last.id;
                for row in &rows {
                    let mut value = serde_json::to_value(row.spec()?).context_json()?;
                    if let Value::Object(map) = &mut value {
                        map.remove("project");
                        // A ping token is the credential of a job's ping URL: moved with the
                        // other secrets, so the jobs keep working on an instance that keeps
                        // the URL's host.
                        if let (true, Some(token)) = (include_secrets, row.ping_token.as_ref().filter(|_| row.monitor_type == "heartbeat")) {
                            map.insert("ping_token".into(), Value::String(token.clone()));
                        }
                    }
                    monitors_out.push(value);
                }
            }
            let mut endpoints_out = Vec::new();
            let mut after_e = 0;
            loop {
                let rows = endpoints::list(&db, user, Some(p.id), after_e, 200).await?;
                let Some(last) = rows.last() else { break };
                after_e = last.id;
                for row in &rows {
                    let spec = row.spec()?;
                    let mut value = serde_json::to_value(&spec).context_json()?;
                    if let Value::Object(map) = &mut value {
                        map.remove("project");
                        // Secrets leave only when asked for (to move endpoints without
                        // re-configuring every receiver): signing secrets, credentials under
                        // their own field, and URLs that are credentials.
                        if spec.kind.secret_url() && !include_secrets {
                            map.remove("url");
                        }
                        if let (true, Some(secret)) = (include_secrets, &row.secret) {
                            let field = spec.kind.credential_field().unwrap_or("secret");
                            map.insert(field.into(), Value::String(secret.clone()));
                        }
                        // Documents route by monitor name: ids differ between accounts.
                        if let Some(ids) = &spec.monitors {
                            map.insert("monitors".into(), j!(endpoints::monitor_names(&db, ids).await?));
                        }
                    }
                    endpoints_out.push(value);
                }
            }
            out.push(j!({
                "name": p.name, "slug": p.slug, "public": p.public != 0,
                "monitors": monitors_out,
                "notification_endpoints": endpoints_out,
            }));
        }
    }
    let doc = j!({ "vigil_export": FORMAT_VERSION, "exported_at": iso(ctx.now), "projects": out });
    let mut response = json(200, &doc)?;
    let _ = response.headers_mut().set("content-disposition", "attachment; filename=\"vigil-export.json\"");
    Ok(response)
}

/// One project of an import document, validated.
struct ProjectPlan {
    spec: ProjectSpec,
    monitors: Vec<MonitorPlan>,
    endpoints: Vec<EndpointPlan>,
}

/// One monitor of an import document.
struct MonitorPlan {
    spec: MonitorSpec,
    /// A heartbeat monitor's ping token, as exported with `include_secrets=true`.
    ping_token: Option<String>,
    /// `projects[i].monitors[k]`, for errors found while planning the writes.
    path: String,
}

/// One endpoint of an import document.
struct EndpointPlan {
    spec: EndpointSpec,
    /// The webhook signing secret or chat/pager credential the document carried, if any.
    secret: Option<String>,
    /// A required secret field the document left out (exported without secrets): fine for an
    /// endpoint that exists (its stored value stays), refused for a new one.
    missing: Option<&'static str>,
    /// Routing by monitor name; `None` = all monitors.
    monitor_names: Option<Vec<String>>,
    /// `projects[i].notification_endpoints[k]`, for errors found while planning the writes.
    path: String,
}

#[derive(Serialize, Default)]
struct Counts {
    created: u32,
    /// Matched an existing one by slug or name (whether or not anything in it differed).
    updated: u32,
}

#[derive(Serialize, Default)]
struct Unchanged {
    projects: u32,
    monitors: u32,
}

#[derive(Serialize, Default)]
struct Report {
    projects: Counts,
    monitors: Counts,
    notification_endpoints: Counts,
    /// Of the `updated` ones, those identical to what is stored: not written at all, so
    /// re-applying a configuration (a sites YAML kept in git) changes nothing, not even when
    /// the monitors are next due.
    unchanged: Unchanged,
    /// Slugs taken by another account and renamed (only with `rename_taken_slugs=true`).
    renamed: Vec<(String, String)>,
    /// Every heartbeat monitor of the document, with the ping URL its job must use.
    heartbeats: Vec<HeartbeatLine>,
}

/// A heartbeat monitor of an import and where its ping URL came from.
#[derive(Serialize)]
struct HeartbeatLine {
    project: String,
    monitor: String,
    ping_url: String,
    ping_token: TokenSource,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum TokenSource {
    /// The monitor existed with a token, which it keeps (a document's token never replaces it).
    Kept,
    /// Taken from the document: jobs that pinged the exporting instance's URL keep working
    /// where the host is the same.
    Imported,
    /// Issued by this import: the job must be given this URL.
    New,
}

/// `POST /api/import`: a vigil export document (`application/json`), or seed 002's sites file
/// (`application/yaml`), converted to the same document and imported the same way; errors
/// about a YAML body name its YAML path and line (DESIGN.md §7, §8).
pub async fn import(mut ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["rename_taken_slugs"])?;
    let rename = match q.text("rename_taken_slugs") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(FieldError::new("rename_taken_slugs", "must be true or false").into()),
    };
    let (kind, body) = ctx.body(&[BodyType::Json, BodyType::Yaml]).await?;
    let policy = ctx.config.target_policy;
    let converted = match kind {
        BodyType::Yaml => Some(sites_yaml::convert(&body)?),
        _ => None,
    };
    let relocate = |e: FieldError| match &converted {
        Some(c) => c.locate(e),
        None => e,
    };
    let mut plans = match &converted {
        Some(c) => parse_document(c.doc.clone(), policy).map_err(relocate)?,
        None => parse(&body, policy)?,
    };
    let (db, user) = (ctx.db()?, ctx.user_id()?);
    let mut report = Report::default();

    // Slugs are global (they are status page URLs): one owned by another account either fails
    // the import (409, naming it) or, when asked, gets the first free `-N` suffix.
    let wanted: Vec<String> = plans.iter().map(|p| p.spec.slug.clone()).collect();
    let owners = projects::slug_owners(&db, &wanted).await?;
    for (i, plan) in plans.iter_mut().enumerate() {
        let Some((_, owner)) = owners.iter().find(|(s, _)| *s == plan.spec.slug) else {
            report.projects.created += 1;
            continue;
        };
        if *owner == user {
            report.projects.updated += 1;
            continue;
        }
        if !rename {
            return Err(AppError::Conflict(relocate(FieldError::new(
                &format!("projects[{i}].slug"),
                "is taken by another account; change it, or import with ?rename_taken_slugs=true",
            ))));
        }
        let candidates: Vec<String> = (2..=50).map(|n| suffixed(&plan.spec.slug, n)).collect();
        let taken = projects::slug_owners(&db, &candidates).await?;
        let free = candidates
            .into_iter()
            .find(|c| !taken.iter().any(|(s, _)| s == c) && !wanted.contains(c))
            .ok_or_else(|| AppError::Conflict(relocate(FieldError::new(&format!("projects[{i}].slug"), "is taken, and so are its -2 .. -50 variants"))))?;
        report.renamed.push((plan.spec.slug.clone(), free.clone()));
        plan.spec.slug = free;
        report.projects.created += 1;
    }

    let mut batch = Vec::new();
    let mut imported_tokens = Vec::new();
    for plan in &plans {
        let existing = projects::by_slug_owned(&db, user, &plan.spec.slug).await?;
        let (monitors_now, endpoints_now) = match &existing {
            Some(p) => (monitors::list(&db, user, Some(p.id), 0, 1000).await?, endpoints::list(&db, user, Some(p.id), 0, 1000).await?),
            None => (Vec::new(), Vec::new()),
        };
        match &existing {
            Some(p) if p.name == plan.spec.name.trim() && (p.public != 0) == plan.spec.public => report.unchanged.projects += 1,
            _ => batch.push(projects::upsert_statement(&db, user, &plan.spec, ctx.now)?),
        }
        for m in &plan.monitors {
            let (spec, stored) = (&m.spec, monitors_now.iter().find(|row| row.name == m.spec.name.trim()));
            // A stored token is kept whatever the row's type now (the upsert never replaces one).
            let stored_token = stored.and_then(|row| row.ping_token.clone());
            let token = match (spec.monitor_type, stored_token, &m.ping_token) {
                (MonitorType::Heartbeat, Some(t), _) => Some((t, TokenSource::Kept)),
                (MonitorType::Heartbeat, None, Some(t)) => Some((t.clone(), TokenSource::Imported)),
                (MonitorType::Heartbeat, None, None) => Some((crate::heartbeat::new_token()?, TokenSource::New)),
                _ => None,
            };
            if let Some((t, source)) = &token {
                if *source == TokenSource::Imported {
                    imported_tokens.push((t.clone(), m.path.clone()));
                }
                let ping_url = super::api::ping_url_of(&ctx, t)?;
                report.heartbeats.push(HeartbeatLine { project: plan.spec.slug.clone(), monitor: spec.name.trim().to_string(), ping_url, ping_token: *source });
            }
            let needs_token = matches!(token, Some((_, TokenSource::Imported | TokenSource::New)));
            match stored {
                Some(row) => {
                    report.monitors.updated += 1;
                    if !needs_token && row.spec().is_ok_and(|stored| stored == MonitorSpec { project_id: stored.project_id, ..spec.clone() }) {
                        report.unchanged.monitors += 1;
                        continue;
                    }
                }
                None => report.monitors.created += 1,
            }
            let token = token.map(|(t, _)| t);
            batch.extend(monitors::upsert_by_name(&db, user, &plan.spec.slug, spec, token.as_deref(), ctx.now)?);
        }
        // Endpoints are written even when unchanged: a document without secrets must keep the
        // stored ones, which the upsert does.
        for ep in &plan.endpoints {
            let e = &ep.spec;
            if endpoints_now.iter().any(|row| row.name == e.name.trim()) {
                report.notification_endpoints.updated += 1;
            } else if let Some(field) = ep.missing {
                return Err(relocate(FieldError::new(&format!("{}.{field}", ep.path), format!("is required for a new {} endpoint (export with include_secrets=true)", e.kind.as_str()))).into());
            } else {
                report.notification_endpoints.created += 1;
            }
            if let Some(names) = &ep.monitor_names {
                let known = |n: &String| monitors_now.iter().any(|m| m.name == n.trim()) || plan.monitors.iter().any(|m| m.spec.name.trim() == n.trim());
                if let Some(j) = names.iter().position(|n| !known(n)) {
                    return Err(relocate(FieldError::new(&format!("{}.monitors[{j}]", ep.path), "no monitor of that name in this project")).into());
                }
            }
            let fresh = if e.kind == Kind::Webhook { Some(super::endpoints::new_secret()?) } else { None };
            let names = ep.monitor_names.as_ref().map(|n| j!(n).to_string());
            let imported = endpoints::Imported { secret: ep.secret.as_deref(), fresh_secret: fresh.as_deref(), monitor_names: names };
            batch.push(endpoints::upsert_statement(&db, user, &plan.spec.slug, e, imported, ctx.now)?);
        }
    }
    // A token in use by another monitor (of any account) would fail the batch on its unique
    // index; refuse it by name instead. One read for the whole document.
    let wanted: Vec<String> = imported_tokens.iter().map(|(t, _)| t.clone()).collect();
    if let Some(taken) = monitors::taken_ping_tokens(&db, &wanted).await?.first() {
        let path = imported_tokens.iter().find(|(t, _)| t == taken).map_or("ping_token", |(_, p)| p.as_str());
        return Err(AppError::Conflict(relocate(FieldError::new(
            &format!("{path}.ping_token"),
            "is the ping token of another monitor on this instance; leave it out to get a new ping URL",
        ))));
    }
    if !batch.is_empty() {
        crate::store::batch(&db, batch, "import batch").await?;
    }
    json(200, &report)
}

fn suffixed(slug: &str, n: u32) -> String {
    let suffix = format!("-{n}");
    let keep: String = slug.chars().take(SLUG_MAX - suffix.len()).collect();
    format!("{}{suffix}", keep.trim_end_matches('-'))
}

/// The JSON document, validated whole.
fn parse(body: &str, policy: crate::core::ssrf::TargetPolicy) -> Result<Vec<ProjectPlan>, FieldError> {
    parse_document(input::parse_object(body, &["vigil_export", "exported_at", "projects"])?, policy)
}

/// A document (JSON, or converted from YAML), validated whole: every error names its path
/// (`projects[1].monitors[0].url`).
fn parse_document(doc: Map<String, Value>, policy: crate::core::ssrf::TargetPolicy) -> Result<Vec<ProjectPlan>, FieldError> {
    match doc.get("vigil_export") {
        None => {}
        Some(v) if v.as_u64() == Some(FORMAT_VERSION) => {}
        Some(_) => return Err(FieldError::new("vigil_export", format!("unsupported format version (this vigil reads {FORMAT_VERSION})"))),
    }
    let Some(Value::Array(list)) = doc.get("projects") else {
        return Err(FieldError::new("projects", "is required: an array of projects"));
    };
    if list.len() > MAX_PROJECTS {
        return Err(FieldError::new("projects", format!("at most {MAX_PROJECTS} projects per import")));
    }
    let mut plans = Vec::new();
    let mut slugs = BTreeSet::new();
    let mut tokens = BTreeSet::new();
    let mut monitor_total = 0;
    for (i, p) in list.iter().enumerate() {
        let at = |e: FieldError| prefixed(&format!("projects[{i}]"), e);
        let Value::Object(p) = p else { return Err(FieldError::new(&format!("projects[{i}]"), "must be an object")) };
        let mut fields = Map::new();
        let mut monitor_values = Vec::new();
        let mut endpoint_values = Vec::new();
        for (k, v) in p {
            match k.as_str() {
                "monitors" => match v {
                    Value::Array(a) => monitor_values = a.clone(),
                    _ => return Err(at(FieldError::new("monitors", "must be an array"))),
                },
                "notification_endpoints" => match v {
                    Value::Array(a) => endpoint_values = a.clone(),
                    _ => return Err(at(FieldError::new("notification_endpoints", "must be an array"))),
                },
                "name" | "slug" | "public" => {
                    fields.insert(k.clone(), v.clone());
                }
                other => return Err(at(FieldError::new(other, "unknown field (allowed: name, slug, public, monitors, notification_endpoints)"))),
            }
        }
        if !fields.contains_key("slug") {
            if let Some(name) = fields.get("name").and_then(Value::as_str) {
                fields.insert("slug".into(), Value::String(slugify(name)));
            }
        }
        let spec = ProjectSpec::from_map(fields).map_err(at)?;
        validate_slug(&spec.slug).map_err(at)?;
        if !slugs.insert(spec.slug.clone()) {
            return Err(at(FieldError::new("slug", "appears twice in this document")));
        }
        monitor_total += monitor_values.len();
        if monitor_total > MAX_MONITORS {
            return Err(FieldError::new("projects", format!("at most {MAX_MONITORS} monitors per import")));
        }
        let mut names = BTreeSet::new();
        let mut monitors = Vec::new();
        for (k, m) in monitor_values.into_iter().enumerate() {
            let at = |e: FieldError| prefixed(&format!("projects[{i}].monitors[{k}]"), e);
            let Value::Object(mut map) = m else { return Err(at(FieldError::body("must be an object"))) };
            if map.contains_key("project") {
                return Err(at(FieldError::new("project", "not allowed here: a monitor belongs to the project it is listed under")));
            }
            let ping_token = match map.remove("ping_token") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) if crate::heartbeat::token_shaped(t.trim()) => Some(t.trim().to_string()),
                Some(_) => return Err(at(FieldError::new("ping_token", "must be the 22-character token of a ping URL, as exported with include_secrets=true"))),
            };
            // The real project id is only known inside the batch; 1 is a placeholder for validation.
            let spec = MonitorSpec::from_map(map, 1, policy).map_err(at)?;
            crate::zone::check(&spec).map_err(at)?;
            if !names.insert(spec.name.trim().to_string()) {
                return Err(at(FieldError::new("name", "appears twice in this project (import matches monitors by name)")));
            }
            if let Some(t) = &ping_token {
                if spec.monitor_type != MonitorType::Heartbeat {
                    return Err(at(FieldError::new("ping_token", "only heartbeat monitors have a ping token")));
                }
                if !tokens.insert(t.clone()) {
                    return Err(at(FieldError::new("ping_token", "appears twice in this document")));
                }
            }
            monitors.push(MonitorPlan { spec, ping_token, path: format!("projects[{i}].monitors[{k}]") });
        }
        if endpoint_values.len() > MAX_ENDPOINTS_PER_PROJECT {
            return Err(at(FieldError::new("notification_endpoints", format!("at most {MAX_ENDPOINTS_PER_PROJECT} per project"))));
        }
        let mut endpoint_names = BTreeSet::new();
        let mut endpoints = Vec::new();
        for (k, e) in endpoint_values.into_iter().enumerate() {
            let at = |e: FieldError| prefixed(&format!("projects[{i}].notification_endpoints[{k}]"), e);
            let Value::Object(mut map) = e else { return Err(at(FieldError::body("must be an object"))) };
            if map.contains_key("project") {
                return Err(at(FieldError::new("project", "not allowed here: an endpoint belongs to the project it is listed under")));
            }
            let secret = match map.remove("secret") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => {
                    webhook::parse_secret(&s).map_err(|err| at(FieldError::new("secret", err.to_string())))?;
                    Some(s.trim().to_string())
                }
                Some(_) => return Err(at(FieldError::new("secret", "must be a whsec_... string"))),
            };
            let monitor_names = match map.remove("monitors") {
                None | Some(Value::Null) => None,
                Some(Value::Array(a)) if !a.is_empty() && a.len() <= endpoint::MONITORS_MAX => Some(
                    a.into_iter()
                        .enumerate()
                        .map(|(j, v)| v.as_str().map(str::to_string).ok_or_else(|| at(FieldError::new(&format!("monitors[{j}]"), "must be a monitor name"))))
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                Some(_) => return Err(at(FieldError::new("monitors", "must be a non-empty list of monitor names, or null for all"))),
            };
            if let Some(k) = map.keys().find(|k| !endpoint::FIELDS.contains(&k.as_str())) {
                return Err(at(FieldError::new(k, "unknown field")));
            }
            let (spec, missing) = EndpointSpec::from_document(map, 1, policy).map_err(at)?;
            if secret.is_some() && spec.kind != Kind::Webhook {
                return Err(at(FieldError::new("secret", "only webhook endpoints have a secret")));
            }
            if !endpoint_names.insert(spec.name.trim().to_string()) {
                return Err(at(FieldError::new("name", "appears twice in this project (import matches endpoints by name)")));
            }
            let secret = secret.or_else(|| spec.credential.as_ref().map(|c| c.0.clone()));
            endpoints.push(EndpointPlan { spec, secret, missing, monitor_names, path: format!("projects[{i}].notification_endpoints[{k}]") });
        }
        plans.push(ProjectPlan { spec, monitors, endpoints });
    }
    Ok(plans)
}

fn prefixed(path: &str, e: FieldError) -> FieldError {
    let field = match &e.field {
        Some(f) => format!("{path}.{f}"),
        None => path.to_string(),
    };
    let message = e.message.clone();
    e.at(&field, message)
}

trait JsonContext<T> {
    fn context_json(self) -> Result<T, AppError>;
}

impl<T> JsonContext<T> for Result<T, serde_json::Error> {
    fn context_json(self) -> Result<T, AppError> {
        self.map_err(|e| AppError::Internal(format!("encoding export: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ssrf::TargetPolicy;

    const POLICY: TargetPolicy = TargetPolicy { allow_private: false };

    #[test]
    fn import_documents_validate_with_paths() {
        let ok = r#"{"vigil_export":1,"projects":[{"name":"Shop","monitors":[{"name":"home","url":"https://example.com"}]}]}"#;
        let plans = parse(ok, POLICY).unwrap();
        assert_eq!((plans[0].spec.slug.as_str(), plans[0].monitors.len()), ("shop", 1));
        let with_endpoints = r#"{"projects":[{"name":"Shop","notification_endpoints":[
            {"name":"hook","kind":"webhook","url":"https://hooks.example/x","secret":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"},
            {"name":"ops","kind":"email","recipients":["ops@example.com"]}]}]}"#;
        let plans = parse(with_endpoints, POLICY).unwrap();
        assert_eq!(plans[0].endpoints.len(), 2);
        assert_eq!(plans[0].endpoints[0].secret.as_deref(), Some("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"));
        assert_eq!((plans[0].endpoints[1].spec.kind, plans[0].endpoints[1].secret.clone()), (Kind::Email, None));
        let cases: &[(&str, &str)] = &[
            (r#"{}"#, "projects"),
            (r#"{"projects":{}}"#, "projects"),
            (r#"{"vigil_export":2,"projects":[]}"#, "vigil_export"),
            (r#"{"projects":[],"extra":1}"#, "extra"),
            (r#"{"projects":[5]}"#, "projects[0]"),
            (r#"{"projects":[{"slug":"x"}]}"#, "projects[0].name"),
            (r#"{"projects":[{"name":"a","owner":2}]}"#, "projects[0].owner"),
            (r#"{"projects":[{"name":"a","slug":"BAD"}]}"#, "projects[0].slug"),
            (r#"{"projects":[{"name":"a"},{"name":"A"}]}"#, "projects[1].slug"),
            (r#"{"projects":[{"name":"a","monitors":3}]}"#, "projects[0].monitors"),
            (r#"{"projects":[{"name":"a","monitors":[{"url":"ftp://x"}]}]}"#, "projects[0].monitors[0].url"),
            (r#"{"projects":[{"name":"a","monitors":[{"url":"https://a.example","timeout_seconds":99}]}]}"#, "projects[0].monitors[0].timeout_seconds"),
            (r#"{"projects":[{"name":"a","monitors":[{"url":"https://a.example","project":3}]}]}"#, "projects[0].monitors[0].project"),
            (r#"{"projects":[{"name":"a","monitors":[{"name":"x","url":"https://a.example"},{"name":"x","url":"https://b.example"}]}]}"#, "projects[0].monitors[1].name"),
            (r#"{"projects":[{"name":"a","monitors":["x"]}]}"#, "projects[0].monitors[0]"),
            (r#"{"projects":[{"name":"a","notification_endpoints":{}}]}"#, "projects[0].notification_endpoints"),
            (r#"{"projects":[{"name":"a","notification_endpoints":[{"name":"h","kind":"webhook"}]}]}"#, "projects[0].notification_endpoints[0].url"),
            (r#"{"projects":[{"name":"a","notification_endpoints":[{"name":"h","kind":"webhook","url":"https://h.example","secret":"whsec_short"}]}]}"#, "projects[0].notification_endpoints[0].secret"),
            (r#"{"projects":[{"name":"a","notification_endpoints":[{"name":"m","kind":"email","recipients":["a@b.example"],"secret":"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}]}]}"#, "projects[0].notification_endpoints[0].secret"),
            (r#"{"projects":[{"name":"a","notification_endpoints":[{"name":"h","kind":"webhook","url":"https://h.example","project":1}]}]}"#, "projects[0].notification_endpoints[0].project"),
            (r#"{"projects":[{"name":"a","notification_endpoints":[{"name":"h","kind":"webhook","url":"https://h.example","colour":1}]}]}"#, "projects[0].notification_endpoints[0].colour"),
            (r#"{"projects":[{"name":"a","notification_endpoints":[{"name":"h","kind":"webhook","url":"https://h.example"},{"name":"h","kind":"webhook","url":"https://i.example"}]}]}"#, "projects[0].notification_endpoints[1].name"),
        ];
        for (body, field) in cases {
            let err = parse(body, POLICY).err().unwrap_or_else(|| panic!("accepted {body}"));
            assert_eq!(err.field.as_deref(), Some(*field), "{body}: {}", err.message);
        }
    }

    #[test]
    fn heartbeat_ping_tokens_import_only_where_they_belong() {
        const T: &str = "AAAAAAAAAAAAAAAAAAAAAA";
        let hb = |token: &str| format!(r#"{{"name":"job","monitor_type":"heartbeat","check_interval_seconds":60,"ping_token":{token}}}"#);
        let doc = |monitors: &[String]| format!(r#"{{"projects":[{}]}}"#, monitors.iter().enumerate().map(|(i, m)| format!(r#"{{"name":"p{i}","monitors":[{m}]}}"#)).collect::<Vec<_>>().join(","));
        let plans = parse(&doc(&[hb(&format!("\" {T} \""))]), POLICY).unwrap();
        assert_eq!(plans[0].monitors[0].ping_token.as_deref(), Some(T), "trimmed and kept");
        assert_eq!(plans[0].monitors[0].path, "projects[0].monitors[0]");
        let plans = parse(&doc(&[hb("null")]), POLICY).unwrap();
        assert_eq!(plans[0].monitors[0].ping_token, None);
        let http = format!(r#"{{"name":"site","url":"https://a.example","ping_token":"{T}"}}"#);
        let cases: &[(String, &str)] = &[
            (doc(&[http]), "projects[0].monitors[0].ping_token"),
            (doc(&[hb(r#""short""#)]), "projects[0].monitors[0].ping_token"),
            (doc(&[hb(r#""AAAAAAAAAAAAAAAAAAAA.A""#)]), "projects[0].monitors[0].ping_token"),
            (doc(&[hb("7")]), "projects[0].monitors[0].ping_token"),
            (doc(&[hb(&format!("\"{T}\"")), hb(&format!("\"{T}\""))]), "projects[1].monitors[0].ping_token"),
        ];
        for (body, field) in cases {
            let err = parse(body, POLICY).err().unwrap_or_else(|| panic!("accepted {body}"));
            assert_eq!(err.field.as_deref(), Some(*field), "{body}: {}", err.message);
        }
    }

    #[test]
    fn taken_slugs_get_suffixes_within_bounds() {
        assert_eq!(suffixed("shop", 2), "shop-2");
        let long = "a".repeat(SLUG_MAX);
        let s = suffixed(&long, 12);
        assert_eq!(s.len(), SLUG_MAX);
        assert!(s.ends_with("-12") && validate_slug(&s).is_ok());
    }
}
