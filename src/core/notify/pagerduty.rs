//! PagerDuty Events API v2: `POST {base}/v2/enqueue` with `{routing_key, event_action,
//! dedup_key, payload: {summary, source, severity, timestamp, component, group, class,
//! custom_details}, client, client_url, links}` (PagerDuty developer docs "Send an Alert Event";
//! `summary` at most 1,024 characters, `dedup_key` at most 255).
//!
//! - Opened: `trigger`, severity `critical` (`error` when only bot protection answered).
//! - Resolved: `resolve` with the same `dedup_key` (`Alert::incident_key`), so PagerDuty closes
//!   the alert the trigger opened.
//! - Reminder: not sent (`Channel::sends`): PagerDuty escalates by itself.
//! - Test: a change event (`POST {base}/v2/change/enqueue`, `{routing_key, payload: {summary,
//!   source, timestamp, custom_details}, links}`), which shows on the service's timeline and
//!   proves the routing key works without paging anyone.
//!
//! The stored message has everything but `routing_key`, which is added at send time.
//! Answers: 202 `{"status": "success", "dedup_key": ...}`; 400 invalid event; 429 when the
//! integration is throttled; 5xx transient (all by `Answer::generic`).
use serde_json::{json, Value};

use super::{clip, Alert, HttpRequest, Tone};

pub fn render(alert: &Alert) -> Value {
    let summary = clip(&alert.headline(), 1024);
    let source = alert.monitor_location.clone().unwrap_or_else(|| String::from("vigil"));
    let details: serde_json::Map<String, Value> = alert.facts().into_iter().map(|(k, v)| (k.to_ascii_lowercase().replace(' ', "_"), Value::from(v))).collect();
    let links: Vec<Value> = alert.link.iter().map(|l| json!({ "href": l, "text": "Status page" })).collect();
    match (alert.tone, alert.incident_key()) {
        (Tone::Recovered, Some(key)) => json!({ "event_action": "resolve", "dedup_key": key }),
        (Tone::Down | Tone::StillDown, Some(key)) => {
            let severity = if alert.state == "BOT DETECTED" { "error" } else { "critical" };
            let mut v = json!({
                "event_action": "trigger",
                "dedup_key": key,
                "payload": {
                    "summary": summary,
                    "source": source,
                    "severity": severity,
                    "timestamp": alert.timestamp(),
                    "component": alert.monitor_name.as_deref().map(|n| clip(n, 255)),
                    "group": alert.project_slug,
                    "class": alert.category,
                    "custom_details": details,
                },
                "client": "vigil",
                "links": links,
            });
            if let Some(link) = &alert.link {
                v["client_url"] = Value::from(link.clone());
            }
            v
        }
        // A test (or an event without an incident): a change event, which pages nobody.
        _ => json!({
            "payload": { "summary": summary, "source": "vigil", "timestamp": alert.timestamp(), "custom_details": details },
            "links": links,
        }),
    }
}

pub(crate) fn request(base: &str, routing_key: &str, mut body: Value) -> HttpRequest {
    let path = if body.get("event_action").is_some() { "/v2/enqueue" } else { "/v2/change/enqueue" };
    body["routing_key"] = Value::from(routing_key.trim());
    super::json_post(format!("{base}{path}"), &body, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::{read_reply, render as render_for, request as build, Channel, Reply};
    use super::*;

    fn sent(event: &crate::core::webhook::EventInfo) -> (String, Value) {
        let stored = render_for(Channel::PagerDuty, &Alert::new(event, OPENED_AT, Some("https://status.example.com/status/acme"))).unwrap();
        assert!(!stored.contains("R0UTINGKEY"));
        let r = build(Channel::PagerDuty, &target(Channel::PagerDuty), &stored, None).unwrap();
        (r.url, serde_json::from_str(&r.body).unwrap())
    }

    #[test]
    fn trigger_has_the_required_fields() {
        let (url, v) = sent(&opened("Main API"));
        assert_eq!(url, "https://events.pagerduty.com/v2/enqueue");
        assert_eq!(v["routing_key"], "R0UTINGKEY");
        assert_eq!(v["event_action"], "trigger");
        assert_eq!(v["dedup_key"], "vigil-incident-42-1795238700123");
        // Required for a trigger: payload.summary, payload.source, payload.severity.
        let p = &v["payload"];
        assert_eq!(p["summary"], "DOWN: Main API");
        assert_eq!(p["source"], "api.example.com");
        assert_eq!(p["severity"], "critical");
        assert_eq!(p["timestamp"], "2026-11-21T05:25:00.123Z");
        assert_eq!(p["component"], "Main API");
        assert_eq!(p["group"], "acme");
        assert_eq!(p["class"], "HTTP status");
        assert_eq!(p["custom_details"]["cause"], "HTTP status: status 503 not in [200]");
        assert_eq!(v["client"], "vigil");
        assert_eq!(v["client_url"], "https://status.example.com/status/acme");
        assert_eq!(v["links"][0]["href"], "https://status.example.com/status/acme");
        assert!(["critical", "error", "warning", "info"].contains(&p["severity"].as_str().unwrap()));
    }

    #[test]
    fn resolve_shares_the_dedup_key() {
        let (_, trigger) = sent(&opened("Main API"));
        let (url, resolve) = sent(&resolved("Main API"));
        assert_eq!(url, "https://events.pagerduty.com/v2/enqueue");
        assert_eq!(resolve, json!({"event_action": "resolve", "dedup_key": trigger["dedup_key"], "routing_key": "R0UTINGKEY"}));
        assert!(resolve["dedup_key"].as_str().unwrap().len() <= 255);
    }

    #[test]
    fn test_is_a_change_event_and_reminders_are_not_sent() {
        let (url, v) = sent(&test_event());
        assert_eq!(url, "https://events.pagerduty.com/v2/change/enqueue");
        assert_eq!(v["routing_key"], "R0UTINGKEY");
        assert!(v["payload"]["summary"].as_str().unwrap().starts_with("Test notification"));
        assert_eq!(v["payload"]["source"], "vigil");
        assert!(v.get("event_action").is_none());
        assert_eq!(render_for(Channel::PagerDuty, &Alert::new(&reminder("x"), 0, None)), None);
    }

    #[test]
    fn long_names_fit_and_bot_walls_are_errors() {
        let (_, v) = sent(&opened(&"n".repeat(3000)));
        assert!(v["payload"]["summary"].as_str().unwrap().chars().count() <= 1024);
        assert!(v["payload"]["component"].as_str().unwrap().chars().count() <= 255);
        let mut bot = opened("x");
        bot.check.as_mut().unwrap().status = crate::core::status::CheckStatus::BotDetected;
        assert_eq!(sent(&bot).1["payload"]["severity"], "error");
    }

    #[test]
    fn policy_table() {
        let cases: &[(u16, Option<&str>, &str, Reply)] = &[
            (202, None, r#"{"status":"success","message":"Event processed","dedup_key":"k"}"#, Reply::Delivered),
            (400, None, r#"{"status":"invalid event","message":"Event object is invalid","errors":["Length of 'routing_key' is incorrect"]}"#, Reply::Rejected { reason: "HTTP 400: Event object is invalid".into() }),
            (429, None, "", Reply::RateLimited { after_s: None }),
            (500, None, "", Reply::Transient),
        ];
        for (status, ra, body, want) in cases {
            assert_eq!(read_reply(Channel::PagerDuty, *status, *ra, body, 0), *want, "{status}");
        }
    }
}
