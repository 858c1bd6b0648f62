//! The authenticated REST API: monitors, checks, incidents.
use serde::Serialize;
use serde_json::Value;
use worker::{D1Database, MessageBuilder, Response};

use super::{json, next_cursor, require_owned, Ctx, Page};
use crate::bindings::{self, CHECKS_QUEUE};
use crate::core::input::{self, FieldError};
use crate::core::{accept, csv};
use crate::core::dispatch::{CheckMessage, Lane, PackedJob, PackedJobs};
use crate::core::monitor::{self, MonitorSpec, MonitorType};
use crate::core::time::{iso, parse_iso};
use crate::zone;
use crate::core::schedule::{check_id, manual_slot, CheckJob, JobKind};
use crate::core::status::CheckStatus;
use crate::error::{AppError, Context};
use crate::store::checks::{self, CheckFilter, CheckView};
use crate::store::incidents::{self, EventRow, IncidentFilter, IncidentRow};
use crate::store::monitors::{self, MonitorRow, MonitorState};
use crate::store::{heartbeats, projects};

/// The project a new monitor goes to: the one named in the body if the caller owns it, else
/// the caller's only project. Someone else's project is "no such project", like a missing one.
pub async fn target_project(ctx: &Ctx, db: &D1Database, given: Option<&Value>) -> Result<i64, AppError> {
    let user = ctx.user_id()?;
    match given {
        Some(Value::Number(n)) => {
            let id = n.as_i64().filter(|id| *id > 0).ok_or_else(|| FieldError::new("project", "must be a positive project id"))?;
            projects::owned(db, user, id).await?.map(|p| p.id).ok_or_else(|| FieldError::new("project", format!("no project {id} of yours")).into())
        }
        Some(Value::Null) | None => match projects::ids(db, user, 2).await?.as_slice() {
            [only] => Ok(*only),
            [] => Err(FieldError::new("project", "you have no project yet: create one with POST /api/projects").into()),
            _ => Err(FieldError::new("project", "is required: you have more than one project").into()),
        },
        Some(_) => Err(FieldError::new("project", "must be a positive project id").into()),
    }
}

#[derive(Serialize)]
struct MonitorView {
    id: i64,
    #[serde(flatten)]
    spec: MonitorSpec,
    /// Heartbeat monitors: where the job pings (`/ping/{token}`, healthchecks.io's field name).
    #[serde(skip_serializing_if = "Option::is_none")]
    ping_url: Option<String>,
    created_at: String,
    updated_at: String,
    state: MonitorState,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest_check: Option<CheckView>,
    /// Heartbeat monitors, on `GET /api/monitors/{id}`: runs, durations and the ping log.
    #[serde(skip_serializing_if = "Option::is_none")]
    heartbeat: Option<HeartbeatView>,
}

impl MonitorView {
    fn of(ctx: &Ctx, row: &MonitorRow, latest_check: Option<CheckView>) -> Result<Self, AppError> {
        Ok(Self {
            id: row.id,
            spec: row.spec()?,
            ping_url: ping_url(ctx, row)?,
            created_at: row.created_at.clone(),
            updated_at: row.updated_at.clone(),
            state: row.state(ctx.now),
            latest_check,
            heartbeat: None,
        })
    }
}

/// A heartbeat monitor's ping URL: on `PUBLIC_BASE_URL` when set, else on the origin the
/// request came to.
pub fn ping_url(ctx: &Ctx, row: &MonitorRow) -> Result<Option<String>, AppError> {
    let Some(token) = row.ping_token.as_deref().filter(|_| row.monitor_type == "heartbeat") else { return Ok(None) };
    ping_url_of(ctx, token).map(Some)
}

/// The ping URL of a token.
pub fn ping_url_of(ctx: &Ctx, token: &str) -> Result<String, AppError> {
    let base = match &ctx.config.alerts.public_base_url {
        Some(base) => base.clone(),
        None => ctx.req.url().context("request URL")?.origin().ascii_serialization(),
    };
    Ok(format!("{base}/ping/{token}"))
}

/// What a heartbeat monitor's detail adds: the last ping and run, open runs, recent pings.
#[derive(Serialize)]
pub struct HeartbeatView {
    pub last_ping_at: Option<String>,
    /// The last finished run's duration (from its `/start`; `null` when it had none).
    pub last_duration_ms: Option<i64>,
    /// When it goes DOWN unless pinged; `null` while it waits for its first ping or is paused.
    pub deadline_at: Option<String>,
    pub open_runs: Vec<RunView>,
    /// The newest pings that carried a body or were a `/start` or `/log`, newest first.
    pub pings: Vec<PingView>,
}

#[derive(Serialize)]
pub struct RunView {
    pub rid: Option<String>,
    pub started_at: String,
}

#[derive(Serialize)]
pub struct PingView {
    pub received_at: String,
    pub kind: String,
    pub exit_status: Option<i64>,
    pub rid: Option<String>,
    pub duration_ms: Option<i64>,
    /// The check this ping recorded (finishes only).
    pub check_id: Option<String>,
    pub body: Option<String>,
}

/// How many pings the detail shows.
pub const PINGS_SHOWN: u32 = 20;

pub async fn heartbeat_view(db: &D1Database, row: &MonitorRow) -> Result<Option<HeartbeatView>, AppError> {
    if row.monitor_type != "heartbeat" {
        return Ok(None);
    }
    let state = crate::core::heartbeat::State::parse(row.heartbeat_state.as_deref());
    let pings = heartbeats::recent_pings(db, row.id, PINGS_SHOWN).await?;
    Ok(Some(HeartbeatView {
        last_ping_at: state.last_ping_ms.map(iso),
        last_duration_ms: state.last_duration_ms,
        deadline_at: row.deadline_ms.map(iso),
        open_runs: state.runs.iter().map(|r| RunView { rid: r.rid.clone(), started_at: iso(r.started_ms) }).collect(),
        pings: pings
            .into_iter()
            .map(|p| PingView {
                received_at: iso(p.received_ms),
                check_id: p.slot.map(|s| check_id(row.id, s)),
                kind: p.kind,
                exit_status: p.exit_status,
                rid: p.rid,
                duration_ms: p.duration_ms,
                body: p.body,
            })
            .collect(),
    }))
}

fn monitor_not_found(id: i64) -> AppError {
    AppError::NotFound(format!("monitor {id}"))
}

pub async fn list_monitors(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["project", "limit", "cursor"])?;
    let limit = q.limit()?;
    let after = q.id("cursor")?.unwrap_or(0);
    let rows = monitors::list(&ctx.db()?, ctx.user_id()?, q.id("project")?, after, limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    let items = rows.iter().map(|r| MonitorView::of(&ctx, r, None)).collect::<Result<Vec<_>, _>>()?;
    json(200, &Page { items, next_cursor })
}

pub async fn create_monitor(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let given = input::parse_object(&body, &monitor::input_fields())?;
    let db = ctx.db()?;
    let project = target_project(&ctx, &db, given.get("project")).await?;
    let spec = MonitorSpec::from_map(given, project, ctx.config.target_policy)?;
    zone::check(&spec)?;
    let row = monitors::insert(&db, &spec, ctx.now).await?;
    let mut response = json(201, &MonitorView::of(&ctx, &row, None)?)?;
    let _ = response.headers_mut().set("location", &format!("/api/monitors/{}", row.id));
    Ok(response)
}

pub async fn get_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let db = ctx.db()?;
    let row = monitors::get_owned(&db, ctx.user_id()?, id).await?.ok_or_else(|| monitor_not_found(id))?;
    let latest = checks::latest(&db, id).await?.map(CheckView::from);
    let mut view = MonitorView::of(&ctx, &row, latest)?;
    view.heartbeat = heartbeat_view(&db, &row).await?;
    json(200, &view)
}

pub async fn patch_monitor(mut ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let body = ctx.json_body().await?;
    let db = ctx.db()?;
    let row = monitors::get_owned(&db, ctx.user_id()?, id).await?.ok_or_else(|| monitor_not_found(id))?;
    let spec = row.spec()?.patch(&body, ctx.config.target_policy)?;
    zone::check(&spec)?;
    if spec.project_id != row.project_id {
        // Moving a monitor: the destination must be the caller's too.
        target_project(&ctx, &db, Some(&Value::from(spec.project_id))).await?;
    }
    let mut row = monitors::update(&db, id, &spec, ctx.now).await?.ok_or_else(|| monitor_not_found(id))?;
    if spec.monitor_type == MonitorType::Heartbeat || row.deadline_ms.is_some() {
        crate::heartbeat::rearm(&db, &ctx.config, &row, ctx.now).await?;
        row = monitors::get(&db, id).await?.ok_or_else(|| monitor_not_found(id))?;
    }
    json(200, &MonitorView::of(&ctx, &row, None)?)
}

pub async fn delete_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    if !monitors::delete(&ctx.db()?, ctx.user_id()?, id).await? {
        return Err(monitor_not_found(id));
    }
    Ok(Response::empty().context("empty response")?.with_status(204))
}

#[derive(Serialize)]
struct Accepted {
    check_id: String,
    monitor_id: i64,
    kind: JobKind,
    checks_url: String,
}

/// Queues one immediate check (paused monitors too: the user asked for it).
pub async fn run_monitor(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    let row = monitors::get_owned(&ctx.db()?, ctx.user_id()?, id).await?.ok_or_else(|| monitor_not_found(id))?;
    if row.monitor_type == "heartbeat" {
        return Err(AppError::Conflict(FieldError::new("monitor_type", "a heartbeat monitor is not run: its job pings it (see ping_url)")));
    }
    let slot = manual_slot(ctx.now, row.last_checked_at.as_deref().and_then(parse_iso), row.recheck_slot);
    let job = CheckJob { timed_out: row.in_slow_lane(), ..CheckJob::new(id, slot, JobKind::Manual, Some(row.spec_json()?)) };
    let queue = bindings::checks_queue(&ctx.env, Lane::of(job.timed_out))?;
    let accepted = Accepted { check_id: job.check_id(), monitor_id: id, kind: job.kind, checks_url: format!("/api/checks?monitor={id}") };
    crate::meter::send(&queue, MessageBuilder::new(CheckMessage::One(job)).build()).await.context("queueing a manual check")?;
    json(202, &accepted)
}

pub async fn list_checks(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["monitor", "status", "since", "until", "limit", "cursor"])?;
    let status = q
        .text("status")
        .map(|s| CheckStatus::parse(&s.to_ascii_uppercase()).ok_or_else(|| FieldError::new("status", "must be UP, DOWN, TIMEOUT or BOT_DETECTED")))
        .transpose()?;
    let before = q
        .text("cursor")
        .map(|c| crate::core::schedule::parse_check_id(c).map(|(m, s)| (s, m)).ok_or_else(|| FieldError::new("cursor", "is not a cursor this API gave out")))
        .transpose()?;
    let filter = CheckFilter { owner: ctx.user_id()?, monitor: q.id("monitor")?, status, since: q.time("since")?, until: q.time("until")?, before, limit: q.limit()? };
    let db = ctx.db()?;
    let rows = checks::list(&db, &filter).await?;
    let next_cursor = next_cursor(&rows, filter.limit, |r| check_id(r.monitor_id, r.slot));
    let accept = ctx.req.headers().get("accept").ok().flatten();
    if accept::preferred(accept.as_deref(), &["application/json", "text/csv"]) == 1 {
        return checks_csv(&ctx, &db, filter.owner, &rows, next_cursor).await;
    }
    let mut response = json(200, &Page { items: rows.into_iter().map(CheckView::from).collect(), next_cursor })?;
    let _ = response.headers_mut().set("vary", "Accept");
    Ok(response)
}

/// The same page as seed 002's CSV (DESIGN.md §8). The cursor goes in `Link: <...>; rel="next"`
/// (the same URL with `cursor` set) and `X-Next-Cursor`; the last page has neither.
async fn checks_csv(ctx: &Ctx, db: &D1Database, owner: i64, rows: &[checks::CheckRow], next_cursor: Option<String>) -> Result<Response, AppError> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r.monitor_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = checks::site_domains(db, owner, &ids).await?;
    let records = rows.iter().filter_map(|r| {
        let n = names.iter().find(|n| n.monitor_id == r.monitor_id)?;
        Some(csv::CheckRecord {
            timestamp: &r.started_at,
            site_id: &n.site_id,
            domain_id: &n.domain_id,
            domain_status: &r.status,
            http_status: r.http_status,
            latency_ms: r.latency_ms,
            failure_type: r.failure_type.as_deref(),
        })
    });
    let mut response = Response::ok(csv::write(records)).context("CSV")?;
    let headers = response.headers_mut();
    let _ = headers.set("content-type", csv::MEDIA_TYPE);
    let _ = headers.set("vary", "Accept");
    if let Some(cursor) = next_cursor {
        let mut url = ctx.req.url().context("request URL")?;
        let kept: Vec<(String, String)> = url.query_pairs().filter(|(k, _)| k != "cursor").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        url.query_pairs_mut().clear().extend_pairs(kept).append_pair("cursor", &cursor);
        let next = format!("{}?{}", url.path(), url.query().unwrap_or_default());
        let _ = headers.set("link", &format!("<{next}>; rel=\"next\""));
        let _ = headers.set("x-next-cursor", &cursor);
    }
    Ok(response)
}

#[derive(Serialize)]
struct IncidentView {
    #[serde(flatten)]
    incident: IncidentRow,
    open: bool,
    /// The incident's events and how far each got toward alert delivery.
    events: Vec<EventRow>,
}

pub async fn list_incidents(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["project", "monitor", "state", "limit", "cursor"])?;
    let open = match q.text("state") {
        None => None,
        Some("open") => Some(true),
        Some("resolved") => Some(false),
        Some(_) => return Err(FieldError::new("state", "must be open or resolved").into()),
    };
    let filter = IncidentFilter { owner: ctx.user_id()?, project: q.id("project")?, monitor: q.id("monitor")?, open, before_id: q.id("cursor")?, limit: q.limit()? };
    let db = ctx.db()?;
    let rows = incidents::list(&db, &filter).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut events = incidents::events_of(&db, &ids).await?;
    let next_cursor = next_cursor(&rows, filter.limit, |r| r.id.to_string());
    let items = rows
        .into_iter()
        .map(|incident| {
            let (mine, rest): (Vec<EventRow>, Vec<EventRow>) = events.drain(..).partition(|e| e.incident_id == incident.id);
            events = rest;
            IncidentView { open: incident.resolved_at.is_none(), incident, events: mine }
        })
        .collect();
    json(200, &Page { items, next_cursor })
}

/// Test hook (VIGIL_TEST_HOOKS=true only): sends the given check jobs to the main checks queue
/// verbatim, one message each, in one batch, so a test can deliver the same message twice; or,
/// as `{"packed": [jobs of one slot and kind]}`, in one packed message, so they run in one
/// invocation whatever `max_batch_size` is. 404 when hooks are off.
pub async fn enqueue_raw_jobs(mut ctx: Ctx) -> Result<Response, AppError> {
    ctx.test_hooks_only()?;
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum RawJobs {
        Each(Vec<CheckJob>),
        Packed { packed: Vec<CheckJob> },
    }
    let body = ctx.json_body().await?;
    let raw: RawJobs = serde_json::from_str(&body).map_err(|e| FieldError::body(format!("expected an array of check jobs or {{\"packed\": [...]}}: {e}")))?;
    let (mut jobs, packed) = match raw {
        RawJobs::Each(jobs) => (jobs, false),
        RawJobs::Packed { packed } => (packed, true),
    };
    // Scoped like every route: another tenant's monitor id is not found, and nothing is queued.
    let ids: Vec<i64> = jobs.iter().map(|j| j.monitor_id).collect();
    require_owned(&ids, &monitors::owned_ids(&ctx.db()?, ctx.user_id()?, &ids).await?, "monitor")?;
    // The consumer then reads each monitor's stored (validated) config, never one the caller sent.
    for job in &mut jobs {
        job.spec = None;
    }
    let queue = ctx.env.queue(CHECKS_QUEUE).context("checks queue binding")?;
    let count = jobs.len();
    let messages: Vec<CheckMessage> = match jobs.first() {
        Some(first) if packed => {
            if jobs.iter().any(|j| j.slot != first.slot || j.kind != first.kind) {
                return Err(FieldError::new("packed", "jobs of one packed message share a slot and a kind").into());
            }
            let packed = jobs.iter().map(|j| PackedJob { monitor_id: j.monitor_id, spec: None, timed_out: j.timed_out }).collect();
            vec![CheckMessage::Packed(PackedJobs { slot: first.slot, kind: first.kind, jobs: packed })]
        }
        _ => jobs.into_iter().map(CheckMessage::One).collect(),
    };
    crate::meter::send_batch(&queue, messages.into_iter().map(|m| MessageBuilder::new(m).build()).collect::<Vec<_>>()).await.context("sending test jobs")?;
    json(202, &serde_json::json!({ "queued": count }))
}

/// Test hook (VIGIL_TEST_HOOKS=true only): arms faults of this isolate (`src/hooks.rs`).
/// `{"sends": [false, true], "messages_per_send": 1, "jobs_per_message": 2}`: the tick's next
/// `send_batch` calls succeed or fail in that order, with at most that many messages (of that
/// many jobs) each;
/// `{"fail_jobs": {"monitor_id": 7, "times": 1}}`: that monitor's next check jobs fail.
pub async fn arm_faults(mut ctx: Ctx) -> Result<Response, AppError> {
    ctx.test_hooks_only()?;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Faults {
        #[serde(default)]
        sends: Vec<bool>,
        messages_per_send: Option<usize>,
        jobs_per_message: Option<usize>,
        fail_jobs: Option<FailJobs>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct FailJobs {
        monitor_id: i64,
        times: u32,
    }
    let body = ctx.json_body().await?;
    let faults: Faults = serde_json::from_str(&body).map_err(|e| FieldError::body(format!("expected faults: {e}")))?;
    crate::hooks::arm_sends(faults.sends, faults.messages_per_send, faults.jobs_per_message);
    if let Some(f) = faults.fail_jobs {
        crate::hooks::fail_jobs(f.monitor_id, f.times);
    }
    json(200, &serde_json::json!({ "armed": true }))
}

/// Test hook (VIGIL_TEST_HOOKS=true only): moves this isolate's clock forward by `advance_ms`
/// (0 to 400 days), so a benchmark can cross hours, rollups and retention without waiting.
/// Answers the clock's new time and offset. 404 when hooks are off.
pub async fn advance_clock(mut ctx: Ctx) -> Result<Response, AppError> {
    ctx.test_hooks_only()?;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        advance_ms: i64,
    }
    const MAX_MS: i64 = 400 * 86_400_000;
    let body = ctx.json_body().await?;
    let a: Advance = serde_json::from_str(&body).map_err(|e| FieldError::body(format!("expected {{\"advance_ms\": N}}: {e}")))?;
    if !(0..=MAX_MS).contains(&a.advance_ms) {
        return Err(FieldError::new("advance_ms", format!("must be 0 to {MAX_MS} (400 days)")).into());
    }
    let offset_ms = crate::hooks::advance_clock(a.advance_ms);
    json(200, &serde_json::json!({ "offset_ms": offset_ms, "now_ms": crate::clock::now_ms() }))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::core::failure::FailureKind;
    use crate::routes::meta::OPENAPI;

    /// The document's `FailureKind` enum is exactly the core's codes, and checks and incidents
    /// both carry `failure_kind` with it.
    #[test]
    fn openapi_failure_kinds_match_the_core() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let schemas = &doc["components"]["schemas"];
        let documented: Vec<&str> = schemas["FailureKind"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let codes: Vec<&str> = FailureKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(documented, codes);
        for schema in ["Check", "IncidentRow"] {
            let s = &schemas[schema];
            assert!(s["required"].as_array().unwrap().iter().any(|r| r == "failure_kind"), "{schema} requires failure_kind");
            let refs = s["properties"]["failure_kind"]["anyOf"].to_string();
            assert!(refs.contains("#/components/schemas/FailureKind") && refs.contains("null"), "{schema}: {refs}");
        }
    }

    /// The description names every kind of the enum (it once left out the heartbeat ones).
    #[test]
    fn openapi_failure_kind_description_names_every_code() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let description = doc["components"]["schemas"]["FailureKind"]["description"].as_str().unwrap();
        let missing: Vec<&str> = FailureKind::ALL.iter().map(|k| k.as_str()).filter(|code| !description.contains(code)).collect();
        assert!(missing.is_empty(), "FailureKind's description omits {missing:?}");
    }

    /// The documented webhook body (`WebhookEvent`, `WebhookMonitor`) has exactly the keys
    /// `webhook::payload` sends, for every monitor type and event, all of them required.
    #[test]
    fn openapi_webhook_schema_matches_the_payload() {
        use crate::core::notify::fixtures::{opened, reminder, resolved, test_event};
        use crate::core::webhook::{payload, MonitorInfo};
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let schemas = &doc["components"]["schemas"];
        let keys = |v: &Value| -> Vec<String> {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let required = |s: &Value| -> Vec<String> {
            let mut k: Vec<String> = s["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
            k.sort();
            assert_eq!(k, keys(&s["properties"]), "every property is required (null, never missing)");
            k
        };
        let event = &schemas["WebhookEvent"];
        let data = &event["properties"]["data"];
        let incident = &data["properties"]["incident"]["anyOf"][0];
        let check = &data["properties"]["check"]["anyOf"][0];
        let monitors = [
            MonitorInfo::from_columns(1, "api", "https://api.example.com/", "http", None, None),
            MonitorInfo::from_columns(2, "db", "tcp://db.example.com:5432", "tcp", None, None),
            MonitorInfo::from_columns(3, "mx", "", "dns", Some("example.com"), Some("MX")),
            MonitorInfo::from_columns(4, "job", "", "heartbeat", None, None),
        ];
        for m in monitors {
            for e in [opened("x"), resolved("x"), reminder("x")] {
                let e = crate::core::webhook::EventInfo { monitor: Some(m.clone()), ..e };
                let v: Value = serde_json::from_str(&payload(&e, 0)).unwrap();
                assert_eq!(keys(&v), required(event));
                assert!(event["properties"]["type"]["enum"].as_array().unwrap().contains(&v["type"]));
                assert_eq!(keys(&v["data"]), required(data));
                assert_eq!(keys(&v["data"]["monitor"]), required(&schemas["WebhookMonitor"]), "{:?}", m.monitor_type);
                assert_eq!(keys(&v["data"]["incident"]), required(incident));
                assert_eq!(keys(&v["data"]["check"]), required(check));
                let monitor_types = &schemas["MonitorCreate"]["properties"]["monitor_type"]["enum"];
                assert!(monitor_types.as_array().unwrap().contains(&v["data"]["monitor"]["monitor_type"]));
            }
        }
        let t: Value = serde_json::from_str(&payload(&test_event(), 0)).unwrap();
        assert_eq!(t["type"], "test");
        assert_eq!(keys(&t["data"]["project"]), required(&data["properties"]["project"]));
        let hooks: Vec<&str> = doc["webhooks"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut events: Vec<&str> = event["properties"]["type"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        events.sort();
        assert_eq!(hooks, events, "one documented webhook per event type");
        let mut kinds: Vec<&str> = crate::core::webhook::EventKind::ALL.iter().map(|k| k.as_str()).collect();
        kinds.sort();
        assert_eq!(events, kinds);
    }
}
