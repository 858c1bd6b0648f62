//! Outgoing webhooks (SPEC section 4): the event payload, Standard Webhooks signing
//! (<https://www.standardwebhooks.com/>, spec v1.0.0), seed 003's `X-Uptime-Signature`, and the
//! delivery policy that turns a receiver's answer into deliver / retry / disable / give up.
//!
//! Pure: the caller passes the secret, the clock (`now_ms`, `timestamp_s`) and any random
//! bytes in; nothing here reads a clock, draws randomness or does I/O.
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::status::CheckStatus;
use super::time::{iso, EpochMs};

/// Secrets are shown to users as `whsec_<base64>` (the spec's "secret serialization").
pub const SECRET_PREFIX: &str = "whsec_";
/// The spec's bounds for a symmetric signing secret: at least 24 bytes (192 bits), at most
/// 64 bytes (512 bits).
pub const SECRET_MIN_BYTES: usize = 24;
pub const SECRET_MAX_BYTES: usize = 64;

/// Sent on every delivery so receivers can tell vigil's requests apart in their logs.
pub const USER_AGENT: &str = concat!("vigil/", env!("CARGO_PKG_VERSION"), " (+webhooks)");

/// First retry waits this long; each later one doubles it (SPEC: "exponential backoff").
pub const BACKOFF_BASE_S: u32 = 30;
/// Upper bound for any wait, computed or asked for by `Retry-After`. An hour keeps a
/// recovering receiver from waiting long after it is back, and stays far inside the
/// 12-hour `delaySeconds` limit of Cloudflare Queues' `retry()`.
pub const MAX_DELAY_S: u32 = 3600;

// ---------------------------------------------------------------------------------------
// Events and payload

/// What happened. The type string is the payload's `type` (Standard Webhooks recommends
/// full-stop delimited, hierarchical names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    IncidentOpened,
    IncidentResolved,
    /// Still open: sent every `reminder_minutes` to endpoints that have them (`core::reminder`).
    IncidentReminder,
    /// A manual "send a test" from `POST /api/notification-endpoints/{id}/test`.
    Test,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [Self::IncidentOpened, Self::IncidentResolved, Self::IncidentReminder, Self::Test];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncidentOpened => "incident.opened",
            Self::IncidentResolved => "incident.resolved",
            Self::IncidentReminder => super::reminder::EVENT,
            Self::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorInfo {
    pub id: i64,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentInfo {
    pub id: i64,
    pub opened_at: EpochMs,
    /// `None` while the incident is open.
    pub resolved_at: Option<EpochMs>,
    /// The failure_type of the check that opened it.
    pub cause: Option<String>,
    /// Set on reminders only: which one, and when it fell due. Not part of the payload (the
    /// shape is the same for every incident event); the payload's `timestamp` is its `due_at`.
    pub reminder: Option<super::reminder::ReminderInfo>,
}

impl IncidentInfo {
    /// Whole seconds from open to resolve; `None` while open. Clamped at 0 so a skewed clock
    /// can never show a negative outage.
    pub fn duration_seconds(&self) -> Option<i64> {
        self.resolved_at.map(|r| (r - self.opened_at).max(0) / 1000)
    }
}

/// The check that triggered the event (the one that opened or resolved the incident).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInfo {
    pub status: CheckStatus,
    /// `None` on timeout or network error.
    pub http_status: Option<u16>,
    /// `None` when there was no response.
    pub latency_ms: Option<u32>,
    /// Readable reason (`timeout`, `status 503 not in [200]`, ...); `None` when UP.
    pub failure_type: Option<String>,
    pub started_at: EpochMs,
}

/// Everything an alert (webhook or email) says. Incident events carry a monitor, an
/// incident and a check; `test` events carry only the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    pub kind: EventKind,
    pub project: ProjectInfo,
    pub monitor: Option<MonitorInfo>,
    pub incident: Option<IncidentInfo>,
    pub check: Option<CheckInfo>,
}

// Wire shapes. Field order here is the order in the JSON. Absent parts are `null`, never
// missing, so one event type always has one schema (the spec's "event types" advice).
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: String,
    data: Data<'a>,
}

#[derive(Serialize)]
struct Data<'a> {
    project: ProjectOut<'a>,
    monitor: Option<MonitorOut<'a>>,
    incident: Option<IncidentOut<'a>>,
    check: Option<CheckOut<'a>>,
}

#[derive(Serialize)]
struct ProjectOut<'a> {
    id: i64,
    slug: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct MonitorOut<'a> {
    id: i64,
    name: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct IncidentOut<'a> {
    id: i64,
    opened_at: String,
    resolved_at: Option<String>,
    cause: Option<&'a str>,
    duration_seconds: Option<i64>,
}

#[derive(Serialize)]
struct CheckOut<'a> {
    status: CheckStatus,
    http_status: Option<u16>,
    latency_ms: Option<u32>,
    failure_type: Option<&'a str>,
    started_at: String,
}

/// The JSON body: `{"type", "timestamp", "data": {"project", "monitor", "incident",
/// "check"}}`, minified. `timestamp_ms` is when the event occurred (the spec's payload
/// `timestamp`), not when this attempt is sent; it stays the same across retries.
///
/// Sign exactly the string returned here and send exactly it: re-serializing would change
/// bytes and break the signature.
pub fn payload(event: &EventInfo, timestamp_ms: EpochMs) -> String {
    let envelope = Envelope {
        kind: event.kind.as_str(),
        timestamp: iso(timestamp_ms),
        data: Data {
            project: ProjectOut { id: event.project.id, slug: &event.project.slug, name: &event.project.name },
            monitor: event.monitor.as_ref().map(|m| MonitorOut { id: m.id, name: &m.name, url: &m.url }),
            incident: event.incident.as_ref().map(|i| IncidentOut {
                id: i.id,
                opened_at: iso(i.opened_at),
                resolved_at: i.resolved_at.map(iso),
                cause: i.cause.as_deref(),
                duration_seconds: i.duration_seconds(),
            }),
            check: event.check.as_ref().map(|c| CheckOut {
                status: c.status,
                http_status: c.http_status,
                latency_ms: c.latency_ms,
                failure_type: c.failure_type.as_deref(),
                started_at: iso(c.started_at),
            }),
        },
    };
    // Serializing plain structs of strings and integers to a String cannot fail (no maps
    // with non-string keys, no I/O); the fallback only exists so there is no panic path.
    serde_json::to_string(&envelope).unwrap_or_else(|_| String::from("{}"))
}

// ---------------------------------------------------------------------------------------
// Message ids

/// The `webhook-id` for an incident event: the same on every retry of one (incident, event),
/// so receivers can use it as their idempotency key, and different for every other event.
///
/// `opened_at` is part of it because incident ids alone are not unique forever: a reset
/// database (a fresh `wrangler dev` state) hands out id 1 again, and a receiver still
/// remembering `msg_1_incident_opened` would drop the new, real alert as a duplicate.
///
/// Only `[A-Za-z0-9_]` appear: the spec asks that ids never contain `.` (the separator of
/// the signed content), so the event's dots become underscores.
pub fn message_id(incident_id: i64, opened_at: EpochMs, event: &str) -> String {
    let event: String = event.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    // Negative ids never occur in D1, but `-` is mapped too so the alphabet rule always holds.
    let id = incident_id.to_string().replace('-', "n");
    let opened = opened_at.to_string().replace('-', "n");
    format!("msg_{id}_{opened}_{event}")
}

/// The `webhook-id` for a `test` event. Tests have no incident, so the caller draws a random
/// nonce once per test request (e.g. 16 bytes) and reuses the resulting id for every retry of
/// that request.
pub fn test_message_id(nonce: &[u8]) -> String {
    format!("msg_test_{}", hex(nonce))
}

// ---------------------------------------------------------------------------------------
// Secrets

/// Why a signing secret was rejected. Messages are for API problem details: they name the
/// problem, never echo the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    Empty,
    /// Not standard base64 (RFC 4648 alphabet `A-Z a-z 0-9 + /`, `=` padding).
    BadBase64,
    TooShort { bytes: usize },
    TooLong { bytes: usize },
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "secret is empty: expected whsec_ followed by base64"),
            Self::BadBase64 => write!(
                f,
                "secret is not valid base64: expected whsec_ followed by standard base64 (A-Z a-z 0-9 + /, = padding)"
            ),
            Self::TooShort { bytes } => write!(
                f,
                "secret is too short: it decodes to {bytes} bytes, at least {SECRET_MIN_BYTES} are required"
            ),
            Self::TooLong { bytes } => write!(
                f,
                "secret is too long: it decodes to {bytes} bytes, at most {SECRET_MAX_BYTES} are allowed"
            ),
        }
    }
}

impl std::error::Error for SecretError {}

/// A decoded signing secret. `Debug` never shows the key, so a stray `{:?}` cannot log it
/// (SPEC section 7).
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret {
    bytes: Vec<u8>,
}

impl WebhookSecret {
    /// Parses `whsec_<base64>` (or bare base64), as `parse_secret`.
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        parse_secret(s).map(|bytes| Self { bytes })
    }

    /// The HMAC key: the decoded bytes, not the `whsec_` text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Back to the `whsec_<base64>` form shown to users.
    pub fn to_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.bytes))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookSecret(<{} bytes, redacted>)", self.bytes.len())
    }
}

/// A new secret from caller-supplied random bytes (32, above the spec's 24-byte minimum):
/// `whsec_` + standard base64. The caller draws the bytes from a CSPRNG
/// (`crypto.getRandomValues` in the Worker).
pub fn generate_secret(random: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(random))
}

/// Decodes a secret to its key bytes. Accepts `whsec_<base64>` or bare base64 (as the
/// reference libraries do) and ignores surrounding whitespace from copy-paste. Decoding is
/// strict standard base64 with padding, the same as the reference verifiers, so a secret
/// accepted here is one every receiver's library accepts too.
pub fn parse_secret(s: &str) -> Result<Vec<u8>, SecretError> {
    let s = s.trim();
    let encoded = s.strip_prefix(SECRET_PREFIX).unwrap_or(s);
    if encoded.is_empty() {
        return Err(SecretError::Empty);
    }
    let bytes = STANDARD.decode(encoded).map_err(|_| SecretError::BadBase64)?;
    match bytes.len() {
        n if n < SECRET_MIN_BYTES => Err(SecretError::TooShort { bytes: n }),
        n if n > SECRET_MAX_BYTES => Err(SecretError::TooLong { bytes: n }),
        _ => Ok(bytes),
    }
}

// ---------------------------------------------------------------------------------------
// Signatures

/// HMAC-SHA256 (RFC 2104) over the concatenation of `parts`.
///
/// Written out over `sha2` rather than taking the `hmac` crate: the construction is a few
/// lines, and `hmac`'s only constructor for a byte-slice key returns a `Result` (for an error
/// HMAC can never have), which would put an `unwrap` or a silent fallback in the signing path.
/// Checked against RFC 4231's vectors, the Standard Webhooks vector and the reference crate.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64; // SHA-256 block size in bytes
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block_key.map(|b| b ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(block_key.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The `webhook-signature` value: `v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp_s}.{body}">`
/// with the decoded secret bytes as key. `timestamp_s` is this attempt's send time in Unix
/// seconds; it is also sent as `webhook-timestamp`.
pub fn sign(secret_bytes: &[u8], msg_id: &str, timestamp_s: i64, body: &str) -> String {
    let ts = timestamp_s.to_string();
    let mac = hmac_sha256(secret_bytes, &[msg_id.as_bytes(), b".", ts.as_bytes(), b".", body.as_bytes()]);
    format!("v1,{}", STANDARD.encode(mac))
}

/// Seed 003's `X-Uptime-Signature` value: `sha256=<lowercase hex HMAC-SHA256 of the body>`.
///
/// The key is the same decoded secret bytes as `sign` uses (the base64-decoded part of
/// `whsec_...`), not the `whsec_` text: one secret per endpoint, and a receiver verifying
/// seed 003's header decodes the secret the same way. It signs the body only (no id or
/// timestamp), so it does not protect against replays; `webhook-signature` does.
pub fn seed003_signature(secret_bytes: &[u8], body: &str) -> String {
    format!("sha256={}", hex(&hmac_sha256(secret_bytes, &[body.as_bytes()])))
}

/// Every header of one delivery attempt. The caller POSTs `body` (the exact string signed)
/// with these. `timestamp_s` is the attempt's send time, so it changes between retries while
/// `msg_id` does not (the spec's metadata rules).
pub fn headers(secret_bytes: &[u8], msg_id: &str, timestamp_s: i64, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", String::from("application/json")),
        ("user-agent", String::from(USER_AGENT)),
        ("webhook-id", msg_id.to_string()),
        ("webhook-timestamp", timestamp_s.to_string()),
        ("webhook-signature", sign(secret_bytes, msg_id, timestamp_s, body)),
        ("x-uptime-signature", seed003_signature(secret_bytes, body)),
    ]
}

/// Lowercase hex, for `X-Uptime-Signature`, test ids and email idempotency keys.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Delivery policy

/// What to do after one delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A 2xx answer: done.
    Delivered,
    /// Try again after this many seconds (re-enqueue with that delay).
    Retry { after_s: u32 },
    /// 410 Gone: the receiver asked us to stop. Disable the endpoint; no more attempts.
    Disable,
    /// Stop trying this message: a non-retryable answer, or attempts exhausted. The glue
    /// records the final delivery row and stops (acks, or hands it to the dead-letter queue).
    GiveUp,
}

impl DeliveryOutcome {
    /// Short name for the delivery row's `outcome` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry { .. } => "retry",
            Self::Disable => "disabled",
            Self::GiveUp => "gave_up",
        }
    }
}

/// Judges one attempt's answer (the Standard Webhooks "delivery success and failure" rules).
///
/// - `status`: the HTTP status, or `None` for a network error or timeout.
/// - `retry_after`: the response's `Retry-After` header, if any.
/// - `attempt`: 1-based number of the attempt just made; `max_attempts` is the total allowed.
/// - `now_ms`: the current time, used only to turn an HTTP-date `Retry-After` into a delay.
///
/// Rules, first match wins:
/// - 2xx: `Delivered`. Only 2xx counts as success.
/// - 410: `Disable`, on any attempt.
/// - 3xx: `GiveUp`. Redirects are not followed (the spec: following them loads both sides; the
///   URL should be updated instead), and repeating the request would get the same redirect,
///   so retrying only delays telling the user that the endpoint is misconfigured.
/// - network error / timeout, 408, 425, 429, 5xx (and any nonstandard status >= 500): retryable.
/// - any other status (other 4xx, 1xx): `GiveUp`; the same request would fail the same way.
/// - a retryable failure on attempt >= `max_attempts`: `GiveUp`.
/// - otherwise `Retry` after `BACKOFF_BASE_S * 2^(attempt-1)` seconds, or after `Retry-After`
///   if that is later (it says "not before"), both capped at `MAX_DELAY_S`.
pub fn judge(
    status: Option<u16>,
    retry_after: Option<&str>,
    attempt: u32,
    max_attempts: u32,
    now_ms: EpochMs,
) -> DeliveryOutcome {
    judge_with_base(status, retry_after, attempt, max_attempts, now_ms, BACKOFF_BASE_S)
}

/// `judge` with the first retry's wait as a parameter (`ALERT_BACKOFF_BASE_SECONDS`), so
/// end-to-end tests can run the whole schedule in seconds; production uses `BACKOFF_BASE_S`.
pub fn judge_with_base(
    status: Option<u16>,
    retry_after: Option<&str>,
    attempt: u32,
    max_attempts: u32,
    now_ms: EpochMs,
    base_s: u32,
) -> DeliveryOutcome {
    let retryable = match status {
        None => true,
        Some(200..=299) => return DeliveryOutcome::Delivered,
        Some(410) => return DeliveryOutcome::Disable,
        Some(408 | 425 | 429) => true,
        Some(s) => s >= 500,
    };
    if !retryable || attempt.max(1) >= max_attempts {
        return DeliveryOutcome::GiveUp;
    }
    let backoff = backoff_with_base_s(attempt, base_s);
    let asked = retry_after.and_then(|v| parse_retry_after(v, now_ms)).unwrap_or(0);
    DeliveryOutcome::Retry { after_s: backoff.max(asked).min(MAX_DELAY_S) }
}

/// The wait after failed attempt `attempt` (1-based): 30 s, 60 s, 120 s, ... capped at 1 h.
pub fn backoff_s(attempt: u32) -> u32 {
    backoff_with_base_s(attempt, BACKOFF_BASE_S)
}

/// `base_s * 2^(attempt-1)`, capped at `MAX_DELAY_S`.
pub fn backoff_with_base_s(attempt: u32, base_s: u32) -> u32 {
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

    const GOLDEN_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const GOLDEN_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const GOLDEN_TS: i64 = 1_649_367_553;
    const GOLDEN_BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;

    fn opened_event() -> EventInfo {
        EventInfo {
            kind: EventKind::IncidentOpened,
            project: ProjectInfo { id: 1, slug: "acme".into(), name: "Acme \"Prod\"".into() },
            monitor: Some(MonitorInfo { id: 7, name: "Main API".into(), url: "https://api.example.com/health".into() }),
            incident: Some(IncidentInfo {
                id: 42,
                opened_at: 1_795_238_700_123,
                resolved_at: None,
                cause: Some("status 503 not in [200]".into()),
                reminder: None,
            }),
            check: Some(CheckInfo {
                status: CheckStatus::Down,
                http_status: Some(503),
                latency_ms: Some(120),
                failure_type: Some("status 503 not in [200]".into()),
                started_at: 1_795_238_700_000,
            }),
        }
    }

    #[test]
    fn standard_webhooks_golden_vector() {
        let key = parse_secret(GOLDEN_SECRET).unwrap();
        assert_eq!(key.len(), 24);
        assert_eq!(sign(&key, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY), "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn hmac_matches_rfc4231_and_python() {
        // Hex digests from Python's hmac module; cases 2 and 6 are RFC 4231's test cases
        // (6 is a 131-byte key, so it exercises the hash-the-key branch).
        let cases: &[(&[u8], &[u8], &str)] = &[
            (b"Jefe", b"what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (&[0u8; 0], b"", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"),
        ];
        for (key, msg, want) in cases {
            assert_eq!(hex(&hmac_sha256(key, &[msg])), *want);
        }
        let k64: Vec<u8> = (0..64).collect();
        let k65: Vec<u8> = (0..65).collect();
        assert_eq!(
            hex(&hmac_sha256(&k64, &[b"exactly one ", b"block"])),
            "6a0b99c9142782e19009e62b6ac5c4261cad2dddfa6f6a369a1414208408abd3"
        );
        assert_eq!(
            hex(&hmac_sha256(&k65, &[b"one more than a block"])),
            "043bd157cff4ebcfc7fbffb12506d07efe2a583b3938c5dc4017171999248aed"
        );
    }

    #[test]
    fn seed003_signature_known_value() {
        // python3 -c "import hmac,hashlib,base64; k=base64.b64decode('C2FVsBQIhrscChlQIMV+b5sSYspob7oD');
        //   print(hmac.new(k, b'{\"email\":\"test@example.com\",\"username\":\"test_user\"}', hashlib.sha256).hexdigest())"
        let key = parse_secret(GOLDEN_SECRET).unwrap();
        assert_eq!(
            seed003_signature(&key, GOLDEN_BODY),
            "sha256=83cc2611bccec7432b7f4733ec80ac7f9ad46f3f29bdcc391d40214349bc71cf"
        );
    }

    // The reference crate is a host-only dev-dependency (it reads the real clock).
    #[cfg(not(target_arch = "wasm32"))]
    fn header_map(headers: &[(&'static str, String)]) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn reference_crate_verifies_our_headers_and_rejects_tampering() {
        // The reference verifier checks the timestamp against the real clock (5 min
        // tolerance), so this test signs with the current time.
        let now_s = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let secret = generate_secret(&[7u8; 32]);
        let key = parse_secret(&secret).unwrap();
        let event = opened_event();
        let body = payload(&event, event.incident.as_ref().unwrap().opened_at);
        let id = message_id(42, event.incident.as_ref().unwrap().opened_at, "incident.opened");
        let hs = headers(&key, &id, now_s, &body);
        let map = header_map(&hs);

        let wh = standardwebhooks::Webhook::new(&secret).unwrap();
        wh.verify(body.as_bytes(), &map).unwrap();

        let tampered = body.replace("Main API", "Main APl");
        assert!(wh.verify(tampered.as_bytes(), &map).is_err(), "tampered body must fail");
        let other = standardwebhooks::Webhook::new(&generate_secret(&[8u8; 32])).unwrap();
        assert!(other.verify(body.as_bytes(), &map).is_err(), "wrong secret must fail");
        // Replaying the signature under another id fails too: the id is signed.
        let mut replay = map.clone();
        replay.insert("webhook-id", "msg_other".parse().unwrap());
        assert!(wh.verify(body.as_bytes(), &replay).is_err());
        // And the reference signer agrees byte for byte.
        let sig = hs.iter().find(|(n, _)| *n == "webhook-signature").unwrap();
        assert_eq!(wh.sign(&id, now_s, body.as_bytes()).unwrap(), sig.1);
    }

    #[test]
    fn headers_are_complete() {
        let key = parse_secret(GOLDEN_SECRET).unwrap();
        let hs = headers(&key, GOLDEN_ID, GOLDEN_TS, GOLDEN_BODY);
        let get = |n: &str| hs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("webhook-id"), Some(GOLDEN_ID));
        assert_eq!(get("webhook-timestamp"), Some("1649367553"));
        assert_eq!(get("webhook-signature"), Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="));
        assert_eq!(
            get("x-uptime-signature"),
            Some("sha256=83cc2611bccec7432b7f4733ec80ac7f9ad46f3f29bdcc391d40214349bc71cf")
        );
        assert_eq!(get("content-type"), Some("application/json"));
        assert!(get("user-agent").unwrap().starts_with("vigil/"));
        assert_eq!(hs.len(), 6);
        // Header names are lowercase, as `http` (and fetch) would normalize them anyway.
        assert!(hs.iter().all(|(n, _)| n.chars().all(|c| !c.is_ascii_uppercase())));
    }

    #[test]
    fn secrets_generate_parse_and_reject() {
        let s = generate_secret(&std::array::from_fn(|i| i as u8));
        assert_eq!(s, "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        assert_eq!(parse_secret(&s).unwrap(), (0u8..32).collect::<Vec<_>>());
        // Without prefix, with whitespace: same key.
        assert_eq!(parse_secret(" AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n").unwrap().len(), 32);
        let ws = WebhookSecret::parse(&s).unwrap();
        assert_eq!(ws.to_whsec(), s);
        assert_eq!(ws.as_bytes().len(), 32);
        assert!(!format!("{ws:?}").contains("AAEC"), "Debug must not print the secret");

        let cases: &[(&str, SecretError)] = &[
            ("", SecretError::Empty),
            ("whsec_", SecretError::Empty),
            ("   ", SecretError::Empty),
            ("whsec_not base64!", SecretError::BadBase64),
            ("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", SecretError::BadBase64), // padding missing
            ("whsec_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_", SecretError::BadBase64),               // URL-safe alphabet
            ("whsec_c2hvcnQ=", SecretError::TooShort { bytes: 5 }),
            (
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                SecretError::TooLong { bytes: 66 },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_secret(input).as_ref(), Err(want), "{input:?}");
        }
        // The golden secret is exactly the minimum.
        assert!(parse_secret(GOLDEN_SECRET).is_ok());
        let msg = SecretError::TooShort { bytes: 5 }.to_string();
        assert!(msg.contains("5 bytes") && msg.contains("24"), "{msg}");
        assert!(SecretError::BadBase64.to_string().contains("base64"));
    }

    #[test]
    fn message_ids_are_stable_distinct_and_dot_free() {
        let a = message_id(42, 1_795_238_700_123, "incident.opened");
        assert_eq!(a, "msg_42_1795238700123_incident_opened");
        assert_eq!(a, message_id(42, 1_795_238_700_123, "incident.opened"), "same on every retry");
        let others = [
            message_id(42, 1_795_238_700_123, "incident.resolved"),
            message_id(43, 1_795_238_700_123, "incident.opened"),
            message_id(42, 1_795_238_700_124, "incident.opened"), // same id after a DB reset
        ];
        for o in &others {
            assert_ne!(&a, o);
        }
        let t = test_message_id(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(t, "msg_test_deadbeef");
        assert_ne!(t, test_message_id(&[0xde, 0xad, 0xbe, 0xee]));
        for id in others.iter().chain([&a, &t, &message_id(-1, -5, "x.y z")]) {
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{id}");
        }
    }

    #[test]
    fn payload_shape_for_opened_resolved_and_test() {
        let event = opened_event();
        let body = payload(&event, 1_795_238_700_123);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["type"], "incident.opened");
        assert_eq!(v["timestamp"], "2026-11-21T05:25:00.123Z");
        let d = &v["data"];
        assert_eq!(d["project"], serde_json::json!({"id": 1, "slug": "acme", "name": "Acme \"Prod\""}));
        assert_eq!(d["monitor"], serde_json::json!({"id": 7, "name": "Main API", "url": "https://api.example.com/health"}));
        assert_eq!(
            d["incident"],
            serde_json::json!({"id": 42, "opened_at": "2026-11-21T05:25:00.123Z", "resolved_at": null,
                               "cause": "status 503 not in [200]", "duration_seconds": null})
        );
        assert_eq!(
            d["check"],
            serde_json::json!({"status": "DOWN", "http_status": 503, "latency_ms": 120,
                               "failure_type": "status 503 not in [200]", "started_at": "2026-11-21T05:25:00.000Z"})
        );
        // Minified, with the keys in envelope order.
        assert!(body.starts_with(r#"{"type":"incident.opened","timestamp":"#), "{body}");
        assert!(!body.contains('\n') && !body.contains(": "));

        let mut resolved = opened_event();
        resolved.kind = EventKind::IncidentResolved;
        let inc = resolved.incident.as_mut().unwrap();
        inc.resolved_at = Some(inc.opened_at + 12 * 60_000 + 999);
        resolved.check = Some(CheckInfo {
            status: CheckStatus::Up,
            http_status: Some(200),
            latency_ms: Some(85),
            failure_type: None,
            started_at: inc.opened_at + 12 * 60_000,
        });
        let v: serde_json::Value = serde_json::from_str(&payload(&resolved, 0)).unwrap();
        assert_eq!(v["type"], "incident.resolved");
        assert_eq!(v["data"]["incident"]["resolved_at"], "2026-11-21T05:37:01.122Z");
        assert_eq!(v["data"]["incident"]["duration_seconds"], 720);
        assert_eq!(v["data"]["check"]["status"], "UP");
        assert!(v["data"]["check"]["failure_type"].is_null());

        let test = EventInfo { kind: EventKind::Test, monitor: None, incident: None, check: None, ..opened_event() };
        let v: serde_json::Value = serde_json::from_str(&payload(&test, 0)).unwrap();
        assert_eq!(v["type"], "test");
        assert_eq!(v["data"]["project"]["slug"], "acme");
        for part in ["monitor", "incident", "check"] {
            assert!(v["data"][part].is_null(), "{part} present as null");
            assert!(v["data"].as_object().unwrap().contains_key(part));
        }
    }

    #[test]
    fn event_kinds_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        assert_eq!(EventKind::parse("incident.Opened"), None);
    }

    #[test]
    fn judge_table() {
        use DeliveryOutcome::*;
        let now = 1_649_367_553_000; // Thu, 07 Apr 2022 21:39:13 GMT
        // (name, status, retry_after, attempt, max, expected)
        type Case<'a> = (&'a str, Option<u16>, Option<&'a str>, u32, u32, DeliveryOutcome);
        let cases: &[Case] = &[
            ("200 delivered", Some(200), None, 1, 5, Delivered),
            ("204 delivered", Some(204), None, 1, 5, Delivered),
            ("299 delivered", Some(299), None, 1, 5, Delivered),
            ("2xx on last attempt", Some(202), None, 5, 5, Delivered),
            ("410 disables", Some(410), None, 1, 5, Disable),
            ("410 disables on last attempt", Some(410), None, 5, 5, Disable),
            ("301 gives up", Some(301), None, 1, 5, GiveUp),
            ("302 gives up", Some(302), None, 1, 5, GiveUp),
            ("307 gives up", Some(307), None, 1, 5, GiveUp),
            ("400 gives up", Some(400), None, 1, 5, GiveUp),
            ("401 gives up", Some(401), None, 1, 5, GiveUp),
            ("404 gives up", Some(404), None, 1, 5, GiveUp),
            ("413 gives up", Some(413), None, 1, 5, GiveUp),
            ("100 gives up", Some(100), None, 1, 5, GiveUp),
            ("network error retries", None, None, 1, 5, Retry { after_s: 30 }),
            ("timeout 2nd attempt", None, None, 2, 5, Retry { after_s: 60 }),
            ("408 retries", Some(408), None, 1, 5, Retry { after_s: 30 }),
            ("425 retries", Some(425), None, 1, 5, Retry { after_s: 30 }),
            ("429 retries", Some(429), None, 3, 5, Retry { after_s: 120 }),
            ("500 retries", Some(500), None, 1, 5, Retry { after_s: 30 }),
            ("502 retries", Some(502), None, 4, 5, Retry { after_s: 240 }),
            ("599 retries", Some(599), None, 1, 5, Retry { after_s: 30 }),
            ("backoff capped", Some(503), None, 8, 20, Retry { after_s: 3600 }),
            ("backoff capped far out", Some(503), None, 40, 100, Retry { after_s: 3600 }),
            ("attempt 0 treated as 1", Some(503), None, 0, 5, Retry { after_s: 30 }),
            ("last attempt gives up", Some(503), None, 5, 5, GiveUp),
            ("past last attempt gives up", None, None, 9, 5, GiveUp),
            ("max 1: no retries", Some(503), None, 1, 1, GiveUp),
            ("max 0: no retries", Some(503), None, 1, 0, GiveUp),
            ("Retry-After seconds, later than backoff", Some(429), Some("120"), 1, 5, Retry { after_s: 120 }),
            ("Retry-After seconds, earlier than backoff", Some(429), Some("5"), 3, 5, Retry { after_s: 120 }),
            ("Retry-After capped", Some(503), Some("86400"), 1, 5, Retry { after_s: 3600 }),
            ("Retry-After huge", Some(503), Some("99999999999999999999999"), 1, 5, Retry { after_s: 3600 }),
            ("Retry-After HTTP-date", Some(503), Some("Thu, 07 Apr 2022 21:44:13 GMT"), 1, 5, Retry { after_s: 300 }),
            ("Retry-After date in past", Some(503), Some("Thu, 07 Apr 2022 21:00:00 GMT"), 1, 5, Retry { after_s: 30 }),
            ("Retry-After garbage ignored", Some(503), Some("soon"), 1, 5, Retry { after_s: 30 }),
            ("Retry-After negative ignored", Some(503), Some("-10"), 1, 5, Retry { after_s: 30 }),
            ("Retry-After on 4xx ignored", Some(400), Some("10"), 1, 5, GiveUp),
            ("Retry-After on network error", None, Some("90"), 1, 5, Retry { after_s: 90 }),
        ];
        for (name, status, ra, attempt, max, want) in cases {
            assert_eq!(judge(*status, *ra, *attempt, *max, now), *want, "{name}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = 1_649_367_553_000; // 2022-04-07T21:39:13Z
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
        let schedule: Vec<u32> = (1..=9).map(backoff_s).collect();
        assert_eq!(schedule, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff_s(u32::MAX), 3600);
        let fast: Vec<u32> = (1..=5).map(|a| backoff_with_base_s(a, 1)).collect();
        assert_eq!(fast, [1, 2, 4, 8, 16]);
        assert_eq!(backoff_with_base_s(40, 1), 3600);
        assert_eq!(backoff_with_base_s(2, u32::MAX), 3600);
        // A configured base changes the computed wait, not the Retry-After floor.
        assert_eq!(judge_with_base(Some(503), None, 2, 5, 0, 1), DeliveryOutcome::Retry { after_s: 2 });
        assert_eq!(judge_with_base(Some(429), Some("7"), 1, 5, 0, 1), DeliveryOutcome::Retry { after_s: 7 });
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

    #[test]
    fn outcome_names() {
        assert_eq!(DeliveryOutcome::Delivered.as_str(), "delivered");
        assert_eq!(DeliveryOutcome::Retry { after_s: 1 }.as_str(), "retry");
        assert_eq!(DeliveryOutcome::Disable.as_str(), "disabled");
        assert_eq!(DeliveryOutcome::GiveUp.as_str(), "gave_up");
    }
}
