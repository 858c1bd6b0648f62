//! The web dashboard's glue (DESIGN.md §10): sessions, the CSRF gate, HTML responses, static
//! assets, and the bridge that runs the JSON API's own handlers for every form.
//!
//! - Every `Access::Session` route passes [`authorize`] in `dispatch`: a valid session cookie,
//!   and for a POST a same-origin request whose form carries the session's CSRF token (checked
//!   in constant time) before any handler runs. A refused POST writes nothing.
//! - Forms post to dashboard routes, which build the JSON body the API takes (field names are
//!   the API's) and call the API handler itself through [`call`], as the session's user. So
//!   validation, tenant scoping and writes are the API's, and a form shows the API's error
//!   inline next to the field it names.
mod auth;
mod monitors;
mod notices;
mod settings;

pub use auth::{login, login_page, logout};
pub use monitors::{create_monitor, delete_confirm, delete_monitor, detail, edit_monitor, new_monitor, overview, pause, resume, run_now, update_monitor};
pub use notices::*;
pub use settings::*;

use std::future::Future;

use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{Headers, Method, Request, RequestInit, Response};

use super::Ctx;
use crate::bindings::DB;
use crate::core::auth as core_auth;
use crate::core::auth::Scopes;
use crate::core::dashboard::form::{csrf_ok, Form, FormState};
use crate::core::dashboard::html::{self as view, Chrome, Section, CSS, JS};
use crate::core::dashboard::session::{self, HEADERS};
use crate::core::input::FieldError;
use crate::error::{AppError, Context};
use crate::store::accounts::Principal;
use crate::store::sessions;

/// Largest form body read (an import file included); the API's own 64 KiB limit still applies.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// A logged-in browser: the session and, on a POST, its already CSRF-checked form.
#[derive(Debug, Clone)]
pub struct Browser {
    pub session_hash: String,
    pub csrf: String,
    pub username: String,
    pub is_admin: bool,
    pub form: Form,
}

impl Browser {
    pub fn chrome(&self, section: Section) -> Chrome<'_> {
        Chrome { username: &self.username, is_admin: self.is_admin, csrf: &self.csrf, section }
    }
}

impl Ctx {
    /// The session of a dashboard route (dispatch has checked it).
    pub fn browser(&self) -> Result<&Browser, AppError> {
        self.browser.as_ref().ok_or(AppError::Unauthorized)
    }
}

fn header(req: &Request, name: &str) -> String {
    req.headers().get(name).ok().flatten().unwrap_or_default()
}

/// Whether the answer may set a `Secure` cookie: everywhere but a local development host.
fn secure(req: &Request) -> bool {
    !session::is_local(&header(req, "host"))
}

/// A POST from another site is refused before anything else (CSRF defence in depth, and the
/// only check the login form needs: it has no session yet).
pub(crate) fn same_origin(req: &Request) -> bool {
    let origin = header(req, "origin");
    if origin.is_empty() {
        return true; // no Origin header (an older client): the CSRF token still decides
    }
    req.url().is_ok_and(|u| u.origin().ascii_serialization() == origin)
}

/// The gate of every `Access::Session` route: the session from the cookie, and on a POST the
/// form with its CSRF token checked. `Err` is the response to send instead (a redirect to the
/// login form, or a 403 page), and nothing has been written.
pub async fn authorize(req: &mut Request, env: &worker::Env, now: i64, method: &Method) -> Result<(Principal, Browser), Response> {
    let to_login = |req: &Request| {
        let next = req.url().map(|u| format!("{}{}", u.path(), u.query().map(|q| format!("?{q}")).unwrap_or_default())).unwrap_or_default();
        redirect(&format!("/app/login?next={}", view::query_value(session::safe_next(Some(&next)))))
    };
    let cookie = header(req, "cookie");
    let Some(secret) = session::cookie_value(&cookie) else { return Err(to_login(req)) };
    let hash = core_auth::token_hash(secret);
    let db = env.d1(DB).map_err(|_| error_response(AppError::Internal("D1 binding".into())))?;
    let row = match sessions::lookup(&db, &hash, now).await {
        Ok(Some(row)) => row,
        Ok(None) => return Err(to_login(req)),
        Err(e) => return Err(error_response(e)),
    };
    let mut browser = Browser { session_hash: hash, csrf: row.csrf_token, username: row.username, is_admin: row.is_admin != 0, form: Form::default() };
    if *method == Method::Post {
        if !same_origin(req) {
            return Err(forbidden());
        }
        browser.form = match read_form(req).await {
            Ok(f) => f,
            Err(e) => return Err(error_response(e)),
        };
        if !csrf_ok(&browser.form, &browser.csrf) {
            worker::console_warn!("dashboard: a POST to {} without the session's CSRF token was refused", req.path());
            return Err(forbidden());
        }
    }
    let principal = Principal { user_id: row.user_id, is_admin: browser.is_admin, scopes: Scopes::ALL };
    Ok((principal, browser))
}

/// Names a multipart form may carry (only the import form is multipart).
const MULTIPART_FIELDS: &[&str] = &["csrf", "file", "rename_taken_slugs"];

pub(crate) async fn read_form(req: &mut Request) -> Result<Form, AppError> {
    let content_type = header(req, "content-type").to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let data = req.form_data().await.map_err(|_| FieldError::body("the form could not be read"))?;
        let mut pairs = Vec::new();
        let mut size = 0;
        for name in MULTIPART_FIELDS {
            for entry in data.get_all(name).unwrap_or_default() {
                let text = match entry {
                    worker::FormEntry::Field(v) => v,
                    worker::FormEntry::File(f) => {
                        let bytes = f.bytes().await.context("reading an uploaded file")?;
                        String::from_utf8(bytes).map_err(|_| FieldError::new(name, "must be a UTF-8 text file"))?
                    }
                };
                size += text.len();
                pairs.push((name.to_string(), text));
            }
        }
        if size > MAX_FORM_BYTES {
            return Err(AppError::TooLarge(MAX_FORM_BYTES));
        }
        return Ok(Form(pairs));
    }
    let bytes = req.bytes().await.map_err(|_| FieldError::body("the form could not be read"))?;
    if bytes.len() > MAX_FORM_BYTES {
        return Err(AppError::TooLarge(MAX_FORM_BYTES));
    }
    Ok(Form::parse_urlencoded(&bytes))
}

fn with_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    for (k, v) in HEADERS {
        let _ = h.set(k, v);
    }
    r
}

/// An HTML page with the dashboard's security headers.
pub fn html(status: u16, body: String) -> Result<Response, AppError> {
    Ok(with_headers(Response::from_html(body).context("HTML response")?.with_status(status)))
}

/// 303 See Other: after a POST, the browser GETs the result (no resubmission on reload).
pub fn redirect(location: &str) -> Response {
    let mut r = Response::builder().with_status(303).fixed(Vec::new());
    let _ = r.headers_mut().set("location", location);
    with_headers(r)
}

fn forbidden() -> Response {
    let body = view::bare_page("Refused", |h| {
        h.r("<h1>This form was refused</h1><p>It did not carry this session's security token (an old tab, or a form from another site). Nothing was changed.</p><p><a href=/app>Back to the dashboard</a></p>");
    });
    html(403, body).unwrap_or_else(AppError::into_response)
}

/// Errors of dashboard routes as pages, not problem+json: another user's id is the same 404
/// page as a missing one.
pub fn error_response(e: AppError) -> Response {
    let status = e.status();
    if let AppError::Internal(detail) = &e {
        worker::console_error!("dashboard internal error: {detail}");
    }
    let (title, text) = match &e {
        AppError::NotFound(_) => ("Not found", "There is nothing here, or it is not yours.".to_string()),
        AppError::Invalid(f) | AppError::Conflict(f) => ("Not saved", f.to_string()),
        AppError::Forbidden(why) => ("Not allowed", why.clone()),
        AppError::TooLarge(max) => ("Too large", format!("The form is larger than {max} bytes.")),
        AppError::Internal(_) => ("Something went wrong", "It has been logged. Try again in a moment.".to_string()),
        _ => ("Error", "That did not work.".to_string()),
    };
    let body = view::bare_page(title, |h| {
        h.r("<h1>").t(title).r("</h1><p>").t(&text).r("</p><p><a href=/app>Back to the dashboard</a></p>");
    });
    html(status, body).unwrap_or_else(|_| e.into_response())
}

/// The query string's pairs (dashboard pages ignore what they do not know).
pub fn query(ctx: &Ctx) -> Vec<(String, String)> {
    ctx.req.url().map(|u| u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()).unwrap_or_default()
}

pub fn query_get<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// The fixed notice a redirect asked for (`?done=saved`).
pub fn notice(q: &[(String, String)]) -> Option<&'static str> {
    Some(match query_get(q, "done")? {
        "created" => "Created.",
        "saved" => "Saved.",
        "deleted" => "Deleted.",
        "posted" => "Posted: it is on the status page.",
        "paused" => "Paused: no scheduled checks until you resume it.",
        "resumed" => "Resumed: it is checked on the next tick.",
        "queued" => "A check is on its way; reload in a few seconds to see it.",
        "revoked" => "Revoked: the token no longer works.",
        "test" => "A test event is on its way; its attempts show below.",
        "password" => "Password changed. Your other sessions were logged out.",
        "out" => "You are logged out.",
        _ => return None,
    })
}

/// Runs one of the JSON API's handlers in-process as the session's user, with `body` as its
/// JSON request body: the API's validation, scoping and writes, without a second copy of any.
pub async fn call<F, Fut>(ctx: &Ctx, handler: F, method: Method, path: &str, params: Vec<(&'static str, String)>, body: Option<Value>) -> Result<Response, AppError>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = Result<Response, AppError>>,
{
    let headers = Headers::new();
    headers.set("content-type", "application/json").context("request headers")?;
    let mut init = RequestInit::new();
    init.with_method(method).with_headers(headers);
    if let Some(body) = body {
        init.with_body(Some(JsValue::from_str(&body.to_string())));
    }
    let origin = ctx.req.url().context("request URL")?.origin().ascii_serialization();
    let req = Request::new_with_init(&format!("{origin}{path}"), &init).context("building the API request")?;
    let api_path = path.split('?').next().unwrap_or(path).to_string();
    let inner = Ctx { req, env: ctx.env.clone(), config: ctx.config.clone(), params, now: ctx.now, principal: ctx.principal, browser: None, path: api_path };
    handler(inner).await
}

/// The JSON body of an API answer (`null` for an empty one).
pub async fn body_of(mut r: Response) -> Result<Value, AppError> {
    let text = r.text().await.context("reading an API answer")?;
    if text.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("API answer is not JSON: {e}")))
}

/// A form's answer: the API's field error becomes the form again with the input kept and the
/// error inline (400); anything else is passed on.
pub fn refused(e: AppError, form: &Form) -> Result<FormState, AppError> {
    match e {
        AppError::Invalid(f) | AppError::Conflict(f) => Ok(FormState::from_form(form, f)),
        other => Err(other),
    }
}

/// `GET /app/static/:file`: the stylesheet and script, cached for a year (their URLs carry a
/// fingerprint of the content).
pub async fn asset(ctx: Ctx) -> Result<Response, AppError> {
    let (body, content_type) = match ctx.param("file") {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        other => return Err(AppError::NotFound(format!("asset {other}"))),
    };
    let mut r = Response::ok(body).context("asset")?;
    let h = r.headers_mut();
    let _ = h.set("content-type", content_type);
    let _ = h.set("cache-control", "public, max-age=31536000, immutable");
    let _ = h.set("x-content-type-options", "nosniff");
    Ok(r)
}

pub(crate) fn set_cookie(r: &mut Response, cookie: &str) {
    let _ = r.headers_mut().append("set-cookie", cookie);
}

pub(crate) fn is_secure(req: &Request) -> bool {
    secure(req)
}
