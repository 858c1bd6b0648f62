//! Heartbeat (push) monitors (DESIGN.md §3), with healthchecks.io's semantics: a job pings
//! `/ping/{token}` when it succeeds, and the monitor goes DOWN when a ping is late.
//!
//! The state machine is pure: the glue reads a monitor's [`State`] (a JSON column) and its
//! status, hands a ping or a passed deadline to [`on_ping`] or [`on_deadline`], and writes back
//! what they return: the new state, the next deadline (`monitors.deadline_ms`, which the cron
//! finds overdue through a partial index) and, for pings that finish a run and for missed
//! deadlines, a check to record through the same recorder HTTP checks use.
//!
//! Deadlines (healthchecks.io's `going_down_after`):
//! - a new monitor has none until its first ping: it is not DOWN before it;
//! - after a finish (success or failure) the next ping is expected one period later (or at the
//!   schedule's next fire after it) and is late `grace` after that;
//! - after `/start` a finish must come within `grace` of the start;
//! - a missed deadline records a DOWN check (`missed_heartbeat`) and expects the next ping one
//!   period on, so a silent job keeps its monitor DOWN on the timeline as a failing URL would.
use chrono::{DateTime, FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use serde::{Deserialize, Serialize};

use super::failure::{Failure, FailureKind};
use super::input::FieldError;
use super::monitor::MonitorSpec;
use super::status::CheckStatus;
use super::text::duration_secs;
use super::schedule::slot_of;
use super::time::{iso, EpochMs};

/// healthchecks.io's default grace time: one hour.
pub const DEFAULT_GRACE_SECONDS: u32 = 3600;
/// healthchecks.io's default period: one day.
pub const DEFAULT_PERIOD_SECONDS: u32 = 86_400;
/// Period and grace bounds, in seconds (one minute, as the cron's resolution, to 30 days).
pub const SECONDS_RANGE: (u32, u32) = (60, 2_592_000);
/// A ping's body is kept up to this many bytes (healthchecks.io's limit); the rest is cut.
pub const BODY_MAX: usize = 10_000;
/// A run id (`?rid=`) is 1 to 64 of `A-Z a-z 0-9 . _ -` (UUIDs fit).
pub const RID_MAX: usize = 64;
/// Open runs remembered per monitor; a start beyond this forgets the oldest.
pub const RUNS_MAX: usize = 10;
/// Pings accepted per token per rate window; more are answered 429 and write nothing.
pub const PINGS_PER_WINDOW: u32 = 30;
pub const RATE_WINDOW_MS: EpochMs = 60_000;
/// How far ahead [`next_fire`] looks for a schedule's next run (a 29 February schedule).
const CRON_HORIZON_YEARS: i32 = 9;

/// A heartbeat monitor's defaults over the common ones (healthchecks.io's): a ping a day, an
/// hour's grace, and DOWN at the first missed deadline (the grace time is the patience).
pub fn spec_defaults(merged: &mut serde_json::Map<String, serde_json::Value>) {
    merged.insert("check_interval_seconds".into(), DEFAULT_PERIOD_SECONDS.into());
    merged.insert("failure_threshold".into(), 1.into());
    merged.insert("grace_seconds".into(), DEFAULT_GRACE_SECONDS.into());
}

/// Fills what a heartbeat monitor always has: a grace time, and a zone with a schedule.
pub fn fill_spec(spec: &mut MonitorSpec) {
    spec.grace_seconds.get_or_insert(DEFAULT_GRACE_SECONDS);
    if spec.schedule.is_some() {
        spec.tz.get_or_insert_with(|| "UTC".to_string());
    }
}

/// A heartbeat monitor's own fields. The zone's name is checked here by its form; whether the
/// runtime knows it is the glue's question (`zone::check`).
pub fn validate_spec(spec: &MonitorSpec) -> Result<(), FieldError> {
    if !spec.url.is_empty() {
        return Err(FieldError::new("url", "heartbeat monitors have no url (they are pinged): leave it out or set it to null"));
    }
    let (lo, hi) = SECONDS_RANGE;
    match spec.grace_seconds {
        Some(g) if !(lo..=hi).contains(&g) => return Err(FieldError::new("grace_seconds", format!("must be between {lo} and {hi}, got {g}"))),
        _ => {}
    }
    if let Some(expr) = &spec.schedule {
        parse_cron(expr.trim()).map_err(|e| FieldError::new("schedule", e))?;
    }
    match (&spec.schedule, &spec.tz) {
        (None, Some(_)) => Err(FieldError::new("tz", "is the time zone of a schedule: set schedule too, or leave tz out")),
        (Some(_), Some(tz)) if !zone_name_ok(tz) => Err(FieldError::new("tz", "must be an IANA time zone name such as Europe/Berlin or UTC")),
        _ => Ok(()),
    }
}

/// The form of an IANA zone name (`UTC`, `Europe/Berlin`, `America/Argentina/Buenos_Aires`,
/// `Etc/GMT+5`).
pub fn zone_name_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('/').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-".contains(&b)))
}

/// The failure kinds this state machine decides (no probe produces them).
pub const KINDS: [FailureKind; 2] = [FailureKind::MissedHeartbeat, FailureKind::JobFailed];

/// What a ping says, from the last path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// `/ping/{token}`: the job succeeded.
    Success,
    /// `/ping/{token}/start`: a run began; its finish must follow within the grace time.
    Start,
    /// `/ping/{token}/fail`: the job failed.
    Fail,
    /// `/ping/{token}/log`: a message, no state change.
    Log,
    /// `/ping/{token}/{0-255}`: the job's exit status; 0 is success.
    Exit(u8),
}

/// Why a ping path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadSignal {
    /// Not a signal at all (answered 404, like an unknown path).
    Unknown,
    /// A number outside 0-255 (answered 400).
    ExitStatus,
}

impl Signal {
    /// The signal of `/ping/{token}` (`None`) or `/ping/{token}/{segment}`.
    pub fn parse(segment: Option<&str>) -> Result<Self, BadSignal> {
        match segment {
            None | Some("") => Ok(Self::Success),
            Some("start") => Ok(Self::Start),
            Some("fail") => Ok(Self::Fail),
            Some("log") => Ok(Self::Log),
            Some(n) if !n.is_empty() && n.len() <= 5 && n.bytes().all(|b| b.is_ascii_digit()) => {
                n.parse::<u16>().ok().and_then(|v| u8::try_from(v).ok()).map(Self::Exit).ok_or(BadSignal::ExitStatus)
            }
            Some(_) => Err(BadSignal::Unknown),
        }
    }

    /// The stored kind of the ping log: `success`, `start`, `fail`, `log` or `exit`.
    pub fn kind(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Start => "start",
            Self::Fail => "fail",
            Self::Log => "log",
            Self::Exit(_) => "exit",
        }
    }

    pub fn exit_status(self) -> Option<u8> {
        match self {
            Self::Exit(n) => Some(n),
            _ => None,
        }
    }

    /// Whether this ping ends a run, and how: `Some(true)` success, `Some(false)` failure.
    fn finish(self) -> Option<bool> {
        match self {
            Self::Success | Self::Exit(0) => Some(true),
            Self::Fail | Self::Exit(_) => Some(false),
            Self::Start | Self::Log => None,
        }
    }
}

/// A `?rid=` value, or why it is refused (answered 400).
pub fn parse_rid(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    match raw {
        None => Ok(None),
        Some(r) if !r.is_empty() && r.len() <= RID_MAX && r.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) => Ok(Some(r.to_string())),
        Some(_) => Err("rid must be 1 to 64 letters, digits, '.', '_' or '-' (a UUID fits)"),
    }
}

/// The kept part of a ping body: at most [`BODY_MAX`] bytes, cut at a character boundary,
/// bytes that are not UTF-8 replaced (a log excerpt is for reading, not for parsing).
pub fn kept_body(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_MAX + 4)]);
    let mut end = text.len().min(BODY_MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Some(text[..end].to_string())
}

/// A run begun by `/start` and not finished yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<String>,
    pub started_ms: EpochMs,
}

/// A heartbeat monitor's own state (stored as JSON in `monitors.heartbeat_state`). The status
/// and streaks are the monitor's, as for every monitor; this is what only pings need.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct State {
    /// The time the next expected ping is counted from: the last finish, or the expected time
    /// a missed deadline stood for. `None` until the first ping.
    #[serde(default)]
    pub anchor_ms: Option<EpochMs>,
    #[serde(default)]
    pub runs: Vec<Run>,
    #[serde(default)]
    pub last_ping_ms: Option<EpochMs>,
    #[serde(default)]
    pub last_duration_ms: Option<EpochMs>,
    /// The rate window: when it began and the pings accepted in it.
    #[serde(default)]
    pub window_ms: EpochMs,
    #[serde(default)]
    pub window_pings: u32,
    /// The slot of the last check recorded for this monitor, so the next one gets a later slot
    /// (a check's slot is its key: a finish in the same second as the last check would be lost).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_slot: Option<i64>,
}

impl State {
    /// The slot for a check at `at_ms`: its second, or the one after the last check's.
    fn take_slot(&mut self, at_ms: EpochMs) -> i64 {
        let slot = self.last_slot.map_or(slot_of(at_ms), |last| slot_of(at_ms).max(last + 1));
        self.last_slot = Some(slot);
        slot
    }
}

impl State {
    /// The stored text; `None` (the column's NULL) reads as a new monitor.
    pub fn parse(text: Option<&str>) -> Self {
        text.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default()
    }

    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A time zone's offset from UTC at any instant. The worker asks the runtime's ICU (`Intl`),
/// so no zone data is compiled into the wasm; host tests use chrono-tz's IANA rules.
pub trait ZoneRules {
    /// Seconds east of UTC at the instant `utc_ms`.
    fn offset_seconds(&self, utc_ms: EpochMs) -> i32;
}

/// [`ZoneRules`] as a chrono time zone, so the cron crate can walk local time in it.
#[derive(Clone, Copy)]
pub struct Zone<'a>(pub &'a dyn ZoneRules);

#[derive(Clone, Copy)]
pub struct ZoneOffset<'a> {
    zone: Zone<'a>,
    fixed: FixedOffset,
}

impl std::fmt::Debug for ZoneOffset<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.fixed)
    }
}

impl Offset for ZoneOffset<'_> {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl<'a> Zone<'a> {
    fn offset_at(&self, utc_ms: EpochMs) -> ZoneOffset<'a> {
        let secs = self.0.offset_seconds(utc_ms).clamp(-86_399, 86_399);
        let fixed = FixedOffset::east_opt(secs).unwrap_or_else(|| chrono::Utc.fix());
        ZoneOffset { zone: *self, fixed }
    }
}

impl<'a> TimeZone for Zone<'a> {
    type Offset = ZoneOffset<'a>;

    fn from_offset(offset: &ZoneOffset<'a>) -> Self {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset<'a>> {
        match local.and_hms_opt(0, 0, 0) {
            Some(dt) => self.offset_from_local_datetime(&dt),
            None => MappedLocalTime::None,
        }
    }

    /// A wall time maps to the instants `local - offset` whose offset is that offset: the
    /// offsets a day before and after are the only candidates (zones change at most once a
    /// day), so none fits in a spring-forward gap and both fit in a fall-back overlap.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset<'a>> {
        let wall_ms = local.and_utc().timestamp_millis();
        let mut fits: Vec<ZoneOffset<'a>> = Vec::with_capacity(2);
        for probe in [wall_ms - 86_400_000, wall_ms + 86_400_000] {
            let candidate = self.offset_at(probe).fixed.local_minus_utc();
            let at = wall_ms - i64::from(candidate) * 1000;
            let actual = self.offset_at(at);
            if actual.fixed.local_minus_utc() == candidate && !fits.iter().any(|f| f.fixed == actual.fixed) {
                fits.push(actual);
            }
        }
        // Earlier instant first: the larger offset is the earlier instant of one wall time.
        fits.sort_by_key(|f| std::cmp::Reverse(f.fixed.local_minus_utc()));
        match fits.as_slice() {
            [one] => MappedLocalTime::Single(*one),
            [earlier, later] => MappedLocalTime::Ambiguous(*earlier, *later),
            _ => MappedLocalTime::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset<'a> {
        self.offset_at(utc.and_hms_opt(0, 0, 0).map_or(0, |d| d.and_utc().timestamp_millis()))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset<'a> {
        self.offset_at(utc.and_utc().timestamp_millis())
    }
}

/// A cron expression (five fields, POSIX/Vixie with croner's extensions), or why not.
pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    let fields = expr.split_whitespace().count();
    if !(expr.starts_with('@') || fields == 5) {
        return Err("must be a cron expression of five fields (minute hour day month weekday), e.g. \"0 3 * * *\"".into());
    }
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .build()
        .parse(expr)
        .map_err(|e| format!("is not a valid cron expression: {e}"))
}

/// The schedule's first run strictly after `after_ms`, in `zone`'s local time (a time in a
/// spring-forward gap runs at the gap's end; one in a fall-back overlap runs once, the earlier).
pub fn next_fire(cron: &croner::Cron, zone: Zone<'_>, after_ms: EpochMs) -> Option<EpochMs> {
    let start: DateTime<Zone<'_>> = zone.timestamp_millis_opt(after_ms).single()?;
    let found = cron.find_next_occurrence(&start, false).ok()?;
    let year = |ms: EpochMs| chrono::DateTime::from_timestamp_millis(ms).map_or(0, |d| chrono::Datelike::year(&d));
    let at = found.timestamp_millis();
    (year(at) - year(after_ms) <= CRON_HORIZON_YEARS).then_some(at)
}

/// When pings are expected.
#[derive(Clone, Copy)]
pub enum Expect<'a> {
    /// Every `period_ms` after the last one.
    Period { period_ms: EpochMs },
    /// At each run of a cron schedule, in a time zone.
    Cron { cron: &'a croner::Cron, zone: Zone<'a> },
}

/// A monitor's timing: when pings are expected, and how late one may be.
#[derive(Clone, Copy)]
pub struct Timing<'a> {
    pub expect: Expect<'a>,
    pub grace_ms: EpochMs,
}

impl Timing<'_> {
    /// When the ping after one at `anchor_ms` is expected.
    fn expected_after(&self, anchor_ms: EpochMs) -> Option<EpochMs> {
        match self.expect {
            Expect::Period { period_ms } => Some(anchor_ms + period_ms.max(1)),
            Expect::Cron { cron, zone } => next_fire(cron, zone, anchor_ms),
        }
    }

    /// The deadline of the next expected ping, as (expected time, deadline).
    fn next_expected(&self, state: &State) -> Option<(EpochMs, EpochMs)> {
        let expected = self.expected_after(state.anchor_ms?)?;
        Some((expected, expected + self.grace_ms))
    }

    /// The earliest deadline of an open run: its start plus the grace time.
    fn run_deadline(&self, state: &State) -> Option<EpochMs> {
        state.runs.iter().map(|r| r.started_ms + self.grace_ms).min()
    }

    /// The monitor's deadline: the next expected ping or an open run's, whichever is earlier;
    /// `None` for a new monitor that has had no ping (it waits, never DOWN).
    pub fn deadline(&self, state: &State) -> Option<EpochMs> {
        [self.next_expected(state).map(|(_, d)| d), self.run_deadline(state)].into_iter().flatten().min()
    }
}

/// A check the state machine asks the recorder to write, as a classifier's verdict would say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub status: CheckStatus,
    pub failure: Option<Failure>,
    /// A finished run's duration (shown as the check's latency).
    pub duration_ms: Option<EpochMs>,
}

/// What a ping does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingOutcome {
    pub state: State,
    pub deadline_ms: Option<EpochMs>,
    /// The check to record (a finish), or `None` (`/start`, `/log`).
    pub finding: Option<Finding>,
    /// The slot of that check.
    pub slot: Option<i64>,
    /// The run this finish closed, measured from its `/start`.
    pub duration_ms: Option<EpochMs>,
}

/// A ping refused by the per-token rate limit, with the wait until the window reopens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub retry_after_ms: EpochMs,
}

/// Applies one ping at `now`.
pub fn on_ping(state: &State, signal: Signal, rid: Option<&str>, now: EpochMs, timing: &Timing<'_>) -> Result<PingOutcome, RateLimited> {
    let mut s = state.clone();
    if now - s.window_ms >= RATE_WINDOW_MS || now < s.window_ms {
        s.window_ms = now;
        s.window_pings = 0;
    }
    if s.window_pings >= PINGS_PER_WINDOW {
        return Err(RateLimited { retry_after_ms: s.window_ms + RATE_WINDOW_MS - now });
    }
    s.window_pings += 1;
    s.last_ping_ms = Some(now);
    let mut finding = None;
    let mut duration_ms = None;
    match signal {
        Signal::Start => {
            // A start with the same rid (or a second one without) restarts that run.
            s.runs.retain(|r| r.rid.as_deref() != rid);
            s.runs.push(Run { rid: rid.map(str::to_string), started_ms: now });
            if s.runs.len() > RUNS_MAX {
                s.runs.remove(0);
            }
        }
        Signal::Log => {}
        _ => {
            let up = signal.finish().unwrap_or(true);
            // The run this finish ends: the one with its rid (none with none), as healthchecks.io pairs them.
            if let Some(i) = s.runs.iter().position(|r| r.rid.as_deref() == rid) {
                duration_ms = Some((now - s.runs.remove(i).started_ms).max(0));
            }
            s.last_duration_ms = duration_ms;
            s.anchor_ms = Some(now);
            let failure = (!up).then(|| match signal {
                Signal::Exit(n) => Failure::new(FailureKind::JobFailed, format!("exit status {n}")),
                _ => Failure::new(FailureKind::JobFailed, "the job reported failure (/fail)"),
            });
            finding = Some(Finding { status: if up { CheckStatus::Up } else { CheckStatus::Down }, failure, duration_ms });
        }
    }
    let slot = finding.is_some().then(|| s.take_slot(now));
    Ok(PingOutcome { deadline_ms: timing.deadline(&s), state: s, finding, slot, duration_ms })
}

/// What a passed deadline does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissOutcome {
    pub state: State,
    pub deadline_ms: Option<EpochMs>,
    pub finding: Finding,
    /// The instant the DOWN check stands for: the deadline that passed.
    pub at_ms: EpochMs,
    /// Its slot, from the state read: two sweeps of the same deadline record one check.
    pub slot: i64,
}

/// The cron found the monitor's deadline passed at `now`: a DOWN check, and the next deadline.
/// `None` when nothing is overdue (a ping moved the deadline since it was read).
pub fn on_deadline(state: &State, now: EpochMs, timing: &Timing<'_>) -> Option<MissOutcome> {
    let deadline = timing.deadline(state).filter(|d| *d <= now)?;
    let mut s = state.clone();
    let grace = duration_secs(timing.grace_ms / 1000);
    let reason = match timing.run_deadline(state) {
        Some(run) if run == deadline => {
            let started = s.runs.iter().map(|r| r.started_ms).min().unwrap_or(deadline - timing.grace_ms);
            format!("started at {}, no finish within the grace time ({grace})", iso(started))
        }
        _ => match timing.next_expected(state) {
            Some((expected, _)) => format!("no ping since {}: expected by {}, grace {grace}", iso(state.anchor_ms.unwrap_or(expected)), iso(expected)),
            None => format!("no ping within the grace time ({grace})"),
        },
    };
    // Runs past their grace are over: their late finish, if it comes, is a plain ping.
    s.runs.retain(|r| r.started_ms + timing.grace_ms > now);
    // Expected pings that passed count as missed; the next one is expected after the last of
    // them, so a job silent for days records one DOWN check here, not one per missed period.
    if let Some((mut expected, mut due)) = timing.next_expected(&s) {
        let mut steps = 0;
        while due <= now && steps < 100_000 {
            s.anchor_ms = Some(expected);
            match timing.next_expected(&s) {
                Some(next) => (expected, due) = next,
                None => break,
            }
            steps += 1;
        }
    }
    let finding = Finding { status: CheckStatus::Down, failure: Some(Failure::new(FailureKind::MissedHeartbeat, reason)), duration_ms: None };
    let slot = s.take_slot(deadline);
    Some(MissOutcome { deadline_ms: timing.deadline(&s), state: s, finding, at_ms: deadline, slot })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    /// IANA rules from chrono-tz, as the worker gets them from Intl.
    struct Iana(chrono_tz::Tz);

    impl ZoneRules for Iana {
        fn offset_seconds(&self, utc_ms: EpochMs) -> i32 {
            use chrono::Offset as _;
            self.0.offset_from_utc_datetime(&DateTime::from_timestamp_millis(utc_ms).unwrap().naive_utc()).fix().local_minus_utc()
        }
    }

    const MIN: EpochMs = 60_000;
    const T0: EpochMs = 1_795_238_700_000; // 2026-11-21T05:25:00Z

    fn period(minutes: i64, grace_minutes: i64) -> Timing<'static> {
        Timing { expect: Expect::Period { period_ms: minutes * MIN }, grace_ms: grace_minutes * MIN }
    }

    fn ms(text: &str) -> EpochMs {
        crate::core::time::parse_iso(text).unwrap()
    }

    /// Runs a script of events on one monitor and returns what each did: `U`/`D` a check UP or
    /// DOWN recorded, `.` nothing recorded; and the deadlines after each event.
    /// Events: (minute, what): "ping", "start", "fail", "log", "exit N", "rid:X start", "rid:X ping", "tick".
    fn run(timing: &Timing<'_>, script: &[(i64, &str)]) -> (String, Vec<Option<i64>>, State) {
        let mut s = State::default();
        let (mut out, mut deadlines) = (String::new(), Vec::new());
        for (minute, what) in script {
            let now = T0 + minute * MIN;
            let (rid, what) = match what.strip_prefix("rid:") {
                Some(rest) => {
                    let (rid, w) = rest.split_once(' ').unwrap();
                    (Some(rid), w)
                }
                None => (None, *what),
            };
            if what == "tick" {
                match on_deadline(&s, now, timing) {
                    Some(m) => {
                        assert_eq!(m.finding.failure.as_ref().unwrap().kind, FailureKind::MissedHeartbeat);
                        out.push('D');
                        s = m.state;
                    }
                    None => out.push('.'),
                }
            } else {
                let signal = match what {
                    "ping" => Signal::Success,
                    "start" => Signal::Start,
                    "fail" => Signal::Fail,
                    "log" => Signal::Log,
                    n => Signal::Exit(n.strip_prefix("exit ").unwrap().parse().unwrap()),
                };
                let o = on_ping(&s, signal, rid, now, timing).unwrap();
                out.push(match o.finding.map(|f| f.status) {
                    Some(CheckStatus::Up) => 'U',
                    Some(_) => 'D',
                    None => '.',
                });
                s = o.state;
            }
            deadlines.push(timing.deadline(&s).map(|d| (d - T0) / MIN));
        }
        (out, deadlines, s)
    }

    #[test]
    fn state_machine_table() {
        let t = period(10, 5); // every 10 minutes, 5 minutes grace
        type Case<'a> = (&'a str, &'a [(i64, &'a str)], &'a str, &'a [Option<i64>]);
        #[rustfmt::skip]
        let cases: &[Case] = &[
            ("new waits for its first ping: never DOWN", &[(0, "tick"), (60, "tick"), (600, "tick")], "...", &[None, None, None]),
            ("up: pinged on time stays up", &[(0, "ping"), (9, "tick"), (10, "ping"), (14, "tick"), (20, "ping"), (34, "tick")],
                "U.U.U.", &[Some(15), Some(15), Some(25), Some(25), Some(35), Some(35)]),
            ("late: inside the grace time is not down", &[(0, "ping"), (14, "tick"), (15, "ping")], "U.U", &[Some(15), Some(15), Some(30)]),
            ("down: period + grace passed", &[(0, "ping"), (15, "tick"), (16, "tick")], "UD.", &[Some(15), Some(25), Some(25)]),
            ("down stays down once a period, recovered on the next ping", &[(0, "ping"), (15, "tick"), (25, "tick"), (27, "ping"), (40, "tick")],
                "UDDU.", &[Some(15), Some(25), Some(35), Some(42), Some(42)]),
            ("a long silence records one DOWN, then one per period", &[(0, "ping"), (300, "tick"), (301, "tick"), (305, "tick")],
                "UD.D", &[Some(15), Some(305), Some(305), Some(315)]),
            ("started on a new monitor: grace after the start", &[(0, "start"), (4, "tick"), (5, "tick"), (6, "tick")], "..D.", &[Some(5), Some(5), None, None]),
            ("start then finish: the run ends, next expected a period later", &[(0, "start"), (2, "ping"), (17, "tick")], ".UD", &[Some(5), Some(17), Some(27)]),
            ("fail goes down at once", &[(0, "ping"), (3, "fail")], "UD", &[Some(15), Some(18)]),
            ("exit 0 is success, exit 1 failure", &[(0, "exit 0"), (1, "exit 1"), (2, "exit 255"), (3, "exit 0")], "UDDU", &[Some(15), Some(16), Some(17), Some(18)]),
            ("log changes nothing", &[(0, "ping"), (5, "log"), (15, "tick")], "U.D", &[Some(15), Some(15), Some(25)]),
            ("log on a new monitor arms nothing", &[(0, "log"), (100, "tick")], "..", &[None, None]),
        ];
        for (name, script, want, deadlines) in cases {
            let (got, d, _) = run(&t, script);
            assert_eq!(got, *want, "{name}");
            assert_eq!(d, deadlines.to_vec(), "{name}: deadlines");
        }
        // started -> down at start + grace, not at the period's deadline.
        let (got, d, s) = run(&t, &[(0, "ping"), (3, "start"), (7, "tick"), (8, "tick"), (9, "tick")]);
        assert_eq!(got, "U..D.");
        assert_eq!(d, vec![Some(15), Some(8), Some(8), Some(15), Some(15)], "after the run's miss the period's deadline stands");
        assert!(s.runs.is_empty(), "the timed-out run is forgotten");
    }

    #[test]
    fn heartbeat_specs() {
        use crate::core::monitor::MonitorType;
        use crate::core::ssrf::TargetPolicy;
        let create = |body: &str| MonitorSpec::create(body, 1, TargetPolicy::default());
        let m = create(r#"{"monitor_type":"heartbeat","name":"nightly backup"}"#).unwrap();
        assert_eq!(m.monitor_type, MonitorType::Heartbeat);
        assert_eq!((m.url.as_str(), m.check_interval_seconds, m.grace_seconds, m.failure_threshold), ("", 86_400, Some(3600), 1));
        assert_eq!((m.schedule.as_deref(), m.tz.as_deref()), (None, None));
        let c = create(r#"{"monitor_type":"heartbeat","name":"n","schedule":"30 2 * * *","grace_seconds":600}"#).unwrap();
        assert_eq!((c.schedule.as_deref(), c.tz.as_deref(), c.grace_seconds), (Some("30 2 * * *"), Some("UTC"), Some(600)));
        let c = create(r#"{"monitor_type":"heartbeat","name":"n","url":null,"schedule":"0 9 * * 1-5","tz":"America/New_York"}"#).unwrap();
        assert_eq!(c.tz.as_deref(), Some("America/New_York"));
        // A PATCH back to a period drops the zone with the schedule.
        assert!(c.patch(r#"{"schedule":null}"#, TargetPolicy::default()).is_err(), "tz without schedule is refused");
        assert!(c.patch(r#"{"schedule":null,"tz":null}"#, TargetPolicy::default()).is_ok());
        let refused: &[(&str, &str)] = &[
            (r#"{"monitor_type":"heartbeat","name":"n","url":"https://example.com"}"#, "url"),
            (r#"{"monitor_type":"heartbeat","name":"n","grace_seconds":59}"#, "grace_seconds"),
            (r#"{"monitor_type":"heartbeat","name":"n","grace_seconds":"60"}"#, "grace_seconds"),
            (r#"{"monitor_type":"heartbeat","name":"n","check_interval_seconds":2592001}"#, "check_interval_seconds"),
            (r#"{"monitor_type":"heartbeat","name":"n","schedule":"every night"}"#, "schedule"),
            (r#"{"monitor_type":"heartbeat","name":"n","schedule":"0 0 * * * *"}"#, "schedule"),
            (r#"{"monitor_type":"heartbeat","name":"n","tz":"UTC"}"#, "tz"),
            (r#"{"monitor_type":"heartbeat","name":"n","schedule":"@daily","tz":"Europe/Berlin Mitte"}"#, "tz"),
            (r#"{"monitor_type":"heartbeat"}"#, "name"),
            (r#"{"url":"https://example.com","grace_seconds":60}"#, "grace_seconds"),
            (r#"{"url":"https://example.com","schedule":"@daily"}"#, "schedule"),
        ];
        for (body, field) in refused {
            assert_eq!(create(body).unwrap_err().field.as_deref(), Some(*field), "{body}");
        }
        for ok in ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5"] {
            assert!(zone_name_ok(ok), "{ok}");
        }
        for bad in ["", "Europe/", "/UTC", "Europe//Berlin", "Europe/Berlin;", "a b"] {
            assert!(!zone_name_ok(bad), "{bad:?}");
        }
    }

    #[test]
    fn every_heartbeat_kind_is_produced_with_public_words() {
        let t = period(10, 5);
        let up = on_ping(&State::default(), Signal::Success, None, T0, &t).unwrap().state;
        let missed = on_deadline(&up, T0 + 15 * MIN, &t).unwrap().finding.failure.unwrap();
        let failed = on_ping(&up, Signal::Exit(3), None, T0 + MIN, &t).unwrap().finding.unwrap().failure.unwrap();
        assert_eq!((missed.kind, failed.kind), (FailureKind::MissedHeartbeat, FailureKind::JobFailed));
        assert_eq!(failed.reason, "exit status 3");
        assert!(missed.reason.starts_with("no ping since 2026-11-21T05:25:00.000Z"), "{}", missed.reason);
        for kind in KINDS {
            assert!(FailureKind::ALL.contains(&kind));
            assert_eq!(crate::core::status_page::public_cause(Some(kind), None), kind.public_category(None));
        }
    }

    #[test]
    fn overlapping_runs_with_rid_get_their_own_durations() {
        let t = period(60, 30);
        let mut s = State::default();
        let at = |s: &mut State, minute: i64, signal: Signal, rid: Option<&str>| {
            let o = on_ping(s, signal, rid, T0 + minute * MIN, &t).unwrap();
            *s = o.state.clone();
            o
        };
        at(&mut s, 0, Signal::Start, Some("a"));
        at(&mut s, 1, Signal::Start, Some("b"));
        assert_eq!(t.deadline(&s), Some(T0 + 30 * MIN), "the older run's grace decides");
        let b = at(&mut s, 3, Signal::Success, Some("b"));
        assert_eq!(b.duration_ms, Some(2 * MIN));
        assert_eq!(b.finding.unwrap().duration_ms, Some(2 * MIN));
        assert_eq!(t.deadline(&s), Some(T0 + 30 * MIN), "run a is still open");
        let a = at(&mut s, 10, Signal::Exit(0), Some("a"));
        assert_eq!(a.duration_ms, Some(10 * MIN));
        assert!(s.runs.is_empty());
        assert_eq!(t.deadline(&s), Some(T0 + 100 * MIN));
        // A finish with an unknown rid, or with none while only rid runs are open, has no duration.
        at(&mut s, 20, Signal::Start, Some("c"));
        assert_eq!(at(&mut s, 21, Signal::Success, Some("zzz")).duration_ms, None);
        assert_eq!(at(&mut s, 22, Signal::Success, None).duration_ms, None);
        assert_eq!(at(&mut s, 23, Signal::Fail, Some("c")).duration_ms, Some(3 * MIN));
        // A start without rid pairs with a finish without rid.
        at(&mut s, 30, Signal::Start, None);
        assert_eq!(at(&mut s, 35, Signal::Success, None).duration_ms, Some(5 * MIN));
        // At most RUNS_MAX runs are remembered: the oldest goes.
        for i in 0..12 {
            at(&mut s, 40 + i, Signal::Start, Some(&format!("r{i}")));
        }
        assert_eq!(s.runs.len(), RUNS_MAX);
        assert_eq!(s.runs[0].rid.as_deref(), Some("r2"));
    }

    #[test]
    fn checks_in_one_second_get_their_own_slots() {
        let t = period(1, 1);
        let up = on_ping(&State::default(), Signal::Success, None, T0, &t).unwrap();
        assert_eq!(up.slot, Some(T0 / 1000));
        let again = on_ping(&up.state, Signal::Fail, None, T0 + 300, &t).unwrap();
        assert_eq!(again.slot, Some(T0 / 1000 + 1), "a second finish in the same second");
        assert_eq!(on_ping(&again.state, Signal::Log, None, T0 + 400, &t).unwrap().slot, None);
        // A missed deadline stands at its own second, after any earlier check.
        let miss = on_deadline(&up.state, T0 + 2 * MIN, &t).unwrap();
        assert_eq!(miss.slot, (T0 + 2 * MIN) / 1000);
        let late = on_ping(&miss.state, Signal::Success, None, T0 + 2 * MIN + 10, &t).unwrap();
        assert_eq!(late.slot, Some((T0 + 2 * MIN) / 1000 + 1), "a ping in the second of the miss still records");
        // Two sweeps of one state take the same slot (the check key dedupes them).
        assert_eq!(on_deadline(&up.state, T0 + 2 * MIN + 5_000, &t).unwrap().slot, miss.slot);
    }

    #[test]
    fn rate_limit_per_window() {
        let t = period(10, 5);
        let mut s = State::default();
        for i in 0..PINGS_PER_WINDOW {
            s = on_ping(&s, Signal::Log, None, T0 + i64::from(i), &t).unwrap().state;
        }
        let limited = on_ping(&s, Signal::Success, None, T0 + 1000, &t).unwrap_err();
        assert_eq!(limited.retry_after_ms, RATE_WINDOW_MS - 1000);
        assert!(on_ping(&s, Signal::Success, None, T0 + RATE_WINDOW_MS, &t).is_ok(), "a new window");
    }

    #[test]
    fn signals_rids_and_bodies() {
        let cases: &[(Option<&str>, Result<Signal, BadSignal>)] = &[
            (None, Ok(Signal::Success)),
            (Some("start"), Ok(Signal::Start)),
            (Some("fail"), Ok(Signal::Fail)),
            (Some("log"), Ok(Signal::Log)),
            (Some("0"), Ok(Signal::Exit(0))),
            (Some("1"), Ok(Signal::Exit(1))),
            (Some("255"), Ok(Signal::Exit(255))),
            (Some("256"), Err(BadSignal::ExitStatus)),
            (Some("99999"), Err(BadSignal::ExitStatus)),
            (Some("123456"), Err(BadSignal::Unknown)),
            (Some("-1"), Err(BadSignal::Unknown)),
            (Some("Start"), Err(BadSignal::Unknown)),
            (Some("ok"), Err(BadSignal::Unknown)),
        ];
        for (segment, want) in cases {
            assert_eq!(Signal::parse(*segment), *want, "{segment:?}");
        }
        assert_eq!(parse_rid(None), Ok(None));
        assert_eq!(parse_rid(Some("3f2c1e0a-0000-4000-8000-000000000000")).unwrap().as_deref(), Some("3f2c1e0a-0000-4000-8000-000000000000"));
        for bad in ["", "a b", "x/y", &"r".repeat(65)] {
            assert!(parse_rid(Some(bad)).is_err(), "{bad:?}");
        }
        assert_eq!(kept_body(b""), None);
        assert_eq!(kept_body(b"done").as_deref(), Some("done"));
        assert_eq!(kept_body(&vec![b'x'; 20_000]).unwrap().len(), BODY_MAX);
        // Cut at a character boundary, never inside one.
        let mut euro = vec![b'x'; BODY_MAX - 1];
        euro.extend("€".as_bytes());
        assert_eq!(kept_body(&euro).unwrap().len(), BODY_MAX - 1);
        assert_eq!(kept_body(&[0xff, b'a']).as_deref(), Some("\u{fffd}a"));
    }

    #[test]
    fn state_round_trips_and_reads_null_as_new() {
        let s = State { anchor_ms: Some(5), runs: vec![Run { rid: Some("a".into()), started_ms: 3 }], last_ping_ms: Some(5), last_duration_ms: Some(2), window_ms: 1, window_pings: 2, last_slot: Some(9) };
        assert_eq!(State::parse(Some(&s.to_text())), s);
        assert_eq!(State::parse(None), State::default());
        assert_eq!(State::parse(Some("not json")), State::default());
    }

    #[test]
    fn cron_expressions() {
        for ok in ["0 3 * * *", "*/5 * * * *", "0 9 * * 1-5", "@daily", "0 0 L * *"] {
            assert!(parse_cron(ok).is_ok(), "{ok}");
        }
        for bad in ["", "* * * *", "0 0 3 * * *", "61 * * * *", "nonsense", "0 25 * * *"] {
            assert!(parse_cron(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cron_schedules_across_dst_changes() {
        let berlin = Iana(chrono_tz::Europe::Berlin);
        let new_york = Iana(chrono_tz::America::New_York);
        let utc = Iana(chrono_tz::UTC);
        // (zone, cron, after, next run)
        let cases: &[(&dyn ZoneRules, &str, &str, &str)] = &[
            // Daily 03:00 local: CET is UTC+1, CEST UTC+2.
            (&berlin, "0 3 * * *", "2026-03-27T12:00:00Z", "2026-03-28T02:00:00Z"),
            (&berlin, "0 3 * * *", "2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z"),
            (&berlin, "0 3 * * *", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"),
            // 02:30 does not exist on 29 March in Berlin: it runs at the gap's end (03:00 CEST).
            (&berlin, "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"),
            (&berlin, "30 2 * * *", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"),
            // 02:30 happens twice on 25 October: it runs once, at the first (CEST, UTC+2).
            (&berlin, "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"),
            (&berlin, "30 2 * * *", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"),
            // New York, 8 March 2026 (spring forward) and 1 November (fall back).
            (&new_york, "0 9 * * *", "2026-03-07T15:00:00Z", "2026-03-08T13:00:00Z"),
            (&new_york, "0 9 * * *", "2026-10-31T14:00:00Z", "2026-11-01T14:00:00Z"),
            // Hourly keeps ticking through the change, in real hours.
            (&berlin, "0 * * * *", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z"),
            (&berlin, "0 * * * *", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"),
            (&utc, "*/15 * * * *", "2026-11-21T05:25:00Z", "2026-11-21T05:30:00Z"),
            (&utc, "0 9 * * 1-5", "2026-11-20T09:00:00Z", "2026-11-23T09:00:00Z"), // Friday -> Monday
        ];
        for (zone, expr, after, want) in cases {
            let cron = parse_cron(expr).unwrap();
            let got = next_fire(&cron, Zone(*zone), ms(after)).map(iso);
            assert_eq!(got.as_deref(), Some(iso(ms(want))).as_deref(), "{expr} after {after}");
        }
        // A schedule that never fires (30 February) has no next run, so no deadline.
        let never = parse_cron("0 0 30 2 *").unwrap();
        assert_eq!(next_fire(&never, Zone(&utc), ms("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn local_times_in_gaps_and_overlaps() {
        let berlin = Iana(chrono_tz::Europe::Berlin);
        let z = Zone(&berlin);
        let local = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        assert!(matches!(z.from_local_datetime(&local("2026-03-29 02:30")), MappedLocalTime::None));
        match z.from_local_datetime(&local("2026-10-25 02:30")) {
            MappedLocalTime::Ambiguous(a, b) => {
                assert_eq!(a.timestamp_millis(), ms("2026-10-25T00:30:00Z"));
                assert_eq!(b.timestamp_millis(), ms("2026-10-25T01:30:00Z"));
            }
            other => panic!("{other:?}"),
        }
        let single = z.from_local_datetime(&local("2026-07-01 12:00")).single().unwrap();
        assert_eq!(single.timestamp_millis(), ms("2026-07-01T10:00:00Z"));
        assert_eq!(Utc.timestamp_millis_opt(0).unwrap().timestamp_millis(), 0);
    }

    #[test]
    fn cron_deadlines_across_dst() {
        // A nightly 02:30 Berlin job with 30 minutes grace, pinged at 02:31 local on 28 March.
        let berlin = Iana(chrono_tz::Europe::Berlin);
        let cron = parse_cron("30 2 * * *").unwrap();
        let t = Timing { expect: Expect::Cron { cron: &cron, zone: Zone(&berlin) }, grace_ms: 30 * MIN };
        let s = on_ping(&State::default(), Signal::Success, None, ms("2026-03-28T01:31:00Z"), &t).unwrap();
        // 02:30 does not exist on the 29th: expected at 03:00 CEST (01:00Z), late at 01:30Z.
        assert_eq!(s.deadline_ms, Some(ms("2026-03-29T01:30:00Z")));
        assert!(on_deadline(&s.state, ms("2026-03-29T01:29:59Z"), &t).is_none());
        let miss = on_deadline(&s.state, ms("2026-03-29T01:30:00Z"), &t).unwrap();
        assert_eq!(miss.at_ms, ms("2026-03-29T01:30:00Z"));
        assert!(miss.finding.failure.unwrap().reason.contains("expected by 2026-03-29T01:00:00.000Z"));
        // The next one: 02:30 CEST on the 30th (00:30Z) + 30 minutes.
        assert_eq!(miss.deadline_ms, Some(ms("2026-03-30T01:00:00Z")));
    }
}
