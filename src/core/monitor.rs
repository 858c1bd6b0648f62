//! The monitor model of DESIGN.md §1: what to check, what counts as healthy, and how
//! patiently to decide. Creation and PATCH both end in `MonitorSpec::validate`, so a stored
//! monitor is always one the checker can run.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::heartbeat;
use super::assertion::{self, Assertion};
use super::dns::{self, RecordType};
use super::input::{self, FieldError};
use super::ssrf::{self, TargetPolicy};

/// A URL in the form fetch dials it (WHATWG serialisation), or the text as given when it does
/// not parse (validation refuses those). Rows stored before URLs were normalised on write are
/// read through this too, so nothing ever shows a URL other than the one fetched.
pub fn normalised_url(raw: &str) -> String {
    url::Url::parse(raw.trim()).map_or_else(|_| raw.to_string(), String::from)
}

/// Whether a monitor's failure takes the whole site down (core) or only degrades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Core,
    Supplementary,
}

/// What a monitor checks, and so how the probe runs it (DESIGN.md §3). Stored in
/// `monitors.monitor_type` (migration 0015 keeps the column to these codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonitorType {
    /// A request to `url`, classified by status, body, assertions.
    #[default]
    Http,
    /// A TCP connection to `url` (`tcp://host:port`): up when it opens within the timeout.
    Tcp,
    /// A DNS query for `hostname`/`record_type` over DNS-over-HTTPS.
    Dns,
    /// A push monitor: the job pings vigil (`core::heartbeat`); it has no url.
    Heartbeat,
}

impl MonitorType {
    pub const ALL: [MonitorType; 4] = [Self::Http, Self::Tcp, Self::Dns, Self::Heartbeat];

    /// The stored and API code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Tcp => "tcp",
            Self::Dns => "dns",
            Self::Heartbeat => "heartbeat",
        }
    }

    /// The type of a stored or API code (`http`, `tcp`, `dns`, `heartbeat`).
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == code)
    }

    /// Whether a monitor of this type is dialled at `url` (the others have none).
    pub fn takes_url(self) -> bool {
        matches!(self, Self::Http | Self::Tcp)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HttpMethod {
    #[default]
    GET,
    HEAD,
    POST,
    PUT,
    PATCH,
    DELETE,
    OPTIONS,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GET => "GET",
            Self::HEAD => "HEAD",
            Self::POST => "POST",
            Self::PUT => "PUT",
            Self::PATCH => "PATCH",
            Self::DELETE => "DELETE",
            Self::OPTIONS => "OPTIONS",
        }
    }

    /// fetch() refuses a body on GET and HEAD, so validation must too.
    pub fn allows_body(self) -> bool {
        !matches!(self, Self::GET | Self::HEAD)
    }
}

/// A monitor's configuration, exactly as the API speaks it (field names of DESIGN.md §1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitorSpec {
    #[serde(rename = "project")]
    pub project_id: i64,
    pub name: String,
    pub monitor_type: MonitorType,
    pub role: Role,
    pub method: HttpMethod,
    /// Empty for the types without one (dns, heartbeat): left out of the API's answers then.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<String>,
    pub expected_status_codes: Vec<u16>,
    pub body_contains: Option<String>,
    pub bot_protection_string: Option<String>,
    /// BOT_DETECTED counts toward incidents only when the user opts in: a bot wall says
    /// nothing about whether the site is up for humans.
    pub bot_counts_as_failure: bool,
    pub expected_response_time_ms: Option<u32>,
    pub timeout_seconds: u32,
    pub check_interval_seconds: u32,
    pub failure_threshold: u32,
    pub recovery_threshold: u32,
    pub retries: u32,
    pub backoff_factor: f64,
    pub retry_status_codes: Vec<u16>,
    pub is_active: bool,
    /// DNS monitors: the name queried, normalised (`core::dns::normalise_hostname`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// DNS monitors: the record type asked for (default A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_type: Option<RecordType>,
    /// DNS monitors: values the answer must all hold (empty: any record of the type).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected_values: Vec<String>,
    /// HTTP monitors: conditions on the response, all of which must hold (`core::assertion`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<Assertion>,
    /// Heartbeat monitors: how late a ping may be (default [`heartbeat::DEFAULT_GRACE_SECONDS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<u32>,
    /// Heartbeat monitors: a cron expression for when pings are expected, instead of every
    /// `check_interval_seconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Heartbeat monitors with a `schedule`: its IANA time zone (default UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
}

/// Every field a create or PATCH body may carry.
pub const FIELDS: &[&str] = &[
    "project",
    "name",
    "monitor_type",
    "role",
    "method",
    "url",
    "headers",
    "body",
    "expected_status_codes",
    "body_contains",
    "bot_protection_string",
    "bot_counts_as_failure",
    "expected_response_time_ms",
    "timeout_seconds",
    "check_interval_seconds",
    "failure_threshold",
    "recovery_threshold",
    "retries",
    "backoff_factor",
    "retry_status_codes",
    "is_active",
    "hostname",
    "record_type",
    "expected_values",
    "assertions",
    "grace_seconds",
    "schedule",
    "tz",
];

/// What a create or PATCH body may carry: [`FIELDS`] and their input-only [`ALIASES`].
pub fn input_fields() -> Vec<&'static str> {
    FIELDS.iter().copied().chain(ALIASES.iter().map(|(alias, _)| *alias)).collect()
}

/// Other names clients send for a field, accepted on input only (export and every response
/// write the canonical name): seed 003's example payload says `expected_keyword` (DESIGN.md §8).
pub const ALIASES: &[(&str, &str)] = &[("expected_keyword", "body_contains")];

/// Replaces each alias in `given` by its canonical field and returns the aliases used, so an
/// error about the canonical field can name the one the client sent ([`alias_error`]). Both
/// given with the same value is fine; with different values it is refused naming the alias,
/// since which one was meant cannot be known.
pub fn fold_aliases(given: &mut Map<String, Value>) -> Result<Vec<(&'static str, &'static str)>, FieldError> {
    let mut used = Vec::new();
    for &(alias, canonical) in ALIASES {
        let Some(value) = given.remove(alias) else { continue };
        match given.get(canonical) {
            Some(existing) if *existing != value => {
                return Err(FieldError::new(alias, format!("is another name for {canonical}, which is also given with a different value: send one of them")));
            }
            Some(_) => {}
            None => {
                given.insert(canonical.to_string(), value);
                used.push((alias, canonical));
            }
        }
    }
    Ok(used)
}

/// An error about a field the client sent under an alias names the alias.
pub fn alias_error(e: FieldError, used: &[(&'static str, &'static str)]) -> FieldError {
    match used.iter().find(|(_, canonical)| e.field.as_deref() == Some(*canonical)) {
        Some((alias, _)) => {
            let message = e.message.clone();
            e.at(alias, message)
        }
        None => e,
    }
}

/// `"url": null` means "no URL" (dns and heartbeat monitors have none): the same as leaving
/// it out, which the spec stores as an empty string.
fn drop_null_url(map: &mut Map<String, Value>) {
    if map.get("url").is_some_and(Value::is_null) {
        map.remove("url");
    }
}

/// A monitor's name when none is given: the host it watches (the URL's, or a DNS monitor's
/// hostname); empty (refused as a missing name) when there is none.
fn default_name(kind: MonitorType, given: &Map<String, Value>, policy: TargetPolicy) -> String {
    let text = |field: &str| given.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
    match kind {
        MonitorType::Http => ssrf::check_target(&text("url"), policy).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default(),
        MonitorType::Tcp => ssrf::check_tcp_target(&text("url"), policy).map(|(host, _)| host).unwrap_or_default(),
        MonitorType::Dns => dns::normalise_hostname(&text("hostname")).unwrap_or_default(),
        MonitorType::Heartbeat => String::new(),
    }
}

pub mod limits {
    pub const NAME_MAX: usize = 100;
    pub const HEADERS_MAX: usize = 20;
    pub const HEADER_NAME_MAX: usize = 64;
    pub const HEADER_VALUE_MAX: usize = 1024;
    pub const REQUEST_BODY_MAX: usize = 16 * 1024;
    pub const NEEDLE_MAX: usize = 500;
    pub const STATUS_CODES_MAX: usize = 20;
    pub const TIMEOUT_SECONDS: (u32, u32) = (1, 30);
    pub const INTERVAL_SECONDS: (u32, u32) = (60, 86_400);
    pub const THRESHOLD: (u32, u32) = (1, 10);
    pub const RETRIES_MAX: u32 = 3;
    pub const BACKOFF_FACTOR_MAX: f64 = 5.0;
    /// urllib3-style retries are only allowed on these statuses (seed 000's rule).
    pub const RETRYABLE_STATUS: (u16, u16) = (501, 504);
}

/// Headers the platform sets itself; letting users override them breaks the request.
const RESERVED_HEADERS: &[&str] = &["host", "content-length", "connection", "transfer-encoding", "upgrade"];

impl MonitorSpec {
    /// The defaults of DESIGN.md §1, as a JSON object a create body is merged over.
    fn defaults(project_id: i64) -> Map<String, Value> {
        let json = serde_json::json!({
            "project": project_id,
            "monitor_type": "http",
            "role": "core",
            "method": "GET",
            "headers": {},
            "body": null,
            "expected_status_codes": [200],
            "body_contains": null,
            "bot_protection_string": null,
            "bot_counts_as_failure": false,
            "expected_response_time_ms": null,
            "timeout_seconds": 20,
            "check_interval_seconds": 300,
            "failure_threshold": 3,
            "recovery_threshold": 1,
            "retries": 3,
            "backoff_factor": 0.3,
            "retry_status_codes": [502, 503, 504],
            "is_active": true,
        });
        match json {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    /// Builds a monitor from a create body. `url` is required; `name` defaults to the URL's
    /// host; `project` defaults to `default_project`.
    pub fn create(body: &str, default_project: i64, policy: TargetPolicy) -> Result<Self, FieldError> {
        let given = input::parse_object(body, &input_fields())?;
        Self::from_map(given, default_project, policy)
    }

    /// Builds a monitor from an already parsed object (the seed-000 route builds one itself).
    pub fn from_map(mut given: Map<String, Value>, default_project: i64, policy: TargetPolicy) -> Result<Self, FieldError> {
        let used = fold_aliases(&mut given)?;
        Self::from_folded(given, default_project, policy).map_err(|e| alias_error(e, &used))
    }

    fn from_folded(mut given: Map<String, Value>, default_project: i64, policy: TargetPolicy) -> Result<Self, FieldError> {
        let kind = match given.get("monitor_type") {
            None => MonitorType::Http,
            Some(v) => input::typed::<MonitorType>(v.clone()).map_err(|e| FieldError::new("monitor_type", e.message))?,
        };
        drop_null_url(&mut given);
        if kind.takes_url() && !given.contains_key("url") {
            return Err(FieldError::new("url", "is required"));
        }
        let mut merged = Self::defaults(default_project);
        if kind == MonitorType::Heartbeat {
            heartbeat::spec_defaults(&mut merged);
        }
        if !given.contains_key("name") {
            merged.insert("name".into(), Value::String(default_name(kind, &given, policy)));
        }
        merged.extend(given);
        input::typed::<Self>(Value::Object(merged))?.checked(policy)
    }

    /// Applies a PATCH body: fields present replace the current ones (null clears an optional
    /// field), absent fields stay.
    pub fn patch(&self, body: &str, policy: TargetPolicy) -> Result<Self, FieldError> {
        let mut given = input::parse_object(body, &input_fields())?;
        let used = fold_aliases(&mut given)?;
        let Value::Object(mut merged) = serde_json::to_value(self).map_err(|e| FieldError::body(e.to_string()))? else {
            return Err(FieldError::body("monitor did not serialize to an object"));
        };
        merged.extend(given);
        drop_null_url(&mut merged);
        input::typed::<Self>(Value::Object(merged)).map_err(|e| alias_error(e, &used))?.checked(policy).map_err(|e| alias_error(e, &used))
    }

    /// Validates, and replaces `url` with the URL as the SSRF guard parsed it (the WHATWG
    /// serialisation, the same parse fetch applies). So the stored, shown and exported URL is
    /// the one that is fetched: `http://example.com\@127.0.0.1/` is kept as
    /// `http://example.com/@127.0.0.1/`, which says where it goes (DESIGN.md §11).
    fn checked(mut self, policy: TargetPolicy) -> Result<Self, FieldError> {
        if self.monitor_type == MonitorType::Heartbeat {
            heartbeat::fill_spec(&mut self);
        }
        self.validate(policy)?;
        match self.monitor_type {
            MonitorType::Http => self.url = normalised_url(&self.url),
            MonitorType::Tcp => {
                if let Ok((host, port)) = ssrf::check_tcp_target(&self.url, policy) {
                    self.url = ssrf::tcp_url(&host, port);
                }
            }
            MonitorType::Dns => {
                let (host, values) = dns::validate(self.hostname.as_deref().unwrap_or_default(), self.dns_record_type(), &self.expected_values)?;
                self.hostname = Some(host);
                self.record_type = Some(self.dns_record_type());
                self.expected_values = values;
            }
            MonitorType::Heartbeat => {}
        }
        Ok(self)
    }

    /// A DNS monitor's record type (A when none is given).
    pub fn dns_record_type(&self) -> RecordType {
        self.record_type.unwrap_or_default()
    }

    /// What the monitor watches, in a few words for the dashboard: the URL, or
    /// `example.com (MX)` for a DNS monitor, as alerts write it (`webhook::MonitorInfo::target`).
    pub fn target(&self) -> String {
        match self.monitor_type {
            MonitorType::Dns => format!("{} ({})", self.hostname.as_deref().unwrap_or_default(), self.dns_record_type().as_str()),
            _ => self.url.clone(),
        }
    }

    /// The fields of other monitor types must be left at their empty values: a setting that
    /// the probe would ignore is refused rather than kept unused. The HTTP fields with
    /// defaults (method, status codes, retry codes) are ignored rather than refused.
    fn validate_type_fields(&self) -> Result<(), FieldError> {
        let kind = self.monitor_type;
        let only = |field: &str, owner: &str| {
            Err(FieldError::new(field, format!("is only for {owner} monitors, not {}: leave it out or set it to null", kind.as_str())))
        };
        if kind != MonitorType::Http {
            if !self.headers.is_empty() {
                return only("headers", "http");
            }
            if self.body.is_some() {
                return only("body", "http");
            }
            if self.body_contains.is_some() {
                return only("body_contains", "http");
            }
            if self.bot_protection_string.is_some() {
                return only("bot_protection_string", "http");
            }
            if !self.assertions.is_empty() {
                return only("assertions", "http");
            }
        }
        if kind != MonitorType::Dns {
            if self.hostname.is_some() {
                return only("hostname", "dns");
            }
            if self.record_type.is_some() {
                return only("record_type", "dns");
            }
            if !self.expected_values.is_empty() {
                return only("expected_values", "dns");
            }
        }
        if kind != MonitorType::Heartbeat {
            for (field, set) in [("grace_seconds", self.grace_seconds.is_some()), ("schedule", self.schedule.is_some()), ("tz", self.tz.is_some())] {
                if set {
                    return only(field, "heartbeat");
                }
            }
        }
        if !kind.takes_url() && !self.url.is_empty() {
            return Err(FieldError::new("url", format!("{} monitors have no url: leave it out or set it to null", kind.as_str())));
        }
        Ok(())
    }

    /// Every bound of DESIGN.md §1 and §11. The first violation wins, in field order.
    pub fn validate(&self, policy: TargetPolicy) -> Result<(), FieldError> {
        use limits::*;
        if self.project_id <= 0 {
            return Err(FieldError::new("project", "must be a positive project id"));
        }
        self.validate_type_fields()?;
        // url first: a missing name defaults to the URL's host, so a bad URL explains both.
        let url_error = |e: ssrf::TargetError| FieldError::new("url", e.to_string());
        match self.monitor_type {
            _ if self.monitor_type.takes_url() && self.url.trim().is_empty() => return Err(FieldError::new("url", "is required")),
            MonitorType::Http => drop(ssrf::check_target(&self.url, policy).map_err(url_error)?),
            MonitorType::Tcp => drop(ssrf::check_tcp_target(&self.url, policy).map_err(url_error)?),
            MonitorType::Dns => match &self.hostname {
                None => return Err(FieldError::new("hostname", "is required for a dns monitor")),
                Some(h) => drop(dns::normalise_hostname(h).map_err(|m| FieldError::new("hostname", m))?),
            },
            MonitorType::Heartbeat => heartbeat::validate_spec(self)?,
        }
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(FieldError::new("name", format!("must be 1 to {NAME_MAX} characters")));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new("name", "must not contain control characters"));
        }
        self.validate_headers()?;
        if let Some(body) = &self.body {
            if !self.method.allows_body() {
                return Err(FieldError::new("body", format!("{} requests cannot have a body", self.method.as_str())));
            }
            if body.len() > REQUEST_BODY_MAX {
                return Err(FieldError::new("body", format!("must be at most {REQUEST_BODY_MAX} bytes")));
            }
        }
        check_codes("expected_status_codes", &self.expected_status_codes, 1, (100, 599))?;
        check_needle("body_contains", self.body_contains.as_deref())?;
        check_needle("bot_protection_string", self.bot_protection_string.as_deref())?;
        check_range("timeout_seconds", self.timeout_seconds, TIMEOUT_SECONDS)?;
        if let Some(ms) = self.expected_response_time_ms {
            let max = self.timeout_seconds * 1000;
            if ms == 0 || ms > max {
                return Err(FieldError::new(
                    "expected_response_time_ms",
                    format!("must be between 1 and {max} (timeout_seconds x 1000)"),
                ));
            }
        }
        let interval = if self.monitor_type == MonitorType::Heartbeat { heartbeat::SECONDS_RANGE } else { INTERVAL_SECONDS };
        check_range("check_interval_seconds", self.check_interval_seconds, interval)?;
        check_range("failure_threshold", self.failure_threshold, THRESHOLD)?;
        check_range("recovery_threshold", self.recovery_threshold, THRESHOLD)?;
        check_range("retries", self.retries, (0, RETRIES_MAX))?;
        if !(self.backoff_factor.is_finite() && (0.0..=BACKOFF_FACTOR_MAX).contains(&self.backoff_factor)) {
            return Err(FieldError::new("backoff_factor", format!("must be between 0 and {BACKOFF_FACTOR_MAX}")));
        }
        check_codes("retry_status_codes", &self.retry_status_codes, 0, RETRYABLE_STATUS)?;
        assertion::validate_all(&self.assertions)?;
        Ok(())
    }

    fn validate_headers(&self) -> Result<(), FieldError> {
        use limits::*;
        if self.headers.len() > HEADERS_MAX {
            return Err(FieldError::new("headers", format!("at most {HEADERS_MAX} headers")));
        }
        for (name, value) in &self.headers {
            let field = format!("headers.{name}");
            let is_token = !name.is_empty()
                && name.len() <= HEADER_NAME_MAX
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !is_token {
                return Err(FieldError::new(&field, format!("header names are 1 to {HEADER_NAME_MAX} token characters")));
            }
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(FieldError::new(&field, "is set by the platform and cannot be overridden"));
            }
            if value.len() > HEADER_VALUE_MAX || value.chars().any(|c| c == '\r' || c == '\n' || c == '\0') {
                return Err(FieldError::new(
                    &field,
                    format!("values are at most {HEADER_VALUE_MAX} bytes without CR, LF or NUL"),
                ));
            }
        }
        Ok(())
    }

    /// True when a check with this status counts as "expected" (used to decide whether a 3xx
    /// is the answer the user wants, or a redirect to follow).
    pub fn expects_status(&self, status: u16) -> bool {
        self.expected_status_codes.contains(&status)
    }
}

fn check_range(field: &str, value: u32, (min, max): (u32, u32)) -> Result<(), FieldError> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(FieldError::new(field, format!("must be between {min} and {max}, got {value}")))
    }
}

fn check_codes(field: &str, codes: &[u16], min_len: usize, (lo, hi): (u16, u16)) -> Result<(), FieldError> {
    if codes.len() < min_len || codes.len() > limits::STATUS_CODES_MAX {
        return Err(FieldError::new(field, format!("must list {min_len} to {} status codes", limits::STATUS_CODES_MAX)));
    }
    if let Some(bad) = codes.iter().find(|c| !(lo..=hi).contains(*c)) {
        return Err(FieldError::new(field, format!("{bad} is not allowed here (each must be {lo}-{hi})")));
    }
    Ok(())
}

fn check_needle(field: &str, needle: Option<&str>) -> Result<(), FieldError> {
    match needle {
        Some(n) if n.is_empty() || n.len() > limits::NEEDLE_MAX => {
            Err(FieldError::new(field, format!("must be 1 to {} bytes, or null", limits::NEEDLE_MAX)))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
impl Default for MonitorSpec {
    /// A valid monitor for tests: the defaults pointed at example.com.
    fn default() -> Self {
        Self::create(r#"{"name":"Example","url":"https://example.com/"}"#, 1, TargetPolicy::default()).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy { allow_private: false };
    const LOCAL: TargetPolicy = TargetPolicy { allow_private: true };

    #[test]
    fn create_applies_spec_defaults() {
        let m = MonitorSpec::create(r#"{"url":"https://api.example.com/health"}"#, 7, STRICT).unwrap();
        assert_eq!(m.project_id, 7);
        assert_eq!(m.name, "api.example.com");
        assert_eq!(m.method, HttpMethod::GET);
        assert_eq!(m.role, Role::Core);
        assert_eq!(m.expected_status_codes, vec![200]);
        assert_eq!(m.timeout_seconds, 20);
        assert_eq!(m.check_interval_seconds, 300);
        assert_eq!((m.failure_threshold, m.recovery_threshold, m.retries), (3, 1, 3));
        assert_eq!(m.backoff_factor, 0.3);
        assert_eq!(m.retry_status_codes, vec![502, 503, 504]);
        assert!(m.is_active && !m.bot_counts_as_failure);
    }

    #[test]
    fn create_rejections_name_the_field() {
        let cases: &[(&str, &str, &str)] = &[
            ("missing url", r#"{"name":"x"}"#, "url"),
            ("null url", r#"{"url":null}"#, "url"),
            ("ftp url", r#"{"url":"ftp://example.com/"}"#, "url"),
            ("ip literal", r#"{"url":"http://10.0.0.1/"}"#, "url"),
            ("interval below 60", r#"{"url":"https://example.com","check_interval_seconds":59}"#, "check_interval_seconds"),
            ("interval as string", r#"{"url":"https://example.com","check_interval_seconds":"60"}"#, "check_interval_seconds"),
            ("timeout above 30", r#"{"url":"https://example.com","timeout_seconds":31}"#, "timeout_seconds"),
            ("timeout zero", r#"{"url":"https://example.com","timeout_seconds":0}"#, "timeout_seconds"),
            ("retries above 3", r#"{"url":"https://example.com","retries":4}"#, "retries"),
            ("retry code 500", r#"{"url":"https://example.com","retry_status_codes":[500]}"#, "retry_status_codes"),
            ("expected 99", r#"{"url":"https://example.com","expected_status_codes":[99]}"#, "expected_status_codes"),
            ("expected empty", r#"{"url":"https://example.com","expected_status_codes":[]}"#, "expected_status_codes"),
            ("threshold 0", r#"{"url":"https://example.com","failure_threshold":0}"#, "failure_threshold"),
            ("recovery 11", r#"{"url":"https://example.com","recovery_threshold":11}"#, "recovery_threshold"),
            ("backoff negative", r#"{"url":"https://example.com","backoff_factor":-1}"#, "backoff_factor"),
            ("backoff huge", r#"{"url":"https://example.com","backoff_factor":6}"#, "backoff_factor"),
            ("empty name", r#"{"url":"https://example.com","name":"  "}"#, "name"),
            ("long name", &format!(r#"{{"url":"https://example.com","name":"{}"}}"#, "n".repeat(101)), "name"),
            ("unknown field", r#"{"url":"https://example.com","intervall":60}"#, "intervall"),
            ("bad method", r#"{"url":"https://example.com","method":"BREW"}"#, "method"),
            ("body on GET", r#"{"url":"https://example.com","body":"x"}"#, "body"),
            ("bad role", r#"{"url":"https://example.com","role":"vital"}"#, "role"),
            ("header CRLF", r#"{"url":"https://example.com","headers":{"X-A":"a\r\nb"}}"#, "headers.X-A"),
            ("header host", r#"{"url":"https://example.com","headers":{"Host":"evil"}}"#, "headers.Host"),
            ("header bad name", r#"{"url":"https://example.com","headers":{"a b":"c"}}"#, "headers.a b"),
            ("header not string", r#"{"url":"https://example.com","headers":{"X-A":1}}"#, "headers.X-A"),
            ("empty needle", r#"{"url":"https://example.com","body_contains":""}"#, "body_contains"),
            ("slow above timeout", r#"{"url":"https://example.com","timeout_seconds":2,"expected_response_time_ms":2001}"#, "expected_response_time_ms"),
            ("project zero", r#"{"url":"https://example.com","project":0}"#, "project"),
        ];
        for (name, body, field) in cases {
            let err = MonitorSpec::create(body, 1, STRICT).expect_err(name);
            assert_eq!(err.field.as_deref(), Some(*field), "{name}: {err}");
        }
    }

    #[test]
    fn too_many_headers_is_refused() {
        let headers: Map<String, Value> = (0..21).map(|i| (format!("X-{i}"), Value::from("v"))).collect();
        let body = serde_json::json!({"url": "https://example.com", "headers": headers}).to_string();
        assert_eq!(MonitorSpec::create(&body, 1, STRICT).unwrap_err().field.as_deref(), Some("headers"));
    }

    #[test]
    fn private_targets_need_the_local_policy() {
        let body = r#"{"name":"fixture","url":"http://127.0.0.1:40123/ok"}"#;
        assert!(MonitorSpec::create(body, 1, STRICT).is_err());
        assert_eq!(MonitorSpec::create(body, 1, LOCAL).unwrap().url, "http://127.0.0.1:40123/ok");
    }

    #[test]
    fn urls_are_stored_as_fetched() {
        let cases = [
            (r"http://example.com\@127.0.0.1/", "http://example.com/@127.0.0.1/"),
            ("https://example.com", "https://example.com/"),
            ("  HTTPS://Example.COM:443/a/../b?q=1#frag ", "https://example.com/b?q=1#frag"),
            ("http://example.com/a b", "http://example.com/a%20b"),
            ("https://xn--nxasmq6b.example/", "https://xn--nxasmq6b.example/"),
            ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ];
        for (typed, stored) in cases {
            let body = serde_json::json!({ "url": typed }).to_string();
            let m = MonitorSpec::create(&body, 1, STRICT).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(m.url, stored, "create {typed}");
            assert_eq!(m.name, url::Url::parse(stored).unwrap().host_str().unwrap(), "default name of {typed}");
            let patched = MonitorSpec::create(r#"{"url":"https://other.example/"}"#, 1, STRICT).unwrap().patch(&body, STRICT).unwrap();
            assert_eq!(patched.url, stored, "patch {typed}");
            assert_eq!(normalised_url(stored), stored, "normalising is idempotent");
        }
        assert_eq!(normalised_url("not a url"), "not a url");
    }

    #[test]
    fn patch_replaces_present_fields_and_clears_nulls() {
        let m = MonitorSpec::create(
            r#"{"name":"a","url":"https://example.com","body_contains":"ok","check_interval_seconds":60}"#,
            1,
            STRICT,
        )
        .unwrap();
        let p = m.patch(r#"{"name":"b","body_contains":null}"#, STRICT).unwrap();
        assert_eq!(p.name, "b");
        assert_eq!(p.body_contains, None);
        assert_eq!(p.check_interval_seconds, 60);
        assert_eq!(p.url, m.url);
        let err = m.patch(r#"{"check_interval_seconds":30}"#, STRICT).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("check_interval_seconds"));
        let err = m.patch(r#"{"timeout_seconds":null}"#, STRICT).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("timeout_seconds"));
    }

    /// Seed 003's example payload, verbatim: `expected_keyword` is `body_contains`.
    #[test]
    fn seed_003_payload_and_alias_rules() {
        let seed = r#"{"project": 1, "name": "Main API", "monitor_type": "http", "method": "GET",
            "url": "https://api.example.com/health", "headers": {"Accept": "application/json"},
            "expected_status_codes": [200], "expected_keyword": "ok", "timeout_seconds": 10,
            "check_interval_seconds": 60, "failure_threshold": 3, "expected_response_time_ms": 1200, "is_active": true}"#;
        let m = MonitorSpec::create(seed, 1, STRICT).unwrap();
        assert_eq!((m.body_contains.as_deref(), m.timeout_seconds, m.check_interval_seconds), (Some("ok"), 10, 60));
        let exported = serde_json::to_value(&m).unwrap();
        assert_eq!(exported["body_contains"], "ok");
        assert!(exported.get("expected_keyword").is_none(), "export writes the canonical name only");
        // (body, body_contains after, or the field an error names)
        let cases: &[(&str, Result<Option<&str>, &str>)] = &[
            (r#"{"url":"https://a.example","expected_keyword":"up"}"#, Ok(Some("up"))),
            (r#"{"url":"https://a.example","expected_keyword":"up","body_contains":"up"}"#, Ok(Some("up"))),
            (r#"{"url":"https://a.example","expected_keyword":null}"#, Ok(None)),
            (r#"{"url":"https://a.example","expected_keyword":"up","body_contains":"down"}"#, Err("expected_keyword")),
            (r#"{"url":"https://a.example","expected_keyword":"up","body_contains":null}"#, Err("expected_keyword")),
            (r#"{"url":"https://a.example","expected_keyword":""}"#, Err("expected_keyword")),
            (r#"{"url":"https://a.example","expected_keyword":5}"#, Err("expected_keyword")),
            (r#"{"url":"https://a.example","body_contains":5}"#, Err("body_contains")),
        ];
        for (body, want) in cases {
            let got = MonitorSpec::create(body, 1, STRICT).map(|m| m.body_contains).map_err(|e| e.field.unwrap_or_default());
            assert_eq!(got.as_ref().map(|o| o.as_deref()).map_err(String::as_str), *want, "{body}");
        }
        // PATCH takes the alias too, and null clears through it.
        let patched = m.patch(r#"{"expected_keyword":"healthy"}"#, STRICT).unwrap();
        assert_eq!(patched.body_contains.as_deref(), Some("healthy"));
        assert_eq!(m.patch(r#"{"expected_keyword":null}"#, STRICT).unwrap().body_contains, None);
        assert_eq!(m.patch(r#"{"expected_keyword":"a","body_contains":"b"}"#, STRICT).unwrap_err().field.as_deref(), Some("expected_keyword"));
    }

    /// (body, the spec it makes or the field an error names).
    #[test]
    fn monitor_types_and_their_fields() {
        let ok = |body: &str| MonitorSpec::create(body, 1, LOCAL).unwrap_or_else(|e| panic!("{body}: {e}"));
        let m = ok(r#"{"url":"https://example.com"}"#);
        assert_eq!(m.monitor_type, MonitorType::Http);
        let tcp = ok(r#"{"monitor_type":"tcp","url":"tcp://DB.example.com:5432"}"#);
        assert_eq!((tcp.url.as_str(), tcp.name.as_str()), ("tcp://db.example.com:5432", "db.example.com"));
        assert_eq!(ok(r#"{"monitor_type":"tcp","url":"tcp://127.0.0.1:40123/"}"#).url, "tcp://127.0.0.1:40123");
        let dns = ok(r#"{"monitor_type":"dns","hostname":"Example.COM.","record_type":"MX","expected_values":["10 Mail.example.com."]}"#);
        assert_eq!((dns.url.as_str(), dns.hostname.as_deref(), dns.record_type, dns.name.as_str()), ("", Some("example.com"), Some(RecordType::MX), "example.com"));
        assert_eq!(dns.expected_values, vec!["10 mail.example.com"]);
        assert_eq!(dns.target(), "example.com (MX)");
        let a = ok(r#"{"monitor_type":"dns","hostname":"example.com","url":null}"#);
        assert_eq!(a.record_type, Some(RecordType::A), "A by default, stored");
        // The API leaves out what a type does not have, and the document reads back the same.
        let doc = serde_json::to_value(&dns).unwrap();
        assert!(doc.get("url").is_none() && doc.get("assertions").is_none(), "{doc}");
        let http_doc = serde_json::to_value(&m).unwrap();
        assert!(http_doc.get("hostname").is_none() && http_doc.get("expected_values").is_none(), "{http_doc}");
        let back: MonitorSpec = input::typed(doc).unwrap();
        assert_eq!(back, dns);
        let asserting = ok(r#"{"url":"https://example.com","assertions":[{"source":"json","path":"$.status","op":"==","value":"ok"}]}"#);
        assert_eq!(asserting.assertions.len(), 1);
        assert_eq!(serde_json::to_value(&asserting).unwrap()["assertions"][0]["path"], "$.status");

        #[rustfmt::skip]
        let refused: &[(&str, &str)] = &[
            (r#"{"monitor_type":"heartbeat","name":"nightly","url":"https://example.com"}"#, "url"),
            (r#"{"url":"https://example.com","grace_seconds":60}"#, "grace_seconds"),
            (r#"{"monitor_type":"dns","hostname":"example.com","schedule":"0 3 * * *"}"#, "schedule"),
            (r#"{"monitor_type":"smtp","url":"https://example.com"}"#, "monitor_type"),
            (r#"{"monitor_type":7,"url":"https://example.com"}"#, "monitor_type"),
            (r#"{"monitor_type":"tcp"}"#, "url"),
            (r#"{"monitor_type":"tcp","url":"https://example.com"}"#, "url"),
            (r#"{"monitor_type":"tcp","url":"tcp://mail.example.com:25"}"#, "url"),
            (r#"{"monitor_type":"tcp","url":"tcp://db.example.com"}"#, "url"),
            (r#"{"monitor_type":"tcp","url":"tcp://db.example.com:5432","body_contains":"x"}"#, "body_contains"),
            (r#"{"monitor_type":"tcp","url":"tcp://db.example.com:5432","headers":{"A":"b"}}"#, "headers"),
            (r#"{"monitor_type":"tcp","url":"tcp://db.example.com:5432","hostname":"example.com"}"#, "hostname"),
            (r#"{"url":"tcp://db.example.com:5432"}"#, "url"),
            (r#"{"url":"https://example.com","hostname":"example.com"}"#, "hostname"),
            (r#"{"url":"https://example.com","record_type":"A"}"#, "record_type"),
            (r#"{"url":"https://example.com","expected_values":["1.2.3.4"]}"#, "expected_values"),
            (r#"{"url":"https://example.com","assertions":[{"source":"json","op":"exists"}]}"#, "assertions[0].path"),
            (r#"{"url":"https://example.com","assertions":[{"source":"status","op":"==","value":200},{"source":"json","path":"$.a","op":"=~","value":1}]}"#, "assertions[1].op"),
            (r#"{"url":"https://example.com","assertions":[{"source":"status","op":"==","value":200,"extra":1}]}"#, "assertions[0]"),
            (r#"{"url":"https://example.com","assertions":{"source":"status"}}"#, "assertions"),
            (r#"{"monitor_type":"dns"}"#, "hostname"),
            (r#"{"monitor_type":"dns","hostname":"not a name"}"#, "hostname"),
            (r#"{"monitor_type":"dns","hostname":"1.2.3.4"}"#, "hostname"),
            (r#"{"monitor_type":"dns","hostname":"example.com","record_type":"SRV"}"#, "record_type"),
            (r#"{"monitor_type":"dns","hostname":"example.com","expected_values":["1.2.3.4","x"]}"#, "expected_values[1]"),
            (r#"{"monitor_type":"dns","hostname":"example.com","url":"https://example.com"}"#, "url"),
            (r#"{"monitor_type":"dns","hostname":"example.com","assertions":[{"source":"status","op":"==","value":200}]}"#, "assertions"),
            (r#"{"monitor_type":"dns","hostname":"example.com","body":"x","method":"POST"}"#, "body"),
        ];
        for (body, field) in refused {
            let e = MonitorSpec::create(body, 1, LOCAL).expect_err(body);
            assert_eq!(e.field.as_deref().map(|f| f.split_once('.').map_or(f, |(a, _)| a).to_string()).as_deref(), Some(field.split_once('.').map_or(*field, |(a, _)| a)), "{body}: {e}");
            assert!(e.field.as_deref().unwrap().starts_with(field), "{body}: {e}");
        }
        // Changing type by PATCH: the old type's fields must go (null clears them).
        let http = ok(r#"{"name":"site","url":"https://example.com"}"#);
        assert_eq!(http.patch(r#"{"monitor_type":"dns","hostname":"example.com"}"#, LOCAL).unwrap_err().field.as_deref(), Some("url"));
        let moved = http.patch(r#"{"monitor_type":"dns","hostname":"example.com","url":null}"#, LOCAL).unwrap();
        assert_eq!((moved.monitor_type, moved.url.as_str(), moved.name.as_str()), (MonitorType::Dns, "", "site"));
        let back = moved.patch(r#"{"monitor_type":"http","url":"https://example.com/","hostname":null,"record_type":null}"#, LOCAL).unwrap();
        assert_eq!(back, http);
        assert_eq!(http.patch(r#"{"url":null}"#, LOCAL).unwrap_err().field.as_deref(), Some("url"));
        // A heartbeat has no url: the old one must be cleared too.
        assert_eq!(http.patch(r#"{"monitor_type":"heartbeat"}"#, LOCAL).unwrap_err().field.as_deref(), Some("url"));
        let pushed = http.patch(r#"{"monitor_type":"heartbeat","url":null}"#, LOCAL).unwrap();
        assert_eq!((pushed.monitor_type, pushed.url.as_str()), (MonitorType::Heartbeat, ""));
    }

    #[test]
    fn post_with_body_and_headers_is_accepted() {
        let m = MonitorSpec::create(
            r#"{"url":"https://example.com/api","method":"POST","body":"{}","headers":{"Content-Type":"application/json"}}"#,
            1,
            STRICT,
        )
        .unwrap();
        assert_eq!(m.method, HttpMethod::POST);
        assert_eq!(m.headers.get("Content-Type").map(String::as_str), Some("application/json"));
    }
}
