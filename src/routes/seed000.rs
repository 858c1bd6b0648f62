//! Seed 000's API (a Flask monitor), kept so its users can switch without changing scripts:
//! same paths, same `{category, data, message}` envelope. Unlike the seed, every target of
//! `POST /status` is monitored, not only the first.
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{json as j, Map, Value};
use worker::Response;

use super::{json, Ctx};
use crate::bindings::Config;
use crate::core::engine::{self, QueueRefusal, QUEUE_SIZE_DEFAULT};
use crate::core::input::{self, FieldError};
use crate::core::monitor::MonitorSpec;
use crate::core::project::ProjectSpec;
use crate::error::AppError;
use crate::core::time::iso;
use crate::store::settings::{self, EngineSettings};
use crate::store::{monitors, projects};

/// What `max_batch_size` for the checks queue says in wrangler.toml (a test keeps them equal).
pub const CHECKS_BATCH_SIZE: u32 = 3;
/// The seed's interval: targets are hit every 300 seconds.
const SEED_INTERVAL_SECONDS: u32 = 300;
const MAX_TARGETS: usize = 50;

fn envelope(status: u16, category: &str, data: Value, message: &str) -> Result<Response, AppError> {
    json(status, &j!({ "category": category, "data": data, "message": message }))
}

/// `POST /status` `{"targets": [{title, endpoint, expected_http_code}]}` -> 201. Re-posting a
/// target with the same title updates that monitor instead of adding a second one.
pub async fn create_targets(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let doc = input::parse_object(&body, &["targets"])?;
    let targets = match doc.get("targets") {
        Some(Value::Array(t)) if !t.is_empty() && t.len() <= MAX_TARGETS => t.clone(),
        Some(Value::Array(_)) => return Err(FieldError::new("targets", format!("must hold 1 to {MAX_TARGETS} targets")).into()),
        _ => return Err(FieldError::new("targets", "is required: an array of {title, endpoint, expected_http_code}").into()),
    };
    let db = ctx.db()?;
    let user = ctx.user_id()?;
    // Seed 000 had no projects, so its call names none. Its targets go to the caller's oldest
    // project (lowest id: the one this route created for a user who started here, `default`
    // for the admin); a user without any gets one, so the seed's call just works (DESIGN.md §8).
    let project = match projects::ids(&db, user, 1).await?.first() {
        None => first_project(&ctx, &db, user).await?,
        Some(&id) => projects::owned(&db, user, id).await?.ok_or_else(|| AppError::NotFound(format!("project {id}")))?,
    };
    let project_id = project.id;
    let mut specs = Vec::new();
    let mut names = BTreeSet::new();
    for (i, t) in targets.iter().enumerate() {
        let spec = target_spec(t, project_id, ctx.config.target_policy).map_err(|e| match e.field {
            Some(f) => FieldError::new(&format!("targets[{i}].{f}"), e.message),
            None => FieldError::new(&format!("targets[{i}]"), e.message),
        })?;
        if !names.insert(spec.name.clone()) {
            return Err(FieldError::new(&format!("targets[{i}].title"), "appears twice (targets are matched by title)").into());
        }
        specs.push(spec);
    }
    let mut batch = Vec::new();
    for spec in &specs {
        batch.extend(monitors::upsert_by_name(&db, user, &project.slug, spec, None, ctx.now)?); // HTTP targets: no ping token
    }
    crate::store::batch(&db, batch, "creating targets").await?;
    let rows = monitors::list(&db, user, Some(project_id), 0, 1000).await?;
    let created: Vec<Value> = rows
        .iter()
        .filter(|r| names.contains(&r.name))
        .map(|r| j!({ "monitor_id": r.id, "title": r.name, "endpoint": r.url, "check_interval_seconds": r.check_interval_seconds, "project": project_id, "project_slug": project.slug }))
        .collect();
    envelope(201, "success", Value::Array(created), &format!("{} target(s) are monitored in project {}", specs.len(), project.slug))
}

/// A project named "Monitors" with the first free slug among `monitors`, `monitors-2`, ...
async fn first_project(ctx: &Ctx, db: &worker::D1Database, user: i64) -> Result<projects::ProjectRow, AppError> {
    for n in 1..=20 {
        let slug = if n == 1 { "monitors".to_string() } else { format!("monitors-{n}") };
        let spec = ProjectSpec { name: "Monitors".into(), slug, public: false, custom_domain: None };
        match projects::insert(db, user, &spec, ctx.now).await {
            Err(AppError::Conflict(_)) => continue,
            other => return other,
        }
    }
    Err(AppError::Conflict(FieldError::new("project", "create a project first with POST /api/projects")))
}

fn target_spec(t: &Value, project_id: i64, policy: crate::core::ssrf::TargetPolicy) -> Result<MonitorSpec, FieldError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Target {
        title: Option<String>,
        endpoint: Option<String>,
        expected_http_code: Option<u16>,
    }
    let Value::Object(map) = t else { return Err(FieldError::body("must be an object")) };
    let allowed = ["title", "endpoint", "expected_http_code"];
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(FieldError::new(k, "unknown field (allowed: title, endpoint, expected_http_code)"));
    }
    let target: Target = input::typed(t.clone())?;
    let endpoint = target.endpoint.filter(|e| !e.trim().is_empty()).ok_or_else(|| FieldError::new("endpoint", "is required"))?;
    let mut spec = Map::new();
    spec.insert("name".into(), Value::String(target.title.filter(|t| !t.trim().is_empty()).unwrap_or_else(|| endpoint.clone())));
    spec.insert("url".into(), Value::String(endpoint));
    spec.insert("expected_status_codes".into(), j!([target.expected_http_code.unwrap_or(200)]));
    spec.insert("check_interval_seconds".into(), j!(SEED_INTERVAL_SECONDS));
    MonitorSpec::from_map(spec, project_id, policy).map_err(|e| match e.field.as_deref() {
        Some("url") => FieldError::new("endpoint", e.message),
        Some("name") => FieldError::new("title", e.message),
        Some("expected_status_codes") | Some("expected_status_codes[0]") => FieldError::new("expected_http_code", e.message),
        _ => e,
    })
}

#[derive(Serialize)]
struct SeedStatus {
    monitor_id: i64,
    title: String,
    endpoint: String,
    expected_response: Value,
    actual_response: Option<i64>,
    elapsed: Option<String>,
    is_up: bool,
    is_down: bool,
    status: Option<String>,
    timestamp: Option<String>,
}

/// `GET /status`: the latest result of every target (the seed answered one; this answers all).
pub async fn latest_status(ctx: Ctx) -> Result<Response, AppError> {
    ctx.query(&[])?;
    let rows = monitors::latest_results(&ctx.db()?, ctx.user_id()?, 200).await?;
    let data: Vec<SeedStatus> = rows
        .into_iter()
        .map(|r| {
            let codes: Value = serde_json::from_str(&r.expected_status_codes).unwrap_or(Value::Null);
            let expected = match &codes {
                Value::Array(a) if a.len() == 1 => a[0].clone(),
                other => other.clone(),
            };
            SeedStatus {
                monitor_id: r.id,
                title: r.name,
                endpoint: r.url,
                expected_response: expected,
                actual_response: r.http_status,
                elapsed: r.latency_ms.map(|ms| format!("{:.2} seconds", ms as f64 / 1000.0)),
                is_up: r.status.as_deref() == Some("UP"),
                is_down: r.status.as_deref().is_some_and(|s| s != "UP"),
                status: r.status,
                // The seed's "2023-01-24 12:32:41" (UTC).
                timestamp: r.started_at.map(|t| t.get(..19).unwrap_or(&t).replace('T', " ")),
            }
        })
        .collect();
    let message = if data.is_empty() { "No targets yet: POST /status to add some" } else { "Success get the response" };
    envelope(200, "success", serde_json::to_value(data).unwrap_or(Value::Null), message)
}

/// `GET /status/queue`: the engine's settings, what the last cron tick did, and what is
/// waiting. `start_time`/`end_time` are the last tick's, in the seed's "<epoch>.xx seconds".
pub async fn queue_status(ctx: Ctx) -> Result<Response, AppError> {
    ctx.query(&[])?;
    let db = ctx.db()?;
    let waiting = monitors::waiting(&db, ctx.user_id()?, ctx.now).await?;
    let s = settings::read(&db).await?;
    envelope(200, "success", queue_data(&s, &ctx.config, waiting.due_now, waiting.checks_last_minute), "Success get the response")
}

fn queue_data(s: &EngineSettings, config: &Config, due_now: i64, checks_last_minute: i64) -> Value {
    let seconds = |ms: Option<i64>| format!("{:.2} seconds", ms.unwrap_or(0) as f64 / 1000.0);
    let end = s.last_tick_at.zip(s.last_tick_ms).map(|(at, ms)| at + ms);
    j!({
        "worker_thread": s.worker_thread.map_or(config.check_concurrency, |n| n as usize),
        "queue_size": config.check_jobs_per_message,
        "defaults": { "worker_thread": config.check_concurrency, "queue_size": QUEUE_SIZE_DEFAULT },
        "max_batch_size": CHECKS_BATCH_SIZE,
        "queue_status": due_now > 0,
        "due_now": due_now,
        "checks_last_minute": checks_last_minute,
        "last_tick": s.last_tick_at.map(|at| j!({
            "at": iso(at),
            "slot": s.last_tick_slot,
            "dispatched": s.last_tick_dispatched,
            "duration_ms": s.last_tick_ms,
        })),
        "start_time": seconds(s.last_tick_at),
        "end_time": seconds(end),
    })
}

/// `POST /status/queue` (admin): `worker_thread` is the checks one consumer invocation runs at
/// once, stored in D1 and read by the consumer on its next invocation; `queue_size` (jobs per
/// queue message) is the `CHECK_JOBS_PER_MESSAGE` var, so a non-zero one is a 409 and nothing
/// is changed.
pub async fn set_queue(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let map = input::parse_object(&body, engine::FIELDS)?;
    let change = engine::judge(&map).map_err(|r| match r {
        QueueRefusal::Invalid(e) => AppError::Invalid(e),
        QueueRefusal::NotYet(e) => AppError::Conflict(e),
    })?;
    let db = ctx.db()?;
    if let Some(worker_thread) = change.worker_thread {
        settings::set_worker_thread(&db, worker_thread, ctx.now).await?;
    }
    let s = settings::read(&db).await?;
    let waiting = monitors::waiting(&db, ctx.user_id()?, ctx.now).await?;
    envelope(200, "success", queue_data(&s, &ctx.config, waiting.due_now, waiting.checks_last_minute), "Success set the queue")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ssrf::TargetPolicy;

    #[test]
    fn batch_size_matches_wrangler_toml() {
        let toml = include_str!("../../wrangler.toml");
        let checks = toml.split("[[queues.consumers]]").skip(1).find(|s| s.trim_start().starts_with("queue = \"vigil-checks\"")).expect("checks consumer");
        let line = checks.lines().find(|l| l.trim_start().starts_with("max_batch_size")).expect("max_batch_size");
        assert_eq!(line.split('=').nth(1).unwrap().trim().parse::<u32>().unwrap(), CHECKS_BATCH_SIZE);
    }

    #[test]
    fn targets_become_monitor_specs() {
        let policy = TargetPolicy { allow_private: false };
        let s = target_spec(&j!({"title": "Hit the Google!", "endpoint": "https://google.com", "expected_http_code": 204}), 3, policy).unwrap();
        assert_eq!((s.name.as_str(), s.url.as_str(), s.expected_status_codes.clone(), s.check_interval_seconds, s.project_id), ("Hit the Google!", "https://google.com/", vec![204], 300, 3), "the URL is stored as fetched");
        let s = target_spec(&j!({"endpoint": "https://example.com/x"}), 3, policy).unwrap();
        assert_eq!((s.name.as_str(), s.expected_status_codes.clone()), ("https://example.com/x", vec![200]));
        let cases = [
            (j!({"title": "x"}), Some("endpoint")),
            (j!({"endpoint": ""}), Some("endpoint")),
            (j!({"endpoint": "ftp://x"}), Some("endpoint")),
            (j!({"endpoint": "https://a.example", "expected_http_code": "200"}), Some("expected_http_code")),
            (j!({"endpoint": "https://a.example", "expected_http_code": 42}), Some("expected_http_code")),
            (j!({"endpoint": "https://a.example", "url": "x"}), Some("url")),
            (j!("x"), None),
        ];
        for (t, field) in cases {
            assert_eq!(target_spec(&t, 3, policy).unwrap_err().field.as_deref(), field, "{t}");
        }
    }
}
