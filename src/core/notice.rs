//! What operators say (DESIGN.md §9): updates posted to a detected incident or to a notice (an
//! announcement not tied to one), validated from request bodies.
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::{self, FieldError};

/// An update's status, as Statuspage and Better Stack name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpdateStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl UpdateStatus {
    pub const ALL: [UpdateStatus; 4] = [Self::Investigating, Self::Identified, Self::Monitoring, Self::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Investigating => "investigating",
            Self::Identified => "identified",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The word on the page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Investigating => "Investigating",
            Self::Identified => "Identified",
            Self::Monitoring => "Monitoring",
            Self::Resolved => "Resolved",
        }
    }
}

pub const UPDATE_FIELDS: &[&str] = &["status", "message"];
pub const NOTICE_FIELDS: &[&str] = &["title", "status", "message"];
/// Characters in a message: a few paragraphs, not a post-mortem.
pub const MESSAGE_MAX: usize = 5000;
pub const TITLE_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSpec {
    pub status: UpdateStatus,
    pub message: String,
}

fn status_of(v: Option<&Value>) -> Result<Option<UpdateStatus>, FieldError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) => UpdateStatus::parse(s)
            .map(Some)
            .ok_or_else(|| FieldError::new("status", "must be one of investigating, identified, monitoring, resolved")),
        Some(_) => Err(FieldError::new("status", "must be one of investigating, identified, monitoring, resolved")),
    }
}

fn text_of(field: &str, v: Option<&Value>, max: usize, lines: bool) -> Result<Option<String>, FieldError> {
    let Some(v) = v else { return Ok(None) };
    let Some(s) = v.as_str() else { return Err(FieldError::new(field, "must be a string")) };
    let s = s.trim();
    if s.is_empty() || s.chars().count() > max {
        return Err(FieldError::new(field, format!("must be 1 to {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && !(lines && matches!(c, '\n' | '\r' | '\t'))) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(Some(s.to_string()))
}

impl UpdateSpec {
    /// `{status, message}`, both required.
    pub fn create(body: &str) -> Result<Self, FieldError> {
        let map = input::parse_object(body, UPDATE_FIELDS)?;
        let status = status_of(map.get("status"))?.ok_or_else(|| FieldError::new("status", "is required"))?;
        let message = text_of("message", map.get("message"), MESSAGE_MAX, true)?.ok_or_else(|| FieldError::new("message", "is required"))?;
        Ok(Self { status, message })
    }

    /// Either or both of `{status, message}`.
    pub fn patch(&self, body: &str) -> Result<Self, FieldError> {
        let map = input::parse_object(body, UPDATE_FIELDS)?;
        Ok(Self {
            status: status_of(map.get("status"))?.unwrap_or(self.status),
            message: text_of("message", map.get("message"), MESSAGE_MAX, true)?.unwrap_or_else(|| self.message.clone()),
        })
    }
}

/// A new notice: its title and its first update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSpec {
    pub title: String,
    pub first: UpdateSpec,
}

impl NoticeSpec {
    pub fn create(body: &str) -> Result<Self, FieldError> {
        let map = input::parse_object(body, NOTICE_FIELDS)?;
        let title = text_of("title", map.get("title"), TITLE_MAX, false)?.ok_or_else(|| FieldError::new("title", "is required"))?;
        let status = status_of(map.get("status"))?.ok_or_else(|| FieldError::new("status", "is required"))?;
        let message = text_of("message", map.get("message"), MESSAGE_MAX, true)?.ok_or_else(|| FieldError::new("message", "is required"))?;
        Ok(Self { title, first: UpdateSpec { status, message } })
    }

    /// A notice's own edit: its `title` only (its updates are edited one by one).
    pub fn patch_title(body: &str) -> Result<String, FieldError> {
        let map = input::parse_object(body, &["title"])?;
        text_of("title", map.get("title"), TITLE_MAX, false)?.ok_or_else(|| FieldError::new("title", "is required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_validate_and_name_the_field() {
        let u = UpdateSpec::create(r#"{"status":"identified","message":"  A bad deploy.\nRolling back.  "}"#).unwrap();
        assert_eq!(u, UpdateSpec { status: UpdateStatus::Identified, message: "A bad deploy.\nRolling back.".into() });
        let long = format!(r#"{{"status":"resolved","message":"{}"}}"#, "x".repeat(MESSAGE_MAX + 1));
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"message":"x"}"#, Some("status")),
            (r#"{"status":"fixed","message":"x"}"#, Some("status")),
            (r#"{"status":"Resolved","message":"x"}"#, Some("status")),
            (r#"{"status":1,"message":"x"}"#, Some("status")),
            (r#"{"status":"resolved"}"#, Some("message")),
            (r#"{"status":"resolved","message":"   "}"#, Some("message")),
            (r#"{"status":"resolved","message":5}"#, Some("message")),
            (r#"{"status":"resolved","message":"a\u0000b"}"#, Some("message")),
            (&long, Some("message")),
            (r#"{"status":"resolved","message":"x","at":"now"}"#, Some("at")),
            ("[]", None),
        ];
        for (body, field) in cases {
            assert_eq!(UpdateSpec::create(body).unwrap_err().field.as_deref(), *field, "{body}");
        }
        let patched = u.patch(r#"{"status":"monitoring"}"#).unwrap();
        assert_eq!((patched.status, patched.message.as_str()), (UpdateStatus::Monitoring, "A bad deploy.\nRolling back."));
        assert_eq!(u.patch(r#"{"message":""}"#).unwrap_err().field.as_deref(), Some("message"));
        assert_eq!(u.patch("{}").unwrap(), u);
    }

    #[test]
    fn notices_need_a_title_and_a_first_update() {
        let n = NoticeSpec::create(r#"{"title":"Payment provider outage","status":"investigating","message":"Card payments fail."}"#).unwrap();
        assert_eq!((n.title.as_str(), n.first.status), ("Payment provider outage", UpdateStatus::Investigating));
        for (body, field) in [
            (r#"{"status":"investigating","message":"x"}"#, "title"),
            (r#"{"title":"a\nb","status":"investigating","message":"x"}"#, "title"),
            (r#"{"title":"t","message":"x"}"#, "status"),
            (r#"{"title":"t","status":"investigating"}"#, "message"),
        ] {
            assert_eq!(NoticeSpec::create(body).unwrap_err().field.as_deref(), Some(field), "{body}");
        }
        assert_eq!(NoticeSpec::patch_title(r#"{"title":"New"}"#).unwrap(), "New");
        assert_eq!(NoticeSpec::patch_title(r#"{"status":"resolved"}"#).unwrap_err().field.as_deref(), Some("status"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in UpdateStatus::ALL {
            assert_eq!(UpdateStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), Value::String(s.as_str().into()));
        }
    }
}
