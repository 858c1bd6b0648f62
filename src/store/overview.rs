//! What the dashboard overview reads (DESIGN.md §10, §12): three queries whatever the number of
//! monitors, and none that grows with the length of their history. The 4-hour strip is grouped
//! into 5-minute bins by SQLite, so ~50 rows per monitor cross into the isolate instead of up
//! to 240 raw checks; the 24 h uptime comes from hourly rollups plus those bins.
use serde::Deserialize;
use worker::D1Database;

use super::{all, Arg};
use crate::error::AppError;

const MONITORS: &str = "SELECT m.id, m.project_id, m.name, m.is_active, m.status, m.slow, m.last_checked_at, \
     m.check_interval_seconds, m.rolled_up_until, \
     EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = m.id AND i.resolved_at IS NULL) AS incident_open, \
     (SELECT c.latency_ms FROM checks c WHERE c.monitor_id = m.id ORDER BY c.slot DESC LIMIT 1) AS latency_ms \
     FROM monitors m WHERE m.project_id IN (SELECT id FROM projects WHERE owner_id = ?1) \
     AND (?2 IS NULL OR m.project_id = ?2) ORDER BY m.id LIMIT ?3";

/// Worst state per bin: 4 down (DOWN or TIMEOUT), 3 bot wall, 2 slow, 1 up.
const BINS: &str = "SELECT monitor_id AS m, CAST((slot - ?2) / ?3 AS INTEGER) AS b, \
     max(CASE WHEN status IN ('DOWN', 'TIMEOUT') THEN 4 WHEN status = 'BOT_DETECTED' THEN 3 WHEN slow = 1 THEN 2 ELSE 1 END) AS w, \
     count(*) AS n, sum(status = 'UP') AS up \
     FROM checks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND slot >= ?2 AND slot < ?4 \
     GROUP BY monitor_id, b";

/// Check counts of the finished, rolled-up hours since `?2`; the bins cover what follows.
const HOURS: &str = "SELECT r.monitor_id AS m, sum(r.up) AS up, sum(r.up + r.down + r.timeout + r.bot) AS n FROM rollups r \
     WHERE r.monitor_id IN (SELECT value FROM json_each(?1)) AND r.period = 'hour' AND r.start_ms >= ?2 \
     AND r.start_ms < (SELECT rolled_up_until FROM monitors WHERE id = r.monitor_id) GROUP BY r.monitor_id";

#[derive(Debug, Clone, Deserialize)]
pub struct MonitorLine {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub is_active: i64,
    pub status: Option<String>,
    pub slow: i64,
    pub last_checked_at: Option<String>,
    pub check_interval_seconds: i64,
    pub rolled_up_until: i64,
    pub incident_open: i64,
    pub latency_ms: Option<i64>,
}

/// The user's monitors (of one project, if given), by id, at most `limit`.
pub async fn monitors(db: &D1Database, user_id: i64, project: Option<i64>, limit: u32) -> Result<Vec<MonitorLine>, AppError> {
    all(db, MONITORS, &[Arg::from(user_id), Arg::from(project), Arg::from(limit)]).await
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Bin {
    /// Monitor id.
    pub m: i64,
    /// Bin index from the window start.
    pub b: i64,
    /// Worst state code (see `BINS`).
    pub w: i64,
    pub n: i64,
    pub up: i64,
}

/// Checks of `ids` with slots in `[from_s, to_s)`, grouped per monitor into bins of `bin_s`.
pub async fn bins(db: &D1Database, ids: &[i64], from_s: i64, bin_s: i64, to_s: i64) -> Result<Vec<Bin>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    all(db, BINS, &[Arg::from(list), Arg::from(from_s), Arg::from(bin_s), Arg::from(to_s)]).await
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Hours {
    pub m: i64,
    pub up: i64,
    pub n: i64,
}

pub async fn rolled_hours(db: &D1Database, ids: &[i64], since_ms: i64) -> Result<Vec<Hours>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    all(db, HOURS, &[Arg::from(list), Arg::from(since_ms)]).await
}
