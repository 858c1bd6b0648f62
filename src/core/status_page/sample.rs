//! Sample data (tests, benchmarks, screenshots): deterministic, realistic histories. Not
//! part of the worker: compiled for tests and with the `bench` feature only.
use super::{IncidentInput, MaintenanceInput, MonitorInput, PageInput, DAILY_BARS};
use crate::core::buckets::{BucketState, CheckPoint, BUCKET_MS, TIMELINE_BUCKETS};
use crate::core::failure::FailureKind;
use crate::core::lcg::Lcg;
use crate::core::monitor::Role;
use crate::core::status::CheckStatus;
use crate::core::time::EpochMs;
use crate::core::uptime::{day_start, merged, Rollup, DAY_MS};

/// Owned data behind a realistic sample page; [`SampleData::input`] borrows it
/// as a [`PageInput`]. Deterministic for a given `(monitors, now_ms)`.
#[derive(Debug, Clone)]
pub struct SampleData {
    pub now_ms: EpochMs,
    pub names: Vec<String>,
    pub checks: Vec<Vec<CheckPoint>>,
    pub latencies: Vec<Vec<(EpochMs, u32)>>,
    pub daily: Vec<Vec<(EpochMs, Rollup)>>,
    pub intervals: Vec<u32>,
}



const SAMPLE_NAMES: [&str; 10] = ["Website", "API", "Checkout", "Login", "Search", "CDN", "Webhooks", "Docs", "Dashboard", "Billing"];
const SAMPLE_REGIONS: [&str; 5] = ["", " (EU)", " (US)", " (Asia)", " v2"];

/// Builds `monitors` sample monitors with mixed histories: most are healthy,
/// some had a short outage, a slow spell or a bot wall, one has a monitoring
/// gap, one is down now; 90 days of daily rollups with a few bad days.
pub fn sample_data(monitors: usize, now_ms: EpochMs) -> SampleData {
    let mut rng = Lcg(0x5747_5553 ^ monitors as u64);
    let mut data = SampleData { now_ms, names: vec![], checks: vec![], latencies: vec![], daily: vec![], intervals: vec![] };
    let window = TIMELINE_BUCKETS as i64 * BUCKET_MS;
    for k in 0..monitors {
        let name = format!("{}{}", SAMPLE_NAMES[k % SAMPLE_NAMES.len()], SAMPLE_REGIONS[(k / SAMPLE_NAMES.len()) % SAMPLE_REGIONS.len()]);
        let interval: u32 = if k % 3 == 0 { 60 } else { 300 };
        let base = 60 + rng.below(300) as u32;
        let scenario = k % 7;
        let mut checks = Vec::new();
        let mut lats = Vec::new();
        let step = i64::from(interval) * 1000;
        let mut t = now_ms - window - 2 * step + rng.below(step as u64) as i64;
        let outage_at = now_ms - window + rng.below((window - 30 * BUCKET_MS) as u64) as i64;
        let outage_len = (5 + rng.below(20) as i64) * BUCKET_MS;
        while t <= now_ms {
            let age = now_ms - t;
            let in_outage = (t - outage_at) >= 0 && (t - outage_at) < outage_len;
            let (status, slow) = match scenario {
                1 if in_outage => (CheckStatus::Down, false),
                2 if in_outage => (CheckStatus::Up, true),
                3 if in_outage => (CheckStatus::BotDetected, false),
                4 if age < 12 * BUCKET_MS => (CheckStatus::Timeout, false),
                _ => (CheckStatus::Up, false),
            };
            // Scenario 5 has a monitoring gap of about 40 minutes.
            let gap = scenario == 5 && (t - outage_at) >= 0 && (t - outage_at) < 40 * BUCKET_MS;
            if !gap {
                checks.push(CheckPoint { at_ms: t, status, slow });
                if status == CheckStatus::Up {
                    let jitter = rng.below(u64::from(base / 2)) as u32;
                    let spike = if rng.below(25) == 0 { base * 3 } else { 0 };
                    let lat = if slow { base * 5 + jitter } else { base + jitter + spike };
                    lats.push((t, lat));
                }
            }
            t += step;
        }
        let today = day_start(now_ms);
        let mut daily = Vec::new();
        for d in (0..DAILY_BARS as i64).rev() {
            let day = today - d * DAY_MS;
            // The newest monitors only started a few weeks ago.
            if k % 11 == 10 && d > 20 {
                continue;
            }
            let mut r = Rollup::default();
            let minutes: u32 = if d == 0 { ((now_ms - today) / BUCKET_MS) as u32 } else { 1440 };
            // About one day in 20 has some downtime, one in 60 a long one.
            let down = match rng.below(60) {
                0 => 20 + rng.below(120) as u32,
                1..=2 => 1 + rng.below(8) as u32,
                _ => 0,
            }
            .min(minutes);
            let unknown = if rng.below(30) == 0 { rng.below(60) as u32 } else { 0 }.min(minutes - down);
            let mut states = vec![BucketState::Up; (minutes - down - unknown) as usize];
            states.extend(std::iter::repeat_n(BucketState::Down, down as usize));
            states.extend(std::iter::repeat_n(BucketState::Unknown, unknown as usize));
            r.add_minutes(&states);
            for _ in 0..(minutes * 60 / interval.max(1)).min(1440) {
                r.add_check(CheckStatus::Up, false, Some(base + rng.below(u64::from(base)) as u32));
            }
            daily.push((day, r));
        }
        data.names.push(name);
        data.checks.push(checks);
        data.latencies.push(lats);
        data.daily.push(daily);
        data.intervals.push(interval);
    }
    data
}

impl SampleData {
    /// The sample as page input, with two incidents (one open) and one
    /// maintenance window in progress.
    pub fn input(&self) -> PageInput<'_> {
        let now = self.now_ms;
        let monitors = (0..self.names.len())
            .map(|k| {
                let checks = &self.checks[k];
                let last = checks.last();
                let uptime_all = merged(self.daily[k].iter().map(|(_, r)| r));
                let recent = |days: i64| {
                    let from = day_start(now) - (days - 1) * DAY_MS;
                    merged(self.daily[k].iter().filter(|(d, _)| *d >= from).map(|(_, r)| r)).uptime()
                };
                MonitorInput {
                    id: k as i64 + 1,
                    name: &self.names[k],
                    role: if k % 5 == 4 { Role::Supplementary } else { Role::Core },
                    interval_seconds: self.intervals[k],
                    status: last.map(|c| c.status),
                    slow: last.is_some_and(|c| c.slow),
                    last_checked_ms: last.map(|c| c.at_ms),
                    recent: checks,
                    latency_points: &self.latencies[k],
                    daily: &self.daily[k],
                    uptime: [recent(1), recent(7), recent(30), uptime_all.uptime()],
                }
            })
            .collect();
        // Scenario 4 (k = 4) is timing out right now; scenario 1 had an outage.
        let down_now = self.names.get(4).or(self.names.first()).map_or("Website", String::as_str);
        let had_outage = self.names.get(1).or(self.names.first()).map_or("Website", String::as_str);
        PageInput {
            project_name: "Acme Cloud",
            project_slug: "acme",
            now_ms: now,
            monitors,
            incidents: vec![
                IncidentInput {
                    id: 42,
                    monitor_name: down_now,
                    opened_ms: now - 11 * BUCKET_MS,
                    resolved_ms: None,
                    kind: Some(FailureKind::Timeout),
                    http_status: None,
                },
                IncidentInput {
                    id: 41,
                    monitor_name: had_outage,
                    opened_ms: now - 2 * DAY_MS,
                    resolved_ms: Some(now - 2 * DAY_MS + 125 * BUCKET_MS),
                    kind: Some(FailureKind::Status),
                    http_status: Some(503),
                },
            ],
            maintenance: vec![MaintenanceInput {
                title: "Database upgrade",
                starts_ms: now - 30 * BUCKET_MS,
                ends_ms: now + 90 * BUCKET_MS,
            }],
        }
    }
}
