//! Discord webhooks: `POST <webhook url>?wait=true` with JSON `{embeds: [{title, url,
//! description, color, fields: [{name, value, inline}], timestamp, footer}], allowed_mentions}`
//! (Discord "Execute Webhook"; embed limits: title 256, description 4,096, 25 fields, field
//! name 256 and value 1,024 characters, 6,000 in all).
//!
//! `allowed_mentions: {parse: []}` means no text in the message can ping anyone, and every
//! dynamic value is escaped for Discord's markdown (a backslash before each markup character),
//! so a monitor named `**x** [y](https://evil)` shows as typed.
//!
//! Answers: 200 with the message (`wait=true`; without it Discord answers a bare 204); 429 with
//! `Retry-After` and a JSON body `{message, retry_after (seconds, a float), global}`; 404
//! `{"message": "Unknown Webhook", "code": 10015}` once the webhook is deleted; 401 code 50027
//! "Invalid Webhook Token" once its token is reset.
use serde_json::{json, Value};

use super::{clip, escape_within, one_line, Alert, Answer, Reply};

/// Characters Discord's markdown gives meaning: emphasis, code, spoilers, quotes, headers,
/// lists, masked links, mentions, and the backslash itself.
const MARKUP: &[char] = &['\\', '*', '_', '~', '`', '|', '>', '<', '#', '-', '[', ']', '(', ')', '@', ':'];

/// Escapes text for Discord markdown, within `max` characters after escaping.
pub fn escape(s: &str, max: usize) -> String {
    escape_within(s, max, |c, out| {
        if MARKUP.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    })
}

/// The webhook URL with `wait=true`, keeping any query the user's URL has (`thread_id`).
pub fn webhook_url(url: &str) -> String {
    if url.contains("wait=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&wait=true")
    } else {
        format!("{url}?wait=true")
    }
}

pub fn render(alert: &Alert) -> Value {
    let fields: Vec<Value> = alert
        .facts()
        .into_iter()
        .take(25)
        .map(|(label, value)| {
            // Short values sit side by side; a cause or URL gets its own line.
            let inline = value.chars().count() <= 40;
            json!({ "name": label, "value": escape(&value, 1024), "inline": inline })
        })
        .collect();
    let mut embed = json!({
        "title": escape(&alert.headline(), 256),
        "color": alert.color(),
        "fields": fields,
        "timestamp": alert.timestamp(),
        "footer": { "text": "vigil" },
    });
    if let Some(link) = &alert.link {
        embed["url"] = Value::from(link.clone());
    }
    json!({ "embeds": [embed], "allowed_mentions": { "parse": [] } })
}

pub(crate) fn read(a: &Answer<'_>) -> Reply {
    let code = a.json.and_then(|j| j.get("code")).and_then(Value::as_i64);
    match (a.status, code) {
        (429, _) => Reply::RateLimited { after_s: a.body_wait(&["retry_after"]).max(a.header_wait) },
        (404, _) | (401, Some(50027)) => {
            let what = a.json.and_then(|j| j.get("message")).and_then(Value::as_str).unwrap_or("Unknown Webhook");
            Reply::Gone { reason: format!("Discord answered {} {}: the webhook was deleted or its token reset", a.status, clip(&one_line(what), 80)) }
        }
        _ => a.generic(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, request, Channel};
    use super::*;

    fn stored(event: &crate::core::webhook::EventInfo, link: Option<&str>) -> Value {
        serde_json::from_str(&super::super::render(Channel::Discord, &Alert::new(event, OPENED_AT, link)).unwrap()).unwrap()
    }

    #[test]
    fn golden_opened() {
        let v = stored(&opened("Main API"), Some("https://status.example.com/status/acme"));
        let e = &v["embeds"][0];
        assert_eq!(e["title"], "DOWN\\: Main API");
        assert_eq!(e["url"], "https://status.example.com/status/acme");
        assert_eq!(e["color"], 0xCF222E);
        assert_eq!(e["timestamp"], "2026-11-21T05:25:00.123Z");
        assert_eq!(e["fields"][0], json!({"name": "Project", "value": "Acme", "inline": true}));
        assert_eq!(e["fields"][2]["value"], "HTTP status\\: status 503 not in \\[200\\]");
        assert_eq!(v["allowed_mentions"], json!({"parse": []}));
    }

    #[test]
    fn every_event_fits_discord_limits() {
        for event in all_events() {
            let v = stored(&event, None);
            let e = &v["embeds"][0];
            let title = e["title"].as_str().unwrap();
            assert!(!title.is_empty() && title.chars().count() <= 256, "{title}");
            let fields = e["fields"].as_array().unwrap();
            assert!(!fields.is_empty() && fields.len() <= 25);
            let mut total = title.chars().count();
            for f in fields {
                let (n, val) = (f["name"].as_str().unwrap(), f["value"].as_str().unwrap());
                assert!(!n.is_empty() && n.chars().count() <= 256 && !val.is_empty() && val.chars().count() <= 1024, "{f}");
                total += n.chars().count() + val.chars().count();
            }
            assert!(total <= 6000);
            assert!(e["url"].is_null(), "no link without PUBLIC_BASE_URL");
        }
        assert_eq!(stored(&resolved("x"), None)["embeds"][0]["color"], 0x1A7F37);
        // A very long hostile name still fits once escaped (escaping doubles characters).
        let long = "*".repeat(400);
        let v = stored(&opened(&long), None);
        assert!(v["embeds"][0]["title"].as_str().unwrap().chars().count() <= 256, "title over Discord's limit");
    }

    #[test]
    fn hostile_names_are_escaped() {
        let title = stored(&opened(HOSTILE), None)["embeds"][0]["title"].as_str().unwrap().to_string();
        for raw in ["**", "[l](", "<@U1>", "`c`", "~s~"] {
            assert!(!title.contains(raw), "{raw} left unescaped in {title}");
        }
        assert!(title.contains("\\*bold\\*") && title.contains("\\[l\\]\\(https\\://evil.example\\)") && title.contains("\\@everyone"), "{title}");
        assert!(!title.contains('\n'));
    }

    #[test]
    fn request_waits_for_the_message() {
        let s = super::super::render(Channel::Discord, &Alert::new(&opened("x"), 0, None)).unwrap();
        let r = request(Channel::Discord, &target(Channel::Discord), &s, None).unwrap();
        assert_eq!(r.url, "https://discord.com/api/webhooks/123/DISCORDTOKEN?wait=true");
        assert_eq!(webhook_url("https://d.example/api/webhooks/1/t?thread_id=5"), "https://d.example/api/webhooks/1/t?thread_id=5&wait=true");
        assert_eq!(webhook_url("https://d.example/x?wait=false"), "https://d.example/x?wait=false");
    }

    #[test]
    fn policy_table() {
        let cases: &[(u16, Option<&str>, &str, Reply)] = &[
            (200, None, r#"{"id":"1"}"#, Reply::Delivered),
            (204, None, "", Reply::Delivered),
            (429, Some("2"), r#"{"message":"You are being rate limited.","retry_after":6.457,"global":false}"#, Reply::RateLimited { after_s: Some(7) }),
            (429, Some("9"), r#"{"retry_after":0.5}"#, Reply::RateLimited { after_s: Some(9) }),
            (429, None, "not json", Reply::RateLimited { after_s: None }),
            (404, None, r#"{"message":"Unknown Webhook","code":10015}"#, Reply::Gone { reason: "Discord answered 404 Unknown Webhook: the webhook was deleted or its token reset".into() }),
            (401, None, r#"{"message":"Invalid Webhook Token","code":50027}"#, Reply::Gone { reason: "Discord answered 401 Invalid Webhook Token: the webhook was deleted or its token reset".into() }),
            (400, None, r#"{"message":"Invalid Form Body","code":50035}"#, Reply::Rejected { reason: "HTTP 400: Invalid Form Body".into() }),
            (502, None, "", Reply::Transient),
        ];
        for (status, ra, body, want) in cases {
            assert_eq!(read_reply(Channel::Discord, *status, *ra, body, 0), *want, "{status} {body}");
        }
    }
}
