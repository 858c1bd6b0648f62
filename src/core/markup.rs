//! The small Markdown subset of incident updates and notices (DESIGN.md §9), rendered to HTML
//! through the escaping writer (`core::text::Html`), so no input can produce markup of its own.
//!
//! What it understands, and nothing else:
//! - paragraphs (separated by a blank line); a single line break is kept as `<br>`;
//! - lists: lines starting `- ` or `* ` (bullets) or `1. ` (numbers), one item a line;
//! - `**bold**`, `*italic*` or `_italic_`, `` `code` ``;
//! - links `[text](url)` and bare `https://…` / `http://…` URLs, where the URL must be
//!   `http`, `https` or `mailto` (anything else, `javascript:` included, stays plain text).
//!
//! Everything else is text: HTML tags come out as `&lt;tag&gt;`, and a half-written marker
//! (`**open`) is shown as typed. Links get `rel="nofollow noopener ugc"`.
use super::text::Html;

/// Renders `source` as HTML (block level: `<p>`, `<ul>`, `<ol>`).
pub fn render(source: &str) -> String {
    let mut h = Html::with_capacity(source.len() + source.len() / 2 + 16);
    write(&mut h, source);
    h.finish()
}

/// Writes `source` as HTML into `h`.
pub fn write(h: &mut Html, source: &str) {
    let text = source.replace("\r\n", "\n").replace('\r', "\n");
    let mut para: Vec<&str> = Vec::new();
    let mut list: Option<(bool, Vec<&str>)> = None; // (ordered, items)
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush_para(h, &mut para);
            flush_list(h, &mut list);
            continue;
        }
        if let Some((ordered, item)) = list_item(trimmed) {
            flush_para(h, &mut para);
            match &mut list {
                Some((o, items)) if *o == ordered => items.push(item),
                _ => {
                    flush_list(h, &mut list);
                    list = Some((ordered, vec![item]));
                }
            }
            continue;
        }
        flush_list(h, &mut list);
        para.push(trimmed);
    }
    flush_para(h, &mut para);
    flush_list(h, &mut list);
}

/// `- x`, `* x` (bullets) or `12. x` (numbered): the item's text.
fn list_item(line: &str) -> Option<(bool, &str)> {
    if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
        return Some((false, rest.trim()));
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if (1..=3).contains(&digits) {
        if let Some(rest) = line[digits..].strip_prefix(". ") {
            return Some((true, rest.trim()));
        }
    }
    None
}

fn flush_para(h: &mut Html, para: &mut Vec<&str>) {
    if para.is_empty() {
        return;
    }
    h.r("<p>");
    for (i, line) in para.iter().enumerate() {
        if i > 0 {
            h.r("<br>");
        }
        inline(h, line);
    }
    h.r("</p>");
    para.clear();
}

fn flush_list(h: &mut Html, list: &mut Option<(bool, Vec<&str>)>) {
    let Some((ordered, items)) = list.take() else { return };
    h.r(if ordered { "<ol>" } else { "<ul>" });
    for item in items {
        h.r("<li>");
        inline(h, item);
        h.r("</li>");
    }
    h.r(if ordered { "</ol>" } else { "</ul>" });
}

/// A URL a link may point at: http(s) with a host, or mailto; parsed and re-serialized, so
/// what lands in `href` is the normalized form (no quotes or spaces survive parsing unescaped,
/// and the writer escapes it anyway).
pub fn safe_url(raw: &str) -> Option<String> {
    if raw.is_empty() || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Some(url.to_string()),
        "mailto" if url.path().contains('@') => Some(url.to_string()),
        _ => None,
    }
}

fn link(h: &mut Html, href: &str, text: impl FnOnce(&mut Html)) {
    h.r("<a href=\"").t(href).r("\" rel=\"nofollow noopener ugc\">");
    text(h);
    h.r("</a>");
}

/// Inline markup of one line. Markers are matched left to right; an unmatched one is text.
fn inline(h: &mut Html, s: &str) {
    let mut plain = 0; // start of the text not written yet
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let rest = &s[i..];
        let consumed = match bytes[i] {
            b'`' => rest[1..].find('`').filter(|&n| n > 0).map(|n| {
                flush(h, &s[plain..i]);
                h.r("<code>").t(&rest[1..1 + n]).r("</code>");
                n + 2
            }),
            b'*' if rest.starts_with("**") => closing(rest, "**").map(|n| {
                flush(h, &s[plain..i]);
                h.r("<strong>");
                inline(h, &rest[2..2 + n]);
                h.r("</strong>");
                n + 4
            }),
            b'*' | b'_' => {
                let marker = if bytes[i] == b'*' { "*" } else { "_" };
                // `_` only at a word's edge, so snake_case names stay as written.
                let at_edge = marker == "*" || i == 0 || !s[..i].ends_with(|c: char| c.is_alphanumeric());
                closing(rest, marker).filter(|&n| at_edge && (marker == "*" || !rest[1 + n + 1..].starts_with(|c: char| c.is_alphanumeric()))).map(|n| {
                    flush(h, &s[plain..i]);
                    h.r("<em>");
                    inline(h, &rest[1..1 + n]);
                    h.r("</em>");
                    n + 2
                })
            }
            b'[' => bracket_link(rest).map(|(text, href, n)| {
                flush(h, &s[plain..i]);
                link(h, &href, |h| inline(h, text));
                n
            }),
            b'h' if i == 0 || !s[..i].ends_with(|c: char| c.is_alphanumeric()) => bare_url(rest).map(|(href, n)| {
                flush(h, &s[plain..i]);
                link(h, &href, |h| {
                    h.t(&rest[..n]);
                });
                n
            }),
            _ => None,
        };
        match consumed {
            Some(n) => {
                i += n;
                plain = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    flush(h, &s[plain..]);
}

fn flush(h: &mut Html, text: &str) {
    h.t(text);
}

/// Where the closing `marker` of a span opened at `rest[0]` is: the length of the content,
/// which must be non-empty and not start or end with a space.
fn closing(rest: &str, marker: &str) -> Option<usize> {
    let body = &rest[marker.len()..];
    let n = body.find(marker)?;
    let inner = &body[..n];
    (!inner.is_empty() && !inner.starts_with(' ') && !inner.ends_with(' ')).then_some(n)
}

/// `[text](url)` at the start of `rest`: (text, safe href, bytes consumed).
fn bracket_link(rest: &str) -> Option<(&str, String, usize)> {
    let close = rest.find("](")?;
    let text = &rest[1..close];
    if text.is_empty() || text.contains('[') {
        return None;
    }
    let after = &rest[close + 2..];
    let end = after.find(')')?;
    let href = safe_url(after[..end].trim())?;
    Some((text, href, close + 2 + end + 1))
}

/// A bare `http://` or `https://` URL at the start of `rest`, up to whitespace, without
/// trailing punctuation (`see https://x.example/a.` links `…/a`).
fn bare_url(rest: &str) -> Option<(String, usize)> {
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    let mut end = rest.find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"').unwrap_or(rest.len());
    while end > 0 && rest[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'', '*', '_']) {
        end -= 1;
    }
    let href = safe_url(&rest[..end])?;
    Some((href, end))
}

/// The message as plain text for places without markup (feed titles): markers are kept as
/// typed, which reads fine.
pub fn first_line(source: &str, max_chars: usize) -> String {
    let line = source.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.chars().count() <= max_chars {
        return line.to_string();
    }
    let mut out: String = line.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subset() {
        let cases: &[(&str, &str)] = &[
            ("plain", "<p>plain</p>"),
            ("a\nb", "<p>a<br>b</p>"),
            ("a\r\n\r\nb", "<p>a</p><p>b</p>"),
            ("**bold** and *it* and _it_", "<p><strong>bold</strong> and <em>it</em> and <em>it</em></p>"),
            ("**bold _inner_**", "<p><strong>bold <em>inner</em></strong></p>"),
            ("**bold *inner***", "<p><strong>bold *inner</strong>*</p>"),
            ("`a <b> *c*`", "<p><code>a &lt;b&gt; *c*</code></p>"),
            ("snake_case_name stays", "<p>snake_case_name stays</p>"),
            ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
            ("**open", "<p>**open</p>"),
            ("[docs](https://example.com/a?b=1&c=2)", "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener ugc\">docs</a></p>"),
            ("[**bold** link](http://x.example)", "<p><a href=\"http://x.example/\" rel=\"nofollow noopener ugc\"><strong>bold</strong> link</a></p>"),
            ("[mail](mailto:ops@example.com)", "<p><a href=\"mailto:ops@example.com\" rel=\"nofollow noopener ugc\">mail</a></p>"),
            ("see https://status.example.com/x.", "<p>see <a href=\"https://status.example.com/x\" rel=\"nofollow noopener ugc\">https://status.example.com/x</a>.</p>"),
            ("- one\n- two\n\n1. first\n2. second", "<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>"),
            ("intro\n* a\n* b\noutro", "<p>intro</p><ul><li>a</li><li>b</li></ul><p>outro</p>"),
            ("ünïcode ✓ – fine", "<p>ünïcode ✓ – fine</p>"),
            ("", ""),
        ];
        for (source, want) in cases {
            assert_eq!(render(source), *want, "{source:?}");
        }
    }

    /// Hostile input comes out inert: no tag, attribute or URL scheme of its own survives.
    #[test]
    fn hostile_input_is_inert() {
        let cases: &[&str] = &[
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "[x](vbscript:msgbox)",
            "[x](//evil.example)",
            "[x](https://a.example\" onmouseover=\"alert(1))",
            "[x](https://a.example/\"onmouseover=alert(1))",
            "[<b>](https://a.example)",
            "[x](mailto:\"><script>)",
            "https://a.example/\"><script>alert(1)</script>",
            "`</code><script>`",
            "**<iframe>**",
            "javascript:alert(1)",
            "&lt;already escaped&gt; & <",
            "\u{0}\u{7}\u{FFFE}",
        ];
        for source in cases {
            let html = render(source);
            for bad in ["<script", "<img", "<iframe", "<b>", "javascript:", "JaVaScRiPt:", "data:", "vbscript:", "\" on", "\"on", "href=\"//"] {
                // `javascript:` as plain text is fine; only inside an href would it matter.
                let in_href = html.match_indices("href=\"").any(|(i, _)| html[i + 6..].starts_with(bad.trim_start_matches('"')));
                if bad.starts_with('<') {
                    assert!(!html.contains(bad), "{source:?} -> {html}");
                } else {
                    assert!(!in_href, "{source:?} -> {html}");
                }
            }
            assert!(!html.contains('\u{0}') && !html.contains('\u{7}'), "{source:?} -> {html}");
            // Every tag in the output is one the renderer writes.
            for tag in html.split('<').skip(1) {
                let name: String = tag.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                assert!(["p", "br", "ul", "ol", "li", "strong", "em", "code", "a"].contains(&name.as_str()), "{source:?} -> {html}");
            }
        }
        assert_eq!(render("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>");
        assert_eq!(render("<b>hi</b>"), "<p>&lt;b&gt;hi&lt;/b&gt;</p>");
    }

    #[test]
    fn urls() {
        assert_eq!(safe_url("https://a.example/x").as_deref(), Some("https://a.example/x"));
        for bad in ["javascript:alert(1)", "ftp://a.example", "https://", "mailto:nobody", "https://a b", "/relative", ""] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn first_lines() {
        assert_eq!(first_line("\n  We are looking.  \nMore", 80), "We are looking.");
        assert_eq!(first_line("abcdef", 4), "abc…");
    }
}
