//! The one route table, and the request context handlers get. Every handler returns
//! `Result<Response, AppError>`; errors become problem+json in `AppError::into_response` only.
mod accounts;
mod api;
pub mod dashboard;
mod domains;
mod endpoints;
mod meta;
mod notices;
mod ping;
mod projects;
mod seed000;
mod status_page;
pub(crate) mod subscribers;
mod transfer;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use serde::Serialize;
use worker::{D1Database, Env, Method, Request, Response};

use crate::bindings::{Config, DB};
use crate::clock;
use crate::core::auth::{self, Scope, Scopes};
use crate::core::input::{body_type, utf8_body, BodyType, FieldError, MAX_BODY_BYTES};
use crate::core::time::{parse_iso, EpochMs};
use crate::error::{AppError, Context};
use crate::store::accounts::{Principal, ADMIN_USER_ID};

type Handler = fn(Ctx) -> LocalBoxFuture<'static, Result<Response, AppError>>;

/// Who may call a route. Everything but `Public` needs `Authorization: Bearer <token>` (or
/// `Token <token>`); the token's scopes decide the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any valid token (`read` scope).
    Read,
    /// A token with the `write` scope.
    Write,
    /// A `write` token of an admin user (ADMIN_TOKEN is one).
    Admin,
    /// A dashboard session cookie (never a token); a POST also needs the session's CSRF token
    /// (DESIGN.md §10). Answers are HTML pages, and failures redirect to the login form.
    Session,
}

pub struct Route {
    pub method: Method,
    /// matchit-style: literal segments and `:name` parameters.
    pub path: &'static str,
    pub access: Access,
    pub handler: Handler,
}

macro_rules! route {
    ($method:ident $path:literal $access:ident => $handler:path) => {
        Route { method: Method::$method, path: $path, access: Access::$access, handler: |ctx| $handler(ctx).boxed_local() }
    };
}

/// Every route vigil answers. The first match wins, so fixed paths come before parameters.
/// `/openapi.json` documents each of these (a test fails when one is missing).
pub static ROUTES: &[Route] = &[
    route!(Get "/" Public => meta::overview),
    route!(Get "/health" Public => meta::health),
    route!(Get "/openapi.json" Public => meta::openapi),
    // Accounts
    route!(Post "/api/auth/token" Public => accounts::login),
    route!(Get "/api/me" Read => accounts::me),
    route!(Patch "/api/me" Write => accounts::patch_me),
    route!(Get "/api/tokens" Read => accounts::list_tokens),
    route!(Post "/api/tokens" Write => accounts::create_token),
    route!(Delete "/api/tokens/:id" Write => accounts::revoke_token),
    route!(Get "/api/users" Admin => accounts::list_users),
    route!(Post "/api/users" Admin => accounts::create_user),
    // Projects and what is in them
    route!(Get "/api/dashboard/summary" Read => projects::summary),
    route!(Get "/api/projects" Read => projects::list),
    route!(Post "/api/projects" Write => projects::create),
    route!(Get "/api/projects/:id" Read => projects::get),
    route!(Patch "/api/projects/:id" Write => projects::patch),
    route!(Delete "/api/projects/:id" Write => projects::delete),
    route!(Get "/api/monitors" Read => api::list_monitors),
    route!(Post "/api/monitors" Write => api::create_monitor),
    route!(Get "/api/monitors/:id" Read => api::get_monitor),
    route!(Patch "/api/monitors/:id" Write => api::patch_monitor),
    route!(Delete "/api/monitors/:id" Write => api::delete_monitor),
    route!(Post "/api/monitors/:id/run" Write => api::run_monitor),
    route!(Get "/api/checks" Read => api::list_checks),
    route!(Get "/api/incidents" Read => api::list_incidents),
    // What operators say on the status page (DESIGN.md §9).
    route!(Get "/api/incidents/:id/updates" Read => notices::incident_updates),
    route!(Post "/api/incidents/:id/updates" Write => notices::post_incident_update),
    route!(Patch "/api/incident-updates/:id" Write => notices::patch_update),
    route!(Delete "/api/incident-updates/:id" Write => notices::delete_update),
    route!(Get "/api/projects/:id/notices" Read => notices::list_notices),
    route!(Post "/api/projects/:id/notices" Write => notices::create_notice),
    route!(Get "/api/notices/:id" Read => notices::get_notice),
    route!(Patch "/api/notices/:id" Write => notices::patch_notice),
    route!(Delete "/api/notices/:id" Write => notices::delete_notice),
    route!(Get "/api/notices/:id/updates" Read => notices::notice_updates),
    route!(Post "/api/notices/:id/updates" Write => notices::post_notice_update),
    route!(Get "/api/maintenance-windows" Read => projects::list_maintenance),
    route!(Post "/api/maintenance-windows" Write => projects::create_maintenance),
    route!(Delete "/api/maintenance-windows/:id" Write => projects::delete_maintenance),
    // Status page subscribers (the public form and its links are below, with the pages)
    route!(Get "/api/projects/:id/subscribers" Read => subscribers::list),
    route!(Get "/api/projects/:id/subscriber-deliveries" Read => subscribers::deliveries),
    route!(Delete "/api/subscribers/:id" Write => subscribers::remove),
    // Notification endpoints and alert delivery
    route!(Get "/api/notification-endpoints" Read => endpoints::list),
    route!(Post "/api/notification-endpoints" Write => endpoints::create),
    route!(Get "/api/notification-endpoints/:id" Read => endpoints::get),
    route!(Patch "/api/notification-endpoints/:id" Write => endpoints::patch),
    route!(Delete "/api/notification-endpoints/:id" Write => endpoints::delete),
    route!(Post "/api/notification-endpoints/:id/test" Write => endpoints::test),
    route!(Get "/api/notification-endpoints/:id/deliveries" Read => endpoints::deliveries),
    route!(Get "/api/export" Read => transfer::export),
    route!(Post "/api/import" Write => transfer::import),
    // Seed 000's API, in its `{category, data, message}` envelope.
    route!(Post "/status" Write => seed000::create_targets),
    route!(Get "/status" Read => seed000::latest_status),
    route!(Get "/status/queue" Read => seed000::queue_status),
    route!(Post "/status/queue" Admin => seed000::set_queue),
    route!(Get "/emails" Write => endpoints::send_pending_emails),
    // Test hook (VIGIL_TEST_HOOKS=true only; 404 otherwise, and not in the OpenAPI document).
    route!(Post "/__test/check-jobs" Write => api::enqueue_raw_jobs),
    route!(Post "/__test/faults" Write => api::arm_faults),
    route!(Post "/__test/clock" Write => api::advance_clock),
    route!(Post "/__test/alert-events" Write => endpoints::enqueue_raw_events),
    // Heartbeat monitors' pings (public: the token is the credential). HEAD is served as GET.
    route!(Get "/ping/:token" Public => ping::success),
    route!(Post "/ping/:token" Public => ping::success),
    route!(Get "/ping/:token/:signal" Public => ping::signal),
    route!(Post "/ping/:token/:signal" Public => ping::signal),
    // Public pages. `feed.atom` is listed before `:monitor`: the first match wins.
    route!(Get "/status/:slug" Public => status_page::project_page),
    route!(Get "/status/:slug/feed.atom" Public => status_page::feed),
    route!(Post "/status/:slug/subscribe" Public => subscribers::subscribe),
    route!(Get "/status/:slug/confirm" Public => subscribers::confirm_page),
    route!(Post "/status/:slug/confirm" Public => subscribers::confirm),
    route!(Get "/status/:slug/unsubscribe" Public => subscribers::unsubscribe_page),
    route!(Post "/status/:slug/unsubscribe" Public => subscribers::unsubscribe),
    route!(Get "/status/:slug/:monitor" Public => status_page::monitor_page),
    route!(Get "/badge/:slug/:monitor" Public => status_page::badge),
    route!(Get "/assets/local-time.js" Public => status_page::local_time_js),
    // The web dashboard (HTML for people; its forms run the API handlers above). Fixed paths
    // before parameters: `/app/monitors/new` before `/app/monitors/:id`.
    route!(Get "/app/static/:file" Public => dashboard::asset),
    route!(Get "/app/login" Public => dashboard::login_page),
    route!(Post "/app/login" Public => dashboard::login),
    route!(Post "/app/logout" Session => dashboard::logout),
    route!(Get "/app" Session => dashboard::overview),
    route!(Get "/app/monitors/new" Session => dashboard::new_monitor),
    route!(Post "/app/monitors" Session => dashboard::create_monitor),
    route!(Get "/app/monitors/:id" Session => dashboard::detail),
    route!(Post "/app/monitors/:id" Session => dashboard::update_monitor),
    route!(Get "/app/monitors/:id/edit" Session => dashboard::edit_monitor),
    route!(Post "/app/monitors/:id/run" Session => dashboard::run_now),
    route!(Post "/app/monitors/:id/pause" Session => dashboard::pause),
    route!(Post "/app/monitors/:id/resume" Session => dashboard::resume),
    route!(Get "/app/monitors/:id/delete" Session => dashboard::delete_confirm),
    route!(Post "/app/monitors/:id/delete" Session => dashboard::delete_monitor),
    route!(Get "/app/projects" Session => dashboard::projects_list),
    route!(Post "/app/projects" Session => dashboard::project_create),
    route!(Get "/app/projects/:id" Session => dashboard::project_edit),
    route!(Post "/app/projects/:id" Session => dashboard::project_update),
    route!(Get "/app/projects/:id/subscribers" Session => dashboard::subscribers_list),
    route!(Post "/app/subscribers/:id/delete" Session => dashboard::subscriber_delete),
    route!(Get "/app/endpoints" Session => dashboard::endpoints_list),
    route!(Get "/app/endpoints/new" Session => dashboard::endpoint_new),
    route!(Post "/app/endpoints" Session => dashboard::endpoint_create),
    route!(Get "/app/endpoints/:id" Session => dashboard::endpoint_detail),
    route!(Post "/app/endpoints/:id" Session => dashboard::endpoint_update),
    route!(Post "/app/endpoints/:id/test" Session => dashboard::endpoint_test),
    route!(Post "/app/endpoints/:id/rotate" Session => dashboard::endpoint_rotate),
    route!(Post "/app/endpoints/:id/delete" Session => dashboard::endpoint_delete),
    route!(Get "/app/maintenance" Session => dashboard::maintenance_list),
    route!(Post "/app/maintenance" Session => dashboard::maintenance_create),
    route!(Post "/app/maintenance/:id/delete" Session => dashboard::maintenance_delete),
    route!(Get "/app/incidents/:id" Session => dashboard::incident),
    route!(Post "/app/incidents/:id/updates" Session => dashboard::incident_post),
    route!(Get "/app/updates/:id/edit" Session => dashboard::update_edit),
    route!(Post "/app/updates/:id" Session => dashboard::update_save),
    route!(Post "/app/updates/:id/delete" Session => dashboard::update_delete),
    route!(Get "/app/notices" Session => dashboard::notices),
    route!(Post "/app/notices" Session => dashboard::notice_create),
    route!(Get "/app/notices/:id" Session => dashboard::notice_detail),
    route!(Post "/app/notices/:id" Session => dashboard::notice_rename),
    route!(Post "/app/notices/:id/updates" Session => dashboard::notice_post),
    route!(Post "/app/notices/:id/delete" Session => dashboard::notice_delete),
    route!(Get "/app/tokens" Session => dashboard::tokens_list),
    route!(Post "/app/tokens" Session => dashboard::token_create),
    route!(Post "/app/tokens/:id/revoke" Session => dashboard::token_revoke),
    route!(Get "/app/data" Session => dashboard::data),
    route!(Get "/app/export" Session => dashboard::export),
    route!(Post "/app/import" Session => dashboard::import),
    route!(Get "/app/account" Session => dashboard::account),
    route!(Post "/app/account/password" Session => dashboard::change_password),
    route!(Get "/app/users" Session => dashboard::users),
    route!(Post "/app/users" Session => dashboard::user_create),
];

/// Matches `path` against a pattern; returns the `:name` parameters.
fn match_path(pattern: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let wanted: Vec<&'static str> = pattern.trim_end_matches('/').split('/').collect();
    let given: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if wanted.len() != given.len() {
        return None;
    }
    let mut params = Vec::new();
    for (w, g) in wanted.into_iter().zip(given) {
        match w.strip_prefix(':') {
            Some(name) if !g.is_empty() => params.push((name, g.to_string())),
            Some(_) => return None,
            None if w != g => return None,
            None => {}
        }
    }
    Some(params)
}

pub async fn dispatch(mut req: Request, env: Env) -> Response {
    // A project's custom domain serves its status page at `/` (DESIGN.md §9).
    let path = match domains::routed_path(&req, &env, req.path(), clock::now_ms()).await {
        Ok(path) => path,
        Err(e) => return e.into_response(),
    };
    // worker maps methods it does not know (QUERY, PROPFIND, ...) to GET; answer those 405
    // instead of serving them as reads.
    if !KNOWN_METHODS.contains(&req.inner().method().to_ascii_uppercase().as_str()) {
        let allowed: Vec<&'static str> = ROUTES.iter().filter(|r| match_path(r.path, &path).is_some()).map(|r| method_name(&r.method)).collect();
        return if allowed.is_empty() { AppError::NotFound(format!("route {path}")) } else { AppError::MethodNotAllowed(allowed) }.into_response();
    }
    // HEAD is GET without a body (the runtime drops it), so status checkers and curl -I work.
    let method = match req.method() {
        Method::Head => Method::Get,
        m => m,
    };
    let mut allowed = Vec::new();
    for route in ROUTES {
        let Some(params) = match_path(route.path, &path) else { continue };
        if route.method != method {
            allowed.push(method_name(&route.method));
            continue;
        }
        let config = Config::from_env(&env);
        let now = clock::now_ms();
        let mut browser = None;
        let principal = match route.access {
            Access::Public => None,
            Access::Session => match dashboard::authorize(&mut req, &env, now, &method).await {
                Ok((p, b)) => {
                    browser = Some(b);
                    Some(p)
                }
                Err(response) => return response,
            },
            access => match authenticate(&req, &env, &config, now).await.and_then(|p| permit(p, access)) {
                Ok(p) => Some(p),
                Err(e) => return e.into_response(),
            },
        };
        // Dashboard routes answer errors as pages; everything else as problem+json.
        let page_errors = route.path.starts_with("/app");
        let ctx = Ctx { req, env, config, params, now, principal, browser, path };
        return (route.handler)(ctx).await.unwrap_or_else(|e| if page_errors { dashboard::error_response(e) } else { e.into_response() });
    }
    if allowed.is_empty() {
        AppError::NotFound(format!("route {path}")).into_response()
    } else {
        AppError::MethodNotAllowed(allowed).into_response()
    }
}

const KNOWN_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];

fn method_name(m: &Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Patch => "PATCH",
        Method::Put => "PUT",
        Method::Delete => "DELETE",
        _ => "OTHER",
    }
}

/// The caller behind the `Authorization` header. The ADMIN_TOKEN secret (compared in constant
/// time) is the built-in admin; any other secret is looked up by its SHA-256.
async fn authenticate(req: &Request, env: &Env, config: &Config, now: EpochMs) -> Result<Principal, AppError> {
    let header = req.headers().get("authorization").ok().flatten().unwrap_or_default();
    let secret = auth::bearer(&header).ok_or(AppError::Unauthorized)?;
    if let Some(admin) = &config.admin_token {
        if auth::secrets_equal(secret.as_bytes(), admin.as_bytes()) {
            return Ok(Principal { user_id: ADMIN_USER_ID, is_admin: true, scopes: Scopes::ALL });
        }
    }
    if !secret.starts_with(auth::TOKEN_PREFIX) {
        return Err(AppError::Unauthorized);
    }
    let db = env.d1(DB).context("D1 binding")?;
    crate::store::accounts::authenticate(&db, &auth::token_hash(secret), now).await?.ok_or(AppError::Unauthorized)
}

/// Whether an authenticated caller may use a route of this access level.
fn permit(p: Principal, access: Access) -> Result<Principal, AppError> {
    match access {
        Access::Public | Access::Read => Ok(p),
        Access::Write if p.scopes.allows(Scope::Write) => Ok(p),
        Access::Write => Err(AppError::Forbidden("this token has the read scope only; this route needs write".into())),
        Access::Admin if p.is_admin && p.scopes.allows(Scope::Write) => Ok(p),
        Access::Admin => Err(AppError::Forbidden("only an admin's write token may use this route".into())),
        // Sessions are checked by dashboard::authorize, never by a token.
        Access::Session => Err(AppError::Unauthorized),
    }
}

/// What a handler gets: the request, the platform, config, path parameters and the time.
pub struct Ctx {
    pub req: Request,
    pub env: Env,
    pub config: Config,
    pub params: Vec<(&'static str, String)>,
    pub now: EpochMs,
    /// The authenticated caller; `None` on public routes.
    pub principal: Option<Principal>,
    /// A dashboard session (and its CSRF-checked form), on `Access::Session` routes only.
    pub browser: Option<dashboard::Browser>,
    /// The path the route table matched: the request's, or on a custom domain the page's
    /// (`/` -> `/status/{slug}`). The status page's cache key is built from it.
    pub path: String,
}

impl Ctx {
    pub fn db(&self) -> Result<D1Database, AppError> {
        self.env.d1(DB).context("D1 binding")
    }

    /// The `/__test/` routes exist only with `VIGIL_TEST_HOOKS=true`: otherwise they are a 404,
    /// as any unknown route (and are not in the OpenAPI document).
    pub fn test_hooks_only(&self) -> Result<(), AppError> {
        if self.config.test_hooks {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("route {}", self.path)))
        }
    }

    /// The caller's user id. Only authenticated routes call this; dispatch has checked it.
    pub fn user_id(&self) -> Result<i64, AppError> {
        self.principal.map(|p| p.user_id).ok_or(AppError::Unauthorized)
    }

    /// A path parameter (`""` when the route has none of that name).
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// A numeric id from the path; anything else is simply not found.
    pub fn id(&self, name: &str) -> Result<i64, AppError> {
        let raw = self.param(name);
        raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| AppError::NotFound(format!("{name} {raw}")))
    }

    /// The body as text, in one of the `accepted` formats (which one the `Content-Type` names).
    /// Every body the API reads comes through here: the media type is parsed (415 unless it
    /// is one of `accepted`), the size capped (413), and the bytes must be UTF-8 (400).
    pub async fn body(&mut self, accepted: &[BodyType]) -> Result<(BodyType, String), AppError> {
        let content_type = self.req.headers().get("content-type").ok().flatten().unwrap_or_default();
        let kind = body_type(&content_type, accepted)
            .ok_or_else(|| AppError::UnsupportedMediaType(accepted.iter().map(|t| t.essence()).collect()))?;
        let bytes = self.req.bytes().await.map_err(|_| AppError::Invalid(FieldError::body("request body could not be read")))?;
        if bytes.len() > MAX_BODY_BYTES {
            return Err(AppError::TooLarge(MAX_BODY_BYTES));
        }
        Ok((kind, utf8_body(bytes)?))
    }

    /// A JSON body as text (see [`Ctx::body`]).
    pub async fn json_body(&mut self) -> Result<String, AppError> {
        Ok(self.body(&[BodyType::Json]).await?.1)
    }

    pub fn query(&self, allowed: &[&str]) -> Result<Query, AppError> {
        let url = self.req.url().context("request URL")?;
        let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if let Some((unknown, _)) = pairs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
            return Err(FieldError::new(unknown, format!("unknown query parameter (allowed: {})", allowed.join(", "))).into());
        }
        Ok(Query(pairs))
    }
}

/// Query parameters, validated one by one with the parameter named in every error.
pub struct Query(Vec<(String, String)>);

pub const PAGE_DEFAULT: u32 = 50;
pub const PAGE_MAX: u32 = 200;

impl Query {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn id(&self, name: &str) -> Result<Option<i64>, AppError> {
        self.text(name)
            .map(|v| v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| FieldError::new(name, "must be a positive integer id").into()))
            .transpose()
    }

    pub fn limit(&self) -> Result<u32, AppError> {
        match self.text("limit") {
            None => Ok(PAGE_DEFAULT),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=PAGE_MAX).contains(n))
                .ok_or_else(|| FieldError::new("limit", format!("must be between 1 and {PAGE_MAX}")).into()),
        }
    }

    /// An RFC 3339 time, as epoch milliseconds (DESIGN.md §2).
    pub fn time(&self, name: &str) -> Result<Option<EpochMs>, AppError> {
        self.text(name)
            .map(|v| parse_iso(v).ok_or_else(|| FieldError::new(name, "must be an RFC 3339 time like 2026-11-21T05:25:00Z").into()))
            .transpose()
    }
}

/// 404 for the first of `wanted` that is not in `owned`: what a route answers for an id of
/// another tenant's, whichever list it came in (the test hooks take lists of ids).
pub fn require_owned(wanted: &[i64], owned: &[i64], what: &str) -> Result<(), AppError> {
    match wanted.iter().find(|id| !owned.contains(id)) {
        Some(id) => Err(AppError::NotFound(format!("{what} {id}"))),
        None => Ok(()),
    }
}

/// A JSON response with a status.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response, AppError> {
    Ok(Response::from_json(body).context("encoding JSON")?.with_status(status))
}

/// The cursor of the page after `rows`: the last row's key when the page is full (a shorter
/// page is the last one).
pub fn next_cursor<R>(rows: &[R], limit: u32, key: impl Fn(&R) -> String) -> Option<String> {
    (rows.len() == limit as usize).then(|| rows.last().map(key)).flatten()
}

/// A list page: `{items, next_cursor}` (DESIGN.md §7).
#[derive(Serialize)]
pub struct Page<T: Serialize> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_patterns() {
        assert_eq!(match_path("/api/monitors", "/api/monitors"), Some(vec![]));
        assert_eq!(match_path("/api/monitors", "/api/monitors/"), Some(vec![]));
        assert_eq!(match_path("/api/monitors/:id", "/api/monitors/42"), Some(vec![("id", "42".to_string())]));
        assert_eq!(match_path("/api/monitors/:id/run", "/api/monitors/42/run"), Some(vec![("id", "42".to_string())]));
        assert_eq!(match_path("/api/monitors/:id", "/api/monitors"), None);
        assert_eq!(match_path("/api/monitors/:id", "/api/monitors/42/run"), None);
        assert_eq!(match_path("/", "/"), Some(vec![]));
        assert_eq!(match_path("/health", "/"), None);
    }

    #[test]
    fn access_levels() {
        let p = |is_admin, scopes| Principal { user_id: 2, is_admin, scopes };
        let cases = [
            (p(false, Scopes::READ), Access::Read, 200),
            (p(false, Scopes::READ), Access::Write, 403),
            (p(false, Scopes::READ), Access::Admin, 403),
            (p(false, Scopes::ALL), Access::Write, 200),
            (p(false, Scopes::ALL), Access::Admin, 403),
            (p(true, Scopes::READ), Access::Admin, 403),
            (p(true, Scopes::ALL), Access::Admin, 200),
        ];
        for (principal, access, want) in cases {
            let got = permit(principal, access).map(|_| 200).unwrap_or_else(|e| e.status());
            assert_eq!(got, want, "{principal:?} {access:?}");
        }
    }

    #[test]
    fn route_table_has_no_duplicates() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.path == b.path && a.method == b.method), "duplicate route {}", a.path);
            }
        }
    }
}
