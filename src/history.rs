//! History upkeep, run by the cron: finished hours of raw checks become hourly rollups (and
//! their days daily rollups), then old raw checks and rollups are pruned. Pages read rollups
//! for anything older than the last hour, so they never scan long raw history.
use std::collections::BTreeMap;

use worker::D1Database;

use crate::bindings::Config;
use crate::core::time::{parse_iso, EpochMs};
use crate::core::uptime::{day_start, hour_start, merged, rollup_hour, RawCheck, Rollup, DAY_MS, HOUR_MS};
use crate::error::AppError;
use crate::store::rollups::{self, Period};

/// Monitors rolled up per tick, and hours per monitor: bounds one tick's work. 200 x 60 ticks
/// covers 12,000 monitors an hour; a backlog (say after downtime) drains 24 hours per pass.
const MONITORS_PER_TICK: u32 = 200;
const MAX_HOURS_PER_PASS: i64 = 24;

pub async fn upkeep(db: &D1Database, config: &Config, now: EpochMs) -> Result<usize, AppError> {
    let rolled = roll_up(db, now).await?;
    rollups::prune(
        db,
        (now - i64::from(config.raw_retention_days) * DAY_MS).div_euclid(1000),
        now - i64::from(config.hourly_retention_days) * DAY_MS,
        now - i64::from(config.daily_retention_days) * DAY_MS,
    )
    .await?;
    Ok(rolled)
}

async fn roll_up(db: &D1Database, now: EpochMs) -> Result<usize, AppError> {
    let current_hour = hour_start(now);
    let due = rollups::due(db, current_hour, MONITORS_PER_TICK).await?;
    for m in &due {
        let created = parse_iso(&m.created_at).unwrap_or(now);
        let from = if m.rolled_up_until > 0 { m.rolled_up_until } else { hour_start(created) };
        let until = (from + MAX_HOURS_PER_PASS * HOUR_MS).min(current_hour);
        let interval = m.check_interval_seconds.clamp(60, 86_400) as u32;
        let lookback_s = (from - 2 * i64::from(interval) * 1000).div_euclid(1000);
        let checks: Vec<RawCheck> =
            rollups::raw_checks(db, &[m.id], lookback_s, until.div_euclid(1000)).await?.into_iter().map(|(_, c)| c).collect();
        let mut statements = Vec::new();
        let mut hours: BTreeMap<EpochMs, Rollup> = BTreeMap::new();
        let mut hour = from;
        while hour < until {
            let r = rollup_hour(&checks, interval, hour);
            statements.push(rollups::replace(db, m.id, Period::Hour, hour, &r)?);
            hours.insert(hour, r);
            hour += HOUR_MS;
        }
        // Each day touched is the merge of its hourly rows: the ones just computed plus the ones
        // already stored for that day.
        let days: Vec<EpochMs> = hours.keys().map(|h| day_start(*h)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
        for day in days {
            let stored = rollups::of_monitors(db, &[m.id], Period::Hour, day).await?;
            let mut of_day: BTreeMap<EpochMs, Rollup> =
                stored.into_iter().filter(|r| r.start_ms < day + DAY_MS).map(|r| (r.start_ms, r.rollup)).collect();
            of_day.extend(hours.range(day..day + DAY_MS).map(|(k, v)| (*k, *v)));
            statements.push(rollups::replace(db, m.id, Period::Day, day, &merged(of_day.values()))?);
        }
        statements.push(rollups::advance(db, m.id, until)?);
        rollups::write(db, statements).await?;
    }
    Ok(due.len())
}
