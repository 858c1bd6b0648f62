//! The settings pages (DESIGN.md §10): projects, notification endpoints and their deliveries,
//! maintenance windows, API tokens, export/import, password, users. Each is a view of what the
//! API does; the forms carry the API's field names.
use serde_json::{Map, Value};

use super::form::{def, FieldDef, Form, FormState, Kind};
use super::html::{button_form, csrf, error_summary, field, notice, page, select, Chrome, Field, Html, Input, Section};
use crate::core::email::Provider;
use crate::core::endpoint::Kind as EndpointKind;
use crate::core::notify::Channel;

pub const PROJECT_FIELDS: &[FieldDef] = &[def("name", Kind::Text), def("slug", Kind::Text), def("public", Kind::Bool), def("custom_domain", Kind::OptText)];

pub struct ProjectLine<'a> {
    pub id: i64,
    pub name: &'a str,
    pub slug: &'a str,
    pub public: bool,
}

fn secret_box(h: &mut Html, what: &'static str, secret: &str) {
    h.r("<div class=secret role=status><strong>").r(what).r(", shown once:</strong><code id=secret>").t(secret).r("</code><button type=button class=\"btn copy\" data-copy=secret>Copy</button></div><p class=mut>Copy it now: vigil keeps only a hash and cannot show it again.</p>");
}

fn head_row(h: &mut Html, cols: &[&'static str]) {
    h.r("<div class=tw><table><thead><tr>");
    for c in cols {
        h.r("<th scope=col>").r(c);
    }
    h.r("</thead><tbody>");
}

pub fn projects_page(c: &Chrome, list: &[ProjectLine], state: &FormState, note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Projects, ..*c }, "Projects", |h| {
        notice(h, note);
        if list.is_empty() {
            h.r("<p class=empty>No projects yet: a project holds monitors and alert endpoints, and can have a public status page.</p>");
        } else {
            head_row(h, &["Project", "Status page", "Monitors", ""]);
            for p in list {
                h.r("<tr><td>").t(p.name).r("<td>");
                if p.public {
                    h.r("<a href=\"/status/").t(p.slug).r("\">/status/").t(p.slug).r("</a>");
                } else {
                    h.r("<span class=mut>private</span>");
                }
                h.r("<td><a href=\"/app?project=").n(p.id).r("\">Monitors</a><td><a href=\"/app/projects/").n(p.id).r("\">Edit<span class=sr> ").t(p.name).r("</span></a>");
            }
            h.r("</tbody></table></div>");
        }
        h.r("<h2>New project</h2>");
        project_form(h, c.csrf, "/app/projects", state, "Create project");
    })
}

fn project_form(h: &mut Html, token: &str, action: &str, state: &FormState, button: &'static str) {
    error_summary(h, state, &["name", "slug", "public", "custom_domain"]);
    h.r("<form method=post class=\"card form\" action=\"").t(action).r("\">");
    csrf(h, token);
    field(h, state, Field::new("name", "Name", Input::Text).required());
    field(h, state, Field::new("slug", "Slug", Input::Text).hint("The status page address /status/<slug>: a-z, 0-9 and -. Default: made from the name"));
    field(h, state, Field::new("public", "Public status page", Input::Checkbox).hint("Anyone with the link can see this project's status page. Default: on"));
    field(h, state, Field::new("custom_domain", "Custom domain", Input::Text).hint("Optional: a hostname like status.example.com that serves this page at / (route it to the worker in wrangler.toml). Empty: none"));
    h.r("<button class=\"btn primary\">").r(button).r("</button></form>");
}

pub fn project_page(c: &Chrome, id: i64, name: &str, state: &FormState) -> String {
    page(&Chrome { section: Section::Projects, ..*c }, name, |h| {
        project_form(h, c.csrf, &format!("/app/projects/{id}"), state, "Save project");
        h.r("<p><a href=\"/app/projects/").n(id).r("/subscribers\">Status page subscribers</a> · <a href=/app/projects>All projects</a></p>");
    })
}

/// A status page subscriber as its owner sees it.
pub struct SubscriberLine<'a> {
    pub id: i64,
    pub email: &'a str,
    pub confirmed: bool,
    /// "all" or the monitors' names.
    pub monitors: String,
    pub created_at: &'a str,
}

/// A project's status page subscribers: how many, who, and a remove button each.
pub fn subscribers_page(c: &Chrome, project_id: i64, name: &str, (confirmed, unconfirmed): (i64, i64), enabled: bool, list: &[SubscriberLine], note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Projects, ..*c }, &format!("{name}: subscribers"), |h| {
        notice(h, note);
        h.r("<p><strong>").n(confirmed).r(" confirmed</strong>, ").n(unconfirmed).r(" waiting for confirmation. Confirmed subscribers get an email when an incident opens or resolves and when an update is posted.</p>");
        if !enabled {
            h.r("<p class=mut>Subscriptions are off for this instance or this page: the page shows no form (README \"Subscriptions\" says what they need).</p>");
        }
        if list.is_empty() {
            h.r("<p class=empty>No subscribers yet.</p>");
        } else {
            head_row(h, &["Email", "State", "Monitors", "Since (UTC)", "Action"]);
            for s in list {
                h.r("<tr><td>").t(s.email).r("<td>").r(if s.confirmed { "confirmed" } else { "waiting" }).r("<td>").t(&s.monitors).r("<td>").t(&minute(s.created_at)).r("<td>");
                button_form(h, c.csrf, &format!("/app/subscribers/{}/delete", s.id), "Remove", "link", Some("Remove this subscriber? They get no more email."));
            }
            h.r("</tbody></table></div>");
        }
        h.r("<p><a href=\"/app/projects/").n(project_id).r("\">Back to the project</a></p>");
    })
}

/// Endpoint fields of a creation (`project` and `kind` cannot change later). Credentials
/// (`bot_token`, `routing_key`, `token`, `app_token`) are plain text: empty is left out, so an
/// edit that leaves them empty keeps the stored one.
pub const ENDPOINT_FIELDS: &[FieldDef] = &[
    def("project", Kind::Num),
    def("name", Kind::Text),
    def("kind", Kind::Text),
    def("url", Kind::Text),
    def("recipients", Kind::Words),
    def("provider", Kind::OptText),
    def("bot_token", Kind::Text),
    def("chat_id", Kind::Text),
    def("message_thread_id", Kind::OptNum),
    def("routing_key", Kind::Text),
    def("topic", Kind::Text),
    def("token", Kind::Text),
    def("app_token", Kind::Text),
    def("user_key", Kind::Text),
    def("events", Kind::Words),
    def("reminder_minutes", Kind::OptNum),
    def("is_active", Kind::Bool),
];
const ENDPOINT_NAMES: &[&str] = &[
    "project", "name", "kind", "url", "recipients", "provider", "bot_token", "chat_id", "message_thread_id", "routing_key", "topic", "token",
    "app_token", "user_key", "events", "reminder_minutes", "is_active",
];
/// Fields every kind has.
const COMMON_FIELDS: &[&str] = &["project", "name", "kind", "events", "reminder_minutes", "is_active"];

/// The fields of one endpoint kind, from the API's own description of it (`core::endpoint`),
/// so the form and the API cannot disagree on what a kind takes.
fn kind_fields(kind: EndpointKind) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = COMMON_FIELDS.to_vec();
    if kind.has_url() {
        names.push("url");
    }
    if kind == EndpointKind::Email {
        names.extend(["recipients", "provider"]);
    }
    names.extend(kind.credential_field());
    names.extend(kind.config_fields());
    names
}

/// The API body of an endpoint form: only the fields its kind has (a webhook form's empty
/// recipients box is not "recipients: []", a Slack form's empty bot token is not sent). An
/// unknown kind keeps the common fields, and the API names `kind` in its refusal.
pub fn endpoint_json(form: &Form, kind: &str, creating: bool) -> Map<String, Value> {
    let mut map = super::form::to_json(form, ENDPOINT_FIELDS);
    let keep = EndpointKind::parse(kind).map(kind_fields).unwrap_or_else(|| COMMON_FIELDS.to_vec());
    map.retain(|name, _| keep.contains(&name.as_str()));
    if !creating {
        map.remove("project");
        map.remove("kind");
    }
    map
}

/// The kinds the form offers, in the order a user looks for them, with their labels.
pub fn endpoint_kinds() -> Vec<(String, String)> {
    let mut kinds = vec![("webhook".to_string(), "Webhook (signed JSON POST)".to_string()), ("email".to_string(), "Email".to_string())];
    kinds.extend(Channel::ALL.iter().map(|c| (c.as_str().to_string(), channel_label(*c).to_string())));
    kinds
}

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Slack => "Slack",
        Channel::Discord => "Discord",
        Channel::Telegram => "Telegram",
        Channel::Teams => "Microsoft Teams",
        Channel::PagerDuty => "PagerDuty",
        Channel::Ntfy => "ntfy",
        Channel::Pushover => "Pushover",
        Channel::GoogleChat => "Google Chat",
    }
}

pub struct EndpointLine<'a> {
    pub id: i64,
    pub name: &'a str,
    pub kind: &'a str,
    pub target: String,
    pub project: &'a str,
    pub is_active: bool,
    pub disabled_reason: Option<&'a str>,
}

pub fn endpoints_page(c: &Chrome, list: &[EndpointLine], note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Endpoints, ..*c }, "Alert endpoints", |h| {
        notice(h, note);
        h.r("<div class=actions><a class=\"btn primary\" href=/app/endpoints/new>Add endpoint</a></div>");
        if list.is_empty() {
            h.r("<p class=empty>No endpoints: add a webhook or an email list to hear about incidents.</p>");
            return;
        }
        head_row(h, &["Endpoint", "Kind", "Sends to", "Project", "State"]);
        for e in list {
            h.r("<tr><td><a href=\"/app/endpoints/").n(e.id).r("\">").t(e.name).r("</a><td>").t(e.kind).r("<td class=url>").t(&e.target).r("<td>").t(e.project).r("<td>");
            match (e.is_active, e.disabled_reason) {
                (true, _) => h.r("<span class=\"st u\">Active</span>"),
                (false, Some(why)) => h.r("<span class=\"st d\">Disabled</span><small>").t(why).r("</small>"),
                (false, None) => h.r("<span class=\"st n\">Off</span>"),
            };
        }
        h.r("</tbody></table></div>");
    })
}

/// The endpoint form: new (`id` None) or edit. Fields that only some kinds have come in
/// groups marked with their kinds (`data-kinds`): a new endpoint's form shows every group with
/// its legend, so it works without script (app.js hides the groups of other kinds); an
/// existing endpoint's form shows only its own kind's.
pub fn endpoint_form(h: &mut Html, token: &str, id: Option<i64>, state: &FormState, projects: &[(i64, String)]) {
    error_summary(h, state, ENDPOINT_NAMES);
    h.r("<form method=post class=\"card form\" action=\"");
    match id {
        Some(id) => h.r("/app/endpoints/").n(id),
        None => h.r("/app/endpoints"),
    };
    h.r("\">");
    csrf(h, token);
    if id.is_none() {
        let mut options: Vec<(String, String)> = projects.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
        if projects.len() != 1 {
            options.insert(0, (String::new(), "Choose a project".into()));
        }
        select(h, state, "project", "Project", &options);
        select(h, state, "kind", "Kind", &endpoint_kinds());
    } else {
        h.r("<input type=hidden name=kind value=\"").t(state.value("kind")).r("\">");
    }
    field(h, state, Field::new("name", "Name", Input::Text).required());
    let editing = id.is_some();
    let kind = EndpointKind::parse(state.value("kind"));
    let shown = |of: &dyn Fn(EndpointKind) -> bool| !editing || kind.is_some_and(of);
    // Kept credentials are never shown again; an empty box on an edit keeps them.
    let keep = |new: &'static str| if editing { "Leave empty to keep the one stored (it is never shown again)" } else { new };
    if shown(&|k| k.has_url()) {
        group(h, "webhook slack discord teams google_chat ntfy", "Webhook, Slack, Discord, Teams, Google Chat, ntfy", editing, |h| {
            let hint = match kind {
                Some(k) if editing && k.secret_url() => "The incoming-webhook URL holds a credential, so it is not shown: leave empty to keep it",
                Some(EndpointKind::Chat(Channel::Ntfy)) if editing => "The ntfy server. Empty: keep the current one",
                _ => "Webhook: where the signed POST goes. Slack, Discord, Teams, Google Chat: the incoming-webhook URL the app gives you. ntfy: your server (default https://ntfy.sh)",
            };
            field(h, state, Field::new("url", "URL", Input::Url).hint(hint));
        });
    }
    if shown(&|k| k == EndpointKind::Email) {
        group(h, "email", "Email", editing, |h| {
            field(h, state, Field::new("recipients", "Email recipients", Input::Textarea).hint("Addresses separated by commas or lines"));
            let mut providers = vec![(String::new(), "The configured default (EMAIL_PROVIDER)".to_string())];
            providers.extend(Provider::ALL.iter().map(|p| (p.as_str().to_string(), p.as_str().to_string())));
            select(h, state, "provider", "Email provider", &providers);
        });
    }
    if shown(&|k| k == EndpointKind::Chat(Channel::Telegram)) {
        group(h, "telegram", "Telegram", editing, |h| {
            field(h, state, Field::new("bot_token", "Bot token", Input::Password).hint(keep("From @BotFather: 123456:ABC-...")));
            field(h, state, Field::new("chat_id", "Chat", Input::Text).hint("A chat id like -1001234567890, or @channelname of a public channel"));
            field(h, state, Field::new("message_thread_id", "Forum topic id", Input::Number).hint("Optional: post in this topic of a forum group"));
        });
    }
    if shown(&|k| k == EndpointKind::Chat(Channel::PagerDuty)) {
        group(h, "pagerduty", "PagerDuty", editing, |h| {
            field(h, state, Field::new("routing_key", "Integration (routing) key", Input::Password).hint(keep("The 32-character key of an Events API v2 integration")));
        });
    }
    if shown(&|k| k == EndpointKind::Chat(Channel::Ntfy)) {
        group(h, "ntfy", "ntfy", editing, |h| {
            field(h, state, Field::new("topic", "Topic", Input::Text).hint("The topic your phones subscribe to"));
            field(h, state, Field::new("token", "Access token", Input::Password).hint(keep("Optional: tk_... for a protected topic")));
        });
    }
    if shown(&|k| k == EndpointKind::Chat(Channel::Pushover)) {
        group(h, "pushover", "Pushover", editing, |h| {
            field(h, state, Field::new("app_token", "Application API token", Input::Password).hint(keep("The 30-character token of your Pushover application")));
            field(h, state, Field::new("user_key", "User or group key", Input::Text).hint("The 30-character key from the Pushover dashboard"));
        });
    }
    h.r("<fieldset class=f><legend>Events</legend><input type=hidden name=events value=\"\">");
    let chosen = state.value("events");
    for (value, label) in [("incident.opened", "Incident opened"), ("incident.resolved", "Incident resolved")] {
        h.r("<label class=cbl><input type=checkbox name=events value=\"").r(value).r("\"");
        if chosen.split([',', ' ']).any(|e| e == value) {
            h.r(" checked");
        }
        h.r("> ").r(label).r("</label>");
    }
    if let Some(e) = state.error_on("events") {
        h.r("<p class=err id=e-events>").t(e).r("</p>");
    }
    h.r("</fieldset>");
    // PagerDuty escalates by itself, and the API refuses reminders for it.
    if kind != Some(EndpointKind::Chat(Channel::PagerDuty)) || !editing {
        field(h, state, Field::new("reminder_minutes", "Remind every (minutes)", Input::Number).hint("While an incident stays open, 5 to 1440 (not for PagerDuty). Default: no reminders"));
    }
    field(h, state, Field::new("is_active", "Active", Input::Checkbox).hint("Default: on"));
    h.r("<button class=\"btn primary\">").r(if editing { "Save endpoint" } else { "Add endpoint" }).r("</button></form>");
}

/// A group of kind-specific fields. On a new endpoint's form it is a fieldset labelled with
/// the kinds it is for; on an edit (one kind only) the fields stand as they are.
fn group(h: &mut Html, kinds: &'static str, legend: &'static str, editing: bool, fields: impl FnOnce(&mut Html)) {
    if editing {
        fields(h);
        return;
    }
    h.r("<fieldset class=\"f kind\" data-kinds=\"").r(kinds).r("\"><legend>").r(legend).r("</legend>");
    fields(h);
    h.r("</fieldset>");
}

pub fn new_endpoint_page(c: &Chrome, state: &FormState, projects: &[(i64, String)]) -> String {
    page(&Chrome { section: Section::Endpoints, ..*c }, "Add an alert endpoint", |h| endpoint_form(h, c.csrf, None, state, projects))
}

pub struct DeliveryLine<'a> {
    pub at: &'a str,
    pub event: &'a str,
    pub recipient: Option<&'a str>,
    pub attempt: i64,
    pub outcome: &'a str,
    pub http_status: Option<i64>,
    pub error: Option<&'a str>,
    pub latency_ms: Option<i64>,
}

pub struct EndpointDetail<'a> {
    pub id: i64,
    pub name: &'a str,
    pub kind: &'a str,
    pub state: &'a FormState,
    /// Shown once, right after creation or rotation.
    pub secret: Option<&'a str>,
    pub deliveries: &'a [DeliveryLine<'a>],
    pub notice: Option<&'static str>,
}

pub fn endpoint_page(c: &Chrome, v: &EndpointDetail) -> String {
    page(&Chrome { section: Section::Endpoints, ..*c }, v.name, |h| {
        notice(h, v.notice);
        if let Some(s) = v.secret {
            secret_box(h, "Signing secret", s);
        }
        let base = format!("/app/endpoints/{}", v.id);
        h.r("<div class=actions>");
        button_form(h, c.csrf, &format!("{base}/test"), "Send test", "btn", None);
        if v.kind == "webhook" {
            button_form(h, c.csrf, &format!("{base}/rotate"), "Rotate secret", "btn", Some("Rotate the signing secret? Receivers must be given the new one."));
        }
        button_form(h, c.csrf, &format!("{base}/delete"), "Delete", "btn danger", Some("Delete this endpoint and its delivery log?"));
        h.r("</div><h2 id=dl-h>Deliveries</h2>");
        if v.deliveries.is_empty() {
            h.r("<p class=mut>No deliveries yet. “Send test” sends one now.</p>");
        } else {
            head_row(h, &["Time (UTC)", "Event", "Attempt", "Outcome", "HTTP", "Latency", "Detail"]);
            for d in v.deliveries {
                let class = match d.outcome {
                    "delivered" => "u",
                    "suppressed" | "skipped" => "n",
                    _ => "d",
                };
                h.r("<tr><td><time datetime=\"").t(d.at).r("\">").t(&d.at.get(..19).unwrap_or(d.at).replace('T', " ")).r("</time><td>").t(d.event);
                if let Some(r) = d.recipient {
                    h.r("<small>").t(r).r("</small>");
                }
                h.r("<td class=num>").n(d.attempt).r("<td><span class=\"st ").r(class).r("\">").t(d.outcome).r("</span><td class=num>");
                match d.http_status {
                    Some(s) => h.n(s),
                    None => h.r("–"),
                };
                h.r("<td class=num>");
                match d.latency_ms {
                    Some(ms) => h.n(ms).r(" ms"),
                    None => h.r("–"),
                };
                h.r("<td>").t(d.error.unwrap_or(""));
            }
            h.r("</tbody></table></div>");
        }
        h.r("<h2>Settings</h2>");
        endpoint_form(h, c.csrf, Some(v.id), v.state, &[]);
    })
}

pub const MAINTENANCE_FIELDS: &[FieldDef] = &[
    def("project", Kind::Num),
    def("monitor", Kind::Num),
    def("title", Kind::Text),
    def("starts_at", Kind::UtcTime),
    def("ends_at", Kind::UtcTime),
];

pub struct WindowLine<'a> {
    pub id: i64,
    pub title: &'a str,
    pub scope: String,
    pub starts_at: &'a str,
    pub ends_at: &'a str,
    /// "Active", "Upcoming" or "Past".
    pub when: &'static str,
}

fn minute(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

pub fn maintenance_page(c: &Chrome, list: &[WindowLine], state: &FormState, projects: &[(i64, String)], monitors: &[(i64, String)], note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Maintenance, ..*c }, "Maintenance windows", |h| {
        notice(h, note);
        h.r("<p class=mut>During a window, incidents still open but alerts are held, and the status page says so.</p>");
        if !list.is_empty() {
            head_row(h, &["Window", "Covers", "From (UTC)", "To (UTC)", "", ""]);
            for w in list {
                h.r("<tr><td>").t(w.title).r("<td>").t(&w.scope).r("<td>").t(&minute(w.starts_at)).r("<td>").t(&minute(w.ends_at)).r("<td>").r(w.when).r("<td>");
                button_form(h, c.csrf, &format!("/app/maintenance/{}/delete", w.id), "Delete", "link", Some("Delete this maintenance window?"));
            }
            h.r("</tbody></table></div>");
        }
        h.r("<h2>New window</h2>");
        error_summary(h, state, &["project", "monitor", "title", "starts_at", "ends_at"]);
        h.r("<form method=post action=/app/maintenance class=\"card form\">");
        csrf(h, c.csrf);
        let mut p: Vec<(String, String)> = projects.iter().map(|(id, n)| (id.to_string(), n.clone())).collect();
        if projects.len() != 1 {
            p.insert(0, (String::new(), "Choose a project".into()));
        }
        select(h, state, "project", "Project", &p);
        let mut m = vec![(String::new(), "The whole project".to_string())];
        m.extend(monitors.iter().map(|(id, n)| (id.to_string(), n.clone())));
        select(h, state, "monitor", "Only this monitor", &m);
        field(h, state, Field::new("title", "Title", Input::Text).required());
        field(h, state, Field::new("starts_at", "Starts (UTC)", Input::DateTime).required());
        field(h, state, Field::new("ends_at", "Ends (UTC)", Input::DateTime).hint("At most 31 days after the start").required());
        h.r("<button class=\"btn primary\">Create window</button></form>");
    })
}

pub const TOKEN_FIELDS: &[FieldDef] = &[def("name", Kind::Text), def("scopes", Kind::Words), def("expires_in_days", Kind::Num)];

pub struct TokenLine<'a> {
    pub id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub scopes: String,
    pub created_at: &'a str,
    pub last_used_at: Option<&'a str>,
    pub expires_at: Option<&'a str>,
}

pub fn tokens_page(c: &Chrome, list: &[TokenLine], state: &FormState, created: Option<&str>, note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Tokens, ..*c }, "API tokens", |h| {
        notice(h, note);
        if let Some(t) = created {
            secret_box(h, "Your new token", t);
        }
        h.r("<p class=mut>Tokens are for scripts and the REST API (<code>Authorization: Bearer …</code>). The dashboard never needs one.</p>");
        if !list.is_empty() {
            head_row(h, &["Name", "Starts with", "Scopes", "Created", "Last used", "Expires", ""]);
            for t in list {
                h.r("<tr><td>").t(t.name).r("<td><code>").t(t.prefix).r("…</code><td>").t(&t.scopes).r("<td>").t(&minute(t.created_at)).r("<td>").t(&t.last_used_at.map(minute).unwrap_or_else(|| "never".into())).r("<td>").t(&t.expires_at.map(minute).unwrap_or_else(|| "never".into())).r("<td>");
                button_form(h, c.csrf, &format!("/app/tokens/{}/revoke", t.id), "Revoke", "link", Some("Revoke this token? Scripts using it stop working."));
            }
            h.r("</tbody></table></div>");
        }
        h.r("<h2>New token</h2>");
        error_summary(h, state, &["name", "scopes", "expires_in_days"]);
        h.r("<form method=post action=/app/tokens class=\"card form\">");
        csrf(h, c.csrf);
        field(h, state, Field::new("name", "Name", Input::Text).hint("What it is for, e.g. “deploy script”").required());
        select(h, state, "scopes", "Scopes", &[("read write".into(), "Read and write".into()), ("read".into(), "Read only".into())]);
        field(h, state, Field::new("expires_in_days", "Expires after (days)", Input::Number).hint("1 to 3650. Default: never"));
        h.r("<button class=\"btn primary\">Create token</button></form>");
    })
}

/// What an import did: its counts, and the heartbeat monitors it gave a new ping URL
/// (`(monitor, ping URL)`), which their jobs do not know yet.
pub struct ImportSummary<'a> {
    pub counts: &'a str,
    pub new_ping_urls: &'a [(String, String)],
}

/// Export and import: the same documents as `GET /api/export` and `POST /api/import`.
pub fn data_page(c: &Chrome, error: Option<&str>, report: Option<&ImportSummary>) -> String {
    page(&Chrome { section: Section::Data, ..*c }, "Export and import", |h| {
        h.r("<h2>Export</h2><form method=get action=/app/export class=\"card form\"><div class=\"f cb\"><input type=checkbox id=f-include_secrets name=include_secrets value=true><label for=f-include_secrets>Include secrets</label><small>Webhook signing secrets, chat and pager credentials, and heartbeat ping tokens: an import elsewhere then keeps receivers and jobs working. Keep such a file as safe as a password.</small></div><button class=btn>Download export (JSON)</button></form>");
        h.r("<h2>Import</h2>");
        if let Some(r) = report {
            h.r("<div class=\"note ok\" role=status><p>Imported: ").t(r.counts).r("</p>");
            if !r.new_ping_urls.is_empty() {
                h.r("<p><strong>New ping URLs.</strong> These heartbeat monitors wait for a first ping at a URL their jobs do not know yet; until a job pings it, nothing alerts for its monitor:</p><ul>");
                for (name, url) in r.new_ping_urls {
                    h.r("<li>").t(name).r(": <code>").t(url).r("</code></li>");
                }
                h.r("</ul>");
            }
            h.r("</div>");
        }
        if let Some(e) = error {
            h.r("<div class=\"note bad\" role=alert><strong>Nothing was imported.</strong> ").t(e).r("</div>");
        }
        h.r("<form method=post action=/app/import enctype=multipart/form-data class=\"card form\">");
        csrf(h, c.csrf);
        h.r("<div class=f><label for=f-file>Export file (JSON)</label><input type=file id=f-file name=file accept=\"application/json,.json\" required><small>Projects match by slug, monitors and endpoints by name: importing twice adds nothing.</small></div>");
        h.r("<div class=\"f cb\"><input type=checkbox id=f-rename name=rename_taken_slugs value=true><label for=f-rename>Rename a slug another account already uses</label></div><button class=\"btn primary\">Import</button></form>");
    })
}

pub fn account_page(c: &Chrome, state: &FormState, note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Account, ..*c }, "Account", |h| {
        notice(h, note);
        h.r("<h2>Change password</h2>");
        error_summary(h, state, &["current_password", "password"]);
        h.r("<form method=post action=/app/account/password class=\"card form\">");
        csrf(h, c.csrf);
        h.r("<input type=text name=username autocomplete=username value=\"").t(c.username).r("\" hidden>");
        field(h, state, Field::new("current_password", "Current password", Input::Password));
        field(h, state, Field::new("password", "New password", Input::Password).hint("At least 8 characters").required());
        h.r("<button class=\"btn primary\">Change password</button></form>");
    })
}

pub const USER_FIELDS: &[FieldDef] = &[def("username", Kind::Text), def("password", Kind::Text), def("is_admin", Kind::Bool)];

pub struct UserLine<'a> {
    pub username: &'a str,
    pub is_admin: bool,
    pub created_at: &'a str,
}

pub fn users_page(c: &Chrome, list: &[UserLine], state: &FormState, note: Option<&'static str>) -> String {
    page(&Chrome { section: Section::Users, ..*c }, "Users", |h| {
        notice(h, note);
        head_row(h, &["Username", "Role", "Created"]);
        for u in list {
            h.r("<tr><td>").t(u.username).r("<td>").r(if u.is_admin { "Admin" } else { "User" }).r("<td>").t(&minute(u.created_at));
        }
        h.r("</tbody></table></div><h2>New user</h2>");
        error_summary(h, state, &["username", "password", "is_admin"]);
        h.r("<form method=post action=/app/users class=\"card form\">");
        csrf(h, c.csrf);
        field(h, state, Field::new("username", "Username", Input::Text).required());
        field(h, state, Field::new("password", "Password", Input::Password).hint("At least 8 characters; tell it to them another way").required());
        field(h, state, Field::new("is_admin", "Admin (manages users)", Input::Checkbox));
        h.r("<button class=\"btn primary\">Create user</button></form>");
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::FieldError;

    const EVIL: &str = "<script>alert(1)</script>";

    fn chrome() -> Chrome<'static> {
        Chrome { username: EVIL, is_admin: true, csrf: "tok", section: Section::Projects }
    }

    fn clean(html: &str, what: &str) {
        assert!(!html.contains("<script>alert"), "{what}: unescaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{what}: name missing");
        assert!(html.contains("name=csrf value=\"tok\""), "{what}: no CSRF token");
    }

    #[test]
    fn hostile_names_are_escaped_on_every_settings_page() {
        let mut state = FormState::from_pairs(&[("name", EVIL)]);
        state.error = Some(FieldError::new("name", EVIL));
        let projects = vec![(1, EVIL.to_string())];
        clean(&projects_page(&chrome(), &[ProjectLine { id: 1, name: EVIL, slug: "s", public: true }], &state, None), "projects");
        clean(&project_page(&chrome(), 1, EVIL, &state), "project");
        let ep = [EndpointLine { id: 1, name: EVIL, kind: "webhook", target: EVIL.into(), project: EVIL, is_active: false, disabled_reason: Some(EVIL) }];
        clean(&endpoints_page(&chrome(), &ep, None), "endpoints");
        clean(&new_endpoint_page(&chrome(), &state, &projects), "new endpoint");
        let d = [DeliveryLine { at: "2026-12-01T10:00:00.000Z", event: "test", recipient: Some(EVIL), attempt: 1, outcome: "failed", http_status: Some(500), error: Some(EVIL), latency_ms: Some(3) }];
        clean(&endpoint_page(&chrome(), &EndpointDetail { id: 1, name: EVIL, kind: "webhook", state: &state, secret: Some(EVIL), deliveries: &d, notice: None }), "endpoint");
        let w = [WindowLine { id: 1, title: EVIL, scope: EVIL.into(), starts_at: "2026-12-01T10:00:00Z", ends_at: "2026-12-01T11:00:00Z", when: "Active" }];
        clean(&maintenance_page(&chrome(), &w, &state, &projects, &projects, None), "maintenance");
        let t = [TokenLine { id: 1, name: EVIL, prefix: "vgl_abc", scopes: "read".into(), created_at: "x", last_used_at: None, expires_at: None }];
        clean(&tokens_page(&chrome(), &t, &state, Some(EVIL), None), "tokens");
        clean(&data_page(&chrome(), Some(EVIL), None), "data");
        let urls = [(EVIL.to_string(), EVIL.to_string())];
        clean(&data_page(&chrome(), None, Some(&ImportSummary { counts: EVIL, new_ping_urls: &urls })), "import report");
        clean(&account_page(&chrome(), &state, None), "account");
        clean(&users_page(&chrome(), &[UserLine { username: EVIL, is_admin: false, created_at: "x" }], &state, None), "users");
    }

    #[test]
    fn endpoint_body_has_only_its_kinds_fields() {
        let form = Form::parse_urlencoded(b"project=1&kind=webhook&name=h&url=http%3A%2F%2Fx&recipients=&provider=&events=&events=incident.opened&reminder_minutes=&is_active=false&is_active=true");
        let m = Value::Object(endpoint_json(&form, "webhook", true));
        assert_eq!(m, serde_json::json!({"project": 1, "kind": "webhook", "name": "h", "url": "http://x", "events": ["incident.opened"], "reminder_minutes": null, "is_active": true}));
        let form = Form::parse_urlencoded(b"kind=email&name=m&url=&recipients=a%40x.example%2C+b%40x.example&provider=resend&events=");
        let m = Value::Object(endpoint_json(&form, "email", false));
        assert_eq!(m, serde_json::json!({"name": "m", "recipients": ["a@x.example", "b@x.example"], "provider": "resend", "events": []}));
    }

    /// Every box of every kind filled in: each kind's body keeps only what the API takes for
    /// it, so no kind is refused for a field of another kind's group.
    #[test]
    fn every_kind_sends_only_its_own_fields() {
        let all = b"project=1&name=n&url=https%3A%2F%2Fx.example%2Fh&recipients=a%40x.example&provider=resend&bot_token=1%3Aabc\
&chat_id=-100123&message_thread_id=7&routing_key=rk&topic=alerts&token=tk_1&app_token=at&user_key=uk&events=incident.opened&reminder_minutes=&is_active=true";
        let cases: &[(&str, &[&str])] = &[
            ("webhook", &["url"]),
            ("email", &["recipients", "provider"]),
            ("slack", &["url"]),
            ("discord", &["url"]),
            ("teams", &["url"]),
            ("google_chat", &["url"]),
            ("telegram", &["bot_token", "chat_id", "message_thread_id"]),
            ("pagerduty", &["routing_key"]),
            ("ntfy", &["url", "topic", "token"]),
            ("pushover", &["app_token", "user_key"]),
            ("carrier_pigeon", &[]),
        ];
        for (kind, own) in cases {
            let form = Form::parse_urlencoded(&[&all[..], b"&kind=", kind.as_bytes()].concat());
            let body = endpoint_json(&form, kind, true);
            let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
            keys.sort_unstable();
            let mut want: Vec<&str> = COMMON_FIELDS.iter().chain(own.iter()).copied().collect();
            want.sort_unstable();
            assert_eq!(keys, want, "{kind}");
            // An edit leaves project and kind alone, and an empty credential box keeps the stored one.
            let form = Form::parse_urlencoded(format!("name=n&bot_token=&routing_key=&token=&app_token=&url=&kind={kind}").as_bytes());
            let body = endpoint_json(&form, kind, false);
            assert!(["project", "kind", "bot_token", "routing_key", "token", "app_token", "url"].iter().all(|k| !body.contains_key(*k)), "{kind}: {body:?}");
        }
        let form = Form::parse_urlencoded(b"kind=telegram&name=t&bot_token=1%3Aabc&chat_id=%40ops&message_thread_id=");
        assert_eq!(Value::Object(endpoint_json(&form, "telegram", true)), serde_json::json!({"kind": "telegram", "name": "t", "bot_token": "1:abc", "chat_id": "@ops", "message_thread_id": null}));
    }

    /// The new form offers every kind and every kind's group, labelled, without script; an
    /// edit shows only its kind's boxes, never a credential, and PagerDuty no reminders.
    #[test]
    fn endpoint_form_shows_each_kinds_fields() {
        let state = FormState::from_pairs(&[("kind", "webhook")]);
        let new = new_endpoint_page(&chrome(), &state, &[(1, "p".into())]);
        for k in ["webhook", "email", "slack", "discord", "telegram", "teams", "pagerduty", "ntfy", "pushover", "google_chat"] {
            assert!(new.contains(&format!("<option value=\"{k}\"")), "{k} not offered");
        }
        for name in ["url", "recipients", "bot_token", "chat_id", "message_thread_id", "routing_key", "topic", "token", "app_token", "user_key"] {
            assert!(new.contains(&format!(" name={name} ")) || new.contains(&format!(" name={name}>")), "new form lacks {name}");
        }
        assert_eq!(new.matches("data-kinds=").count(), 6);
        let edit = |kind: &str| {
            let state = FormState::from_pairs(&[("kind", kind), ("name", "n"), ("chat_id", "@ops")]);
            endpoint_page(&chrome(), &EndpointDetail { id: 3, name: "n", kind, state: &state, secret: None, deliveries: &[], notice: None })
        };
        let telegram = edit("telegram");
        assert!(telegram.contains("name=bot_token") && telegram.contains("value=\"@ops\"") && !telegram.contains("name=url") && !telegram.contains("data-kinds"));
        assert!(telegram.contains("Leave empty to keep"));
        let pd = edit("pagerduty");
        assert!(pd.contains("name=routing_key") && !pd.contains("name=reminder_minutes") && !pd.contains("name=chat_id"));
        let slack = edit("slack");
        assert!(slack.contains("name=url") && slack.contains("not shown: leave empty to keep it") && !slack.contains("name=recipients"));
    }

    #[test]
    fn secrets_are_shown_once_with_a_copy_button() {
        let html = tokens_page(&chrome(), &[], &FormState::default(), Some("vgl_secret"), None);
        assert!(html.contains("<code id=secret>vgl_secret</code>") && html.contains("data-copy=secret"));
        assert!(!tokens_page(&chrome(), &[], &FormState::default(), None, None).contains("vgl_secret"));
    }
}
