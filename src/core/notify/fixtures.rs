//! Events and targets shared by the channel tests.
use super::{Channel, Target};
use crate::core::failure::FailureKind;
use crate::core::reminder::ReminderInfo;
use crate::core::status::CheckStatus;
use crate::core::time::EpochMs;
use crate::core::webhook::{CheckInfo, EventInfo, EventKind, IncidentInfo, MonitorInfo, ProjectInfo};

pub const OPENED_AT: EpochMs = 1_795_238_700_123; // 2026-11-21T05:25:00.123Z

/// Every credential in `target`: none may appear in stored messages or `Debug` output.
pub const SECRETS: [&str; 7] = ["T000SECRET", "DISCORDTOKEN", "123456:BOTTOKEN", "R0UTINGKEY", "tk_NTFYTOKEN", "APPTOKEN", "TEAMSSIG"];

/// A monitor name that tries every markup: HTML, Slack links and mentions, Discord markdown
/// and mentions, Telegram entities, Markdown links.
pub const HOSTILE: &str = "<b>x</b> & <!channel> <@U1> @everyone *bold* _it_ ~s~ `c` [l](https://evil.example) |p| > q #h \\ \"q\" &amp;\nline2";

pub fn opened(name: &str) -> EventInfo {
    EventInfo {
        kind: EventKind::IncidentOpened,
        project: ProjectInfo { id: 1, slug: "acme".into(), name: "Acme".into() },
        monitor: Some(MonitorInfo::from_columns(7, name, "https://api.example.com/health", "http", None, None)),
        incident: Some(IncidentInfo { id: 42, opened_at: OPENED_AT, resolved_at: None, cause: Some("status 503 not in [200]".into()), failure_kind: Some(FailureKind::Status), reminder: None }),
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

pub fn resolved(name: &str) -> EventInfo {
    let mut e = opened(name);
    e.kind = EventKind::IncidentResolved;
    e.incident.as_mut().unwrap().resolved_at = Some(OPENED_AT + 720_000);
    e.check = Some(CheckInfo { status: CheckStatus::Up, http_status: Some(200), latency_ms: Some(85), failure_type: None, failure_kind: None, started_at: OPENED_AT + 720_000 });
    e
}

pub fn reminder(name: &str) -> EventInfo {
    let mut e = opened(name);
    e.kind = EventKind::IncidentReminder;
    e.incident.as_mut().unwrap().reminder = Some(ReminderInfo { number: 13, due_at: OPENED_AT + 3_900_000, every_minutes: 5 });
    e
}

pub fn test_event() -> EventInfo {
    EventInfo { kind: EventKind::Test, monitor: None, incident: None, check: None, ..opened("x") }
}

pub fn all_events() -> [EventInfo; 4] {
    [opened("Main API"), resolved("Main API"), reminder("Main API"), test_event()]
}

pub fn target(channel: Channel) -> Target {
    match channel {
        Channel::Slack => Target::Webhook { url: "https://hooks.slack.com/services/T000SECRET/B000/XXXX".into() },
        Channel::Discord => Target::Webhook { url: "https://discord.com/api/webhooks/123/DISCORDTOKEN".into() },
        Channel::Teams => Target::Webhook { url: "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=TEAMSSIG".into() },
        Channel::GoogleChat => Target::Webhook { url: "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=T000SECRET".into() },
        Channel::Telegram => Target::Telegram { bot_token: "123456:BOTTOKEN-abcdefghijklmnopqrstu".into(), chat_id: "-1001234567890".into(), message_thread_id: Some(7) },
        Channel::PagerDuty => Target::PagerDuty { routing_key: "R0UTINGKEY".into() },
        Channel::Ntfy => Target::Ntfy { server: "https://ntfy.sh".into(), topic: "vigil-alerts".into(), token: Some("tk_NTFYTOKEN".into()) },
        Channel::Pushover => Target::Pushover { app_token: "APPTOKEN".into(), user_key: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG".into() },
    }
}
