//! Notification endpoints. Secrets (webhook signing secrets, bot tokens, routing keys, app
//! tokens, and the webhook URLs of Slack, Discord, Teams and Google Chat) are read only by
//! delivery; the API's views never carry them (DESIGN.md §11).
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::projects::OWNED;
use super::{all, first, stmt, Refusal};
use crate::args;
use crate::core::endpoint::{ChannelConfig, EndpointSpec, Kind, NTFY_DEFAULT_SERVER};
use crate::core::input::FieldError;
use crate::core::notify::{self, Channel, Target};
use crate::core::time::{iso, EpochMs};
use crate::error::{AppError, Context};

const COLUMNS: &str = "id, project_id, name, kind, url, secret, recipients, provider, events, reminder_minutes, is_active, disabled_reason, created_at, updated_at, config, monitors";

#[derive(Clone, Deserialize)]
pub struct EndpointRow {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub kind: String,
    pub url: Option<String>,
    /// `whsec_...`; never serialized into a response (this struct is not `Serialize`).
    pub secret: Option<String>,
    pub recipients: Option<String>,
    pub provider: Option<String>,
    pub events: String,
    pub reminder_minutes: Option<i64>,
    pub is_active: i64,
    pub disabled_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// JSON `ChannelConfig` of chat and pager kinds.
    pub config: Option<String>,
    /// JSON array of monitor ids; NULL = all.
    pub monitors: Option<String>,
}

impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EndpointRow {{ id: {}, project_id: {}, kind: {}, secret: <redacted> }}", self.id, self.project_id, self.kind)
    }
}

/// An endpoint as the API shows it.
#[derive(Debug, Serialize)]
pub struct EndpointView {
    pub id: i64,
    pub project: i64,
    pub name: String,
    pub kind: String,
    /// Slack, Discord, Teams and Google Chat URLs hold their secret: shown redacted
    /// (`https://hooks.slack.com/services/***`).
    pub url: Option<String>,
    pub recipients: Option<Vec<String>>,
    pub provider: Option<String>,
    pub events: Vec<String>,
    pub reminder_minutes: Option<i64>,
    pub is_active: bool,
    /// Why delivery turned it off (the target is gone), until it is turned back on.
    pub disabled_reason: Option<String>,
    /// Webhooks have a signing secret (shown once, when created or rotated); chat and pager
    /// kinds a bot token, routing key or app token (never shown after it is sent).
    pub has_secret: bool,
    /// Telegram `chat_id`, `message_thread_id`; ntfy `topic`; Pushover `user_key`.
    #[serde(flatten)]
    pub config: ChannelConfig,
    /// Monitor ids it alerts for; `null` = every monitor of the project.
    pub monitors: Option<Vec<i64>>,
    pub created_at: String,
    pub updated_at: String,
}

impl EndpointRow {
    pub fn spec(&self) -> Result<EndpointSpec, AppError> {
        let bad = |what: &str| AppError::Internal(format!("endpoint {} has an unreadable {what}", self.id));
        Ok(EndpointSpec {
            project: self.project_id,
            name: self.name.clone(),
            kind: Kind::parse(&self.kind).ok_or_else(|| bad("kind"))?,
            url: self.url.clone(),
            recipients: self.recipients.as_deref().map(serde_json::from_str).transpose().map_err(|_| bad("recipient list"))?,
            provider: self.provider.clone(),
            events: serde_json::from_str(&self.events).map_err(|_| bad("event list"))?,
            reminder_minutes: self.reminder_minutes.and_then(|m| u32::try_from(m).ok()),
            is_active: self.is_active != 0,
            config: self.config.as_deref().map(serde_json::from_str).transpose().map_err(|_| bad("config"))?.unwrap_or_default(),
            monitors: self.monitors.as_deref().map(serde_json::from_str).transpose().map_err(|_| bad("monitor list"))?,
            credential: None,
        })
    }

    /// Where delivery sends a chat or pager kind's messages, with its credentials; `Err` says
    /// what is missing (never a secret).
    pub fn target(&self) -> Result<Target, String> {
        let kind = Kind::parse(&self.kind).ok_or_else(|| format!("unknown endpoint kind {}", self.kind))?;
        let spec = self.spec().map_err(|_| String::from("the endpoint's settings are unreadable"))?;
        let missing = |what: &str| format!("the endpoint has no {what}");
        let secret = || self.secret.clone().filter(|s| !s.is_empty());
        Ok(match kind.channel().ok_or_else(|| format!("{} is not a chat or pager kind", self.kind))? {
            Channel::Slack | Channel::Discord | Channel::Teams | Channel::GoogleChat => Target::Webhook { url: self.url.clone().ok_or_else(|| missing("url"))? },
            Channel::Telegram => Target::Telegram {
                bot_token: secret().ok_or_else(|| missing("bot_token"))?,
                chat_id: spec.config.chat_id.ok_or_else(|| missing("chat_id"))?,
                message_thread_id: spec.config.message_thread_id,
            },
            Channel::PagerDuty => Target::PagerDuty { routing_key: secret().ok_or_else(|| missing("routing_key"))? },
            Channel::Ntfy => Target::Ntfy {
                server: self.url.clone().unwrap_or_else(|| NTFY_DEFAULT_SERVER.to_string()),
                topic: spec.config.topic.ok_or_else(|| missing("topic"))?,
                token: secret(),
            },
            Channel::Pushover => Target::Pushover { app_token: secret().ok_or_else(|| missing("app_token"))?, user_key: spec.config.user_key.ok_or_else(|| missing("user_key"))? },
        })
    }

    /// The target as the deliveries log and the API may show it: no token, no secret path.
    pub fn redacted_target(&self) -> String {
        match Kind::parse(&self.kind) {
            Some(k) if k.secret_url() => self.url.as_deref().map(notify::redact_url).unwrap_or_default(),
            Some(Kind::Chat(Channel::Telegram)) => format!("telegram chat {}", self.spec().ok().and_then(|s| s.config.chat_id).unwrap_or_default()),
            Some(Kind::Chat(Channel::PagerDuty)) => String::from("pagerduty routing key ***"),
            Some(Kind::Chat(Channel::Ntfy)) => format!("{}/{}", self.url.as_deref().unwrap_or(NTFY_DEFAULT_SERVER).trim_end_matches('/'), self.spec().ok().and_then(|s| s.config.topic).unwrap_or_default()),
            Some(Kind::Chat(Channel::Pushover)) => String::from("pushover user ***"),
            _ => self.url.clone().unwrap_or_default(),
        }
    }

    pub fn view(&self) -> Result<EndpointView, AppError> {
        let spec = self.spec()?;
        let url = if spec.kind.secret_url() { spec.url.as_deref().map(notify::redact_url) } else { spec.url };
        Ok(EndpointView {
            id: self.id,
            project: self.project_id,
            name: spec.name,
            kind: self.kind.clone(),
            url,
            recipients: spec.recipients,
            provider: spec.provider,
            events: spec.events,
            reminder_minutes: self.reminder_minutes,
            is_active: spec.is_active,
            disabled_reason: self.disabled_reason.clone(),
            has_secret: self.secret.is_some() || spec.kind.secret_url(),
            config: spec.config,
            monitors: spec.monitors,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        })
    }
}

/// The JSON columns of a spec: recipients, events, config, monitors.
fn spec_args(spec: &EndpointSpec) -> (Option<String>, String, Option<String>, Option<String>) {
    let recipients = spec.recipients.as_ref().map(|r| serde_json::to_string(r).unwrap_or_else(|_| "[]".into()));
    let events = serde_json::to_string(&spec.events).unwrap_or_else(|_| "[]".into());
    let config = (!spec.config.is_empty()).then(|| serde_json::to_string(&spec.config).unwrap_or_else(|_| "{}".into()));
    let monitors = spec.monitors.as_ref().map(|m| serde_json::to_string(m).unwrap_or_else(|_| "[]".into()));
    (recipients, events, config, monitors)
}

/// Maps the schema's refusals to the fields that caused them.
fn refused(e: worker::Error) -> AppError {
    let message = e.to_string();
    match Refusal::of(&message) {
        Some(Refusal::Unique) => FieldError::new("name", "another endpoint of this project has that name").into(),
        Some(Refusal::ForeignKey) => FieldError::new("project", "no such project").into(),
        _ => AppError::Internal(format!("writing endpoint: {message}")),
    }
}

/// `secret` is the webhook's generated signing secret, or the credential the body gave.
pub async fn insert(db: &D1Database, spec: &EndpointSpec, secret: Option<&str>, now: EpochMs) -> Result<EndpointRow, AppError> {
    let (recipients, events, config, monitors) = spec_args(spec);
    let sql = format!(
        "INSERT INTO notification_endpoints (project_id, name, kind, url, secret, recipients, provider, events, reminder_minutes, is_active, created_at, updated_at, config, monitors) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13) RETURNING {COLUMNS}"
    );
    let result = stmt(
        db,
        &sql,
        &args![spec.project, spec.name.clone(), spec.kind.as_str(), spec.url.clone(), secret.filter(|s| !s.is_empty()), recipients, spec.provider.clone(), events, spec.reminder_minutes, spec.is_active, iso(now), config, monitors],
    )?
    .all()
    .await
    .map_err(refused)?;
    result.results::<EndpointRow>().context("decoding endpoint")?.into_iter().next().ok_or_else(|| AppError::Internal("insert returned no row".into()))
}

/// Saves a patched spec; `secret` replaces the secret when given, and an empty one removes
/// it (an ntfy token set to null). Re-activating clears the reason delivery disabled it for.
pub async fn update(db: &D1Database, id: i64, spec: &EndpointSpec, secret: Option<&str>, now: EpochMs) -> Result<Option<EndpointRow>, AppError> {
    let (recipients, events, config, monitors) = spec_args(spec);
    let sql = format!(
        "UPDATE notification_endpoints SET name = ?2, url = ?3, recipients = ?4, provider = ?5, events = ?6, reminder_minutes = ?7, \
         disabled_reason = CASE WHEN ?8 = 1 THEN NULL ELSE disabled_reason END, is_active = ?8, \
         secret = CASE WHEN ?9 = '' THEN NULL ELSE COALESCE(?9, secret) END, updated_at = ?10, config = ?11, monitors = ?12 \
         WHERE id = ?1 RETURNING {COLUMNS}"
    );
    let result = stmt(
        db,
        &sql,
        &args![id, spec.name.clone(), spec.url.clone(), recipients, spec.provider.clone(), events, spec.reminder_minutes, spec.is_active, secret, iso(now), config, monitors],
    )?
    .all()
    .await
    .map_err(refused)?;
    Ok(result.results::<EndpointRow>().context("decoding endpoint")?.into_iter().next())
}

/// Any endpoint, for delivery (which acts for the system, not a caller).
pub async fn get(db: &D1Database, id: i64) -> Result<Option<EndpointRow>, AppError> {
    first(db, &format!("SELECT {COLUMNS} FROM notification_endpoints WHERE id = ?1"), &args![id]).await
}

/// An endpoint of one of `user_id`'s projects; anyone else's is `None`, like a missing one.
pub async fn get_owned(db: &D1Database, user_id: i64, id: i64) -> Result<Option<EndpointRow>, AppError> {
    first(
        db,
        &format!("SELECT {COLUMNS} FROM notification_endpoints WHERE id = ?1 AND project_id IN ({})", OWNED.replace('?', "?2")),
        &args![id, user_id],
    )
    .await
}

/// Which of `ids` are endpoints of `user_id`'s projects.
pub async fn owned_ids(db: &D1Database, user_id: i64, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    const OWNED_IDS: &str = "SELECT id FROM notification_endpoints WHERE id IN (SELECT value FROM json_each(?1)) \
         AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)";
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<super::Id> = all(db, OWNED_IDS, &args![list, user_id]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The caller's endpoints by id ascending, after the cursor id.
pub async fn list(db: &D1Database, user_id: i64, project: Option<i64>, after: i64, limit: u32) -> Result<Vec<EndpointRow>, AppError> {
    all(
        db,
        &format!(
            "SELECT {COLUMNS} FROM notification_endpoints WHERE (?1 IS NULL OR project_id = ?1) AND id > ?2 \
             AND project_id IN ({}) ORDER BY id LIMIT ?3",
            OWNED.replace('?', "?4")
        ),
        &args![project, after, limit, user_id],
    )
    .await
}

/// What an imported endpoint brings besides its spec.
pub struct Imported<'a> {
    /// Replaces the stored secret (signing secret or credential) when given.
    pub secret: Option<&'a str>,
    /// For a new webhook (or one turned into a webhook) without a secret.
    pub fresh_secret: Option<&'a str>,
    /// Routing by monitor name, as a JSON array; `None` = all monitors.
    pub monitor_names: Option<String>,
}

/// Import's upsert by name, for the caller's batch. The project is found by slug inside SQL (it
/// may be created earlier in the same batch).
pub fn upsert_statement(db: &D1Database, user_id: i64, slug: &str, spec: &EndpointSpec, imported: Imported<'_>, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    let Imported { secret, fresh_secret, monitor_names } = imported;
    let (recipients, events, config, _) = spec_args(spec);
    // `WHERE true` lets SQLite tell the upsert clause from a join condition after a SELECT.
    // A document exported without secrets has no credential (or secret URL) for chat and
    // pager kinds: the stored one is kept, as for webhook signing secrets. It is filled into
    // the inserted row too, because SQLite checks the table's CHECK on that row before the
    // conflict turns the insert into an update. Routing is by
    // monitor name in documents (?15, ids differ between accounts), turned into this
    // project's ids here; NULL means all.
    stmt(
        db,
        "INSERT INTO notification_endpoints (project_id, name, kind, url, secret, recipients, provider, events, reminder_minutes, is_active, created_at, updated_at, config, monitors) \
         SELECT (SELECT id FROM projects WHERE slug = ?12 AND owner_id = ?13), ?2, ?3, \
           COALESCE(?4, (SELECT url FROM notification_endpoints WHERE name = ?2 AND project_id = (SELECT id FROM projects WHERE slug = ?12 AND owner_id = ?13))), \
           COALESCE(?5, ?14, (SELECT secret FROM notification_endpoints WHERE name = ?2 AND project_id = (SELECT id FROM projects WHERE slug = ?12 AND owner_id = ?13))), \
           ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?16, \
           CASE WHEN ?15 IS NULL THEN NULL ELSE (SELECT json_group_array(m.id) FROM monitors m \
             WHERE m.project_id = (SELECT id FROM projects WHERE slug = ?12 AND owner_id = ?13) AND m.name IN (SELECT value FROM json_each(?15))) END \
         WHERE true \
         ON CONFLICT (project_id, name) DO UPDATE SET kind = excluded.kind, url = COALESCE(excluded.url, notification_endpoints.url), \
           secret = CASE WHEN excluded.kind = 'webhook' THEN COALESCE(?5, notification_endpoints.secret, ?14) \
                         WHEN excluded.kind IN ('email', 'slack', 'discord', 'teams', 'google_chat') THEN NULL \
                         ELSE COALESCE(?5, notification_endpoints.secret) END, \
           recipients = excluded.recipients, provider = excluded.provider, events = excluded.events, \
           reminder_minutes = excluded.reminder_minutes, is_active = excluded.is_active, \
           disabled_reason = CASE WHEN excluded.is_active = 1 THEN NULL ELSE notification_endpoints.disabled_reason END, \
           updated_at = excluded.updated_at, config = excluded.config, monitors = excluded.monitors",
        &args![
            None::<i64>, spec.name.trim(), spec.kind.as_str(), spec.url.clone(), secret, recipients, spec.provider.clone(), events,
            spec.reminder_minutes, spec.is_active, iso(now), slug, user_id, fresh_secret, monitor_names, config
        ],
    )
}

/// The active endpoints of a project, for fan-out.
pub async fn active_of_project(db: &D1Database, project_id: i64) -> Result<Vec<EndpointRow>, AppError> {
    all(db, &format!("SELECT {COLUMNS} FROM notification_endpoints WHERE project_id = ?1 AND is_active = 1 ORDER BY id"), &args![project_id]).await
}

/// Deletes one of the caller's endpoints; its sends and deliveries go with it (ON DELETE CASCADE).
pub async fn delete(db: &D1Database, user_id: i64, id: i64) -> Result<bool, AppError> {
    let sql = format!("DELETE FROM notification_endpoints WHERE id = ?1 AND project_id IN ({}) RETURNING id", OWNED.replace('?', "?2"));
    let rows: Vec<serde_json::Value> = all(db, &sql, &args![id, user_id]).await?;
    Ok(!rows.is_empty())
}

/// Which of `ids` are not monitors of `project_id` (routing may only name the endpoint's own
/// project's monitors).
pub async fn foreign_monitors(db: &D1Database, project_id: i64, ids: &[i64]) -> Result<Vec<i64>, AppError> {
    const FOREIGN: &str = "SELECT j.value AS id FROM json_each(?1) j WHERE NOT EXISTS (SELECT 1 FROM monitors m WHERE m.id = j.value AND m.project_id = ?2)";
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    #[derive(Deserialize)]
    struct IdRow {
        id: i64,
    }
    let rows: Vec<IdRow> = all(db, FOREIGN, &args![list, project_id]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Monitor names by id, for exports (documents route by name).
pub async fn monitor_names(db: &D1Database, ids: &[i64]) -> Result<Vec<String>, AppError> {
    #[derive(Deserialize)]
    struct Name {
        name: String,
    }
    const NAMES: &str = "SELECT m.name FROM json_each(?1) j JOIN monitors m ON m.id = j.value ORDER BY j.key";
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<Name> = all(db, NAMES, &args![list]).await?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Telegram moved the chat (a group became a supergroup): the new id, in the same batch as
/// the attempt that was told.
pub fn set_chat_id(db: &D1Database, id: i64, chat_id: i64, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, "UPDATE notification_endpoints SET config = json_set(COALESCE(config, '{}'), '$.chat_id', ?2), updated_at = ?3 WHERE id = ?1", &args![id, chat_id.to_string(), iso(now)])
}

/// A 410 from the receiver: stop sending until a user turns it back on. A statement, to go in
/// the same batch as the attempt that got the 410.
pub fn disable(db: &D1Database, id: i64, reason: &str, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, "UPDATE notification_endpoints SET is_active = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1", &args![id, reason, iso(now)])
}
