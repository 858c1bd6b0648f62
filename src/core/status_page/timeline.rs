//! One monitor's history as the page draws it: the 240 one-minute buckets as runs, the
//! 90-day bar and the latency sparkline (DESIGN.md §5 for the bucket rule).
use std::fmt::Write as _;

use super::view::{current, state_of, DayCounts, state_text, uptime_text, DayState, DayView, LatencyView, MonitorView, StateCounts, TimelineRun, UptimeView};
use super::{MonitorInput, DAILY_BARS, SPARK_H, SPARK_W};
use crate::core::buckets::{fill_buckets, BUCKET_MS, TIMELINE_BUCKETS};
use crate::core::status::CheckStatus;
use crate::core::time::EpochMs;
use crate::core::uptime::{day_start, Rollup, DAY_MS};

/// Start of the first timeline bucket (the window is 240 whole minutes ending
/// with the minute that contains `now`).
pub(super) fn window_start(now: EpochMs) -> EpochMs {
    now.div_euclid(BUCKET_MS) * BUCKET_MS - (TIMELINE_BUCKETS as i64 - 1) * BUCKET_MS
}

pub(super) fn monitor_view(m: &MonitorInput, now: EpochMs, bins: usize) -> MonitorView {
    let status = current(m, now);
    let slow = m.slow && status == Some(CheckStatus::Up);
    let states = fill_buckets(m.recent, m.interval_seconds, now, TIMELINE_BUCKETS);
    let start = window_start(now);
    let mut timeline: Vec<TimelineRun> = Vec::new();
    let mut counts = StateCounts::default();
    for (i, &s) in states.iter().enumerate() {
        counts.add(s);
        let at = start + i as i64 * BUCKET_MS;
        let end = (at + BUCKET_MS).min(now.max(at));
        match timeline.last_mut() {
            Some(run) if run.state == s => {
                run.minutes += 1;
                run.to = end;
            }
            _ => timeline.push(TimelineRun { state: s, minutes: 1, from: at, to: end }),
        }
    }
    let uptime = ["24h", "7d", "30d", "90d"]
        .iter()
        .zip(m.uptime.iter())
        .map(|(w, v)| UptimeView { window: w, value: *v, text: uptime_text(*v) })
        .collect();
    MonitorView {
        id: m.id,
        name: m.name.to_string(),
        role: m.role,
        status,
        slow,
        state: state_of(status, slow),
        state_text: state_text(status, slow),
        last_checked_at: m.last_checked_ms,
        timeline,
        timeline_minutes: counts,
        daily: daily_views(m.daily, now),
        uptime,
        latency: latency_view(m.latency_points, m.interval_seconds, now, bins),
    }
}

pub(super) fn daily_views(daily: &[(EpochMs, Rollup)], now: EpochMs) -> Vec<DayView> {
    let first = day_start(now) - (DAILY_BARS as i64 - 1) * DAY_MS;
    let mut per_day = [DayCounts::default(); DAILY_BARS];
    for (day, r) in daily {
        let d = day_start(*day);
        if d < first {
            continue;
        }
        if let Some(slot) = usize::try_from((d - first) / DAY_MS).ok().and_then(|i| per_day.get_mut(i)) {
            // Merge rather than overwrite: duplicate rows for a day (e.g. a
            // partial "today" row next to a finished one) must not lose data.
            slot.add(&DayCounts::of(r));
        }
    }
    per_day
        .iter()
        .enumerate()
        .map(|(i, r)| DayView {
            date: first + i as i64 * DAY_MS,
            state: DayState::of_counts(r),
            uptime: (r.known_minutes > 0).then(|| f64::from(r.up_minutes.min(r.known_minutes)) / f64::from(r.known_minutes)),
            up_minutes: r.up_minutes,
            known_minutes: r.known_minutes,
            down_minutes: r.known_minutes.saturating_sub(r.up_minutes),
            bot_minutes: r.bot_minutes,
        })
        .collect()
}

pub(super) fn latency_view(points: &[(EpochMs, u32)], interval_seconds: u32, now: EpochMs, bins: usize) -> LatencyView {
    let start = window_start(now);
    // At most one bin per viewBox unit, so bin centres stay distinct integers.
    let bins = bins.clamp(1, SPARK_W as usize);
    let bin_ms = TIMELINE_BUCKETS as i64 * BUCKET_MS / bins as i64;
    let mut sums = vec![(0u64, 0u32); bins];
    let (mut min, mut max, mut sum, mut n) = (u32::MAX, 0u32, 0u64, 0u64);
    for &(t, v) in points {
        if t < start || t > now {
            continue;
        }
        let Some(bin) = usize::try_from((t - start) / bin_ms).ok().and_then(|b| sums.get_mut(b)) else {
            continue;
        };
        bin.0 += u64::from(v);
        bin.1 += 1;
        min = min.min(v);
        max = max.max(v);
        sum += u64::from(v);
        n += 1;
    }
    let series: Vec<Option<u32>> = sums
        .iter()
        .map(|&(s, c)| (c > 0).then(|| u32::try_from((s + u64::from(c) / 2) / u64::from(c)).unwrap_or(u32::MAX)))
        .collect();
    let avg = (n > 0).then(|| u32::try_from((sum + n / 2) / n).unwrap_or(u32::MAX));
    // Bridge empty bins up to the timeline's freshness window (2 x interval):
    // a 5-minute monitor leaves some bins empty, which is not a gap in data.
    let bridge = usize::try_from(i64::from(interval_seconds) * 2000 / bin_ms).unwrap_or(0);
    let path = spark_path(&series, SPARK_W, SPARK_H, bridge);
    LatencyView {
        series,
        min_ms: (n > 0).then_some(min),
        avg_ms: avg,
        max_ms: (n > 0).then_some(max),
        path,
    }
}

/// SVG path for a series of optional values: one point per bin, x at bin
/// centres (`width / bins` apart), y scaled from 0 to the maximum with a 2-unit
/// margin. Relative commands keep it short. Up to `bridge` missing bins in a
/// row are drawn across; longer runs break the line, and a lone point becomes
/// a zero-length segment that round caps draw as a dot.
pub(super) fn spark_path(series: &[Option<u32>], width: i64, height: i64, bridge: usize) -> String {
    let max = series.iter().flatten().copied().max().unwrap_or(0).max(1);
    let bins = series.len().max(1) as i64;
    let step = width / bins;
    let y_of = |v: u32| -> i64 { height - 2 - (i64::from(v) * (height - 4) + i64::from(max) / 2) / i64::from(max) };
    let mut out = String::with_capacity(series.len() * 5);
    let mut last: Option<(i64, i64)> = None; // last drawn point
    let mut missing = 0usize; // empty bins since the last point
    let mut segment_len = 0;
    for (i, v) in series.iter().enumerate() {
        let x = i as i64 * step + step / 2;
        match v {
            Some(v) => {
                let y = y_of(*v);
                match (last, missing <= bridge) {
                    (None, _) => {
                        let _ = write!(out, "M{x} {y}");
                        segment_len = 1;
                    }
                    (Some((lx, ly)), true) => {
                        if segment_len == 1 {
                            out.push('l');
                        }
                        push_pair(&mut out, x - lx, y - ly);
                        segment_len += 1;
                    }
                    (Some((lx, ly)), false) => {
                        if segment_len == 1 {
                            out.push_str("l0 0");
                        }
                        out.push('m');
                        push_pair(&mut out, x - lx, y - ly);
                        segment_len = 1;
                    }
                }
                last = Some((x, y));
                missing = 0;
            }
            None => missing += 1,
        }
    }
    if segment_len == 1 {
        out.push_str("l0 0");
    }
    out
}

/// Appends "dx dy" with the fewest separators SVG path syntax allows (a minus
/// sign separates numbers by itself).
pub(super) fn push_pair(out: &mut String, dx: i64, dy: i64) {
    for v in [dx, dy] {
        if v >= 0 && out.ends_with(|c: char| c.is_ascii_digit()) {
            out.push(' ');
        }
        let _ = write!(out, "{v}");
    }
}
