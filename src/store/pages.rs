//! What the public pages read: a project by slug, its monitors, incidents and maintenance, and
//! a cheap "data version" that says whether a cached page is stale.
use serde::Deserialize;
use worker::D1Database;

use super::projects::{ProjectRow, BY_DOMAIN, BY_SLUG};
use super::{all, first};
use crate::args;
use crate::core::failure::FailureKind;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

/// A project by its public slug (the page decides whether it may be shown).
pub async fn project_by_slug(db: &D1Database, slug: &str) -> Result<Option<ProjectRow>, AppError> {
    first(db, BY_SLUG, &args![slug]).await
}

/// The project whose custom domain is `host` (lower case), if any.
pub async fn project_by_domain(db: &D1Database, host: &str) -> Result<Option<ProjectRow>, AppError> {
    first(db, BY_DOMAIN, &args![host]).await
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageIncident {
    pub id: i64,
    pub monitor_id: i64,
    pub monitor_name: String,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    /// The cause as a kind and the opening check's HTTP status: all a public page may use
    /// (the raw `cause` text is not read).
    pub failure_kind: Option<FailureKind>,
    pub cause_http_status: Option<i64>,
}

const INCIDENTS: &str = "SELECT i.id, i.monitor_id, m.name AS monitor_name, i.opened_at, i.resolved_at, i.failure_kind, i.cause_http_status FROM incidents i \
     JOIN monitors m ON m.id = i.monitor_id WHERE m.project_id = ?1 AND (i.resolved_at IS NULL OR i.resolved_at >= ?2) \
     ORDER BY i.opened_at DESC LIMIT ?3";

/// Open incidents and those resolved since `since`, newest first.
pub async fn incidents(db: &D1Database, project_id: i64, since: EpochMs, limit: u32) -> Result<Vec<PageIncident>, AppError> {
    all(db, INCIDENTS, &args![project_id, iso(since), limit]).await
}

#[derive(Debug, Clone, Deserialize)]
pub struct PageMaintenance {
    /// The feed's entry id (`#maintenance-{id}`) and its date.
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub created_at: String,
    pub title: String,
    pub monitor_id: Option<i64>,
    pub starts_at: String,
    pub ends_at: String,
}

/// Maintenance windows not over yet.
pub async fn maintenance(db: &D1Database, project_id: i64, now: EpochMs) -> Result<Vec<PageMaintenance>, AppError> {
    const MAINTENANCE: &str =
        "SELECT id, created_at, title, monitor_id, starts_at, ends_at FROM maintenance_windows WHERE project_id = ?1 AND ends_at >= ?2 ORDER BY starts_at LIMIT 20";
    all(db, MAINTENANCE, &args![project_id, iso(now)]).await
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DataVersion {
    pub last_checked_at: Option<String>,
    pub monitors: i64,
    pub changed: Option<String>,
    /// Maintenance windows are shown on the page: adding or deleting one must rebuild it.
    #[serde(default)]
    pub windows: i64,
    #[serde(default)]
    pub window_changed: Option<String>,
    /// A renamed project must not be revalidated with its old name, nor a page whose notices
    /// or updates changed: the name and `projects.notices_version`, read as one value from the
    /// project's row (one row read).
    #[serde(default)]
    pub project_name: Option<String>,
}

impl DataVersion {
    /// An ETag-safe token that changes whenever a check is recorded or a monitor is edited.
    pub fn tag(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}|{}",
            self.last_checked_at.as_deref().unwrap_or(""),
            self.monitors,
            self.changed.as_deref().unwrap_or(""),
            self.windows,
            self.window_changed.as_deref().unwrap_or(""),
            self.project_name.as_deref().unwrap_or("")
        );
        // FNV-1a: a short stable fingerprint, not a security boundary.
        let hash = text.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
        format!("{hash:016x}")
    }
}

/// One indexed aggregate over the project's monitors: far cheaper than building the page.
pub async fn data_version(db: &D1Database, project_id: i64) -> Result<DataVersion, AppError> {
    // The newest check: steady checks do not rewrite the monitor row, so it is read from each
    // monitor's newest block (its latest start, and its length, which grows with every check
    // even when one recorded late started earlier): two rows per monitor.
    const DATA_VERSION: &str = "SELECT (SELECT max(b.last_at) || '/' || sum(length(b.data)) FROM monitors n JOIN check_blocks b ON b.monitor_id = n.id \
           AND b.start = (SELECT max(start) FROM check_blocks WHERE monitor_id = n.id) WHERE n.project_id = ?1) AS last_checked_at, \
         count(*) AS monitors, max(updated_at) AS changed, \
         (SELECT count(*) FROM maintenance_windows WHERE project_id = ?1) AS windows, \
         (SELECT max(created_at) FROM maintenance_windows WHERE project_id = ?1) AS window_changed, \
         (SELECT notices_version || ':' || name FROM projects WHERE id = ?1) AS project_name \
         FROM monitors WHERE project_id = ?1";
    Ok(first(db, DATA_VERSION, &args![project_id])
    .await?
    .unwrap_or(DataVersion { last_checked_at: None, monitors: 0, changed: None, windows: 0, window_changed: None, project_name: None }))
}
