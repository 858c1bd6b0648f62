//! Projects (tenant containers) and maintenance windows: request bodies to validated values.
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::input::{self, FieldError};
use super::time::{iso, parse_iso, EpochMs};

pub const NAME_MAX: usize = 100;
pub const SLUG_MAX: usize = 64;
/// Slugs that would collide with fixed paths under `/status/` (seed 000's `/status/queue`).
const RESERVED_SLUGS: &[&str] = &["queue"];

pub const PROJECT_FIELDS: &[&str] = &["name", "slug", "public"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    pub name: String,
    pub slug: String,
    /// Whether `/status/{slug}` is served to anyone.
    pub public: bool,
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
        spec.validate()?;
        Ok(spec)
    }

    pub fn patch(&self, body: &str) -> Result<Self, FieldError> {
        let given = input::parse_object(body, PROJECT_FIELDS)?;
        let mut merged = match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        merged.extend(given);
        let spec: Self = input::typed(Value::Object(merged))?;
        spec.validate()?;
        Ok(spec)
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        check_name("name", &self.name, NAME_MAX)?;
        validate_slug(&self.slug)
    }
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
        assert_eq!(p, ProjectSpec { name: "My Shop (EU)".into(), slug: "my-shop-eu".into(), public: true });
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
