//! Submitted forms (DESIGN.md §10): parsing, the CSRF check, and turning form text into the
//! JSON object the API's own validation takes. Field names are the API's field names, so one
//! validation (`MonitorSpec::from_map`, `ProjectSpec::create`, ...) speaks to both, and an error
//! names a field the form can show it next to.
use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

use crate::core::auth;
use crate::core::input::FieldError;

/// The name of the hidden CSRF input in every state-changing form.
pub const CSRF_FIELD: &str = "csrf";

/// A submitted form, in order. Repeated names keep every value (`events`), and a lookup takes
/// the last one (a checkbox after its hidden "false").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse_urlencoded(body: &[u8]) -> Self {
        Form(url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// True when the form carries the session's CSRF token. Compared in constant time, so the
/// answer time says nothing about how much of a guess was right.
pub fn csrf_ok(form: &Form, expected: &str) -> bool {
    !expected.is_empty() && form.get(CSRF_FIELD).is_some_and(|t| auth::secrets_equal(t.as_bytes(), expected.as_bytes()))
}

/// How one form field becomes a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text as is; empty is left out (the API's default applies).
    Text,
    /// Text; empty is `null` (clears an optional field).
    OptText,
    /// A number; empty is left out. Anything that is not a number is passed on as text, so
    /// the API's type check rejects it with its own message naming the field.
    Num,
    /// A number; empty is `null`.
    OptNum,
    /// `true`/`false` (a checkbox after its hidden "false").
    Bool,
    /// Numbers separated by commas or spaces: `200, 301`.
    Nums,
    /// Words separated by commas, spaces or lines, from one input or several (checkboxes).
    Words,
    /// `Name: value` lines -> an object.
    Headers,
    /// A `datetime-local` input (`2026-12-01T12:00`), read as UTC -> RFC 3339; empty is left out.
    UtcTime,
    /// One value per line -> a list of text (values that may hold spaces and commas).
    Lines,
    /// A JSON list typed into a textarea; empty is `[]`. Text that is not JSON is passed on as
    /// text, so the API's type check refuses it naming the field.
    JsonList,
}

pub struct FieldDef {
    pub name: &'static str,
    pub kind: Kind,
}

pub const fn def(name: &'static str, kind: Kind) -> FieldDef {
    FieldDef { name, kind }
}

fn number(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::Number(i.into());
    }
    match text.parse::<f64>().ok().and_then(Number::from_f64) {
        Some(n) => Value::Number(n),
        None => Value::String(text.to_string()),
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace()).filter(|w| !w.is_empty())
}

/// The JSON object of the API request this form stands for. Fields the form does not carry
/// are left out; fields of `defs` only (anything else, like `csrf`, is not the API's).
pub fn to_json(form: &Form, defs: &[FieldDef]) -> Map<String, Value> {
    let mut out = Map::new();
    for d in defs {
        if d.kind == Kind::Words {
            let mut list: Vec<Value> = Vec::new();
            let mut present = false;
            for v in form.all(d.name) {
                present = true;
                list.extend(words(v).map(|w| Value::String(w.to_string())));
            }
            if present {
                out.insert(d.name.into(), Value::Array(list));
            }
            continue;
        }
        let Some(raw) = form.get(d.name) else { continue };
        let text = raw.trim();
        let value = match d.kind {
            Kind::Text if raw.is_empty() => continue,
            Kind::Text => Value::String(raw.to_string()),
            Kind::OptText if raw.is_empty() => Value::Null,
            Kind::OptText => Value::String(raw.to_string()),
            Kind::Num if text.is_empty() => continue,
            Kind::Num => number(text),
            Kind::OptNum if text.is_empty() => Value::Null,
            Kind::OptNum => number(text),
            Kind::Bool => Value::Bool(text == "true" || text == "on"),
            Kind::Nums => Value::Array(words(text).map(number).collect()),
            Kind::Headers => {
                let mut map = Map::new();
                for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let (name, value) = line.split_once(':').unwrap_or((line, ""));
                    map.insert(name.trim().to_string(), Value::String(value.trim().to_string()));
                }
                Value::Object(map)
            }
            Kind::UtcTime if text.is_empty() => continue,
            Kind::UtcTime => Value::String(match text.len() {
                16 => format!("{text}:00Z"),
                19 => format!("{text}Z"),
                _ => text.to_string(),
            }),
            Kind::Lines => Value::Array(raw.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Value::String(l.to_string())).collect()),
            Kind::JsonList if text.is_empty() => Value::Array(Vec::new()),
            Kind::JsonList => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
            Kind::Words => unreachable!("handled above"),
        };
        out.insert(d.name.into(), value);
    }
    out
}

/// What a form shows: the values to put in its inputs (the stored ones, or what the user just
/// typed) and the error of the last submission.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: BTreeMap<String, String>,
    pub error: Option<FieldError>,
}

impl FormState {
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self { values: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), error: None }
    }

    /// What was submitted, to show again with the error. Multi-valued fields are joined.
    pub fn from_form(form: &Form, error: FieldError) -> Self {
        let mut values: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in &form.0 {
            if k == CSRF_FIELD {
                continue;
            }
            values.insert(k.clone(), v.clone());
        }
        Self { values, error: Some(error) }
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// The form input an error belongs to: `headers.X-A` -> `headers`, `codes[1]` -> `codes`.
    pub fn error_field<'a>(&self, fields: &[&'a str]) -> Option<&'a str> {
        let field = self.error.as_ref()?.field.as_deref()?;
        let base = field.split(['.', '[']).next().unwrap_or(field);
        fields.iter().copied().find(|f| *f == base)
    }

    /// The error message if it belongs to this input.
    pub fn error_on(&self, name: &str) -> Option<&str> {
        let e = self.error.as_ref()?;
        let field = e.field.as_deref()?;
        let base = field.split(['.', '[']).next().unwrap_or(field);
        (base == name).then_some(e.message.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_is_required_and_must_match() {
        let good = Form::parse_urlencoded(b"name=a&csrf=s3cret");
        assert!(csrf_ok(&good, "s3cret"));
        let cases: &[(&str, &[u8])] = &[
            ("missing", b"name=a"),
            ("empty", b"name=a&csrf="),
            ("wrong", b"name=a&csrf=s3creT"),
            ("prefix", b"name=a&csrf=s3cre"),
            ("longer", b"name=a&csrf=s3cret0"),
        ];
        for (what, body) in cases {
            assert!(!csrf_ok(&Form::parse_urlencoded(body), "s3cret"), "{what}");
        }
        // A session without a token (never issued) accepts nothing, not even an empty one.
        assert!(!csrf_ok(&Form::parse_urlencoded(b"csrf="), ""));
    }

    #[test]
    fn form_text_becomes_api_json() {
        let form = Form::parse_urlencoded(
            b"name=Shop&url=https%3A%2F%2Fx.example&check_interval_seconds=+60+&timeout_seconds=&body_contains=\
              &expected_response_time_ms=&backoff_factor=0.5&expected_status_codes=200%2C+301&is_active=false&is_active=true\
              &bot_counts_as_failure=false&headers=X-A%3A+1%0D%0A%0D%0AX-B%3Atwo&events=incident.opened&events=incident.resolved&retries=three&csrf=t\
              &starts_at=2026-12-01T12%3A00&ends_at=2026-12-01T13%3A00%3A30&until=",
        );
        let defs = [
            def("name", Kind::Text),
            def("url", Kind::Text),
            def("check_interval_seconds", Kind::Num),
            def("timeout_seconds", Kind::Num),
            def("body_contains", Kind::OptText),
            def("expected_response_time_ms", Kind::OptNum),
            def("backoff_factor", Kind::Num),
            def("expected_status_codes", Kind::Nums),
            def("is_active", Kind::Bool),
            def("bot_counts_as_failure", Kind::Bool),
            def("headers", Kind::Headers),
            def("events", Kind::Words),
            def("retries", Kind::Num),
            def("role", Kind::Text),
            def("starts_at", Kind::UtcTime),
            def("ends_at", Kind::UtcTime),
            def("until", Kind::UtcTime),
        ];
        let got = Value::Object(to_json(&form, &defs));
        let want = serde_json::json!({
            "name": "Shop", "url": "https://x.example", "check_interval_seconds": 60,
            "body_contains": null, "expected_response_time_ms": null, "backoff_factor": 0.5,
            "expected_status_codes": [200, 301], "is_active": true, "bot_counts_as_failure": false,
            "headers": {"X-A": "1", "X-B": "two"}, "events": ["incident.opened", "incident.resolved"],
            "retries": "three", "starts_at": "2026-12-01T12:00:00Z", "ends_at": "2026-12-01T13:00:30Z",
        });
        assert_eq!(got, want);
    }

    #[test]
    fn errors_find_their_input() {
        let mut s = FormState { error: Some(FieldError::new("headers.X-A", "bad")), ..Default::default() };
        assert_eq!(s.error_field(&["name", "headers"]), Some("headers"));
        assert_eq!(s.error_on("headers"), Some("bad"));
        assert_eq!(s.error_on("name"), None);
        s.error = Some(FieldError::new("expected_status_codes[1]", "bad"));
        assert_eq!(s.error_field(&["expected_status_codes"]), Some("expected_status_codes"));
        s.error = Some(FieldError::body("not JSON"));
        assert_eq!(s.error_field(&["name"]), None);
        s.error = Some(FieldError::new("projects[0].slug", "taken"));
        assert_eq!(s.error_field(&["file"]), None);
    }

    #[test]
    fn resubmitted_values_are_kept_without_the_token() {
        let form = Form::parse_urlencoded(b"name=%3Cx%3E&csrf=t&is_active=false&is_active=true");
        let s = FormState::from_form(&form, FieldError::new("name", "bad"));
        assert_eq!(s.value("name"), "<x>");
        assert_eq!(s.value("is_active"), "true");
        assert_eq!(s.value("csrf"), "");
    }
}
