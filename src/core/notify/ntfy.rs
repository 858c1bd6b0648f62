//! ntfy: `POST <server>/` with JSON `{topic, title, message, priority, tags, click}`
//! (docs.ntfy.sh "Publish as JSON": JSON is posted to the server's root URL, `topic` is
//! required; priority 1-5 with 3 the default; tags that name emojis show as emojis). An access
//! token goes in `Authorization: Bearer <tk_...>`.
//!
//! Plain text (no `markdown: true`), so nothing in a monitor name is markup. The server URL is
//! the user's (ntfy.sh or self-hosted) and goes through the SSRF guard like any webhook.
//!
//! Answers: 200 with the message; 429 when a visitor or topic limit is reached; 401/403 for a
//! missing or wrong token (rejected: the same request would fail again).
use serde_json::{json, Value};

use super::{clip, Alert, HttpRequest, NotSent, Tone};

/// ntfy's topic names: 1-64 of `A-Z a-z 0-9 _ -`.
pub fn valid_topic(topic: &str) -> bool {
    (1..=64).contains(&topic.len()) && topic.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub fn render(alert: &Alert) -> Value {
    let (priority, tag) = match alert.tone {
        Tone::Down => (5, "rotating_light"),
        Tone::StillDown => (4, "hourglass_flowing_sand"),
        Tone::Recovered => (3, "white_check_mark"),
        Tone::Test => (3, "wave"),
    };
    let message: Vec<String> = alert.facts().into_iter().map(|(label, value)| format!("{label}: {}", clip(&value, 400))).collect();
    let mut v = json!({
        "title": clip(&alert.headline(), 250),
        "message": message.join("\n"),
        "priority": priority,
        "tags": [tag, "vigil"],
    });
    if let Some(link) = &alert.link {
        v["click"] = Value::from(link.clone());
    }
    v
}

pub(crate) fn request(server: &str, topic: &str, token: Option<&str>, mut body: Value) -> Result<HttpRequest, NotSent> {
    let topic = topic.trim();
    if !valid_topic(topic) {
        return Err(NotSent(String::from("the ntfy topic must be 1 to 64 of A-Z a-z 0-9 _ -")));
    }
    body["topic"] = Value::from(topic);
    let auth = token.map(str::trim).filter(|t| !t.is_empty()).map(|t| vec![(String::from("authorization"), format!("Bearer {t}"))]).unwrap_or_default();
    Ok(super::json_post(format!("{}/", server.trim().trim_end_matches('/')), &body, auth))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, render as render_for, request as build, Channel, Reply, Target};
    use super::*;

    fn sent(event: &crate::core::webhook::EventInfo, target: &Target) -> (super::super::HttpRequest, Value) {
        let stored = render_for(Channel::Ntfy, &Alert::new(event, OPENED_AT, Some("https://status.example.com/status/acme"))).unwrap();
        let r = build(Channel::Ntfy, target, &stored, None).unwrap();
        let v = serde_json::from_str(&r.body).unwrap();
        (r, v)
    }

    #[test]
    fn publishes_json_to_the_root_with_the_topic() {
        let (r, v) = sent(&opened("Main API"), &target(Channel::Ntfy));
        assert_eq!(r.url, "https://ntfy.sh/");
        assert!(r.headers.contains(&("authorization".into(), "Bearer tk_NTFYTOKEN".into())));
        assert_eq!(v["topic"], "vigil-alerts");
        assert_eq!(v["title"], "DOWN: Main API");
        assert_eq!(v["priority"], 5);
        assert_eq!(v["tags"], json!(["rotating_light", "vigil"]));
        assert_eq!(v["click"], "https://status.example.com/status/acme");
        assert!(v["message"].as_str().unwrap().starts_with("Project: Acme\nState: DOWN\nCause: HTTP status"));
        let open = Target::Ntfy { server: "https://ntfy.example.com/base/".into(), topic: "t".into(), token: None };
        let (r, _) = sent(&resolved("x"), &open);
        assert_eq!(r.url, "https://ntfy.example.com/base/");
        assert!(!r.headers.iter().any(|(k, _)| k == "authorization"));
    }

    #[test]
    fn every_event_has_topic_message_and_a_valid_priority() {
        for event in all_events() {
            let (_, v) = sent(&event, &target(Channel::Ntfy));
            assert!(v["topic"].is_string() && !v["message"].as_str().unwrap().is_empty());
            assert!((1..=5).contains(&v["priority"].as_i64().unwrap()));
        }
        assert_eq!(sent(&resolved("x"), &target(Channel::Ntfy)).1["priority"], 3);
        assert_eq!(sent(&reminder("x"), &target(Channel::Ntfy)).1["priority"], 4);
        // Plain text: a hostile name stays one line, and markdown is off.
        let (_, v) = sent(&opened(HOSTILE), &target(Channel::Ntfy));
        assert!(!v["title"].as_str().unwrap().contains('\n'));
        assert!(v.get("markdown").is_none());
    }

    #[test]
    fn topics_are_checked() {
        for bad in ["", "a/b", "../x", "a b", &"x".repeat(65)] {
            let t = Target::Ntfy { server: "https://ntfy.sh".into(), topic: bad.to_string(), token: None };
            let stored = render_for(Channel::Ntfy, &Alert::new(&opened("x"), 0, None)).unwrap();
            assert!(build(Channel::Ntfy, &t, &stored, None).is_err(), "{bad}");
        }
        assert!(valid_topic("vigil_alerts-1"));
    }

    #[test]
    fn policy_table() {
        let cases: &[(u16, Option<&str>, &str, Reply)] = &[
            (200, None, r#"{"id":"x","event":"message"}"#, Reply::Delivered),
            (429, None, r#"{"code":42901,"http":429,"error":"limit reached: too many requests"}"#, Reply::RateLimited { after_s: None }),
            (403, None, r#"{"code":40301,"http":403,"error":"forbidden"}"#, Reply::Rejected { reason: "HTTP 403: forbidden".into() }),
            (507, None, "", Reply::Transient),
        ];
        for (status, ra, body, want) in cases {
            assert_eq!(read_reply(Channel::Ntfy, *status, *ra, body, 0), *want, "{status}");
        }
    }
}
