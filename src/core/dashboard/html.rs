//! The dashboard's HTML writer, page chrome and form widgets (DESIGN.md §10).
//!
//! Everything is written with the status page's writer, [`crate::core::text::Html`]: the only
//! way to emit unescaped text is `r`, which takes `&'static str` (literals in this crate); every
//! run-time string goes through `t`, which escapes. A hostile monitor, project or endpoint name
//! cannot inject markup even by mistake.
use super::form::FormState;
pub use crate::core::text::Html;

pub const CSS: &str = include_str!("app.css");
pub const JS: &str = include_str!("app.js");

/// FNV-1a of the asset, as hex: the `?v=` of its URL, so a new build busts the year-long cache.
pub const fn fingerprint(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h: u64 = 0xcbf29ce484222325;
    let mut i = 0;
    while i < b.len() {
        h = (h ^ b[i] as u64).wrapping_mul(0x100000001b3);
        i += 1;
    }
    h
}
/// `?v=` of the asset URLs (decimal: the writer's `n` takes no u64, and a fingerprint is no
/// markup, but it goes through the escaping `t` anyway).
pub const CSS_VERSION: u64 = fingerprint(CSS);
pub const JS_VERSION: u64 = fingerprint(JS);

/// Which top-level section a page belongs to (marks the nav link `aria-current`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Monitors,
    Projects,
    Endpoints,
    Maintenance,
    Notices,
    Tokens,
    Data,
    Account,
    Users,
}

const NAV: &[(Section, &str, &str)] = &[
    (Section::Monitors, "/app", "Monitors"),
    (Section::Projects, "/app/projects", "Projects"),
    (Section::Endpoints, "/app/endpoints", "Alerts"),
    (Section::Maintenance, "/app/maintenance", "Maintenance"),
    (Section::Notices, "/app/notices", "Notices"),
    (Section::Tokens, "/app/tokens", "API tokens"),
    (Section::Data, "/app/data", "Export/import"),
    (Section::Account, "/app/account", "Account"),
];

/// Who is looking and what the page chrome needs: the logout form carries the CSRF token.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    pub username: &'a str,
    pub is_admin: bool,
    pub csrf: &'a str,
    pub section: Section,
}

fn head(h: &mut Html, title: &str) {
    h.r("<!doctype html><html lang=en><head><meta charset=utf-8>")
        .r("<meta name=viewport content=\"width=device-width,initial-scale=1\"><meta name=color-scheme content=\"light dark\"><title>")
        .t(title)
        .r(" · vigil</title><link rel=icon href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%231f9d55'/%3E%3C/svg%3E\">")
        .r("<link rel=stylesheet href=\"/app/static/app.css?v=")
        .t(&CSS_VERSION.to_string())
        .r("\"><script src=\"/app/static/app.js?v=")
        .t(&JS_VERSION.to_string())
        .r("\" defer></script></head><body>");
}

/// Writes a whole page: chrome (nav, logout), the `<h1>`, then `body`.
pub fn page(c: &Chrome, title: &str, body: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::with_capacity(16 * 1024);
    head(&mut h, title);
    h.r("<a class=skip href=#main>Skip to content</a><header class=top><nav aria-label=Main><a class=brand href=/app>vigil</a>");
    for (section, href, label) in NAV.iter().chain(c.is_admin.then_some(&(Section::Users, "/app/users", "Users"))) {
        h.r("<a href=\"").r(href).r("\"");
        if *section == c.section {
            h.r(" aria-current=page");
        }
        h.r(">").r(label).r("</a>");
    }
    h.r("</nav><form method=post action=/app/logout class=out><span class=who>")
        .t(c.username)
        .r("</span>");
    csrf(&mut h, c.csrf);
    h.r("<button class=link>Log out</button></form></header><main id=main class=pg><h1>").t(title).r("</h1>");
    body(&mut h);
    h.r("</main></body></html>");
    h.finish()
}

/// A page without chrome (the login form).
pub fn bare_page(title: &str, body: impl FnOnce(&mut Html)) -> String {
    let mut h = Html::with_capacity(4096);
    head(&mut h, title);
    h.r("<main id=main class=\"pg narrow\">");
    body(&mut h);
    h.r("</main></body></html>");
    h.finish()
}

pub fn csrf(h: &mut Html, token: &str) {
    h.r("<input type=hidden name=csrf value=\"").t(token).r("\">");
}

/// A notice after a redirect (`?done=saved`): fixed texts only, never echoed input.
pub fn notice(h: &mut Html, text: Option<&'static str>) {
    if let Some(text) = text {
        h.r("<p class=\"note ok\" role=status>").r(text).r("</p>");
    }
}

/// The form's error summary: a body-level error, or the field error with a link to its input.
pub fn error_summary(h: &mut Html, f: &FormState, fields: &[&str]) {
    let Some(e) = &f.error else { return };
    h.r("<div class=\"note bad\" role=alert><strong>Not saved.</strong> ");
    match f.error_field(fields) {
        Some(name) => {
            h.r("<a href=\"#f-").t(name).r("\">").t(e.field.as_deref().unwrap_or(name)).r("</a>: ").t(&e.message);
        }
        None => {
            h.t(&e.to_string());
        }
    }
    h.r("</div>");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Text,
    Url,
    Number,
    Password,
    DateTime,
    Textarea,
    Checkbox,
}

/// One labelled input with its hint and, when the submission failed on it, the error next to
/// it (`aria-invalid`, `aria-describedby`), keeping what the user typed.
pub struct Field<'a> {
    pub name: &'static str,
    pub label: &'static str,
    pub input: Input,
    pub hint: Option<&'a str>,
    pub required: bool,
}

impl<'a> Field<'a> {
    pub const fn new(name: &'static str, label: &'static str, input: Input) -> Self {
        Self { name, label, input, hint: None, required: false }
    }
    pub fn hint(mut self, hint: &'a str) -> Self {
        self.hint = Some(hint);
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
}

fn described(h: &mut Html, f: &Field, error: bool) {
    if f.hint.is_some() || error {
        h.r(" aria-describedby=\"");
        if error {
            h.r("e-").r(f.name).r(" ");
        }
        if f.hint.is_some() {
            h.r("h-").r(f.name);
        }
        h.r("\"");
    }
    if error {
        h.r(" aria-invalid=true");
    }
}

fn hint_and_error(h: &mut Html, f: &Field, error: Option<&str>) {
    if let Some(hint) = f.hint {
        h.r("<small id=h-").r(f.name).r(">").t(hint).r("</small>");
    }
    if let Some(e) = error {
        h.r("<p class=err id=e-").r(f.name).r(">").t(e).r("</p>");
    }
}

pub fn field(h: &mut Html, state: &FormState, f: Field) {
    let error = state.error_on(f.name);
    let value = state.value(f.name);
    if f.input == Input::Checkbox {
        // The hidden "false" comes first: a browser sends an unchecked box as nothing, and the
        // last value wins, so the form always says what the box shows.
        h.r("<div class=\"f cb\"><input type=hidden name=").r(f.name).r(" value=false><input type=checkbox id=f-").r(f.name).r(" name=").r(f.name).r(" value=true");
        if value == "true" {
            h.r(" checked");
        }
        described(h, &f, error.is_some());
        h.r("><label for=f-").r(f.name).r(">").r(f.label).r("</label>");
        hint_and_error(h, &f, error);
        h.r("</div>");
        return;
    }
    h.r("<div class=f><label for=f-").r(f.name).r(">").r(f.label).r("</label>");
    if f.input == Input::Textarea {
        h.r("<textarea id=f-").r(f.name).r(" name=").r(f.name).r(" rows=3");
        described(h, &f, error.is_some());
        h.r(">").t(value).r("</textarea>");
    } else {
        let kind = match f.input {
            Input::Url => "url",
            Input::Number => "text\" inputmode=\"decimal",
            Input::Password => "password",
            Input::DateTime => "datetime-local",
            _ => "text",
        };
        h.r("<input type=\"").r(kind).r("\" id=f-").r(f.name).r(" name=").r(f.name).r(" value=\"").t(value).r("\"");
        if f.required {
            h.r(" required");
        }
        if f.input == Input::Password {
            h.r(" autocomplete=\"").r(if f.name == "current_password" { "current-password" } else { "new-password" }).r("\"");
        }
        described(h, &f, error.is_some());
        h.r(">");
    }
    hint_and_error(h, &f, error);
    h.r("</div>");
}

/// A `<select>`: options are (value, label) pairs; the current value is selected.
pub fn select(h: &mut Html, state: &FormState, name: &'static str, label: &'static str, options: &[(String, String)]) {
    let error = state.error_on(name);
    let value = state.value(name);
    h.r("<div class=f><label for=f-").r(name).r(">").r(label).r("</label><select id=f-").r(name).r(" name=").r(name);
    if error.is_some() {
        h.r(" aria-invalid=true aria-describedby=e-").r(name);
    }
    h.r(">");
    for (v, l) in options {
        h.r("<option value=\"").t(v).r("\"");
        if v == value {
            h.r(" selected");
        }
        h.r(">").t(l).r("</option>");
    }
    h.r("</select>");
    if let Some(e) = error {
        h.r("<p class=err id=e-").r(name).r(">").t(e).r("</p>");
    }
    h.r("</div>");
}

/// A one-button POST form (run now, pause, revoke...). `confirm` asks first when JavaScript runs;
/// without it the action needs its own confirmation page where that matters (delete).
pub fn button_form(h: &mut Html, csrf_token: &str, action: &str, label: &'static str, class: &'static str, confirm: Option<&'static str>) {
    h.r("<form method=post class=inl action=\"").t(action).r("\"");
    if let Some(c) = confirm {
        h.r(" data-confirm=\"").r(c).r("\"");
    }
    h.r(">");
    csrf(h, csrf_token);
    h.r("<button class=\"").r(class).r("\">").r(label).r("</button></form>");
}

/// "3 min ago" style text for a past time (`now` comes from the caller).
pub fn ago(now_ms: i64, at_ms: i64) -> String {
    let s = (now_ms - at_ms).max(0) / 1000;
    match s {
        0..=59 => format!("{s} s ago"),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

/// "99.95 %" (two decimals, never rounded up to 100 when something failed).
pub fn percent(ratio: Option<f64>) -> String {
    match ratio {
        None => "–".into(),
        Some(r) => {
            let v = (r * 10_000.0).floor() / 100.0;
            if v >= 100.0 { "100 %".into() } else { format!("{v:.2} %") }
        }
    }
}

/// Percent-encodes a query value (filters in links).
pub fn query_value(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::input::FieldError;

    fn chrome() -> Chrome<'static> {
        Chrome { username: "<b>eve</b>", is_admin: false, csrf: "tok\"en", section: Section::Monitors }
    }

    #[test]
    fn chrome_escapes_user_text_and_marks_the_section() {
        let html = page(&chrome(), "<script>x</script>", |h| {
            h.t("</main>");
        });
        assert!(!html.contains("<script>x"), "{html}");
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt; · vigil"));
        assert!(html.contains("&lt;b&gt;eve&lt;/b&gt;"));
        assert!(html.contains("value=\"tok&quot;en\""));
        assert!(html.contains("<a href=\"/app\" aria-current=page>Monitors</a>"));
        assert!(!html.contains("/app/users"), "non-admins get no users link");
        let admin = page(&Chrome { is_admin: true, ..chrome() }, "x", |_| {});
        assert!(admin.contains("href=\"/app/users\""));
    }

    #[test]
    fn fields_keep_input_and_show_their_error_inline() {
        let mut state = FormState::from_pairs(&[("url", "not a url\"><script>")]);
        state.error = Some(FieldError::new("url", "must be an http(s) URL <here>"));
        let mut h = Html::with_capacity(0);
        field(&mut h, &state, Field::new("url", "URL", Input::Url).hint("https://…").required());
        let html = h.finish();
        assert!(html.contains("value=\"not a url&quot;&gt;&lt;script&gt;\""), "{html}");
        assert!(html.contains("aria-invalid=true"));
        assert!(html.contains("aria-describedby=\"e-url h-url\""));
        assert!(html.contains("<p class=err id=e-url>must be an http(s) URL &lt;here&gt;</p>"));
        let mut h = Html::with_capacity(0);
        error_summary(&mut h, &state, &["url"]);
        assert!(h.finish().contains("<a href=\"#f-url\">url</a>: must be"));
        // A field without an error has neither.
        let mut h = Html::with_capacity(0);
        field(&mut h, &state, Field::new("name", "Name", Input::Text));
        let html = h.finish();
        assert!(!html.contains("aria-invalid") && !html.contains("class=err"), "{html}");
    }

    #[test]
    fn checkbox_sends_false_when_unchecked() {
        let state = FormState::from_pairs(&[("is_active", "true")]);
        let mut h = Html::with_capacity(0);
        field(&mut h, &state, Field::new("is_active", "Active", Input::Checkbox));
        let html = h.finish();
        let hidden = html.find("type=hidden name=is_active value=false").unwrap();
        let boxed = html.find("type=checkbox").unwrap();
        assert!(hidden < boxed && html.contains(" checked"));
    }

    #[test]
    fn small_helpers() {
        assert_eq!(ago(100_000, 40_000), "60 s ago".replace("60 s", "1 min"));
        assert_eq!(ago(10_000, 5_000), "5 s ago");
        assert_eq!(ago(7_200_000, 0), "2 h ago");
        assert_eq!(percent(Some(0.99999)), "99.99 %");
        assert_eq!(percent(Some(1.0)), "100 %");
        assert_eq!(percent(None), "–");
        assert_eq!(query_value("a b&c"), "a+b%26c");
        assert_ne!(CSS_VERSION, JS_VERSION);
    }
}
