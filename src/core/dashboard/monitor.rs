//! Monitor pages (DESIGN.md §10): the create/edit form, the detail page (latency chart, recent
//! checks, incidents, actions) and the delete confirmation.
use super::form::{def, FieldDef, FormState, Kind};
use super::html::{ago, button_form, csrf, error_summary, field, page, select, Chrome, Field, Html, Input, Section};
use crate::core::dns::RecordType;
use crate::core::monitor::{MonitorSpec, MonitorType};
use crate::core::ssrf::TargetPolicy;
use crate::core::status::CheckStatus;
use crate::core::status_page::state_text;
use crate::core::time::{iso, EpochMs};

/// Every monitor field, as the API names it, and how its input becomes JSON.
pub const FIELDS: &[FieldDef] = &[
    def("project", Kind::Num),
    def("monitor_type", Kind::Text),
    def("name", Kind::Text),
    // Empty is null: no URL (a DNS monitor), or "required" for the types that need one.
    def("url", Kind::OptText),
    def("hostname", Kind::OptText),
    def("record_type", Kind::OptText),
    def("expected_values", Kind::Lines),
    def("check_interval_seconds", Kind::Num),
    def("method", Kind::Text),
    def("headers", Kind::Headers),
    def("body", Kind::OptText),
    def("expected_status_codes", Kind::Nums),
    def("body_contains", Kind::OptText),
    def("bot_protection_string", Kind::OptText),
    def("bot_counts_as_failure", Kind::Bool),
    def("expected_response_time_ms", Kind::OptNum),
    def("timeout_seconds", Kind::Num),
    def("failure_threshold", Kind::Num),
    def("recovery_threshold", Kind::Num),
    def("retries", Kind::Num),
    def("backoff_factor", Kind::Num),
    def("retry_status_codes", Kind::Nums),
    def("assertions", Kind::JsonList),
    def("role", Kind::Text),
    def("is_active", Kind::Bool),
    def("grace_seconds", Kind::OptNum),
    def("schedule", Kind::OptText),
    def("tz", Kind::OptText),
];

fn names() -> Vec<&'static str> {
    FIELDS.iter().map(|d| d.name).collect()
}

/// The model's defaults, from the model itself (a monitor made from nothing but a URL). The
/// glue passes them to the form (an error here would be a bug in the model's defaults).
pub fn defaults() -> Result<MonitorSpec, crate::core::input::FieldError> {
    MonitorSpec::create(r#"{"url":"https://example.com/"}"#, 1, TargetPolicy::default())
}

fn codes(c: &[u16]) -> String {
    c.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// A stored (or default) monitor as form values.
pub fn state_of(spec: &MonitorSpec) -> FormState {
    let mut s = FormState::default();
    s.set("project", spec.project_id.to_string());
    s.set("name", spec.name.clone());
    s.set("monitor_type", spec.monitor_type.as_str());
    s.set("url", spec.url.clone());
    s.set("hostname", spec.hostname.clone().unwrap_or_default());
    s.set("record_type", spec.record_type.map(|t| t.as_str()).unwrap_or_default());
    s.set("expected_values", spec.expected_values.join("\n"));
    let assertions = if spec.assertions.is_empty() { String::new() } else { serde_json::to_string_pretty(&spec.assertions).unwrap_or_default() };
    s.set("assertions", assertions);
    s.set("check_interval_seconds", spec.check_interval_seconds.to_string());
    s.set("method", spec.method.as_str());
    s.set("headers", spec.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n"));
    s.set("body", spec.body.clone().unwrap_or_default());
    s.set("expected_status_codes", codes(&spec.expected_status_codes));
    s.set("body_contains", spec.body_contains.clone().unwrap_or_default());
    s.set("bot_protection_string", spec.bot_protection_string.clone().unwrap_or_default());
    s.set("bot_counts_as_failure", spec.bot_counts_as_failure.to_string());
    s.set("expected_response_time_ms", spec.expected_response_time_ms.map(|v| v.to_string()).unwrap_or_default());
    s.set("timeout_seconds", spec.timeout_seconds.to_string());
    s.set("failure_threshold", spec.failure_threshold.to_string());
    s.set("recovery_threshold", spec.recovery_threshold.to_string());
    s.set("retries", spec.retries.to_string());
    s.set("backoff_factor", spec.backoff_factor.to_string());
    s.set("retry_status_codes", codes(&spec.retry_status_codes));
    s.set("role", if spec.role == crate::core::monitor::Role::Supplementary { "supplementary" } else { "core" });
    s.set("is_active", spec.is_active.to_string());
    s.set("grace_seconds", spec.grace_seconds.map(|g| g.to_string()).unwrap_or_default());
    s.set("schedule", spec.schedule.clone().unwrap_or_default());
    s.set("tz", spec.tz.clone().unwrap_or_default());
    s
}

/// A new monitor's form: the defaults, no name or URL yet, in `project` when given.
pub fn new_state(d: &MonitorSpec, project: Option<i64>) -> FormState {
    let mut s = state_of(d);
    s.set("name", "");
    s.set("url", "");
    s.set("project", project.map(|p| p.to_string()).unwrap_or_default());
    s
}

const GROUPS: &[(&str, &[&str])] = &[
    ("DNS (dns monitors)", &["hostname", "record_type", "expected_values"]),
    ("Request (http monitors)", &["method", "headers", "body"]),
    ("What counts as up", &["expected_status_codes", "body_contains", "bot_protection_string", "bot_counts_as_failure", "assertions", "expected_response_time_ms"]),
    ("Patience", &["timeout_seconds", "failure_threshold", "recovery_threshold", "retries", "backoff_factor", "retry_status_codes"]),
    ("Role and state", &["role", "is_active"]),
    ("Heartbeat (heartbeat monitors)", &["grace_seconds", "schedule", "tz"]),
];

/// The create/edit form: `edit` is the monitor's id and stored name, `None` for a new one.
pub fn form_page(c: &Chrome, d: &MonitorSpec, edit: Option<(i64, &str)>, state: &FormState, projects: &[(i64, String)]) -> String {
    let id = edit.map(|(id, _)| id);
    let title = match edit {
        Some((_, name)) => format!("Edit {name}"),
        None => "Add a monitor".to_string(),
    };
    page(&Chrome { section: Section::Monitors, ..*c }, &title, |h| {
        error_summary(h, state, &names());
        h.r("<form method=post class=form action=\"");
        match id {
            Some(id) => h.r("/app/monitors/").n(id),
            None => h.r("/app/monitors"),
        };
        h.r("\" novalidate>");
        csrf(h, c.csrf);
        let mut options: Vec<(String, String)> = projects.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
        if state.value("project").is_empty() && projects.len() != 1 {
            options.insert(0, (String::new(), "Choose a project".into()));
        }
        select(h, state, "project", "Project", &options);
        let types: Vec<(String, String)> = MonitorType::ALL
            .iter()
            .map(|t| (t.as_str().to_string(), type_label(*t).to_string()))
            .collect();
        select(h, state, "monitor_type", "Type", &types);
        field(h, state, Field::new("name", "Name", Input::Text).hint("Default: the URL's host name (a DNS monitor's hostname)"));
        field(h, state, Field::new("url", "URL", Input::Url).hint("http:// or https:// for HTTP, tcp://host:port for TCP; none for DNS"));
        let interval = format!("Seconds between checks, 60 to 86400. Default: {}", d.check_interval_seconds);
        field(h, state, Field::new("check_interval_seconds", "Check every (seconds)", Input::Number).hint(&interval));
        for (legend, members) in GROUPS {
            // A group holding the failed field starts open, so its inline error is visible.
            let open = members.iter().any(|m| state.error_on(m).is_some());
            h.r("<details").r(if open { " open" } else { "" }).r("><summary>").r(legend).r("</summary><div class=grp>");
            for m in *members {
                group_field(h, state, m, d);
            }
            h.r("</div></details>");
        }
        h.r("<div class=actions><button class=\"btn primary\">").r(if id.is_some() { "Save changes" } else { "Add monitor" }).r("</button>");
        match id {
            Some(id) => h.r("<a href=\"/app/monitors/").n(id).r("\">Cancel</a>"),
            None => h.r("<a href=/app>Cancel</a>"),
        };
        h.r("</div></form>");
    })
}

fn group_field(h: &mut Html, s: &FormState, name: &str, d: &MonitorSpec) {
    let opt = |v: &[&str]| v.iter().map(|x| (x.to_string(), x.to_string())).collect::<Vec<_>>();
    match name {
        "hostname" => field(h, s, Field::new("hostname", "Hostname", Input::Text).hint("The name to resolve, e.g. example.com")),
        "record_type" => {
            let mut types = vec![(String::new(), "A (default)".to_string())];
            types.extend(RecordType::ALL.iter().map(|t| (t.as_str().to_string(), t.as_str().to_string())));
            select(h, s, "record_type", "Record type", &types);
        }
        "expected_values" => field(h, s, Field::new("expected_values", "Expected values", Input::Textarea).hint("One per line; the answer must hold them all. Default: any record")),
        "assertions" => field(
            h,
            s,
            Field::new("assertions", "Assertions (http)", Input::Textarea)
                .hint(r#"A JSON list, e.g. [{"source":"json","path":"$.status","op":"==","value":"ok"}]. Default: none"#),
        ),
        "grace_seconds" => {
            let hint = format!("How late a ping may be, 60 to 2592000. Default: {}", crate::core::heartbeat::DEFAULT_GRACE_SECONDS);
            field(h, s, Field::new("grace_seconds", "Grace time (seconds)", Input::Number).hint(&hint));
        }
        "schedule" => field(h, s, Field::new("schedule", "Cron schedule", Input::Text).hint("Five fields, e.g. 30 2 * * * (instead of \"Check every\"). Default: none")),
        "tz" => field(h, s, Field::new("tz", "Time zone of the schedule", Input::Text).hint("IANA name, e.g. Europe/Berlin. Default: UTC")),
        "method" => select(h, s, "method", "Method", &opt(&["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])),
        "headers" => field(h, s, Field::new("headers", "Request headers", Input::Textarea).hint("One per line: Name: value. Default: none")),
        "body" => field(h, s, Field::new("body", "Request body", Input::Textarea).hint("Not for GET or HEAD. Default: none")),
        "expected_status_codes" => {
            let hint = format!("Comma-separated. Default: {}", codes(&d.expected_status_codes));
            field(h, s, Field::new("expected_status_codes", "Expected status codes", Input::Text).hint(&hint));
        }
        "body_contains" => field(h, s, Field::new("body_contains", "Body must contain", Input::Text).hint("Default: anything")),
        "bot_protection_string" => field(h, s, Field::new("bot_protection_string", "Bot wall text", Input::Text).hint("Text that marks a bot challenge page. Default: none")),
        "bot_counts_as_failure" => field(h, s, Field::new("bot_counts_as_failure", "A bot wall counts as a failure", Input::Checkbox).hint("Default: off")),
        "expected_response_time_ms" => field(h, s, Field::new("expected_response_time_ms", "Slow above (ms)", Input::Number).hint("Default: never slow")),
        "timeout_seconds" => {
            let hint = format!("1 to 30. Default: {}", d.timeout_seconds);
            field(h, s, Field::new("timeout_seconds", "Timeout (seconds)", Input::Number).hint(&hint));
        }
        "failure_threshold" => {
            let hint = format!("Failed checks in a row that open an incident, 1 to 10. Default: {}", d.failure_threshold);
            field(h, s, Field::new("failure_threshold", "Failure threshold", Input::Number).hint(&hint));
        }
        "recovery_threshold" => {
            let hint = format!("Good checks in a row that resolve it, 1 to 10. Default: {}", d.recovery_threshold);
            field(h, s, Field::new("recovery_threshold", "Recovery threshold", Input::Number).hint(&hint));
        }
        "retries" => {
            let hint = format!("0 to 3. Default: {}", d.retries);
            field(h, s, Field::new("retries", "Retries", Input::Number).hint(&hint));
        }
        "backoff_factor" => {
            let hint = format!("0 to 5. Default: {}", d.backoff_factor);
            field(h, s, Field::new("backoff_factor", "Backoff factor", Input::Number).hint(&hint));
        }
        "retry_status_codes" => {
            let hint = format!("501 to 504. Default: {}", codes(&d.retry_status_codes));
            field(h, s, Field::new("retry_status_codes", "Retry on status codes", Input::Text).hint(&hint));
        }
        "role" => select(h, s, "role", "Role", &[("core".into(), "Core: down means the site is down".into()), ("supplementary".into(), "Supplementary: down means degraded".into())]),
        "is_active" => field(h, s, Field::new("is_active", "Active (checked on schedule)", Input::Checkbox).hint("Default: on")),
        _ => {}
    }
}

fn type_label(t: MonitorType) -> &'static str {
    match t {
        MonitorType::Http => "HTTP(S) request",
        MonitorType::Tcp => "TCP port",
        MonitorType::Dns => "DNS record",
        MonitorType::Heartbeat => "Heartbeat (pinged by your job)",
    }
}

/// One check row of the detail page.
pub struct CheckLine<'a> {
    pub at: &'a str,
    pub at_ms: EpochMs,
    pub kind: &'a str,
    pub status: &'a str,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub attempts: i64,
    pub failure: Option<&'a str>,
}

pub struct IncidentLine<'a> {
    pub id: i64,
    pub opened_ms: EpochMs,
    pub resolved_ms: Option<EpochMs>,
    pub cause: &'a str,
}

pub struct Detail<'a> {
    pub now_ms: EpochMs,
    pub id: i64,
    pub spec: &'a MonitorSpec,
    pub project_name: &'a str,
    pub status: Option<CheckStatus>,
    pub slow: bool,
    pub incident_open: bool,
    pub last_checked_ms: Option<EpochMs>,
    /// (time, latency) of the last 4 hours, oldest first.
    pub latency: &'a [(EpochMs, u32)],
    pub checks: &'a [CheckLine<'a>],
    /// The cursor of the next (older) page of checks, when there is one.
    pub older: Option<&'a str>,
    /// The page shown is not the newest.
    pub paged: bool,
    pub incidents: &'a [IncidentLine<'a>],
    pub notice: Option<&'static str>,
    /// Heartbeat monitors: the ping URL, deadline, runs and logged pings.
    pub heartbeat: Option<HeartbeatInfo<'a>>,
}

pub struct HeartbeatInfo<'a> {
    pub ping_url: &'a str,
    pub deadline_ms: Option<EpochMs>,
    pub last_ping_ms: Option<EpochMs>,
    pub last_duration_ms: Option<EpochMs>,
    pub open_runs: usize,
    pub pings: &'a [PingLine<'a>],
}

/// One logged ping (a `/start`, a `/log`, or one with a body).
pub struct PingLine<'a> {
    pub at_ms: EpochMs,
    pub kind: &'a str,
    pub exit_status: Option<i64>,
    pub rid: Option<&'a str>,
    pub duration_ms: Option<i64>,
    pub body: Option<&'a str>,
}

fn heartbeat_section(h: &mut Html, now: EpochMs, hb: &HeartbeatInfo) {
    h.r("<section aria-labelledby=hb-h><h2 id=hb-h>Heartbeat</h2><p>Ping URL: <code id=ping-url>").t(hb.ping_url);
    h.r("</code> <button type=button class=\"btn copy\" data-copy=ping-url>Copy</button></p>");
    h.r("<p class=mut>From the job: <code>curl -fsS -m 10 --retry 5 ").t(hb.ping_url).r("</code>; add <code>/start</code> before it runs, <code>/fail</code> or <code>/$?</code> (its exit status) after, <code>?rid=</code> to pair overlapping runs.</p><p>");
    match hb.deadline_ms {
        Some(d) if d > now => h.r("Late after <time datetime=\"").t(&iso(d)).r("\">").t(&iso(d)).r("</time>"),
        Some(d) => h.r("Overdue since <time datetime=\"").t(&iso(d)).r("\">").t(&ago(now, d)).r("</time>"),
        None => h.r("Waiting for a ping (not DOWN before it)"),
    };
    h.r(" · last ping ");
    match hb.last_ping_ms {
        Some(at) => h.t(&ago(now, at)),
        None => h.r("never"),
    };
    if let Some(d) = hb.last_duration_ms {
        h.r(" · last run took ").t(&crate::core::text::duration_ms(d));
    }
    if hb.open_runs > 0 {
        h.r(" · ").n(hb.open_runs).r(" running");
    }
    h.r("</p>");
    if !hb.pings.is_empty() {
        h.r("<div class=tw><table><thead><tr><th scope=col>Time (UTC)<th scope=col>Ping<th scope=col>Run<th scope=col class=num>Duration<th scope=col>Body</thead><tbody>");
        for p in hb.pings {
            h.r("<tr><td>").t(&iso(p.at_ms)).r("<td>").t(p.kind);
            if let Some(e) = p.exit_status {
                h.r(" ").n(e);
            }
            h.r("<td>").t(p.rid.unwrap_or("")).r("<td class=num>");
            match p.duration_ms {
                Some(d) => h.t(&crate::core::text::duration_ms(d)),
                None => h.r("–"),
            };
            h.r("<td>");
            if let Some(b) = p.body {
                h.r("<pre>").t(b).r("</pre>");
            }
        }
        h.r("</tbody></table></div>");
    }
    h.r("</section>");
}

const CHART_W: i64 = 480;
const CHART_H: i64 = 120;
const WINDOW_MS: i64 = 4 * 3_600_000;

/// The latency chart: a polyline over the last 4 hours, scaled to the slowest check, with its
/// figures in words for those who cannot see it.
fn chart(h: &mut Html, points: &[(EpochMs, u32)], now: EpochMs, label: &'static str) {
    h.r("<figure class=chart><figcaption>").r(label).r(", last 4 hours");
    if points.is_empty() {
        h.r(": no checks yet</figcaption></figure>");
        return;
    }
    let mut sorted: Vec<u32> = points.iter().map(|p| p.1).collect();
    sorted.sort_unstable();
    let max = *sorted.last().unwrap_or(&1);
    let median = sorted[(sorted.len() - 1) / 2];
    h.r(": median ").n(median).r(" ms, slowest ").n(max).r(" ms, ").n(points.len()).r(" checks</figcaption>");
    let top = i64::from(max.max(1));
    let from = now - WINDOW_MS;
    let mut d = String::with_capacity(points.len() * 10);
    for (i, (at, ms)) in points.iter().enumerate() {
        let x = ((at - from).clamp(0, WINDOW_MS) * CHART_W) / WINDOW_MS;
        let y = CHART_H - (i64::from(*ms) * (CHART_H - 4)) / top;
        d.push_str(&format!("{}{x},{y}", if i == 0 { "M" } else { " L" }));
    }
    h.r("<svg viewBox=\"0 0 480 120\" preserveAspectRatio=none aria-hidden=true><path d=\"").t(&d).r("\"></path></svg></figure>");
}

fn status_class(status: &str) -> &'static str {
    match status {
        "UP" => "u",
        "BOT_DETECTED" => "b",
        _ => "d",
    }
}

pub fn detail_page(c: &Chrome, v: &Detail) -> String {
    page(&Chrome { section: Section::Monitors, ..*c }, &v.spec.name, |h| {
        super::html::notice(h, v.notice);
        let (class, word) = if !v.spec.is_active {
            ("n", "Paused")
        } else {
            let fresh = crate::core::status_page::fresh_status(v.status, v.last_checked_ms, v.spec.check_interval_seconds, v.now_ms);
            (match fresh {
                Some(CheckStatus::Up) if v.slow => "s",
                Some(CheckStatus::Up) => "u",
                Some(CheckStatus::BotDetected) => "b",
                Some(_) => "d",
                None => "n",
            }, state_text(fresh, v.slow))
        };
        h.r("<p class=meta><span class=\"st ").r(class).r("\">").r(word).r("</span>");
        if v.incident_open {
            h.r(" <span class=\"pill d\">Open incident</span>");
        }
        let grace = v.spec.grace_seconds.unwrap_or_default();
        match (&v.heartbeat, &v.spec.schedule) {
            (None, _) => {
                let verb = match v.spec.monitor_type {
                    MonitorType::Http => v.spec.method.as_str(),
                    other => other.as_str(),
                };
                h.r(" <span class=url>").t(verb).r(" ").t(&v.spec.target()).r("</span> · ").t(v.project_name).r(" · every ").n(v.spec.check_interval_seconds).r(" s");
            }
            (Some(_), Some(cron)) => {
                h.r(" heartbeat · ").t(v.project_name).r(" · schedule <code>").t(cron).r("</code> (").t(v.spec.tz.as_deref().unwrap_or("UTC")).r(") + ").n(grace).r(" s grace");
            }
            (Some(_), None) => {
                h.r(" heartbeat · ").t(v.project_name).r(" · every ").n(v.spec.check_interval_seconds).r(" s + ").n(grace).r(" s grace");
            }
        };
        h.r(" · last checked ");
        match v.last_checked_ms {
            Some(at) => h.t(&ago(v.now_ms, at)),
            None => h.r("never"),
        };
        h.r("</p><div class=actions>");
        h.r("<a class=btn href=\"/app/monitors/").n(v.id).r("/edit\">Edit</a>");
        let base = format!("/app/monitors/{}", v.id);
        if v.heartbeat.is_none() {
            button_form(h, c.csrf, &format!("{base}/run"), "Run now", "btn", None);
        }
        if v.spec.is_active {
            button_form(h, c.csrf, &format!("{base}/pause"), "Pause", "btn", None);
        } else {
            button_form(h, c.csrf, &format!("{base}/resume"), "Resume", "btn", None);
        }
        h.r("<a class=\"btn danger\" href=\"/app/monitors/").n(v.id).r("/delete\">Delete</a></div>");
        chart(h, v.latency, v.now_ms, if v.heartbeat.is_some() { "Run duration" } else { "Latency" });
        if let Some(hb) = &v.heartbeat {
            heartbeat_section(h, v.now_ms, hb);
        }
        h.r("<section aria-labelledby=inc-h><h2 id=inc-h>Incidents</h2>");
        if v.incidents.is_empty() {
            h.r("<p class=mut>No incidents.</p>");
        } else {
            h.r("<ul class=list>");
            for i in v.incidents {
                h.r("<li id=\"incident-").n(i.id).r("\"><span class=\"pill ").r(if i.resolved_ms.is_some() { "u\">Resolved" } else { "d\">Open" }).r("</span> opened <time datetime=\"").t(&iso(i.opened_ms)).r("\">").t(&ago(v.now_ms, i.opened_ms)).r("</time>");
                if let Some(r) = i.resolved_ms {
                    h.r(", lasted ").t(&crate::core::text::duration_ms(r - i.opened_ms));
                }
                h.r(" · ").t(i.cause).r(" · <a href=\"/app/incidents/").n(i.id).r("\">Post an update<span class=sr> to this incident</span></a></li>");
            }
            h.r("</ul>");
        }
        h.r("</section><section aria-labelledby=chk-h><h2 id=chk-h>Recent checks</h2>");
        if v.checks.is_empty() {
            h.r("<p class=mut>No checks yet: the next tick checks it (within a minute of adding or editing).</p>");
        } else {
            h.r("<div class=tw><table><thead><tr><th scope=col>Time (UTC)<th scope=col>Result<th scope=col class=num>HTTP<th scope=col class=num>Latency<th scope=col class=num>Tries<th scope=col>Reason</thead><tbody>");
            for ch in v.checks {
                h.r("<tr><td><time datetime=\"").t(ch.at).r("\">").t(ch.at.get(..19).unwrap_or(ch.at).replace('T', " ").as_str()).r("</time>");
                if ch.kind != "scheduled" {
                    h.r(" <small>").t(ch.kind).r("</small>");
                }
                h.r("<td><span class=\"st ").r(status_class(ch.status)).r("\">").t(ch.status).r("</span><td class=num>");
                match ch.http_status {
                    Some(s) => h.n(s),
                    None => h.r("–"),
                };
                h.r("<td class=num>");
                match ch.latency_ms {
                    Some(ms) => h.n(ms).r(" ms"),
                    None => h.r("–"),
                };
                h.r("<td class=num>").n(ch.attempts).r("<td>").t(ch.failure.unwrap_or(""));
            }
            h.r("</tbody></table></div><nav class=pager aria-label=\"Check pages\">");
            if v.paged {
                h.r("<a href=\"/app/monitors/").n(v.id).r("\">Newest</a>");
            }
            if let Some(cursor) = v.older {
                h.r("<a href=\"/app/monitors/").n(v.id).r("?before=").t(cursor).r("\">Older checks</a>");
            }
            h.r("</nav>");
        }
        h.r("</section>");
        let _ = v.checks.first().map(|c| c.at_ms);
    })
}

pub fn delete_page(c: &Chrome, id: i64, name: &str) -> String {
    page(&Chrome { section: Section::Monitors, ..*c }, "Delete monitor", |h| {
        h.r("<p>Delete <strong>").t(name).r("</strong>? Its checks, incidents and history go with it. This cannot be undone.</p><form method=post action=\"/app/monitors/").n(id).r("/delete\" class=actions>");
        csrf(h, c.csrf);
        h.r("<button class=\"btn danger\">Delete monitor</button><a href=\"/app/monitors/").n(id).r("\">Cancel</a></form>");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::FieldError;

    fn chrome() -> Chrome<'static> {
        Chrome { username: "u", is_admin: false, csrf: "tok", section: Section::Monitors }
    }

    #[test]
    fn every_model_field_has_an_input() {
        let d = defaults().unwrap();
        let html = form_page(&chrome(), &d, None, &new_state(&d, None), &[(1, "P".into())]);
        for f in crate::core::monitor::FIELDS {
            assert!(html.contains(&format!("name={f}")), "no input for {f}");
        }
        assert_eq!(names().len(), crate::core::monitor::FIELDS.len());
        // Defaults are shown (and prefilled).
        assert!(html.contains("Default: 300") && html.contains("value=\"300\""), "{html}");
        assert!(html.contains("name=csrf value=\"tok\""));
    }

    #[test]
    fn stored_monitor_round_trips_through_the_form() {
        let spec = MonitorSpec::create(
            r#"{"name":"A","url":"https://example.com/x","headers":{"X-A":"1"},"expected_status_codes":[200,204],"body_contains":"ok","expected_response_time_ms":500,"is_active":false}"#,
            3,
            TargetPolicy::default(),
        )
        .unwrap();
        let state = state_of(&spec);
        let form = super::super::form::Form(state.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        let map = super::super::form::to_json(&form, FIELDS);
        let again = MonitorSpec::from_map(map, 99, TargetPolicy::default()).unwrap();
        assert_eq!(again, spec);
    }

    /// A DNS and a TCP monitor, and an HTTP one with assertions, round-trip through the no-JS
    /// form; the form offers every type.
    #[test]
    fn every_type_round_trips_through_the_form() {
        let local = TargetPolicy { allow_private: true };
        for body in [
            r#"{"name":"mx","monitor_type":"dns","hostname":"example.com","record_type":"MX","expected_values":["mail.example.com","10 mx2.example.com"]}"#,
            r#"{"name":"txt","monitor_type":"dns","hostname":"example.com","record_type":"TXT","expected_values":["v=spf1 include:_spf.example.com -all"]}"#,
            r#"{"name":"db","monitor_type":"tcp","url":"tcp://127.0.0.1:5432"}"#,
            r#"{"name":"api","url":"https://example.com/health","assertions":[{"source":"json","path":"$.status","op":"==","value":"ok"},{"source":"latency_ms","op":"<","value":500}]}"#,
        ] {
            let spec = MonitorSpec::create(body, 3, local).unwrap();
            let state = state_of(&spec);
            let form = super::super::form::Form(state.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
            let map = super::super::form::to_json(&form, FIELDS);
            let again = MonitorSpec::from_map(map, 99, local).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(again, spec, "{body}");
            // Editing keeps the type: a PATCH of the same form changes nothing.
            let map = super::super::form::to_json(&form, FIELDS);
            assert_eq!(spec.patch(&serde_json::Value::Object(map).to_string(), local).unwrap(), spec, "{body}");
        }
        let d = defaults().unwrap();
        let html = form_page(&chrome(), &d, None, &new_state(&d, None), &[(1, "P".into())]);
        for t in ["http", "tcp", "dns", "heartbeat"] {
            assert!(html.contains(&format!("<option value=\"{t}\"")), "{t} offered");
        }
    }

    /// An error inside an assertion (`assertions[1].op`) is shown next to the assertions input.
    #[test]
    fn assertion_errors_sit_next_to_their_field() {
        let d = defaults().unwrap();
        let mut state = new_state(&d, Some(1));
        state.set("assertions", r#"[{"source":"status","op":"==","value":200},{"source":"status","op":"~","value":1}]"#);
        let form = super::super::form::Form(state.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        let mut map = super::super::form::to_json(&form, FIELDS);
        map.insert("url".into(), "https://example.com".into());
        let err = MonitorSpec::from_map(map, 1, TargetPolicy::default()).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("assertions[1].op"));
        state.error = Some(err);
        let html = form_page(&chrome(), &d, None, &state, &[(1, "P".into())]);
        assert!(html.contains("<details open><summary>What counts as up"), "{html}");
        assert!(html.contains("id=e-assertions>"), "{html}");
    }

    #[test]
    fn heartbeat_form_round_trips_and_detail_shows_the_ping_url() {
        let spec = MonitorSpec::create(r#"{"monitor_type":"heartbeat","name":"nightly","schedule":"30 2 * * *","tz":"Europe/Berlin","grace_seconds":600}"#, 3, TargetPolicy::default()).unwrap();
        let form = super::super::form::Form(state_of(&spec).values.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        let again = MonitorSpec::from_map(super::super::form::to_json(&form, FIELDS), 99, TargetPolicy::default()).unwrap();
        assert_eq!(again, spec);
        let pings = [PingLine { at_ms: 0, kind: "log", exit_status: None, rid: Some("r1"), duration_ms: Some(1500), body: Some("<b>tail</b>") }];
        let hb = HeartbeatInfo { ping_url: "https://v.example/ping/AAAAAAAAAAAAAAAAAAAAAA", deadline_ms: None, last_ping_ms: Some(0), last_duration_ms: Some(1500), open_runs: 1, pings: &pings };
        let v = Detail {
            now_ms: 60_000, id: 7, spec: &spec, project_name: "P", status: None, slow: false, incident_open: false, last_checked_ms: None,
            latency: &[], checks: &[], older: None, paged: false, incidents: &[], notice: None, heartbeat: Some(hb),
        };
        let html = detail_page(&chrome(), &v);
        assert!(html.contains("<code id=ping-url>https://v.example/ping/AAAAAAAAAAAAAAAAAAAAAA</code> <button type=button class=\"btn copy\" data-copy=ping-url>Copy</button>"), "{html}");
        assert!(html.contains("schedule <code>30 2 * * *</code> (Europe/Berlin) + 600 s grace"), "{html}");
        assert!(html.contains("Waiting for a ping") && html.contains("1 running") && html.contains("Run duration"));
        assert!(html.contains("&lt;b&gt;tail&lt;/b&gt;") && !html.contains("<b>tail"), "bodies are escaped");
        assert!(!html.contains("/run\""), "a heartbeat has no Run now");
    }

    #[test]
    fn inline_error_opens_its_group_and_keeps_input() {
        let d = defaults().unwrap();
        let mut state = new_state(&d, Some(1));
        state.set("url", "https://example.com");
        state.set("timeout_seconds", "99");
        state.error = Some(FieldError::new("timeout_seconds", "must be between 1 and 30, got 99"));
        let html = form_page(&chrome(), &d, None, &state, &[(1, "P".into())]);
        assert!(html.contains("<details open><summary>Patience"), "{html}");
        assert!(html.contains("<p class=err id=e-timeout_seconds>must be between 1 and 30, got 99</p>"));
        assert!(html.contains("value=\"99\""));
        assert!(html.contains("role=alert"));
    }

    #[test]
    fn detail_escapes_everything_user_made() {
        let spec = MonitorSpec::create(r#"{"name":"<script>n</script>","url":"https://example.com/?q=<x>"}"#, 1, TargetPolicy::default()).unwrap();
        let checks = [CheckLine { at: "2026-12-01T10:00:00.000Z", at_ms: 0, kind: "manual", status: "DOWN", http_status: Some(500), latency_ms: Some(12), attempts: 1, failure: Some("status 500 <b>") }];
        let incidents = [IncidentLine { id: 1, opened_ms: 0, resolved_ms: None, cause: "<i>cause</i>" }];
        let v = Detail {
            now_ms: 60_000,
            id: 7,
            spec: &spec,
            project_name: "<p>",
            status: Some(CheckStatus::Down),
            slow: false,
            incident_open: true,
            last_checked_ms: Some(1000),
            latency: &[(1000, 12), (30_000, 40)],
            checks: &checks,
            older: Some("7-123"),
            paged: false,
            incidents: &incidents,
            notice: None,
            heartbeat: None,
        };
        let html = detail_page(&chrome(), &v);
        for bad in ["<script>n", "<x>", "<b>", "<i>cause", "<p>"] {
            assert!(!html.contains(bad), "{bad} unescaped");
        }
        assert!(html.contains("?before=7-123"));
        assert!(html.contains("action=\"/app/monitors/7/run\""));
        assert!(delete_page(&chrome(), 7, "<b>x</b>").contains("&lt;b&gt;x"));
    }
}
