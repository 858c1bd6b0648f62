//! Classification: what a probe saw -> one `CheckStatus`, a [`FailureKind`] and a readable
//! reason (DESIGN.md §3). A failed check is data, not an error: every outcome, from a DNS
//! failure to a missing keyword, lands here and leaves with a status, a kind code branches on,
//! and a `failure_type` a person can read.
use super::assertion::{self, Subject};
use super::dns::{self, DnsReply};
use super::edge;
use super::failure::{Failure, FailureKind};
use super::monitor::MonitorSpec;
use super::status::CheckStatus;

/// Largest prefix of a response body the probe reads; the rest is cancelled unread.
pub const BODY_CAP_BYTES: usize = 256 * 1024;

/// What went wrong below HTTP. Its name starts the `failure_type` text ("dns: ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkErrorKind {
    Dns,
    Connection,
    Tls,
}

impl NetworkErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connection => "connection",
            Self::Tls => "tls",
        }
    }

    fn failure_kind(self) -> FailureKind {
        match self {
            Self::Dns => FailureKind::Dns,
            Self::Connection => FailureKind::Connection,
            Self::Tls => FailureKind::Tls,
        }
    }

    /// Sorts the runtime's fetch error text into a kind. The Workers runtime only gives text.
    pub fn from_message(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        if ["dns", "enotfound", "name not resolved", "getaddrinfo", "no such host", "name resolution"]
            .iter()
            .any(|k| m.contains(k))
        {
            Self::Dns
        } else if ["tls", "ssl", "certificate", "handshake"].iter().any(|k| m.contains(k)) {
            Self::Tls
        } else {
            Self::Connection
        }
    }
}

/// The HTTP answer a probe got (after following redirects).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpAnswer {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body prefix read (at most BODY_CAP_BYTES), or empty when `needs_body` said no.
    pub body: String,
    pub latency_ms: u32,
}

impl HttpAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Why the probe refused to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The SSRF guard refused the URL, or a redirect hop's target.
    Target,
    /// The redirect chain was longer than the probe follows.
    TooManyRedirects,
    /// The request could not be built from the monitor's settings.
    InvalidRequest,
}

impl Refusal {
    fn failure_kind(self) -> FailureKind {
        match self {
            Self::Target => FailureKind::RefusedTarget,
            Self::TooManyRedirects => FailureKind::TooManyRedirects,
            Self::InvalidRequest => FailureKind::InvalidRequest,
        }
    }
}

/// Everything a probe attempt can end in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// No complete answer within `timeout_seconds`.
    Timeout { after_ms: u32 },
    /// fetch() threw: DNS, TCP or TLS trouble.
    NetworkError { kind: NetworkErrorKind, message: String },
    /// The probe refused to go on: a forbidden target, too many redirects, a bad request.
    Refused { kind: Refusal, reason: String },
    Response(HttpAnswer),
    /// A TCP monitor's connection opened, after this long.
    Connected { latency_ms: u32 },
    /// A DNS monitor's resolver answered (whatever the RCODE).
    Resolved(DnsReply),
    /// A DNS monitor's resolver answered, but not with a DNS answer (an HTTP error status, a
    /// body that is not DNS JSON).
    ResolverFailed { reason: String },
}

/// The classifier's conclusion: the columns of a check row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: CheckStatus,
    /// Why it failed; `None` when UP.
    pub failure: Option<Failure>,
    /// UP, but slower than `expected_response_time_ms`.
    pub slow: bool,
    pub http_status: Option<u16>,
    /// Time to the response headers; None when no response arrived.
    pub latency_ms: Option<u32>,
}

impl Verdict {
    /// The readable reason (`failure_type`), `None` when UP.
    pub fn failure_type(&self) -> Option<&str> {
        self.failure.as_ref().map(|f| f.reason.as_str())
    }

    pub fn failure_kind(&self) -> Option<FailureKind> {
        self.failure.as_ref().map(|f| f.kind)
    }
}

/// Response headers that mark a bot wall whatever the status: (header, value contains, label).
const BOT_HEADERS: &[(&str, &str, &str)] = &[
    ("cf-mitigated", "challenge", "cf-mitigated: challenge"),
    ("x-vercel-mitigated", "challenge", "x-vercel-mitigated: challenge"),
    ("x-amzn-waf-action", "challenge", "x-amzn-waf-action: challenge"),
    ("x-amzn-waf-action", "captcha", "x-amzn-waf-action: captcha"),
];

/// Markers of challenge pages served with 403/429/503 by common bot shields: (marker, label).
/// Matched case-insensitively. Only looked for on those statuses: a 200 page may well mention
/// a captcha vendor without being a wall.
const CHALLENGE_MARKERS: &[(&str, &str)] = &[
    ("<title>just a moment...</title>", "Cloudflare challenge page"),
    ("_cf_chl_opt", "Cloudflare challenge page"),
    ("cf-browser-verification", "Cloudflare challenge page"),
    ("attention required! | cloudflare", "Cloudflare block page"),
    ("captcha-delivery.com", "DataDome captcha"),
    ("_incapsula_resource", "Imperva challenge page"),
    ("incapsula incident id", "Imperva block page"),
    ("pardon our interruption", "Imperva challenge page"),
    ("px-captcha", "HUMAN (PerimeterX) captcha"),
    ("sucuri website firewall", "Sucuri firewall page"),
    ("ddos-guard", "DDoS-Guard challenge page"),
    ("awswafintegration", "AWS WAF challenge page"),
    ("errors.edgesuite.net", "Akamai block page"),
];

/// Statuses on which a challenge page is looked for.
const CHALLENGE_STATUSES: &[u16] = &[403, 429, 503];

/// Whether the probe must read the body of an answer with `status` for `spec`. Reading bodies
/// costs time and memory, so only when a rule will look at it.
pub fn needs_body(spec: &MonitorSpec, status: u16) -> bool {
    spec.body_contains.is_some()
        || spec.bot_protection_string.is_some()
        || CHALLENGE_STATUSES.contains(&status)
        || assertion::reads_body(&spec.assertions)
}

/// [`needs_body`], or an answer that Cloudflare's edge may have written itself (its 1xxx code
/// is in the body): what the probe asks once it has the status and headers.
pub fn reads_body(spec: &MonitorSpec, status: u16, headers: &[(String, String)]) -> bool {
    needs_body(spec, status) || edge::from_edge(status, headers)
}

/// Finds a bot wall in an answer: the configured string, a marker header, or a challenge page.
fn bot_wall(spec: &MonitorSpec, answer: &HttpAnswer) -> Option<String> {
    // Every wall is FailureKind::BotWall; the text says which one.
    if let Some(needle) = &spec.bot_protection_string {
        if answer.body.contains(needle.as_str()) {
            return Some(format!("bot wall: \"{needle}\" found"));
        }
    }
    for (name, value, label) in BOT_HEADERS {
        if answer.header(name).is_some_and(|v| v.to_ascii_lowercase().contains(value)) {
            return Some(format!("bot wall: {label}"));
        }
    }
    if CHALLENGE_STATUSES.contains(&answer.status) {
        let body = answer.body.to_ascii_lowercase();
        if let Some((_, label)) = CHALLENGE_MARKERS.iter().find(|(m, _)| body.contains(m)) {
            return Some(format!("bot wall: {label} ({})", answer.status));
        }
    }
    None
}

fn codes(list: &[u16]) -> String {
    let items: Vec<String> = list.iter().map(u16::to_string).collect();
    format!("[{}]", items.join(","))
}

/// UP, marked slow when over `expected_response_time_ms`.
fn up(spec: &MonitorSpec, http_status: Option<u16>, latency_ms: u32) -> Verdict {
    Verdict {
        status: CheckStatus::Up,
        failure: None,
        slow: spec.expected_response_time_ms.is_some_and(|limit| latency_ms > limit),
        http_status,
        latency_ms: Some(latency_ms),
    }
}

/// The ordered classifier: TIMEOUT > BOT_DETECTED > Cloudflare edge error > status (and
/// network errors) > body_contains > assertions > UP (+ slow). The first rule that matches
/// decides. A TCP connection that opened is UP; a DNS answer goes to `core::dns::judge`.
pub fn classify(spec: &MonitorSpec, outcome: &ProbeOutcome) -> Verdict {
    let fail = |status, kind, reason: String, answer: Option<&HttpAnswer>| Verdict {
        status,
        failure: Some(Failure::new(kind, reason)),
        slow: false,
        http_status: answer.map(|a| a.status),
        latency_ms: answer.map(|a| a.latency_ms),
    };
    let answer = match outcome {
        ProbeOutcome::Timeout { after_ms } => {
            return fail(CheckStatus::Timeout, FailureKind::Timeout, format!("timeout after {}s", after_ms.div_ceil(1000)), None)
        }
        ProbeOutcome::NetworkError { kind, message } => {
            let reason = if message.is_empty() { kind.as_str().to_string() } else { format!("{}: {message}", kind.as_str()) };
            return fail(CheckStatus::Down, kind.failure_kind(), reason, None);
        }
        ProbeOutcome::Refused { kind, reason } => {
            return fail(CheckStatus::Down, kind.failure_kind(), format!("refused: {reason}"), None)
        }
        ProbeOutcome::Connected { latency_ms } => return up(spec, None, *latency_ms),
        ProbeOutcome::Resolved(reply) => {
            let host = spec.hostname.as_deref().unwrap_or_default();
            return match dns::judge(host, spec.dns_record_type(), &spec.expected_values, reply) {
                Ok(()) => up(spec, None, reply.latency_ms),
                Err(failure) => Verdict { status: CheckStatus::Down, failure: Some(failure), slow: false, http_status: None, latency_ms: Some(reply.latency_ms) },
            };
        }
        ProbeOutcome::ResolverFailed { reason } => return fail(CheckStatus::Down, FailureKind::DnsError, format!("dns: {reason}"), None),
        ProbeOutcome::Response(answer) => answer,
    };
    if let Some(reason) = bot_wall(spec, answer) {
        return fail(CheckStatus::BotDetected, FailureKind::BotWall, reason, Some(answer));
    }
    if let Some(code) = edge::recognise(answer.status, &answer.headers, &answer.body) {
        return fail(CheckStatus::Down, FailureKind::CloudflareEdge, edge::describe(code, answer.status), Some(answer));
    }
    if !spec.expects_status(answer.status) {
        let reason = format!("status {} not in {}", answer.status, codes(&spec.expected_status_codes));
        return fail(CheckStatus::Down, FailureKind::Status, reason, Some(answer));
    }
    if let Some(needle) = &spec.body_contains {
        if !answer.body.contains(needle.as_str()) {
            return fail(CheckStatus::Down, FailureKind::BodyMissing, format!("body missing \"{needle}\""), Some(answer));
        }
    }
    if !spec.assertions.is_empty() {
        let subject = Subject { status: answer.status, headers: &answer.headers, body: &answer.body, latency_ms: answer.latency_ms };
        let failed = assertion::failures(&spec.assertions, &subject);
        if !failed.is_empty() {
            let reason = format!("assertion{} failed: {}", if failed.len() == 1 { "" } else { "s" }, failed.join("; "));
            return fail(CheckStatus::Down, FailureKind::Assertion, reason, Some(answer));
        }
    }
    up(spec, Some(answer.status), answer.latency_ms)
}

/// Every kind of outcome the classifier handles, with the texts the probe really produces, for
/// tests that follow a failure from the probe to the page (here) and through migration 0007's
/// backfill (`core::failure`).
#[cfg(test)]
pub(crate) mod samples {
    use super::*;
    use crate::core::ssrf::{self, TargetPolicy, MAX_REDIRECTS};

    pub(crate) struct Sample {
        pub name: String,
        pub spec: MonitorSpec,
        pub outcome: ProbeOutcome,
        pub kind: Option<FailureKind>,
        /// The public words the status page shows for an incident this opens ("" when UP).
        pub public: &'static str,
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ProbeOutcome {
        ProbeOutcome::Response(HttpAnswer {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.to_string(),
            latency_ms: 42,
        })
    }

    fn refused(kind: Refusal, reason: String) -> ProbeOutcome {
        ProbeOutcome::Refused { kind, reason }
    }

    pub(crate) fn all() -> Vec<Sample> {
        use FailureKind as FK;
        let plain = MonitorSpec::default;
        let with = |body_contains: Option<&str>, bot: Option<&str>, codes: &[u16]| MonitorSpec {
            body_contains: body_contains.map(str::to_string),
            bot_protection_string: bot.map(str::to_string),
            expected_status_codes: if codes.is_empty() { vec![200] } else { codes.to_vec() },
            ..MonitorSpec::default()
        };
        let policy = TargetPolicy { allow_private: false };
        let target_error = |url: &str| ssrf::check_target(url, policy).expect_err(url).to_string();
        let mut out = vec![
            ("up", plain(), response(200, &[], ""), None, ""),
            ("timeout", plain(), ProbeOutcome::Timeout { after_ms: 20_000 }, Some(FK::Timeout), "timeout"),
            ("timeout in part of a second", plain(), ProbeOutcome::Timeout { after_ms: 1_500 }, Some(FK::Timeout), "timeout"),
            ("dns bare", plain(), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Dns, message: String::new() }, Some(FK::Dns), "DNS error"),
            ("dns with text", plain(), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Dns, message: "getaddrinfo ENOTFOUND internal.corp".into() }, Some(FK::Dns), "DNS error"),
            ("connection bare", plain(), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Connection, message: String::new() }, Some(FK::Connection), "connection error"),
            ("connection with text", plain(), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Connection, message: "connect ECONNREFUSED 10.0.0.1:443".into() }, Some(FK::Connection), "connection error"),
            ("tls bare", plain(), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Tls, message: String::new() }, Some(FK::Tls), "TLS error"),
            ("tls with text", plain(), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Tls, message: "certificate expired for secret.example".into() }, Some(FK::Tls), "TLS error"),
            ("5xx", plain(), response(503, &[], ""), Some(FK::Status), "server error (5xx)"),
            ("4xx", plain(), response(404, &[], ""), Some(FK::Status), "client error (4xx)"),
            ("plain 403", plain(), response(403, &[], "forbidden"), Some(FK::Status), "client error (4xx)"),
            ("3xx not followed", plain(), response(301, &[], ""), Some(FK::Status), "unexpected redirect (3xx)"),
            ("2xx not expected", with(None, None, &[301, 302]), response(200, &[], ""), Some(FK::Status), "unexpected status"),
            ("body missing", with(Some("healthy"), None, &[]), response(200, &[], "sick"), Some(FK::BodyMissing), "content check failed"),
            ("body missing with quotes and %", with(Some("say \"100%\" ok"), None, &[]), response(200, &[], ""), Some(FK::BodyMissing), "content check failed"),
            ("bot string", with(None, Some("ExampleShield"), &[]), response(200, &[], "by ExampleShield"), Some(FK::BotWall), "bot wall"),
            ("too many redirects", plain(), refused(Refusal::TooManyRedirects, format!("more than {MAX_REDIRECTS} redirects")), Some(FK::TooManyRedirects), "request refused"),
            ("forbidden redirect", plain(), refused(Refusal::Target, format!("redirect to a forbidden target: {}", target_error("file:///etc/passwd"))), Some(FK::RefusedTarget), "request refused"),
            ("forbidden target", plain(), refused(Refusal::Target, target_error("http://10.0.0.1/")), Some(FK::RefusedTarget), "request refused"),
            ("unparsable target", plain(), refused(Refusal::Target, target_error("http://[::1")), Some(FK::RefusedTarget), "request refused"),
            ("unbuildable request", plain(), refused(Refusal::InvalidRequest, "could not build the request: invalid header value".into()), Some(FK::InvalidRequest), "request refused"),
        ];
        let dns_spec = || MonitorSpec {
            monitor_type: crate::core::monitor::MonitorType::Dns,
            url: String::new(),
            hostname: Some("example.com".into()),
            record_type: Some(dns::RecordType::A),
            expected_values: vec!["93.184.216.34".into()],
            ..MonitorSpec::default()
        };
        let dns_reply = |rcode: u16, records: &[(u16, &str)]| ProbeOutcome::Resolved(DnsReply { rcode, records: records.iter().map(|(k, d)| (*k, d.to_string())).collect(), latency_ms: 9 });
        let asserting = MonitorSpec {
            assertions: serde_json::from_str(r#"[{"source":"json","path":"$.status","op":"==","value":"ok"}]"#).unwrap(),
            ..MonitorSpec::default()
        };
        let cf_edge = [("server", "cloudflare"), ("cf-ray", "8f1e2d3c4b5a6978-AMS")];
        out.extend([
            ("tcp connected", plain(), ProbeOutcome::Connected { latency_ms: 7 }, None, ""),
            ("dns up", dns_spec(), dns_reply(0, &[(1, "93.184.216.34")]), None, ""),
            ("dns nxdomain", dns_spec(), dns_reply(3, &[]), Some(FK::DnsNxdomain), "DNS error"),
            ("dns servfail", dns_spec(), dns_reply(2, &[]), Some(FK::DnsServfail), "DNS error"),
            ("dns refused", dns_spec(), dns_reply(5, &[]), Some(FK::DnsError), "DNS error"),
            ("dns resolver failed", dns_spec(), ProbeOutcome::ResolverFailed { reason: "the resolver answered status 503".into() }, Some(FK::DnsError), "DNS error"),
            ("dns wrong value", dns_spec(), dns_reply(0, &[(1, "10.0.0.1")]), Some(FK::DnsMismatch), "DNS record mismatch"),
            ("assertion holds", asserting.clone(), response(200, &[], r#"{"status":"ok"}"#), None, ""),
            ("assertion fails", asserting, response(200, &[], r#"{"status":"down"}"#), Some(FK::Assertion), "content check failed"),
            ("cloudflare 522", plain(), response(522, &cf_edge, ""), Some(FK::CloudflareEdge), "Cloudflare edge error"),
            ("cloudflare 1003", plain(), response(403, &cf_edge, "error code: 1003"), Some(FK::CloudflareEdge), "Cloudflare edge error"),
            ("origin 503 through cloudflare", plain(), response(503, &cf_edge, "down for maintenance"), Some(FK::Status), "server error (5xx)"),
        ]);
        for (header, value, _) in BOT_HEADERS {
            out.push(("bot header", plain(), response(403, &[(header, value)], ""), Some(FK::BotWall), "bot wall"));
        }
        for status in CHALLENGE_STATUSES {
            for (marker, _) in CHALLENGE_MARKERS {
                out.push(("challenge page", plain(), response(*status, &[], marker), Some(FK::BotWall), "bot wall"));
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, (name, spec, outcome, kind, public))| Sample { name: format!("{i} {name}"), spec, outcome, kind, public })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, headers: &[(&str, &str)], body: &str, latency_ms: u32) -> ProbeOutcome {
        ProbeOutcome::Response(HttpAnswer {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.to_string(),
            latency_ms,
        })
    }

    fn spec(body_contains: Option<&str>, bot: Option<&str>, slow_ms: Option<u32>) -> MonitorSpec {
        MonitorSpec {
            body_contains: body_contains.map(str::to_string),
            bot_protection_string: bot.map(str::to_string),
            expected_response_time_ms: slow_ms,
            ..MonitorSpec::default()
        }
    }

    /// Every pair of competing conditions: the higher-priority rule must win.
    #[test]
    #[allow(clippy::type_complexity)] // one table row per case reads better than a named type
    fn priority_order_table() {
        use CheckStatus::*;
        use FailureKind as FK;
        let cf = [("cf-mitigated", "challenge")];
        let edge = [("server", "cloudflare"), ("cf-ray", "8f1e2d3c4b5a6978-AMS")];
        let asserting = |needle: Option<&str>| MonitorSpec {
            body_contains: needle.map(str::to_string),
            assertions: serde_json::from_str(r#"[{"source":"json","path":"$.status","op":"==","value":"ok"},{"source":"latency_ms","op":"<","value":500}]"#).unwrap(),
            ..MonitorSpec::default()
        };
        let page = "<html><title>Just a moment...</title><script>window._cf_chl_opt={}</script>";
        #[rustfmt::skip]
        let cases: Vec<(&str, MonitorSpec, ProbeOutcome, CheckStatus, Option<&str>, bool, Option<FailureKind>)> = vec![
            ("plain 200 is up", spec(None, None, None), answer(200, &[], "", 40), Up, None, false, None),
            ("timeout beats everything", spec(Some("ok"), Some("wall"), Some(10)), ProbeOutcome::Timeout { after_ms: 20_000 }, Timeout, Some("timeout after 20s"), false, Some(FK::Timeout)),
            ("bot string beats bad status", spec(None, Some("ExampleShield"), None), answer(500, &[], "by ExampleShield", 5), BotDetected, Some("bot wall: \"ExampleShield\" found"), false, Some(FK::BotWall)),
            ("bot string beats missing keyword", spec(Some("ok"), Some("ExampleShield"), None), answer(200, &[], "ExampleShield", 5), BotDetected, Some("bot wall: \"ExampleShield\" found"), false, Some(FK::BotWall)),
            ("bot string on 200 is bot", spec(None, Some("ExampleShield"), None), answer(200, &[], "ExampleShield", 5), BotDetected, Some("bot wall: \"ExampleShield\" found"), false, Some(FK::BotWall)),
            ("cf-mitigated header beats status", spec(None, None, None), answer(403, &cf, "", 5), BotDetected, Some("bot wall: cf-mitigated: challenge"), false, Some(FK::BotWall)),
            ("cf-mitigated header on 200", spec(None, None, None), answer(200, &cf, "", 5), BotDetected, Some("bot wall: cf-mitigated: challenge"), false, Some(FK::BotWall)),
            ("challenge page on 403", spec(None, None, None), answer(403, &[], page, 5), BotDetected, Some("bot wall: Cloudflare challenge page (403)"), false, Some(FK::BotWall)),
            ("challenge page on 503", spec(None, None, None), answer(503, &[], page, 5), BotDetected, Some("bot wall: Cloudflare challenge page (503)"), false, Some(FK::BotWall)),
            ("challenge words on 200 are not a wall", spec(None, None, None), answer(200, &[], page, 5), Up, None, false, None),
            ("plain 403 is down", spec(None, None, None), answer(403, &[], "forbidden", 5), Down, Some("status 403 not in [200]"), false, Some(FK::Status)),
            ("bad status beats missing keyword", spec(Some("ok"), None, None), answer(500, &[], "nope", 5), Down, Some("status 500 not in [200]"), false, Some(FK::Status)),
            ("bad status beats slow", spec(None, None, Some(10)), answer(500, &[], "", 50), Down, Some("status 500 not in [200]"), false, Some(FK::Status)),
            ("missing keyword", spec(Some("ok"), None, None), answer(200, &[], "all good", 5), Down, Some("body missing \"ok\""), false, Some(FK::BodyMissing)),
            ("missing keyword beats slow", spec(Some("ok"), None, Some(10)), answer(200, &[], "nope", 50), Down, Some("body missing \"ok\""), false, Some(FK::BodyMissing)),
            ("keyword present", spec(Some("ok"), None, None), answer(200, &[], "status: ok", 5), Up, None, false, None),
            ("slow is up and marked", spec(None, None, Some(100)), answer(200, &[], "", 101), Up, None, true, None),
            ("at the threshold is not slow", spec(None, None, Some(100)), answer(200, &[], "", 100), Up, None, false, None),
            ("dns error is down", spec(None, None, None), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Dns, message: String::new() }, Down, Some("dns"), false, Some(FK::Dns)),
            ("connection error with text", spec(None, None, None), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Connection, message: "refused".into() }, Down, Some("connection: refused"), false, Some(FK::Connection)),
            ("refused redirect", spec(None, None, None), ProbeOutcome::Refused { kind: Refusal::TooManyRedirects, reason: "too many redirects".into() }, Down, Some("refused: too many redirects"), false, Some(FK::TooManyRedirects)),
            ("forbidden redirect", spec(None, None, None), ProbeOutcome::Refused { kind: Refusal::Target, reason: "redirect to a forbidden target: x".into() }, Down, Some("refused: redirect to a forbidden target: x"), false, Some(FK::RefusedTarget)),
            ("unbuildable request", spec(None, None, None), ProbeOutcome::Refused { kind: Refusal::InvalidRequest, reason: "could not build the request: bad header".into() }, Down, Some("refused: could not build the request: bad header"), false, Some(FK::InvalidRequest)),
            ("tls error with text", spec(None, None, None), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Tls, message: "handshake failed".into() }, Down, Some("tls: handshake failed"), false, Some(FK::Tls)),
            ("edge error beats bad status", spec(None, None, None), answer(522, &edge, "", 5), Down, Some("cloudflare edge error 522: Cloudflare's connection to the origin timed out"), false, Some(FK::CloudflareEdge)),
            ("challenge beats edge error", spec(None, None, None), answer(403, &[("cf-mitigated", "challenge"), ("server", "cloudflare"), ("cf-ray", "1")], "error code: 1020", 5), BotDetected, Some("bot wall: cf-mitigated: challenge"), false, Some(FK::BotWall)),
            ("edge 1xxx on 403", spec(None, None, None), answer(403, &edge, "error code: 1003", 5), Down, Some("cloudflare edge error 1003: direct IP access is not allowed (status 403)"), false, Some(FK::CloudflareEdge)),
            ("assertion after keyword", asserting(Some("ok")), answer(200, &[], r#"{"status":"down"}"#, 5), Down, Some("body missing \"ok\""), false, Some(FK::BodyMissing)),
            ("assertions named", asserting(None), answer(200, &[], r#"{"status":"down"}"#, 700), Down, Some(r#"assertions failed: [0] $.status == "ok" (got "down"); [1] latency_ms < 500 (got 700)"#), false, Some(FK::Assertion)),
            ("one assertion named", asserting(None), answer(200, &[], r#"{"status":"down"}"#, 70), Down, Some(r#"assertion failed: [0] $.status == "ok" (got "down")"#), false, Some(FK::Assertion)),
            ("assertions hold", asserting(None), answer(200, &[], r#"{"status":"ok"}"#, 70), Up, None, false, None),
            ("bad status beats assertions", asserting(None), answer(500, &[], r#"{"status":"down"}"#, 700), Down, Some("status 500 not in [200]"), false, Some(FK::Status)),
            ("tcp connected is up", spec(None, None, Some(100)), ProbeOutcome::Connected { latency_ms: 150 }, Up, None, true, None),
        ];
        for (name, spec, outcome, status, reason, slow, kind) in cases {
            let v = classify(&spec, &outcome);
            assert_eq!(v.status, status, "{name}");
            assert_eq!(v.failure_type(), reason, "{name}");
            assert_eq!(v.slow, slow, "{name}");
            assert_eq!(v.failure_kind(), kind, "{name}");
        }
    }

    /// Probe outcome -> classifier -> kind -> the status page's public words, for every kind of
    /// outcome. A new kind fails to compile in `FailureKind::public_category` until it has
    /// words, and fails here until the classifier's use of it has a sample.
    #[test]
    fn every_outcome_has_a_kind_and_public_words() {
        let samples = samples::all();
        for s in &samples {
            let v = classify(&s.spec, &s.outcome);
            assert_eq!(v.failure_kind(), s.kind, "{}: {:?}", s.name, v.failure_type());
            assert_eq!(v.failure.is_some(), v.status != CheckStatus::Up, "{}: a reason exactly when not UP", s.name);
            if let Some(kind) = v.failure_kind() {
                assert!(FailureKind::ALL.contains(&kind), "{}: {kind} missing from FailureKind::ALL", s.name);
                let public = crate::core::status_page::public_cause(Some(kind), v.http_status);
                assert_eq!(public, s.public, "{}", s.name);
            }
        }
        // Heartbeat kinds come from core::heartbeat, never from a probe; its tests produce each.
        for kind in FailureKind::ALL.into_iter().filter(|k| !crate::core::heartbeat::KINDS.contains(k)) {
            assert!(samples.iter().any(|s| s.kind == Some(kind)), "no sample outcome for {kind}");
        }
    }

    #[test]
    fn every_challenge_marker_is_detected_on_403_and_ignored_on_200() {
        for (marker, label) in CHALLENGE_MARKERS {
            let body = format!("<html>{}</html>", marker.to_uppercase());
            let v = classify(&MonitorSpec::default(), &answer(403, &[], &body, 5));
            assert_eq!(v.status, CheckStatus::BotDetected, "{marker}");
            assert!(v.failure_type().unwrap().contains(label), "{marker}");
            assert_eq!(v.failure_kind(), Some(FailureKind::BotWall), "{marker}");
            let v = classify(&MonitorSpec::default(), &answer(200, &[], &body, 5));
            assert_eq!(v.status, CheckStatus::Up, "{marker} on 200");
        }
    }

    #[test]
    fn latency_and_status_columns() {
        let v = classify(&MonitorSpec::default(), &answer(500, &[], "", 77));
        assert_eq!((v.http_status, v.latency_ms), (Some(500), Some(77)));
        let v = classify(&MonitorSpec::default(), &ProbeOutcome::Timeout { after_ms: 1500 });
        assert_eq!((v.http_status, v.latency_ms), (None, None));
        assert_eq!(v.failure_type(), Some("timeout after 2s"));
    }

    #[test]
    fn expected_3xx_is_up() {
        let spec = MonitorSpec { expected_status_codes: vec![301], ..MonitorSpec::default() };
        assert_eq!(classify(&spec, &answer(301, &[], "", 5)).status, CheckStatus::Up);
        assert_eq!(classify(&spec, &answer(200, &[], "", 5)).failure_type(), Some("status 200 not in [301]"));
    }

    #[test]
    fn network_error_kinds_from_runtime_text() {
        let cases = [
            ("getaddrinfo ENOTFOUND nope.example", NetworkErrorKind::Dns),
            ("DNS lookup failed", NetworkErrorKind::Dns),
            ("TLS handshake failed", NetworkErrorKind::Tls),
            ("SSL certificate problem", NetworkErrorKind::Tls),
            ("Network connection lost.", NetworkErrorKind::Connection),
            ("connect ECONNREFUSED 127.0.0.1:9", NetworkErrorKind::Connection),
        ];
        for (text, kind) in cases {
            assert_eq!(NetworkErrorKind::from_message(text), kind, "{text}");
        }
    }

    #[test]
    fn body_is_read_only_when_a_rule_needs_it() {
        let plain = MonitorSpec::default();
        assert!(!needs_body(&plain, 200));
        assert!(!needs_body(&plain, 500));
        assert!(needs_body(&plain, 403) && needs_body(&plain, 503) && needs_body(&plain, 429));
        assert!(needs_body(&spec(Some("ok"), None, None), 200));
        assert!(needs_body(&spec(None, Some("wall"), None), 200));
        let json = MonitorSpec { assertions: serde_json::from_str(r#"[{"source":"json","path":"$.a","op":"exists"}]"#).unwrap(), ..MonitorSpec::default() };
        let latency = MonitorSpec { assertions: serde_json::from_str(r#"[{"source":"latency_ms","op":"<","value":9}]"#).unwrap(), ..MonitorSpec::default() };
        assert!(needs_body(&json, 200) && !needs_body(&latency, 200));
        let cf = vec![("server".to_string(), "cloudflare".to_string()), ("cf-ray".to_string(), "1-AMS".to_string())];
        assert!(reads_body(&plain, 500, &cf) && !reads_body(&plain, 500, &[]) && !reads_body(&plain, 200, &cf));
    }
}
