//! Users and API tokens.
use serde::{Deserialize, Serialize};
use worker::D1Database;

use super::{all, first};
use crate::args;
use crate::core::auth::Scopes;
use crate::core::input::FieldError;
use crate::core::time::{iso, EpochMs};
use crate::error::AppError;

/// Who is calling: the user behind a token (or behind ADMIN_TOKEN: the built-in admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub is_admin: bool,
    pub scopes: Scopes,
}

/// The built-in admin from migration 0004; ADMIN_TOKEN authenticates as this user.
pub const ADMIN_USER_ID: i64 = 1;

#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: Option<String>,
    pub is_admin: i64,
    pub created_at: String,
}

/// A user as the API shows it: never the hash.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
    pub created_at: String,
}

impl From<UserRow> for UserView {
    fn from(r: UserRow) -> Self {
        Self { id: r.id, username: r.username, is_admin: r.is_admin != 0, created_at: r.created_at }
    }
}

macro_rules! user_columns {
    () => {
        "id, username, password_hash, is_admin, created_at"
    };
}

const USER_BY_NAME: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE username = ?1");
const USER: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id = ?1");
const USERS: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id > ?1 ORDER BY id LIMIT ?2");
/// The username (case-insensitively unique) is the only key a new user can clash on: no row
/// back means it is taken.
const INSERT_USER: &str = concat!(
    "INSERT INTO users (username, password_hash, is_admin, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING RETURNING ",
    user_columns!()
);
const LOGIN_FAILURES: &str = "SELECT failures, window_start_ms FROM login_failures WHERE username = ?1";
/// A window that started `?3` ms or more before `?2` starts over at 1.
const RECORD_LOGIN_FAILURE: &str = "INSERT INTO login_failures (username, window_start_ms, failures) VALUES (?1, ?2, 1) \
     ON CONFLICT (username) DO UPDATE SET \
       failures = CASE WHEN window_start_ms + ?3 <= ?2 THEN 1 ELSE failures + 1 END, \
       window_start_ms = CASE WHEN window_start_ms + ?3 <= ?2 THEN ?2 ELSE window_start_ms END";
const CLEAR_LOGIN_FAILURES: &str = "DELETE FROM login_failures WHERE username = ?1";
const SET_PASSWORD: &str = "UPDATE users SET password_hash = ?2 WHERE id = ?1";

pub async fn user_by_name(db: &D1Database, username: &str) -> Result<Option<UserRow>, AppError> {
    first(db, USER_BY_NAME, &args![username]).await
}

pub async fn user(db: &D1Database, id: i64) -> Result<Option<UserRow>, AppError> {
    first(db, USER, &args![id]).await
}

pub async fn users(db: &D1Database, after_id: i64, limit: u32) -> Result<Vec<UserRow>, AppError> {
    all(db, USERS, &args![after_id, limit]).await
}

pub async fn insert_user(db: &D1Database, username: &str, password_hash: &str, is_admin: bool, now: EpochMs) -> Result<UserRow, AppError> {
    first(db, INSERT_USER, &args![username, password_hash, is_admin, iso(now)])
        .await?
        .ok_or_else(|| AppError::Conflict(FieldError::new("username", "is taken")))
}

/// Failed logins for a (lower-cased) username in its current window: (failures, window start).
pub async fn login_failures(db: &D1Database, username: &str) -> Result<Option<(u32, EpochMs)>, AppError> {
    #[derive(Deserialize)]
    struct Row {
        failures: i64,
        window_start_ms: EpochMs,
    }
    let row: Option<Row> = first(db, LOGIN_FAILURES, &args![username]).await?;
    Ok(row.map(|r| (r.failures.max(0) as u32, r.window_start_ms)))
}

/// Counts a failed login; a window older than `window_ms` starts over at 1.
pub async fn record_login_failure(db: &D1Database, username: &str, now: EpochMs, window_ms: i64) -> Result<(), AppError> {
    super::run(db, RECORD_LOGIN_FAILURE, &args![username, now, window_ms]).await
}

pub async fn clear_login_failures(db: &D1Database, username: &str) -> Result<(), AppError> {
    super::run(db, CLEAR_LOGIN_FAILURES, &args![username]).await
}

pub async fn set_password(db: &D1Database, user_id: i64, password_hash: &str) -> Result<(), AppError> {
    super::run(db, SET_PASSWORD, &args![user_id, password_hash]).await
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
}

/// A token as the API lists it: its visible prefix, never the secret or its hash.
#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<crate::core::auth::Scope>,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
}

impl From<TokenRow> for TokenView {
    fn from(r: TokenRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: Scopes::from_db(&r.scopes).list(),
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            expires_at: r.expires_at,
        }
    }
}

macro_rules! token_columns {
    () => {
        "id, user_id, name, prefix, scopes, created_at, last_used_at, expires_at"
    };
}

const INSERT_TOKEN: &str = concat!(
    "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, created_at, expires_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING ",
    token_columns!()
);
const TOKENS: &str = concat!("SELECT ", token_columns!(), " FROM api_tokens WHERE user_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3");
const DELETE_TOKEN: &str = "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2 RETURNING id";
/// Authenticates and stamps `last_used_at` in one round trip.
const AUTHENTICATE: &str = "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1 AND (expires_at IS NULL OR expires_at > ?2) \
     RETURNING user_id, scopes, (SELECT is_admin FROM users u WHERE u.id = user_id) AS is_admin";

pub struct NewTokenRow<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub hash: &'a str,
    pub scopes: Scopes,
    pub expires_at: Option<EpochMs>,
}

pub async fn insert_token(db: &D1Database, t: &NewTokenRow<'_>, now: EpochMs) -> Result<TokenRow, AppError> {
    first(
        db,
        INSERT_TOKEN,
        &args![t.user_id, t.name, t.prefix, t.hash, t.scopes.to_db(), iso(now), t.expires_at.map(iso)],
    )
    .await?
    .ok_or_else(|| AppError::Internal("insert token returned no row".into()))
}

pub async fn tokens(db: &D1Database, user_id: i64, after_id: i64, limit: u32) -> Result<Vec<TokenRow>, AppError> {
    all(db, TOKENS, &args![user_id, after_id, limit]).await
}

/// Revokes one of the user's tokens. False when there is no such token of theirs.
pub async fn delete_token(db: &D1Database, user_id: i64, id: i64) -> Result<bool, AppError> {
    Ok(first::<super::Id>(db, DELETE_TOKEN, &args![id, user_id]).await?.is_some())
}

/// The caller behind a token secret's hash, if the token exists and has not expired. The same
/// statement stamps `last_used_at`, so authenticating costs one round trip.
pub async fn authenticate(db: &D1Database, token_hash: &str, now: EpochMs) -> Result<Option<Principal>, AppError> {
    #[derive(Deserialize)]
    struct Hit {
        user_id: i64,
        scopes: String,
        is_admin: Option<i64>,
    }
    let hit: Option<Hit> = first(db, AUTHENTICATE, &args![token_hash, iso(now)]).await?;
    Ok(hit.map(|h| Principal { user_id: h.user_id, is_admin: h.is_admin.unwrap_or(0) != 0, scopes: Scopes::from_db(&h.scopes) }))
}
