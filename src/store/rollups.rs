//! Rollup rows, raw-check reads for rollups and pages, and retention pruning.
use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement};

use super::{all, blocks, stmt};
use crate::args;
use crate::core::blocks::block_start;
use crate::core::schedule::{slot_at_or_after, slot_at_or_before};
use crate::core::time::EpochMs;
use crate::core::uptime::{hist_from_text, hist_to_text, RawCheck, Rollup, HIST_BUCKETS};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Hour,
    Day,
}

impl Period {
    pub fn as_str(self) -> &'static str {
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
pub(super) struct StoredRollup {
    /// Only in [`RECENT`]'s rows, which mix both periods.
    #[serde(default)]
    period: Option<String>,
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
pub(super) use rollup_columns;

/// Rollup rows as D1 returned them (a batch's, read elsewhere in the store), as the core's.
pub(super) fn rows_of(rows: Vec<StoredRollup>) -> Vec<RollupRow> {
    rows.into_iter().map(StoredRollup::into_row).collect()
}

/// ?1 a JSON array of rows `[monitor, period, start_ms, up, down, timeout, bot, slow,
/// unknown_minutes, known_minutes, up_minutes, bot_minutes, latency_count, latency_sum_ms,
/// latency_min_ms, latency_max_ms, latency_hist]`: every rollup a cron pass computed for a group
/// of monitors, in one statement. Recomputing a finished hour gives the same row, so the upsert
/// makes the cron's work idempotent.
const UPSERT: &str = "INSERT INTO rollups (monitor_id, period, start_ms, up, down, timeout, bot, slow, unknown_minutes, \
     known_minutes, up_minutes, bot_minutes, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, latency_hist) \
     SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, value ->> 8, \
       value ->> 9, value ->> 10, value ->> 11, value ->> 12, value ->> 13, value ->> 14, value ->> 15, value ->> 16 \
     FROM json_each(?1) WHERE true \
     ON CONFLICT (monitor_id, period, start_ms) DO UPDATE SET up = excluded.up, down = excluded.down, timeout = excluded.timeout, \
       bot = excluded.bot, slow = excluded.slow, unknown_minutes = excluded.unknown_minutes, known_minutes = excluded.known_minutes, \
       up_minutes = excluded.up_minutes, bot_minutes = excluded.bot_minutes, latency_count = excluded.latency_count, \
       latency_sum_ms = excluded.latency_sum_ms, latency_min_ms = excluded.latency_min_ms, latency_max_ms = excluded.latency_max_ms, \
       latency_hist = excluded.latency_hist";
const OF_MONITORS: &str = concat!(
    "SELECT ",
    rollup_columns!(),
    " FROM rollups WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND period = ?2 AND start_ms >= ?3 \
     ORDER BY monitor_id, period, start_ms"
);
/// Hourly rollups from ?2 and daily ones from ?3 of some monitors: what a cron pass merges into
/// days and summaries. Two key ranges per monitor (a UNION, not an OR, so each is a seek).
const RECENT: &str = concat!(
    "SELECT period, ",
    rollup_columns!(),
    " FROM rollups WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND period = 'hour' AND start_ms >= ?2 \
     UNION ALL SELECT period, ",
    rollup_columns!(),
    " FROM rollups WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND period = 'day' AND start_ms >= ?3"
);
/// Read through the `monitors_rollup_due` index (migration 0014): only monitors with work.
const DUE: &str = "SELECT id, check_interval_seconds, created_at, rolled_up_until_ms FROM monitors \
     WHERE rolled_up_until_ms < ?1 ORDER BY rolled_up_until_ms LIMIT ?2";
/// ?1 a JSON array of `[monitor, rolled_up_until_ms]`.
const ADVANCE: &str = "UPDATE monitors SET rolled_up_until_ms = (SELECT j.value ->> 1 FROM json_each(?1) j WHERE j.value ->> 0 = monitors.id) \
     WHERE id IN (SELECT value ->> 0 FROM json_each(?1))";
/// ?1 a JSON array of `[monitor, hours, days]` (core::summary's text).
const SUMMARIES: &str = "INSERT INTO history_summaries (monitor_id, hours, days) \
     SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1) WHERE true \
     ON CONFLICT (monitor_id) DO UPDATE SET hours = excluded.hours, days = excluded.days";
const SUMMARY_OF: &str = "SELECT monitor_id, hours, days FROM history_summaries WHERE monitor_id IN (SELECT value FROM json_each(?1))";
/// Raw history past retention (?2, an hour-aligned slot) whose hours are rolled up, per monitor
/// by key range (after ADVANCE in the same batch, so it sees the new mark). Each monitor's
/// newest block stays, and with it the full rows of its hour: it says when the monitor was last
/// checked (its row's `last_checked_at` is not rewritten by steady checks).
const PRUNE_BLOCKS: &str = "DELETE FROM check_blocks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND start < ?2 \
     AND (start + 3600) * 1000 <= (SELECT rolled_up_until_ms FROM monitors WHERE id = check_blocks.monitor_id) \
     AND start < (SELECT max(b.start) FROM check_blocks b WHERE b.monitor_id = check_blocks.monitor_id)";
const PRUNE_FULL: &str = "DELETE FROM checks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND slot < ?2 \
     AND slot * 1000 < (SELECT rolled_up_until_ms FROM monitors WHERE id = checks.monitor_id) \
     AND slot < (SELECT max(b.start) FROM check_blocks b WHERE b.monitor_id = checks.monitor_id)";
const PRUNE_ROLLUPS: &str = "DELETE FROM rollups WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND period = ?2 AND start_ms < ?3";

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// One computed rollup, for [`upsert`].
pub struct NewRollup<'a> {
    pub monitor_id: i64,
    pub period: Period,
    pub start_ms: EpochMs,
    pub rollup: &'a Rollup,
}

/// The JSON rows [`UPSERT`] reads.
pub fn upsert_rows(rows: &[NewRollup<'_>]) -> String {
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|n| {
            let r = n.rollup;
            serde_json::json!([
                n.monitor_id, n.period.as_str(), n.start_ms, r.up, r.down, r.timeout, r.bot, r.slow, r.unknown_minutes,
                r.known_minutes, r.up_minutes, r.bot_minutes, r.latency_count, r.latency_sum_ms, r.latency_min_ms,
                r.latency_max_ms, hist_to_text(&r.latency_hist)
            ])
        })
        .collect();
    json(&rows)
}

/// Writes rollups of any monitors and periods in one statement.
pub fn upsert(db: &D1Database, rows: &[NewRollup<'_>]) -> Result<D1PreparedStatement, AppError> {
    stmt(db, UPSERT, &args![upsert_rows(rows)])
}

/// Rollups of some monitors for one period from `since_ms` on, oldest first.
pub async fn of_monitors(db: &D1Database, ids: &[i64], period: Period, since_ms: EpochMs) -> Result<Vec<RollupRow>, AppError> {
    let rows: Vec<StoredRollup> = all(db, OF_MONITORS, &args![json(&ids), period.as_str(), since_ms]).await?;
    Ok(rows.into_iter().map(StoredRollup::into_row).collect())
}

/// Hourly rollups from `hours_since` and daily ones from `days_since`, as (hours, days).
pub async fn recent(db: &D1Database, ids: &[i64], hours_since: EpochMs, days_since: EpochMs) -> Result<(Vec<RollupRow>, Vec<RollupRow>), AppError> {
    let rows: Vec<StoredRollup> = all(db, RECENT, &args![json(&ids), hours_since, days_since]).await?;
    let (hours, days): (Vec<StoredRollup>, Vec<StoredRollup>) = rows.into_iter().partition(|r| r.period.as_deref() == Some("hour"));
    Ok((hours.into_iter().map(StoredRollup::into_row).collect(), days.into_iter().map(StoredRollup::into_row).collect()))
}

/// Checks of some monitors whose slots stand for instants in `[from_ms, to_ms)`, as
/// (monitor, check), by (monitor, slot): read from the hour blocks, which hold every check.
pub async fn raw_checks(db: &D1Database, ids: &[i64], from_ms: EpochMs, to_ms: EpochMs) -> Result<Vec<(i64, RawCheck)>, AppError> {
    let entries = blocks::entries(db, ids, slot_at_or_after(from_ms), slot_at_or_after(to_ms)).await?;
    Ok(entries.into_iter().map(|(m, e)| (m, e.raw())).collect())
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

/// Sets each monitor's rolled-up mark.
pub fn advance(db: &D1Database, marks: &[(i64, EpochMs)]) -> Result<D1PreparedStatement, AppError> {
    stmt(db, ADVANCE, &args![json(&marks)])
}

/// A monitor's history summary (`core::summary` text).
#[derive(Debug, Clone, Deserialize)]
pub struct SummaryRow {
    pub monitor_id: i64,
    pub hours: String,
    pub days: String,
}

/// Replaces the summaries of some monitors.
pub fn summaries(db: &D1Database, rows: &[SummaryRow]) -> Result<D1PreparedStatement, AppError> {
    let rows: Vec<(i64, &str, &str)> = rows.iter().map(|r| (r.monitor_id, r.hours.as_str(), r.days.as_str())).collect();
    stmt(db, SUMMARIES, &args![json(&rows)])
}

/// The summaries of some monitors (one row each; a monitor never rolled up has none).
pub async fn summary_of(db: &D1Database, ids: &[i64]) -> Result<Vec<SummaryRow>, AppError> {
    all(db, SUMMARY_OF, &args![json(&ids)]).await
}

/// Deletes, for some monitors, raw history from before `raw_before_ms` that is already rolled
/// up (after [`advance`] in the same batch) and rollups past their retention: key ranges only.
pub fn prune(db: &D1Database, ids: &[i64], raw_before_ms: EpochMs, hourly_before_ms: EpochMs, daily_before_ms: EpochMs) -> Result<Vec<D1PreparedStatement>, AppError> {
    let list = json(&ids);
    let cut = block_start(slot_at_or_before(raw_before_ms));
    Ok(vec![
        stmt(db, PRUNE_FULL, &args![list.clone(), cut])?,
        stmt(db, PRUNE_BLOCKS, &args![list.clone(), cut])?,
        stmt(db, PRUNE_ROLLUPS, &args![list.clone(), Period::Hour.as_str(), hourly_before_ms])?,
        stmt(db, PRUNE_ROLLUPS, &args![list, Period::Day.as_str(), daily_before_ms])?,
    ])
}

pub async fn write(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<(), AppError> {
    super::batch(db, statements, "writing rollups").await
}
