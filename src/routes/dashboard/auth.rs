//! Logging in and out of the dashboard (DESIGN.md §10). The password check is the API login's
//! own (`accounts::check_password`): the same per-username throttle and one KDF run per try.
use worker::Response;

use super::super::accounts::check_password;
use super::super::Ctx;
use super::{html, is_secure, query, query_get, read_form, redirect, same_origin, set_cookie};
use crate::core::auth as core_auth;
use crate::core::dashboard::html::{bare_page, field, Field, Input};
use crate::core::dashboard::form::FormState;
use crate::core::dashboard::session;
use crate::entropy;
use crate::error::AppError;
use crate::store::sessions;

fn login_html(state: &FormState, next: &str, error: Option<&str>, notice: Option<&'static str>) -> String {
    bare_page("Log in", |h| {
        h.r("<h1>vigil</h1>");
        super::view::notice(h, notice);
        if let Some(e) = error {
            h.r("<div class=\"note bad\" role=alert>").t(e).r("</div>");
        }
        h.r("<form method=post action=/app/login class=\"card form\"><input type=hidden name=next value=\"").t(next).r("\">");
        field(h, state, Field::new("username", "Username", Input::Text).required());
        field(h, state, Field::new("password", "Password", Input::Password).required());
        h.r("<button class=\"btn primary\">Log in</button></form><p class=mut>No account? An admin creates users (README, “First run”).</p>");
    })
}

/// `GET /app/login`.
pub async fn login_page(ctx: Ctx) -> Result<Response, AppError> {
    let q = query(&ctx);
    let next = session::safe_next(query_get(&q, "next"));
    html(200, login_html(&FormState::default(), next, None, super::notice(&q)))
}

/// `POST /app/login {username, password, next}`: a session cookie and a redirect, or the form
/// again with one message for every failure (it does not say which part was wrong).
pub async fn login(mut ctx: Ctx) -> Result<Response, AppError> {
    if !same_origin(&ctx.req) {
        return Err(AppError::Forbidden("a login form from another site".into()));
    }
    let form = read_form(&mut ctx.req).await?;
    let username = form.get("username").unwrap_or("").trim().to_string();
    let password = form.get("password").unwrap_or("").to_string();
    let next = session::safe_next(form.get("next")).to_string();
    let mut state = FormState::default();
    state.set("username", username.clone());
    let user = match check_password(&ctx, &username, &password).await {
        Ok(user) => user,
        Err(AppError::TooManyRequests(after)) => {
            let text = format!("Too many failed logins for this username. Try again in {} minutes.", after.div_ceil(60));
            let mut r = html(429, login_html(&state, &next, Some(&text), None))?;
            let _ = r.headers_mut().set("retry-after", &after.to_string());
            return Ok(r);
        }
        Err(AppError::Unauthorized | AppError::Invalid(_)) => {
            return html(401, login_html(&state, &next, Some("Wrong username or password."), None));
        }
        Err(e) => return Err(e),
    };
    let (secret, csrf) = session::new_secrets(&entropy::bytes::<64>()?);
    let db = ctx.db()?;
    sessions::create(&db, &core_auth::token_hash(&secret), user.id, &csrf, ctx.now, ctx.now + session::TTL_MS).await?;
    let mut r = redirect(&next);
    set_cookie(&mut r, &session::set_cookie(&secret, is_secure(&ctx.req)));
    Ok(r)
}

/// `POST /app/logout`: the session row is deleted, so the cookie is worthless even if kept.
pub async fn logout(ctx: Ctx) -> Result<Response, AppError> {
    let browser = ctx.browser()?;
    sessions::delete(&ctx.db()?, &browser.session_hash).await?;
    let mut r = redirect("/app/login?done=out");
    set_cookie(&mut r, &session::clear_cookie(is_secure(&ctx.req)));
    Ok(r)
}
