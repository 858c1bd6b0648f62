//! What the dashboard overview reads (DESIGN.md §10, §12): four queries whatever the number of
//! monitors, and none that grows with the length of their history. The 4-hour strip comes from
//! the monitors' hour blocks (5 rows per monitor), the 24 h uptime from their summary rows plus
//! those blocks.
use serde::Deserialize;
use worker::D1Database;

use super::{all, blocks, monitors, rollups, Arg};
use crate::core::blocks::{decode, Entry};
use crate::core::summary;
use crate::error::AppError;

/// Each monitor with its newest block (its newest check and the time of its last check).
const MONITORS: &str = "SELECT m.id, m.project_id, m.name, m.is_active, m.status, m.slow, m.last_checked_at, \
     m.check_interval_seconds, m.rolled_up_until_ms, m.monitor_type, m.grace_seconds, m.deadline_ms, \
     EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = m.id AND i.resolved_at IS NULL) AS incident_open, \
     b.start AS block_start, b.data AS block, b.last_at \
     FROM monitors m LEFT JOIN check_blocks b ON b.monitor_id = m.id AND b.start = (SELECT max(start) FROM check_blocks WHERE monitor_id = m.id) \
     WHERE m.project_id IN (SELECT id FROM projects WHERE owner_id = ?1) \
     AND (?2 IS NULL OR m.project_id = ?2) ORDER BY m.id LIMIT ?3";

#[derive(Debug, Clone, Deserialize)]
struct StoredLine {
    id: i64,
    project_id: i64,
    name: String,
    is_active: i64,
    status: Option<String>,
    slow: i64,
    last_checked_at: Option<String>,
    check_interval_seconds: i64,
    rolled_up_until_ms: i64,
    monitor_type: String,
    grace_seconds: Option<i64>,
    deadline_ms: Option<i64>,
    incident_open: i64,
    block_start: Option<i64>,
    block: Option<String>,
    last_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MonitorLine {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub is_active: i64,
    pub status: Option<String>,
    pub slow: i64,
    pub last_checked_at: Option<String>,
    pub check_interval_seconds: i64,
    /// What the freshness rule reads (a heartbeat's result lasts until its deadline).
    pub freshness_interval: u32,
    pub rolled_up_until_ms: i64,
    pub incident_open: i64,
    /// The newest check's latency.
    pub latency_ms: Option<i64>,
}

/// The user's monitors (of one project, if given), by id, at most `limit`.
pub async fn monitors(
    db: &D1Database,
    user_id: i64,
    project: Option<i64>,
    limit: u32,
) -> Result<Vec<MonitorLine>, AppError> {
    let rows: Vec<StoredLine> = all(
        db,
        MONITORS,
        &[Arg::from(user_id), Arg::from(project), Arg::from(limit)],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let newest = r
                .block_start
                .zip(r.block.as_deref())
                .and_then(|(start, data)| decode(start, data).pop());
            let last_checked_at = r.last_at.or(r.last_checked_at);
            let freshness_interval = monitors::freshness_interval(&r.monitor_type, r.check_interval_seconds, r.grace_seconds, last_checked_at.as_deref(), r.deadline_ms);
            MonitorLine {
                id: r.id,
                project_id: r.project_id,
                name: r.name,
                is_active: r.is_active,
                status: r.status,
                slow: r.slow,
                last_checked_at,
                check_interval_seconds: r.check_interval_seconds,
                freshness_interval,
                rolled_up_until_ms: r.rolled_up_until_ms,
                incident_open: r.incident_open,
                latency_ms: newest.and_then(|e| e.latency_ms).map(i64::from),
            }
        })
        .collect())
}

/// Checks of `ids` with slots in `[from_s, to_s)`, as (monitor, entry) by (monitor, slot).
pub async fn checks(
    db: &D1Database,
    ids: &[i64],
    from_s: i64,
    to_s: i64,
) -> Result<Vec<(i64, Entry)>, AppError> {
    blocks::entries(db, ids, from_s, to_s).await
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Hours {
    pub m: i64,
    pub up: i64,
    pub n: i64,
}

/// Check counts of the finished, rolled-up hours since `since_ms`, per monitor, from the
/// summary rows (the hours before each monitor's `rolled_up_until_ms`: the strip's checks
/// cover what follows).
pub async fn rolled_hours(
    db: &D1Database,
    ids: &[i64],
    since_ms: i64,
) -> Result<Vec<Hours>, AppError> {
    Ok(rollups::summary_of(db, ids)
        .await?
        .into_iter()
        .map(|s| {
            let hours: Vec<_> = summary::hours_of(&s.hours)
                .into_iter()
                .filter(|(start, _)| *start >= since_ms)
                .collect();
            Hours {
                m: s.monitor_id,
                up: hours.iter().map(|(_, r)| i64::from(r.up)).sum(),
                n: hours.iter().map(|(_, r)| i64::from(r.checks())).sum(),
            }
        })
        .collect())
}
