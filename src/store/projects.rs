//! Projects (the tenant boundary), their maintenance windows and the dashboard summary. Every
//! read here takes the caller's user id: another user's project simply does not exist.
use serde::{Deserialize, Serialize};
use worker::{D1Database, D1PreparedStatement};

use super::{all, first, refused_as, stmt, Refusal};
use crate::args;
use crate::core::input::FieldError;
use crate::core::project::{MaintenanceSpec, ProjectSpec};
use crate::core::schedule::slot_at_or_after;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub public: i64,
    pub owner_id: i64,
    pub created_at: String,
    #[serde(default)]
    pub custom_domain: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub public: bool,
    pub created_at: String,
    pub status_page: String,
    /// The hostname that serves the page at `/`, or null.
    pub custom_domain: Option<String>,
}

impl From<ProjectRow> for ProjectView {
    fn from(r: ProjectRow) -> Self {
        Self {
            status_page: format!("/status/{}", r.slug),
            id: r.id,
            name: r.name,
            slug: r.slug,
            public: r.public != 0,
            created_at: r.created_at,
            custom_domain: r.custom_domain,
        }
    }
}

impl ProjectRow {
    pub fn spec(&self) -> ProjectSpec {
        ProjectSpec { name: self.name.clone(), slug: self.slug.clone(), public: self.public != 0, custom_domain: self.custom_domain.clone() }
    }
}

/// The columns of a [`ProjectRow`].
macro_rules! columns {
    () => {
        "id, slug, name, public, owner_id, created_at, custom_domain"
    };
}

const OWNED: &str = concat!("SELECT ", columns!(), " FROM projects WHERE id = ?1 AND owner_id = ?2");
const BY_SLUG_OWNED: &str = concat!("SELECT ", columns!(), " FROM projects WHERE slug = ?1 AND owner_id = ?2");
/// Public pages find a project by slug alone (the page decides whether it may be shown).
pub(super) const BY_SLUG: &str = concat!("SELECT ", columns!(), " FROM projects WHERE slug = ?1");
/// A request's Host header finds its project (the partial unique index `projects_custom_domain`).
pub(super) const BY_DOMAIN: &str = concat!("SELECT ", columns!(), " FROM projects WHERE custom_domain = ?1");
const DOMAIN_TAKEN: &str = "SELECT id FROM projects WHERE custom_domain = ?1 AND id != ?2";
const LIST: &str = concat!("SELECT ", columns!(), " FROM projects WHERE owner_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
/// Slugs are the only unique key a new project can clash on: no row back means the slug is
/// taken, told apart from a made row without reading any error.
const INSERT: &str = concat!(
    "INSERT INTO projects (slug, name, public, owner_id, created_at, custom_domain) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING RETURNING ",
    columns!()
);
const UPDATE: &str = concat!("UPDATE projects SET slug = ?1, name = ?2, public = ?3, custom_domain = ?6 WHERE id = ?4 AND owner_id = ?5 RETURNING ", columns!());
const DELETE: &str = "DELETE FROM projects WHERE id = ?1 AND owner_id = ?2 RETURNING id";

/// The project if `user_id` owns it.
pub async fn owned(db: &D1Database, user_id: i64, id: i64) -> Result<Option<ProjectRow>, AppError> {
    first(db, OWNED, &args![id, user_id]).await
}

pub async fn by_slug_owned(db: &D1Database, user_id: i64, slug: &str) -> Result<Option<ProjectRow>, AppError> {
    first(db, BY_SLUG_OWNED, &args![slug, user_id]).await
}

pub async fn list(db: &D1Database, user_id: i64, after_id: i64, limit: u32) -> Result<Vec<ProjectRow>, AppError> {
    all(db, LIST, &args![user_id, after_id, limit]).await
}

pub async fn insert(db: &D1Database, user_id: i64, spec: &ProjectSpec, now: EpochMs) -> Result<ProjectRow, AppError> {
    domain_free(db, spec, 0).await?;
    first(db, INSERT, &args![spec.slug.as_str(), spec.name.trim(), spec.public, user_id, iso(now), spec.custom_domain.as_deref()])
        .await?
        .ok_or_else(slug_taken_error)
}

pub async fn update(db: &D1Database, user_id: i64, id: i64, spec: &ProjectSpec) -> Result<Option<ProjectRow>, AppError> {
    domain_free(db, spec, id).await?;
    first(db, UPDATE, &args![spec.slug.as_str(), spec.name.trim(), spec.public, id, user_id, spec.custom_domain.as_deref()])
        .await
        .map_err(|e| refused_as(e, Refusal::Unique, slug_taken_error))
}

/// A custom domain names one project across all users: a 409 naming the field when another
/// project has it. (Two writers racing for one name both pass this; the unique index then
/// refuses the second, which reads as the slug message: rare enough to accept.)
async fn domain_free(db: &D1Database, spec: &ProjectSpec, id: i64) -> Result<(), AppError> {
    let Some(domain) = spec.custom_domain.as_deref() else { return Ok(()) };
    match first::<super::Id>(db, DOMAIN_TAKEN, &args![domain, id]).await? {
        Some(_) => Err(AppError::Conflict(FieldError::new("custom_domain", "is used by another project"))),
        None => Ok(()),
    }
}

/// Deletes a project and, by cascade, its monitors, checks, incidents, endpoints and windows.
pub async fn delete(db: &D1Database, user_id: i64, id: i64) -> Result<bool, AppError> {
    Ok(first::<super::Id>(db, DELETE, &args![id, user_id]).await?.is_some())
}

/// Slugs are unique across all users (they are public URLs), so the message does not say whose.
fn slug_taken_error() -> AppError {
    AppError::Conflict(FieldError::new("slug", "is taken; choose another"))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MaintenanceRow {
    pub id: i64,
    #[serde(rename(serialize = "project"))]
    pub project_id: i64,
    #[serde(rename(serialize = "monitor"))]
    pub monitor_id: Option<i64>,
    pub title: String,
    pub starts_at: String,
    pub ends_at: String,
    pub created_at: String,
}

macro_rules! maintenance_columns {
    () => {
        "id, project_id, monitor_id, title, starts_at, ends_at, created_at"
    };
}

const INSERT_MAINTENANCE: &str = concat!(
    "INSERT INTO maintenance_windows (project_id, monitor_id, title, starts_at, ends_at, created_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING ",
    maintenance_columns!()
);
const MAINTENANCE: &str = concat!(
    "SELECT ",
    maintenance_columns!(),
    " FROM maintenance_windows WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1) \
     AND (?2 IS NULL OR project_id = ?2) AND (?3 IS NULL OR ends_at >= ?3) AND (?4 IS NULL OR id < ?4) \
     ORDER BY id DESC LIMIT ?5"
);
const DELETE_MAINTENANCE: &str =
    "DELETE FROM maintenance_windows WHERE id = ?1 AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2) RETURNING id";

pub async fn insert_maintenance(db: &D1Database, project_id: i64, spec: &MaintenanceSpec, now: EpochMs) -> Result<MaintenanceRow, AppError> {
    first(
        db,
        INSERT_MAINTENANCE,
        &args![project_id, spec.monitor_id, spec.title.as_str(), spec.starts_iso(), spec.ends_iso(), iso(now)],
    )
    .await?
    .ok_or_else(|| AppError::Internal("insert maintenance returned no row".into()))
}

/// The user's windows, newest start first; `current` keeps only those not over at `now`.
pub async fn maintenance(
    db: &D1Database,
    user_id: i64,
    project: Option<i64>,
    current_at: Option<EpochMs>,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<MaintenanceRow>, AppError> {
    all(db, MAINTENANCE, &args![user_id, project, current_at.map(iso), before_id, limit]).await
}

pub async fn delete_maintenance(db: &D1Database, user_id: i64, id: i64) -> Result<bool, AppError> {
    Ok(first::<super::Id>(db, DELETE_MAINTENANCE, &args![id, user_id]).await?.is_some())
}

/// Counts for the dashboard: monitors by state, open incidents, 24 h check counts.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Summary {
    pub projects: i64,
    pub monitors: i64,
    pub paused: i64,
    pub up: i64,
    pub down: i64,
    pub timeout: i64,
    pub bot_detected: i64,
    pub unknown: i64,
    pub open_incidents: i64,
    pub checks_24h: i64,
    pub up_checks_24h: i64,
}

/// `mine` names only the columns the counts read.
const SUMMARY: &str = "WITH mine AS (SELECT id, is_active, status FROM monitors WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1)) SELECT \
         (SELECT count(*) FROM projects WHERE owner_id = ?1) AS projects, \
         (SELECT count(*) FROM mine) AS monitors, \
         (SELECT count(*) FROM mine WHERE is_active = 0) AS paused, \
         (SELECT count(*) FROM mine WHERE is_active = 1 AND status = 'UP') AS up, \
         (SELECT count(*) FROM mine WHERE is_active = 1 AND status = 'DOWN') AS down, \
         (SELECT count(*) FROM mine WHERE is_active = 1 AND status = 'TIMEOUT') AS timeout, \
         (SELECT count(*) FROM mine WHERE is_active = 1 AND status = 'BOT_DETECTED') AS bot_detected, \
         (SELECT count(*) FROM mine WHERE is_active = 1 AND status IS NULL) AS unknown, \
         (SELECT count(*) FROM incidents WHERE resolved_at IS NULL AND monitor_id IN (SELECT id FROM mine)) AS open_incidents, \
         0 AS checks_24h, 0 AS up_checks_24h";
const MINE: &str = "SELECT id FROM monitors WHERE project_id IN (SELECT id FROM projects WHERE owner_id = ?1)";

/// The counts, with checks counted from the instant `since` on (from the hour blocks: one row
/// per monitor-hour, not one per check).
pub async fn summary(db: &D1Database, user_id: i64, since: EpochMs) -> Result<Summary, AppError> {
    let mut s: Summary = first(db, SUMMARY, &args![user_id]).await?.unwrap_or_default();
    let ids: Vec<super::Id> = all(db, MINE, &args![user_id]).await?;
    let ids: Vec<i64> = ids.into_iter().map(|i| i.id).collect();
    let checks = super::blocks::entries(db, &ids, slot_at_or_after(since), i64::MAX / 2).await?;
    s.checks_24h = checks.len() as i64;
    s.up_checks_24h = checks.iter().filter(|(_, c)| c.status == crate::core::status::CheckStatus::Up).count() as i64;
    Ok(s)
}

/// The ids of the user's projects, oldest first (at most `limit`).
pub async fn ids(db: &D1Database, user_id: i64, limit: u32) -> Result<Vec<i64>, AppError> {
    const IDS: &str = "SELECT id FROM projects WHERE owner_id = ?1 ORDER BY id LIMIT ?2";
    let rows: Vec<super::Id> = all(db, IDS, &args![user_id, limit]).await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Import's project upsert, for the caller's batch: insert, or update the caller's own project
/// of that slug. (A slug owned by someone else is caught before the batch is built.)
pub fn upsert_statement(db: &D1Database, user_id: i64, spec: &ProjectSpec, now: EpochMs) -> Result<D1PreparedStatement, AppError> {
    const UPSERT: &str = "INSERT INTO projects (slug, name, public, owner_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, public = excluded.public WHERE projects.owner_id = excluded.owner_id";
    stmt(
        db,
        UPSERT,
        &args![spec.slug.as_str(), spec.name.trim(), spec.public, user_id, iso(now)],
    )
}

/// Who owns each of these slugs (those that exist).
pub async fn slug_owners(db: &D1Database, slugs: &[String]) -> Result<Vec<(String, i64)>, AppError> {
    #[derive(Deserialize)]
    struct Owner {
        slug: String,
        owner_id: i64,
    }
    let list = serde_json::to_string(slugs).unwrap_or_else(|_| "[]".into());
    const SLUG_OWNERS: &str = "SELECT slug, owner_id FROM projects WHERE slug IN (SELECT value FROM json_each(?1))";
    let rows: Vec<Owner> = all(db, SLUG_OWNERS, &args![list]).await?;
    Ok(rows.into_iter().map(|o| (o.slug, o.owner_id)).collect())
}

