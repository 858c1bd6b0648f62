//! Chat and pager channels (DESIGN.md §6): Slack, Discord, Telegram, Teams, PagerDuty, ntfy,
//! Pushover and Google Chat. For each, one small module builds the provider's documented
//! request from an alert and reads the provider's answer.
//!
//! Two steps, so the stored bytes of a send never hold a secret:
//! - `render(channel, alert)` at fan-out: the message body as the provider wants it, minus the
//!   target (bot token, chat id, routing key, topic, app token). This is what `alert_sends`
//!   stores, so every retry sends the same message.
//! - `request(channel, target, stored, base_url)` at send time: adds the target and the
//!   credentials, and gives the method, URL, headers and body to fetch.
//!
//! `read_reply` turns an answer into a `Reply`: delivered, rate limited (with the wait the
//! provider asked for, from `Retry-After` or from the JSON body), target gone (the endpoint is
//! disabled with the reason), migrated (Telegram's group upgrade: retry with the new chat id),
//! transient, or rejected.
//!
//! Pure: no I/O, no clock. `alert.at_ms` is when the event happened (the same on every retry).
use serde_json::Value;

use super::delivery::{self, Answer as DeliveryAnswer, Policy, Reading, Settlement};
use super::status::CheckStatus;
use super::time::{iso, EpochMs};
use super::webhook::{EventInfo, EventKind, USER_AGENT};

pub mod discord;
pub mod google_chat;
pub mod ntfy;
pub mod pagerduty;
pub mod pushover;
pub mod slack;
pub mod teams;
pub mod telegram;

/// A chat or pager provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Slack,
    Discord,
    Telegram,
    Teams,
    PagerDuty,
    Ntfy,
    Pushover,
    GoogleChat,
}

impl Channel {
    pub const ALL: [Channel; 8] =
        [Self::Slack, Self::Discord, Self::Telegram, Self::Teams, Self::PagerDuty, Self::Ntfy, Self::Pushover, Self::GoogleChat];

    /// The endpoint `kind` in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slack => "slack",
            Self::Discord => "discord",
            Self::Telegram => "telegram",
            Self::Teams => "teams",
            Self::PagerDuty => "pagerduty",
            Self::Ntfy => "ntfy",
            Self::Pushover => "pushover",
            Self::GoogleChat => "google_chat",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The production origin of providers with a fixed host (the others post to a URL the
    /// user pastes). Tests point `TELEGRAM_BASE_URL`, `PAGERDUTY_BASE_URL` and
    /// `PUSHOVER_BASE_URL` at loopback fakes instead.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            Self::Telegram => Some("https://api.telegram.org"),
            Self::PagerDuty => Some("https://events.pagerduty.com"),
            Self::Pushover => Some("https://api.pushover.net"),
            _ => None,
        }
    }

    /// Whether the channel sends this event at all. PagerDuty gets no reminders: it escalates
    /// an open incident by itself, and a repeated trigger would only add noise to its log.
    pub fn sends(self, event: EventKind) -> bool {
        !(self == Self::PagerDuty && event == EventKind::IncidentReminder)
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------
// The alert every channel renders

/// What state the alert reports; it picks the colour, the emoji and the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Down,
    StillDown,
    Recovered,
    Test,
}

/// One alert, in the words every channel uses. Built once from the event (`Alert::new`) so
/// Slack and Telegram say the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub event: EventKind,
    pub tone: Tone,
    pub project_name: String,
    pub project_slug: String,
    pub monitor_name: Option<String>,
    /// What the monitor watches, as (label, value): `("URL", ..)`, `("DNS record", "example.com
    /// (A)")`, `("Check", "heartbeat ...")` (`webhook::MonitorInfo::target`).
    pub monitor_target: Option<(&'static str, String)>,
    /// The host it watches (`webhook::MonitorInfo::location`): PagerDuty's `source`.
    pub monitor_location: Option<String>,
    /// `DOWN`, `TIMEOUT`, `BOT DETECTED` (the opening check's status), `UP` on recovery.
    pub state: &'static str,
    /// The incident's cause as recorded (`status 503 not in [200]`, `timeout after 10s`).
    pub cause: Option<String>,
    /// The cause in one word a person can sort by: see `cause_category`.
    pub category: Option<&'static str>,
    pub incident_id: Option<i64>,
    /// When the incident opened.
    pub since_ms: Option<EpochMs>,
    /// On resolve: how long it lasted. On a reminder: how long it has been down so far.
    pub duration_s: Option<i64>,
    /// On a reminder: its number and the period in minutes.
    pub reminder: Option<(u32, u32)>,
    pub http_status: Option<u16>,
    pub latency_ms: Option<u32>,
    /// When the event happened: the payload timestamp, the same on every retry.
    pub at_ms: EpochMs,
    /// The status page or dashboard, only when it is an http(s) URL.
    pub link: Option<String>,
}

impl Alert {
    /// `link` is the page the alert points to (the glue builds it from `PUBLIC_BASE_URL`);
    /// anything but an http(s) URL is dropped, so a bad setting can never become a
    /// `javascript:` link in a chat client.
    pub fn new(event: &EventInfo, at_ms: EpochMs, link: Option<&str>) -> Self {
        let tone = match event.kind {
            EventKind::IncidentOpened => Tone::Down,
            EventKind::IncidentReminder => Tone::StillDown,
            EventKind::IncidentResolved => Tone::Recovered,
            EventKind::Test => Tone::Test,
        };
        let incident = event.incident.as_ref();
        let check = event.check.as_ref();
        let cause = incident.and_then(|i| i.cause.clone()).or_else(|| check.and_then(|c| c.failure_type.clone())).filter(|c| !c.trim().is_empty());
        let state = match (tone, check.map(|c| c.status)) {
            (Tone::Recovered, _) => "UP",
            (Tone::Test, _) => "TEST",
            (_, Some(CheckStatus::Timeout)) => "TIMEOUT",
            (_, Some(CheckStatus::BotDetected)) => "BOT DETECTED",
            _ => "DOWN",
        };
        let duration_s = match tone {
            Tone::Recovered => incident.and_then(|i| i.duration_seconds()),
            Tone::StillDown => incident.and_then(|i| i.reminder.map(|r| r.open_seconds(i.opened_at))),
            _ => None,
        };
        Self {
            event: event.kind,
            tone,
            project_name: event.project.name.clone(),
            project_slug: event.project.slug.clone(),
            monitor_name: event.monitor.as_ref().map(|m| m.name.clone()),
            monitor_target: event.monitor.as_ref().and_then(|m| m.target()),
            monitor_location: event.monitor.as_ref().and_then(|m| m.location()),
            state,
            category: cause.as_deref().map(cause_category),
            cause,
            incident_id: incident.map(|i| i.id),
            since_ms: incident.map(|i| i.opened_at),
            duration_s,
            reminder: incident.and_then(|i| i.reminder.map(|r| (r.number, r.every_minutes))),
            http_status: check.and_then(|c| c.http_status),
            latency_ms: check.and_then(|c| c.latency_ms),
            at_ms,
            link: link.map(str::trim).filter(|l| is_http_url(l)).map(str::to_string),
        }
    }

    /// The monitor's name, or what stands in for it on a test.
    pub fn subject(&self) -> &str {
        self.monitor_name.as_deref().unwrap_or("vigil")
    }

    /// One line: `DOWN: Main API`, `RECOVERED: Main API after 12m`, `STILL DOWN: Main API for
    /// 1h 5m`, `Test notification from vigil`. Plain text: each channel escapes it.
    pub fn headline(&self) -> String {
        let name = one_line(self.subject());
        match self.tone {
            Tone::Down => format!("{}: {name}", self.state),
            Tone::StillDown => match self.duration_s {
                Some(s) => format!("STILL {}: {name} for {}", self.state, human_duration(s)),
                None => format!("STILL {}: {name}", self.state),
            },
            Tone::Recovered => match self.duration_s {
                Some(s) => format!("RECOVERED: {name} after {}", human_duration(s)),
                None => format!("RECOVERED: {name}"),
            },
            Tone::Test => format!("Test notification from vigil for {}", one_line(&self.project_name)),
        }
    }

    /// The rows under the headline, as (label, plain value), in the order people read them.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut rows = vec![("Project", one_line(&self.project_name))];
        if self.tone == Tone::Test {
            rows.push(("Message", String::from("If you can read this, alerts for this project reach this channel.")));
            return rows;
        }
        rows.push(("State", self.state.to_string()));
        if let Some(cause) = &self.cause {
            let label = if self.tone == Tone::Recovered { "Cause was" } else { "Cause" };
            match self.category {
                Some(cat) => rows.push((label, format!("{cat}: {}", one_line(cause)))),
                None => rows.push((label, one_line(cause))),
            }
        }
        if let Some(since) = self.since_ms {
            rows.push(("Down since", human_time(since)));
        }
        match (self.tone, self.duration_s) {
            (Tone::Recovered, Some(s)) => rows.push(("Lasted", human_duration(s))),
            (Tone::StillDown, Some(s)) => rows.push(("Down for", human_duration(s))),
            _ => {}
        }
        if let Some((n, every)) = self.reminder {
            rows.push(("Reminder", format!("#{n}, every {every} min until it recovers")));
        }
        if let Some((label, value)) = &self.monitor_target {
            rows.push((label, one_line(value)));
        }
        rows
    }

    /// The incident's identity for providers that correlate events (PagerDuty's `dedup_key`):
    /// the same for its trigger and its resolve, different for every incident (the open time is
    /// part of it, as in `webhook::message_id`, because ids restart after a database reset).
    pub fn incident_key(&self) -> Option<String> {
        match (self.incident_id, self.since_ms) {
            (Some(id), Some(opened)) => Some(format!("vigil-incident-{id}-{opened}")),
            _ => None,
        }
    }

    /// RGB colour of the state: red down, green recovered, blue test (the email's palette).
    pub fn color(&self) -> u32 {
        match self.tone {
            Tone::Down | Tone::StillDown => 0xCF222E,
            Tone::Recovered => 0x1A7F37,
            Tone::Test => 0x0969DA,
        }
    }

    pub fn timestamp(&self) -> String {
        iso(self.at_ms)
    }
}

/// The cause in a word: `timeout`, `DNS`, `TLS`, `connection`, `HTTP status`, `keyword`,
/// `bot protection`, `refused`, or `error` for anything else. Reads the `failure_type`
/// vocabulary of `core::classify`.
pub fn cause_category(cause: &str) -> &'static str {
    let c = cause.trim_start();
    let starts = |p: &str| c.len() >= p.len() && c[..p.len()].eq_ignore_ascii_case(p);
    if starts("timeout") {
        "timeout"
    } else if starts("dns") {
        "DNS"
    } else if starts("tls") {
        "TLS"
    } else if starts("connection") {
        "connection"
    } else if starts("status ") {
        "HTTP status"
    } else if starts("body missing") {
        "keyword"
    } else if starts("bot wall") {
        "bot protection"
    } else if starts("refused") {
        "refused"
    } else {
        "error"
    }
}

// ---------------------------------------------------------------------------------------
// Rendering and requests

/// The stored message for `channel`, or `None` when the channel does not send this event
/// (`Channel::sends`). Never holds a secret or the target.
pub fn render(channel: Channel, alert: &Alert) -> Option<String> {
    if !channel.sends(alert.event) {
        return None;
    }
    let body = match channel {
        Channel::Slack => slack::render(alert),
        Channel::Discord => discord::render(alert),
        Channel::Telegram => telegram::render(alert),
        Channel::Teams => teams::render(alert),
        Channel::PagerDuty => pagerduty::render(alert),
        Channel::Ntfy => ntfy::render(alert),
        Channel::Pushover => pushover::render(alert),
        Channel::GoogleChat => google_chat::render(alert),
    };
    Some(body.to_string())
}

/// Where a message goes and with which credentials. `Debug` never shows a secret: webhook
/// URLs of Slack, Discord, Teams and Google Chat carry one in their path or query.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// Slack, Discord, Teams, Google Chat: the pasted webhook URL is the whole credential.
    Webhook { url: String },
    Telegram { bot_token: String, chat_id: String, message_thread_id: Option<i64> },
    PagerDuty { routing_key: String },
    /// `server` is the ntfy server's base URL (`https://ntfy.sh`); `token` an access token.
    Ntfy { server: String, topic: String, token: Option<String> },
    Pushover { app_token: String, user_key: String },
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Webhook { url } => write!(f, "Webhook({})", redact_url(url)),
            Self::Telegram { chat_id, .. } => write!(f, "Telegram(chat {chat_id}, token redacted)"),
            Self::PagerDuty { .. } => f.write_str("PagerDuty(routing key redacted)"),
            Self::Ntfy { server, topic, .. } => write!(f, "Ntfy({server}, {topic})"),
            Self::Pushover { .. } => f.write_str("Pushover(tokens redacted)"),
        }
    }
}

/// An HTTP request ready to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Why no request could be built (a configuration problem; never contains a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotSent(pub String);

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The request for one attempt: the stored message plus the target. `base_url` replaces the
/// provider's fixed origin (`Channel::default_base_url`); `None` or empty means production.
pub fn request(channel: Channel, target: &Target, stored: &str, base_url: Option<&str>) -> Result<HttpRequest, NotSent> {
    let body: Value = serde_json::from_str(stored).map_err(|_| NotSent(String::from("stored message is unreadable")))?;
    let base = || base_url.map(str::trim).filter(|b| !b.is_empty()).or(channel.default_base_url()).unwrap_or("").trim_end_matches('/').to_string();
    let mismatch = || NotSent(format!("endpoint settings do not fit a {channel} endpoint"));
    match (channel, target) {
        (Channel::Slack | Channel::Discord | Channel::Teams | Channel::GoogleChat, Target::Webhook { url }) => {
            let url = match channel {
                // `wait=true` makes Discord answer 200 with the message (or an error body)
                // instead of a bare 204, so a failed post is never mistaken for success.
                Channel::Discord => discord::webhook_url(url),
                _ => url.clone(),
            };
            Ok(json_post(url, &body, Vec::new()))
        }
        (Channel::Telegram, Target::Telegram { bot_token, chat_id, message_thread_id }) => telegram::request(&base(), bot_token, chat_id, *message_thread_id, body),
        (Channel::PagerDuty, Target::PagerDuty { routing_key }) => Ok(pagerduty::request(&base(), routing_key, body)),
        (Channel::Ntfy, Target::Ntfy { server, topic, token }) => ntfy::request(server, topic, token.as_deref(), body),
        (Channel::Pushover, Target::Pushover { app_token, user_key }) => Ok(pushover::request(&base(), app_token, user_key, &body)),
        _ => Err(mismatch()),
    }
}

/// A JSON `POST` with vigil's user agent plus `extra` headers.
fn json_post(url: String, body: &Value, extra: Vec<(String, String)>) -> HttpRequest {
    let mut headers = vec![
        (String::from("content-type"), String::from("application/json")),
        (String::from("user-agent"), String::from(USER_AGENT)),
    ];
    headers.extend(extra);
    HttpRequest { method: "POST", url, headers, body: body.to_string() }
}

// ---------------------------------------------------------------------------------------
// Answers

/// What a provider's answer means for the send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Delivered,
    /// 429 (or Telegram's flood control): wait at least `after_s` if the provider said, then
    /// retry within the budget.
    RateLimited { after_s: Option<u32> },
    /// The target no longer exists or no longer takes our messages: disable the endpoint,
    /// showing `reason`.
    Gone { reason: String },
    /// Telegram: the group became a supergroup with this id; store it and send again.
    Migrated { chat_id: i64 },
    /// Worth another attempt (5xx, 408, 425; network errors are judged by the caller).
    Transient,
    /// The same request would fail the same way (bad payload, bad credentials): stop.
    Rejected { reason: String },
}

/// Reads one answer. `retry_after` is the `Retry-After` header; `body` the (bounded) response
/// body, where Discord and Telegram put their wait, error codes and migration. `now_ms` only
/// turns an HTTP-date `Retry-After` into seconds.
pub fn read_reply(channel: Channel, status: u16, retry_after: Option<&str>, body: &str, now_ms: EpochMs) -> Reply {
    let header_wait = retry_after.and_then(|v| super::delivery::parse_retry_after(v, now_ms));
    let json: Option<Value> = serde_json::from_str(body).ok();
    let read = Answer { status, header_wait, body, json: json.as_ref() };
    match channel {
        Channel::Slack => slack::read(&read),
        Channel::Discord => discord::read(&read),
        Channel::Telegram => telegram::read(&read),
        Channel::Teams => teams::read(&read),
        Channel::GoogleChat => google_chat::read(&read),
        Channel::PagerDuty | Channel::Ntfy | Channel::Pushover => read.generic(),
    }
}

/// How `core::delivery::settle` reads a chat or pager answer once `read_reply` has read it:
/// the codes are a `Reply` normalized (`normalized`), so the provider's body-level meaning
/// (Slack's `invalid_token`, Discord's `retry_after`, Telegram's `migrate_to_chat_id`) is
/// already folded in, and backoff, `Retry-After` and the attempt budget are shared with
/// webhooks and email.
pub const POLICY: Policy = Policy { name: "chat", read: read_normalized };

fn read_normalized(code: u16) -> Reading {
    match code {
        200 => Reading::Success,
        410 => Reading::OptOut,
        429 | 503 => Reading::Transient,
        _ => Reading::Permanent,
    }
}

/// A `Reply` as (status, wait) for `POLICY`: delivered 200, gone 410, rate limited 429 with
/// the provider's wait, transient 503, rejected 400. A migrated Telegram chat is transient
/// with no wait: the next attempt goes to the new chat id, which the glue stores.
fn normalized(reply: &Reply) -> (u16, Option<String>) {
    match reply {
        Reply::Delivered => (200, None),
        Reply::Gone { .. } => (410, None),
        Reply::RateLimited { after_s } => (429, after_s.map(|s| s.to_string())),
        Reply::Transient | Reply::Migrated { .. } => (503, None),
        Reply::Rejected { .. } => (400, None),
    }
}

/// One attempt at a chat or pager endpoint, decided: the provider's answer read by
/// `read_reply` (with the response `body`), then `delivery::settle` under `POLICY`. The
/// `Reply` comes back too when there was an answer: its reason (why the endpoint is
/// disabled, why the provider refused) and a Telegram migration are the glue's to record.
pub fn settle(channel: Channel, answer: DeliveryAnswer<'_>, body: &str, attempt: u32, max_attempts: u32, backoff_base_s: u32, now_ms: EpochMs) -> (Settlement, Option<Reply>) {
    match answer {
        DeliveryAnswer::Status { code, retry_after } => {
            let reply = read_reply(channel, code, retry_after, body, now_ms);
            let (code, wait) = normalized(&reply);
            let normal = DeliveryAnswer::Status { code, retry_after: wait.as_deref() };
            (delivery::settle(&POLICY, normal, attempt, max_attempts, backoff_base_s, now_ms), Some(reply))
        }
        other => (delivery::settle(&POLICY, other, attempt, max_attempts, backoff_base_s, now_ms), None),
    }
}

/// An answer as the provider modules read it.
pub(crate) struct Answer<'a> {
    pub status: u16,
    /// `Retry-After` in seconds, when present and readable.
    pub header_wait: Option<u32>,
    pub body: &'a str,
    pub json: Option<&'a Value>,
}

impl Answer<'_> {
    /// The rules every provider shares: 2xx delivered; 429 rate limited (with the header's
    /// wait); 408, 425 and 5xx transient; any other status rejected, with a short reason.
    /// Redirects are answers too (never followed): rejected, the URL needs updating.
    pub fn generic(&self) -> Reply {
        match self.status {
            200..=299 => Reply::Delivered,
            429 => Reply::RateLimited { after_s: self.header_wait },
            408 | 425 => Reply::Transient,
            s if s >= 500 => Reply::Transient,
            _ => Reply::Rejected { reason: self.reason() },
        }
    }

    /// `HTTP 400: invalid_payload`: the status and the first line of the body, bounded, so a
    /// user can see why without the body flooding the deliveries log.
    pub fn reason(&self) -> String {
        let detail = self
            .json
            .and_then(|j| ["description", "message", "error", "errors"].iter().find_map(|k| j.get(*k)))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| self.body.lines().next().unwrap_or("").to_string());
        let detail = clip(&one_line(detail.trim()), 200);
        if detail.is_empty() {
            format!("HTTP {}", self.status)
        } else {
            format!("HTTP {}: {detail}", self.status)
        }
    }

    /// A number of seconds from the JSON body at `path` (Discord's float `retry_after`,
    /// Telegram's integer `parameters.retry_after`), rounded up.
    pub fn body_wait(&self, path: &[&str]) -> Option<u32> {
        let mut v = self.json?;
        for key in path {
            v = v.get(*key)?;
        }
        let secs = v.as_f64()?;
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        Some(secs.ceil().min(f64::from(u32::MAX)) as u32)
    }
}

// ---------------------------------------------------------------------------------------
// Text helpers shared by the channels

/// At most `max` characters; longer text ends in `…`. Applied before escaping, so an escape
/// sequence is never cut in half.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Escapes `s` one character at a time with `esc`, keeping the result within `max` characters
/// (a provider's limit applies to what it receives, after escaping): when it would not fit,
/// it stops at a whole escape and ends in `…`. Control characters become spaces first.
pub fn escape_within(s: &str, max: usize, esc: impl Fn(char, &mut String)) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    let mut count = 0;
    let mut piece = String::new();
    let total = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        piece.clear();
        esc(if c.is_control() { ' ' } else { c }, &mut piece);
        let n = piece.chars().count();
        // Room for the ellipsis unless this is the last character.
        let reserve = usize::from(i + 1 < total);
        if count + n + reserve > max {
            out.push('…');
            return out;
        }
        out.push_str(&piece);
        count += n;
    }
    out
}

/// HTML escaping for Telegram's HTML parse mode, Pushover's HTML and Google Chat card text:
/// the project's one escaper (Telegram takes `&lt; &gt; &amp; &quot;` and numeric entities).
pub use super::text::escape as escape_html;

/// Control characters (CR/LF above all) become spaces: a name cannot add a line to a message.
pub fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")) && !url.chars().any(|c| c.is_control() || c == ' ')
}

/// A webhook URL for logs and API views: scheme, host and the first path segment, the rest
/// (where Slack, Discord, Teams and Google Chat keep their secret) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => {
            let first = u.path_segments().and_then(|mut s| s.next()).filter(|s| !s.is_empty());
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            match first {
                Some(seg) => format!("{}://{}{port}/{seg}/***", u.scheme(), u.host_str().unwrap_or("")),
                None => format!("{}://{}{port}/***", u.scheme(), u.host_str().unwrap_or("")),
            }
        }
        Err(_) => String::from("***"),
    }
}

/// Dates and durations in alerts read as in emails and on status pages.
pub use super::text::{duration_secs as human_duration, full_utc as human_time};

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn channel_names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(Channel::parse("Slack"), None);
        assert_eq!(Channel::parse("webhook"), None);
        let fixed: Vec<_> = Channel::ALL.into_iter().filter(|c| c.default_base_url().is_some()).collect();
        assert_eq!(fixed, [Channel::Telegram, Channel::PagerDuty, Channel::Pushover]);
    }

    /// Every channel's rows name what the monitor watches, by kind: never an empty `URL` row
    /// (DNS and heartbeat monitors have no url), never a heartbeat's ping URL; PagerDuty's
    /// `source` is the host watched.
    #[test]
    fn alert_facts_per_monitor_type() {
        // url, type, hostname, record_type, the target row, PagerDuty's source
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, Option<(&'a str, &'a str)>, &'a str);
        let cases: &[Case] = &[
            ("https://api.example.com/health", "http", None, None, Some(("URL", "https://api.example.com/health")), "api.example.com"),
            ("tcp://db.example.com:5432", "tcp", None, None, Some(("URL", "tcp://db.example.com:5432")), "db.example.com"),
            ("", "dns", Some("example.com"), Some("TXT"), Some(("DNS record", "example.com (TXT)")), "example.com"),
            ("", "heartbeat", None, None, Some(("Check", "heartbeat (pinged by its job)")), "vigil"),
            ("", "http", None, None, None, "vigil"),
        ];
        for (url, ty, host, rt, want, source) in cases {
            for event in [opened("m"), resolved("m"), reminder("m")] {
                let event = EventInfo { monitor: Some(crate::core::webhook::MonitorInfo::from_columns(7, "m", url, ty, *host, *rt)), ..event };
                let a = Alert::new(&event, OPENED_AT, None);
                let facts = a.facts();
                let targets: Vec<_> = facts.iter().filter(|(l, _)| ["URL", "DNS record", "Check"].contains(l)).collect();
                assert_eq!(targets, want.iter().map(|(l, v)| (*l, v.to_string())).collect::<Vec<_>>().iter().collect::<Vec<_>>(), "{ty} {url:?}");
                assert!(facts.iter().all(|(_, v)| !v.trim().is_empty()), "{ty}: {facts:?}");
                assert_eq!(a.monitor_location.as_deref().unwrap_or("vigil"), *source, "{ty}");
                for channel in Channel::ALL {
                    let Some(body) = render(channel, &a) else { continue };
                    let text = body.to_string();
                    assert!(!text.contains("/ping/"), "{channel} {ty}: {text}");
                    // Each channel escapes in its own way; the host (or the word) survives all.
                    // (A PagerDuty resolve is only its dedup key.)
                    if want.is_some() && !(channel == Channel::PagerDuty && a.tone == Tone::Recovered) {
                        let needle = if *ty == "heartbeat" { "heartbeat" } else { source };
                        assert!(text.contains(needle), "{channel} {ty}: {needle} in {text}");
                    }
                }
            }
        }
    }

    #[test]
    fn alert_words_per_event() {
        let a = Alert::new(&opened("Main API"), OPENED_AT, Some("https://status.example.com/status/acme"));
        assert_eq!(a.headline(), "DOWN: Main API");
        assert_eq!(a.category, Some("HTTP status"));
        assert_eq!(a.link.as_deref(), Some("https://status.example.com/status/acme"));
        let facts = a.facts();
        assert_eq!(facts[0], ("Project", "Acme".to_string()));
        assert!(facts.contains(&("Cause", "HTTP status: status 503 not in [200]".to_string())), "{facts:?}");
        assert!(facts.contains(&("Down since", "2026-11-21 05:25:00 UTC".to_string())), "{facts:?}");

        let r = Alert::new(&resolved("Main API"), OPENED_AT + 720_000, None);
        assert_eq!(r.headline(), "RECOVERED: Main API after 12m");
        assert!(r.facts().contains(&("Lasted", "12m".to_string())));
        assert!(r.facts().iter().any(|(l, _)| *l == "Cause was"));

        let s = Alert::new(&reminder("Main API"), OPENED_AT + 3_900_000, None);
        assert_eq!(s.headline(), "STILL DOWN: Main API for 1h 5m");
        assert!(s.facts().contains(&("Reminder", "#13, every 5 min until it recovers".to_string())), "{:?}", s.facts());

        let t = Alert::new(&test_event(), 0, None);
        assert_eq!(t.headline(), "Test notification from vigil for Acme");
        assert_eq!(t.facts().len(), 2);
        assert_eq!(t.incident_key(), None);
        assert_eq!(a.incident_key().as_deref(), Some("vigil-incident-42-1795238700123"));
        assert_eq!(a.incident_key(), r.incident_key(), "trigger and resolve share the key");

        let mut timeout = opened("Slow");
        timeout.check.as_mut().unwrap().status = CheckStatus::Timeout;
        timeout.incident.as_mut().unwrap().cause = Some("timeout after 10s".into());
        let t = Alert::new(&timeout, 0, None);
        assert_eq!(t.headline(), "TIMEOUT: Slow");
        assert_eq!(t.category, Some("timeout"));
    }

    #[test]
    fn links_must_be_http() {
        for bad in ["javascript:alert(1)", "data:text/html,x", "ftp://x.example.com", "", "https://a.example.com/x y"] {
            assert_eq!(Alert::new(&opened("x"), 0, Some(bad)).link, None, "{bad}");
        }
        assert!(Alert::new(&opened("x"), 0, Some(" http://localhost:8787/status/acme ")).link.is_some());
    }

    #[test]
    fn categories() {
        let cases = [
            ("timeout after 10s", "timeout"),
            ("dns: name not resolved", "DNS"),
            ("tls: handshake failure", "TLS"),
            ("connection: refused", "connection"),
            ("status 503 not in [200]", "HTTP status"),
            ("body missing \"ok\"", "keyword"),
            ("bot wall: Cloudflare challenge", "bot protection"),
            ("refused: redirect to a private address", "refused"),
            ("something else", "error"),
            ("", "error"),
        ];
        for (cause, want) in cases {
            assert_eq!(cause_category(cause), want, "{cause}");
        }
    }

    #[test]
    fn every_channel_renders_every_event_without_secrets() {
        for channel in Channel::ALL {
            for event in all_events() {
                let alert = Alert::new(&event, OPENED_AT, Some("https://status.example.com/status/acme"));
                let Some(stored) = render(channel, &alert) else {
                    assert_eq!((channel, event.kind), (Channel::PagerDuty, EventKind::IncidentReminder));
                    continue;
                };
                let v: Value = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{channel} {}: {e}", event.kind));
                assert!(v.is_object(), "{channel}");
                for secret in SECRETS {
                    assert!(!stored.contains(secret), "{channel} stored a secret");
                }
                let req = request(channel, &target(channel), &stored, None).unwrap_or_else(|e| panic!("{channel}: {e}"));
                assert_eq!(req.method, "POST");
                assert!(req.url.starts_with("https://"), "{channel}: {}", req.url);
                assert!(req.headers.iter().any(|(k, v)| k == "user-agent" && v.starts_with("vigil/")), "{channel}");
            }
        }
    }

    #[test]
    fn request_refuses_mismatched_targets_and_bad_storage() {
        let stored = render(Channel::Slack, &Alert::new(&opened("x"), 0, None)).unwrap();
        let err = request(Channel::Slack, &target(Channel::Telegram), &stored, None).unwrap_err();
        assert_eq!(err.0, "endpoint settings do not fit a slack endpoint");
        assert!(request(Channel::Slack, &target(Channel::Slack), "not json", None).is_err());
        // Debug of a target never shows a secret.
        for c in Channel::ALL {
            let shown = format!("{:?}", target(c));
            for secret in SECRETS {
                assert!(!shown.contains(secret), "{c}: {shown}");
            }
        }
    }

    #[test]
    fn base_urls_replace_fixed_hosts() {
        for (c, path) in [(Channel::Telegram, "/bot"), (Channel::PagerDuty, "/v2/enqueue"), (Channel::Pushover, "/1/messages.json")] {
            let stored = render(c, &Alert::new(&opened("x"), 0, None)).unwrap();
            let req = request(c, &target(c), &stored, Some("http://127.0.0.1:9999/")).unwrap();
            assert!(req.url.starts_with(&format!("http://127.0.0.1:9999{path}")), "{c}: {}", req.url);
            let prod = request(c, &target(c), &stored, Some("  ")).unwrap();
            assert!(prod.url.starts_with(c.default_base_url().unwrap()), "{c}: {}", prod.url);
        }
    }

    #[test]
    fn generic_reply_rules() {
        let read = |status, ra: Option<&str>, body: &str| read_reply(Channel::Teams, status, ra, body, 0);
        assert_eq!(read(202, None, ""), Reply::Delivered);
        assert_eq!(read(429, Some("7"), ""), Reply::RateLimited { after_s: Some(7) });
        assert_eq!(read(429, None, ""), Reply::RateLimited { after_s: None });
        assert_eq!(read(503, None, ""), Reply::Transient);
        assert_eq!(read(408, None, ""), Reply::Transient);
        assert_eq!(read(400, None, "{\"error\":\"bad card\"}"), Reply::Rejected { reason: "HTTP 400: bad card".into() });
        assert_eq!(read(302, None, ""), Reply::Rejected { reason: "HTTP 302".into() });
        let long = "x".repeat(5000);
        let Reply::Rejected { reason } = read(400, None, &long) else { panic!() };
        assert!(reason.chars().count() < 220, "{reason}");
        let Reply::Rejected { reason } = read(400, None, "line one\r\nline two") else { panic!() };
        assert_eq!(reason, "HTTP 400: line one");
    }

    /// The delivery decision per provider: each provider's real answers, through `settle`.
    #[test]
    fn policy_table_per_provider() {
        use Settlement::*;
        let now = 0;
        let status = |code, ra| DeliveryAnswer::Status { code, retry_after: ra };
        // (channel, answer, body, attempt, max, expected)
        type Case<'a> = (Channel, DeliveryAnswer<'a>, &'a str, u32, Settlement);
        let cases: Vec<Case> = vec![
            (Channel::Slack, status(200, None), "ok", 1, Delivered),
            (Channel::Slack, status(429, Some("20")), "", 1, Retry { after_s: 20 }),
            (Channel::Slack, status(429, Some("20")), "", 5, Exhausted),
            (Channel::Slack, status(404, None), "channel_not_found", 1, Disable),
            (Channel::Slack, status(410, None), "channel_is_archived", 3, Disable),
            (Channel::Slack, status(403, None), "invalid_token", 1, Disable),
            (Channel::Slack, status(403, None), "action_prohibited", 1, GiveUp),
            (Channel::Slack, status(400, None), "invalid_payload", 1, GiveUp),
            (Channel::Slack, status(500, None), "rollup_error", 2, Retry { after_s: 2 }),
            (Channel::Slack, status(302, None), "", 1, GiveUp),
            (Channel::Discord, status(204, None), "", 1, Delivered),
            (Channel::Discord, status(429, None), r#"{"retry_after":12.5,"global":false}"#, 1, Retry { after_s: 13 }),
            (Channel::Discord, status(404, None), r#"{"message":"Unknown Webhook","code":10015}"#, 1, Disable),
            (Channel::Discord, status(400, None), r#"{"message":"Invalid Form Body","code":50035}"#, 1, GiveUp),
            (Channel::Telegram, status(200, None), r#"{"ok":true}"#, 1, Delivered),
            (Channel::Telegram, status(429, None), r#"{"ok":false,"parameters":{"retry_after":30}}"#, 2, Retry { after_s: 30 }),
            (Channel::Telegram, status(403, None), r#"{"ok":false,"description":"Forbidden: bot was kicked from the group chat"}"#, 1, Disable),
            (Channel::Telegram, status(400, None), r#"{"ok":false,"parameters":{"migrate_to_chat_id":-100123}}"#, 1, Retry { after_s: 1 }),
            (Channel::Telegram, status(400, None), r#"{"ok":false,"description":"Bad Request: can't parse entities"}"#, 1, GiveUp),
            (Channel::Teams, status(202, None), "", 1, Delivered),
            (Channel::Teams, status(404, None), "", 1, Disable),
            (Channel::PagerDuty, status(202, None), r#"{"status":"success"}"#, 1, Delivered),
            (Channel::PagerDuty, status(400, None), r#"{"status":"invalid event"}"#, 1, GiveUp),
            (Channel::PagerDuty, status(429, None), "", 3, Retry { after_s: 4 }),
            (Channel::PagerDuty, status(404, None), "", 1, GiveUp),
            (Channel::Ntfy, status(200, None), "{}", 1, Delivered),
            (Channel::Ntfy, status(507, None), "", 1, Retry { after_s: 1 }),
            (Channel::Pushover, status(400, None), r#"{"status":0,"errors":["user identifier is invalid"]}"#, 1, GiveUp),
            (Channel::Pushover, status(429, None), "", 1, Retry { after_s: 1 }),
            (Channel::GoogleChat, status(404, None), "", 1, Disable),
            (Channel::GoogleChat, status(429, Some("2")), "", 1, Retry { after_s: 2 }),
            (Channel::Slack, DeliveryAnswer::Timeout, "", 1, Retry { after_s: 1 }),
            (Channel::Discord, DeliveryAnswer::NetworkError, "", 5, Exhausted),
        ];
        for (channel, answer, body, attempt, want) in cases {
            let (got, reply) = settle(channel, answer, body, attempt, 5, 1, now);
            assert_eq!(got, want, "{channel} {answer:?} {body} attempt {attempt}");
            assert_eq!(reply.is_some(), matches!(answer, DeliveryAnswer::Status { .. }));
        }
        // The reason travels with a disable, for `disabled_reason`.
        let (_, reply) = settle(Channel::Slack, status(404, None), "channel_not_found", 1, 5, 1, now);
        assert!(matches!(reply, Some(Reply::Gone { reason }) if reason.contains("channel_not_found")));
    }

    #[test]
    fn text_helpers() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(one_line("a\nb\rc\td"), "a b c d");
        let html = |c: char, out: &mut String| out.push_str(&crate::core::text::escape(&c.to_string()));
        assert_eq!(escape_within("a<b", 10, html), "a&lt;b");
        assert_eq!(escape_within("a<b", 5, html), "a…", "never half an entity");
        assert_eq!(escape_within("abc", 3, html), "abc");
        assert_eq!(escape_within("abcd", 3, html), "ab…");
        assert_eq!(escape_within("a\nb", 3, html), "a b");
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(3600), "1h");
        assert_eq!(human_duration(90_000), "1d 1h");
        assert_eq!(human_duration(-5), "0s");
        assert_eq!(redact_url("https://hooks.slack.com/services/T000/B000/XXXX"), "https://hooks.slack.com/services/***");
        assert_eq!(redact_url("https://discord.com/api/webhooks/1/tok"), "https://discord.com/api/***");
        assert_eq!(redact_url("http://127.0.0.1:9000/"), "http://127.0.0.1:9000/***");
        assert_eq!(redact_url("https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t"), "https://chat.googleapis.com/v1/***");
        assert_eq!(redact_url("nonsense"), "***");
    }
}
