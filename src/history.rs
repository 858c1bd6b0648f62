//! History upkeep, run by the cron: finished hours of checks become hourly rollups (and their
//! days daily rollups and the monitor's summary row), then old raw history and rollups are
//! pruned. Pages read rollups and summaries for anything older than the last hour, so they
//! never scan long raw history.
//!
//! Cost (DESIGN.md §12): the monitors with work come from an index (`monitors_rollup_due`), so a
//! tick with nothing to roll up reads one index entry. Monitors are handled in groups of
//! [`GROUP`]: per group two reads (their blocks, their recent rollups) and one batch of seven
//! statements whatever the group's size, so a tick runs at most ~40 D1 queries.
use std::collections::{BTreeMap, BTreeSet};

use worker::D1Database;

use crate::bindings::Config;
use crate::core::summary;
use crate::core::time::{parse_iso, EpochMs};
use crate::core::uptime::{
    day_start, hour_start, merged, rollup_hour, RawCheck, Rollup, DAY_MS, HOUR_MS,
};
use crate::error::AppError;
use crate::store::rollups::{self, NewRollup, Period, RollupDue, SummaryRow};

/// Monitors rolled up per tick, and hours per monitor: bounds one tick's work. 200 x 60 ticks
/// covers 12,000 monitors an hour; a backlog (say after downtime) drains 24 hours per pass.
const MONITORS_PER_TICK: u32 = 200;
const MAX_HOURS_PER_PASS: i64 = 24;
/// Monitors per read and write batch.
const GROUP: usize = 50;

/// Retention cut-offs, instants.
struct Cutoffs {
    raw_before: EpochMs,
    hourly_before: EpochMs,
    daily_before: EpochMs,
}

pub async fn upkeep(db: &D1Database, config: &Config, now: EpochMs) -> Result<usize, AppError> {
    let cut = Cutoffs {
        raw_before: now - i64::from(config.raw_retention_days) * DAY_MS,
        hourly_before: now - i64::from(config.hourly_retention_days) * DAY_MS,
        daily_before: now - i64::from(config.daily_retention_days) * DAY_MS,
    };
    let current_hour = hour_start(now);
    let due = rollups::due(db, current_hour, MONITORS_PER_TICK).await?;
    for group in due.chunks(GROUP) {
        roll_up(db, group, now, &cut).await?;
    }
    Ok(due.len())
}

/// What one monitor's pass covers.
struct Pass {
    id: i64,
    from: EpochMs,
    until: EpochMs,
    interval: u32,
    lookback: EpochMs,
}

fn pass_of(m: &RollupDue, now: EpochMs) -> Pass {
    let created = parse_iso(&m.created_at).unwrap_or(now);
    let from = if m.rolled_up_until_ms > 0 {
        m.rolled_up_until_ms
    } else {
        hour_start(created)
    };
    let until = (from + MAX_HOURS_PER_PASS * HOUR_MS)
        .min(hour_start(now))
        .max(from);
    let interval = m.check_interval_seconds.clamp(60, 86_400) as u32;
    Pass {
        id: m.id,
        from,
        until,
        interval,
        lookback: from - 2 * i64::from(interval) * 1000,
    }
}

async fn roll_up(
    db: &D1Database,
    group: &[RollupDue],
    now: EpochMs,
    cut: &Cutoffs,
) -> Result<(), AppError> {
    let passes: Vec<Pass> = group.iter().map(|m| pass_of(m, now)).collect();
    let ids: Vec<i64> = passes.iter().map(|p| p.id).collect();
    let (Some(lookback), Some(until)) = (
        passes.iter().map(|p| p.lookback).min(),
        passes.iter().map(|p| p.until).max(),
    ) else {
        return Ok(());
    };
    let mut raw: BTreeMap<i64, Vec<RawCheck>> = BTreeMap::new();
    for (id, check) in rollups::raw_checks(db, &ids, lookback, until).await? {
        raw.entry(id).or_default().push(check);
    }
    // Stored rollups the new ones merge with: the hours of every day touched (and of the
    // summary's window), and the summary's days.
    let first_day = passes
        .iter()
        .map(|p| day_start(p.from))
        .min()
        .unwrap_or(until);
    let hours_since = first_day.min(hour_start(now) - summary::HOURS as i64 * HOUR_MS);
    let days_since = day_start(now) - summary::DAYS as i64 * DAY_MS;
    let (stored_hours, stored_days) = rollups::recent(db, &ids, hours_since, days_since).await?;
    let mut hours_of: BTreeMap<i64, BTreeMap<EpochMs, Rollup>> = BTreeMap::new();
    for r in stored_hours {
        hours_of
            .entry(r.monitor_id)
            .or_default()
            .insert(r.start_ms, r.rollup);
    }
    let mut days_of: BTreeMap<i64, BTreeMap<EpochMs, Rollup>> = BTreeMap::new();
    for r in stored_days {
        days_of
            .entry(r.monitor_id)
            .or_default()
            .insert(r.start_ms, r.rollup);
    }
    let mut new: Vec<(i64, Period, EpochMs, Rollup)> = Vec::new();
    let mut summaries = Vec::new();
    for p in &passes {
        let checks: Vec<RawCheck> = raw
            .remove(&p.id)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.at_ms >= p.lookback && c.at_ms < p.until)
            .collect();
        let hours = hours_of.entry(p.id).or_default();
        let days = days_of.entry(p.id).or_default();
        let mut touched = BTreeSet::new();
        let mut hour = p.from;
        while hour < p.until {
            let r = rollup_hour(&checks, p.interval, hour);
            new.push((p.id, Period::Hour, hour, r));
            hours.insert(hour, r);
            touched.insert(day_start(hour));
            hour += HOUR_MS;
        }
        // Each day touched is the merge of its hourly rows: the ones just computed plus the
        // ones already stored for that day.
        for day in touched {
            let r = merged(hours.range(day..day + DAY_MS).map(|(_, r)| r));
            new.push((p.id, Period::Day, day, r));
            days.insert(day, r);
        }
        let as_list =
            |m: &BTreeMap<EpochMs, Rollup>| m.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>();
        summaries.push(SummaryRow {
            monitor_id: p.id,
            hours: summary::hours_text(&as_list(hours)),
            days: summary::days_text(&as_list(days)),
        });
    }
    let rows: Vec<NewRollup> = new
        .iter()
        .map(|(id, period, start, r)| NewRollup {
            monitor_id: *id,
            period: *period,
            start_ms: *start,
            rollup: r,
        })
        .collect();
    let marks: Vec<(i64, EpochMs)> = passes.iter().map(|p| (p.id, p.until)).collect();
    let mut statements = Vec::new();
    if !rows.is_empty() {
        statements.push(rollups::upsert(db, &rows)?);
    }
    statements.push(rollups::advance(db, &marks)?);
    statements.push(rollups::summaries(db, &summaries)?);
    statements.extend(rollups::prune(
        db,
        &ids,
        cut.raw_before,
        cut.hourly_before,
        cut.daily_before,
    )?);
    rollups::write(db, statements).await
}
