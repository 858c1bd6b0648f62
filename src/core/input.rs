//! Request bodies to typed values. Every rejection names the offending field, so the API can
//! answer a problem+json that says which one (DESIGN.md §7: never a 500 for bad input).
//!
//! The bytes of a body are judged here too, before any parsing: its media type
//! ([`body_type`]) and its encoding ([`utf8_body`]). Both are strict on purpose: a body that is
//! not what it claims is refused, never repaired (no U+FFFD substitution, no prefix matching of
//! the content type), so what is stored is exactly what the client sent (DESIGN.md §11).
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

    /// The same error about another field (a path prefixed, an alias), the message replaced.
    pub fn at(self, field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_string()), message: message.into() }
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

/// The body formats the API reads. A route says which it takes; the `Content-Type` picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyType {
    Json,
    /// `application/x-www-form-urlencoded`: login only (seed 003's framework posts forms).
    Form,
    /// Seed 002's sites file: `application/yaml` (RFC 9512), or an older name clients send.
    Yaml,
}

impl BodyType {
    /// The media type's essence (`type/subtype`), lower case.
    pub fn essence(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Form => "application/x-www-form-urlencoded",
            Self::Yaml => "application/yaml",
        }
    }

    /// Whether a parsed essence names this format: its own, or (YAML only) the names in use
    /// before RFC 9512 registered `application/yaml`.
    fn named_by(self, essence: &str) -> bool {
        essence == self.essence() || (self == Self::Yaml && ["application/x-yaml", "text/yaml", "text/x-yaml"].contains(&essence))
    }
}

/// Which of `accepted` a `Content-Type` header value names, if any.
///
/// RFC 9110 §8.3.1: `type "/" subtype *( OWS ";" OWS parameter )`, where type, subtype and
/// parameter names are case-insensitive tokens and a value is a token or a quoted string. So
/// `application/json`, `Application/JSON` and `application/json; charset=utf-8` match, while
/// `application/jsonfoo`, `application/json/x` or a malformed parameter list do not. A
/// `charset` other than UTF-8 is refused too: the body is decoded as UTF-8 only.
pub fn body_type(content_type: &str, accepted: &[BodyType]) -> Option<BodyType> {
    let (essence, params) = parse_media_type(content_type)?;
    if params.iter().any(|(name, value)| name == "charset" && !value.eq_ignore_ascii_case("utf-8")) {
        return None;
    }
    accepted.iter().copied().find(|t| t.named_by(&essence))
}

/// `type/subtype` (lower-cased) and the parameters (names lower-cased, values unquoted).
fn parse_media_type(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let (essence, mut rest) = match text.find(';') {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let (kind, subtype) = essence.trim_matches(OWS).split_once('/')?;
    if !is_token(kind) || !is_token(subtype) {
        return None;
    }
    let mut params = Vec::new();
    while let Some(after) = rest.strip_prefix(';') {
        let after = after.trim_start_matches(OWS);
        if after.is_empty() {
            break; // a trailing `;` is tolerated, as browsers do
        }
        let (name, tail) = after.split_once('=')?;
        if !is_token(name) {
            return None;
        }
        let (value, tail) = match tail.strip_prefix('"') {
            Some(quoted) => unquote(quoted)?,
            None => {
                let end = tail.find(';').unwrap_or(tail.len());
                let value = tail[..end].trim_end_matches(OWS);
                if !is_token(value) {
                    return None;
                }
                (value.to_string(), &tail[end..])
            }
        };
        params.push((name.to_ascii_lowercase(), value));
        rest = tail.trim_start_matches(OWS);
        if !rest.is_empty() && !rest.starts_with(';') {
            return None;
        }
    }
    Some((format!("{}/{}", kind.to_ascii_lowercase(), subtype.to_ascii_lowercase()), params))
}

const OWS: &[char] = &[' ', '\t'];

/// RFC 9110 §5.6.2 token: visible ASCII except separators.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The rest of a quoted string after its opening quote: (value, text after the closing quote).
fn unquote(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &s[i + 1..])),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

/// A body's bytes as text, refusing anything that is not UTF-8 (JSON is UTF-8, RFC 8259 §8.1).
/// The runtime's `text()` would replace bad bytes with U+FFFD and store a string the client
/// never sent.
pub fn utf8_body(bytes: Vec<u8>) -> Result<String, FieldError> {
    String::from_utf8(bytes).map_err(|e| {
        FieldError::body(format!("request body is not valid UTF-8 (bad byte at offset {})", e.utf8_error().valid_up_to()))
    })
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

/// An `application/x-www-form-urlencoded` body as the object the same request in JSON would
/// be, so one validation serves both (seed 003's framework logs in with a form; DESIGN.md §8).
/// Values are text, except: a `numbers` field holding a whole number becomes a number, and a
/// `lists` field becomes an array (of its repeated keys, or of one value split on spaces and
/// commas, as OAuth writes `scope`). Unknown keys are refused, and so is a repeated key that
/// is not a list.
pub fn parse_form(body: &str, allowed: &[&str], numbers: &[&str], lists: &[&str]) -> Result<Map<String, Value>, FieldError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(FieldError::body(format!("request body is {} bytes (max {MAX_BODY_BYTES})", body.len())));
    }
    let mut map = Map::new();
    for (key, value) in url::form_urlencoded::parse(body.trim().as_bytes()) {
        let (key, value) = (key.into_owned(), value.into_owned());
        if !allowed.contains(&key.as_str()) {
            return Err(FieldError::new(&key, format!("unknown field (allowed: {})", allowed.join(", "))));
        }
        if lists.contains(&key.as_str()) {
            let items = value.split([' ', ',']).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_string()));
            match map.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(list) => list.extend(items),
                _ => unreachable!("list fields only hold arrays"),
            }
            continue;
        }
        if map.contains_key(&key) {
            return Err(FieldError::new(&key, "is given twice"));
        }
        let value = match value.parse::<u64>() {
            Ok(n) if numbers.contains(&key.as_str()) => Value::from(n),
            _ => Value::String(value),
        };
        map.insert(key, value);
    }
    Ok(map)
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
    fn media_types_are_parsed_not_prefix_matched() {
        let json = Some(BodyType::Json);
        let cases: &[(&str, Option<BodyType>)] = &[
            ("application/json", json),
            ("Application/JSON", json),
            ("application/json; charset=utf-8", json),
            ("application/json;charset=UTF-8", json),
            ("application/json ; charset=\"utf-8\"", json),
            ("application/json; charset=utf-8;", json),
            ("\tapplication/json\t", json),
            ("application/json; foo=bar; charset=utf-8", json),
            ("application/json; q=\"a;b\"", json),
            ("application/jsonfoo", None),
            ("application/json-seq", None),
            ("application/json/x", None),
            ("application/json,text/plain", None),
            ("application/json; charset=iso-8859-1", None),
            ("application/json; charset", None),
            ("application/json; =x", None),
            ("application/json; a=b c", None),
            ("application/json; a=\"unterminated", None),
            ("application / json", None),
            ("application/", None),
            ("/json", None),
            ("text/json", None),
            ("application/x-www-form-urlencoded", None),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(body_type(header, &[BodyType::Json]), *want, "{header:?}");
        }
        assert_eq!(body_type("application/json", &[]), None, "a route that takes no body type");
        let import = [BodyType::Json, BodyType::Yaml];
        for yaml in ["application/yaml", "Application/YAML; charset=utf-8", "application/x-yaml", "text/yaml", "text/x-yaml"] {
            assert_eq!(body_type(yaml, &import), Some(BodyType::Yaml), "{yaml}");
        }
        assert_eq!(body_type("application/yamlx", &import), None);
        assert_eq!(body_type("text/x-yaml", &[BodyType::Json]), None, "only where a route takes YAML");
        assert_eq!(body_type("application/x-www-form-urlencoded", &[BodyType::Json, BodyType::Form]), Some(BodyType::Form));
    }

    #[test]
    fn bodies_must_be_utf8() {
        assert_eq!(utf8_body(b"{\"a\":\"\xc3\xa9\"}".to_vec()).unwrap(), "{\"a\":\"\u{e9}\"}");
        let cases: &[(&[u8], usize)] = &[
            (b"{\"name\":\"\xff\"}", 9),
            (b"\xc3", 0),                 // truncated sequence
            (b"{\"a\":\"\xed\xa0\x80\"}", 6), // UTF-16 surrogate, encoded
            (b"{\"a\":\"\xc0\xaf\"}", 6),     // overlong '/'
        ];
        for (bytes, offset) in cases {
            let err = utf8_body(bytes.to_vec()).expect_err("not UTF-8");
            assert_eq!(err.field, None);
            assert!(err.message.contains(&format!("offset {offset}")), "{bytes:?}: {}", err.message);
        }
    }

    #[test]
    fn good_body_parses() {
        let map = parse_object(r#"{"name":"a","count":2,"tags":[1]}"#, &["name", "count", "tags"]).unwrap();
        let s: Sample = typed(Value::Object(map)).unwrap();
        assert_eq!((s.name.as_str(), s.count, s.tags), ("a", 2, vec![1]));
    }

    #[test]
    fn form_bodies_read_like_json_ones() {
        let allowed = ["username", "password", "scopes", "expires_in_days"];
        let form = |body: &str| parse_form(body, &allowed, &["expires_in_days"], &["scopes"]);
        let m = form("username=alice&password=p%40ss+word%26%3D").unwrap();
        assert_eq!(Value::Object(m), serde_json::json!({"username": "alice", "password": "p@ss word&="}));
        let m = form("username=a&password=b&scopes=read+write&expires_in_days=30").unwrap();
        assert_eq!((m["scopes"].clone(), m["expires_in_days"].clone()), (serde_json::json!(["read", "write"]), serde_json::json!(30)));
        assert_eq!(form("scopes=read&scopes=write").unwrap()["scopes"], serde_json::json!(["read", "write"]));
        assert_eq!(form("scopes=read,write").unwrap()["scopes"], serde_json::json!(["read", "write"]));
        // Text that is not a whole number stays text, so typing names the field.
        assert_eq!(form("expires_in_days=soon").unwrap()["expires_in_days"], serde_json::json!("soon"));
        assert_eq!(form("username=42").unwrap()["username"], serde_json::json!("42"), "only `numbers` fields become numbers");
        assert_eq!(form("").unwrap().len(), 0);
        let cases: &[(&str, &str)] = &[("usrname=a", "usrname"), ("username=a&username=b", "username"), ("=x", "")];
        for (body, field) in cases {
            assert_eq!(form(body).unwrap_err().field.as_deref(), Some(*field), "{body}");
        }
    }
}
