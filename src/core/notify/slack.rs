//! Slack incoming webhooks: `POST <webhook url>` with JSON `{text, attachments: [{color,
//! blocks}]}` (Slack "Sending messages using incoming webhooks"; Block Kit `section` with
//! `mrkdwn` fields, at most 10 fields of 2,000 characters each; `context`).
//!
//! `text` is the message people see in notifications; the attachment carries the state's colour
//! and the details. Every dynamic value is escaped for mrkdwn: Slack asks for exactly `&`, `<`
//! and `>` to be replaced by entities, which also stops `<!channel>` pings and `<url|x>` links
//! in monitor names.
//!
//! Answers (Slack changelog "Improving error conditions for Incoming Webhooks", plus the rate
//! limit page): 200 `ok`; 400 `invalid_payload`; 403 `action_prohibited` (a workspace policy)
//! or `invalid_token` (the webhook was revoked); 404 `channel_not_found` / `no_service` (the
//! channel or the webhook is gone); 410 `channel_is_archived`; 429 with `Retry-After`.
use serde_json::{json, Value};

use super::{escape_within, Alert, Answer, Reply, Tone};

/// Slack's limit for one mrkdwn field of a section is 2,000 characters, label included.
const FIELD_MAX: usize = 1900;

/// Escapes text for mrkdwn (Slack's "Escaping text": `&`, `<`, `>` only), within `max`
/// characters after escaping.
pub fn escape(s: &str, max: usize) -> String {
    escape_within(s, max, |c, out| match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        _ => out.push(c),
    })
}

fn emoji(tone: Tone) -> &'static str {
    match tone {
        Tone::Down => ":red_circle:",
        Tone::StillDown => ":hourglass_flowing_sand:",
        Tone::Recovered => ":large_green_circle:",
        Tone::Test => ":wave:",
    }
}

pub fn render(alert: &Alert) -> Value {
    let headline = escape(&alert.headline(), 1000);
    let fields: Vec<Value> = alert
        .facts()
        .into_iter()
        .take(10)
        .map(|(label, value)| json!({ "type": "mrkdwn", "text": format!("*{label}*\n{}", escape(&value, FIELD_MAX)) }))
        .collect();
    let mut blocks = vec![json!({ "type": "section", "fields": fields })];
    if let Some(link) = &alert.link {
        // In a `<url|text>` link the URL must not hold `|` or `>`; an http(s) URL that passed
        // `Alert::new` has no spaces, and these two are percent-encoded.
        let url = link.replace('|', "%7C").replace('>', "%3E").replace('<', "%3C");
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("<{url}|Open the status page>") } }));
    }
    let mut context = String::from("vigil");
    if let Some(id) = alert.incident_id {
        context.push_str(&format!(" · incident #{id}"));
    }
    context.push_str(&format!(" · {}", super::human_time(alert.at_ms)));
    blocks.push(json!({ "type": "context", "elements": [{ "type": "mrkdwn", "text": context }] }));
    json!({
        "text": format!("{} *{headline}*", emoji(alert.tone)),
        "attachments": [{ "color": format!("#{:06x}", alert.color()), "blocks": blocks }],
    })
}

pub(crate) fn read(a: &Answer<'_>) -> Reply {
    let code = a.body.trim();
    let gone = |why: &str| Reply::Gone { reason: format!("Slack answered {} {code}: {why}", a.status) };
    match (a.status, code) {
        (404, _) => gone("the channel or the webhook no longer exists"),
        (410, _) => gone("the channel is archived"),
        (403, "invalid_token" | "no_service" | "no_team" | "team_disabled") => gone("the webhook was revoked"),
        _ => a.generic(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, request, Channel};
    use super::*;

    fn stored(event: &crate::core::webhook::EventInfo, link: Option<&str>) -> Value {
        serde_json::from_str(&super::super::render(Channel::Slack, &Alert::new(event, OPENED_AT, link)).unwrap()).unwrap()
    }

    #[test]
    fn golden_opened() {
        let v = stored(&opened("Main API"), Some("https://status.example.com/status/acme"));
        assert_eq!(v["text"], ":red_circle: *DOWN: Main API*");
        let att = &v["attachments"][0];
        assert_eq!(att["color"], "#cf222e");
        let fields = att["blocks"][0]["fields"].as_array().unwrap();
        assert_eq!(fields[0], json!({"type": "mrkdwn", "text": "*Project*\nAcme"}));
        assert_eq!(fields[1]["text"], "*State*\nDOWN");
        assert_eq!(fields[2]["text"], "*Cause*\nHTTP status: status 503 not in [200]");
        assert_eq!(fields[3]["text"], "*Down since*\n2026-11-21 05:25:00 UTC");
        assert_eq!(att["blocks"][1]["text"]["text"], "<https://status.example.com/status/acme|Open the status page>");
        assert_eq!(att["blocks"][2]["elements"][0]["text"], "vigil · incident #42 · 2026-11-21 05:25:00 UTC");
    }

    #[test]
    fn every_event_has_the_required_fields() {
        for event in all_events() {
            let v = stored(&event, None);
            // Slack requires `text` (or blocks); a section needs `text` or `fields`, at most 10.
            assert!(v["text"].as_str().is_some_and(|t| !t.is_empty()), "{}", event.kind);
            for block in v["attachments"][0]["blocks"].as_array().unwrap() {
                let kind = block["type"].as_str().unwrap();
                assert!(["section", "context"].contains(&kind));
                if kind == "section" {
                    let n = block["fields"].as_array().map_or(0, Vec::len);
                    assert!(block["text"].is_object() || (1..=10).contains(&n), "{block}");
                    for f in block["fields"].as_array().into_iter().flatten() {
                        assert!(f["text"].as_str().unwrap().chars().count() <= 2000);
                    }
                }
            }
        }
        assert_eq!(stored(&resolved("x"), None)["attachments"][0]["color"], "#1a7f37");
        assert!(stored(&reminder("x"), None)["text"].as_str().unwrap().contains("STILL DOWN: x for 1h 5m"));
        assert!(stored(&test_event(), None)["text"].as_str().unwrap().contains("Test notification"));
    }

    #[test]
    fn hostile_names_are_escaped() {
        let v = stored(&opened(HOSTILE), None);
        let text = v["text"].as_str().unwrap();
        assert!(text.contains("&lt;b&gt;x&lt;/b&gt; &amp; &lt;!channel&gt; &lt;@U1&gt;"), "{text}");
        assert!(text.contains("&amp;amp;"), "an entity in the name is shown, not decoded: {text}");
        assert!(!text.contains('\n'));
        // No raw `<` or `>` anywhere in user-controlled text: no pings, no links.
        let all = v.to_string();
        assert!(!all.contains("<!channel>") && !all.contains("<@U1>") && !all.contains("<b>"), "{all}");
    }

    #[test]
    fn request_posts_to_the_webhook() {
        let s = super::super::render(Channel::Slack, &Alert::new(&opened("x"), 0, None)).unwrap();
        let r = request(Channel::Slack, &target(Channel::Slack), &s, None).unwrap();
        assert_eq!(r.url, "https://hooks.slack.com/services/T000SECRET/B000/XXXX");
        assert_eq!(r.body, s);
        assert!(r.headers.contains(&("content-type".into(), "application/json".into())));
    }

    #[test]
    fn policy_table() {
        let cases: &[(u16, Option<&str>, &str, Reply)] = &[
            (200, None, "ok", Reply::Delivered),
            (429, Some("30"), "rate_limited", Reply::RateLimited { after_s: Some(30) }),
            (404, None, "channel_not_found", Reply::Gone { reason: "Slack answered 404 channel_not_found: the channel or the webhook no longer exists".into() }),
            (404, None, "no_service", Reply::Gone { reason: "Slack answered 404 no_service: the channel or the webhook no longer exists".into() }),
            (410, None, "channel_is_archived", Reply::Gone { reason: "Slack answered 410 channel_is_archived: the channel is archived".into() }),
            (403, None, "invalid_token", Reply::Gone { reason: "Slack answered 403 invalid_token: the webhook was revoked".into() }),
            (403, None, "action_prohibited", Reply::Rejected { reason: "HTTP 403: action_prohibited".into() }),
            (400, None, "invalid_payload", Reply::Rejected { reason: "HTTP 400: invalid_payload".into() }),
            (500, None, "rollup_error", Reply::Transient),
        ];
        for (status, ra, body, want) in cases {
            assert_eq!(read_reply(Channel::Slack, *status, *ra, body, 0), *want, "{status} {body}");
        }
    }
}
