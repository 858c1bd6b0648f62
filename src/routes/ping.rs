//! `GET|POST|HEAD /ping/{token}[/{signal}]`: heartbeat monitors' ping endpoints (DESIGN.md §3),
//! healthchecks.io's: success, `/start`, `/fail`, `/log`, `/{0-255}` (an exit status), and
//! `?rid=` to pair a start with its finish. Public: the unguessable token is the credential.
//! Answers are short `text/plain`, for curl in a crontab: `OK`, `not found`, `rate limited`.
use worker::Response;

use super::Ctx;
use crate::core::heartbeat::{self, BadSignal, Signal};
use crate::error::{AppError, Context};
use crate::heartbeat::{Answer, Ping};

/// `/ping/{token}`: success.
pub async fn success(ctx: Ctx) -> Result<Response, AppError> {
    handle(ctx, None).await
}

/// `/ping/{token}/{signal}`.
pub async fn signal(ctx: Ctx) -> Result<Response, AppError> {
    let segment = ctx.param("signal").to_string();
    handle(ctx, Some(segment)).await
}

async fn handle(mut ctx: Ctx, segment: Option<String>) -> Result<Response, AppError> {
    let signal = match Signal::parse(segment.as_deref()) {
        Ok(s) => s,
        Err(BadSignal::Unknown) => return text(404, "not found"),
        Err(BadSignal::ExitStatus) => return text(400, "exit status must be 0-255"),
    };
    let rid = {
        let url = ctx.req.url().context("request URL")?;
        let rid = url.query_pairs().find(|(k, _)| k == "rid").map(|(_, v)| v.into_owned());
        match heartbeat::parse_rid(rid.as_deref()) {
            Ok(rid) => rid,
            Err(why) => return text(400, why),
        }
    };
    let token = ctx.param("token").to_string();
    if !crate::heartbeat::token_shaped(&token) {
        return text(404, "not found"); // not one we issue: no D1 read, no body read
    }
    // Any content type: cron jobs post logs with curl's form default. Kept up to BODY_MAX.
    let body = match ctx.req.method() {
        worker::Method::Post => heartbeat::kept_body(&head_of_body(&mut ctx.req).await),
        _ => None,
    };
    let db = ctx.db()?;
    let ping = Ping { token: &token, signal, rid: rid.as_deref(), body, now: ctx.now };
    let before = crate::meter::now();
    let answer = crate::heartbeat::ping(&ctx.env, &db, &ctx.config, ping).await?;
    if ctx.config.check_log {
        // What this ping cost (CHECK_LOG=true only; the figures of README "Heartbeat monitors").
        let used = crate::meter::now();
        worker::console_log!(
            "vigil-ping {{\"signal\":\"{}\",\"answer\":\"{answer:?}\",\"d1_statements\":{},\"d1_rows_read\":{},\"d1_rows_written\":{},\"queue_messages\":{}}}",
            signal.kind(),
            used.d1_statements - before.d1_statements,
            used.d1_rows_read - before.d1_rows_read,
            used.d1_rows_written - before.d1_rows_written,
            used.queue_messages - before.queue_messages
        );
    }
    match answer {
        Answer::Ok => text(200, "OK"),
        Answer::NotFound => text(404, "not found"),
        Answer::RateLimited(after_ms) => {
            let mut r = text(429, "rate limited")?;
            let _ = r.headers_mut().set("retry-after", &((after_ms + 999) / 1000).max(1).to_string());
            Ok(r)
        }
    }
}

/// The first bytes of a request body, enough for [`heartbeat::kept_body`]: the stream is read
/// only that far, so a large upload (a whole log) is neither buffered nor waited for. An
/// unreadable body counts as none: the ping itself still counts.
async fn head_of_body(req: &mut worker::Request) -> Vec<u8> {
    use futures::StreamExt as _;
    let Ok(mut stream) = req.stream() else { return Vec::new() };
    let mut head = Vec::new();
    while head.len() < heartbeat::BODY_MAX + 4 {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            _ => break,
        }
    }
    head
}

fn text(status: u16, body: &str) -> Result<Response, AppError> {
    let mut r = Response::ok(body).context("ping answer")?.with_status(status);
    let _ = r.headers_mut().set("content-type", "text/plain; charset=utf-8");
    let _ = r.headers_mut().set("cache-control", "no-store");
    Ok(r)
}
