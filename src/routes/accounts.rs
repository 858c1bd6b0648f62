//! Accounts: login, API tokens, users and the caller's own profile.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::Response;

use super::{json, next_cursor, Ctx, Page};
use crate::core::auth::{self, Scope, Scopes, DUMMY_HASH};
use crate::core::input::{self, BodyType, FieldError};
use crate::entropy;
use crate::error::{AppError, Context};
use crate::password;
use crate::store::accounts::{self, NewTokenRow, TokenView, UserView};

const NAME_MAX: usize = 100;
/// Longest lifetime a token may be given; `null`/absent means it never expires.
const MAX_TOKEN_DAYS: u32 = 3650;

#[derive(Deserialize)]
struct TokenRequest {
    name: Option<String>,
    scopes: Option<Vec<String>>,
    expires_in_days: Option<u32>,
}

impl TokenRequest {
    fn validate(&self, default_name: &str) -> Result<(String, Scopes, Option<u32>), FieldError> {
        let name = self.name.clone().unwrap_or_else(|| default_name.to_string());
        if name.trim().is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
            return Err(FieldError::new("name", format!("must be 1 to {NAME_MAX} printable characters")));
        }
        let scopes = match &self.scopes {
            None => Scopes::ALL,
            Some(list) => Scopes::parse(list)?,
        };
        if let Some(days) = self.expires_in_days {
            if !(1..=MAX_TOKEN_DAYS).contains(&days) {
                return Err(FieldError::new("expires_in_days", format!("must be between 1 and {MAX_TOKEN_DAYS}")));
            }
        }
        Ok((name.trim().to_string(), scopes, self.expires_in_days))
    }
}

/// A new token: the secret appears here and never again.
#[derive(Serialize)]
struct Created {
    token: String,
    #[serde(flatten)]
    view: TokenView,
    user: UserView,
}

async fn issue(ctx: &Ctx, user: UserView, req: &TokenRequest, default_name: &str) -> Result<Response, AppError> {
    let (name, scopes, days) = req.validate(default_name)?;
    let new = auth::new_token(&entropy::bytes::<32>()?);
    let row = NewTokenRow {
        user_id: user.id,
        name: &name,
        prefix: &new.prefix,
        hash: &new.hash,
        scopes,
        expires_at: days.map(|d| ctx.now + i64::from(d) * 86_400_000),
    };
    let row = accounts::insert_token(&ctx.db()?, &row, ctx.now).await?;
    let mut response = json(201, &Created { token: new.secret, view: row.into(), user })?;
    // The body holds a secret: no cache anywhere may keep it.
    let _ = response.headers_mut().set("cache-control", "no-store");
    Ok(response)
}

/// `POST /api/auth/token`: username + password -> a new token (public route).
pub async fn login(mut ctx: Ctx) -> Result<Response, AppError> {
    #[derive(Deserialize)]
    struct Login {
        username: Option<String>,
        password: Option<String>,
        #[serde(flatten)]
        token: TokenRequest,
    }
    const FIELDS: &[&str] = &["username", "password", "name", "scopes", "expires_in_days"];
    // JSON, or a form as seed 003's framework (Django REST framework) posts it.
    let map = match ctx.body(&[BodyType::Json, BodyType::Form]).await? {
        (BodyType::Form, body) => input::parse_form(&body, FIELDS, &["expires_in_days"], &["scopes"])?,
        (_, body) => input::parse_object(&body, FIELDS)?,
    };
    let login: Login = input::typed(Value::Object(map))?;
    let username = login.username.as_deref().ok_or_else(|| FieldError::new("username", "is required"))?;
    let password = login.password.as_deref().ok_or_else(|| FieldError::new("password", "is required"))?;
    let user = check_password(&ctx, username, password).await?;
    issue(&ctx, user.into(), &login.token, "login").await
}

/// The one password check of both logins (the API's token login and the dashboard's form): the
/// per-username throttle first, then one KDF run whether or not the user exists.
pub(super) async fn check_password(ctx: &Ctx, username: &str, password: &str) -> Result<accounts::UserRow, AppError> {
    if username.is_empty() || username.len() > auth::USERNAME_MAX {
        return Err(FieldError::new("username", format!("must be 1 to {} characters", auth::USERNAME_MAX)).into());
    }
    let db = ctx.db()?;
    // Password guessing is throttled per username (existing or not, so the answer reveals
    // nothing), before the expensive derivation runs.
    let throttle_key = username.to_lowercase();
    if let Some((failures, window_start)) = accounts::login_failures(&db, &throttle_key).await? {
        if let Some(after) = auth::login_locked_for(failures, window_start, ctx.now) {
            return Err(AppError::TooManyRequests(after));
        }
    }
    let user = accounts::user_by_name(&db, username).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    // Always run the KDF once, whether or not the user exists or has a password (the dummy
    // hash has the iteration count of every hash written now: the same native derivation).
    let verified = password::verify(password, stored.as_deref().unwrap_or(DUMMY_HASH)).await?;
    let ok = verified.ok && stored.is_some();
    let Some(user) = user.filter(|_| ok) else {
        accounts::record_login_failure(&db, &throttle_key, ctx.now, auth::LOGIN_WINDOW_MS).await?;
        worker::console_warn!("login failed for a username of {} characters", username.chars().count());
        return Err(AppError::Unauthorized);
    };
    if verified.rehash {
        // An old iteration count (above WebCrypto's cap, this login paid the wasm derivation):
        // stored again at today's count, so the next login is native.
        accounts::set_password(&db, user.id, &password::hash(password).await?).await?;
    }
    accounts::clear_login_failures(&db, &throttle_key).await?;
    Ok(user)
}

pub async fn list_tokens(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let rows = accounts::tokens(&ctx.db()?, ctx.user_id()?, q.id("cursor")?.unwrap_or(0), limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    json(200, &Page { items: rows.into_iter().map(TokenView::from).collect(), next_cursor })
}

pub async fn create_token(mut ctx: Ctx) -> Result<Response, AppError> {
    let body = ctx.json_body().await?;
    let req: TokenRequest = input::typed(Value::Object(input::parse_object(&body, &["name", "scopes", "expires_in_days"])?))?;
    let user = me_row(&ctx).await?;
    issue(&ctx, user, &req, "api").await
}

pub async fn revoke_token(ctx: Ctx) -> Result<Response, AppError> {
    let id = ctx.id("id")?;
    if !accounts::delete_token(&ctx.db()?, ctx.user_id()?, id).await? {
        return Err(AppError::NotFound(format!("token {id}")));
    }
    Ok(Response::empty().context("empty response")?.with_status(204))
}

async fn me_row(ctx: &Ctx) -> Result<UserView, AppError> {
    let id = ctx.user_id()?;
    accounts::user(&ctx.db()?, id).await?.map(UserView::from).ok_or(AppError::Unauthorized)
}

/// `GET /api/me`: who this token belongs to and what it may do.
pub async fn me(ctx: Ctx) -> Result<Response, AppError> {
    #[derive(Serialize)]
    struct Me {
        #[serde(flatten)]
        user: UserView,
        scopes: Vec<Scope>,
    }
    let scopes = ctx.principal.map(|p| p.scopes.list()).unwrap_or_default();
    json(200, &Me { user: me_row(&ctx).await?, scopes })
}

/// `PATCH /api/me {password, current_password}`: change one's own password. The current one is
/// required when there is one (the built-in admin has none until it sets one with ADMIN_TOKEN).
/// Existing tokens stay valid; revoke them with `DELETE /api/tokens/{id}`.
pub async fn patch_me(mut ctx: Ctx) -> Result<Response, AppError> {
    #[derive(Deserialize)]
    struct Change {
        password: Option<String>,
        current_password: Option<String>,
    }
    let body = ctx.json_body().await?;
    let change: Change = input::typed(Value::Object(input::parse_object(&body, &["password", "current_password"])?))?;
    let password = change.password.ok_or_else(|| FieldError::new("password", "is required"))?;
    auth::validate_password(&password)?;
    let db = ctx.db()?;
    let user = accounts::user(&db, ctx.user_id()?).await?.ok_or(AppError::Unauthorized)?;
    if let Some(stored) = &user.password_hash {
        let current = change.current_password.ok_or_else(|| FieldError::new("current_password", "is required to change a password"))?;
        if !password::verify(&current, stored).await?.ok {
            return Err(FieldError::new("current_password", "does not match").into());
        }
    }
    let hash = password::hash(&password).await?;
    accounts::set_password(&db, user.id, &hash).await?;
    json(200, &UserView::from(user))
}

pub async fn list_users(ctx: Ctx) -> Result<Response, AppError> {
    let q = ctx.query(&["limit", "cursor"])?;
    let limit = q.limit()?;
    let rows = accounts::users(&ctx.db()?, q.id("cursor")?.unwrap_or(0), limit).await?;
    let next_cursor = next_cursor(&rows, limit, |r| r.id.to_string());
    json(200, &Page { items: rows.into_iter().map(UserView::from).collect(), next_cursor })
}

/// `POST /api/users` (admin): a user who can then log in with the password.
pub async fn create_user(mut ctx: Ctx) -> Result<Response, AppError> {
    #[derive(Deserialize)]
    struct NewUser {
        username: Option<String>,
        password: Option<String>,
        #[serde(default)]
        is_admin: bool,
    }
    let body = ctx.json_body().await?;
    let new: NewUser = input::typed(Value::Object(input::parse_object(&body, &["username", "password", "is_admin"])?))?;
    let username = new.username.ok_or_else(|| FieldError::new("username", "is required"))?;
    auth::validate_username(&username)?;
    let password = new.password.ok_or_else(|| FieldError::new("password", "is required"))?;
    auth::validate_password(&password)?;
    let hash = password::hash(&password).await?;
    let row = accounts::insert_user(&ctx.db()?, &username, &hash, new.is_admin, ctx.now).await?;
    let mut response = json(201, &UserView::from(row))?;
    let _ = response.headers_mut().set("location", "/api/users");
    Ok(response)
}
