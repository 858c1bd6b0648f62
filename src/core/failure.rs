//! Why a check failed, as data (DESIGN.md §3).
//!
//! The classifier decides a [`FailureKind`] and, beside it, a readable `failure_type` text
//! ("status 503 not in [200]"). The text is for people and stays as it is in the API; the kind
//! is what code branches on: the status page's public category, filters, alert wording. Nothing
//! parses the text back.
//!
//! Stored as a stable text code (`timeout`, `status`, ...) in `checks.failure_kind` and
//! `incidents.failure_kind` (migration 0007), and shown under that name in the API. The codes
//! are an API contract: never rename one, add a new kind instead.
//!
//! Adding a kind: a variant, its code in [`FailureKind::as_str`], an entry in
//! [`FailureKind::ALL`], and its public category in [`FailureKind::public_category`] (the
//! compiler insists on the two `match`es; the tests on `ALL` and on the OpenAPI enum).
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// No complete answer within the monitor's timeout.
    Timeout,
    /// The name did not resolve.
    Dns,
    /// TCP trouble: refused, reset, unreachable, closed.
    Connection,
    /// TLS handshake or certificate trouble.
    Tls,
    /// An answer whose HTTP status is not among the expected ones.
    Status,
    /// The expected status, but the body lacks the `body_contains` text.
    BodyMissing,
    /// A bot shield answered instead of the site (header, challenge page or configured string).
    BotWall,
    /// The SSRF guard refused the URL or a redirect hop (DESIGN.md §11).
    RefusedTarget,
    /// More redirects than the probe follows.
    TooManyRedirects,
    /// The request could not be built from the monitor's settings (e.g. a header value).
    InvalidRequest,
    /// A DNS monitor's name does not exist (RCODE NXDOMAIN).
    DnsNxdomain,
    /// A DNS monitor's resolver could not resolve the name (RCODE SERVFAIL).
    DnsServfail,
    /// A DNS monitor's answer has no record of the type, or lacks an expected value.
    DnsMismatch,
    /// A DNS monitor's resolver refused, failed, or gave an answer that is not DNS JSON.
    DnsError,
    /// An HTTP monitor's response assertions did not all hold.
    Assertion,
    /// Cloudflare's edge answered with its own error (52x, 1xxx) instead of the site.
    CloudflareEdge,
    /// A heartbeat monitor's ping did not come in time: period + grace after the last one, or
    /// grace after a `/start` (core::heartbeat).
    MissedHeartbeat,
    /// A heartbeat monitor's job said it failed: `/fail` or a nonzero exit status.
    JobFailed,
}

impl FailureKind {
    /// Every kind, in declaration order.
    pub const ALL: [FailureKind; 18] = [
        Self::Timeout,
        Self::Dns,
        Self::Connection,
        Self::Tls,
        Self::Status,
        Self::BodyMissing,
        Self::BotWall,
        Self::RefusedTarget,
        Self::TooManyRedirects,
        Self::InvalidRequest,
        Self::DnsNxdomain,
        Self::DnsServfail,
        Self::DnsMismatch,
        Self::DnsError,
        Self::Assertion,
        Self::CloudflareEdge,
        Self::MissedHeartbeat,
        Self::JobFailed,
    ];

    /// The stored and API code. The one text mapping: [`FailureKind::parse`] and serde use it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Dns => "dns",
            Self::Connection => "connection",
            Self::Tls => "tls",
            Self::Status => "status",
            Self::BodyMissing => "body_missing",
            Self::BotWall => "bot_wall",
            Self::RefusedTarget => "refused_target",
            Self::TooManyRedirects => "too_many_redirects",
            Self::InvalidRequest => "invalid_request",
            Self::DnsNxdomain => "dns_nxdomain",
            Self::DnsServfail => "dns_servfail",
            Self::DnsMismatch => "dns_mismatch",
            Self::DnsError => "dns_error",
            Self::Assertion => "assertion",
            Self::CloudflareEdge => "cloudflare_edge",
            Self::MissedHeartbeat => "missed_heartbeat",
            Self::JobFailed => "job_failed",
        }
    }

    /// The kind with this code; `None` for anything else (case-sensitive, as stored).
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// What the public may read about a failure of this kind (status page, feed). Raw reasons
    /// can hold hosts, paths, query strings and library error text; these fixed phrases cannot.
    /// `http_status` is the failing answer's status, which only `Status` looks at.
    pub fn public_category(self, http_status: Option<u16>) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::Dns => "DNS error",
            Self::Connection => "connection error",
            Self::Tls => "TLS error",
            Self::Status => match http_status.map(|s| s / 100) {
                Some(5) => "server error (5xx)",
                Some(4) => "client error (4xx)",
                Some(3) => "unexpected redirect (3xx)",
                _ => "unexpected status",
            },
            Self::BodyMissing => "content check failed",
            Self::BotWall => "bot wall",
            // The probe declined to go on; to the public that is one thing.
            Self::RefusedTarget | Self::TooManyRedirects | Self::InvalidRequest => "request refused",
            Self::DnsNxdomain | Self::DnsServfail | Self::DnsError => "DNS error",
            Self::DnsMismatch => "DNS record mismatch",
            Self::Assertion => "content check failed",
            Self::CloudflareEdge => "Cloudflare edge error",
            Self::MissedHeartbeat => "missed heartbeat",
            Self::JobFailed => "job failed",
        }
    }
}

impl std::fmt::Display for FailureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FailureKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FailureKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        Self::parse(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown failure kind {code:?}")))
    }
}

/// A failed check's reason: the kind code branches on, and the text a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// The `failure_type` text, e.g. `status 503 not in [200]`.
    pub reason: String,
}

impl Failure {
    pub fn new(kind: FailureKind, reason: impl Into<String>) -> Self {
        Self { kind, reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureKind::*;

    #[test]
    fn codes_round_trip_through_text_and_json() {
        let mut seen = std::collections::HashSet::new();
        for (i, k) in FailureKind::ALL.into_iter().enumerate() {
            assert_eq!(k as usize, i, "ALL is in declaration order, so a variant left out shows as a gap");
            assert!(seen.insert(k.as_str()), "code {} used twice", k.as_str());
            assert_eq!(FailureKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<FailureKind>(&json).unwrap(), k);
            // Codes are lower snake case: safe in URLs, SQL literals and JSON enums.
            assert!(k.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{k}");
        }
        for bad in ["", "TIMEOUT", "Timeout", " timeout", "bot wall", "unknown"] {
            assert_eq!(FailureKind::parse(bad), None, "{bad:?}");
        }
        assert!(serde_json::from_str::<FailureKind>("\"nope\"").is_err());
        assert_eq!(serde_json::from_str::<Option<FailureKind>>("null").unwrap(), None);
    }

    /// Runs SQL on an in-memory SQLite through Python's sqlite3 (CPython is on every machine
    /// this project builds on; the core has no SQLite of its own) and returns the JSON rows of
    /// the final query.
    fn sqlite(script: &str, query: &str) -> serde_json::Value {
        use std::io::Write as _;
        let program = "import json, sqlite3, sys\n\
                       db = sqlite3.connect(':memory:')\n\
                       db.executescript(sys.stdin.read())\n\
                       print(json.dumps(db.execute(sys.argv[1]).fetchall()))";
        let mut child = std::process::Command::new("python3")
            .args(["-c", program, query])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 must be on PATH for this test (CPython is part of the build machine)");
        child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "sqlite script failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn migrations(pick: impl Fn(u32) -> bool) -> String {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let mut sql = String::new();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let number: u32 = name[..4].parse().unwrap();
            if pick(number) {
                sql.push_str(&std::fs::read_to_string(&f).unwrap());
                sql.push('\n');
            }
        }
        sql
    }

    fn quote(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// Migration 0007's backfill, run on SQLite over rows written the old way (text only): every
    /// text the classifier produces gets the kind the classifier now gives it, on checks and on
    /// the incidents those checks open; an incident whose opening check was pruned still gets
    /// its HTTP status from the text; text from no classifier stays NULL ("check failed").
    #[test]
    fn migration_0007_backfills_every_classifier_text() {
        use crate::core::classify::{classify, samples};
        let mut script = migrations(|n| n < 7);
        script.push_str("INSERT INTO monitors (id, project_id, name, url, created_at, updated_at) VALUES (1, 1, 'm', 'https://x', '', '');\n");
        let mut want = Vec::new();
        // Kinds added after 0007 (DNS, assertions, Cloudflare edge) come only from probes that
        // did not exist then, so no old row has their text.
        let old_kinds = &FailureKind::ALL[..10];
        let samples: Vec<_> = samples::all().into_iter().filter(|s| s.kind.is_none_or(|k| old_kinds.contains(&k))).collect();
        for (slot, s) in samples.iter().enumerate() {
            let v = classify(&s.spec, &s.outcome);
            let text = v.failure_type().map_or("NULL".to_string(), quote);
            let http = v.http_status.map_or("NULL".to_string(), |h| h.to_string());
            script.push_str(&format!(
                "INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, attempts) \
                 VALUES (1, {slot}, 'scheduled', '', {}, 0, {http}, NULL, {text}, 1);\n",
                quote(v.status.as_str())
            ));
            if let Some(reason) = v.failure_type() {
                script.push_str(&format!(
                    "INSERT INTO incidents (monitor_id, opened_at, opened_slot, resolved_at, cause, last_status) VALUES (1, '', {slot}, '', {}, 'DOWN');\n",
                    quote(reason)
                ));
            }
            want.push((slot, v.failure_kind(), v.http_status, s.name.clone()));
        }
        // Incidents without their opening check (pruned), and one whose cause is no classifier
        // text (the recorder's fallback is the status name).
        let pruned = [("status 503 not in [200]", Some(Status), Some(503)), ("timeout after 20s", Some(Timeout), None), ("DOWN", None, None)];
        for (i, (cause, _, _)) in pruned.iter().enumerate() {
            script.push_str(&format!(
                "INSERT INTO incidents (monitor_id, opened_at, opened_slot, resolved_at, cause, last_status) VALUES (1, '', {}, '', {}, 'DOWN');\n",
                100_000 + i,
                quote(cause)
            ));
        }
        script.push_str(&migrations(|n| n == 7));
        let code = |v: &serde_json::Value| v.as_str().map(|c| FailureKind::parse(c).unwrap_or_else(|| panic!("unknown code {c}")));
        let checks = sqlite(&script, "SELECT slot, failure_kind FROM checks ORDER BY slot");
        let checks = checks.as_array().unwrap();
        assert_eq!(checks.len(), want.len());
        for (row, (slot, kind, _, name)) in checks.iter().zip(&want) {
            assert_eq!(row[0].as_u64(), Some(*slot as u64));
            assert_eq!(code(&row[1]), *kind, "check backfill: {name}");
        }
        let incidents = sqlite(&script, "SELECT opened_slot, failure_kind, cause_http_status FROM incidents ORDER BY opened_slot");
        let incidents = incidents.as_array().unwrap();
        let opened: Vec<_> = want.iter().filter(|w| w.1.is_some()).collect();
        assert_eq!(incidents.len(), opened.len() + pruned.len());
        for (row, (slot, kind, http, name)) in incidents.iter().zip(&opened) {
            assert_eq!(row[0].as_u64(), Some(*slot as u64));
            assert_eq!(code(&row[1]), *kind, "incident backfill: {name}");
            assert_eq!(row[2].as_u64().map(|h| h as u16), *http, "incident status from its check: {name}");
        }
        for (row, (cause, kind, http)) in incidents[opened.len()..].iter().zip(pruned) {
            assert_eq!(code(&row[1]), kind, "pruned: {cause}");
            assert_eq!(row[2].as_u64().map(|h| h as u16), http, "pruned: {cause}");
        }
        // The migration leaves no helper table behind.
        let tables = sqlite(&script, "SELECT count(*) FROM sqlite_master WHERE name = 'failure_kind_patterns'");
        assert_eq!(tables, serde_json::json!([[0]]));
    }

    #[test]
    fn public_categories() {
        let cases = [
            (Timeout, None, "timeout"),
            (Dns, None, "DNS error"),
            (Connection, None, "connection error"),
            (Tls, None, "TLS error"),
            (Status, Some(503), "server error (5xx)"),
            (Status, Some(500), "server error (5xx)"),
            (Status, Some(404), "client error (4xx)"),
            (Status, Some(301), "unexpected redirect (3xx)"),
            (Status, Some(200), "unexpected status"),
            (Status, Some(102), "unexpected status"),
            (Status, None, "unexpected status"),
            (BodyMissing, Some(200), "content check failed"),
            (BotWall, Some(403), "bot wall"),
            (RefusedTarget, None, "request refused"),
            (TooManyRedirects, None, "request refused"),
            (InvalidRequest, None, "request refused"),
            (DnsNxdomain, None, "DNS error"),
            (DnsServfail, None, "DNS error"),
            (DnsError, None, "DNS error"),
            (DnsMismatch, None, "DNS record mismatch"),
            (Assertion, Some(200), "content check failed"),
            (CloudflareEdge, Some(522), "Cloudflare edge error"),
            (MissedHeartbeat, None, "missed heartbeat"),
            (JobFailed, None, "job failed"),
        ];
        for (kind, status, want) in cases {
            assert_eq!(kind.public_category(status), want, "{kind} {status:?}");
        }
        // Every kind has a table row above.
        for k in FailureKind::ALL {
            assert!(cases.iter().any(|(c, _, _)| *c == k), "{k} has no public category case");
        }
    }
}
