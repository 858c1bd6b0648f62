//! Classification: what a probe saw -> one `CheckStatus` and a readable reason (SPEC section 2).
//! A failed check is data, not an error: every outcome, from a DNS failure to a missing
//! keyword, lands here and leaves with a status and a `failure_type` a person can read.
use super::monitor::MonitorSpec;
use super::status::CheckStatus;

/// Largest prefix of a response body the probe reads; the rest is cancelled unread.
pub const BODY_CAP_BYTES: usize = 256 * 1024;

/// What went wrong below HTTP. Names follow SPEC section 1's `failure_type` vocabulary.
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

/// Everything a probe attempt can end in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// No complete answer within `timeout_seconds`.
    Timeout { after_ms: u32 },
    /// fetch() threw: DNS, TCP or TLS trouble.
    NetworkError { kind: NetworkErrorKind, message: String },
    /// The probe refused to go on: a redirect hop to a forbidden target, too many redirects.
    Refused { reason: String },
    Response(HttpAnswer),
}

/// The classifier's conclusion: the columns of a check row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: CheckStatus,
    pub failure_type: Option<String>,
    /// UP, but slower than `expected_response_time_ms`.
    pub slow: bool,
    pub http_status: Option<u16>,
    /// Time to the response headers; None when no response arrived.
    pub latency_ms: Option<u32>,
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
    spec.body_contains.is_some() || spec.bot_protection_string.is_some() || CHALLENGE_STATUSES.contains(&status)
}

/// Finds a bot wall in an answer: the configured string, a marker header, or a challenge page.
fn bot_wall(spec: &MonitorSpec, answer: &HttpAnswer) -> Option<String> {
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

/// The ordered classifier: TIMEOUT > BOT_DETECTED > status (and network errors) >
/// body_contains > UP (+ slow). The first rule that matches decides.
pub fn classify(spec: &MonitorSpec, outcome: &ProbeOutcome) -> Verdict {
    let fail = |status, reason: String, answer: Option<&HttpAnswer>| Verdict {
        status,
        failure_type: Some(reason),
        slow: false,
        http_status: answer.map(|a| a.status),
        latency_ms: answer.map(|a| a.latency_ms),
    };
    let answer = match outcome {
        ProbeOutcome::Timeout { after_ms } => {
            return fail(CheckStatus::Timeout, format!("timeout after {}s", after_ms.div_ceil(1000)), None)
        }
        ProbeOutcome::NetworkError { kind, message } => {
            let reason = if message.is_empty() { kind.as_str().to_string() } else { format!("{}: {message}", kind.as_str()) };
            return fail(CheckStatus::Down, reason, None);
        }
        ProbeOutcome::Refused { reason } => return fail(CheckStatus::Down, format!("refused: {reason}"), None),
        ProbeOutcome::Response(answer) => answer,
    };
    if let Some(reason) = bot_wall(spec, answer) {
        return fail(CheckStatus::BotDetected, reason, Some(answer));
    }
    if !spec.expects_status(answer.status) {
        let reason = format!("status {} not in {}", answer.status, codes(&spec.expected_status_codes));
        return fail(CheckStatus::Down, reason, Some(answer));
    }
    if let Some(needle) = &spec.body_contains {
        if !answer.body.contains(needle.as_str()) {
            return fail(CheckStatus::Down, format!("body missing \"{needle}\""), Some(answer));
        }
    }
    Verdict {
        status: CheckStatus::Up,
        failure_type: None,
        slow: spec.expected_response_time_ms.is_some_and(|limit| answer.latency_ms > limit),
        http_status: Some(answer.status),
        latency_ms: Some(answer.latency_ms),
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
        let cf = [("cf-mitigated", "challenge")];
        let page = "<html><title>Just a moment...</title><script>window._cf_chl_opt={}</script>";
        #[rustfmt::skip]
        let cases: Vec<(&str, MonitorSpec, ProbeOutcome, CheckStatus, Option<&str>, bool)> = vec![
            ("plain 200 is up", spec(None, None, None), answer(200, &[], "", 40), Up, None, false),
            ("timeout beats everything", spec(Some("ok"), Some("wall"), Some(10)), ProbeOutcome::Timeout { after_ms: 20_000 }, Timeout, Some("timeout after 20s"), false),
            ("bot string beats bad status", spec(None, Some("ExampleShield"), None), answer(500, &[], "by ExampleShield", 5), BotDetected, Some("bot wall: \"ExampleShield\" found"), false),
            ("bot string beats missing keyword", spec(Some("ok"), Some("ExampleShield"), None), answer(200, &[], "ExampleShield", 5), BotDetected, Some("bot wall: \"ExampleShield\" found"), false),
            ("bot string on 200 is bot", spec(None, Some("ExampleShield"), None), answer(200, &[], "ExampleShield", 5), BotDetected, Some("bot wall: \"ExampleShield\" found"), false),
            ("cf-mitigated header beats status", spec(None, None, None), answer(403, &cf, "", 5), BotDetected, Some("bot wall: cf-mitigated: challenge"), false),
            ("cf-mitigated header on 200", spec(None, None, None), answer(200, &cf, "", 5), BotDetected, Some("bot wall: cf-mitigated: challenge"), false),
            ("challenge page on 403", spec(None, None, None), answer(403, &[], page, 5), BotDetected, Some("bot wall: Cloudflare challenge page (403)"), false),
            ("challenge page on 503", spec(None, None, None), answer(503, &[], page, 5), BotDetected, Some("bot wall: Cloudflare challenge page (503)"), false),
            ("challenge words on 200 are not a wall", spec(None, None, None), answer(200, &[], page, 5), Up, None, false),
            ("plain 403 is down", spec(None, None, None), answer(403, &[], "forbidden", 5), Down, Some("status 403 not in [200]"), false),
            ("bad status beats missing keyword", spec(Some("ok"), None, None), answer(500, &[], "nope", 5), Down, Some("status 500 not in [200]"), false),
            ("bad status beats slow", spec(None, None, Some(10)), answer(500, &[], "", 50), Down, Some("status 500 not in [200]"), false),
            ("missing keyword", spec(Some("ok"), None, None), answer(200, &[], "all good", 5), Down, Some("body missing \"ok\""), false),
            ("missing keyword beats slow", spec(Some("ok"), None, Some(10)), answer(200, &[], "nope", 50), Down, Some("body missing \"ok\""), false),
            ("keyword present", spec(Some("ok"), None, None), answer(200, &[], "status: ok", 5), Up, None, false),
            ("slow is up and marked", spec(None, None, Some(100)), answer(200, &[], "", 101), Up, None, true),
            ("at the threshold is not slow", spec(None, None, Some(100)), answer(200, &[], "", 100), Up, None, false),
            ("dns error is down", spec(None, None, None), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Dns, message: String::new() }, Down, Some("dns"), false),
            ("connection error with text", spec(None, None, None), ProbeOutcome::NetworkError { kind: NetworkErrorKind::Connection, message: "refused".into() }, Down, Some("connection: refused"), false),
            ("refused redirect", spec(None, None, None), ProbeOutcome::Refused { reason: "too many redirects".into() }, Down, Some("refused: too many redirects"), false),
        ];
        for (name, spec, outcome, status, reason, slow) in cases {
            let v = classify(&spec, &outcome);
            assert_eq!(v.status, status, "{name}");
            assert_eq!(v.failure_type.as_deref(), reason, "{name}");
            assert_eq!(v.slow, slow, "{name}");
        }
    }

    #[test]
    fn every_challenge_marker_is_detected_on_403_and_ignored_on_200() {
        for (marker, label) in CHALLENGE_MARKERS {
            let body = format!("<html>{}</html>", marker.to_uppercase());
            let v = classify(&MonitorSpec::default(), &answer(403, &[], &body, 5));
            assert_eq!(v.status, CheckStatus::BotDetected, "{marker}");
            assert!(v.failure_type.unwrap().contains(label), "{marker}");
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
        assert_eq!(v.failure_type.as_deref(), Some("timeout after 2s"));
    }

    #[test]
    fn expected_3xx_is_up() {
        let spec = MonitorSpec { expected_status_codes: vec![301], ..MonitorSpec::default() };
        assert_eq!(classify(&spec, &answer(301, &[], "", 5)).status, CheckStatus::Up);
        assert_eq!(classify(&spec, &answer(200, &[], "", 5)).failure_type.as_deref(), Some("status 200 not in [301]"));
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
    }
}
