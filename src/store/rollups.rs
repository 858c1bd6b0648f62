//! Rollup rows, raw-check reads for rollups and pages, and retention pruning.
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, run, stmt};
use crate::args;
use crate::core::status::CheckStatus;
use crate::core::time::{parse_iso, EpochMs};
use crate::core::uptime::{hist_to_text, RawCheck, Rollup};
use crate::error::{AppError, Context};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Hour,
    Day,
}

impl Period {
    fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }
}

/// A rollup row: the core's Rollup plus its key. Column names equal Rollup's fields.
#[derive(Debug, Clone, Deserialize)]
pub struct RollupRow {
    pub monitor_id: i64,
    pub start_ms: i64,
    #[serde(flatten)]
    pub rollup: Rollup,
}

/// Replaces one rollup row. Recomputing a finished hour gives the same row, so REPLACE makes
/// the cron's work idempotent.
pub fn replace(db: &D1Database, monitor_id: i64, period: Period, start_ms: EpochMs, r: &Rollup) -> Result<D1PreparedStatement, AppError> {
    stmt(
        db,
        "INSERT OR REPLACE INTO rollups (monitor_id, period, start_ms, up, down, timeout, bot, slow, unknown_minutes, \
         known_minutes, up_minutes, bot_minutes, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, latency_hist) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        &args![
            monitor_id,
            period.as_str(),
            start_ms,
            r.up,
            r.down,
            r.timeout,
            r.bot,
            r.slow,
            r.unknown_minutes,
            r.known_minutes,
            r.up_minutes,
            r.bot_minutes,
            r.latency_count,
            r.latency_sum_ms as i64,
            r.latency_min_ms,
            r.latency_max_ms,
            hist_to_text(&r.latency_hist)
        ],
    )
}

/// Rollups of some monitors for one period from `since_ms` on, oldest first.
pub async fn of_monitors(db: &D1Database, ids: &[i64], period: Period, since_ms: EpochMs) -> Result<Vec<RollupRow>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    all(
        db,
        "SELECT * FROM rollups WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND period = ?2 AND start_ms >= ?3 \
         ORDER BY monitor_id, start_ms",
        &args![list, period.as_str(), since_ms],
    )
    .await
}

#[derive(Debug, Clone, Deserialize)]
struct RawRow {
    monitor_id: i64,
    started_at: String,
    status: String,
    slow: i64,
    latency_ms: Option<i64>,
}

/// Raw checks of some monitors with slots in `[from_s, to_s)`, oldest first, as (monitor, check).
pub async fn raw_checks(db: &D1Database, ids: &[i64], from_s: i64, to_s: i64) -> Result<Vec<(i64, RawCheck)>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<RawRow> = all(
        db,
        "SELECT monitor_id, started_at, status, slow, latency_ms FROM checks \
         WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND slot >= ?2 AND slot < ?3 ORDER BY monitor_id, started_at",
        &args![list, from_s, to_s],
    )
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.monitor_id,
                RawCheck {
                    at_ms: parse_iso(&r.started_at)?,
                    status: CheckStatus::parse(&r.status)?,
                    slow: r.slow != 0,
                    latency_ms: r.latency_ms.map(|l| l.clamp(0, i64::from(u32::MAX)) as u32),
                },
            ))
        })
        .collect())
}

#[derive(Debug, Clone, Deserialize)]
pub struct RollupDue {
    pub id: i64,
    pub check_interval_seconds: i64,
    pub created_at: String,
    pub rolled_up_until: i64,
}

/// Monitors with finished hours not rolled up yet, most behind first.
pub async fn due(db: &D1Database, hour_start_ms: EpochMs, limit: u32) -> Result<Vec<RollupDue>, AppError> {
    all(
        db,
        "SELECT id, check_interval_seconds, created_at, rolled_up_until FROM monitors \
         WHERE rolled_up_until < ?1 ORDER BY rolled_up_until LIMIT ?2",
        &args![hour_start_ms, limit],
    )
    .await
}

pub fn advance(db: &D1Database, monitor_id: i64, until_ms: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, "UPDATE monitors SET rolled_up_until = ?2 WHERE id = ?1", &args![monitor_id, until_ms])
}

pub async fn write(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<(), AppError> {
    db.batch(statements).await.context("writing rollups")?;
    Ok(())
}

/// Deletes raw checks older than `raw_before_s` that are already rolled up, and rollups past
/// their retention. Bounded per call so one tick never runs long.
pub async fn prune(db: &D1Database, raw_before_s: i64, hourly_before_ms: EpochMs, daily_before_ms: EpochMs) -> Result<(), AppError> {
    run(
        db,
        "DELETE FROM checks WHERE (monitor_id, slot) IN (SELECT c.monitor_id, c.slot FROM checks c JOIN monitors m ON m.id = c.monitor_id \
         WHERE c.slot < ?1 AND c.slot * 1000 < m.rolled_up_until LIMIT 5000)",
        &args![raw_before_s],
    )
    .await?;
    run(
        db,
        "DELETE FROM rollups WHERE (period = 'hour' AND start_ms < ?1) OR (period = 'day' AND start_ms < ?2)",
        &args![hourly_before_ms, daily_before_ms],
    )
    .await
}
