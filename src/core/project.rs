//! Projects (tenant containers) and maintenance windows: request bodies to validated values.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::input::{self, FieldError};
use super::time::{iso, parse_iso, EpochMs};

pub const NAME_MAX: usize = 100;
pub const SLUG_MAX: usize = 64;
/// Slugs that would collide with fixed paths under `/status/` (seed 000's `/status/queue`).
const RESERVED_SLUGS: &[&str] = &["queue"];

pub const PROJECT_FIELDS: &[&str] = &["name", "slug", "public", "custom_domain"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    pub name: String,
    pub slug: String,
    /// Whether `/status/{slug}` is served to anyone.
    pub public: bool,
    /// A hostname that serves this project's page at `/` (DESIGN.md §9), lower case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_domain: Option<String>,
}

impl ProjectSpec {
    /// `name` is required; `slug` defaults to one made from the name; `public` to true.
    pub fn create(body: &str) -> Result<Self, FieldError> {
        Self::from_map(input::parse_object(body, PROJECT_FIELDS)?)
    }

    pub fn from_map(given: Map<String, Value>) -> Result<Self, FieldError> {
        let name = match given.get("name") {
            None | Some(Value::Null) => return Err(FieldError::new("name", "is required")),
            Some(v) => v.clone(),
        };
        let mut merged = Map::new();
        merged.insert("public".into(), Value::Bool(true));
        if let Some(n) = name.as_str() {
            merged.insert("slug".into(), Value::String(slugify(n)));
        }
        merged.extend(given);
        let spec: Self = input::typed(Value::Object(merged))?;
        spec.normalized()
    }

    pub fn patch(&self, body: &str) -> Result<Self, FieldError> {
        let given = input::parse_object(body, PROJECT_FIELDS)?;
        let mut merged = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        merged.extend(given);
        let spec: Self = input::typed(Value::Object(merged))?;
        spec.normalized()
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        check_name("name", &self.name, NAME_MAX)?;
        validate_slug(&self.slug)?;
        match &self.custom_domain {
            Some(d) if normalize_domain(d).as_deref() != Ok(d.as_str()) => Err(normalize_domain(d).err().unwrap_or_else(|| FieldError::new("custom_domain", "must be lower case"))),
            _ => Ok(()),
        }
    }

    /// Normalizes `custom_domain` (lower case, no trailing dot; `""` clears it), then validates.
    fn normalized(mut self) -> Result<Self, FieldError> {
        self.custom_domain = match self.custom_domain.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(normalize_domain(d)?),
        };
        self.validate()?;
        Ok(self)
    }
}

/// Hostnames a project may not claim: the platform's own and local ones.
const RESERVED_DOMAIN_SUFFIXES: &[&str] = &[".workers.dev", ".localhost", ".local", ".internal", ".invalid", ".test", ".example"];

/// A custom domain as stored: a DNS hostname (RFC 1123 labels of a-z, 0-9 and `-`, at least two
/// labels, at most 253 characters), lower-cased, without a trailing dot. No scheme, port, path,
/// IP address, wildcard, `localhost` or `*.workers.dev`.
pub fn normalize_domain(raw: &str) -> Result<String, FieldError> {
    let err = |m: &str| FieldError::new("custom_domain", m);
    let d = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.contains("://") || d.contains('/') || d.contains(':') {
        return Err(err("must be a hostname only, like status.example.com (no scheme, port or path)"));
    }
    if d.is_empty() || d.len() > 253 {
        return Err(err("must be 1 to 253 characters"));
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err(err("must have at least two labels, like status.example.com"));
    }
    for l in &labels {
        if l.is_empty() || l.len() > 63 || !l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') || l.starts_with('-') || l.ends_with('-') {
            return Err(err("each label must be 1 to 63 characters of a-z, 0-9 and -, not starting or ending with -"));
        }
    }
    if labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return Err(err("must be a hostname, not an IP address"));
    }
    let dotted = format!(".{d}");
    if d == "localhost" || RESERVED_DOMAIN_SUFFIXES.iter().any(|s| dotted.ends_with(s)) {
        return Err(err("is reserved"));
    }
    Ok(d)
}

pub fn validate_slug(slug: &str) -> Result<(), FieldError> {
    if slug.is_empty() || slug.len() > SLUG_MAX {
        return Err(FieldError::new("slug", format!("must be 1 to {SLUG_MAX} characters")));
    }
    if !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') || slug.starts_with('-') {
        return Err(FieldError::new("slug", "may contain only a-z, 0-9 and -, and must not start with -"));
    }
    if RESERVED_SLUGS.contains(&slug) {
        return Err(FieldError::new("slug", format!("{slug:?} is reserved")));
    }
    Ok(())
}

/// `"My Shop (EU)"` -> `"my-shop-eu"`; a name with nothing usable gives `"project"`.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(SLUG_MAX).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() || RESERVED_SLUGS.contains(&out.as_str()) {
        out = format!("project{}", if out.is_empty() { String::new() } else { format!("-{out}") });
    }
    out
}

/// Whether a request's host is the platform's own (local development, an IP address,
/// `*.workers.dev`, or `PUBLIC_BASE_URL`'s host): those are never looked up as custom domains,
/// so ordinary requests cost no D1 read.
pub fn platform_host(host: &str, public_host: Option<&str>) -> bool {
    host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".workers.dev")
        || host.starts_with('[')
        || host.parse::<std::net::Ipv4Addr>().is_ok()
        || public_host.is_some_and(|p| p.eq_ignore_ascii_case(host))
}

/// The host of a `Host` header value: lower case, without the port.
pub fn host_of(header: &str) -> String {
    let h = header.trim().to_ascii_lowercase();
    if h.starts_with('[') {
        return h.split(']').next().map(|v| format!("{v}]")).unwrap_or(h);
    }
    h.split(':').next().unwrap_or("").trim_end_matches('.').to_string()
}

/// What a request for `path` on a project's custom domain serves, as a path of the route
/// table (DESIGN.md §9): `/` is the page, `/index.json` its JSON, `/feed.atom` its feed,
/// `/{monitor id}` a monitor's page; the project's own `/status/{slug}...` and
/// `/badge/{slug}/...` paths, `/assets/...` and `/health` pass unchanged (the page's links use
/// them). Anything else, the API and the dashboard included, is `None`: not found on a status
/// domain.
pub fn custom_host_path(slug: &str, path: &str) -> Option<String> {
    let own = format!("/status/{slug}");
    let rest = path.strip_prefix(&own);
    match path {
        "/" | "" => Some(own),
        "/index.json" => Some(format!("{own}.json")),
        "/feed.atom" => Some(format!("{own}/feed.atom")),
        "/health" => Some(path.to_string()),
        _ if path.starts_with("/assets/") => Some(path.to_string()),
        _ if rest.is_some_and(|r| r.is_empty() || r == ".json" || r.starts_with('/')) => Some(path.to_string()),
        _ if path.strip_prefix("/badge/").and_then(|r| r.strip_prefix(slug)).is_some_and(|r| r.starts_with('/')) => Some(path.to_string()),
        _ => {
            let id = path.strip_prefix('/')?;
            (!id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit())).then(|| format!("{own}/{id}"))
        }
    }
}

fn check_name(field: &str, value: &str, max: usize) -> Result<(), FieldError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.chars().count() > max {
        return Err(FieldError::new(field, format!("must be 1 to {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(())
}

pub const MAINTENANCE_FIELDS: &[&str] = &["project", "monitor", "title", "starts_at", "ends_at"];
pub const TITLE_MAX: usize = 200;
/// A window longer than this is almost certainly a typo in a date.
pub const MAINTENANCE_MAX_DAYS: i64 = 31;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaintenanceSpec {
    pub project_id: Option<i64>,
    pub monitor_id: Option<i64>,
    pub title: String,
    pub starts_at: EpochMs,
    pub ends_at: EpochMs,
}

impl MaintenanceSpec {
    /// `title`, `starts_at` and `ends_at` (RFC 3339) are required; `monitor` narrows the window
    /// to one monitor, `project` is needed when there is no monitor (the caller checks both
    /// belong to the user, and fills the project from the monitor).
    pub fn create(body: &str) -> Result<Self, FieldError> {
        #[derive(Deserialize)]
        struct Raw {
            project: Option<i64>,
            monitor: Option<i64>,
            title: Option<String>,
            starts_at: Option<String>,
            ends_at: Option<String>,
        }
        let raw: Raw = input::typed(Value::Object(input::parse_object(body, MAINTENANCE_FIELDS)?))?;
        let title = raw.title.ok_or_else(|| FieldError::new("title", "is required"))?;
        check_name("title", &title, TITLE_MAX)?;
        let time = |field: &str, v: Option<String>| {
            let v = v.ok_or_else(|| FieldError::new(field, "is required"))?;
            parse_iso(&v).ok_or_else(|| FieldError::new(field, "must be an RFC 3339 time like 2026-11-21T05:25:00Z"))
        };
        let starts_at = time("starts_at", raw.starts_at)?;
        let ends_at = time("ends_at", raw.ends_at)?;
        if ends_at <= starts_at {
            return Err(FieldError::new("ends_at", "must be after starts_at"));
        }
        if ends_at - starts_at > MAINTENANCE_MAX_DAYS * 86_400_000 {
            return Err(FieldError::new("ends_at", format!("a window may last at most {MAINTENANCE_MAX_DAYS} days")));
        }
        for (field, id) in [("project", raw.project), ("monitor", raw.monitor)] {
            if id.is_some_and(|id| id <= 0) {
                return Err(FieldError::new(field, "must be a positive id"));
            }
        }
        if raw.project.is_none() && raw.monitor.is_none() {
            return Err(FieldError::new("project", "is required when no monitor is given"));
        }
        Ok(Self { project_id: raw.project, monitor_id: raw.monitor, title: title.trim().to_string(), starts_at, ends_at })
    }

    pub fn starts_iso(&self) -> String {
        iso(self.starts_at)
    }

    pub fn ends_iso(&self) -> String {
        iso(self.ends_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_create_defaults_and_errors() {
        let p = ProjectSpec::create(r#"{"name":"My Shop (EU)"}"#).unwrap();
        assert_eq!(p, ProjectSpec { name: "My Shop (EU)".into(), slug: "my-shop-eu".into(), public: true, custom_domain: None });
        let p = ProjectSpec::create(r#"{"name":"x","slug":"acme","public":false}"#).unwrap();
        assert_eq!((p.slug.as_str(), p.public), ("acme", false));
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{}"#, Some("name")),
            (r#"{"name":""}"#, Some("name")),
            (r#"{"name":"   "}"#, Some("name")),
            (r#"{"name":5}"#, Some("name")),
            (r#"{"name":"a\u0007b"}"#, Some("name")),
            (r#"{"name":"ok","slug":"Has Caps"}"#, Some("slug")),
            (r#"{"name":"ok","slug":"-x"}"#, Some("slug")),
            (r#"{"name":"ok","slug":"a.json"}"#, Some("slug")),
            (r#"{"name":"ok","slug":"queue"}"#, Some("slug")),
            (r#"{"name":"ok","slug":""}"#, Some("slug")),
            (r#"{"name":"ok","public":"yes"}"#, Some("public")),
            (r#"{"name":"ok","owner":1}"#, Some("owner")),
            (r#"[]"#, None),
        ];
        for (body, field) in cases {
            assert_eq!(ProjectSpec::create(body).unwrap_err().field.as_deref(), *field, "{body}");
        }
        let long = format!(r#"{{"name":"{}"}}"#, "n".repeat(NAME_MAX + 1));
        assert_eq!(ProjectSpec::create(&long).unwrap_err().field.as_deref(), Some("name"));
    }

    #[test]
    fn project_patch_is_partial() {
        let p = ProjectSpec::create(r#"{"name":"Shop"}"#).unwrap();
        let q = p.patch(r#"{"public":false}"#).unwrap();
        assert_eq!(q, ProjectSpec { public: false, ..p.clone() });
        assert_eq!(p.patch(r#"{"slug":"BAD"}"#).unwrap_err().field.as_deref(), Some("slug"));
        assert_eq!(p.patch(r#"{"name":null}"#).unwrap_err().field.as_deref(), Some("name"));
    }

    #[test]
    fn custom_domains() {
        let p = ProjectSpec::create(r#"{"name":"x","custom_domain":"Status.Example.COM."}"#).unwrap();
        assert_eq!(p.custom_domain.as_deref(), Some("status.example.com"));
        assert_eq!(p.patch(r#"{"custom_domain":""}"#).unwrap().custom_domain, None);
        assert_eq!(p.patch(r#"{"custom_domain":null}"#).unwrap().custom_domain, None);
        assert_eq!(p.patch(r#"{"name":"y"}"#).unwrap().custom_domain.as_deref(), Some("status.example.com"));
        for ok in ["status.acme.io", "a-b.c1.co.uk", "xn--bcher-kva.example.org"] {
            assert_eq!(normalize_domain(ok).as_deref(), Ok(ok));
        }
        for bad in [
            "https://status.acme.io", "status.acme.io/x", "status.acme.io:8443", "localhost", "acme", "10.0.0.1", "-a.acme.io", "a-.acme.io",
            "a..acme.io", "*.acme.io", "st atus.acme.io", "vigil.me.workers.dev", "x.localhost", "ünï.acme.io", "a_b.acme.io",
        ] {
            let e = ProjectSpec::create(&format!(r#"{{"name":"x","custom_domain":"{bad}"}}"#)).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("custom_domain"), "{bad}");
        }
        let long = format!("{}.io", "a.".repeat(130));
        assert_eq!(normalize_domain(&long).unwrap_err().field.as_deref(), Some("custom_domain"));
        assert_eq!(ProjectSpec::create(r#"{"name":"x","custom_domain":5}"#).unwrap_err().field.as_deref(), Some("custom_domain"));
    }

    #[test]
    fn custom_host_paths() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/", Some("/status/acme")),
            ("/index.json", Some("/status/acme.json")),
            ("/feed.atom", Some("/status/acme/feed.atom")),
            ("/42", Some("/status/acme/42")),
            ("/status/acme", Some("/status/acme")),
            ("/status/acme.json", Some("/status/acme.json")),
            ("/status/acme/feed.atom", Some("/status/acme/feed.atom")),
            ("/status/acme/subscribe", Some("/status/acme/subscribe")),
            ("/badge/acme/3.svg", Some("/badge/acme/3.svg")),
            ("/assets/local-time.js", Some("/assets/local-time.js")),
            ("/health", Some("/health")),
            ("/status/acme-other", None),
            ("/status/other", None),
            ("/badge/acmex/3.svg", None),
            ("/api/monitors", None),
            ("/app", None),
            ("/app/login", None),
            ("/openapi.json", None),
            ("/status", None),
            ("/__scheduled", None),
            ("/42/x", None),
            ("/-1", None),
        ];
        for (path, want) in cases {
            assert_eq!(custom_host_path("acme", path).as_deref(), *want, "{path}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("Status.Acme.IO:443"), "status.acme.io");
        assert_eq!(host_of("status.acme.io."), "status.acme.io");
        assert_eq!(host_of("[::1]:8787"), "[::1]");
        for (host, platform) in [
            ("localhost", true),
            ("127.0.0.1", true),
            ("[::1]", true),
            ("vigil.me.workers.dev", true),
            ("vigil.example.org", true),
            ("status.acme.io", false),
            ("", true),
        ] {
            assert_eq!(platform_host(host, Some("vigil.example.org")), platform, "{host}");
        }
    }

    #[test]
    fn slugs() {
        let cases = [("My Shop (EU)", "my-shop-eu"), ("", "project"), ("!!!", "project"), ("Queue", "project-queue"), ("a--b", "a-b"), ("Ünïcode", "n-code")];
        for (name, want) in cases {
            assert_eq!(slugify(name), want, "{name}");
            assert!(validate_slug(&slugify(name)).is_ok());
        }
        assert_eq!(slugify(&"ab".repeat(50)).len(), SLUG_MAX);
    }

    #[test]
    fn maintenance_windows() {
        let ok = r#"{"project":1,"title":"DB upgrade","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z"}"#;
        let m = MaintenanceSpec::create(ok).unwrap();
        assert_eq!((m.project_id, m.monitor_id, m.ends_at - m.starts_at), (Some(1), None, 3_600_000));
        assert_eq!(m.starts_iso(), "2026-11-21T10:00:00.000Z");
        let cases: &[(&str, &str)] = &[
            (r#"{"project":1,"starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z"}"#, "title"),
            (r#"{"project":1,"title":"x","ends_at":"2026-11-21T11:00:00Z"}"#, "starts_at"),
            (r#"{"project":1,"title":"x","starts_at":"soon","ends_at":"2026-11-21T11:00:00Z"}"#, "starts_at"),
            (r#"{"project":1,"title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T10:00:00Z"}"#, "ends_at"),
            (r#"{"project":1,"title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2027-11-21T10:00:00Z"}"#, "ends_at"),
            (r#"{"title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z"}"#, "project"),
            (r#"{"project":0,"title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z"}"#, "project"),
            (r#"{"project":"1","title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z"}"#, "project"),
            (r#"{"monitor":-2,"title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z"}"#, "monitor"),
            (r#"{"project":1,"title":"x","starts_at":"2026-11-21T10:00:00Z","ends_at":"2026-11-21T11:00:00Z","why":1}"#, "why"),
        ];
        for (body, field) in cases {
            assert_eq!(MaintenanceSpec::create(body).unwrap_err().field.as_deref(), Some(*field), "{body}");
        }
    }
}
