//! Seed 002's sites file (YAML) as vigil's import document (DESIGN.md §8):
//!
//! ```yaml
//! sites:
//!   - id: shop                      # -> a project, slug `shop` (name: `name`, else the id)
//!     domains:
//!       - id: www                   # -> a monitor named `www` in it
//!         role: core                # core | supplementary
//!         url: https://shop.example.com/
//!         interval_seconds: 300     # -> check_interval_seconds
//!         expect:
//!           http_status: 200        # -> expected_status_codes: [200] (a list works too)
//!           body_contains: Welcome
//!           bot_protection_string: Cloudflare
//! ```
//!
//! The converted document goes through the JSON import's own validation and single D1 batch,
//! so both imports accept and refuse the same things. Every error names the YAML path and line
//! (`sites[0].domains[1].interval_seconds`, "line 12: ..."): [`Converted::locate`] maps the
//! document paths the validation names back to where they came from.
//!
//! YAML 1.2 core schema for plain scalars; anchors are allowed but aliases (`*name`) are not
//! (a 64 KiB body must not expand into millions of nodes), nor more than one document.
use std::borrow::Cow;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use serde_json::{Map, Number, Value};

use super::input::FieldError;

const MAX_DEPTH: usize = 16;
const SITE_FIELDS: &[&str] = &["id", "name", "public", "domains"];
const DOMAIN_FIELDS: &[&str] = &["id", "role", "url", "interval_seconds", "expect"];
const EXPECT_FIELDS: &[&str] = &["http_status", "body_contains", "bot_protection_string"];

/// A YAML node with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq)]
struct Node {
    value: Yaml,
    line: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// The import document and, for each path in it, the YAML path and line it came from.
#[derive(Debug)]
pub struct Converted {
    pub doc: Map<String, Value>,
    origins: Vec<(String, String, usize)>,
}

impl Converted {
    /// An error about a document path, re-worded for the YAML: the path of the YAML node it
    /// came from (the longest document path that is a prefix of the field) and its line.
    pub fn locate(&self, e: FieldError) -> FieldError {
        let Some(field) = e.field.as_deref() else { return e };
        let origin = self
            .origins
            .iter()
            .filter(|(doc, _, _)| field == doc || (field.starts_with(doc.as_str()) && field[doc.len()..].starts_with(['.', '['])))
            .max_by_key(|(doc, _, _)| doc.len());
        match origin {
            Some((_, yaml, line)) => {
                let message = format!("line {line}: {}", e.message);
                e.at(yaml, message)
            }
            None => e,
        }
    }

    fn note(&mut self, doc: String, yaml: String, line: usize) {
        self.origins.push((doc, yaml, line));
    }
}

fn at(path: &str, line: usize, message: impl std::fmt::Display) -> FieldError {
    FieldError::new(path, format!("line {line}: {message}"))
}

/// Parses the YAML and converts it. Errors name the YAML path (or the whole body, for syntax
/// errors) and the line.
pub fn convert(text: &str) -> Result<Converted, FieldError> {
    let root = load(text)?;
    let mut out = Converted { doc: Map::new(), origins: Vec::new() };
    let top = mapping(&root, "", &["sites"])?;
    let Some(sites) = top.iter().find(|(k, _)| k == "sites").map(|(_, n)| n) else {
        return Err(at("sites", root.line, "is required: a list of sites, each {id, domains}"));
    };
    let Yaml::Seq(list) = &sites.value else { return Err(at("sites", sites.line, "must be a list of sites")) };
    out.note("projects".into(), "sites".into(), sites.line);
    let mut projects = Vec::new();
    for (i, site) in list.iter().enumerate() {
        let (doc_at, yaml_at) = (format!("projects[{i}]"), format!("sites[{i}]"));
        out.note(doc_at.clone(), yaml_at.clone(), site.line);
        let fields = mapping(site, &yaml_at, SITE_FIELDS)?;
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, n)| n);
        let id = field("id").ok_or_else(|| at(&format!("{yaml_at}.id"), site.line, "is required (it becomes the project's slug)"))?;
        let slug = id_text(id, &format!("{yaml_at}.id"))?;
        let mut project = Map::new();
        out.note(format!("{doc_at}.slug"), format!("{yaml_at}.id"), id.line);
        project.insert("slug".into(), Value::String(slug.clone()));
        match field("name") {
            Some(name) => {
                out.note(format!("{doc_at}.name"), format!("{yaml_at}.name"), name.line);
                project.insert("name".into(), json_of(name));
            }
            None => {
                out.note(format!("{doc_at}.name"), format!("{yaml_at}.id"), id.line);
                project.insert("name".into(), Value::String(slug));
            }
        }
        // Seed 002 published every site on its static dashboard: public unless `public: false`.
        let public = field("public").map_or(Value::Bool(true), json_of);
        if let Some(p) = field("public") {
            out.note(format!("{doc_at}.public"), format!("{yaml_at}.public"), p.line);
        }
        project.insert("public".into(), public);
        let mut monitors = Vec::new();
        if let Some(domains) = field("domains") {
            out.note(format!("{doc_at}.monitors"), format!("{yaml_at}.domains"), domains.line);
            let list = match &domains.value {
                Yaml::Seq(list) => list.as_slice(),
                Yaml::Null => &[],
                _ => return Err(at(&format!("{yaml_at}.domains"), domains.line, "must be a list of domains")),
            };
            for (k, domain) in list.iter().enumerate() {
                monitors.push(Value::Object(convert_domain(&mut out, domain, &format!("{doc_at}.monitors[{k}]"), &format!("{yaml_at}.domains[{k}]"))?));
            }
        }
        project.insert("monitors".into(), Value::Array(monitors));
        projects.push(Value::Object(project));
    }
    out.doc.insert("projects".into(), Value::Array(projects));
    Ok(out)
}

fn convert_domain(out: &mut Converted, domain: &Node, doc_at: &str, yaml_at: &str) -> Result<Map<String, Value>, FieldError> {
    out.note(doc_at.to_string(), yaml_at.to_string(), domain.line);
    let fields = mapping(domain, yaml_at, DOMAIN_FIELDS)?;
    let mut monitor = Map::new();
    let mut put = |out: &mut Converted, doc: &str, yaml: &str, node: &Node, value: Value| {
        out.note(format!("{doc_at}.{doc}"), format!("{yaml_at}.{yaml}"), node.line);
        monitor.insert(doc.to_string(), value);
    };
    if !fields.iter().any(|(k, _)| k == "id") {
        return Err(at(&format!("{yaml_at}.id"), domain.line, "is required (it becomes the monitor's name)"));
    }
    for (key, node) in fields {
        match key.as_str() {
            "id" => {
                let name = id_text(node, &format!("{yaml_at}.id"))?;
                put(out, "name", "id", node, Value::String(name));
            }
            "role" => put(out, "role", "role", node, json_of(node)),
            "url" => put(out, "url", "url", node, json_of(node)),
            "interval_seconds" => put(out, "check_interval_seconds", "interval_seconds", node, json_of(node)),
            "expect" => {
                let yaml_expect = format!("{yaml_at}.expect");
                if node.value == Yaml::Null {
                    continue;
                }
                for (key, value) in mapping(node, &yaml_expect, EXPECT_FIELDS)? {
                    let yaml = format!("expect.{key}");
                    match key.as_str() {
                        // One expected status (seed 002) or a list of them (vigil).
                        "http_status" => {
                            let codes = match json_of(value) {
                                Value::Array(a) => Value::Array(a),
                                Value::Null => Value::Null,
                                one => Value::Array(vec![one]),
                            };
                            put(out, "expected_status_codes", &yaml, value, codes)
                        }
                        "body_contains" => put(out, "body_contains", &yaml, value, json_of(value)),
                        _ => put(out, "bot_protection_string", &yaml, value, json_of(value)),
                    }
                }
            }
            _ => unreachable!("mapping() allowed only DOMAIN_FIELDS"),
        }
    }
    Ok(monitor)
}

/// The entries of a mapping whose keys are all in `allowed` (unknown keys are refused with
/// their line, as the JSON API refuses unknown fields).
fn mapping<'a>(node: &'a Node, path: &str, allowed: &[&str]) -> Result<&'a [(String, Node)], FieldError> {
    let Yaml::Map(entries) = &node.value else {
        let what = if path.is_empty() { "the document" } else { path };
        return Err(FieldError::new(if path.is_empty() { "sites" } else { path }, format!("line {}: {what} must be a mapping of fields", node.line)));
    };
    for (key, value) in entries {
        if !allowed.contains(&key.as_str()) {
            let field = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            return Err(at(&field, value.line, format!("unknown field (allowed: {})", allowed.join(", "))));
        }
    }
    Ok(entries)
}

/// An `id`: text, or a number written as text (ids like `1` are common in YAML files).
fn id_text(node: &Node, path: &str) -> Result<String, FieldError> {
    match &node.value {
        Yaml::Str(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        Yaml::Int(n) => Ok(n.to_string()),
        _ => Err(at(path, node.line, "must be a non-empty text or number")),
    }
}

fn json_of(node: &Node) -> Value {
    match &node.value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Int(n) => Value::Number((*n).into()),
        Yaml::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
        Yaml::Str(s) => Value::String(s.clone()),
        Yaml::Seq(items) => Value::Array(items.iter().map(json_of).collect()),
        Yaml::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), json_of(v))).collect()),
    }
}

/// A container being built while its events arrive.
enum Frame {
    Seq(Vec<Node>, usize),
    Map(Vec<(String, Node)>, Option<(String, usize)>, usize),
}

fn syntax(e: &ScanError) -> FieldError {
    FieldError::body(format!("YAML syntax error at line {} column {}: {}", e.marker().line(), e.marker().col() + 1, e.info()))
}

/// Parses one YAML document into a tree with line numbers.
fn load(text: &str) -> Result<Node, FieldError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    for item in Parser::new_from_str(text) {
        let (event, span): (Event, Span) = item.map_err(|e| syntax(&e))?;
        let line = span.start.line();
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(FieldError::body(format!("line {line}: one YAML document per import (found a second one)")));
                }
                continue;
            }
            Event::Alias(_) => return Err(FieldError::body(format!("line {line}: aliases (*name) are not supported here"))),
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(FieldError::body(format!("line {line}: nested deeper than {MAX_DEPTH} levels")));
                }
                if let Some(Frame::Map(_, None, _)) = stack.last() {
                    return Err(FieldError::body(format!("line {line}: mapping keys must be plain text")));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) { Frame::Seq(Vec::new(), line) } else { Frame::Map(Vec::new(), None, line) });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, line)) => Node { value: Yaml::Seq(items), line },
                Some(Frame::Map(entries, _, line)) => Node { value: Yaml::Map(entries), line },
                None => continue,
            },
            Event::Scalar(text, style, _, tag) => {
                let is_str = tag.as_ref().is_some_and(|t| t.suffix == "str" && (t.handle == "tag:yaml.org,2002:" || t.handle == "!!"));
                Node { value: scalar(text, style, is_str), line }
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(items, _)) => items.push(node),
            Some(Frame::Map(entries, pending, _)) => match pending.take() {
                None => {
                    let key = match node.value {
                        Yaml::Str(s) => s,
                        Yaml::Int(n) => n.to_string(),
                        Yaml::Bool(b) => b.to_string(),
                        _ => return Err(FieldError::body(format!("line {}: mapping keys must be plain text", node.line))),
                    };
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(FieldError::body(format!("line {}: key {key:?} appears twice in one mapping", node.line)));
                    }
                    *pending = Some((key, node.line));
                }
                Some((key, _)) => entries.push((key, node)),
            },
        }
    }
    root.ok_or_else(|| FieldError::body("the YAML document is empty: expected `sites:`"))
}

/// A scalar under the YAML 1.2 core schema: quoted and block scalars are text; plain ones may
/// be null, booleans or numbers.
fn scalar(text: Cow<'_, str>, style: ScalarStyle, forced_str: bool) -> Yaml {
    if style != ScalarStyle::Plain || forced_str {
        return Yaml::Str(text.into_owned());
    }
    let t = text.as_ref();
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Yaml::Null,
        "true" | "True" | "TRUE" => return Yaml::Bool(true),
        "false" | "False" | "FALSE" => return Yaml::Bool(false),
        _ => {}
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = t.parse::<i64>() {
            return Yaml::Int(n);
        }
    }
    if let Some(hex) = t.strip_prefix("0x") {
        if let Ok(n) = i64::from_str_radix(hex, 16) {
            return Yaml::Int(n);
        }
    }
    if let Some(oct) = t.strip_prefix("0o") {
        if let Ok(n) = i64::from_str_radix(oct, 8) {
            return Yaml::Int(n);
        }
    }
    let numeric = unsigned.bytes().any(|b| b.is_ascii_digit()) && unsigned.bytes().all(|b| b.is_ascii_digit() || b"._eE+-".contains(&b));
    if numeric {
        if let Ok(f) = t.parse::<f64>() {
            return Yaml::Float(f);
        }
    }
    Yaml::Str(t.to_string())
}

/// A sites document as vigil would write it, for round trips in tests and examples.
#[cfg(test)]
fn example() -> &'static str {
    "# seed 002's sites.yaml
sites:
  - id: shop
    domains:
      - id: www
        role: core
        url: https://shop.example.com/
        interval_seconds: 300
        expect:
          http_status: 200
          body_contains: Welcome
          bot_protection_string: Cloudflare
      - id: cdn
        role: supplementary
        url: https://cdn.shop.example.com/logo.png
        interval_seconds: 60
  - id: blog
    name: The blog
    public: false
    domains:
      - id: 1
        url: \"https://blog.example.com/\"
        expect:
          http_status: [200, 301]
"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn seed_002_sites_become_the_import_document() {
        let c = convert(example()).unwrap();
        let want = json!({"projects": [
            {"slug": "shop", "name": "shop", "public": true, "monitors": [
                {"name": "www", "role": "core", "url": "https://shop.example.com/", "check_interval_seconds": 300,
                 "expected_status_codes": [200], "body_contains": "Welcome", "bot_protection_string": "Cloudflare"},
                {"name": "cdn", "role": "supplementary", "url": "https://cdn.shop.example.com/logo.png", "check_interval_seconds": 60},
            ]},
            {"slug": "blog", "name": "The blog", "public": false, "monitors": [
                {"name": "1", "url": "https://blog.example.com/", "expected_status_codes": [200, 301]},
            ]},
        ]});
        assert_eq!(Value::Object(c.doc.clone()), want);
    }

    #[test]
    fn errors_name_the_yaml_path_and_line() {
        let c = convert(example()).unwrap();
        // What the JSON import's validation would say, mapped back to the YAML.
        let cases = [
            ("projects[0].monitors[1].check_interval_seconds", "sites[0].domains[1].interval_seconds", 16),
            ("projects[0].monitors[0].expected_status_codes[0]", "sites[0].domains[0].expect.http_status", 10),
            ("projects[0].slug", "sites[0].id", 3),
            ("projects[1].name", "sites[1].name", 18),
            ("projects[0].monitors[0].retries", "sites[0].domains[0]", 5),
            ("projects[1].monitors[0].name", "sites[1].domains[0].id", 21),
        ];
        for (doc, yaml, line) in cases {
            let e = c.locate(FieldError::new(doc, "must be between 60 and 86400"));
            assert_eq!(e.field.as_deref(), Some(yaml), "{doc}");
            assert_eq!(e.message, format!("line {line}: must be between 60 and 86400"), "{doc}");
        }
        // A prefix must end at a path boundary: projects[1] is not projects[10].
        assert_eq!(c.locate(FieldError::new("projects[10].slug", "x")).field.as_deref(), Some("sites"));
        assert_eq!(c.locate(FieldError::body("x")).field, None);
    }

    #[test]
    fn bad_yaml_is_refused_with_its_line() {
        // (document, field named, line in the message)
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("sites: [\n", None, "line 2"),
            ("sites:\n  - id: a\n   bad indent: x\n", None, "line 3"),
            ("sites:\n  - id: a\n    domain: []\n", Some("sites[0].domain"), "line 3"),
            ("sites:\n  - id: a\n    domains:\n      - id: w\n        url: https://a.example\n        expect:\n          status: 200\n", Some("sites[0].domains[0].expect.status"), "line 7"),
            ("sites:\n  - domains: []\n", Some("sites[0].id"), "line 2"),
            ("sites:\n  - id: a\n    domains:\n      - url: https://a.example\n", Some("sites[0].domains[0].id"), "line 4"),
            ("sites:\n  - id: [x]\n", Some("sites[0].id"), "line 2"),
            ("sites: 3\n", Some("sites"), "line 1"),
            ("sites:\n  - id: a\n    domains: nope\n", Some("sites[0].domains"), "line 3"),
            ("other: 1\n", Some("other"), "line 1"),
            ("- a\n", Some("sites"), "line 1"),
            ("", None, "empty"),
            ("sites: []\n---\nsites: []\n", None, "line 2"),
            ("base: &b {id: a}\nsites: [*b]\n", None, "line 2"),
            ("sites:\n  - id: a\n    id: b\n", None, "line 3"),
        ];
        for (text, field, line) in cases {
            let e = convert(text).expect_err(text);
            assert_eq!(e.field.as_deref(), *field, "{text:?}: {}", e.message);
            assert!(e.message.contains(line), "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let cases: &[(&str, Yaml)] = &[
            ("300", Yaml::Int(300)),
            ("-4", Yaml::Int(-4)),
            ("0x1F", Yaml::Int(31)),
            ("0.3", Yaml::Float(0.3)),
            ("1e3", Yaml::Float(1000.0)),
            ("true", Yaml::Bool(true)),
            ("False", Yaml::Bool(false)),
            ("~", Yaml::Null),
            ("null", Yaml::Null),
            ("yes", Yaml::Str("yes".into())), // YAML 1.1's booleans are text in 1.2
            ("1.2.3", Yaml::Str("1.2.3".into())),
            ("https://a.example/x?y=1", Yaml::Str("https://a.example/x?y=1".into())),
        ];
        for (text, want) in cases {
            assert_eq!(scalar(Cow::Borrowed(text), ScalarStyle::Plain, false), *want, "{text}");
        }
        assert_eq!(scalar(Cow::Borrowed("300"), ScalarStyle::DoubleQuoted, false), Yaml::Str("300".into()));
        assert_eq!(scalar(Cow::Borrowed("300"), ScalarStyle::Plain, true), Yaml::Str("300".into()));
        let c = convert("sites:\n  - id: a\n    domains:\n      - id: w\n        url: https://a.example\n        interval_seconds: '300'\n").unwrap();
        assert_eq!(c.doc["projects"][0]["monitors"][0]["check_interval_seconds"], json!("300"), "quoted stays text (validation refuses it)");
    }
}
