//! Rollup rows, raw-check reads for rollups and pages, and retention pruning.
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, run, stmt};
use crate::args;
use crate::core::schedule::slot_at_or_after;
use crate::core::status::CheckStatus;
use crate::core::time::EpochMs;
use crate::core::uptime::{hist_from_text, hist_to_text, RawCheck, Rollup, HIST_BUCKETS};
use crate::error::AppError;

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

/// A rollup row: the core's Rollup plus its key.
#[derive(Debug, Clone)]
pub struct RollupRow {
    pub monitor_id: i64,
    pub start_ms: i64,
    pub rollup: Rollup,
}

/// The row as D1 returns it. Plain fields, not `#[serde(flatten)]`: flatten buffers every row
/// through an intermediate map, which made a 50-monitor page spend most of its CPU here.
#[derive(Debug, Deserialize)]
struct StoredRollup {
    monitor_id: i64,
    start_ms: i64,
    up: u32,
    down: u32,
    timeout: u32,
    bot: u32,
    slow: u32,
    unknown_minutes: u32,
    known_minutes: u32,
    up_minutes: u32,
    bot_minutes: u32,
    latency_count: u32,
    latency_sum_ms: u64,
    latency_min_ms: Option<u32>,
    latency_max_ms: Option<u32>,
    latency_hist: String,
}

impl StoredRollup {
    fn into_row(self) -> RollupRow {
        RollupRow {
            monitor_id: self.monitor_id,
            start_ms: self.start_ms,
            rollup: Rollup {
                up: self.up,
                down: self.down,
                timeout: self.timeout,
                bot: self.bot,
                slow: self.slow,
                unknown_minutes: self.unknown_minutes,
                known_minutes: self.known_minutes,
                up_minutes: self.up_minutes,
                bot_minutes: self.bot_minutes,
                latency_count: self.latency_count,
                latency_sum_ms: self.latency_sum_ms,
                latency_min_ms: self.latency_min_ms,
                latency_max_ms: self.latency_max_ms,
                // Written only by hist_to_text; an unreadable one loses percentiles, not the row.
                latency_hist: hist_from_text(&self.latency_hist).unwrap_or([0; HIST_BUCKETS]),
            },
        }
    }
}

/// The columns of a rollup row, in [`StoredRollup`]'s order.
macro_rules! rollup_columns {
    () => {
        "monitor_id, start_ms, up, down, timeout, bot, slow, unknown_minutes, known_minutes, up_minutes, bot_minutes, \
         latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, latency_hist"
    };
}

const REPLACE: &str = "INSERT OR REPLACE INTO rollups (monitor_id, period, start_ms, up, down, timeout, bot, slow, unknown_minutes, \
     known_minutes, up_minutes, bot_minutes, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, latency_hist) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
const OF_MONITORS: &str = concat!(
    "SELECT ",
    rollup_columns!(),
    " FROM rollups WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND period = ?2 AND start_ms >= ?3 \
     ORDER BY monitor_id, period, start_ms"
);
/// `t` is `started_at` as epoch ms, computed by SQLite from the ISO text.
const RAW_CHECKS: &str = "SELECT monitor_id AS m, CAST(round((julianday(started_at) - 2440587.5) * 86400000) AS INTEGER) AS t, \
     CASE status WHEN 'UP' THEN 0 WHEN 'DOWN' THEN 1 WHEN 'TIMEOUT' THEN 2 ELSE 3 END AS s, slow AS w, latency_ms AS l \
     FROM checks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND slot >= ?2 AND slot < ?3 ORDER BY monitor_id, slot";
const DUE: &str = "SELECT id, check_interval_seconds, created_at, rolled_up_until_ms FROM monitors \
     WHERE rolled_up_until_ms < ?1 ORDER BY rolled_up_until_ms LIMIT ?2";
const ADVANCE: &str = "UPDATE monitors SET rolled_up_until_ms = ?2 WHERE id = ?1";
/// A raw check may go once it is past retention and its hour is rolled up: the slot (epoch
/// seconds, the check's identity) is compared with the rollup mark as the instant it stands for.
const PRUNE_RAW: &str = "DELETE FROM checks WHERE (monitor_id, slot) IN (SELECT c.monitor_id, c.slot FROM checks c JOIN monitors m ON m.id = c.monitor_id \
     WHERE c.slot < ?1 AND c.slot * 1000 < m.rolled_up_until_ms LIMIT 5000)";
const PRUNE_ROLLUPS: &str = "DELETE FROM rollups WHERE (period = 'hour' AND start_ms < ?1) OR (period = 'day' AND start_ms < ?2)";

/// Replaces one rollup row. Recomputing a finished hour gives the same row, so REPLACE makes
/// the cron's work idempotent.
pub fn replace(db: &D1Database, monitor_id: i64, period: Period, start_ms: EpochMs, r: &Rollup) -> Result<D1PreparedStatement, AppError> {
    stmt(
        db,
        REPLACE,
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
    let rows: Vec<StoredRollup> = all(db, OF_MONITORS, &args![list, period.as_str(), since_ms]).await?;
    Ok(rows.into_iter().map(StoredRollup::into_row).collect())
}

/// A raw check reduced to numbers, with one-letter names: a page reads ~240 of these per
/// monitor, and every byte and string crossing from JS costs CPU.
#[derive(Debug, Clone, Deserialize)]
struct RawRow {
    m: i64,
    /// started_at in epoch milliseconds, computed by SQLite.
    t: i64,
    /// Index into CheckStatus::ALL.
    s: usize,
    w: i64,
    l: Option<i64>,
}

/// Raw checks of some monitors whose slots stand for instants in `[from_ms, to_ms)`, as
/// (monitor, check), in primary-key order (monitor, slot) so SQLite needs no sort.
pub async fn raw_checks(db: &D1Database, ids: &[i64], from_ms: EpochMs, to_ms: EpochMs) -> Result<Vec<(i64, RawCheck)>, AppError> {
    let list = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let rows: Vec<RawRow> = all(db, RAW_CHECKS, &args![list, slot_at_or_after(from_ms), slot_at_or_after(to_ms)]).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.m,
                RawCheck {
                    at_ms: r.t,
                    status: *CheckStatus::ALL.get(r.s)?,
                    slow: r.w != 0,
                    latency_ms: r.l.map(|l| l.clamp(0, i64::from(u32::MAX)) as u32),
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
    pub rolled_up_until_ms: EpochMs,
}

/// Monitors with finished hours not rolled up yet, most behind first.
pub async fn due(db: &D1Database, hour_start_ms: EpochMs, limit: u32) -> Result<Vec<RollupDue>, AppError> {
    all(db, DUE, &args![hour_start_ms, limit]).await
}

pub fn advance(db: &D1Database, monitor_id: i64, until_ms: EpochMs) -> Result<D1PreparedStatement, AppError> {
    stmt(db, ADVANCE, &args![monitor_id, until_ms])
}

pub async fn write(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<(), AppError> {
    super::batch(db, statements, "writing rollups").await
}

/// Deletes raw checks from before `raw_before_ms` that are already rolled up, and rollups past
/// their retention. Bounded per call so one tick never runs long.
pub async fn prune(db: &D1Database, raw_before_ms: EpochMs, hourly_before_ms: EpochMs, daily_before_ms: EpochMs) -> Result<(), AppError> {
    run(db, PRUNE_RAW, &args![slot_at_or_after(raw_before_ms)]).await?;
    run(db, PRUNE_ROLLUPS, &args![hourly_before_ms, daily_before_ms]).await
}
