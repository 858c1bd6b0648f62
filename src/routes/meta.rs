//! Public service routes: the overview and the health check.
use serde_json::json as j;
use worker::Response;

use super::{json, Ctx, ROUTES};
use crate::error::AppError;
use crate::store::monitors;

/// What vigil is and where things are, for a person or a script that lands on `/`.
pub async fn overview(_ctx: Ctx) -> Result<Response, AppError> {
    let routes: Vec<String> = ROUTES.iter().map(|r| format!("{} {}", super::method_name(&r.method), r.path)).collect();
    json(
        200,
        &j!({
            "service": "vigil",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Uptime monitoring on Cloudflare's edge",
            "links": { "health": "/health", "monitors": "/api/monitors", "checks": "/api/checks", "incidents": "/api/incidents" },
            "auth": "API routes need `Authorization: Bearer <token>`",
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
