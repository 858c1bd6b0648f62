//! Dashboard sessions (DESIGN.md §10): the SHA-256 of the cookie value, its user, its CSRF
//! token and its expiry. A lookup joins the user, so a request costs one D1 round trip.
use serde::Deserialize;
use worker::D1Database;

use super::{first, run, Arg};
use crate::core::time::EpochMs;
use crate::error::AppError;

const INSERT: &str = "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
/// Expired sessions are deleted when someone logs in: bounded work, no extra cron job.
const PRUNE: &str = "DELETE FROM sessions WHERE expires_at <= ?1";
const LOOKUP: &str = "SELECT s.user_id, s.csrf_token, s.expires_at, u.username, u.is_admin FROM sessions s \
     JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1 AND s.expires_at > ?2";
const DELETE: &str = "DELETE FROM sessions WHERE id_hash = ?1";
/// After a password change: every other session of the user ends.
const DELETE_OTHERS: &str = "DELETE FROM sessions WHERE user_id = ?1 AND id_hash <> ?2";

/// A live session and who it belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: i64,
    pub username: String,
    pub is_admin: i64,
}

pub async fn create(db: &D1Database, id_hash: &str, user_id: i64, csrf_token: &str, now: EpochMs, expires_at: EpochMs) -> Result<(), AppError> {
    run(db, PRUNE, &[Arg::from(now)]).await?;
    run(db, INSERT, &[Arg::from(id_hash), Arg::from(user_id), Arg::from(csrf_token), Arg::from(now), Arg::from(expires_at)]).await
}

pub async fn lookup(db: &D1Database, id_hash: &str, now: EpochMs) -> Result<Option<SessionRow>, AppError> {
    first(db, LOOKUP, &[Arg::from(id_hash), Arg::from(now)]).await
}

pub async fn delete(db: &D1Database, id_hash: &str) -> Result<(), AppError> {
    run(db, DELETE, &[Arg::from(id_hash)]).await
}

pub async fn delete_others(db: &D1Database, user_id: i64, keep_id_hash: &str) -> Result<(), AppError> {
    run(db, DELETE_OTHERS, &[Arg::from(user_id), Arg::from(keep_id_hash)]).await
}
