//! Public service routes: the overview and the health check.
use serde_json::json as j;
use worker::Response;

use super::{json, Ctx, ROUTES};
use crate::error::AppError;
use crate::store::monitors;

/// What vigil is and where things are, for a person or a script that lands on `/`. A browser
/// (asking for HTML) is sent to the dashboard; a script gets this JSON.
pub async fn overview(ctx: Ctx) -> Result<Response, AppError> {
    let accept = ctx.req.headers().get("accept").ok().flatten().unwrap_or_default();
    if accept.starts_with("text/html") {
        return Ok(super::dashboard::redirect("/app"));
    }
    let routes: Vec<String> = ROUTES.iter().map(|r| format!("{} {}", super::method_name(&r.method), r.path)).collect();
    json(
        200,
        &j!({
            "service": "vigil",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Uptime monitoring on Cloudflare's edge",
            "links": {
                "app": "/app", "openapi": "/openapi.json", "health": "/health", "login": "/api/auth/token",
                "dashboard": "/api/dashboard/summary", "projects": "/api/projects", "monitors": "/api/monitors",
                "checks": "/api/checks", "incidents": "/api/incidents", "export": "/api/export",
            },
            "auth": "API routes need `Authorization: Bearer <token>`: log in with POST /api/auth/token {username, password}",
            "routes": routes,
        }),
    )
}

/// 200 when D1 answers, 503 when it does not (a load balancer should stop sending traffic).
pub async fn health(ctx: Ctx) -> Result<Response, AppError> {
    match monitors::ping(&ctx.db()?).await {
        Ok(()) => json(200, &j!({ "status": "ok", "d1": "ok" })),
        Err(e) => {
            worker::console_error!("health: {e:?}");
            json(503, &j!({ "status": "unavailable", "d1": "unreachable" }))
        }
    }
}

/// `GET /openapi.json`: the OpenAPI 3.1 description of every route (kept in step with ROUTES by
/// a test in this module).
pub async fn openapi(_ctx: Ctx) -> Result<Response, AppError> {
    let mut response = Response::ok(OPENAPI).map_err(|e| AppError::Internal(format!("openapi: {e}")))?;
    let _ = response.headers_mut().set("content-type", "application/json");
    Ok(response)
}

pub const OPENAPI: &str = include_str!("../openapi.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::{OPENAPI, ROUTES};

    const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    fn doc() -> Value {
        serde_json::from_str(OPENAPI).expect("src/openapi.json is not valid JSON")
    }

    /// `/api/monitors/:id/run` -> `/api/monitors/{id}/run`.
    fn openapi_path(route: &str) -> String {
        route.split('/').map(|s| s.strip_prefix(':').map_or_else(|| s.to_string(), |p| format!("{{{p}}}"))).collect::<Vec<_>>().join("/")
    }

    /// Routes the document leaves out: the `/__test/` hooks, and the dashboard under `/app`
    /// (HTML pages and form posts for browsers, authenticated by a session cookie rather than a
    /// token; every write they make is one of the documented API operations, run in-process).
    fn undocumented(path: &str) -> bool {
        path.starts_with("/__test/") || path == "/app" || path.starts_with("/app/")
    }

    /// (path, method) of every route the document must describe.
    fn served() -> BTreeSet<(String, String)> {
        ROUTES
            .iter()
            .filter(|r| !undocumented(r.path))
            .map(|r| (openapi_path(r.path), super::super::method_name(&r.method).to_ascii_lowercase()))
            .collect()
    }

    /// (path, method, pending) of every documented operation.
    fn documented() -> Vec<(String, String, bool)> {
        let doc = doc();
        let paths = doc["paths"].as_object().expect("paths is an object");
        let mut out = Vec::new();
        for (path, item) in paths {
            let item = item.as_object().unwrap_or_else(|| panic!("{path} is not an object"));
            for (method, op) in item.iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
                out.push((path.clone(), method.clone(), op["x-vigil-pending"] == Value::Bool(true)));
            }
        }
        out
    }

    #[test]
    fn document_is_openapi_3_1() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        assert_eq!(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
    }

    #[test]
    fn every_route_is_documented() {
        let documented: BTreeSet<(String, String)> = documented().into_iter().map(|(p, m, _)| (p, m)).collect();
        let missing: Vec<_> = served().into_iter().filter(|r| !documented.contains(r)).collect();
        assert!(missing.is_empty(), "routes missing from src/openapi.json: {missing:?}");
    }

    /// The document describes nothing that is not served, except operations marked
    /// `x-vigil-pending: true` (specified, being built).
    #[test]
    fn every_documented_operation_is_served() {
        let served = served();
        let ghosts: Vec<_> = documented().into_iter().filter(|(p, m, pending)| !pending && !served.contains(&(p.clone(), m.clone()))).collect();
        assert!(ghosts.is_empty(), "src/openapi.json documents routes that ROUTES does not have: {ghosts:?}");
    }

    #[test]
    fn public_routes_need_no_auth_and_the_rest_do() {
        let doc = doc();
        for r in ROUTES.iter().filter(|r| !undocumented(r.path)) {
            let (path, method) = (openapi_path(r.path), super::super::method_name(&r.method).to_ascii_lowercase());
            let op = &doc["paths"][&path][&method];
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            assert_eq!(public, r.access == super::super::Access::Public, "security of {method} {path}");
        }
    }

    #[test]
    fn refs_resolve() {
        let doc = doc();
        let mut stack = vec![&doc];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {r}"));
                        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
                    }
                    stack.extend(map.values());
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }
}
