//! Response assertions on HTTP monitors (DESIGN.md §3), after Gatus's conditions: each one reads
//! a value from the answer (a JSONPath into the body, a header, the status, the body text or the
//! latency) and compares it with `op` and `value`. A check is UP only when every assertion holds;
//! the failure names every one that did not.
//!
//! Comparing: a number `value` compares numerically with a number, or with text that reads as
//! one (headers are text: `content-length < 1000` works); a text `value` compares with the
//! actual value's text (`"5"` equals the number 5); `true`/`false`/`null` equal only themselves.
//! `<`, `<=`, `>`, `>=` need a number on both sides. `contains` is substring on text, and
//! membership on a JSON array. `exists` asks only whether the path or header is there. A JSON
//! path that selects several values compares the first.
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json_path::JsonPath;

use super::input::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A JSONPath (RFC 9535) into the body parsed as JSON: needs `path`.
    Json,
    /// A response header: needs `name` (case-insensitive).
    Header,
    /// The HTTP status code.
    Status,
    /// The body as text (its first 256 KiB, the probe's cap).
    Body,
    /// Milliseconds to the response headers.
    LatencyMs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "contains")]
    Contains,
    #[serde(rename = "exists")]
    Exists,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Contains => "contains",
            Self::Exists => "exists",
        }
    }

    fn ordering(self) -> bool {
        matches!(self, Self::Lt | Self::Le | Self::Gt | Self::Ge)
    }
}

/// One assertion, as the API speaks it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub op: Op,
    /// `None`: not given (`exists` takes none). `Some(Value::Null)`: compare with null.
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A field that is there, null included (serde's `Option` would read null as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

pub mod limits {
    pub const ASSERTIONS_MAX: usize = 20;
    pub const PATH_MAX: usize = 500;
    pub const VALUE_MAX: usize = 500;
}

impl Assertion {
    /// Checks one assertion; errors name `assertions[i].<field>`.
    pub fn validate(&self, i: usize) -> Result<(), FieldError> {
        let at = |f: &str| format!("assertions[{i}].{f}");
        let err = |f: &str, m: String| Err(FieldError::new(&at(f), m));
        match (self.source, &self.path, &self.name) {
            (Source::Json, None, _) => return err("path", "is required for a json assertion (e.g. \"$.status\")".into()),
            (Source::Json, Some(p), _) => {
                if p.len() > limits::PATH_MAX {
                    return err("path", format!("must be at most {} characters", limits::PATH_MAX));
                }
                if let Err(e) = JsonPath::parse(p) {
                    return err("path", format!("is not a JSONPath (RFC 9535): {e}"));
                }
            }
            (_, Some(_), _) => return err("path", "is only for json assertions".into()),
            _ => {}
        }
        match (self.source, &self.name) {
            (Source::Header, None) => return err("name", "is required for a header assertion (e.g. \"content-type\")".into()),
            (Source::Header, Some(n)) if !is_token(n) => return err("name", "must be a header name (1 to 64 token characters)".into()),
            (Source::Header, Some(_)) => {}
            (_, Some(_)) => return err("name", "is only for header assertions".into()),
            _ => {}
        }
        let numeric_source = matches!(self.source, Source::Status | Source::LatencyMs);
        match self.op {
            Op::Exists if !matches!(self.source, Source::Json | Source::Header) => {
                return err("op", format!("exists is only for json and header assertions, not {}", self.source_name()));
            }
            Op::Contains if numeric_source => return err("op", format!("contains does not apply to {}, a number", self.source_name())),
            _ => {}
        }
        match (&self.value, self.op) {
            (Some(_), Op::Exists) => return err("value", "is not used with exists".into()),
            (None, Op::Exists) => {}
            (None, _) => return err("value", format!("is required with {}", self.op.as_str())),
            (Some(v), op) if op.ordering() && !v.is_number() => return err("value", format!("must be a number with {}", op.as_str())),
            (Some(v), _) if numeric_source && !v.is_number() => return err("value", format!("must be a number for {}", self.source_name())),
            (Some(v), Op::Contains) if !v.is_string() && !(self.source == Source::Json) => {
                return err("value", "must be text with contains".into());
            }
            (Some(Value::Array(_) | Value::Object(_)), _) => return err("value", "must be text, a number, true, false or null".into()),
            (Some(Value::String(s)), _) if s.len() > limits::VALUE_MAX => {
                return err("value", format!("must be at most {} bytes", limits::VALUE_MAX));
            }
            _ => {}
        }
        Ok(())
    }

    fn source_name(&self) -> &'static str {
        match self.source {
            Source::Json => "json",
            Source::Header => "header",
            Source::Status => "status",
            Source::Body => "body",
            Source::LatencyMs => "latency_ms",
        }
    }

    /// How a failed assertion is named in the failure text: `$.status == "ok"`.
    pub fn describe(&self) -> String {
        let subject = match self.source {
            Source::Json => self.path.clone().unwrap_or_default(),
            Source::Header => format!("header {}", self.name.as_deref().unwrap_or_default()),
            other => Assertion { source: other, path: None, name: None, op: self.op, value: None }.source_name().to_string(),
        };
        match &self.value {
            Some(v) => format!("{subject} {} {v}", self.op.as_str()),
            None => format!("{subject} {}", self.op.as_str()),
        }
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Validates a list of assertions (at most [`limits::ASSERTIONS_MAX`]).
pub fn validate_all(list: &[Assertion]) -> Result<(), FieldError> {
    if list.len() > limits::ASSERTIONS_MAX {
        return Err(FieldError::new("assertions", format!("at most {} assertions", limits::ASSERTIONS_MAX)));
    }
    list.iter().enumerate().try_for_each(|(i, a)| a.validate(i))
}

/// Whether any assertion reads the body (so the probe must read it).
pub fn reads_body(list: &[Assertion]) -> bool {
    list.iter().any(|a| matches!(a.source, Source::Json | Source::Body))
}

/// What an assertion is evaluated against.
pub struct Subject<'a> {
    pub status: u16,
    /// Lower-cased names.
    pub headers: &'a [(String, String)],
    pub body: &'a str,
    pub latency_ms: u32,
}

/// Evaluates every assertion; returns the text of each that failed (`[1] $.status == "ok"
/// (got "down")`), in order. Empty: all hold.
pub fn failures(list: &[Assertion], subject: &Subject) -> Vec<String> {
    // The body is parsed once, and only if a json assertion asks.
    let mut parsed: Option<Result<Value, String>> = None;
    let mut out = Vec::new();
    for (i, a) in list.iter().enumerate() {
        let actual: Result<Option<Value>, String> = match a.source {
            Source::Status => Ok(Some(Value::from(subject.status))),
            Source::LatencyMs => Ok(Some(Value::from(subject.latency_ms))),
            Source::Body => Ok(Some(Value::String(subject.body.to_string()))),
            Source::Header => {
                let name = a.name.as_deref().unwrap_or_default().to_ascii_lowercase();
                Ok(subject.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| Value::String(v.clone())))
            }
            Source::Json => {
                let doc = parsed.get_or_insert_with(|| serde_json::from_str::<Value>(subject.body).map_err(|_| "the body is not JSON".to_string()));
                match (doc, a.path.as_deref().map(JsonPath::parse)) {
                    (Err(e), _) => Err(e.clone()),
                    (Ok(doc), Some(Ok(path))) => Ok(path.query(doc).first().cloned()),
                    (Ok(_), _) => Err("the path is not a JSONPath".to_string()),
                }
            }
        };
        let verdict = actual.and_then(|v| holds(a.op, v.as_ref(), a.value.as_ref()));
        match verdict {
            Ok(()) => {}
            Err(why) => out.push(format!("[{i}] {} ({why})", a.describe())),
        }
    }
    out
}

/// `Ok(())` when `actual op expected` holds, else what was seen.
fn holds(op: Op, actual: Option<&Value>, expected: Option<&Value>) -> Result<(), String> {
    let Some(actual) = actual else {
        return Err("absent".into());
    };
    let got = || format!("got {}", shown(actual));
    let expected = match (op, expected) {
        (Op::Exists, _) => return Ok(()),
        (_, Some(e)) => e,
        (_, None) => return Err("no value to compare".into()),
    };
    let pass = match op {
        Op::Eq => equal(actual, expected),
        Op::Ne => !equal(actual, expected),
        Op::Contains => match (actual, expected) {
            (Value::Array(items), e) => items.iter().any(|item| equal(item, e)),
            (a, Value::String(needle)) => text(a).contains(needle.as_str()),
            _ => false,
        },
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let (Some(a), Some(e)) = (number(actual), expected.as_f64()) else {
                return Err(format!("{}, not a number", got()));
            };
            match op {
                Op::Lt => a < e,
                Op::Le => a <= e,
                Op::Gt => a > e,
                _ => a >= e,
            }
        }
        Op::Exists => true,
    };
    if pass {
        Ok(())
    } else {
        Err(got())
    }
}

/// Equality under the module's rules (see the module docs).
fn equal(actual: &Value, expected: &Value) -> bool {
    match expected {
        Value::Number(e) => number(actual).zip(e.as_f64()).is_some_and(|(a, e)| a == e),
        Value::String(e) => !matches!(actual, Value::Array(_) | Value::Object(_) | Value::Null) && text(actual) == *e,
        other => actual == other,
    }
}

/// A number, or text that reads as one.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A scalar's text: strings as they are, anything else as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A seen value for the failure text, cut short (a whole body would drown the reason).
fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(80).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Assertion {
        serde_json::from_value(v).unwrap()
    }

    fn subject<'a>(headers: &'a [(String, String)], body: &'a str) -> Subject<'a> {
        Subject { status: 200, headers, body, latency_ms: 120 }
    }

    #[test]
    fn the_issue_examples_parse_and_round_trip() {
        for v in [
            json!({"source":"json","path":"$.status","op":"==","value":"ok"}),
            json!({"source":"header","name":"content-type","op":"contains","value":"json"}),
            json!({"source":"latency_ms","op":"<","value":500}),
            json!({"source":"json","path":"$.db","op":"exists"}),
        ] {
            let a = parse(v.clone());
            a.validate(0).unwrap();
            assert_eq!(serde_json::to_value(&a).unwrap(), v);
        }
    }

    /// Every operator against numbers, numeric text, text, booleans, null, arrays and missing
    /// paths: (assertion, holds?).
    #[test]
    fn every_operator_table() {
        let body = r#"{"status":"ok","count":5,"ratio":0.5,"version":"10","up":true,"gone":null,
            "tags":["a","b"],"nested":{"n":[1,2,3]},"empty":""}"#;
        let headers = vec![("content-type".to_string(), "application/json; charset=utf-8".to_string()), ("content-length".to_string(), "812".to_string())];
        let s = subject(&headers, body);
        let j = |path: &str, op: &str, value: Option<Value>| {
            let mut v = json!({"source":"json","path":path,"op":op});
            if let Some(x) = value {
                v["value"] = x;
            }
            parse(v)
        };
        #[rustfmt::skip]
        let cases: Vec<(&str, Assertion, bool)> = vec![
            ("text ==", j("$.status", "==", Some(json!("ok"))), true),
            ("text == other", j("$.status", "==", Some(json!("down"))), false),
            ("text !=", j("$.status", "!=", Some(json!("down"))), true),
            ("text != same", j("$.status", "!=", Some(json!("ok"))), false),
            ("number ==", j("$.count", "==", Some(json!(5))), true),
            ("number == float", j("$.count", "==", Some(json!(5.0))), true),
            ("number == text of it", j("$.count", "==", Some(json!("5"))), true),
            ("numeric text == number", j("$.version", "==", Some(json!(10))), true),
            ("text is not a number", j("$.status", "==", Some(json!(0))), false),
            ("number <", j("$.count", "<", Some(json!(6))), true),
            ("number < equal", j("$.count", "<", Some(json!(5))), false),
            ("number <=", j("$.count", "<=", Some(json!(5))), true),
            ("number >", j("$.ratio", ">", Some(json!(0.25))), true),
            ("number > bigger", j("$.ratio", ">", Some(json!(1))), false),
            ("number >=", j("$.count", ">=", Some(json!(5))), true),
            ("numeric text compares as a number", j("$.version", ">", Some(json!(9))), true),
            ("text < fails", j("$.status", "<", Some(json!(1))), false),
            ("bool == bool", j("$.up", "==", Some(json!(true))), true),
            ("bool == text", j("$.up", "==", Some(json!("true"))), true),
            ("bool == other bool", j("$.up", "==", Some(json!(false))), false),
            ("null == null", j("$.gone", "==", Some(json!(null))), true),
            ("null == text", j("$.gone", "==", Some(json!("null"))), false),
            ("text contains", j("$.status", "contains", Some(json!("k"))), true),
            ("text contains not", j("$.status", "contains", Some(json!("x"))), false),
            ("array contains", j("$.tags", "contains", Some(json!("b"))), true),
            ("array contains not", j("$.tags", "contains", Some(json!("c"))), false),
            ("array contains number", j("$.nested.n", "contains", Some(json!(2))), true),
            ("exists", j("$.status", "exists", None), true),
            ("exists null", j("$.gone", "exists", None), true),
            ("exists empty text", j("$.empty", "exists", None), true),
            ("missing path exists", j("$.nope", "exists", None), false),
            ("missing path ==", j("$.nope", "==", Some(json!("ok"))), false),
            ("missing path !=", j("$.nope", "!=", Some(json!("ok"))), false),
            ("first of several", j("$.nested.n[*]", "==", Some(json!(1))), true),
            ("index", j("$.nested.n[2]", ">=", Some(json!(3))), true),
            ("filter", j("$.nested.n[?@ > 2]", "==", Some(json!(3))), true),
            ("header contains", parse(json!({"source":"header","name":"Content-Type","op":"contains","value":"json"})), true),
            ("header ==", parse(json!({"source":"header","name":"content-type","op":"==","value":"text/html"})), false),
            ("header number <", parse(json!({"source":"header","name":"content-length","op":"<","value":1000})), true),
            ("header exists", parse(json!({"source":"header","name":"content-length","op":"exists"})), true),
            ("missing header exists", parse(json!({"source":"header","name":"etag","op":"exists"})), false),
            ("missing header !=", parse(json!({"source":"header","name":"etag","op":"!=","value":"x"})), false),
            ("status ==", parse(json!({"source":"status","op":"==","value":200})), true),
            ("status >=", parse(json!({"source":"status","op":">=","value":300})), false),
            ("latency <", parse(json!({"source":"latency_ms","op":"<","value":500})), true),
            ("latency < tight", parse(json!({"source":"latency_ms","op":"<","value":100})), false),
            ("latency !=", parse(json!({"source":"latency_ms","op":"!=","value":120})), false),
            ("body contains", parse(json!({"source":"body","op":"contains","value":"\"count\":5"})), true),
            ("body contains not", parse(json!({"source":"body","op":"contains","value":"error"})), false),
        ];
        for (name, a, want) in &cases {
            a.validate(0).unwrap_or_else(|e| panic!("{name}: {e}"));
            let failed = failures(std::slice::from_ref(a), &s);
            assert_eq!(failed.is_empty(), *want, "{name}: {failed:?}");
        }
        // Every operator has a case, and every source.
        for op in ["==", "!=", "<", "<=", ">", ">=", "contains", "exists"] {
            assert!(cases.iter().any(|(_, a, _)| a.op.as_str() == op), "no case for {op}");
        }
    }

    #[test]
    fn failures_name_every_failed_assertion() {
        let list: Vec<Assertion> = serde_json::from_value(json!([
            {"source":"json","path":"$.status","op":"==","value":"ok"},
            {"source":"json","path":"$.count","op":">","value":1},
            {"source":"latency_ms","op":"<","value":100},
            {"source":"header","name":"x-missing","op":"exists"},
        ]))
        .unwrap();
        let headers = vec![];
        let got = failures(&list, &subject(&headers, r#"{"status":"degraded","count":3}"#));
        assert_eq!(
            got,
            vec![
                r#"[0] $.status == "ok" (got "degraded")"#.to_string(),
                "[2] latency_ms < 100 (got 120)".to_string(),
                "[3] header x-missing exists (absent)".to_string(),
            ]
        );
        // A body that is not JSON fails each json assertion, and says why.
        let got = failures(&list[..2], &subject(&headers, "<html>"));
        assert_eq!(got, vec![r#"[0] $.status == "ok" (the body is not JSON)"#.to_string(), "[1] $.count > 1 (the body is not JSON)".to_string()]);
        // A long value seen is cut short.
        let long = format!(r#"{{"status":"{}"}}"#, "x".repeat(200));
        assert!(failures(&list[..1], &subject(&headers, &long))[0].ends_with("...)"));
    }

    #[test]
    fn validation_names_the_field() {
        #[rustfmt::skip]
        let cases: &[(Value, &str)] = &[
            (json!({"source":"json","op":"==","value":"ok"}), "assertions[0].path"),
            (json!({"source":"json","path":"status","op":"==","value":"ok"}), "assertions[0].path"),
            (json!({"source":"json","path":"$[","op":"==","value":"ok"}), "assertions[0].path"),
            (json!({"source":"header","op":"==","value":"x"}), "assertions[0].name"),
            (json!({"source":"header","name":"bad name","op":"==","value":"x"}), "assertions[0].name"),
            (json!({"source":"status","path":"$.x","op":"==","value":200}), "assertions[0].path"),
            (json!({"source":"json","path":"$.x","name":"x","op":"==","value":1}), "assertions[0].name"),
            (json!({"source":"latency_ms","op":"exists"}), "assertions[0].op"),
            (json!({"source":"body","op":"exists"}), "assertions[0].op"),
            (json!({"source":"latency_ms","op":"contains","value":5}), "assertions[0].op"),
            (json!({"source":"json","path":"$.x","op":"exists","value":true}), "assertions[0].value"),
            (json!({"source":"json","path":"$.x","op":"=="}), "assertions[0].value"),
            (json!({"source":"json","path":"$.x","op":"<","value":"5"}), "assertions[0].value"),
            (json!({"source":"latency_ms","op":"==","value":"fast"}), "assertions[0].value"),
            (json!({"source":"header","name":"a","op":"contains","value":5}), "assertions[0].value"),
            (json!({"source":"json","path":"$.x","op":"==","value":[1]}), "assertions[0].value"),
            (json!({"source":"json","path":"$.x","op":"==","value":"x".repeat(501)}), "assertions[0].value"),
        ];
        for (v, field) in cases {
            let a: Assertion = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(a.validate(0).unwrap_err().field.as_deref(), Some(*field), "{v}");
        }
        let many = vec![parse(json!({"source":"status","op":"==","value":200})); 21];
        assert_eq!(validate_all(&many).unwrap_err().field.as_deref(), Some("assertions"));
        assert!(reads_body(&[parse(json!({"source":"json","path":"$.a","op":"exists"}))]));
        assert!(!reads_body(&[parse(json!({"source":"latency_ms","op":"<","value":5}))]));
    }
}
