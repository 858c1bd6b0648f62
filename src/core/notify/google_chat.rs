//! Google Chat space webhooks: `POST <webhook url>` (it carries `key` and `token` in its query)
//! with JSON `{text, cardsV2: [{cardId, card: {header: {title, subtitle}, sections: [{widgets:
//! [decoratedText..., buttonList]}]}}]}` (Google Chat "Send messages using incoming webhooks",
//! "Card messages").
//!
//! Escaping: card `decoratedText.text` takes Google Chat's HTML subset, so values are HTML
//! escaped; header titles and labels are plain text. The `text` line uses Chat's own syntax,
//! where `<users/all>` mentions everyone and `<url|x>` is a link, and which has no escape: there
//! `<` and `>` become `‹` `›` so a monitor name can neither ping nor link.
//!
//! Answers: 200 with the message; 429 (about one message per second per space); 404 once the
//! space or the webhook is deleted.
use serde_json::{json, Value};

use super::{clip, escape_html, Alert, Answer, Reply};

fn chat_text(s: &str) -> String {
    s.chars().map(|c| match c {
        '<' => '‹',
        '>' => '›',
        c if c.is_control() => ' ',
        c => c,
    }).collect()
}

pub fn render(alert: &Alert) -> Value {
    let headline = clip(&alert.headline(), 200);
    let mut widgets: Vec<Value> = alert
        .facts()
        .into_iter()
        .map(|(label, value)| json!({ "decoratedText": { "topLabel": label, "text": escape_html(&clip(&value, 500)), "wrapText": true } }))
        .collect();
    if let Some(link) = &alert.link {
        widgets.push(json!({ "buttonList": { "buttons": [{ "text": "Open the status page", "onClick": { "openLink": { "url": link } } }] } }));
    }
    json!({
        "text": format!("*{}*", chat_text(&headline)),
        "cardsV2": [{
            "cardId": "vigil-alert",
            "card": {
                "header": { "title": headline, "subtitle": clip(&format!("vigil · {}", alert.project_name), 200) },
                "sections": [{ "widgets": widgets }],
            },
        }],
    })
}

pub(crate) fn read(a: &Answer<'_>) -> Reply {
    match a.status {
        404 => Reply::Gone { reason: String::from("Google Chat answered 404: the space or its webhook was deleted") },
        _ => a.generic(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, request, Channel};
    use super::*;

    fn stored(event: &crate::core::webhook::EventInfo, link: Option<&str>) -> Value {
        serde_json::from_str(&super::super::render(Channel::GoogleChat, &Alert::new(event, OPENED_AT, link)).unwrap()).unwrap()
    }

    #[test]
    fn every_event_is_a_card_with_text() {
        for event in all_events() {
            let v = stored(&event, Some("https://status.example.com/status/acme"));
            assert!(v["text"].as_str().is_some_and(|t| t.len() > 2));
            let card = &v["cardsV2"][0];
            assert_eq!(card["cardId"], "vigil-alert");
            assert!(card["card"]["header"]["title"].as_str().is_some_and(|t| !t.is_empty()));
            let widgets = card["card"]["sections"][0]["widgets"].as_array().unwrap();
            assert!(widgets.len() >= 2);
            assert_eq!(widgets.last().unwrap()["buttonList"]["buttons"][0]["onClick"]["openLink"]["url"], "https://status.example.com/status/acme");
        }
        let v = stored(&opened("Main API"), None);
        assert_eq!(v["text"], "*DOWN: Main API*");
        assert_eq!(v["cardsV2"][0]["card"]["sections"][0]["widgets"][0]["decoratedText"], json!({"topLabel": "Project", "text": "Acme", "wrapText": true}));
    }

    #[test]
    fn hostile_names_cannot_mention_or_link() {
        let mut e = opened("<users/all> <https://evil.example|click> <b>x</b>");
        e.monitor.as_mut().unwrap().url = "https://a.example.com/?a=<b>".into();
        let v = stored(&e, None);
        let text = v["text"].as_str().unwrap();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert!(text.contains("‹users/all›"));
        let url_widget = v["cardsV2"][0]["card"]["sections"][0]["widgets"].as_array().unwrap().iter().find(|w| w["decoratedText"]["topLabel"] == "URL").unwrap().clone();
        assert_eq!(url_widget["decoratedText"]["text"], "https://a.example.com/?a=&lt;b&gt;");
    }

    #[test]
    fn request_and_policy() {
        let s = super::super::render(Channel::GoogleChat, &Alert::new(&opened("x"), 0, None)).unwrap();
        let r = request(Channel::GoogleChat, &target(Channel::GoogleChat), &s, None).unwrap();
        assert!(r.url.starts_with("https://chat.googleapis.com/v1/spaces/AAA/messages?"));
        assert!(r.headers.contains(&("content-type".into(), "application/json".into())));
        let cases: &[(u16, Option<&str>, Reply)] = &[
            (200, None, Reply::Delivered),
            (429, Some("1"), Reply::RateLimited { after_s: Some(1) }),
            (404, None, Reply::Gone { reason: "Google Chat answered 404: the space or its webhook was deleted".into() }),
            (400, None, Reply::Rejected { reason: "HTTP 400".into() }),
        ];
        for (status, ra, want) in cases {
            assert_eq!(read_reply(Channel::GoogleChat, *status, *ra, "", 0), *want, "{status}");
        }
    }
}
