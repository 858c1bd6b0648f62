//! Notification endpoints. The signing secret is read only by delivery; the API's views
//! never carry it (SPEC section 7).
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::projects::OWNED;
use super::{all, first, stmt, Refusal};
use crate::args;
use crate::core::endpoint::{EndpointSpec, Kind};
use crate::core::input::FieldError;
use crate::core::time::{iso, EpochMs};
use crate::error::{AppError, Context};

const COLUMNS: &str = "id, project_id, name, kind, url, secret, recipients, provider, events, reminder_minutes, is_active, disabled_reason, created_at, updated_at";

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
    pub url: Option<String>,
    pub recipients: Option<Vec<String>>,
    pub provider: Option<String>,
    pub events: Vec<String>,
    pub reminder_minutes: Option<i64>,
    pub is_active: bool,
    /// Why delivery turned it off (a 410 from the receiver), until it is turned back on.
    pub disabled_reason: Option<String>,
    /// Webhooks have a signing secret; it is shown once, when created or rotated.
    pub has_secret: bool,
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
        })
    }

    pub fn view(&self) -> Result<EndpointView, AppError> {
        let spec = self.spec()?;
        Ok(EndpointView {
            id: self.id,
            project: self.project_id,
            name: spec.name,
            kind: self.kind.clone(),
            url: spec.url,
            recipients: spec.recipients,
            provider: spec.provider,
            events: spec.events,
            reminder_minutes: self.reminder_minutes,
            is_active: spec.is_active,
            disabled_reason: self.disabled_reason.clone(),
            has_secret: self.secret.is_some(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        })
    }
}

fn spec_args(spec: &EndpointSpec) -> (Option<String>, String) {
    let recipients = spec.recipients.as_ref().map(|r| serde_json::to_string(r).unwrap_or_else(|_| "[]".into()));
    let events = serde_json::to_string(&spec.events).unwrap_or_else(|_| "[]".into());
    (recipients, events)
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

pub async fn insert(db: &D1Database, spec: &EndpointSpec, secret: Option<&str>, now: EpochMs) -> Result<EndpointRow, AppError> {
    let (recipients, events) = spec_args(spec);
    let sql = format!(
        "INSERT INTO notification_endpoints (project_id, name, kind, url, secret, recipients, provider, events, reminder_minutes, is_active, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING {COLUMNS}"
    );
    let result = stmt(
        db,
        &sql,
        &args![spec.project, spec.name.clone(), spec.kind.as_str(), spec.url.clone(), secret, recipients, spec.provider.clone(), events, spec.reminder_minutes, spec.is_active, iso(now)],
    )?
    .all()
    .await
    .map_err(refused)?;
    result.results::<EndpointRow>().context("decoding endpoint")?.into_iter().next().ok_or_else(|| AppError::Internal("insert returned no row".into()))
}

/// Saves a patched spec; `secret` replaces the secret when given. Re-activating clears the
/// reason delivery disabled it for.
pub async fn update(db: &D1Database, id: i64, spec: &EndpointSpec, secret: Option<&str>, now: EpochMs) -> Result<Option<EndpointRow>, AppError> {
    let (recipients, events) = spec_args(spec);
    let sql = format!(
        "UPDATE notification_endpoints SET name = ?2, url = ?3, recipients = ?4, provider = ?5, events = ?6, reminder_minutes = ?7, \
         disabled_reason = CASE WHEN ?8 = 1 THEN NULL ELSE disabled_reason END, is_active = ?8, secret = COALESCE(?9, secret), updated_at = ?10 \
         WHERE id = ?1 RETURNING {COLUMNS}"
    );
    let result = stmt(
        db,
        &sql,
        &args![id, spec.name.clone(), spec.url.clone(), recipients, spec.provider.clone(), events, spec.reminder_minutes, spec.is_active, secret, iso(now)],
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

/// Import's upsert by name, for the caller's batch. The project is found by slug inside SQL (it
/// may be created earlier in the same batch). `secret` replaces the secret when given; a new
/// webhook (or one turned into a webhook) without one gets `fresh_secret`.
pub fn upsert_statement(
    db: &D1Database,
    user_id: i64,
    slug: &str,
    spec: &EndpointSpec,
    secret: Option<&str>,
    fresh_secret: Option<&str>,
    now: EpochMs,
) -> Result<D1PreparedStatement, AppError> {
    let (recipients, events) = spec_args(spec);
    // `WHERE true` lets SQLite tell the upsert clause from a join condition after a SELECT.
    stmt(
        db,
        "INSERT INTO notification_endpoints (project_id, name, kind, url, secret, recipients, provider, events, reminder_minutes, is_active, created_at, updated_at) \
         SELECT (SELECT id FROM projects WHERE slug = ?12 AND owner_id = ?13), ?2, ?3, ?4, COALESCE(?5, ?14), ?6, ?7, ?8, ?9, ?10, ?11, ?11 WHERE true \
         ON CONFLICT (project_id, name) DO UPDATE SET kind = excluded.kind, url = excluded.url, \
           secret = CASE WHEN excluded.kind = 'webhook' THEN COALESCE(?5, notification_endpoints.secret, ?14) ELSE NULL END, \
           recipients = excluded.recipients, provider = excluded.provider, events = excluded.events, \
           reminder_minutes = excluded.reminder_minutes, is_active = excluded.is_active, \
           disabled_reason = CASE WHEN excluded.is_active = 1 THEN NULL ELSE notification_endpoints.disabled_reason END, \
           updated_at = excluded.updated_at",
        &args![
            None::<i64>, spec.name.trim(), spec.kind.as_str(), spec.url.clone(), secret, recipients, spec.provider.clone(), events,
            spec.reminder_minutes, spec.is_active, iso(now), slug, user_id, fresh_secret
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

/// A 410 from the receiver: stop sending until a user turns it back on. A statement, to go in
/// the same batch as the attempt that got the 410.
pub fn disable(db: &D1Database, id: i64, reason: &str, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, "UPDATE notification_endpoints SET is_active = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1", &args![id, reason, iso(now)])
}
