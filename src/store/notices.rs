//! Notices and incident updates (migration 0017, DESIGN.md §1, §9): what operators say on a
//! status page. Every write is one batch that also bumps `projects.notices_version`, which the
//! page's data version reads, so a cached page is rebuilt after any change.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{all, first, stmt, Batch};
use crate::args;
use crate::core::markup;
use crate::core::notice::{NoticeSpec, UpdateSpec, UpdateStatus};
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

#[derive(Debug, Clone, Deserialize)]
pub struct UpdateRow {
    pub id: i64,
    pub project_id: i64,
    pub incident_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub status: UpdateStatus,
    pub message: String,
    pub created_ms: EpochMs,
    pub edited_ms: Option<EpochMs>,
}

/// An update as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UpdateView {
    pub id: i64,
    pub incident: Option<i64>,
    pub notice: Option<i64>,
    pub status: UpdateStatus,
    /// As written (the small Markdown subset).
    pub message: String,
    /// Rendered, escaped HTML of the message.
    pub message_html: String,
    pub created_at: String,
    pub edited_at: Option<String>,
}

impl From<&UpdateRow> for UpdateView {
    fn from(r: &UpdateRow) -> Self {
        Self {
            id: r.id,
            incident: r.incident_id,
            notice: r.notice_id,
            status: r.status,
            message: r.message.clone(),
            message_html: markup::render(&r.message),
            created_at: iso(r.created_ms),
            edited_at: r.edited_ms.map(iso),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct NoticeRow {
    pub id: i64,
    pub project_id: i64,
    pub title: String,
    pub created_ms: EpochMs,
    pub status: Option<UpdateStatus>,
    pub resolved_ms: Option<EpochMs>,
}

/// A notice as the API shows it, with its updates (newest first).
#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub id: i64,
    pub project: i64,
    pub title: String,
    /// The newest update's status.
    pub status: Option<UpdateStatus>,
    /// Open until its newest update says `resolved`.
    pub open: bool,
    pub created_at: String,
    pub resolved_at: Option<String>,
    pub updates: Vec<UpdateView>,
}

impl NoticeView {
    pub fn of(n: &NoticeRow, updates: &[UpdateRow]) -> Self {
        Self {
            id: n.id,
            project: n.project_id,
            title: n.title.clone(),
            status: n.status,
            open: n.resolved_ms.is_none(),
            created_at: iso(n.created_ms),
            resolved_at: n.resolved_ms.map(iso),
            updates: updates.iter().filter(|u| u.notice_id == Some(n.id)).map(UpdateView::from).collect(),
        }
    }
}

macro_rules! update_columns {
    () => {
        "id, project_id, incident_id, notice_id, status, message, created_ms, edited_ms"
    };
}
macro_rules! notice_columns {
    () => {
        "id, project_id, title, created_ms, status, resolved_ms"
    };
}

/// ?1 incident, ?2 owner: the incident's project, if the owner's.
const INCIDENT_PROJECT: &str = "SELECT m.project_id AS id FROM incidents i JOIN monitors m ON m.id = i.monitor_id \
     JOIN projects p ON p.id = m.project_id WHERE i.id = ?1 AND p.owner_id = ?2";
/// ?1 project, ?2 incident, ?3 notice, ?4 status, ?5 message, ?6 now (ms). The notice form of a
/// new notice's first update passes ?3 NULL and takes the notice just inserted in its batch.
const INSERT_UPDATE: &str = concat!(
    "INSERT INTO incident_updates (project_id, incident_id, notice_id, status, message, created_ms) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING ",
    update_columns!()
);
const INSERT_FIRST_UPDATE: &str = concat!(
    "INSERT INTO incident_updates (project_id, incident_id, notice_id, status, message, created_ms) \
     VALUES (?1, NULL, last_insert_rowid(), ?2, ?3, ?4) RETURNING ",
    update_columns!()
);
const UPDATE_OWNED: &str = concat!(
    "SELECT ",
    update_columns!(),
    " FROM incident_updates WHERE id = ?1 AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)"
);
const EDIT_UPDATE: &str =
    concat!("UPDATE incident_updates SET status = ?2, message = ?3, edited_ms = ?4 WHERE id = ?1 RETURNING ", update_columns!());
const DELETE_UPDATE: &str = "DELETE FROM incident_updates WHERE id = ?1";
/// ?1 incident or notice id, ?2 before id (exclusive), ?3 limit: newest first.
const UPDATES_OF_INCIDENT: &str =
    concat!("SELECT ", update_columns!(), " FROM incident_updates WHERE incident_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
const UPDATES_OF_NOTICES: &str = concat!(
    "SELECT ",
    update_columns!(),
    " FROM incident_updates WHERE notice_id IN (SELECT value FROM json_each(?1)) ORDER BY created_ms DESC, id DESC LIMIT ?2"
);
/// A notice's status and resolution follow its newest update (recomputed after every write).
const REFRESH_NOTICE: &str = "UPDATE notices SET \
       status = (SELECT status FROM incident_updates WHERE notice_id = ?1 ORDER BY created_ms DESC, id DESC LIMIT 1), \
       resolved_ms = (SELECT CASE WHEN status = 'resolved' THEN created_ms END FROM incident_updates WHERE notice_id = ?1 \
         ORDER BY created_ms DESC, id DESC LIMIT 1) \
     WHERE id = ?1";
const BUMP_VERSION: &str = "UPDATE projects SET notices_version = notices_version + 1 WHERE id = ?1";

const INSERT_NOTICE: &str = concat!(
    "INSERT INTO notices (project_id, title, created_ms, status, resolved_ms) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING ",
    notice_columns!()
);
const NOTICE_OWNED: &str =
    concat!("SELECT ", notice_columns!(), " FROM notices WHERE id = ?1 AND project_id IN (SELECT id FROM projects WHERE owner_id = ?2)");
const NOTICES_OF_PROJECT: &str = concat!("SELECT ", notice_columns!(), " FROM notices WHERE project_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
const RENAME_NOTICE: &str = concat!("UPDATE notices SET title = ?2 WHERE id = ?1 RETURNING ", notice_columns!());
const DELETE_NOTICE: &str = "DELETE FROM notices WHERE id = ?1";

/// An incident of the owner's with what its dashboard page shows.
#[derive(Debug, Clone, Deserialize)]
pub struct IncidentInfo {
    pub id: i64,
    pub monitor_id: i64,
    pub monitor_name: String,
    pub project_name: String,
    pub project_slug: String,
    pub project_public: i64,
    pub opened_at: String,
    pub resolved_at: Option<String>,
    pub failure_kind: Option<crate::core::failure::FailureKind>,
    pub cause_http_status: Option<i64>,
}

/// ?1 incident, ?2 owner.
const INCIDENT_INFO: &str = "SELECT i.id, i.monitor_id, m.name AS monitor_name, p.name AS project_name, p.slug AS project_slug, \
       p.public AS project_public, i.opened_at, i.resolved_at, i.failure_kind, i.cause_http_status \
     FROM incidents i JOIN monitors m ON m.id = i.monitor_id JOIN projects p ON p.id = m.project_id WHERE i.id = ?1 AND p.owner_id = ?2";

pub async fn incident_info(db: &D1Database, owner: i64, incident_id: i64) -> Result<Option<IncidentInfo>, AppError> {
    first(db, INCIDENT_INFO, &args![incident_id, owner]).await
}

/// The project of an incident of the owner's, or `None` (another user's is not found).
pub async fn incident_project(db: &D1Database, owner: i64, incident_id: i64) -> Result<Option<i64>, AppError> {
    Ok(first::<super::Id>(db, INCIDENT_PROJECT, &args![incident_id, owner]).await?.map(|r| r.id))
}

/// What a new update is posted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Incident(i64),
    Notice(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Write,
    Notice,
    Refresh,
    Version,
    Subscribers,
}

/// Posts an update: the row, the notice's status, the project's version, in one batch.
pub async fn post_update(db: &D1Database, project_id: i64, target: Target, spec: &UpdateSpec, now: EpochMs) -> Result<UpdateRow, AppError> {
    let (incident, notice) = match target {
        Target::Incident(id) => (Some(id), None),
        Target::Notice(id) => (None, Some(id)),
    };
    let mut batch = Batch::new();
    batch.push(Key::Write, stmt(db, INSERT_UPDATE, &args![project_id, incident, notice, spec.status.as_str(), spec.message.as_str(), now])?);
    if let Some(n) = notice {
        batch.push(Key::Refresh, stmt(db, REFRESH_NOTICE, &args![n])?);
    }
    batch.push(Key::Version, stmt(db, BUMP_VERSION, &args![project_id])?);
    // "An update was posted": the subscribers' outbox row, in this same batch, so an update
    // and the emails about it are written together or not at all (the route enqueues it).
    let posted = super::subscribers::UpdatePosted { project_id, incident_id: incident, notice_id: notice, title: None, status: spec.status.as_str(), message: &spec.message, update_ref: None };
    batch.push(Key::Subscribers, super::subscribers::update_posted(db, &posted, now)?);
    let results = batch.run(db, "post an incident update").await?;
    one(results.rows(Key::Write)?)
}

/// Edits an update (its time stays the time it was posted; `edited_ms` says when it changed).
pub async fn edit_update(db: &D1Database, row: &UpdateRow, spec: &UpdateSpec, now: EpochMs) -> Result<UpdateRow, AppError> {
    let mut batch = Batch::new();
    batch.push(Key::Write, stmt(db, EDIT_UPDATE, &args![row.id, spec.status.as_str(), spec.message.as_str(), now])?);
    if let Some(n) = row.notice_id {
        batch.push(Key::Refresh, stmt(db, REFRESH_NOTICE, &args![n])?);
    }
    batch.push(Key::Version, stmt(db, BUMP_VERSION, &args![row.project_id])?);
    one(batch.run(db, "edit an incident update").await?.rows(Key::Write)?)
}

pub async fn delete_update(db: &D1Database, row: &UpdateRow) -> Result<(), AppError> {
    let mut batch = Batch::new();
    batch.push(Key::Write, stmt(db, DELETE_UPDATE, &args![row.id])?);
    if let Some(n) = row.notice_id {
        batch.push(Key::Refresh, stmt(db, REFRESH_NOTICE, &args![n])?);
    }
    batch.push(Key::Version, stmt(db, BUMP_VERSION, &args![row.project_id])?);
    batch.run(db, "delete an incident update").await?;
    Ok(())
}

fn one<T>(rows: Vec<T>) -> Result<T, AppError> {
    rows.into_iter().next().ok_or_else(|| AppError::Internal("a write returned no row".into()))
}

/// An update of one of the owner's projects.
pub async fn update_owned(db: &D1Database, owner: i64, id: i64) -> Result<Option<UpdateRow>, AppError> {
    first(db, UPDATE_OWNED, &args![id, owner]).await
}

/// An incident's updates, newest first, ids below `before` (a cursor).
pub async fn updates_of_incident(db: &D1Database, incident_id: i64, before: Option<i64>, limit: u32) -> Result<Vec<UpdateRow>, AppError> {
    all(db, UPDATES_OF_INCIDENT, &args![incident_id, before.unwrap_or(i64::MAX), limit]).await
}

/// The updates of some notices, newest first.
pub async fn updates_of_notices(db: &D1Database, notice_ids: &[i64], limit: u32) -> Result<Vec<UpdateRow>, AppError> {
    let list = serde_json::to_string(notice_ids).unwrap_or_else(|_| "[]".into());
    all(db, UPDATES_OF_NOTICES, &args![list, limit]).await
}

/// Opens a notice with its first update, in one batch.
pub async fn open_notice(db: &D1Database, project_id: i64, spec: &NoticeSpec, now: EpochMs) -> Result<(NoticeRow, UpdateRow), AppError> {
    let resolved = (spec.first.status == UpdateStatus::Resolved).then_some(now);
    let mut batch = Batch::new();
    batch.push(Key::Notice, stmt(db, INSERT_NOTICE, &args![project_id, spec.title.as_str(), now, spec.first.status.as_str(), resolved])?);
    batch.push(Key::Write, stmt(db, INSERT_FIRST_UPDATE, &args![project_id, spec.first.status.as_str(), spec.first.message.as_str(), now])?);
    batch.push(Key::Version, stmt(db, BUMP_VERSION, &args![project_id])?);
    // A notice's first update is "an update was posted" too (see `post_update`).
    let posted = super::subscribers::UpdatePosted { project_id, incident_id: None, notice_id: None, title: Some(&spec.title), status: spec.first.status.as_str(), message: &spec.first.message, update_ref: None };
    batch.push(Key::Subscribers, super::subscribers::update_posted(db, &posted, now)?);
    let results = batch.run(db, "open a notice").await?;
    Ok((one(results.rows(Key::Notice)?)?, one(results.rows(Key::Write)?)?))
}

pub async fn notice_owned(db: &D1Database, owner: i64, id: i64) -> Result<Option<NoticeRow>, AppError> {
    first(db, NOTICE_OWNED, &args![id, owner]).await
}

/// A project's notices, newest first, ids below `before`.
pub async fn notices_of_project(db: &D1Database, project_id: i64, before: Option<i64>, limit: u32) -> Result<Vec<NoticeRow>, AppError> {
    all(db, NOTICES_OF_PROJECT, &args![project_id, before.unwrap_or(i64::MAX), limit]).await
}

pub async fn rename_notice(db: &D1Database, n: &NoticeRow, title: &str) -> Result<NoticeRow, AppError> {
    let mut batch = Batch::new();
    batch.push(Key::Notice, stmt(db, RENAME_NOTICE, &args![n.id, title])?);
    batch.push(Key::Version, stmt(db, BUMP_VERSION, &args![n.project_id])?);
    one(batch.run(db, "rename a notice").await?.rows(Key::Notice)?)
}

/// Deletes a notice and, by cascade, its updates.
pub async fn delete_notice(db: &D1Database, n: &NoticeRow) -> Result<(), AppError> {
    let mut batch = Batch::new();
    batch.push(Key::Notice, stmt(db, DELETE_NOTICE, &args![n.id])?);
    batch.push(Key::Version, stmt(db, BUMP_VERSION, &args![n.project_id])?);
    batch.run(db, "delete a notice").await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What the public pages read is in `store::pages` (one batch per view); these are its rows.

/// An update with what it belongs to (no `flatten`: D1 rows deserialize field by field).
#[derive(Debug, Clone, Deserialize)]
pub struct FeedUpdate {
    pub id: i64,
    pub incident_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub status: UpdateStatus,
    pub message: String,
    pub created_ms: EpochMs,
    pub edited_ms: Option<EpochMs>,
    /// The notice's title or the incident's monitor name.
    pub subject: Option<String>,
}

