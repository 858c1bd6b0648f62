//! Pushover: `POST {base}/1/messages.json`, form-encoded `token` (the application's API
//! token), `user` (the user or group key), `message` (required, at most 1,024 characters),
//! `title` (250), `html=1`, `priority` (-2..2), `url` (512), `url_title` (100), `timestamp`
//! (pushover.net/api).
//!
//! Opened and reminders go at priority 1 (high: bypasses quiet hours); the resolve and tests
//! at 0, so "it is back" does not wake anyone. Emergency priority (2) is not used: it needs
//! acknowledgement receipts vigil does not track. The message uses Pushover's HTML subset
//! (`<b>`), with every value escaped.
//!
//! Answers: 200 `{"status": 1}`; 4xx `{"status": 0, "errors": [...]}` for a bad token, key or
//! message (Pushover: do not retry those); 429 when the application is over its monthly
//! quota; 5xx transient.
use serde_json::{json, Value};

use super::{clip, escape_html, Alert, HttpRequest, Tone};

const MESSAGE_MAX: usize = 1024;

pub fn render(alert: &Alert) -> Value {
    let priority = match alert.tone {
        Tone::Down | Tone::StillDown => 1,
        Tone::Recovered | Tone::Test => 0,
    };
    // Whole rows only, so the limit never cuts a tag or an entity in half.
    let mut message = String::new();
    for (label, value) in alert.facts() {
        let row = format!("<b>{label}:</b> {}", escape_html(&clip(&value, 300)));
        let sep = usize::from(!message.is_empty());
        if message.chars().count() + sep + row.chars().count() > MESSAGE_MAX {
            break;
        }
        if sep == 1 {
            message.push('\n');
        }
        message.push_str(&row);
    }
    let mut v = json!({
        "title": clip(&alert.headline(), 250),
        "message": message,
        "html": 1,
        "priority": priority,
        "timestamp": alert.at_ms.div_euclid(1000),
    });
    if let Some(link) = alert.link.as_ref().filter(|l| l.len() <= 512) {
        v["url"] = Value::from(link.clone());
        v["url_title"] = Value::from("Open the status page");
    }
    v
}

pub(crate) fn request(base: &str, app_token: &str, user_key: &str, body: &Value) -> HttpRequest {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", app_token.trim());
    form.append_pair("user", user_key.trim());
    if let Some(fields) = body.as_object() {
        for (k, v) in fields {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            form.append_pair(k, &text);
        }
    }
    HttpRequest {
        method: "POST",
        url: format!("{base}/1/messages.json"),
        headers: vec![
            (String::from("content-type"), String::from("application/x-www-form-urlencoded")),
            (String::from("user-agent"), String::from(super::USER_AGENT)),
        ],
        body: form.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, render as render_for, request as build, Channel, Reply};
    use super::*;

    fn form(event: &crate::core::webhook::EventInfo) -> Vec<(String, String)> {
        let stored = render_for(Channel::Pushover, &Alert::new(event, OPENED_AT, Some("https://status.example.com/status/acme"))).unwrap();
        assert!(!stored.contains("APPTOKEN"));
        let r = build(Channel::Pushover, &target(Channel::Pushover), &stored, None).unwrap();
        assert_eq!(r.url, "https://api.pushover.net/1/messages.json");
        url::form_urlencoded::parse(r.body.as_bytes()).into_owned().collect()
    }

    fn get<'a>(f: &'a [(String, String)], k: &str) -> Option<&'a str> {
        f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    #[test]
    fn required_fields_and_priorities() {
        for event in all_events() {
            let f = form(&event);
            // Required: token, user, message.
            assert_eq!(get(&f, "token"), Some("APPTOKEN"));
            assert_eq!(get(&f, "user"), Some("uQiRzpo4DXghDmr9QzzfQu27cmVRsG"));
            let m = get(&f, "message").unwrap();
            assert!(!m.is_empty() && m.chars().count() <= MESSAGE_MAX);
            assert!(get(&f, "title").unwrap().chars().count() <= 250);
            assert_eq!(get(&f, "html"), Some("1"));
        }
        let f = form(&opened("Main API"));
        assert_eq!(get(&f, "priority"), Some("1"));
        assert_eq!(get(&f, "title"), Some("DOWN: Main API"));
        assert_eq!(get(&f, "timestamp"), Some("1795238700"));
        assert_eq!(get(&f, "url"), Some("https://status.example.com/status/acme"));
        assert!(get(&f, "message").unwrap().starts_with("<b>Project:</b> Acme\n<b>State:</b> DOWN"));
        assert_eq!(get(&form(&resolved("x")), "priority"), Some("0"), "a recovery is normal priority");
        assert_eq!(get(&form(&reminder("x")), "priority"), Some("1"));
    }

    #[test]
    fn hostile_and_long_names() {
        let mut e = opened(HOSTILE);
        e.incident.as_mut().unwrap().cause = Some(HOSTILE.into());
        let f = form(&e);
        let m = get(&f, "message").unwrap();
        assert!(m.contains("&lt;b&gt;x&lt;/b&gt; &amp; ") && !m.contains("<b>x"), "{m}");
        assert_eq!(m.lines().count(), 5, "one line per fact: {m}");
        // Pushover titles are plain text: one line, not escaped.
        assert!(get(&f, "title").unwrap().starts_with("DOWN: <b>x</b> & "));
        assert!(!get(&f, "title").unwrap().contains('\n'));
        let mut e = opened("x");
        e.monitor.as_mut().unwrap().url = format!("https://a.example.com/{}", "<".repeat(3000));
        let m = get(&form(&e), "message").unwrap().to_string();
        assert!(m.chars().count() <= MESSAGE_MAX && !m.contains("&l\n"));
        assert!(m.matches("<b>").count() == m.matches("</b>").count());
    }

    #[test]
    fn policy_table() {
        let cases: &[(u16, &str, Reply)] = &[
            (200, r#"{"status":1,"request":"x"}"#, Reply::Delivered),
            (400, r#"{"user":"invalid","errors":["user identifier is not a valid user, group, or subscribed user key"],"status":0}"#, Reply::Rejected { reason: "HTTP 400: [\"user identifier is not a valid user, group, or subscribed user key\"]".into() }),
            (429, "", Reply::RateLimited { after_s: None }),
            (500, "", Reply::Transient),
        ];
        for (status, body, want) in cases {
            assert_eq!(read_reply(Channel::Pushover, *status, None, body, 0), *want, "{status}");
        }
    }
}
