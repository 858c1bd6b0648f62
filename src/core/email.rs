//! Alert emails (DESIGN.md §6): the subject, plain-text and HTML bodies for an event, and
//! the HTTP request each email provider's send API expects, so the Worker glue only has to
//! `fetch` what this module returns.
//!
//! Pure: no I/O, no clock. Rendering depends only on its inputs, so a retried send carries a
//! byte-identical body (Resend rejects a reused idempotency key whose payload changed).
//!
//! Providers, checked against their own documentation:
//! - Mailtrap Email Sending API: `POST https://send.api.mailtrap.io/api/send`, JSON
//!   `{from: {email, name}, to: [{email}], subject, text, html, category}`. Authentication is
//!   either `Api-Token: <token>` or `Authorization: Bearer <token>`; both are documented
//!   (mailtrap/mailtrap-docs `api-docs/authentication.md`). We send Bearer, as Mailtrap's own
//!   quick-start curl (`api-docs/email-api/overview.md`) and its official Node SDK
//!   (`MailtrapClient.ts`: `Authorization: Bearer ${token}`, `${host}/api/send`) do. Mailtrap
//!   documents no idempotency key.
//! - Resend: `POST https://api.resend.com/emails`, `Authorization: Bearer <key>`, optional
//!   `Idempotency-Key` header (<= 256 chars, kept 24 h); JSON `{from: "Name <email>", to: [..]
//!   (max 50), subject, text, html}` (resend/resend-openapi `resend.yaml`, Resend's
//!   "Idempotency Keys" docs page).
//! - Postmark: `POST https://api.postmarkapp.com/email`, `X-Postmark-Server-Token: <token>`,
//!   JSON `{From, To: "a, b", Subject, TextBody, HtmlBody, MessageStream, Tag}` (Postmark's
//!   "Sending email with API" user guide). No idempotency key.
//! - SendGrid v3: `POST https://api.sendgrid.com/v3/mail/send`, `Authorization: Bearer <key>`,
//!   JSON `{personalizations: [{to: [{email}]}], from: {email, name}, subject, content: [
//!   text/plain first, then text/html]}` (Twilio SendGrid "Mail Send" reference). Answers
//!   202. No idempotency key.
//!
//! Extra message headers (subscriber emails' `List-Unsubscribe`): see
//! [`build_request_with_headers`].
use std::fmt::Write as _;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::monitor::MonitorType;
use super::status::CheckStatus;
use super::text::{duration_secs, full_utc, Html};
use super::webhook::{self, EventInfo, EventKind};

/// Longest monitor name or cause put into a subject line; the body has the full text.
const SUBJECT_PART_MAX_CHARS: usize = 80;

/// One rendered alert email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Provider-side label for grouping/statistics (Mailtrap `category`, Postmark `Tag`):
    /// `vigil-incident-opened`, `vigil-incident-resolved` or `vigil-test`.
    pub category: String,
}

// ---------------------------------------------------------------------------------------
// Rendering

/// Renders the email for an event. `status_page_url` is the project's public status page
/// (the glue builds it from its public base URL and the project slug); it is linked only if
/// it is an http(s) URL.
///
/// The body must be built from the event's own check (the one that opened or resolved the
/// incident), not the monitor's latest state, so every retry renders the same bytes.
pub fn render(event: &EventInfo, status_page_url: Option<&str>) -> EmailContent {
    let monitor_name = event.monitor.as_ref().map_or("(unknown monitor)", |m| m.name.as_str());
    let status_page = status_page_url.map(str::trim).filter(|u| !u.is_empty());
    let project = format!("{} ({})", event.project.name, event.project.slug);

    // One list of (label, value) rows feeds both bodies, so text and HTML always say the same.
    let mut rows: Vec<(&str, String)> = Vec::new();
    let (subject, headline, tone) = match event.kind {
        EventKind::Test => {
            rows.push(("Project", project));
            (
                String::from("[vigil] Test notification"),
                String::from("Test notification from vigil"),
                Tone::Neutral,
            )
        }
        EventKind::IncidentOpened => {
            let label = event.check.as_ref().map_or("DOWN", |c| status_label(c.status));
            let cause = event
                .incident
                .as_ref()
                .and_then(|i| i.cause.as_deref())
                .or_else(|| event.check.as_ref().and_then(|c| c.failure_type.as_deref()));
            let mut subject = format!("[vigil] {label}: {}", subject_part(monitor_name));
            if let Some(cause) = cause {
                let _ = write!(subject, " ({})", subject_part(cause));
            }
            monitor_rows(&mut rows, event, project);
            if let Some(inc) = &event.incident {
                rows.push(("Down since", format!("{} (incident #{})", full_utc(inc.opened_at), inc.id)));
            }
            // The opening check's reason usually is the cause; say it once.
            let reason = event.check.as_ref().and_then(|c| c.failure_type.as_deref());
            if let Some(cause) = cause.filter(|c| Some(*c) != reason) {
                rows.push(("Cause", cause.to_string()));
            }
            check_rows(&mut rows, event);
            let state = match event.check.as_ref().map(|c| c.status) {
                Some(CheckStatus::Timeout) => "DOWN (timing out)",
                Some(CheckStatus::BotDetected) => "blocked by bot protection",
                _ => "DOWN",
            };
            (subject, format!("{monitor_name} is {state}"), Tone::Bad)
        }
        EventKind::IncidentReminder => {
            let label = event.check.as_ref().map_or("DOWN", |c| status_label(c.status));
            let open = event.incident.as_ref().and_then(|i| i.reminder.map(|r| (r, r.open_seconds(i.opened_at))));
            let subject = match &open {
                Some((_, secs)) => format!("[vigil] STILL {label}: {} for {}", subject_part(monitor_name), duration_secs(*secs)),
                None => format!("[vigil] STILL {label}: {}", subject_part(monitor_name)),
            };
            monitor_rows(&mut rows, event, project);
            if let Some(inc) = &event.incident {
                rows.push(("Down since", format!("{} (incident #{})", full_utc(inc.opened_at), inc.id)));
                if let Some((r, secs)) = &open {
                    rows.push(("Down for", format!("{} ({secs} s) as of {}", duration_secs(*secs), full_utc(r.due_at))));
                    rows.push(("Reminder", format!("#{} (every {} min until it recovers)", r.number, r.every_minutes)));
                }
                if let Some(cause) = &inc.cause {
                    rows.push(("Cause", cause.clone()));
                }
            }
            check_rows(&mut rows, event);
            let headline = match &open {
                Some((_, secs)) => format!("{monitor_name} is STILL {label}, for {}", duration_secs(*secs)),
                None => format!("{monitor_name} is STILL {label}"),
            };
            (subject, headline, Tone::Bad)
        }
        EventKind::IncidentResolved => {
            let duration = event.incident.as_ref().and_then(|i| i.duration_seconds()).map(duration_secs);
            let subject = match &duration {
                Some(d) => format!("[vigil] RECOVERED: {} after {d}", subject_part(monitor_name)),
                None => format!("[vigil] RECOVERED: {}", subject_part(monitor_name)),
            };
            monitor_rows(&mut rows, event, project);
            if let Some(inc) = &event.incident {
                rows.push(("Down since", format!("{} (incident #{})", full_utc(inc.opened_at), inc.id)));
                if let Some(resolved) = inc.resolved_at {
                    rows.push(("Recovered at", full_utc(resolved)));
                }
                if let (Some(d), Some(secs)) = (&duration, inc.duration_seconds()) {
                    rows.push(("Downtime", format!("{d} ({secs} s)")));
                }
                if let Some(cause) = &inc.cause {
                    rows.push(("Cause was", cause.clone()));
                }
            }
            check_rows(&mut rows, event);
            let headline = match &duration {
                Some(d) => format!("{monitor_name} has recovered after {d}"),
                None => format!("{monitor_name} has recovered"),
            };
            (subject, headline, Tone::Good)
        }
    };
    let note = match event.kind {
        EventKind::Test => "You received this because this address is a recipient of a vigil email \
                            notification endpoint. If it arrived, alerts for this project reach you.",
        _ => "You received this because this address is a recipient of a vigil email notification endpoint.",
    };

    EmailContent {
        text: render_text(&headline, &rows, status_page, note),
        html: render_html(&subject, &headline, tone, &rows, status_page, note),
        subject,
        category: format!("vigil-{}", event.kind.as_str().replace('.', "-")),
    }
}

fn monitor_rows(rows: &mut Vec<(&str, String)>, event: &EventInfo, project: String) {
    if let Some(m) = &event.monitor {
        rows.push(("Monitor", m.name.clone()));
        // What it watches: the URL, `example.com (A)`, or that it is a heartbeat (never its
        // ping URL, whose token is a credential).
        if let Some(target) = m.target() {
            rows.push(target);
        }
    }
    rows.push(("Project", project));
}

fn check_rows(rows: &mut Vec<(&str, String)>, event: &EventInfo) {
    let Some(c) = &event.check else { return };
    let kind = event.monitor.as_ref().map(|m| m.monitor_type);
    rows.push(("Last check", format!("{} at {}", c.status.as_str(), full_utc(c.started_at))));
    // Only an HTTP check has a status code: "none (no response)" under a DNS, TCP or heartbeat
    // check would read as a fault of its own.
    if matches!(kind, None | Some(MonitorType::Http)) {
        rows.push((
            "HTTP status",
            c.http_status.map_or_else(|| String::from("none (no response)"), |s| s.to_string()),
        ));
    }
    match kind {
        // A heartbeat's "latency" is how long the job ran, when a /start said so.
        Some(MonitorType::Heartbeat) => {
            if let Some(ms) = c.latency_ms {
                rows.push(("Run time", format!("{ms} ms")));
            }
        }
        _ => rows.push(("Latency", c.latency_ms.map_or_else(|| String::from("n/a"), |ms| format!("{ms} ms")))),
    }
    // An UP check has no reason; "Reason: none" would only be noise in a recovery email.
    if let Some(reason) = &c.failure_type {
        rows.push(("Reason", reason.clone()));
    }
}

#[derive(Clone, Copy)]
enum Tone {
    Bad,
    Good,
    Neutral,
}

fn render_text(headline: &str, rows: &[(&str, String)], status_page: Option<&str>, note: &str) -> String {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max("Status page".len()) + 1;
    let mut out = format!("{}.\n\n", one_line(headline));
    for (label, value) in rows {
        // Values are single-line in the text body so one row cannot fake another.
        let _ = writeln!(out, "{:<width$} {}", format!("{label}:"), one_line(value), width = width);
    }
    if let Some(url) = status_page {
        let _ = writeln!(out, "\n{:<width$} {}", "Status page:", one_line(url), width = width);
    }
    let _ = write!(out, "\n-- \n{note}\n");
    out
}

fn render_html(
    subject: &str,
    headline: &str,
    tone: Tone,
    rows: &[(&str, String)],
    status_page: Option<&str>,
    note: &str,
) -> String {
    let color = match tone {
        Tone::Bad => "#cf222e",
        Tone::Good => "#1a7f37",
        Tone::Neutral => "#1f2328",
    };
    // The status page's writer: literals raw, every dynamic value (monitor names, URLs, causes,
    // project names; all user input) escaped.
    let mut h = Html::with_capacity(2048);
    h.r("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>")
        .t(subject)
        .r("</title></head>\
         <body style=\"margin:0;padding:24px;background:#ffffff;color:#1f2328;\
         font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5\">\
         <h1 style=\"margin:0 0 16px;font-size:20px;color:")
        .r(color)
        .r("\">")
        .t(headline)
        .r("</h1><table role=\"presentation\" style=\"border-collapse:collapse\">");
    for (label, value) in rows {
        h.r("<tr><th align=\"left\" valign=\"top\" style=\"padding:4px 16px 4px 0;color:#59636e;font-weight:600;white-space:nowrap\">")
            .t(label)
            .r("</th><td style=\"padding:4px 0;word-break:break-word\">")
            .t(value)
            .r("</td></tr>");
    }
    h.r("</table>");
    if let Some(url) = status_page {
        if is_http_url(url) {
            h.r("<p style=\"margin:24px 0 0\"><a href=\"")
                .t(url)
                .r("\" style=\"color:#0969da\">View the status page</a> (")
                .t(url)
                .r(")</p>");
        } else {
            // Not http(s) (a `javascript:` or `data:` URL from bad config): show, never link.
            h.r("<p style=\"margin:24px 0 0\">Status page: ").t(url).r("</p>");
        }
    }
    h.r("<p style=\"margin:24px 0 0;color:#59636e;font-size:12px\">").t(note).r("</p></body></html>");
    h.finish()
}

fn is_http_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Control characters (CR/LF above all) become spaces, so a value cannot break a line.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A subject fragment: one line, at most `SUBJECT_PART_MAX_CHARS` characters.
fn subject_part(s: &str) -> String {
    let s = one_line(s.trim());
    if s.chars().count() <= SUBJECT_PART_MAX_CHARS {
        return s;
    }
    let mut cut: String = s.chars().take(SUBJECT_PART_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// `DOWN`, `TIMEOUT`, `BOT DETECTED`, `UP`: the status as a person reads it.
fn status_label(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Up => "UP",
        CheckStatus::Down => "DOWN",
        CheckStatus::Timeout => "TIMEOUT",
        CheckStatus::BotDetected => "BOT DETECTED",
    }
}

// ---------------------------------------------------------------------------------------
// Providers

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Mailtrap,
    Resend,
    Postmark,
    SendGrid,
}

impl Provider {
    pub const ALL: [Provider; 4] = [Self::Mailtrap, Self::Resend, Self::Postmark, Self::SendGrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mailtrap => "mailtrap",
            Self::Resend => "resend",
            Self::Postmark => "postmark",
            Self::SendGrid => "sendgrid",
        }
    }

    /// Case-insensitive, surrounding whitespace ignored (values come from vars and JSON).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s))
    }

    /// The production API origin; tests and local runs pass a loopback base instead.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Self::Mailtrap => "https://send.api.mailtrap.io",
            Self::Resend => "https://api.resend.com",
            Self::Postmark => "https://api.postmarkapp.com",
            Self::SendGrid => "https://api.sendgrid.com",
        }
    }

    /// Whether the provider deduplicates on an idempotency key (only Resend documents one).
    pub fn supports_idempotency_key(self) -> bool {
        matches!(self, Self::Resend)
    }

    /// The most recipients one request may carry (Resend and Postmark document 50; the
    /// others allow more, but one alert list never needs it).
    pub fn max_recipients(self) -> usize {
        50
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sender address with an optional display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub email: String,
    pub name: Option<String>,
}

impl Mailbox {
    /// Parses `alerts@example.com` or `Vigil Alerts <alerts@example.com>` (quotes around the
    /// name are allowed). Checks only the shape (one `@`, something on both sides, no spaces
    /// or angle brackets); the provider does the real validation.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (name, email) = match (s.find('<'), s.strip_suffix('>')) {
            (Some(open), Some(inner)) => {
                let name = s[..open].trim().trim_matches('"').trim();
                (if name.is_empty() { None } else { Some(one_line(name)) }, inner[open + 1..].trim())
            }
            (None, None) => (None, s),
            _ => return None,
        };
        let (local, domain) = email.split_once('@')?;
        let bad = |c: char| c.is_ascii_whitespace() || c.is_control() || matches!(c, '<' | '>' | '@' | ',' | '"');
        if local.is_empty() || domain.is_empty() || email.chars().filter(|&c| c == '@').count() != 1 || email.chars().any(|c| c != '@' && bad(c)) {
            return None;
        }
        Some(Self { email: email.to_string(), name })
    }

    /// RFC 5322 form for providers that take one string: `Name <email>`, with the name quoted
    /// when it has characters that would otherwise change the meaning (`,` `<` `"` ...).
    pub fn formatted(&self) -> String {
        match self.name.as_deref().map(one_line) {
            None => self.email.clone(),
            Some(name) if name.is_empty() => self.email.clone(),
            Some(name) => {
                // ASCII atext and spaces stay bare; anything else (specials, non-ASCII) is quoted,
                // which is always valid.
                let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c));
                if plain {
                    format!("{name} <{}>", self.email)
                } else {
                    let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("\"{quoted}\" <{}>", self.email)
                }
            }
        }
    }
}

/// An HTTP request ready to send: the glue copies it into a `fetch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The provider idempotency key for one (event, recipient): deterministic, so every retry of
/// one email carries the same key, and different per recipient and per event.
///
/// `event_id` is the event's identity shared with webhooks: `webhook::message_id(incident_id,
/// opened_at, event)` for incident events, or `webhook::test_message_id(nonce)` for tests (a
/// test has no incident, so its identity comes from a nonce the caller keeps across retries).
/// The recipient is hashed (trimmed, ASCII-lowercased) so the key stays short (Resend allows 256
/// characters) whatever the address.
pub fn idempotency_key(event_id: &str, recipient: &str) -> String {
    // ASCII lowercasing only: Unicode case tables would cost ~15 KB of wasm, and a recipient
    // differing only in non-ASCII case just gets its own key (a duplicate email at worst).
    let normalized = recipient.trim().to_ascii_lowercase();
    let digest = Sha256::digest(normalized.as_bytes());
    format!("vigil/{event_id}/{}", &webhook::hex(&digest)[..32])
}

/// Builds the send request for `provider`.
///
/// - `base_url`: `None` or empty means the provider's production origin; a trailing `/` is
///   ignored. Tests point it at a loopback fake.
/// - `to`: send one recipient per request when using idempotency keys (the key is per
///   recipient), which also keeps recipients from seeing each other's addresses. At most
///   `provider.max_recipients()`.
/// - `idempotency_key`: sent only to providers that support one (Resend); ignored otherwise.
pub fn build_request(
    provider: Provider,
    base_url: Option<&str>,
    api_key: &str,
    from: &Mailbox,
    to: &[String],
    content: &EmailContent,
    idempotency_key: Option<&str>,
) -> ProviderRequest {
    build_request_with_headers(provider, base_url, api_key, from, to, content, idempotency_key, &[])
}

/// [`build_request`] with extra message headers (the subscriber emails' RFC 8058
/// `List-Unsubscribe` and `List-Unsubscribe-Post`), in the form each API takes them:
/// Mailtrap, Resend and SendGrid a `headers` object of name to value (Mailtrap's
/// `MailtrapHeaders`, Resend's "Custom Headers" page, SendGrid's Mail Send `headers`), Postmark
/// a `Headers` array of `{Name, Value}`. Values become single lines.
#[allow(clippy::too_many_arguments)]
pub fn build_request_with_headers(
    provider: Provider,
    base_url: Option<&str>,
    api_key: &str,
    from: &Mailbox,
    to: &[String],
    content: &EmailContent,
    idempotency_key: Option<&str>,
    extra_headers: &[(&str, String)],
) -> ProviderRequest {
    let base = base_url
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .unwrap_or(provider.default_base_url())
        .trim_end_matches('/');
    // A key pasted with a trailing newline would make the header invalid in fetch.
    let api_key = api_key.trim();
    let mut headers = vec![
        (String::from("content-type"), String::from("application/json")),
        (String::from("accept"), String::from("application/json")),
        (String::from("user-agent"), String::from(webhook::USER_AGENT)),
    ];
    let to: Vec<&str> = to.iter().map(|s| s.trim()).collect();
    let (path, body): (&str, Value) = match provider {
        Provider::Mailtrap => {
            headers.push((String::from("authorization"), format!("Bearer {api_key}")));
            let mut from_obj = json!({ "email": from.email });
            if let Some(name) = from.name.as_deref().filter(|n| !n.is_empty()) {
                from_obj["name"] = Value::from(one_line(name));
            }
            let body = json!({
                "from": from_obj,
                "to": to.iter().map(|e| json!({ "email": e })).collect::<Vec<_>>(),
                "subject": content.subject,
                "text": content.text,
                "html": content.html,
                "category": content.category,
            });
            ("/api/send", body)
        }
        Provider::Resend => {
            headers.push((String::from("authorization"), format!("Bearer {api_key}")));
            if let Some(key) = idempotency_key.filter(|k| !k.is_empty()) {
                headers.push((String::from("idempotency-key"), key.to_string()));
            }
            let body = json!({
                "from": from.formatted(),
                "to": to,
                "subject": content.subject,
                "text": content.text,
                "html": content.html,
            });
            ("/emails", body)
        }
        Provider::Postmark => {
            headers.push((String::from("x-postmark-server-token"), api_key.to_string()));
            let body = json!({
                "From": from.formatted(),
                "To": to.join(", "),
                "Subject": content.subject,
                "TextBody": content.text,
                "HtmlBody": content.html,
                "Tag": content.category,
                "MessageStream": "outbound",
            });
            ("/email", body)
        }
        Provider::SendGrid => {
            headers.push((String::from("authorization"), format!("Bearer {api_key}")));
            let mut from_obj = json!({ "email": from.email });
            if let Some(name) = from.name.as_deref().filter(|n| !n.is_empty()) {
                from_obj["name"] = Value::from(one_line(name));
            }
            let body = json!({
                "personalizations": [{ "to": to.iter().map(|e| json!({ "email": e })).collect::<Vec<_>>() }],
                "from": from_obj,
                "subject": content.subject,
                // SendGrid requires text/plain before text/html.
                "content": [
                    { "type": "text/plain", "value": content.text },
                    { "type": "text/html", "value": content.html },
                ],
            });
            ("/v3/mail/send", body)
        }
    };
    let mut body = body;
    if !extra_headers.is_empty() {
        let (key, value) = match provider {
            Provider::Postmark => (
                "Headers",
                Value::Array(extra_headers.iter().map(|(k, v)| json!({ "Name": one_line(k), "Value": one_line(v) })).collect()),
            ),
            Provider::Mailtrap | Provider::Resend | Provider::SendGrid => {
                ("headers", Value::Object(extra_headers.iter().map(|(k, v)| (one_line(k), Value::from(one_line(v)))).collect()))
            }
        };
        body[key] = value;
    }
    ProviderRequest { method: "POST", url: format!("{base}{path}"), headers, body: body.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::failure::FailureKind;
    use crate::core::time::EpochMs;
    use crate::core::webhook::{CheckInfo, IncidentInfo, MonitorInfo, ProjectInfo};

    const OPENED_AT: EpochMs = 1_795_238_700_123; // 2026-11-21T05:25:00.123Z

    fn opened(name: &str) -> EventInfo {
        EventInfo {
            kind: EventKind::IncidentOpened,
            project: ProjectInfo { id: 1, slug: "acme".into(), name: "Acme".into() },
            monitor: Some(MonitorInfo::from_columns(7, name, "https://api.example.com/health", "http", None, None)),
            incident: Some(IncidentInfo {
                id: 42,
                opened_at: OPENED_AT,
                resolved_at: None,
                cause: Some("status 503 not in [200]".into()),
                failure_kind: Some(FailureKind::Status),
                reminder: None,
            }),
            check: Some(CheckInfo {
                status: CheckStatus::Down,
                http_status: Some(503),
                latency_ms: Some(120),
                failure_type: Some("status 503 not in [200]".into()),
                failure_kind: Some(FailureKind::Status),
                started_at: OPENED_AT - 123,
            }),
        }
    }

    fn resolved(name: &str, after_ms: i64) -> EventInfo {
        let mut e = opened(name);
        e.kind = EventKind::IncidentResolved;
        e.incident.as_mut().unwrap().resolved_at = Some(OPENED_AT + after_ms);
        e.check = Some(CheckInfo {
            status: CheckStatus::Up,
            http_status: Some(200),
            latency_ms: Some(85),
            failure_type: None,
            failure_kind: None,
            started_at: OPENED_AT + after_ms,
        });
        e
    }

    fn test_event() -> EventInfo {
        EventInfo { kind: EventKind::Test, monitor: None, incident: None, check: None, ..opened("x") }
    }

    #[test]
    fn subjects() {
        assert_eq!(render(&opened("Main API"), None).subject, "[vigil] DOWN: Main API (status 503 not in [200])");
        assert_eq!(render(&resolved("Main API", 12 * 60_000 + 30_000), None).subject, "[vigil] RECOVERED: Main API after 12m");
        assert_eq!(render(&test_event(), None).subject, "[vigil] Test notification");

        let mut timeout = opened("Main API");
        timeout.incident.as_mut().unwrap().cause = Some("timeout".into());
        timeout.check.as_mut().unwrap().status = CheckStatus::Timeout;
        assert_eq!(render(&timeout, None).subject, "[vigil] TIMEOUT: Main API (timeout)");

        let mut bot = opened("Shop");
        bot.check.as_mut().unwrap().status = CheckStatus::BotDetected;
        bot.incident.as_mut().unwrap().cause = Some("bot wall: cf-mitigated: challenge".into());
        let c = render(&bot, None);
        assert_eq!(c.subject, "[vigil] BOT DETECTED: Shop (bot wall: cf-mitigated: challenge)");
        assert!(c.text.starts_with("Shop is blocked by bot protection."), "{}", c.text);
        // Cause differs from the check's reason here, so both are shown.
        assert!(c.text.contains("Cause:") && c.text.contains("Reason:"), "{}", c.text);
        assert!(render(&timeout, None).text.starts_with("Main API is DOWN (timing out)."));

        // No cause anywhere: no empty parentheses.
        let mut bare = opened("Main API");
        bare.incident.as_mut().unwrap().cause = None;
        bare.check.as_mut().unwrap().failure_type = None;
        assert_eq!(render(&bare, None).subject, "[vigil] DOWN: Main API");

        // Header injection and overlong names are defused in the subject.
        let s = render(&opened("Evil\r\nBcc: victim@example.com"), None).subject;
        assert!(!s.contains('\r') && !s.contains('\n'), "{s}");
        let long = "x".repeat(500);
        let s = render(&opened(&long), None).subject;
        assert!(s.chars().count() < 200 && s.contains('…'), "{s}");
    }

    fn reminder(name: &str, number: u32, every_minutes: u32) -> EventInfo {
        let mut e = opened(name);
        e.kind = EventKind::IncidentReminder;
        let due_at = OPENED_AT + i64::from(number * every_minutes) * 60_000;
        e.incident.as_mut().unwrap().reminder = Some(crate::core::reminder::ReminderInfo { number, due_at, every_minutes });
        let check = e.check.as_mut().unwrap();
        check.started_at = due_at - 20_000;
        check.latency_ms = Some(2_345);
        e
    }

    #[test]
    fn reminders_say_still_down_since_when_for_how_long_and_the_last_check() {
        let cases = [
            (1, 5, "[vigil] STILL DOWN: Main API for 5m", "Main API is STILL DOWN, for 5m."),
            (3, 30, "[vigil] STILL DOWN: Main API for 1h 30m", "Main API is STILL DOWN, for 1h 30m."),
            (2, 1440, "[vigil] STILL DOWN: Main API for 2d", "Main API is STILL DOWN, for 2d."),
        ];
        for (number, every, subject, headline) in cases {
            let c = render(&reminder("Main API", number, every), Some("https://status.example.com/status/acme"));
            assert_eq!(c.subject, subject);
            assert!(c.text.starts_with(headline), "{}", c.text);
            assert_eq!(c.category, "vigil-incident-reminder");
            for needle in ["Down since:", "Down for:", &format!("Reminder:    #{number} (every {every} min"), "Last check:", "HTTP status: 503", "Latency:     2345 ms", "https://status.example.com/status/acme"] {
                assert!(c.text.contains(needle), "{needle:?} in {}", c.text);
            }
            assert!(c.html.contains("STILL DOWN") && c.html.contains("2345 ms"), "{}", c.html);
        }
        let mut timeout = reminder("Main API", 1, 5);
        timeout.check.as_mut().unwrap().status = CheckStatus::Timeout;
        assert_eq!(render(&timeout, None).subject, "[vigil] STILL TIMEOUT: Main API for 5m");
        // Same input, same bytes: every retry of a reminder is identical.
        assert_eq!(render(&reminder("x", 2, 5), None), render(&reminder("x", 2, 5), None));
    }

    #[test]
    fn opened_text_says_what_since_when_and_why() {
        let c = render(&opened("Main API"), Some("https://status.example.com/status/acme"));
        let t = &c.text;
        for needle in [
            "Main API is DOWN.",
            "https://api.example.com/health",
            "Acme (acme)",
            "2026-11-21 05:25:00 UTC (incident #42)",
            "status 503 not in [200]",
            "DOWN at 2026-11-21 05:25:00 UTC",
            "HTTP status: 503",
            "120 ms",
            "Status page: https://status.example.com/status/acme",
        ] {
            assert!(t.contains(needle), "text missing {needle:?}:\n{t}");
        }
        assert_eq!(t.matches("status 503 not in [200]").count(), 1, "cause equal to reason is said once:\n{t}");
        assert_eq!(c.category, "vigil-incident-opened");
    }

    /// Every kind's emails name what the monitor watches (not an empty URL row) and carry the
    /// kind's own failure text; a heartbeat's never carry its ping URL.
    #[test]
    fn emails_say_what_each_kind_watches() {
        let token = "3q2-7wE_aZ4kQ1mN0bVxYw";
        // (url, type, hostname, record_type, cause, http status) -> the row and what it must not say
        // url, type, hostname, record_type, cause, HTTP status, the row, what must not appear
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, &'a str, Option<u16>, &'a str, &'a [&'a str]);
        let cases: &[Case] = &[
            ("https://api.example.com/health", "http", None, None, "assertions failed: [0] $.status == \"ok\" (got \"degraded\")", Some(200), "URL: https://api.example.com/health", &[]),
            ("https://edge.example.com/", "http", None, None, "cloudflare edge error 522", Some(522), "URL: https://edge.example.com/", &[]),
            ("tcp://db.example.com:5432", "tcp", None, None, "connection refused", None, "URL: tcp://db.example.com:5432", &[]),
            ("", "dns", Some("example.com"), Some("A"), "NXDOMAIN for example.com A", None, "DNS record: example.com (A)", &["URL:"]),
            ("", "dns", Some("example.com"), None, "example.com A lacks [\"1.2.3.4\"]", None, "DNS record: example.com (A)", &["URL:"]),
            ("", "heartbeat", None, None, "job failed (/fail)", None, "Check: heartbeat (pinged by its job)", &["URL:", "/ping/"]),
            ("https://vigil.example.com/ping/3q2-7wE_aZ4kQ1mN0bVxYw", "heartbeat", None, None, "no ping since 2026-11-21", None, "Check: heartbeat (pinged by its job)", &["URL:", "/ping/", token]),
        ];
        for (url, ty, host, rt, cause, http_status, row, never) in cases {
            let mut e = opened("job");
            e.monitor = Some(MonitorInfo::from_columns(7, "job", url, ty, *host, *rt));
            e.incident.as_mut().unwrap().cause = Some(cause.to_string());
            let check = e.check.as_mut().unwrap();
            check.failure_type = Some(cause.to_string());
            check.http_status = *http_status;
            let mut r = resolved("job", 60_000);
            r.monitor = e.monitor.clone();
            r.incident.as_mut().unwrap().cause = Some(cause.to_string());
            for event in [e, r] {
                let c = render(&event, None);
                let case = format!("{ty} {url:?} {:?}", event.kind);
                let (label, value) = row.split_once(": ").unwrap();
                // The text body pads labels to one width: compare the row, not the spacing.
                let rows: Vec<(&str, &str)> = c.text.lines().filter_map(|l| l.split_once(':')).map(|(l, v)| (l, v.trim())).collect();
                assert!(rows.contains(&(label, value)), "{case}: {row:?} in\n{}", c.text);
                assert!(c.html.contains(&format!(">{label}</th>")) && c.html.contains(&{ let mut h = Html::with_capacity(64); h.t(value.trim()); h.finish() }), "{case}: {}", c.html);
                assert!(c.text.contains(cause), "{case}: the cause in\n{}", c.text);
                // No row is ever empty (`URL:` followed by nothing was the bug).
                for line in c.text.lines().filter(|l| l.contains(':')) {
                    assert!(!line.trim_end().ends_with(':'), "{case}: empty row {line:?}");
                }
                for n in *never {
                    assert!(!c.text.contains(n) && !c.html.contains(n), "{case}: {n:?} must not appear:\n{}", c.text);
                }
                // A status code only where there can be one; a heartbeat's time is its run's.
                assert_eq!(rows.iter().any(|(l, _)| *l == "HTTP status"), *ty == "http", "{case}: HTTP status row in\n{}", c.text);
                assert_eq!(rows.iter().any(|(l, _)| *l == "Latency"), *ty != "heartbeat", "{case}: Latency row in\n{}", c.text);
            }
        }
    }

    #[test]
    fn resolved_and_timeout_text() {
        let c = render(&resolved("Main API", 12 * 60_000), None);
        for needle in ["Main API has recovered after 12m.", "Recovered at", "2026-11-21 05:37:00 UTC", "12m (720 s)", "Cause was", "UP at", "200", "85 ms"] {
            assert!(c.text.contains(needle), "missing {needle:?}:\n{}", c.text);
        }
        assert!(!c.text.contains("Status page"), "no URL given, no status page line");
        assert_eq!(c.category, "vigil-incident-resolved");

        let mut t = opened("Main API");
        let check = t.check.as_mut().unwrap();
        check.status = CheckStatus::Timeout;
        check.http_status = None;
        check.latency_ms = None;
        check.failure_type = Some("timeout".into());
        let c = render(&t, None);
        assert!(c.text.contains("none (no response)") && c.text.contains("n/a"), "{}", c.text);
        assert!(c.html.contains("none (no response)"));
    }

    #[test]
    fn test_event_renders_without_monitor() {
        let c = render(&test_event(), Some("https://s.example/status/acme"));
        assert!(c.text.starts_with("Test notification from vigil."), "{}", c.text);
        assert!(c.text.contains("Acme (acme)"));
        assert!(c.html.contains("href=\"https://s.example/status/acme\""));
        assert_eq!(c.category, "vigil-test");
    }

    #[test]
    fn html_escapes_every_field() {
        let hostile = "<script>alert('x')</script> & \"q\"";
        let mut e = opened(hostile);
        e.project.name = "<b>proj</b>".into();
        e.project.slug = "a\"onmouseover=\"x".into();
        e.monitor.as_mut().unwrap().url = "https://x.example/?a=<img src=x onerror=alert(1)>".into();
        e.incident.as_mut().unwrap().cause = Some("body missing \"<ok>\"".into());
        e.check.as_mut().unwrap().failure_type = Some("<iframe>".into());
        for event in [e.clone(), { let mut r = e.clone(); r.kind = EventKind::IncidentResolved; r }] {
            let c = render(&event, Some("https://status.example.com/s?a=1&b=\"2\""));
            let h = &c.html;
            for raw in ["<script", "<b>", "<img", "<iframe", "\"onmouseover", "<ok>"] {
                assert!(!h.contains(raw), "raw {raw:?} in html:\n{h}");
            }
            assert!(h.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"), "{h}");
            assert!(h.contains("href=\"https://status.example.com/s?a=1&amp;b=&quot;2&quot;\""), "{h}");
            // The subject in <title> is escaped too, while the subject itself stays plain text.
            assert!(c.subject.contains("<script>"));
            assert!(h.contains("<title>[vigil] "));
            // Every tag in the document is one of ours.
            let tags: Vec<&str> = h.split('<').skip(1).map(|t| t.split([' ', '>']).next().unwrap_or("")).collect();
            for tag in tags {
                assert!(
                    ["!DOCTYPE", "html", "head", "meta", "title", "/title", "/head", "body", "h1", "/h1", "table", "tr", "th", "/th",
                     "td", "/td", "/tr", "/table", "p", "a", "/a", "/p", "/body", "/html"].contains(&tag),
                    "unexpected tag {tag:?}"
                );
            }
        }
    }

    /// The HTML body uses the status page's escaper (`core::text`): besides markup, characters
    /// XML forbids become U+FFFD (the old email escaper passed them through).
    #[test]
    fn html_replaces_forbidden_characters() {
        let c = render(&opened("bell\u{7} and \u{FFFE}"), None);
        assert!(c.html.contains("bell\u{FFFD} and \u{FFFD}"), "{}", c.html);
        assert!(!c.html.contains('\u{7}') && !c.html.contains('\u{FFFE}'));
        // The text body keeps its own rule: control characters become spaces.
        assert!(c.text.contains("bell  and \u{FFFE}"), "{}", c.text);
    }

    #[test]
    fn status_page_link_only_for_http_urls() {
        let c = render(&test_event(), Some("javascript:alert(1)"));
        assert!(!c.html.contains("href="), "{}", c.html);
        assert!(c.html.contains("Status page: javascript:alert(1)"));
        let c = render(&test_event(), Some("HTTP://Example.com/status/acme"));
        assert!(c.html.contains("href=\"HTTP://Example.com/status/acme\""));
        let c = render(&test_event(), Some("   "));
        assert!(!c.text.contains("Status page") && !c.html.contains("Status page") && !c.html.contains("href="));
    }

    #[test]
    fn text_values_cannot_inject_lines() {
        let c = render(&opened("Main\nStatus page: https://evil.example"), None);
        assert!(!c.text.lines().any(|l| l.starts_with("Status page")), "{}", c.text);
    }

    #[test]
    fn rendering_is_deterministic() {
        let e = resolved("Main API", 3_600_000);
        assert_eq!(render(&e, Some("https://s/x")), render(&e, Some("https://s/x")));
    }

    #[test]
    fn providers_parse() {
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.as_str()), Some(p));
            assert_eq!(Provider::parse(&p.as_str().to_uppercase()), Some(p));
            assert_eq!(p.to_string(), p.as_str());
        }
        assert_eq!(Provider::parse(" Resend\n"), Some(Provider::Resend));
        assert_eq!(Provider::parse("mailgun"), None);
        assert_eq!(Provider::parse(""), None);
        assert!(Provider::Resend.supports_idempotency_key());
        assert!(!Provider::Mailtrap.supports_idempotency_key());
    }

    #[test]
    fn mailboxes() {
        let m = Mailbox::parse("Vigil Alerts <alerts@example.com>").unwrap();
        assert_eq!(m, Mailbox { email: "alerts@example.com".into(), name: Some("Vigil Alerts".into()) });
        assert_eq!(m.formatted(), "Vigil Alerts <alerts@example.com>");
        let m = Mailbox::parse("\"Ops, Team\" <ops@example.com>").unwrap();
        assert_eq!(m.name.as_deref(), Some("Ops, Team"));
        assert_eq!(m.formatted(), "\"Ops, Team\" <ops@example.com>");
        let m = Mailbox::parse(" alerts@example.com ").unwrap();
        assert_eq!((m.email.as_str(), m.name.as_deref()), ("alerts@example.com", None));
        assert_eq!(m.formatted(), "alerts@example.com");
        assert_eq!(Mailbox::parse("<a@b.c>").unwrap().formatted(), "a@b.c");
        let q = Mailbox { email: "a@b.c".into(), name: Some("Say \"hi\"\r\n".into()) };
        assert_eq!(q.formatted(), "\"Say \\\"hi\\\"  \" <a@b.c>");
        for bad in ["", "nobody", "@example.com", "a@", "a@@b", "a b@c.d", "Name <a@b.c", "Name a@b.c>", "x <a@b@c>"] {
            assert_eq!(Mailbox::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn idempotency_keys_are_stable_and_distinct() {
        let ev = webhook::message_id(42, OPENED_AT, "incident.opened");
        let a = idempotency_key(&ev, "ops@example.com");
        assert_eq!(a, idempotency_key(&ev, "ops@example.com"), "stable across retries");
        assert_eq!(a, idempotency_key(&ev, " OPS@example.com "), "normalized recipient");
        assert!(a.starts_with("vigil/msg_42_1795238700123_incident_opened/"), "{a}");
        let others = [
            idempotency_key(&ev, "dev@example.com"),
            idempotency_key(&webhook::message_id(42, OPENED_AT, "incident.resolved"), "ops@example.com"),
            idempotency_key(&webhook::message_id(43, OPENED_AT, "incident.opened"), "ops@example.com"),
            idempotency_key(&webhook::test_message_id(&[1; 16]), "ops@example.com"),
        ];
        for o in &others {
            assert_ne!(&a, o);
        }
        let long = format!("{}@example.com", "x".repeat(240));
        assert!(idempotency_key(&webhook::test_message_id(&[0xff; 16]), &long).len() <= 256);
    }

    fn header<'a>(r: &'a ProviderRequest, name: &str) -> Option<&'a str> {
        r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn sample() -> (Mailbox, Vec<String>, EmailContent) {
        let from = Mailbox { email: "alerts@example.com".into(), name: Some("Vigil".into()) };
        (from, vec!["ops@example.com".into()], render(&opened("Main API"), None))
    }

    #[test]
    fn mailtrap_request() {
        let (from, to, c) = sample();
        let r = build_request(Provider::Mailtrap, None, " tok123\n", &from, &to, &c, Some("ignored"));
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://send.api.mailtrap.io/api/send");
        assert_eq!(header(&r, "authorization"), Some("Bearer tok123"));
        assert_eq!(header(&r, "content-type"), Some("application/json"));
        assert_eq!(header(&r, "idempotency-key"), None, "Mailtrap has no idempotency key");
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["from"], json!({"email": "alerts@example.com", "name": "Vigil"}));
        assert_eq!(v["to"], json!([{"email": "ops@example.com"}]));
        assert_eq!(v["subject"], c.subject.as_str());
        assert_eq!(v["text"], c.text.as_str());
        assert_eq!(v["html"], c.html.as_str());
        assert_eq!(v["category"], "vigil-incident-opened");

        // A loopback fake, trailing slash ignored; no display name means no "name" key.
        let bare = Mailbox { email: "a@b.c".into(), name: None };
        let r = build_request(Provider::Mailtrap, Some("http://127.0.0.1:8788/"), "t", &bare, &to, &c, None);
        assert_eq!(r.url, "http://127.0.0.1:8788/api/send");
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["from"], json!({"email": "a@b.c"}));
    }

    #[test]
    fn resend_request() {
        let (from, _, c) = sample();
        let to = vec!["ops@example.com".to_string(), "dev@example.com".to_string()];
        let key = idempotency_key(&webhook::message_id(42, OPENED_AT, "incident.opened"), "ops@example.com");
        let r = build_request(Provider::Resend, None, "re_abc", &from, &to, &c, Some(&key));
        assert_eq!(r.url, "https://api.resend.com/emails");
        assert_eq!(header(&r, "authorization"), Some("Bearer re_abc"));
        assert_eq!(header(&r, "idempotency-key"), Some(key.as_str()));
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["from"], "Vigil <alerts@example.com>");
        assert_eq!(v["to"], json!(["ops@example.com", "dev@example.com"]));
        assert_eq!(v["subject"], c.subject.as_str());
        assert_eq!(v["text"], c.text.as_str());
        assert_eq!(v["html"], c.html.as_str());

        let r = build_request(Provider::Resend, Some(""), "re_abc", &from, &to, &c, None);
        assert_eq!(r.url, "https://api.resend.com/emails", "empty base means default");
        assert_eq!(header(&r, "idempotency-key"), None);
    }

    #[test]
    fn postmark_request() {
        let (from, _, c) = sample();
        let to = vec!["ops@example.com".to_string(), "dev@example.com".to_string()];
        let r = build_request(Provider::Postmark, None, "pm-token", &from, &to, &c, Some("k"));
        assert_eq!(r.url, "https://api.postmarkapp.com/email");
        assert_eq!(header(&r, "x-postmark-server-token"), Some("pm-token"));
        assert_eq!(header(&r, "authorization"), None);
        assert_eq!(header(&r, "accept"), Some("application/json"));
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["From"], "Vigil <alerts@example.com>");
        assert_eq!(v["To"], "ops@example.com, dev@example.com");
        assert_eq!(v["Subject"], c.subject.as_str());
        assert_eq!(v["TextBody"], c.text.as_str());
        assert_eq!(v["HtmlBody"], c.html.as_str());
        assert_eq!(v["MessageStream"], "outbound");
        assert_eq!(v["Tag"], "vigil-incident-opened");
    }

    #[test]
    fn sendgrid_request() {
        let (from, to, c) = sample();
        let r = build_request(Provider::SendGrid, Some("http://localhost:9000"), "SG.x", &from, &to, &c, None);
        assert_eq!(r.url, "http://localhost:9000/v3/mail/send");
        assert_eq!(header(&r, "authorization"), Some("Bearer SG.x"));
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["personalizations"], json!([{"to": [{"email": "ops@example.com"}]}]));
        assert_eq!(v["from"], json!({"email": "alerts@example.com", "name": "Vigil"}));
        assert_eq!(v["subject"], c.subject.as_str());
        assert_eq!(v["content"][0], json!({"type": "text/plain", "value": c.text}));
        assert_eq!(v["content"][1], json!({"type": "text/html", "value": c.html}));
        assert_eq!(Provider::SendGrid.default_base_url(), "https://api.sendgrid.com");
    }

    #[test]
    fn extra_headers_go_where_each_api_takes_them() {
        let (from, to, c) = sample();
        let extra = [("List-Unsubscribe", String::from("<https://s.example/u?t=1>")), ("List-Unsubscribe-Post", String::from("List-Unsubscribe=One-Click\r\nBcc: x"))];
        for p in Provider::ALL {
            let v: Value = serde_json::from_str(&build_request_with_headers(p, None, "k", &from, &to, &c, None, &extra).body).unwrap();
            let (unsub, post) = match p {
                Provider::Postmark => {
                    assert_eq!(v["Headers"][0]["Name"], "List-Unsubscribe", "{p}");
                    (v["Headers"][0]["Value"].clone(), v["Headers"][1]["Value"].clone())
                }
                _ => (v["headers"]["List-Unsubscribe"].clone(), v["headers"]["List-Unsubscribe-Post"].clone()),
            };
            assert_eq!(unsub, "<https://s.example/u?t=1>", "{p}");
            assert_eq!(post, "List-Unsubscribe=One-Click  Bcc: x", "{p}: a value cannot add a header line");
            // Without extra headers the body has no headers key (alerts are unchanged).
            let plain: Value = serde_json::from_str(&build_request(p, None, "k", &from, &to, &c, None).body).unwrap();
            assert!(plain.get("headers").is_none() && plain.get("Headers").is_none(), "{p}");
        }
    }

    #[test]
    fn every_provider_request_is_json_with_a_user_agent() {
        let (from, to, c) = sample();
        for p in Provider::ALL {
            let r = build_request(p, None, "k", &from, &to, &c, Some("key"));
            assert!(r.url.starts_with(p.default_base_url()), "{p}");
            assert!(serde_json::from_str::<Value>(&r.body).is_ok(), "{p}");
            assert!(header(&r, "user-agent").unwrap().starts_with("vigil/"), "{p}");
            assert_eq!(header(&r, "idempotency-key").is_some(), p.supports_idempotency_key(), "{p}");
            // No header value can carry a line break into fetch.
            assert!(r.headers.iter().all(|(k, v)| !k.contains(['\r', '\n']) && !v.contains(['\r', '\n'])), "{p}");
        }
    }
}
