//! What subscribers are sent (DESIGN.md §6): the confirmation email, and a notice per incident
//! opened, resolved or updated. Rendered once per message and stored; `finish_*` adds the one
//! per-subscriber part (the confirmation link, or the unsubscribe link and RFC 8058 headers)
//! at send time, deterministically, so every attempt carries the same bytes.
//!
//! Public output (DESIGN.md §9): a notice names the monitor and the failure's public category,
//! never its URL or raw error text. Everything dynamic is escaped in HTML (`core::text::Html`)
//! and made single-line where a line break could fake a header or a row.
use super::super::email::EmailContent;
use super::super::text::{duration_ms, full_utc, Html};
use super::super::time::EpochMs;

/// The page being subscribed to.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub name: &'a str,
    /// The status page's absolute URL (`PUBLIC_BASE_URL/status/{slug}`).
    pub url: &'a str,
}

/// What happened, as the public may read it.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    Opened { monitor: &'a str, opened_ms: EpochMs, category: &'a str },
    Resolved { monitor: &'a str, opened_ms: EpochMs, resolved_ms: EpochMs, category: &'a str },
    /// An operator's update (or a notice not tied to an incident). `status` is one of
    /// investigating, identified, monitoring, resolved.
    Update { title: &'a str, status: &'a str, message: &'a str, at_ms: EpochMs },
}

const SUBJECT_MAX: usize = 120;
const END: &str = "</body></html>";

/// Control characters become spaces: a value cannot start a new line (or header).
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

fn subject(s: String) -> String {
    let s = one_line(s.trim());
    if s.chars().count() <= SUBJECT_MAX {
        return s;
    }
    let mut cut: String = s.chars().take(SUBJECT_MAX - 1).collect();
    cut.push('…');
    cut
}

/// The document around a body: the same shell for every subscriber email.
fn html(title: &str, headline: &str, paragraphs: &[String], page: &Page<'_>) -> String {
    let mut h = Html::with_capacity(1024);
    h.r("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
        .t(title)
        .r("</title></head><body style=\"margin:0;padding:24px;background:#ffffff;color:#1f2328;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5\"><h1 style=\"margin:0 0 16px;font-size:20px\">")
        .t(headline)
        .r("</h1>");
    for p in paragraphs {
        // Paragraph text keeps its line breaks (an operator's message), each escaped.
        h.r("<p style=\"margin:0 0 12px;white-space:pre-wrap\">").t(p).r("</p>");
    }
    h.r("<p style=\"margin:16px 0 0\"><a href=\"").t(page.url).r("\" style=\"color:#0969da\">").t(page.name).r(" status page</a></p>");
    h.r(END);
    h.finish()
}

fn text(headline: &str, paragraphs: &[String], page: &Page<'_>) -> String {
    let mut out = format!("{}\n\n", one_line(headline));
    for p in paragraphs {
        out.push_str(p.trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&format!("Status page: {}\n", one_line(page.url)));
    out
}

fn content(subject_line: String, headline: String, paragraphs: Vec<String>, page: &Page<'_>, category: &str) -> EmailContent {
    let subject_line = subject(subject_line);
    EmailContent {
        html: html(&subject_line, &headline, &paragraphs, page),
        text: text(&headline, &paragraphs, page),
        subject: subject_line,
        category: category.to_string(),
    }
}

/// The confirmation email, before its link (`finish_confirmation`).
pub fn confirmation(page: &Page<'_>) -> EmailContent {
    let paragraphs = vec![
        format!(
            "Someone, hopefully you, asked for email from the {} status page when an incident opens or resolves and when the operators post an update.",
            one_line(page.name)
        ),
        String::from("If it was not you, ignore this email: nothing more will be sent to this address."),
    ];
    content(format!("Confirm your subscription to {} status", page.name), String::from("Confirm your subscription"), paragraphs, page, "vigil-subscription-confirm")
}

/// A notice for confirmed subscribers, before its unsubscribe footer (`finish_notice`).
pub fn notice(page: &Page<'_>, n: &Notice<'_>) -> EmailContent {
    let name = one_line(page.name);
    match *n {
        Notice::Opened { monitor, opened_ms, category } => {
            let monitor = one_line(monitor);
            content(
                format!("[{name} status] {monitor}: incident opened"),
                format!("{monitor} has an incident"),
                vec![format!("Since {}: {}.", full_utc(opened_ms), one_line(category)), String::from("You will get another email when it resolves.")],
                page,
                "vigil-subscriber-incident-opened",
            )
        }
        Notice::Resolved { monitor, opened_ms, resolved_ms, category } => {
            let monitor = one_line(monitor);
            let lasted = duration_ms((resolved_ms - opened_ms).max(0));
            content(
                format!("[{name} status] {monitor}: resolved after {lasted}"),
                format!("{monitor} has recovered"),
                vec![format!("The incident ({}) that began {} resolved at {}, after {lasted}.", one_line(category), full_utc(opened_ms), full_utc(resolved_ms))],
                page,
                "vigil-subscriber-incident-resolved",
            )
        }
        Notice::Update { title, status, message, at_ms } => {
            let title = one_line(title);
            let status = one_line(status);
            content(
                format!("[{name} status] {title}: {status}"),
                format!("{title}: {status}"),
                vec![message.replace("\r\n", "\n"), format!("Posted {}.", full_utc(at_ms))],
                page,
                "vigil-subscriber-incident-update",
            )
        }
    }
}

fn append(c: &EmailContent, text_tail: &str, html_tail: &str) -> EmailContent {
    let body = c.html.strip_suffix(END).unwrap_or(&c.html);
    EmailContent { subject: c.subject.clone(), text: format!("{}\n{text_tail}", c.text), html: format!("{body}{html_tail}{END}"), category: c.category.clone() }
}

/// The confirmation email with its link (a page with a button, so a mail scanner that opens
/// links confirms nothing).
pub fn finish_confirmation(c: &EmailContent, confirm_url: &str) -> EmailContent {
    let mut h = Html::with_capacity(512);
    h.r("<p style=\"margin:16px 0\"><a href=\"")
        .t(confirm_url)
        .r("\" style=\"display:inline-block;background:#0969da;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none\">Confirm subscription</a></p><p style=\"margin:0;color:#59636e;font-size:13px\">The link works for 48 hours: ")
        .t(confirm_url)
        .r("</p>");
    append(c, &format!("Confirm (the link works for 48 hours):\n{}\n", one_line(confirm_url)), &h.finish())
}

/// A notice with its unsubscribe link, and the RFC 8058 headers for one-click unsubscribe
/// (`List-Unsubscribe` with the https URL, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
pub fn finish_notice(c: &EmailContent, page: &Page<'_>, unsubscribe_url: &str) -> (EmailContent, Vec<(&'static str, String)>) {
    let mut h = Html::with_capacity(512);
    h.r("<p style=\"margin:24px 0 0;color:#59636e;font-size:12px\">You get this because you subscribed to the ")
        .t(page.name)
        .r(" status page. <a href=\"")
        .t(unsubscribe_url)
        .r("\" style=\"color:#59636e\">Unsubscribe</a></p>");
    let text_tail = format!("-- \nYou get this because you subscribed to the {} status page.\nUnsubscribe: {}\n", one_line(page.name), one_line(unsubscribe_url));
    let headers = vec![
        ("List-Unsubscribe", format!("<{}>", one_line(unsubscribe_url))),
        ("List-Unsubscribe-Post", String::from("List-Unsubscribe=One-Click")),
    ];
    (append(c, &text_tail, &h.finish()), headers)
}
