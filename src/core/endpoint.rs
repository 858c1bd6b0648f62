//! Notification endpoints (SPEC sections 1, 4, 5): the model, defaults and validation of
//! `POST|PATCH /api/notification-endpoints`. Pure: the glue generates the secret and stores.
use serde::Serialize;
use serde_json::{Map, Value};

use super::email::{Mailbox, Provider};
use super::input::{self, FieldError};
use super::ssrf::{self, TargetPolicy};
use super::webhook::EventKind;

pub const NAME_MAX: usize = 100;
/// An alert list, not a mailing list: each recipient is its own send with its own retries.
pub const RECIPIENTS_MAX: usize = 20;
pub const EMAIL_MAX: usize = 254;
pub const REMINDER_MIN: u32 = 5;
pub const REMINDER_MAX: u32 = 1440;
/// Events an endpoint may subscribe to. `test` is not subscribable: it goes out on request.
pub const SUBSCRIBABLE: [EventKind; 2] = [EventKind::IncidentOpened, EventKind::IncidentResolved];

/// Fields of a creation body.
pub const FIELDS: &[&str] = &["project", "name", "kind", "url", "recipients", "provider", "events", "reminder_minutes", "is_active"];
const PATCH_FIELDS: &[&str] = &["name", "url", "recipients", "provider", "events", "reminder_minutes", "is_active", "rotate_secret"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Webhook,
    Email,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Email => "email",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(Self::Webhook),
            "email" => Some(Self::Email),
            _ => None,
        }
    }
}

/// A validated endpoint, without its secret (the glue keeps that apart so it cannot be
/// serialized into a response by accident).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointSpec {
    pub project: i64,
    pub name: String,
    pub kind: Kind,
    /// Webhooks only.
    pub url: Option<String>,
    /// Email only: plain addresses, trimmed, without duplicates (case-insensitive).
    pub recipients: Option<Vec<String>>,
    /// Email only; `None` means the configured `EMAIL_PROVIDER`.
    pub provider: Option<String>,
    pub events: Vec<String>,
    pub reminder_minutes: Option<u32>,
    pub is_active: bool,
}

/// What a PATCH asks for besides the new spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub spec: EndpointSpec,
    pub rotate_secret: bool,
}

impl EndpointSpec {
    /// Parses a creation body. `project` is the project the glue resolved from the body's
    /// `project` field (ownership is checked there, against the caller), so that key is skipped.
    pub fn create(body: &str, project: i64, policy: TargetPolicy) -> Result<Self, FieldError> {
        Self::from_map(input::parse_object(body, FIELDS)?, project, policy)
    }

    pub fn from_map(mut given: Map<String, Value>, project: i64, policy: TargetPolicy) -> Result<Self, FieldError> {
        given.remove("project");
        let kind = match given.remove("kind") {
            // Seed 003's endpoints were all webhooks and its clients send only a `url`: the
            // fields given say the kind when just one kind's field is there (DESIGN.md §8).
            None | Some(Value::Null) => implied_kind(&given).ok_or_else(|| {
                FieldError::new("kind", "is required: \"webhook\" or \"email\" (it may be left out when only url or only recipients is given)")
            })?,
            Some(Value::String(s)) => Kind::parse(&s).ok_or_else(|| FieldError::new("kind", "must be \"webhook\" or \"email\""))?,
            Some(_) => return Err(FieldError::new("kind", "must be \"webhook\" or \"email\"")),
        };
        let name = given.remove("name").ok_or_else(|| FieldError::new("name", "is required"))?;
        let mut spec = Self {
            project,
            name: string(name, "name")?,
            kind,
            url: None,
            recipients: None,
            provider: None,
            events: SUBSCRIBABLE.iter().map(|e| e.as_str().to_string()).collect(),
            reminder_minutes: None,
            is_active: true,
        };
        spec.apply(given)?;
        spec.validate(policy)?;
        Ok(spec)
    }

    pub fn patch(&self, body: &str, policy: TargetPolicy) -> Result<Patch, FieldError> {
        let mut given = input::parse_object(body, PATCH_FIELDS)?;
        let rotate_secret = match given.remove("rotate_secret") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => b,
            Some(_) => return Err(FieldError::new("rotate_secret", "must be true or false")),
        };
        if rotate_secret && self.kind != Kind::Webhook {
            return Err(FieldError::new("rotate_secret", "only webhook endpoints have a secret"));
        }
        let mut spec = self.clone();
        if let Some(name) = given.remove("name") {
            spec.name = string(name, "name")?;
        }
        spec.apply(given)?;
        spec.validate(policy)?;
        Ok(Patch { spec, rotate_secret })
    }

    /// Copies the optional fields from `given` (already checked against the allowed list).
    fn apply(&mut self, given: Map<String, Value>) -> Result<(), FieldError> {
        for (key, value) in given {
            match key.as_str() {
                "url" => self.url = nullable(value, "url", |v| string(v, "url"))?,
                "recipients" => self.recipients = nullable(value, "recipients", recipients)?,
                "provider" => self.provider = nullable(value, "provider", provider)?,
                "events" => self.events = events(value)?,
                "reminder_minutes" => self.reminder_minutes = nullable(value, "reminder_minutes", reminder)?,
                "is_active" => match value {
                    Value::Bool(b) => self.is_active = b,
                    _ => return Err(FieldError::new("is_active", "must be true or false")),
                },
                other => return Err(FieldError::new(other, "cannot be set here")),
            }
        }
        Ok(())
    }

    /// Rules that span fields: what each kind needs and must not have.
    fn validate(&mut self, policy: TargetPolicy) -> Result<(), FieldError> {
        if self.project <= 0 {
            return Err(FieldError::new("project", "must be a positive project id"));
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(FieldError::new("name", format!("must be 1 to {NAME_MAX} characters")));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new("name", "must not contain control characters"));
        }
        self.name = name.to_string();
        match self.kind {
            Kind::Webhook => {
                let url = self.url.as_deref().ok_or_else(|| FieldError::new("url", "is required for a webhook"))?;
                // The same guard as monitors: a webhook is a fetch to a user-chosen URL.
                let parsed = ssrf::check_target(url, policy).map_err(|e| FieldError::new("url", e.to_string()))?;
                self.url = Some(parsed.to_string());
                if self.recipients.is_some() {
                    return Err(FieldError::new("recipients", "only email endpoints have recipients"));
                }
                if self.provider.is_some() {
                    return Err(FieldError::new("provider", "only email endpoints have a provider"));
                }
            }
            Kind::Email => {
                if self.recipients.is_none() {
                    return Err(FieldError::new("recipients", "is required for an email endpoint (a list of addresses)"));
                }
                if self.url.is_some() {
                    return Err(FieldError::new("url", "only webhook endpoints have a url"));
                }
            }
        }
        Ok(())
    }

    /// Whether this endpoint wants `event`. Tests always go out. `incident.reminder` is not
    /// subscribed to on its own: an endpoint gets reminders when it has `reminder_minutes`
    /// and wants `incident.opened` (a reminder repeats the opened alert; an endpoint that
    /// never hears of openings should not hear "still down" either).
    pub fn wants(&self, event: &str) -> bool {
        if event == EventKind::Test.as_str() {
            return true;
        }
        if event == EventKind::IncidentReminder.as_str() {
            return self.reminder_minutes.is_some() && self.wants(EventKind::IncidentOpened.as_str());
        }
        self.events.iter().any(|e| e == event)
    }
}

/// The kind a body without `kind` means: only a `url` is a webhook, only `recipients` an email.
fn implied_kind(given: &Map<String, Value>) -> Option<Kind> {
    let has = |k: &str| given.get(k).is_some_and(|v| !v.is_null());
    match (has("url"), has("recipients")) {
        (true, false) => Some(Kind::Webhook),
        (false, true) => Some(Kind::Email),
        _ => None,
    }
}

fn nullable<T>(value: Value, _field: &str, parse: impl Fn(Value) -> Result<T, FieldError>) -> Result<Option<T>, FieldError> {
    match value {
        Value::Null => Ok(None),
        v => parse(v).map(Some),
    }
}

fn string(value: Value, field: &str) -> Result<String, FieldError> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(FieldError::new(field, "must be a string")),
    }
}

fn recipients(value: Value) -> Result<Vec<String>, FieldError> {
    let Value::Array(items) = value else {
        return Err(FieldError::new("recipients", "must be a list of email addresses"));
    };
    if items.is_empty() || items.len() > RECIPIENTS_MAX {
        return Err(FieldError::new("recipients", format!("must list 1 to {RECIPIENTS_MAX} addresses")));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let field = format!("recipients[{i}]");
        let Value::String(s) = item else { return Err(FieldError::new(&field, "must be a string")) };
        let s = s.trim();
        // A plain address only: display names would make the per-recipient key ambiguous.
        let valid = s.len() <= EMAIL_MAX && !s.contains('<') && Mailbox::parse(s).is_some_and(|m| m.email.contains('.'));
        if !valid {
            return Err(FieldError::new(&field, "must be an email address like ops@example.com"));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

fn provider(value: Value) -> Result<String, FieldError> {
    let names = || Provider::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ");
    match value {
        Value::String(s) => Provider::parse(&s).map(|p| p.as_str().to_string()).ok_or_else(|| FieldError::new("provider", format!("must be one of {}", names()))),
        _ => Err(FieldError::new("provider", format!("must be one of {}", names()))),
    }
}

fn events(value: Value) -> Result<Vec<String>, FieldError> {
    let allowed = || SUBSCRIBABLE.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
    let Value::Array(items) = value else {
        return Err(FieldError::new("events", format!("must be a list of events ({})", allowed())));
    };
    if items.is_empty() {
        return Err(FieldError::new("events", format!("must list at least one of {}", allowed())));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let known = item.as_str().and_then(|s| SUBSCRIBABLE.into_iter().find(|k| k.as_str() == s));
        let Some(kind) = known else {
            return Err(FieldError::new(&format!("events[{i}]"), format!("must be one of {}", allowed())));
        };
        if !out.iter().any(|e| e == kind.as_str()) {
            out.push(kind.as_str().to_string());
        }
    }
    Ok(out)
}

fn reminder(value: Value) -> Result<u32, FieldError> {
    value
        .as_u64()
        .filter(|n| (u64::from(REMINDER_MIN)..=u64::from(REMINDER_MAX)).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| FieldError::new("reminder_minutes", format!("must be null or {REMINDER_MIN} to {REMINDER_MAX} minutes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: TargetPolicy = TargetPolicy { allow_private: false };

    fn hook() -> EndpointSpec {
        EndpointSpec::create(r#"{"project":1,"name":"ops","kind":"webhook","url":"https://hooks.example.com/x"}"#, 1, OPEN).unwrap()
    }

    #[test]
    fn reminders_go_to_endpoints_with_reminder_minutes_that_want_openings() {
        let cases: &[(&str, bool)] = &[
            (r#"{"reminder_minutes":5}"#, true),
            (r#"{"reminder_minutes":5,"events":["incident.opened"]}"#, true),
            (r#"{"reminder_minutes":5,"events":["incident.resolved"]}"#, false), // never told it opened
            (r#"{}"#, false),                                                    // reminders off
            (r#"{"reminder_minutes":null}"#, false),
        ];
        for (patch, want) in cases {
            let s = hook().patch(patch, OPEN).unwrap().spec;
            assert_eq!(s.wants("incident.reminder"), *want, "{patch}");
        }
        // Not subscribable on its own: the rule above decides.
        let r = EndpointSpec::create(r#"{"project":1,"name":"x","kind":"webhook","url":"https://h.example.com/","events":["incident.reminder"]}"#, 1, OPEN);
        assert_eq!(r.unwrap_err().field.as_deref(), Some("events[0]"));
    }

    #[test]
    fn creates_with_defaults() {
        let s = hook();
        assert_eq!(s.kind, Kind::Webhook);
        assert_eq!(s.url.as_deref(), Some("https://hooks.example.com/x"));
        assert_eq!(s.events, vec!["incident.opened", "incident.resolved"]);
        assert!(s.is_active);
        assert_eq!(s.reminder_minutes, None);
        let e = EndpointSpec::create(
            r#"{"project":2,"name":" mail ","kind":"email","recipients":["a@example.com","A@example.com"," b@example.org "],"provider":"Resend","events":["incident.opened"],"reminder_minutes":30}"#,
            2,
            OPEN,
        )
        .unwrap();
        assert_eq!(e.project, 2);
        assert_eq!(e.name, "mail");
        assert_eq!(e.recipients, Some(vec!["a@example.com".to_string(), "b@example.org".to_string()]));
        assert_eq!(e.provider.as_deref(), Some("resend"));
        assert_eq!(e.reminder_minutes, Some(30));
        assert!(e.wants("incident.opened") && e.wants("test") && !e.wants("incident.resolved"));
    }

    /// Seed 003 sends a notification endpoint as just a name and a url: that is a webhook.
    #[test]
    fn kind_is_implied_by_the_only_destination_given() {
        let cases: &[(&str, Kind)] = &[
            (r#"{"name":"hook","url":"https://hooks.example.com/x"}"#, Kind::Webhook),
            (r#"{"name":"hook","url":"https://hooks.example.com/x","recipients":null}"#, Kind::Webhook),
            (r#"{"name":"ops","recipients":["ops@example.com"]}"#, Kind::Email),
            (r#"{"name":"hook","kind":"webhook","url":"https://hooks.example.com/x"}"#, Kind::Webhook),
        ];
        for (body, kind) in cases {
            assert_eq!(EndpointSpec::create(body, 1, OPEN).unwrap().kind, *kind, "{body}");
        }
        // An explicit kind still wins, and still must fit the fields.
        let err = EndpointSpec::create(r#"{"name":"x","kind":"email","url":"https://hooks.example.com/x"}"#, 1, OPEN).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("recipients"));
    }

    #[test]
    fn rejections_name_the_field() {
        let cases: &[(&str, &str)] = &[
            (r#"{"project":1,"kind":"webhook","url":"https://a.example.com"}"#, "name"),
            (r#"{"project":1,"name":"  ","kind":"webhook","url":"https://a.example.com"}"#, "name"),
            (r#"{"project":1,"name":"x"}"#, "kind"),
            (r#"{"project":1,"name":"x","url":"https://a.example.com","recipients":["a@b.co"]}"#, "kind"),
            (r#"{"project":1,"name":"x","url":null,"recipients":null}"#, "kind"),
            (r#"{"project":1,"name":"x","kind":"sms"}"#, "kind"),
            (r#"{"project":1,"name":"x","kind":"webhook"}"#, "url"),
            (r#"{"project":1,"name":"x","kind":"webhook","url":"http://127.0.0.1/x"}"#, "url"),
            (r#"{"project":1,"name":"x","kind":"webhook","url":"http://169.254.169.254/"}"#, "url"),
            (r#"{"project":1,"name":"x","kind":"webhook","url":"ftp://a.example.com"}"#, "url"),
            (r#"{"project":1,"name":"x","kind":"webhook","url":"https://a.example.com","recipients":["a@b.co"]}"#, "recipients"),
            (r#"{"project":1,"name":"x","kind":"webhook","url":"https://a.example.com","provider":"resend"}"#, "provider"),
            (r#"{"project":1,"name":"x","kind":"email"}"#, "recipients"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":[]}"#, "recipients"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":"a@b.co"}"#, "recipients"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co","nope"]}"#, "recipients[1]"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["Ops <a@b.co>"]}"#, "recipients[0]"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"url":"https://a.example.com"}"#, "url"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"provider":"pigeon"}"#, "provider"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"events":[]}"#, "events"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"events":["test"]}"#, "events[0]"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"events":"incident.opened"}"#, "events"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"reminder_minutes":1}"#, "reminder_minutes"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"reminder_minutes":"5"}"#, "reminder_minutes"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"is_active":"yes"}"#, "is_active"),
            (r#"{"project":1,"name":"x","kind":"email","recipients":["a@b.co"],"secret":"whsec_x"}"#, "secret"),
        ];
        for (body, field) in cases {
            let err = EndpointSpec::create(body, 1, OPEN).expect_err(body);
            assert_eq!(err.field.as_deref(), Some(*field), "{body}: {err}");
        }
    }

    #[test]
    fn private_targets_only_when_allowed() {
        let body = r#"{"project":1,"name":"x","kind":"webhook","url":"http://127.0.0.1:8080/hook"}"#;
        assert!(EndpointSpec::create(body, 1, OPEN).is_err());
        assert!(EndpointSpec::create(body, 1, TargetPolicy { allow_private: true }).is_ok());
        // The resolved project must be a real id; the glue never passes anything else.
        assert_eq!(EndpointSpec::create(body, 0, TargetPolicy { allow_private: true }).unwrap_err().field.as_deref(), Some("project"));
    }

    #[test]
    #[allow(clippy::type_complexity)] // one table row per case reads better than a named type
    fn patches() {
        let base = hook();
        let cases: &[(&str, Result<(&str, bool), &str>)] = &[
            (r#"{"name":"renamed"}"#, Ok(("renamed", false))),
            (r#"{"rotate_secret":true}"#, Ok(("ops", true))),
            (r#"{"rotate_secret":false,"is_active":false}"#, Ok(("ops", false))),
            (r#"{"kind":"email"}"#, Err("kind")),
            (r#"{"project":2}"#, Err("project")),
            (r#"{"url":null}"#, Err("url")),
            (r#"{"url":"http://localhost/x"}"#, Err("url")),
            (r#"{"rotate_secret":"yes"}"#, Err("rotate_secret")),
            (r#"{"recipients":["a@b.co"]}"#, Err("recipients")),
        ];
        for (body, want) in cases {
            match (base.patch(body, OPEN), want) {
                (Ok(p), Ok((name, rotate))) => {
                    assert_eq!((p.spec.name.as_str(), p.rotate_secret), (*name, *rotate), "{body}");
                    assert_eq!(p.spec.kind, Kind::Webhook);
                }
                (Err(e), Err(field)) => assert_eq!(e.field.as_deref(), Some(*field), "{body}: {e}"),
                (got, _) => panic!("{body}: unexpected {got:?}"),
            }
        }
        let email = EndpointSpec::create(r#"{"name":"m","kind":"email","recipients":["a@b.co"]}"#, 1, OPEN).unwrap();
        assert_eq!(email.patch(r#"{"rotate_secret":true}"#, OPEN).unwrap_err().field.as_deref(), Some("rotate_secret"));
        let p = email.patch(r#"{"events":["incident.resolved","incident.resolved"],"provider":null}"#, OPEN).unwrap();
        assert_eq!(p.spec.events, vec!["incident.resolved"]);
    }
}
