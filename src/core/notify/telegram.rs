//! Telegram Bot API: `POST {base}/bot<token>/sendMessage` with JSON `{chat_id,
//! message_thread_id?, text, parse_mode: "HTML", link_preview_options: {is_disabled: true}}`
//! (core.telegram.org/bots/api#sendmessage; `text` is 1-4,096 characters after entity parsing).
//!
//! HTML parse mode, because its escaping is small and exact: `<`, `>`, `&` (and `"` inside an
//! attribute) as `&lt;` `&gt;` `&amp;` `&quot;`, the only named entities Telegram accepts.
//! MarkdownV2 would need 18 characters escaped and breaks on any one missed.
//!
//! Answers are `{ok, result}` or `{ok: false, error_code, description, parameters}`, where
//! `ResponseParameters` may say `retry_after` (flood control, with a 429) or
//! `migrate_to_chat_id` (a 400: the group became a supergroup with a new id; the message is
//! sent again there). 403 means the bot was kicked from the chat or blocked by the user, 400
//! "chat not found" that the chat is gone, and 401 that the token was revoked.
use serde_json::{json, Value};

use super::{escape_within, Alert, Answer, HttpRequest, NotSent, Reply, Tone};

/// Telegram's limit for `text`, counted after entities are parsed; escaped values are bounded
/// so the raw text stays far inside it too.
const TEXT_MAX: usize = 4096;

fn escape(s: &str, max: usize) -> String {
    escape_within(s, max, |c, out| crate::core::text::escape_into(out, c.encode_utf8(&mut [0u8; 4])))
}

/// The message text in HTML parse mode.
pub fn text(alert: &Alert) -> String {
    let emoji = match alert.tone {
        Tone::Down => "🔴",
        Tone::StillDown => "⏳",
        Tone::Recovered => "✅",
        Tone::Test => "👋",
    };
    let mut out = format!("{emoji} <b>{}</b>\n", escape(&alert.headline(), 400));
    for (label, value) in alert.facts() {
        out.push_str(&format!("<b>{label}:</b> {}\n", escape(&value, 400)));
    }
    if let Some(link) = &alert.link {
        out.push_str(&format!("<a href=\"{}\">Open the status page</a>\n", escape(link, 1000)));
    }
    // Ten rows of at most ~420 characters each stay below the limit; this is the backstop.
    let out = out.trim_end().to_string();
    if out.chars().count() > TEXT_MAX {
        return out.chars().take(TEXT_MAX - 1).collect::<String>() + "…";
    }
    out
}

pub fn render(alert: &Alert) -> Value {
    json!({ "text": text(alert), "parse_mode": "HTML", "link_preview_options": { "is_disabled": true } })
}

/// A bot token as BotFather gives it: `<bot id>:<secret>`. Anything else could change the
/// request path, so it is refused before it reaches a URL.
pub fn valid_token(token: &str) -> bool {
    match token.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && secret.len() >= 20 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        None => false,
    }
}

/// A chat id: an integer (groups are negative, supergroups `-100...`) or `@channelusername`.
pub fn chat_id_value(chat_id: &str) -> Value {
    match chat_id.trim().parse::<i64>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::from(chat_id.trim()),
    }
}

pub(crate) fn request(base: &str, bot_token: &str, chat_id: &str, thread: Option<i64>, mut body: Value) -> Result<HttpRequest, NotSent> {
    if !valid_token(bot_token.trim()) {
        return Err(NotSent(String::from("the bot token is not of the form <digits>:<secret>")));
    }
    body["chat_id"] = chat_id_value(chat_id);
    if let Some(t) = thread {
        body["message_thread_id"] = Value::from(t);
    }
    Ok(super::json_post(format!("{base}/bot{}/sendMessage", bot_token.trim()), &body, Vec::new()))
}

pub(crate) fn read(a: &Answer<'_>) -> Reply {
    let params = a.json.and_then(|j| j.get("parameters"));
    if let Some(id) = params.and_then(|p| p.get("migrate_to_chat_id")).and_then(Value::as_i64) {
        return Reply::Migrated { chat_id: id };
    }
    let description = a.json.and_then(|j| j.get("description")).and_then(Value::as_str).unwrap_or("").to_string();
    let gone = |why: &str| Reply::Gone { reason: format!("Telegram answered {} {}: {why}", a.status, super::clip(&super::one_line(&description), 120)) };
    match a.status {
        200..=299 if a.json.and_then(|j| j.get("ok")).and_then(Value::as_bool) == Some(false) => Reply::Rejected { reason: a.reason() },
        429 => Reply::RateLimited { after_s: a.body_wait(&["parameters", "retry_after"]).max(a.header_wait) },
        403 => gone("the bot was removed from the chat or blocked"),
        401 => gone("the bot token was revoked"),
        400 if description.to_ascii_lowercase().contains("chat not found") => gone("the chat no longer exists"),
        _ => a.generic(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, request as build, Channel, Target};
    use super::*;

    fn stored(event: &crate::core::webhook::EventInfo, link: Option<&str>) -> Value {
        serde_json::from_str(&super::super::render(Channel::Telegram, &Alert::new(event, OPENED_AT, link)).unwrap()).unwrap()
    }

    #[test]
    fn golden_opened() {
        let v = stored(&opened("Main API"), Some("https://status.example.com/status/acme?a=1&b=2"));
        assert_eq!(v["parse_mode"], "HTML");
        assert_eq!(v["link_preview_options"], json!({"is_disabled": true}));
        assert_eq!(
            v["text"],
            "🔴 <b>DOWN: Main API</b>\n<b>Project:</b> Acme\n<b>State:</b> DOWN\n<b>Cause:</b> HTTP status: status 503 not in [200]\n\
             <b>Down since:</b> 2026-11-21 05:25:00 UTC\n<b>URL:</b> https://api.example.com/health\n\
             <a href=\"https://status.example.com/status/acme?a=1&amp;b=2\">Open the status page</a>"
        );
        assert!(v.get("chat_id").is_none(), "the target is added at send time");
    }

    #[test]
    fn request_adds_the_target() {
        let s = super::super::render(Channel::Telegram, &Alert::new(&resolved("x"), 0, None)).unwrap();
        let r = build(Channel::Telegram, &target(Channel::Telegram), &s, None).unwrap();
        assert_eq!(r.url, "https://api.telegram.org/bot123456:BOTTOKEN-abcdefghijklmnopqrstu/sendMessage");
        let body: Value = serde_json::from_str(&r.body).unwrap();
        // sendMessage's required fields: chat_id and text.
        assert_eq!(body["chat_id"], -1001234567890i64);
        assert_eq!(body["message_thread_id"], 7);
        assert!(body["text"].as_str().unwrap().starts_with("✅ <b>RECOVERED: x after 12m</b>"));
        let named = Target::Telegram { bot_token: "123456:BOTTOKEN-abcdefghijklmnopqrstu".into(), chat_id: "@vigil_alerts".into(), message_thread_id: None };
        let body: Value = serde_json::from_str(&build(Channel::Telegram, &named, &s, None).unwrap().body).unwrap();
        assert_eq!(body["chat_id"], "@vigil_alerts");
        assert!(body.get("message_thread_id").is_none());
        for bad in ["123456", "abc:defghijklmnopqrstuvwxyz", "1:short", "123:abcdefghijklmnopqrstuvwxyz/../x", "123:abcdefghijklmnopqrstu?x=1"] {
            let t = Target::Telegram { bot_token: bad.into(), chat_id: "1".into(), message_thread_id: None };
            assert!(build(Channel::Telegram, &t, &s, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_event_has_text_within_limits() {
        for event in all_events() {
            let t = stored(&event, Some("https://s.example.com/"))["text"].as_str().unwrap().to_string();
            assert!(!t.is_empty() && t.chars().count() <= TEXT_MAX, "{}", event.kind);
        }
        let huge = "<".repeat(5000);
        let t = stored(&opened(&huge), None)["text"].as_str().unwrap().to_string();
        assert!(t.chars().count() <= TEXT_MAX);
        assert!(!t.contains("&l…") && !t.contains("&lt…;"), "never half an entity");
    }

    #[test]
    fn hostile_names_are_escaped() {
        let t = stored(&opened(HOSTILE), None)["text"].as_str().unwrap().to_string();
        assert!(t.contains("<b>DOWN: &lt;b&gt;x&lt;/b&gt; &amp; &lt;!channel&gt;"), "{t}");
        assert!(t.contains("&amp;amp;") && t.contains("&quot;q&quot;"), "{t}");
        // The only tags are ours.
        let tags: Vec<&str> = t.match_indices('<').map(|(i, _)| &t[i..i + 3]).collect();
        assert!(tags.iter().all(|s| *s == "<b>" || *s == "</b"), "{tags:?}");
        assert_eq!(t.lines().count(), 6, "the newline in the name did not add a line: {t}");
    }

    #[test]
    fn policy_table() {
        let cases: &[(u16, Option<&str>, &str, Reply)] = &[
            (200, None, r#"{"ok":true,"result":{"message_id":1}}"#, Reply::Delivered),
            (429, None, r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 14","parameters":{"retry_after":14}}"#, Reply::RateLimited { after_s: Some(14) }),
            (429, Some("20"), r#"{"ok":false,"parameters":{"retry_after":3}}"#, Reply::RateLimited { after_s: Some(20) }),
            (400, None, r#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1009876543210}}"#, Reply::Migrated { chat_id: -1009876543210 }),
            (403, None, r#"{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"}"#, Reply::Gone { reason: "Telegram answered 403 Forbidden: bot was kicked from the group chat: the bot was removed from the chat or blocked".into() }),
            (401, None, r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#, Reply::Gone { reason: "Telegram answered 401 Unauthorized: the bot token was revoked".into() }),
            (400, None, r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#, Reply::Gone { reason: "Telegram answered 400 Bad Request: chat not found: the chat no longer exists".into() }),
            (400, None, r#"{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities"}"#, Reply::Rejected { reason: "HTTP 400: Bad Request: can't parse entities".into() }),
            (502, None, "Bad Gateway", Reply::Transient),
        ];
        for (status, ra, body, want) in cases {
            assert_eq!(read_reply(Channel::Telegram, *status, *ra, body, 0), *want, "{status} {body}");
        }
    }
}
