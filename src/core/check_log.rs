//! The opt-in structured log line per check (`CHECK_LOG=true`; off by default because Workers
//! Logs bills per line). Seed 000's event emitter printed every request's timing; this is that
//! line as one JSON object, so Workers Logs (or `wrangler tail`) can filter and chart it.
use serde::Serialize;

use super::classify::Verdict;
use super::failure::FailureKind;
use super::status::CheckStatus;

/// What the line says about one executed check.
#[derive(Debug, Serialize)]
pub struct CheckLine<'a> {
    /// Always `"check"`: lets a log query pick these lines out of everything else.
    pub event: &'static str,
    pub monitor_id: i64,
    /// The check's id in the API (`GET /api/checks`), `<monitor>-<slot>`.
    pub check_id: &'a str,
    /// scheduled, recheck or manual.
    pub kind: &'a str,
    pub status: CheckStatus,
    pub slow: bool,
    pub http_status: Option<u16>,
    pub latency_ms: Option<u32>,
    pub attempts: u32,
    /// Why a non-UP check failed, as a code (`timeout`, `dns`, `status`, ...; `None` when UP).
    pub failure_kind: Option<FailureKind>,
    /// The readable reason of a non-UP check (`None` when UP).
    pub failure_type: Option<&'a str>,
}

impl<'a> CheckLine<'a> {
    pub fn new(monitor_id: i64, check_id: &'a str, kind: &'a str, attempts: u32, verdict: &'a Verdict) -> Self {
        Self {
            event: "check",
            monitor_id,
            check_id,
            kind,
            status: verdict.status,
            slow: verdict.slow,
            http_status: verdict.http_status,
            latency_ms: verdict.latency_ms,
            attempts,
            failure_kind: verdict.failure_kind(),
            failure_type: verdict.failure_type(),
        }
    }

    /// `vigil-check {json}`: the prefix keeps it apart from the consumer's per-batch line.
    pub fn render(&self) -> String {
        format!("vigil-check {}", serde_json::to_string(self).unwrap_or_else(|_| "{}".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::failure::Failure;

    #[test]
    fn one_json_object_per_check() {
        let down = Verdict { status: CheckStatus::Down, failure: Some(Failure::new(FailureKind::Status, "HTTP 503 \"busy\"")), slow: false, http_status: Some(503), latency_ms: Some(87) };
        let line = CheckLine::new(7, "7-1764590400", "scheduled", 3, &down).render();
        let json = line.strip_prefix("vigil-check ").expect("prefix");
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"event": "check", "monitor_id": 7, "check_id": "7-1764590400", "kind": "scheduled", "status": "DOWN",
                "slow": false, "http_status": 503, "latency_ms": 87, "attempts": 3, "failure_kind": "status", "failure_type": "HTTP 503 \"busy\""})
        );
        let timeout = Verdict { status: CheckStatus::Timeout, failure: Some(Failure::new(FailureKind::Timeout, "timed out after 20 s")), slow: false, http_status: None, latency_ms: None };
        let v: serde_json::Value = serde_json::from_str(CheckLine::new(1, "1-2", "recheck", 1, &timeout).render().strip_prefix("vigil-check ").unwrap()).unwrap();
        assert_eq!((v["status"].as_str(), v["http_status"].is_null(), v["failure_kind"].as_str()), (Some("TIMEOUT"), true, Some("timeout")));
        let up = Verdict { status: CheckStatus::Up, failure: None, slow: true, http_status: Some(200), latency_ms: Some(1500) };
        let v: serde_json::Value = serde_json::from_str(CheckLine::new(1, "1-3", "manual", 1, &up).render().strip_prefix("vigil-check ").unwrap()).unwrap();
        assert_eq!((v["failure_kind"].is_null(), v["failure_type"].is_null(), v["slow"].as_bool()), (true, true, Some(true)));
        assert!(!line.contains('\n'), "one line");
    }
}
