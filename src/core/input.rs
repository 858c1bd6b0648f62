//! Request bodies to typed values. Every rejection names the offending field, so the API can
//! answer a problem+json that says which one (SPEC section 7: never a 500 for bad input).
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Largest request body the API reads, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A rejected input. `field` is None when the body as a whole is wrong (not JSON, too big).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_string()), message: message.into() }
    }

    pub fn body(message: impl Into<String>) -> Self {
        Self { field: None, message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parses a body that must be one JSON object whose keys are all in `allowed`. Unknown keys are
/// rejected rather than ignored: a typo like `intervall` must not silently fall back to a default.
pub fn parse_object(body: &str, allowed: &[&str]) -> Result<Map<String, Value>, FieldError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(FieldError::body(format!(
            "request body is {} bytes (max {MAX_BODY_BYTES})",
            body.len()
        )));
    }
    let value: Value = serde_json::from_str(body)
        .map_err(|e| FieldError::body(format!("request body is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(FieldError::body("request body must be a JSON object"));
    };
    if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(FieldError::new(unknown, format!("unknown field (allowed: {})", allowed.join(", "))));
    }
    Ok(map)
}

/// Deserializes `value` into `T`; a type error names the field path it happened at.
pub fn typed<T: DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        if path.is_empty() || path == "." {
            FieldError::body(message)
        } else {
            FieldError::new(&path, message)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        count: u32,
        tags: Vec<u16>,
    }

    #[test]
    fn rejections_name_the_field() {
        let allowed = ["name", "count", "tags"];
        let cases: &[(&str, &str, Option<&str>, &str)] = &[
            ("not json", "{", None, "not valid JSON"),
            ("array body", "[1]", None, "JSON object"),
            ("string body", "\"x\"", None, "JSON object"),
            ("unknown key", r#"{"name":"a","nmae":"b"}"#, Some("nmae"), "unknown field"),
            ("wrong type", r#"{"name":"a","count":"3","tags":[]}"#, Some("count"), "invalid type"),
            ("negative", r#"{"name":"a","count":-1,"tags":[]}"#, Some("count"), "invalid value"),
            ("nested", r#"{"name":"a","count":1,"tags":[200,"x"]}"#, Some("tags[1]"), "invalid type"),
            ("null", r#"{"name":null,"count":1,"tags":[]}"#, Some("name"), "invalid type"),
        ];
        for (name, body, field, message) in cases {
            let err = parse_object(body, &allowed)
                .and_then(|map| typed::<Sample>(Value::Object(map)).map(|_| ()))
                .expect_err(name);
            assert_eq!(err.field.as_deref(), *field, "{name}");
            assert!(err.message.contains(message), "{name}: {}", err.message);
        }
    }

    #[test]
    fn oversized_body_is_refused_before_parsing() {
        let body = format!("{{\"name\":\"{}\"}}", "x".repeat(MAX_BODY_BYTES));
        let err = parse_object(&body, &["name"]).unwrap_err();
        assert_eq!(err.field, None);
        assert!(err.message.contains("max"));
    }

    #[test]
    fn good_body_parses() {
        let map = parse_object(r#"{"name":"a","count":2,"tags":[1]}"#, &["name", "count", "tags"]).unwrap();
        let s: Sample = typed(Value::Object(map)).unwrap();
        assert_eq!((s.name.as_str(), s.count, s.tags), ("a", 2, vec![1]));
    }
}
