//! Outgoing webhooks (DESIGN.md §6): the event payload, Standard Webhooks signing
//! (<https://www.standardwebhooks.com/>, spec v1.0.0) and seed 003's `X-Uptime-Signature`.
//! What a receiver's answer means is `core::delivery`'s `WEBHOOK` policy.
//!
//! Pure: the caller passes the secret, the clock (`now_ms`, `timestamp_s`) and any random
//! bytes in; nothing here reads a clock, draws randomness or does I/O.
use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use super::dns::RecordType;
use super::failure::FailureKind;
use super::monitor::MonitorType;
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
    /// `monitors.url` as stored: the URL of an HTTP monitor, `tcp://host:port` of a TCP one,
    /// `""` for DNS and heartbeat monitors (kept in the payload as it always was).
    pub url: String,
    pub monitor_type: MonitorType,
    /// DNS monitors only (`None` for the others).
    pub hostname: Option<String>,
    /// DNS monitors only; A when the row has none (DESIGN.md §3's default).
    pub record_type: Option<RecordType>,
}

impl MonitorInfo {
    /// From the `monitors` columns as D1 returns them (`monitor_type`, `hostname` and
    /// `record_type` text). An unknown type reads as HTTP (migration 0015's triggers allow only
    /// the four codes); the DNS fields are kept only for a DNS monitor, so the payload never says
    /// `hostname` of an HTTP monitor.
    pub fn from_columns(id: i64, name: &str, url: &str, monitor_type: &str, hostname: Option<&str>, record_type: Option<&str>) -> Self {
        let monitor_type = MonitorType::parse(monitor_type).unwrap_or_default();
        let dns = monitor_type == MonitorType::Dns;
        Self {
            id,
            name: name.to_string(),
            url: url.to_string(),
            monitor_type,
            hostname: hostname.filter(|_| dns).map(str::trim).filter(|h| !h.is_empty()).map(str::to_string),
            record_type: dns.then(|| record_type.and_then(RecordType::parse).unwrap_or_default()),
        }
    }

    /// What the monitor watches, as the row under its name in an email or chat message says
    /// it: (label, value). The URL of an HTTP monitor, `tcp://host:port` of a TCP one,
    /// `example.com (A)` of a DNS one, and for a heartbeat only that it is one: its ping URL
    /// holds the token, which is its only credential (README "Heartbeat monitors"), so it
    /// never goes into an alert. `None` when there is nothing to show (never an empty row).
    pub fn target(&self) -> Option<(&'static str, String)> {
        let url = || Some(self.url.trim()).filter(|u| !u.is_empty()).map(str::to_string);
        match self.monitor_type {
            MonitorType::Http | MonitorType::Tcp => url().map(|u| ("URL", u)),
            MonitorType::Dns => match &self.hostname {
                Some(host) => Some(("DNS record", format!("{host} ({})", self.record_type.unwrap_or_default().as_str()))),
                None => url().map(|u| ("URL", u)),
            },
            MonitorType::Heartbeat => Some(("Check", String::from("heartbeat (pinged by its job)"))),
        }
    }

    /// The host it watches (PagerDuty's `source`, "the unique location of the affected
    /// system"): the URL's host, or a DNS monitor's hostname. `None` for a heartbeat, which
    /// has no location vigil knows.
    pub fn location(&self) -> Option<String> {
        match self.monitor_type {
            MonitorType::Dns if self.hostname.is_some() => self.hostname.clone(),
            MonitorType::Heartbeat => None,
            _ => url::Url::parse(self.url.trim()).ok().and_then(|u| u.host_str().map(str::to_string)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentInfo {
    pub id: i64,
    pub opened_at: EpochMs,
    /// `None` while the incident is open.
    pub resolved_at: Option<EpochMs>,
    /// The failure_type of the check that opened it.
    pub cause: Option<String>,
    /// The failure kind of the check that opened it (DESIGN.md §3): what a receiver can
    /// branch on without parsing `cause`.
    pub failure_kind: Option<FailureKind>,
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
    /// Its stable code (`timeout`, `status`, ...); `None` when UP.
    pub failure_kind: Option<FailureKind>,
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
    monitor_type: &'static str,
    hostname: Option<&'a str>,
    record_type: Option<&'static str>,
}

#[derive(Serialize)]
struct IncidentOut<'a> {
    id: i64,
    opened_at: String,
    resolved_at: Option<String>,
    cause: Option<&'a str>,
    failure_kind: Option<FailureKind>,
    duration_seconds: Option<i64>,
}

#[derive(Serialize)]
struct CheckOut<'a> {
    status: CheckStatus,
    http_status: Option<u16>,
    latency_ms: Option<u32>,
    failure_type: Option<&'a str>,
    failure_kind: Option<FailureKind>,
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
            monitor: event.monitor.as_ref().map(|m| MonitorOut {
                id: m.id,
                name: &m.name,
                url: &m.url,
                monitor_type: m.monitor_type.as_str(),
                hostname: m.hostname.as_deref(),
                record_type: m.record_type.map(RecordType::as_str),
            }),
            incident: event.incident.as_ref().map(|i| IncidentOut {
                id: i.id,
                opened_at: iso(i.opened_at),
                resolved_at: i.resolved_at.map(iso),
                cause: i.cause.as_deref(),
                failure_kind: i.failure_kind,
                duration_seconds: i.duration_seconds(),
            }),
            check: event.check.as_ref().map(|c| CheckOut {
                status: c.status,
                http_status: c.http_status,
                latency_ms: c.latency_ms,
                failure_type: c.failure_type.as_deref(),
                failure_kind: c.failure_kind,
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
/// (DESIGN.md §11).
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

/// HMAC-SHA256 (RFC 2104, the `hmac` crate) over the concatenation of `parts`. Checked
/// against RFC 4231's vectors, the Standard Webhooks vector and the reference crate.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes a key of any length (a long one is hashed first): hmac 0.12 never returns
    // this error for `Hmac`, the trait's signature merely allows it.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { unreachable!("HMAC accepts keys of any length") };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
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
            monitor: Some(MonitorInfo::from_columns(7, "Main API", "https://api.example.com/health", "http", None, None)),
            incident: Some(IncidentInfo {
                id: 42,
                opened_at: 1_795_238_700_123,
                resolved_at: None,
                cause: Some("status 503 not in [200]".into()),
                failure_kind: Some(FailureKind::Status),
                reminder: None,
            }),
            check: Some(CheckInfo {
                status: CheckStatus::Down,
                http_status: Some(503),
                latency_ms: Some(120),
                failure_type: Some("status 503 not in [200]".into()),
                failure_kind: Some(FailureKind::Status),
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
        assert_eq!(
            d["monitor"],
            serde_json::json!({"id": 7, "name": "Main API", "url": "https://api.example.com/health",
                               "monitor_type": "http", "hostname": null, "record_type": null})
        );
        assert_eq!(
            d["incident"],
            serde_json::json!({"id": 42, "opened_at": "2026-11-21T05:25:00.123Z", "resolved_at": null,
                               "cause": "status 503 not in [200]", "failure_kind": "status", "duration_seconds": null})
        );
        assert_eq!(
            d["check"],
            serde_json::json!({"status": "DOWN", "http_status": 503, "latency_ms": 120,
                               "failure_type": "status 503 not in [200]", "failure_kind": "status", "started_at": "2026-11-21T05:25:00.000Z"})
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
            failure_kind: None,
            started_at: inc.opened_at + 12 * 60_000,
        });
        let v: serde_json::Value = serde_json::from_str(&payload(&resolved, 0)).unwrap();
        assert_eq!(v["type"], "incident.resolved");
        assert_eq!(v["data"]["incident"]["resolved_at"], "2026-11-21T05:37:01.122Z");
        assert_eq!(v["data"]["incident"]["duration_seconds"], 720);
        assert_eq!(v["data"]["check"]["status"], "UP");
        assert!(v["data"]["check"]["failure_type"].is_null() && v["data"]["check"]["failure_kind"].is_null());
        assert_eq!(v["data"]["incident"]["failure_kind"], "status", "a resolved event still says what opened it");

        let test = EventInfo { kind: EventKind::Test, monitor: None, incident: None, check: None, ..opened_event() };
        let v: serde_json::Value = serde_json::from_str(&payload(&test, 0)).unwrap();
        assert_eq!(v["type"], "test");
        assert_eq!(v["data"]["project"]["slug"], "acme");
        for part in ["monitor", "incident", "check"] {
            assert!(v["data"][part].is_null(), "{part} present as null");
            assert!(v["data"].as_object().unwrap().contains_key(part));
        }
    }

    /// One monitor of each type as `from_columns` reads its row (`url`, `monitor_type`,
    /// `hostname`, `record_type`), and what alerts then say about it.
    #[test]
    fn monitor_columns_become_what_alerts_say() {
        // (url, type, hostname, record_type) -> (type, hostname, record_type, target row, location)
        type Want = (MonitorType, Option<&'static str>, Option<RecordType>, Option<(&'static str, &'static str)>, Option<&'static str>);
        type Columns = (&'static str, &'static str, Option<&'static str>, Option<&'static str>);
        let cases: &[(Columns, Want)] = &[
            (
                ("https://api.example.com/health", "http", None, None),
                (MonitorType::Http, None, None, Some(("URL", "https://api.example.com/health")), Some("api.example.com")),
            ),
            (("tcp://db.example.com:5432", "tcp", None, None), (MonitorType::Tcp, None, None, Some(("URL", "tcp://db.example.com:5432")), Some("db.example.com"))),
            (
                ("", "dns", Some("example.com"), Some("MX")),
                (MonitorType::Dns, Some("example.com"), Some(RecordType::MX), Some(("DNS record", "example.com (MX)")), Some("example.com")),
            ),
            // A DNS row without a record type is an A query (DESIGN.md §3).
            (("", "dns", Some("www.example.com"), None), (MonitorType::Dns, Some("www.example.com"), Some(RecordType::A), Some(("DNS record", "www.example.com (A)")), Some("www.example.com"))),
            // A heartbeat says what it is, never a URL (its ping URL's token is a credential).
            (("", "heartbeat", None, None), (MonitorType::Heartbeat, None, None, Some(("Check", "heartbeat (pinged by its job)")), None)),
            (("https://vigil.example.com/ping/3q2-7wE_aZ4kQ1mN0bVxYw", "heartbeat", None, None), (MonitorType::Heartbeat, None, None, Some(("Check", "heartbeat (pinged by its job)")), None)),
            // DNS fields on another type's row are not read; an unknown type reads as HTTP.
            (("https://example.com/", "http", Some("example.com"), Some("A")), (MonitorType::Http, None, None, Some(("URL", "https://example.com/")), Some("example.com"))),
            (("https://example.com/", "gopher", None, None), (MonitorType::Http, None, None, Some(("URL", "https://example.com/")), Some("example.com"))),
            // Nothing to show: no row at all rather than an empty one.
            (("", "http", None, None), (MonitorType::Http, None, None, None, None)),
            (("  ", "dns", Some(" "), None), (MonitorType::Dns, None, Some(RecordType::A), None, None)),
        ];
        for ((url, ty, host, rt), (want_ty, want_host, want_rt, want_target, want_location)) in cases {
            let m = MonitorInfo::from_columns(3, "m", url, ty, *host, *rt);
            let case = format!("{url:?} {ty} {host:?} {rt:?}");
            assert_eq!(m.monitor_type, *want_ty, "{case}");
            assert_eq!(m.hostname.as_deref(), *want_host, "{case}");
            assert_eq!(m.record_type, *want_rt, "{case}");
            assert_eq!(m.target(), want_target.map(|(l, v)| (l, v.to_string())), "{case}");
            assert_eq!(m.location().as_deref(), *want_location, "{case}");
            assert_eq!(m.url, *url, "the stored url is kept as it is: {case}");
        }
    }

    /// The payload's `monitor` keeps `id`, `name` and `url` as they always were (seed 003's
    /// receivers read them) and adds `monitor_type`, `hostname` and `record_type`, `null` where
    /// they do not apply, so every event has one schema.
    #[test]
    fn payload_monitor_per_type() {
        let cases = [
            (MonitorInfo::from_columns(7, "api", "https://api.example.com/", "http", None, None),
             serde_json::json!({"id": 7, "name": "api", "url": "https://api.example.com/", "monitor_type": "http", "hostname": null, "record_type": null})),
            (MonitorInfo::from_columns(8, "db", "tcp://db.example.com:5432", "tcp", None, None),
             serde_json::json!({"id": 8, "name": "db", "url": "tcp://db.example.com:5432", "monitor_type": "tcp", "hostname": null, "record_type": null})),
            (MonitorInfo::from_columns(9, "mx", "", "dns", Some("example.com"), Some("MX")),
             serde_json::json!({"id": 9, "name": "mx", "url": "", "monitor_type": "dns", "hostname": "example.com", "record_type": "MX"})),
            (MonitorInfo::from_columns(10, "a", "", "dns", Some("example.com"), None),
             serde_json::json!({"id": 10, "name": "a", "url": "", "monitor_type": "dns", "hostname": "example.com", "record_type": "A"})),
            (MonitorInfo::from_columns(11, "nightly", "", "heartbeat", None, None),
             serde_json::json!({"id": 11, "name": "nightly", "url": "", "monitor_type": "heartbeat", "hostname": null, "record_type": null})),
        ];
        for (monitor, want) in cases {
            let event = EventInfo { monitor: Some(monitor), ..opened_event() };
            for kind in [EventKind::IncidentOpened, EventKind::IncidentResolved, EventKind::IncidentReminder] {
                let body = payload(&EventInfo { kind, ..event.clone() }, 0);
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["data"]["monitor"], want, "{kind}");
                // Key order on the wire: the old fields first, then the new ones.
                let start = body.find(r#""monitor":{"#).unwrap();
                let object = &body[start..start + body[start..].find('}').unwrap()];
                let at: Vec<usize> = ["id", "name", "url", "monitor_type", "hostname", "record_type"]
                    .iter()
                    .map(|k| object.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k} in {object}")))
                    .collect();
                assert!(at.windows(2).all(|w| w[0] < w[1]), "{kind}: {object}");
            }
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
}
