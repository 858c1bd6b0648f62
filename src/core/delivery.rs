//! The delivery decision (DESIGN.md §6): what one attempt's answer means for a send.
//!
//! One pure function, [`settle`], takes the channel's [`Policy`], the [`Answer`], the attempt
//! number and the maximum, and returns a [`Settlement`]: `Delivered`, `Retry { after_s }`,
//! `Disable`, `GiveUp` or `Exhausted`. What the glue stores (the send's state, the delivery
//! row's outcome) comes from the settlement here, in one place, so no caller invents its own
//! outcome text.
//!
//! A channel is a small [`Policy`]: a name and how it reads an HTTP status. Webhooks follow
//! the Standard Webhooks rules; email providers differ in two statuses. A new channel (Slack,
//! Discord, Telegram, PagerDuty, ...) adds one `Policy` constant and its row in the tests;
//! backoff, `Retry-After` and the attempt budget are shared by all.
use super::email::Provider;
use super::time::EpochMs;

/// Wait after the first failed attempt, before doubling (production default of
/// `ALERT_BACKOFF_BASE_SECONDS`).
pub const BACKOFF_BASE_S: u32 = 30;

/// Upper bound for any wait, computed or asked for by `Retry-After`. An hour keeps a
/// recovering receiver from waiting long after it is back, and stays far inside the
/// 12-hour `delaySeconds` limit of Cloudflare Queues' `retry()`.
pub const MAX_DELAY_S: u32 = 3600;

/// What came back from one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// An HTTP answer, with its `Retry-After` header if it had one.
    Status { code: u16, retry_after: Option<&'a str> },
    /// The connection failed (DNS, refused, reset, TLS): the receiver may or may not have it.
    NetworkError,
    /// No answer within the deadline: the request may have arrived.
    Timeout,
}

/// How a channel reads an HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Delivered.
    Success,
    /// Worth another attempt with the same id and bytes.
    Transient,
    /// The receiver asked us to stop for good (webhooks' 410): disable the endpoint.
    OptOut,
    /// The same request would fail the same way: stop now.
    Permanent,
}

/// One channel's delivery policy. Network errors and timeouts are transient for every channel
/// (we cannot know whether the request arrived, so it is repeated with the same id), so a
/// policy only reads statuses.
#[derive(Clone, Copy)]
pub struct Policy {
    pub name: &'static str,
    pub read: fn(u16) -> Reading,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Standard Webhooks' "delivery success and failure" rules:
/// - 2xx: delivered; only 2xx counts as success.
/// - 410: the receiver opts out; the endpoint is disabled.
/// - 408, 425, 429, 5xx (and any nonstandard status >= 500): transient.
/// - 3xx: permanent. Redirects are not followed (following them loads both sides; the URL
///   should be updated instead), and repeating the request would get the same redirect.
/// - any other status (other 4xx, 1xx): permanent.
pub const WEBHOOK: Policy = Policy { name: "webhook", read: read_webhook };

/// Email providers' send APIs: the webhook rules, except
/// - 410 is permanent, not an opt-out: from a provider it is not a receiver unsubscribing;
/// - 409 is transient: Resend answers 409 `concurrent_idempotent_requests` while an earlier
///   attempt with the same `Idempotency-Key` is still in flight, and a later retry returns that
///   attempt's result. (Its other 409, a key reused with a different payload, cannot happen
///   while rendering is stored once, and at worst uses up the remaining attempts.)
pub const EMAIL: Policy = Policy { name: "email", read: read_email };

fn read_webhook(code: u16) -> Reading {
    match code {
        200..=299 => Reading::Success,
        410 => Reading::OptOut,
        408 | 425 | 429 => Reading::Transient,
        c if c >= 500 => Reading::Transient,
        _ => Reading::Permanent,
    }
}

fn read_email(code: u16) -> Reading {
    match code {
        409 => Reading::Transient,
        410 => Reading::Permanent,
        c => read_webhook(c),
    }
}

/// The policy of an email provider's API. All four read statuses alike today; a provider
/// that differs gets its own `Policy` here.
pub fn email_policy(provider: Provider) -> Policy {
    match provider {
        Provider::Mailtrap | Provider::Resend | Provider::Postmark | Provider::SendGrid => EMAIL,
    }
}

/// What happens to a send after one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settlement {
    /// Done: the receiver has it.
    Delivered,
    /// Try again after this many seconds, with the same id and bytes.
    Retry { after_s: u32 },
    /// The receiver opted out: disable the endpoint, no more attempts.
    Disable,
    /// Not worth repeating (a permanent answer, or nothing could be sent): stop.
    GiveUp,
    /// A transient failure on the last allowed attempt: stop, and say the attempts ran out
    /// (dead-lettered, so nothing depends on reading the queue's DLQ).
    Exhausted,
}

/// Decides one attempt (1-based `attempt`; `max_attempts` in all; `backoff_base_s` is the
/// first wait; `now_ms` only turns an HTTP-date `Retry-After` into a delay). First match wins:
/// - the policy reads the status as success, opt-out or permanent: `Delivered`, `Disable`,
///   `GiveUp` (on any attempt);
/// - a transient failure (or no answer) on attempt >= `max_attempts`: `Exhausted`;
/// - otherwise `Retry` after `backoff_base_s * 2^(attempt-1)` seconds, or after `Retry-After`
///   if that is later (it says "not before"), both capped at `MAX_DELAY_S`.
pub fn settle(policy: &Policy, answer: Answer<'_>, attempt: u32, max_attempts: u32, backoff_base_s: u32, now_ms: EpochMs) -> Settlement {
    let retry_after = match answer {
        Answer::Status { code, retry_after } => match (policy.read)(code) {
            Reading::Success => return Settlement::Delivered,
            Reading::OptOut => return Settlement::Disable,
            Reading::Permanent => return Settlement::GiveUp,
            Reading::Transient => retry_after,
        },
        Answer::NetworkError | Answer::Timeout => None,
    };
    if attempt.max(1) >= max_attempts {
        return Settlement::Exhausted;
    }
    let backoff = backoff_s(attempt, backoff_base_s);
    let asked = retry_after.and_then(|v| parse_retry_after(v, now_ms)).unwrap_or(0);
    Settlement::Retry { after_s: backoff.max(asked).min(MAX_DELAY_S) }
}

/// A send's state in `alert_sends.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    /// Waiting for its next attempt (`next_attempt_at`).
    Pending,
    /// Claimed by a sender, until its lease ends.
    Sending,
    Delivered,
    /// Final without delivery: given up, exhausted, or skipped.
    Failed,
    /// Final: the receiver opted out.
    Disabled,
}

impl SendState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sending, Self::Delivered, Self::Failed, Self::Disabled].into_iter().find(|v| v.as_str() == s)
    }
}

/// A delivery row's `outcome` (the API shows it as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    Retry,
    /// 410: the endpoint was disabled.
    Disabled,
    /// Not retryable, or nothing to send to.
    Failed,
    /// Attempts exhausted.
    DeadLettered,
    /// Held by a maintenance window (attempt 0).
    Suppressed,
    /// A reminder whose incident resolved before it went out.
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry => "retry",
            Self::Disabled => "disabled",
            Self::Failed => "failed",
            Self::DeadLettered => "dead_lettered",
            Self::Suppressed => "suppressed",
            Self::Skipped => "skipped",
        }
    }
}

impl Settlement {
    /// The delivery row's outcome for this attempt.
    pub fn outcome(self) -> Outcome {
        match self {
            Self::Delivered => Outcome::Delivered,
            Self::Retry { .. } => Outcome::Retry,
            Self::Disable => Outcome::Disabled,
            Self::GiveUp => Outcome::Failed,
            Self::Exhausted => Outcome::DeadLettered,
        }
    }

    /// The send's state after this attempt.
    pub fn state(self) -> SendState {
        match self {
            Self::Delivered => SendState::Delivered,
            Self::Retry { .. } => SendState::Pending,
            Self::Disable => SendState::Disabled,
            Self::GiveUp | Self::Exhausted => SendState::Failed,
        }
    }

    /// When the next attempt may start, for the send's `next_attempt_at` (final ones: now).
    pub fn next_attempt_at(self, now_ms: EpochMs) -> EpochMs {
        match self {
            Self::Retry { after_s } => now_ms + i64::from(after_s) * 1000,
            _ => now_ms,
        }
    }
}

/// `base_s * 2^(attempt-1)` seconds after failed attempt `attempt` (1-based), capped at
/// `MAX_DELAY_S`: with the default base 30 s, 60 s, 120 s, ...
pub fn backoff_s(attempt: u32, base_s: u32) -> u32 {
    let exp = (attempt.max(1) - 1).min(31);
    // Saturating: a large exponent or base simply hits the cap instead of overflowing.
    base_s.saturating_mul(1u32.checked_shl(exp).unwrap_or(u32::MAX)).min(MAX_DELAY_S)
}

/// Spreads a delay by up to +20% using a caller-supplied random number, so endpoints that
/// failed together do not all retry in the same second (the spec recommends jitter). It only
/// ever adds, so a delay that honours `Retry-After` still does.
pub fn add_jitter(after_s: u32, random: u32) -> u32 {
    let spread = after_s / 5;
    after_s.saturating_add(random % (spread + 1))
}

/// Seconds to wait according to a `Retry-After` value (RFC 9110 section 10.2.3): either
/// delta-seconds or an HTTP-date, in any of the three date formats recipients must accept.
/// A date in the past means 0. `None` for anything unparseable, which is then ignored.
pub fn parse_retry_after(value: &str, now_ms: EpochMs) -> Option<u32> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if value.bytes().all(|b| b.is_ascii_digit()) {
        // Huge numbers are still "a long time": saturate instead of rejecting.
        return Some(value.parse::<u64>().map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX)));
    }
    let at_ms = parse_http_date(value)?;
    let wait_ms = (at_ms - now_ms).max(0);
    // Round up: retrying a fraction of a second early would be before the date.
    let secs = (wait_ms + 999) / 1000;
    Some(u32::try_from(secs).unwrap_or(u32::MAX))
}

/// Parses an HTTP-date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), obsolete RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) or asctime (`Sun Nov  6 08:49:37 1994`). All are UTC.
/// The weekday is not checked against the date. Parsed by hand rather than with chrono's
/// strftime parser, which would add tens of kilobytes to the Worker's wasm for one header.
fn parse_http_date(value: &str) -> Option<EpochMs> {
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let (day, month, year, time) = match parts.as_slice() {
        [weekday, day, month, year, time, "GMT"] if weekday.ends_with(',') => (*day, *month, year.parse().ok()?, *time),
        [weekday, dmy, time, "GMT"] if weekday.ends_with(',') => {
            let mut it = dmy.split('-');
            let (day, month, yy) = (it.next()?, it.next()?, it.next()?);
            if it.next().is_some() || yy.len() != 2 {
                return None;
            }
            // RFC 9110: a two-digit year more than 50 years ahead is in the past.
            let yy: i32 = yy.parse().ok()?;
            (day, month, if yy < 70 { 2000 + yy } else { 1900 + yy }, *time)
        }
        [_weekday, month, day, time, year] => (*day, *month, year.parse().ok()?, *time),
        _ => return None,
    };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let mut hms = time.split(':');
    let (h, m, s) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?)?);
    if hms.next().is_some() {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(year, month, num(day)?)?;
    Some(date.and_hms_opt(h, m, s)?.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use Settlement::*;

    const NOW: EpochMs = 1_649_367_553_000; // Thu, 07 Apr 2022 21:39:13 GMT

    fn status(code: u16) -> Answer<'static> {
        Answer::Status { code, retry_after: None }
    }

    fn with_ra(code: u16, ra: &'static str) -> Answer<'static> {
        Answer::Status { code, retry_after: Some(ra) }
    }

    /// (name, answer, attempt, max, expected), judged with the production base of 30 s.
    type Case = (&'static str, Answer<'static>, u32, u32, Settlement);

    fn run(policy: &Policy, cases: &[Case]) {
        for (name, answer, attempt, max, want) in cases {
            assert_eq!(settle(policy, *answer, *attempt, *max, BACKOFF_BASE_S, NOW), *want, "{policy:?}: {name}");
        }
    }

    #[test]
    fn webhook_table() {
        run(&WEBHOOK, &[
            ("200 delivered", status(200), 1, 5, Delivered),
            ("204 delivered", status(204), 1, 5, Delivered),
            ("299 delivered", status(299), 1, 5, Delivered),
            ("2xx on last attempt", status(202), 5, 5, Delivered),
            ("410 disables", status(410), 1, 5, Disable),
            ("410 disables on last attempt", status(410), 5, 5, Disable),
            ("301 gives up", status(301), 1, 5, GiveUp),
            ("302 gives up", status(302), 1, 5, GiveUp),
            ("307 gives up", status(307), 1, 5, GiveUp),
            ("400 gives up", status(400), 1, 5, GiveUp),
            ("401 gives up", status(401), 1, 5, GiveUp),
            ("404 gives up", status(404), 1, 5, GiveUp),
            ("409 gives up", status(409), 1, 5, GiveUp),
            ("413 gives up", status(413), 1, 5, GiveUp),
            ("100 gives up", status(100), 1, 5, GiveUp),
            ("4xx on last attempt gives up, not exhausted", status(404), 5, 5, GiveUp),
            ("network error retries", Answer::NetworkError, 1, 5, Retry { after_s: 30 }),
            ("timeout 2nd attempt", Answer::Timeout, 2, 5, Retry { after_s: 60 }),
            ("408 retries", status(408), 1, 5, Retry { after_s: 30 }),
            ("425 retries", status(425), 1, 5, Retry { after_s: 30 }),
            ("429 retries", status(429), 3, 5, Retry { after_s: 120 }),
            ("500 retries", status(500), 1, 5, Retry { after_s: 30 }),
            ("502 retries", status(502), 4, 5, Retry { after_s: 240 }),
            ("599 retries", status(599), 1, 5, Retry { after_s: 30 }),
            ("backoff capped", status(503), 8, 20, Retry { after_s: 3600 }),
            ("backoff capped far out", status(503), 40, 100, Retry { after_s: 3600 }),
            ("attempt 0 treated as 1", status(503), 0, 5, Retry { after_s: 30 }),
            ("5xx on last attempt is exhausted", status(503), 5, 5, Exhausted),
            ("timeout on last attempt is exhausted", Answer::Timeout, 5, 5, Exhausted),
            ("network error on last attempt is exhausted", Answer::NetworkError, 5, 5, Exhausted),
            ("past last attempt is exhausted", Answer::NetworkError, 9, 5, Exhausted),
            ("max 1: no retries", status(503), 1, 1, Exhausted),
            ("max 0: no retries", status(503), 1, 0, Exhausted),
            ("Retry-After seconds, later than backoff", with_ra(429, "120"), 1, 5, Retry { after_s: 120 }),
            ("Retry-After seconds, earlier than backoff", with_ra(429, "5"), 3, 5, Retry { after_s: 120 }),
            ("Retry-After capped", with_ra(503, "86400"), 1, 5, Retry { after_s: 3600 }),
            ("Retry-After huge", with_ra(503, "99999999999999999999999"), 1, 5, Retry { after_s: 3600 }),
            ("Retry-After HTTP-date", with_ra(503, "Thu, 07 Apr 2022 21:44:13 GMT"), 1, 5, Retry { after_s: 300 }),
            ("Retry-After date in past", with_ra(503, "Thu, 07 Apr 2022 21:00:00 GMT"), 1, 5, Retry { after_s: 30 }),
            ("Retry-After garbage ignored", with_ra(503, "soon"), 1, 5, Retry { after_s: 30 }),
            ("Retry-After negative ignored", with_ra(503, "-10"), 1, 5, Retry { after_s: 30 }),
            ("Retry-After on 4xx ignored", with_ra(400, "10"), 1, 5, GiveUp),
            ("Retry-After on the last attempt: exhausted", with_ra(429, "10"), 5, 5, Exhausted),
        ]);
    }

    /// Every email provider: the webhook rules except 409 (transient) and 410 (permanent).
    /// The bug this guards: a provider's retryable answer on the last attempt used to end
    /// `failed` instead of `dead_lettered`, because the glue asked the webhook rules whether
    /// the answer was retryable (409 is not, for a webhook).
    #[test]
    fn email_provider_tables() {
        for provider in [Provider::Mailtrap, Provider::Resend, Provider::Postmark, Provider::SendGrid] {
            let policy = email_policy(provider);
            run(&policy, &[
                ("200 delivered", status(200), 1, 5, Delivered),
                ("202 delivered (SendGrid accepts with 202)", status(202), 1, 5, Delivered),
                ("410 is not an opt-out from a provider", status(410), 1, 5, GiveUp),
                ("409 retries", status(409), 1, 5, Retry { after_s: 30 }),
                ("409 on the last attempt is exhausted", status(409), 5, 5, Exhausted),
                ("401 gives up", status(401), 1, 5, GiveUp),
                ("422 gives up", status(422), 1, 5, GiveUp),
                ("3xx gives up", status(302), 1, 5, GiveUp),
                ("429 retries", status(429), 2, 5, Retry { after_s: 60 }),
                ("429 Retry-After", with_ra(429, "600"), 1, 5, Retry { after_s: 600 }),
                ("500 retries", status(500), 1, 5, Retry { after_s: 30 }),
                ("500 on the last attempt is exhausted", status(500), 5, 5, Exhausted),
                ("network error retries", Answer::NetworkError, 1, 5, Retry { after_s: 30 }),
                ("timeout on the last attempt is exhausted", Answer::Timeout, 3, 3, Exhausted),
            ]);
        }
    }

    #[test]
    fn what_is_stored_comes_from_the_settlement() {
        let cases: &[(Settlement, &str, &str)] = &[
            (Delivered, "delivered", "delivered"),
            (Retry { after_s: 7 }, "retry", "pending"),
            (Disable, "disabled", "disabled"),
            (GiveUp, "failed", "failed"),
            (Exhausted, "dead_lettered", "failed"),
        ];
        for (s, outcome, state) in cases {
            assert_eq!((s.outcome().as_str(), s.state().as_str()), (*outcome, *state), "{s:?}");
        }
        assert_eq!(Retry { after_s: 7 }.next_attempt_at(1_000), 8_000);
        assert_eq!(Exhausted.next_attempt_at(1_000), 1_000);
        for st in [SendState::Pending, SendState::Sending, SendState::Delivered, SendState::Failed, SendState::Disabled] {
            assert_eq!(SendState::parse(st.as_str()), Some(st));
        }
        assert_eq!(SendState::parse("gave_up"), None);
        assert_eq!(Outcome::Suppressed.as_str(), "suppressed");
        assert_eq!(Outcome::Skipped.as_str(), "skipped");
    }

    #[test]
    fn retry_after_forms() {
        let now = NOW;
        let cases: &[(&str, Option<u32>)] = &[
            ("0", Some(0)),
            ("120", Some(120)),
            (" 120 ", Some(120)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", Some(u32::MAX)),
            ("Thu, 07 Apr 2022 21:40:13 GMT", Some(60)),       // IMF-fixdate
            ("Thursday, 07-Apr-22 21:40:13 GMT", Some(60)),    // RFC 850
            ("Thu Apr  7 21:40:13 2022", Some(60)),            // asctime, space-padded day
            ("Thu, 07 Apr 2022 21:39:12 GMT", Some(0)),        // past
            ("1.5", None),
            ("", None),
            ("Thu, 07 Apr 2022 21:40:13 PST", None),
            ("tomorrow", None),
            ("Thu, 31 Feb 2022 21:40:13 GMT", None),          // no such day
            ("Thu, 07 Apr 2022 25:40:13 GMT", None),          // no such hour
            ("Thu, 07 Abc 2022 21:40:13 GMT", None),
            ("Thu, 07 Apr 2022 21:40 GMT", None),
            ("Thursday, 07-Apr-2022 21:40:13 GMT", None),     // RFC 850 has a 2-digit year
            ("Thursday, 07-Apr-99 21:40:13 GMT", Some(0)),    // 1999: in the past
            ("Thu Apr 7 21:40:13 2022", Some(60)),
        ];
        for (value, want) in cases {
            assert_eq!(parse_retry_after(value, now), *want, "{value:?}");
        }
        // Sub-second remainder rounds up so we never retry before the date.
        assert_eq!(parse_retry_after("Thu, 07 Apr 2022 21:40:13 GMT", now + 1), Some(60));
        assert_eq!(parse_retry_after("Thu, 07 Apr 2022 21:40:13 GMT", now + 1_000), Some(59));
    }

    #[test]
    fn backoff_and_jitter() {
        let schedule: Vec<u32> = (1..=9).map(|a| backoff_s(a, BACKOFF_BASE_S)).collect();
        assert_eq!(schedule, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff_s(u32::MAX, BACKOFF_BASE_S), 3600);
        let fast: Vec<u32> = (1..=5).map(|a| backoff_s(a, 1)).collect();
        assert_eq!(fast, [1, 2, 4, 8, 16]);
        assert_eq!(backoff_s(40, 1), 3600);
        assert_eq!(backoff_s(2, u32::MAX), 3600);
        // A configured base changes the computed wait, not the Retry-After floor.
        assert_eq!(settle(&WEBHOOK, status(503), 2, 5, 1, 0), Retry { after_s: 2 });
        assert_eq!(settle(&WEBHOOK, with_ra(429, "7"), 1, 5, 1, 0), Retry { after_s: 7 });
        assert_eq!(add_jitter(100, 0), 100);
        assert_eq!(add_jitter(100, 20), 120);
        assert_eq!(add_jitter(100, 21), 100); // wraps within [0, 20]
        for r in [0, 1, 7, 999, u32::MAX] {
            let j = add_jitter(3600, r);
            assert!((3600..=4320).contains(&j), "{j}");
        }
        assert_eq!(add_jitter(0, 12345), 0);
        assert_eq!(add_jitter(u32::MAX, u32::MAX), u32::MAX);
    }
}
