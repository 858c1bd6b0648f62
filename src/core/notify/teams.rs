//! Microsoft Teams through a Workflows (Power Automate) webhook: `POST <workflow url>` with
//! `{type: "message", attachments: [{contentType: "application/vnd.microsoft.card.adaptive",
//! contentUrl: null, content: <Adaptive Card 1.4>}]}`, the shape the "Send webhook alerts to a
//! channel" template posts. Office 365 connectors (MessageCard) are retired.
//!
//! The card: a coloured `TextBlock` headline, a `FactSet` of the details, and an
//! `Action.OpenUrl` to the status page. Adaptive Card text takes a small Markdown subset
//! (emphasis, lists, links), so user text is escaped with CommonMark backslashes.
//!
//! A workflow answers 202 Accepted; a deleted or disabled flow answers 404; throttling is 429
//! with `Retry-After`. Those follow the shared rules (`Answer::generic`), except 404.
use serde_json::{json, Value};

use super::{escape_within, Alert, Answer, Reply, Tone};

/// CommonMark punctuation Adaptive Cards' Markdown can act on.
const MARKUP: &[char] = &['\\', '*', '_', '~', '`', '[', ']', '(', ')', '#', '>', '-', '+', '!', '<'];

pub fn escape(s: &str, max: usize) -> String {
    escape_within(s, max, |c, out| {
        if MARKUP.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    })
}

pub fn render(alert: &Alert) -> Value {
    let color = match alert.tone {
        Tone::Down | Tone::StillDown => "Attention",
        Tone::Recovered => "Good",
        Tone::Test => "Accent",
    };
    let facts: Vec<Value> = alert.facts().into_iter().map(|(label, value)| json!({ "title": label, "value": escape(&value, 1000) })).collect();
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": { "width": "Full" },
        "body": [
            { "type": "TextBlock", "text": escape(&alert.headline(), 400), "weight": "Bolder", "size": "Medium", "color": color, "wrap": true },
            { "type": "FactSet", "facts": facts },
            { "type": "TextBlock", "text": format!("vigil · {}", super::human_time(alert.at_ms)), "isSubtle": true, "size": "Small", "wrap": true },
        ],
    });
    if let Some(link) = &alert.link {
        card["actions"] = json!([{ "type": "Action.OpenUrl", "title": "Open the status page", "url": link }]);
    }
    json!({
        "type": "message",
        "attachments": [{ "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": card }],
    })
}

pub(crate) fn read(a: &Answer<'_>) -> Reply {
    match a.status {
        404 => Reply::Gone { reason: String::from("Teams answered 404: the workflow was deleted or turned off") },
        _ => a.generic(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, request, Channel};
    use super::*;

    fn stored(event: &crate::core::webhook::EventInfo, link: Option<&str>) -> Value {
        serde_json::from_str(&super::super::render(Channel::Teams, &Alert::new(event, OPENED_AT, link)).unwrap()).unwrap()
    }

    #[test]
    fn every_event_is_an_adaptive_card_message() {
        for event in all_events() {
            let v = stored(&event, Some("https://status.example.com/status/acme"));
            assert_eq!(v["type"], "message");
            let att = &v["attachments"][0];
            assert_eq!(att["contentType"], "application/vnd.microsoft.card.adaptive");
            assert!(att["contentUrl"].is_null());
            let card = &att["content"];
            // An Adaptive Card needs type, version and body.
            assert_eq!(card["type"], "AdaptiveCard");
            assert_eq!(card["version"], "1.4");
            assert!(!card["body"].as_array().unwrap().is_empty());
            for fact in card["body"][1]["facts"].as_array().unwrap() {
                assert!(fact["title"].is_string() && fact["value"].is_string());
            }
            assert_eq!(card["actions"][0], json!({"type": "Action.OpenUrl", "title": "Open the status page", "url": "https://status.example.com/status/acme"}));
        }
        let v = stored(&opened("Main API"), None);
        assert_eq!(v["attachments"][0]["content"]["body"][0]["text"], "DOWN: Main API");
        assert_eq!(v["attachments"][0]["content"]["body"][0]["color"], "Attention");
        assert!(v["attachments"][0]["content"].get("actions").is_none());
        assert_eq!(stored(&resolved("x"), None)["attachments"][0]["content"]["body"][0]["color"], "Good");
    }

    #[test]
    fn hostile_names_are_escaped() {
        let v = stored(&opened(HOSTILE), None);
        let headline = v["attachments"][0]["content"]["body"][0]["text"].as_str().unwrap().to_string();
        assert!(headline.contains("\\[l\\]\\(https://evil.example\\)") && headline.contains("\\*bold\\*") && headline.contains("\\<b"), "{headline}");
        assert!(!headline.contains('\n'));
    }

    #[test]
    fn request_and_policy() {
        let s = super::super::render(Channel::Teams, &Alert::new(&opened("x"), 0, None)).unwrap();
        let r = request(Channel::Teams, &target(Channel::Teams), &s, None).unwrap();
        assert!(r.url.ends_with("sig=TEAMSSIG"));
        let cases: &[(u16, Option<&str>, Reply)] = &[
            (202, None, Reply::Delivered),
            (200, None, Reply::Delivered),
            (429, Some("60"), Reply::RateLimited { after_s: Some(60) }),
            (404, None, Reply::Gone { reason: "Teams answered 404: the workflow was deleted or turned off".into() }),
            (400, None, Reply::Rejected { reason: "HTTP 400".into() }),
            (503, None, Reply::Transient),
        ];
        for (status, ra, want) in cases {
            assert_eq!(read_reply(Channel::Teams, *status, *ra, "", 0), *want, "{status}");
        }
    }
}
