//! The one route table, and the request context handlers get. Every handler returns
//! `Result<Response, AppError>`; errors become problem+json in `AppError::into_response` only.
mod api;
mod endpoints;
mod meta;
mod status_page;

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use serde::Serialize;
use worker::{D1Database, Env, Method, Request, Response};

use crate::bindings::{Config, DB};
use crate::clock;
use crate::core::input::FieldError;
use crate::core::time::{parse_iso, EpochMs};
use crate::error::{AppError, Context};

type Handler = fn(Ctx) -> LocalBoxFuture<'static, Result<Response, AppError>>;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// `Authorization: Bearer <token>` (or `Token <token>`).
    Token,
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

/// Every route vigil answers.
pub static ROUTES: &[Route] = &[
    route!(Get "/" Public => meta::overview),
    route!(Get "/health" Public => meta::health),
    route!(Get "/api/monitors" Token => api::list_monitors),
    route!(Post "/api/monitors" Token => api::create_monitor),
    route!(Get "/api/monitors/:id" Token => api::get_monitor),
    route!(Patch "/api/monitors/:id" Token => api::patch_monitor),
    route!(Delete "/api/monitors/:id" Token => api::delete_monitor),
    route!(Post "/api/monitors/:id/run" Token => api::run_monitor),
    route!(Get "/api/checks" Token => api::list_checks),
    route!(Get "/api/incidents" Token => api::list_incidents),
    route!(Post "/__test/check-jobs" Token => api::enqueue_raw_jobs),
    // TODO(accounts merge): Read for GETs, Write for the rest, scoped to the caller's projects.
    route!(Get "/api/notification-endpoints" Token => endpoints::list),
    route!(Post "/api/notification-endpoints" Token => endpoints::create),
    route!(Get "/api/notification-endpoints/:id" Token => endpoints::get),
    route!(Patch "/api/notification-endpoints/:id" Token => endpoints::patch),
    route!(Delete "/api/notification-endpoints/:id" Token => endpoints::delete),
    route!(Post "/api/notification-endpoints/:id/test" Token => endpoints::test),
    route!(Get "/api/notification-endpoints/:id/deliveries" Token => endpoints::deliveries),
    route!(Get "/emails" Token => endpoints::send_pending_emails),
    route!(Post "/__test/alert-events" Token => endpoints::enqueue_raw_events),
    // Public pages. `feed.atom` is listed before `:monitor`: the first match wins.
    route!(Get "/status/:slug" Public => status_page::project_page),
    route!(Get "/status/:slug/feed.atom" Public => status_page::feed),
    route!(Get "/status/:slug/:monitor" Public => status_page::monitor_page),
    route!(Get "/badge/:slug/:monitor" Public => status_page::badge),
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

pub async fn dispatch(req: Request, env: Env) -> Response {
    let path = req.path();
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
        if route.access == Access::Token && !authorized(&req, &config) {
            return AppError::Unauthorized.into_response();
        }
        let ctx = Ctx { req, env, config, params, now: clock::now_ms() };
        return (route.handler)(ctx).await.unwrap_or_else(AppError::into_response);
    }
    if allowed.is_empty() {
        AppError::NotFound(format!("route {path}")).into_response()
    } else {
        AppError::MethodNotAllowed(allowed).into_response()
    }
}

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

/// The bearer token, compared in constant time with the configured admin token.
fn authorized(req: &Request, config: &Config) -> bool {
    let Some(expected) = &config.admin_token else { return false };
    let header = req.headers().get("authorization").ok().flatten().unwrap_or_default();
    let given = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("Token ")).unwrap_or("").trim();
    constant_time_eq(given.as_bytes(), expected.as_bytes())
}

/// Equal-length inputs take the same time whatever their content, so response timing does
/// not reveal how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What a handler gets: the request, the platform, config, path parameters and the time.
pub struct Ctx {
    pub req: Request,
    pub env: Env,
    pub config: Config,
    pub params: Vec<(&'static str, String)>,
    pub now: EpochMs,
}

impl Ctx {
    pub fn db(&self) -> Result<D1Database, AppError> {
        self.env.d1(DB).context("D1 binding")
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

    /// The body as text, after checking it claims to be JSON.
    pub async fn json_body(&mut self) -> Result<String, AppError> {
        let content_type = self.req.headers().get("content-type").ok().flatten().unwrap_or_default();
        if !content_type.to_ascii_lowercase().starts_with("application/json") {
            return Err(AppError::UnsupportedMediaType);
        }
        self.req.text().await.map_err(|_| AppError::Invalid(FieldError::body("request body could not be read as UTF-8 text")))
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

    /// An RFC 3339 time, returned as epoch seconds.
    pub fn time(&self, name: &str) -> Result<Option<i64>, AppError> {
        self.text(name)
            .map(|v| parse_iso(v).map(|ms| ms.div_euclid(1000)).ok_or_else(|| FieldError::new(name, "must be an RFC 3339 time like 2026-11-21T05:25:00Z").into()))
            .transpose()
    }
}

/// A JSON response with a status.
pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response, AppError> {
    Ok(Response::from_json(body).context("encoding JSON")?.with_status(status))
}

/// A list page: `{items, next_cursor}` (SPEC section 5).
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
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
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
