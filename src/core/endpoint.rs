//! Notification endpoints (DESIGN.md §1, §6): the model, defaults and validation of
//! `POST|PATCH /api/notification-endpoints`. Pure: the glue generates the secret and stores.
//!
//! Kinds: `webhook` (signed, secret generated here), `email` (recipients), and the chat and
//! pager channels of `core::notify` (DESIGN.md §11 for their secrets: bot tokens, routing keys,
//! app tokens, ntfy tokens and the webhook URLs of Slack, Discord, Teams and Google Chat are
//! write-only: accepted in a body, stored, never shown again).
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::email::{Mailbox, Provider};
use super::input::{self, FieldError};
use super::notify::{self, Channel};
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

/// Monitors one endpoint may be limited to (an import holds at most 300 per project).
pub const MONITORS_MAX: usize = 300;

/// Fields of a creation body.
pub const FIELDS: &[&str] = &[
    "project", "name", "kind", "url", "recipients", "provider", "events", "reminder_minutes", "is_active", "monitors",
    "bot_token", "chat_id", "message_thread_id", "routing_key", "topic", "token", "app_token", "user_key",
];
const PATCH_FIELDS: &[&str] = &[
    "name", "url", "recipients", "provider", "events", "reminder_minutes", "is_active", "rotate_secret", "monitors",
    "bot_token", "chat_id", "message_thread_id", "routing_key", "topic", "token", "app_token", "user_key",
];
/// The server an ntfy endpoint without `url` publishes to.
pub const NTFY_DEFAULT_SERVER: &str = "https://ntfy.sh";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Webhook,
    Email,
    /// Slack, Discord, Telegram, Teams, PagerDuty, ntfy, Pushover, Google Chat.
    Chat(Channel),
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Email => "email",
            Self::Chat(c) => c.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "webhook" => Some(Self::Webhook),
            "email" => Some(Self::Email),
            other => Channel::parse(other).map(Self::Chat),
        }
    }

    /// Every kind's name, for error messages.
    pub fn names() -> String {
        let mut names = vec!["\"webhook\"".to_string(), "\"email\"".to_string()];
        names.extend(Channel::ALL.iter().map(|c| format!("\"{}\"", c.as_str())));
        names.join(", ")
    }

    pub fn channel(self) -> Option<Channel> {
        match self {
            Self::Chat(c) => Some(c),
            _ => None,
        }
    }

    /// Whether the `url` is itself a credential (Slack, Discord, Teams and Google Chat webhook
    /// URLs carry their token): write-only like a secret, shown redacted.
    pub fn secret_url(self) -> bool {
        matches!(self, Self::Chat(Channel::Slack | Channel::Discord | Channel::Teams | Channel::GoogleChat))
    }

    /// The body field whose value goes in the `secret` column, for kinds whose user supplies
    /// it (a webhook's signing secret is generated instead).
    pub fn credential_field(self) -> Option<&'static str> {
        match self {
            Self::Chat(Channel::Telegram) => Some("bot_token"),
            Self::Chat(Channel::PagerDuty) => Some("routing_key"),
            Self::Chat(Channel::Ntfy) => Some("token"),
            Self::Chat(Channel::Pushover) => Some("app_token"),
            _ => None,
        }
    }

    /// Which of the channel settings (`ChannelConfig`) this kind has.
    pub fn config_fields(self) -> &'static [&'static str] {
        match self {
            Self::Chat(Channel::Telegram) => &["chat_id", "message_thread_id"],
            Self::Chat(Channel::Ntfy) => &["topic"],
            Self::Chat(Channel::Pushover) => &["user_key"],
            _ => &[],
        }
    }

    /// Whether this kind posts to a `url` the user gives (ntfy's defaults to ntfy.sh).
    pub fn has_url(self) -> bool {
        matches!(self, Self::Webhook | Self::Chat(Channel::Slack | Channel::Discord | Channel::Teams | Channel::GoogleChat | Channel::Ntfy))
    }
}

/// The non-secret settings of chat and pager kinds, stored as JSON in `config`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConfig {
    /// Telegram: a chat id (`-1001234567890`) or a public `@channelusername`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// Telegram: the forum topic to post in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_thread_id: Option<i64>,
    /// ntfy: the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Pushover: the user or group key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_key: Option<String>,
}

impl ChannelConfig {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn set(&self, field: &str) -> bool {
        match field {
            "chat_id" => self.chat_id.is_some(),
            "message_thread_id" => self.message_thread_id.is_some(),
            "topic" => self.topic.is_some(),
            "user_key" => self.user_key.is_some(),
            _ => false,
        }
    }
}

/// A credential from a request body. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential(pub String);

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential(<redacted>)")
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
    /// Chat and pager kinds: their non-secret settings, shown as top-level fields.
    #[serde(flatten)]
    pub config: ChannelConfig,
    /// The monitors this endpoint alerts for (ids of its project's monitors; the glue checks
    /// they are); `None` = every monitor. Test sends ignore it.
    pub monitors: Option<Vec<i64>>,
    /// A credential given in this body (`Kind::credential_field`): the glue stores it in
    /// `secret`. Never serialized; `None` in a PATCH keeps the stored one.
    #[serde(skip)]
    pub credential: Option<Credential>,
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

    pub fn from_map(given: Map<String, Value>, project: i64, policy: TargetPolicy) -> Result<Self, FieldError> {
        Self::build(given, project, policy, false).map(|(spec, _)| spec)
    }

    /// An endpoint of an import document. A document exported without secrets has no
    /// credential, and no URL for kinds whose URL is one: that is accepted here, and the
    /// returned field names what is missing, so the glue can keep the stored value of an
    /// existing endpoint or refuse a new one naming that field.
    pub fn from_document(given: Map<String, Value>, project: i64, policy: TargetPolicy) -> Result<(Self, Option<&'static str>), FieldError> {
        Self::build(given, project, policy, true)
    }

    fn build(mut given: Map<String, Value>, project: i64, policy: TargetPolicy, lenient: bool) -> Result<(Self, Option<&'static str>), FieldError> {
        given.remove("project");
        let kind = match given.remove("kind") {
            // Seed 003's endpoints were all webhooks and its clients send only a `url`: the
            // fields given say the kind when just one kind's field is there (DESIGN.md §8).
            None | Some(Value::Null) => implied_kind(&given).ok_or_else(|| {
                FieldError::new("kind", format!("is required: one of {} (it may be left out when only url, a webhook, or only recipients, an email, is given)", Kind::names()))
            })?,
            Some(Value::String(s)) => Kind::parse(&s).ok_or_else(|| FieldError::new("kind", format!("must be one of {}", Kind::names())))?,
            Some(_) => return Err(FieldError::new("kind", format!("must be one of {}", Kind::names()))),
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
            config: ChannelConfig::default(),
            monitors: None,
            credential: None,
        };
        if kind == Kind::Chat(Channel::Ntfy) && !given.contains_key("url") {
            spec.url = Some(NTFY_DEFAULT_SERVER.to_string());
        }
        spec.apply(given)?;
        let mut missing = None;
        if let Some(field) = spec.kind.credential_field().filter(|f| *f != "token") {
            if spec.credential.is_none() {
                missing = Some(field);
            }
        }
        if spec.kind.secret_url() && spec.url.is_none() && lenient {
            // Validated as a placeholder, never stored: the upsert keeps the stored URL.
            spec.url = Some(String::from("https://placeholder.invalid/"));
            spec.validate(policy)?;
            spec.url = None;
            return Ok((spec, Some("url")));
        }
        if let (Some(field), false) = (missing, lenient) {
            return Err(FieldError::new(field, format!("is required for a {} endpoint", spec.kind.as_str())));
        }
        spec.validate(policy)?;
        Ok((spec, missing))
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
        // The stored credential stays unless this body gives a new one.
        spec.credential = None;
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
                "monitors" => self.monitors = nullable(value, "monitors", monitors)?,
                "chat_id" => self.config.chat_id = nullable(value, "chat_id", chat_id)?,
                "message_thread_id" => {
                    self.config.message_thread_id = nullable(value, "message_thread_id", |v| {
                        v.as_i64().filter(|n| *n > 0).ok_or_else(|| FieldError::new("message_thread_id", "must be a positive integer (the forum topic's id)"))
                    })?
                }
                "topic" => self.config.topic = nullable(value, "topic", |v| string(v, "topic"))?,
                "user_key" => self.config.user_key = nullable(value, "user_key", |v| string(v, "user_key"))?,
                field @ ("bot_token" | "routing_key" | "token" | "app_token") => {
                    if self.kind.credential_field() != Some(field) {
                        return Err(FieldError::new(field, format!("a {} endpoint has no {field}", self.kind.as_str())));
                    }
                    self.credential = match value {
                        Value::Null if field == "token" => Some(Credential(String::new())), // clears an ntfy token
                        v => Some(Credential(credential(v, field)?)),
                    };
                }
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
        for field in ["chat_id", "message_thread_id", "topic", "user_key"] {
            if self.config.set(field) && !self.kind.config_fields().contains(&field) {
                return Err(FieldError::new(field, format!("a {} endpoint has no {field}", self.kind.as_str())));
            }
        }
        if let Some(ids) = &self.monitors {
            if ids.is_empty() {
                return Err(FieldError::new("monitors", "must list at least one monitor id, or be null for all monitors"));
            }
        }
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
            Kind::Chat(channel) => self.validate_channel(channel, policy)?,
        }
        Ok(())
    }

    /// What each chat and pager kind needs (the fields its provider's request is built from).
    fn validate_channel(&mut self, channel: Channel, policy: TargetPolicy) -> Result<(), FieldError> {
        let kind = self.kind.as_str();
        if self.recipients.is_some() {
            return Err(FieldError::new("recipients", "only email endpoints have recipients"));
        }
        if self.provider.is_some() {
            return Err(FieldError::new("provider", "only email endpoints have a provider"));
        }
        if self.kind.has_url() {
            let url = self.url.as_deref().ok_or_else(|| FieldError::new("url", format!("is required for a {kind} endpoint")))?;
            // A fetch to a user-chosen URL: the same guard as monitors and webhooks.
            let parsed = ssrf::check_target(url, policy).map_err(|e| FieldError::new("url", e.to_string()))?;
            self.url = Some(parsed.to_string());
        } else if self.url.is_some() {
            return Err(FieldError::new("url", format!("a {kind} endpoint has no url (its host is fixed)")));
        }
        if channel == Channel::PagerDuty && self.reminder_minutes.is_some() {
            return Err(FieldError::new("reminder_minutes", "PagerDuty escalates open incidents by itself; reminders are not sent to it"));
        }
        let given = self.credential.as_ref().map(|c| c.0.as_str()).filter(|c| !c.is_empty());
        match channel {
            Channel::Telegram => {
                if given.is_some_and(|t| !notify::telegram::valid_token(t)) {
                    return Err(FieldError::new("bot_token", "must be the token BotFather gave, like 123456789:AAE... (digits, a colon, then the secret)"));
                }
                if self.config.chat_id.is_none() {
                    return Err(FieldError::new("chat_id", "is required for a telegram endpoint (a chat id like -1001234567890, or @channelname)"));
                }
            }
            Channel::PagerDuty => {
                if given.is_some_and(|k| k.len() != 32 || !k.bytes().all(|b| b.is_ascii_alphanumeric())) {
                    return Err(FieldError::new("routing_key", "must be the 32-character integration key of an Events API v2 integration"));
                }
            }
            Channel::Ntfy => {
                let topic = self.config.topic.as_deref().map(str::trim).ok_or_else(|| FieldError::new("topic", "is required for an ntfy endpoint"))?;
                if !notify::ntfy::valid_topic(topic) {
                    return Err(FieldError::new("topic", "must be 1 to 64 of A-Z a-z 0-9 _ -"));
                }
                self.config.topic = Some(topic.to_string());
                if given.is_some_and(|t| t.len() > 200 || !t.bytes().all(|b| b.is_ascii_graphic())) {
                    return Err(FieldError::new("token", "must be an ntfy access token (tk_...) without spaces"));
                }
            }
            Channel::Pushover => {
                let valid = |k: &str| k.len() == 30 && k.bytes().all(|b| b.is_ascii_alphanumeric());
                if given.is_some_and(|t| !valid(t)) {
                    return Err(FieldError::new("app_token", "must be the 30-character API token of a Pushover application"));
                }
                let user = self.config.user_key.as_deref().map(str::trim).ok_or_else(|| FieldError::new("user_key", "is required for a pushover endpoint"))?;
                if !valid(user) {
                    return Err(FieldError::new("user_key", "must be the 30-character user or group key from the Pushover dashboard"));
                }
                self.config.user_key = Some(user.to_string());
            }
            Channel::Slack | Channel::Discord | Channel::Teams | Channel::GoogleChat => {}
        }
        Ok(())
    }

    /// Whether this endpoint alerts for `monitor_id`: every monitor unless `monitors` lists
    /// some (DESIGN.md §6 routing). Test events carry no monitor and always go out.
    pub fn routes(&self, monitor_id: Option<i64>) -> bool {
        match (&self.monitors, monitor_id) {
            (Some(ids), Some(id)) => ids.contains(&id),
            _ => true,
        }
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
            let sends = self.kind.channel().is_none_or(|c| c.sends(EventKind::IncidentReminder));
            return sends && self.reminder_minutes.is_some() && self.wants(EventKind::IncidentOpened.as_str());
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

/// A secret from a body: a string without surrounding whitespace (pasted tokens often carry
/// a newline), never echoed in an error.
fn credential(value: Value, field: &str) -> Result<String, FieldError> {
    match value {
        Value::String(s) if !s.trim().is_empty() && s.trim().len() <= 500 => Ok(s.trim().to_string()),
        _ => Err(FieldError::new(field, "must be a non-empty string")),
    }
}

/// A Telegram chat: an integer id, or `@username` of a public channel (5-32 characters).
fn chat_id(value: Value) -> Result<String, FieldError> {
    let bad = || FieldError::new("chat_id", "must be a chat id like -1001234567890 or @channelname");
    let text = match value {
        Value::Number(n) => n.as_i64().ok_or_else(bad)?.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(bad()),
    };
    let numeric = text.parse::<i64>().is_ok_and(|n| n != 0);
    let username = text.strip_prefix('@').is_some_and(|u| (5..=32).contains(&u.len()) && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if numeric || username {
        Ok(text)
    } else {
        Err(bad())
    }
}

/// Monitor ids, deduplicated, in the given order.
fn monitors(value: Value) -> Result<Vec<i64>, FieldError> {
    let Value::Array(items) = value else {
        return Err(FieldError::new("monitors", "must be a list of monitor ids, or null for all monitors"));
    };
    if items.len() > MONITORS_MAX {
        return Err(FieldError::new("monitors", format!("must list at most {MONITORS_MAX} monitors")));
    }
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let id = item.as_i64().filter(|n| *n > 0).ok_or_else(|| FieldError::new(&format!("monitors[{i}]"), "must be a monitor id"))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
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

    const TG: &str = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra";
    const PD: &str = "0123456789abcdef0123456789ABCDEF";
    const PO_APP: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const PO_USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    fn chat(body: &str) -> Result<EndpointSpec, FieldError> {
        EndpointSpec::create(body, 1, OPEN)
    }

    #[test]
    fn chat_and_pager_kinds_validate() {
        let ok = [
            (r#"{"name":"s","kind":"slack","url":"https://hooks.slack.com/services/T/B/x"}"#, "slack"),
            (r#"{"name":"d","kind":"discord","url":"https://discord.com/api/webhooks/1/t"}"#, "discord"),
            (r#"{"name":"t","kind":"teams","url":"https://prod-1.westus.logic.azure.com/workflows/x?sig=y"}"#, "teams"),
            (r#"{"name":"g","kind":"google_chat","url":"https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t"}"#, "google_chat"),
            (&format!(r#"{{"name":"tg","kind":"telegram","bot_token":"{TG}","chat_id":-1001234567890,"message_thread_id":4}}"#), "telegram"),
            (&format!(r#"{{"name":"tg2","kind":"telegram","bot_token":" {TG}\n","chat_id":"@vigil_alerts"}}"#), "telegram"),
            (&format!(r#"{{"name":"pd","kind":"pagerduty","routing_key":"{PD}","monitors":[3,3,4]}}"#), "pagerduty"),
            (r#"{"name":"n","kind":"ntfy","topic":"vigil-alerts"}"#, "ntfy"),
            (r#"{"name":"n2","kind":"ntfy","url":"https://ntfy.example.com","topic":"x","token":"tk_abc"}"#, "ntfy"),
            (&format!(r#"{{"name":"po","kind":"pushover","app_token":"{PO_APP}","user_key":"{PO_USER}","reminder_minutes":30}}"#), "pushover"),
        ];
        for (body, kind) in ok {
            let s = chat(body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(s.kind.as_str(), kind);
            assert_eq!(Kind::parse(kind), Some(s.kind));
        }
        let tg = chat(ok[4].0).unwrap();
        assert_eq!(tg.credential, Some(Credential(TG.into())));
        assert_eq!((tg.config.chat_id.as_deref(), tg.config.message_thread_id), (Some("-1001234567890"), Some(4)));
        assert_eq!(chat(ok[5].0).unwrap().credential, Some(Credential(TG.into())), "pasted whitespace trimmed");
        assert!(!format!("{tg:?}").contains("AAEh"), "Debug hides the bot token");
        assert_eq!(chat(ok[6].0).unwrap().monitors, Some(vec![3, 4]));
        assert_eq!(chat(ok[7].0).unwrap().url.as_deref(), Some("https://ntfy.sh/"), "ntfy defaults to ntfy.sh");
        // The credential never serializes (exports add it only when asked).
        let json = serde_json::to_string(&tg).unwrap();
        assert!(!json.contains("AAEh") && json.contains("\"chat_id\":\"-1001234567890\"") && json.contains("\"kind\":\"telegram\""), "{json}");
        // PagerDuty gets no reminders; others do when asked.
        assert!(!chat(ok[6].0).unwrap().wants("incident.reminder"));
        assert!(chat(ok[9].0).unwrap().wants("incident.reminder"));
    }

    #[test]
    fn chat_and_pager_rejections_name_the_field() {
        let cases: Vec<(String, &str)> = vec![
            (r#"{"name":"s","kind":"slack"}"#.into(), "url"),
            (r#"{"name":"s","kind":"slack","url":"http://127.0.0.1/hook"}"#.into(), "url"),
            (r#"{"name":"s","kind":"slack","url":"https://h.example.com","recipients":["a@b.co"]}"#.into(), "recipients"),
            (r#"{"name":"s","kind":"slack","url":"https://h.example.com","chat_id":1}"#.into(), "chat_id"),
            (r#"{"name":"s","kind":"slack","url":"https://h.example.com","bot_token":"1:x"}"#.into(), "bot_token"),
            (r#"{"name":"t","kind":"telegram","chat_id":1}"#.into(), "bot_token"),
            (format!(r#"{{"name":"t","kind":"telegram","bot_token":"{TG}"}}"#), "chat_id"),
            (r#"{"name":"t","kind":"telegram","bot_token":"nope","chat_id":1}"#.into(), "bot_token"),
            (format!(r#"{{"name":"t","kind":"telegram","bot_token":"{TG}","chat_id":"general"}}"#), "chat_id"),
            (format!(r#"{{"name":"t","kind":"telegram","bot_token":"{TG}","chat_id":1,"message_thread_id":0}}"#), "message_thread_id"),
            (format!(r#"{{"name":"t","kind":"telegram","bot_token":"{TG}","chat_id":1,"url":"https://api.telegram.org"}}"#), "url"),
            (r#"{"name":"p","kind":"pagerduty"}"#.into(), "routing_key"),
            (r#"{"name":"p","kind":"pagerduty","routing_key":"short"}"#.into(), "routing_key"),
            (format!(r#"{{"name":"p","kind":"pagerduty","routing_key":"{PD}","reminder_minutes":10}}"#), "reminder_minutes"),
            (format!(r#"{{"name":"p","kind":"pagerduty","routing_key":"{PD}","monitors":[]}}"#), "monitors"),
            (format!(r#"{{"name":"p","kind":"pagerduty","routing_key":"{PD}","monitors":[1,"x"]}}"#), "monitors[1]"),
            (format!(r#"{{"name":"p","kind":"pagerduty","routing_key":"{PD}","monitors":"all"}}"#), "monitors"),
            (r#"{"name":"n","kind":"ntfy"}"#.into(), "topic"),
            (r#"{"name":"n","kind":"ntfy","topic":"a/b"}"#.into(), "topic"),
            (r#"{"name":"n","kind":"ntfy","topic":"a","url":"http://10.0.0.1"}"#.into(), "url"),
            (r#"{"name":"n","kind":"ntfy","topic":"a","token":"has space"}"#.into(), "token"),
            (format!(r#"{{"name":"o","kind":"pushover","user_key":"{PO_USER}"}}"#), "app_token"),
            (format!(r#"{{"name":"o","kind":"pushover","app_token":"{PO_APP}"}}"#), "user_key"),
            (format!(r#"{{"name":"o","kind":"pushover","app_token":"{PO_APP}","user_key":"short"}}"#), "user_key"),
            (r#"{"name":"w","kind":"webhook","url":"https://h.example.com","routing_key":"x"}"#.into(), "routing_key"),
            (r#"{"name":"x","kind":"matrix"}"#.into(), "kind"),
        ];
        for (body, field) in &cases {
            let err = chat(body).expect_err(body);
            assert_eq!(err.field.as_deref(), Some(*field), "{body}: {err}");
            assert!(!err.message.contains("AAEh") && !err.message.contains(PD), "no secret echoed: {err}");
        }
    }

    #[test]
    fn chat_patches_keep_or_replace_the_credential() {
        let tg = chat(&format!(r#"{{"name":"tg","kind":"telegram","bot_token":"{TG}","chat_id":1}}"#)).unwrap();
        let kept = tg.patch(r#"{"chat_id":"-1009"}"#, OPEN).unwrap().spec;
        assert_eq!((kept.credential, kept.config.chat_id.as_deref()), (None, Some("-1009")), "no credential in the body: the stored one stays");
        let other = "987654321:BBEhBOweik6ad9r_QXMENQjcrGbqCr4K-rb";
        assert_eq!(tg.patch(&format!(r#"{{"bot_token":"{other}"}}"#), OPEN).unwrap().spec.credential, Some(Credential(other.into())));
        assert_eq!(tg.patch(r#"{"chat_id":null}"#, OPEN).unwrap_err().field.as_deref(), Some("chat_id"));
        assert_eq!(tg.patch(r#"{"rotate_secret":true}"#, OPEN).unwrap_err().field.as_deref(), Some("rotate_secret"));
        assert_eq!(tg.patch(r#"{"monitors":[5]}"#, OPEN).unwrap().spec.monitors, Some(vec![5]));
        assert_eq!(tg.patch(r#"{"monitors":null}"#, OPEN).unwrap().spec.monitors, None);
        let n = chat(r#"{"name":"n","kind":"ntfy","topic":"a","token":"tk_1"}"#).unwrap();
        assert_eq!(n.patch(r#"{"token":null}"#, OPEN).unwrap().spec.credential, Some(Credential(String::new())), "null clears an ntfy token");
    }

    #[test]
    fn routing_by_monitor() {
        let all = hook();
        let some = hook().patch(r#"{"monitors":[7,9]}"#, OPEN).unwrap().spec;
        assert!(all.routes(Some(1)) && all.routes(None));
        assert!(some.routes(Some(7)) && some.routes(Some(9)) && !some.routes(Some(8)));
        assert!(some.routes(None), "test events have no monitor and always go out");
    }

    #[test]
    fn documents_may_leave_secrets_out() {
        let map = |s: &str| serde_json::from_str::<Map<String, Value>>(s).unwrap();
        let (s, missing) = EndpointSpec::from_document(map(r#"{"name":"s","kind":"slack"}"#), 1, OPEN).unwrap();
        assert_eq!((s.url, missing), (None, Some("url")));
        let (_, missing) = EndpointSpec::from_document(map(r#"{"name":"t","kind":"telegram","chat_id":1}"#), 1, OPEN).unwrap();
        assert_eq!(missing, Some("bot_token"));
        let (_, missing) = EndpointSpec::from_document(map(r#"{"name":"n","kind":"ntfy","topic":"a"}"#), 1, OPEN).unwrap();
        assert_eq!(missing, None, "an ntfy token is optional");
        // Everything else is still checked.
        let err = EndpointSpec::from_document(map(r#"{"name":"t","kind":"telegram"}"#), 1, OPEN).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("chat_id"));
        let err = EndpointSpec::from_document(map(r#"{"name":"s","kind":"slack","url":"http://127.0.0.1/"}"#), 1, OPEN).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("url"));
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
