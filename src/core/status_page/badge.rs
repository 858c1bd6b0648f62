//! Shields-style SVG badges and the shields.io endpoint JSON.
use serde_json::{json, Value};

use super::view::uptime_text;
use crate::core::status::CheckStatus;
use crate::core::text::Html;

/// Shields.io named colours (the ones a badge URL is likely to carry).
pub(super) fn badge_hex(color: &str) -> String {
    let named = match color.trim().to_ascii_lowercase().as_str() {
        "brightgreen" | "success" => Some("#4c1"),
        "green" => Some("#97ca00"),
        "yellowgreen" => Some("#a4a61d"),
        "yellow" => Some("#dfb317"),
        "orange" | "important" => Some("#fe7d37"),
        "red" | "critical" => Some("#e05d44"),
        "blue" => Some("#007ec6"),
        "lightgrey" | "lightgray" | "inactive" => Some("#9f9f9f"),
        "grey" | "gray" => Some("#555"),
        _ => None,
    };
    if let Some(hex) = named {
        return hex.to_string();
    }
    let hex = color.trim().trim_start_matches('#');
    if matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("#{hex}")
    } else {
        "#9f9f9f".to_string()
    }
}

/// Approximate advance width in px of text in 11px Verdana (shields' font),
/// from a small per-character class table; `textLength` in the SVG then
/// forces the real font to exactly this width, so the estimate only has to be
/// plausible, never exact.
pub(super) fn text_width(s: &str) -> u32 {
    let w: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '|' | '.' | ',' | ':' | ';' | '!' | '\'' => 3.6,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | ' ' | '-' => 4.8,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 10.5,
            'A'..='Z' => 7.6,
            '0'..='9' => 7.0,
            c if c.is_ascii() => 6.6,
            _ => 8.0,
        })
        .sum();
    w.ceil() as u32
}

/// A shields-style flat badge. All text is escaped; `color` is a shields
/// colour name or a hex colour (anything else falls back to light grey).
pub fn badge_svg(label: &str, message: &str, color: &str) -> String {
    let (lw, mw) = (text_width(label), text_width(message));
    let (left, right) = (lw + 10, mw + 10);
    let total = left + right;
    let mut h = Html::with_capacity(1200);
    let aria = format!("{label}: {message}");
    h.r("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").n(total).r("\" height=\"20\" role=\"img\" aria-label=\"").t(&aria);
    h.r("\"><title>").t(&aria).r("</title>");
    // No ids (no clipPath or gradient): ids collide when several badges are
    // inlined into one page. The rounded left part is a rounded rect whose
    // right corners are squared off by a 3 px patch.
    h.r("<rect width=\"").n(total).r("\" height=\"20\" rx=\"3\" fill=\"").t(&badge_hex(color)).r("\"/>");
    h.r("<rect width=\"").n(left).r("\" height=\"20\" rx=\"3\" fill=\"#555\"/><rect x=\"").n(left - 3);
    h.r("\" width=\"3\" height=\"20\" fill=\"#555\"/>");
    h.r("<g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"110\">");
    for (x, w, text) in [(left * 10 / 2, lw, label), (left * 10 + right * 10 / 2, mw, message)] {
        // Shadow then text, at 10x scale so half-pixel centres stay integers.
        for (dy, shadow) in [(150u32, true), (140, false)] {
            h.r("<text x=\"").n(x).r("\" y=\"").n(dy).r("\" transform=\"scale(.1)\" textLength=\"").n(w * 10).r("\"");
            if shadow {
                h.r(" fill=\"#010101\" fill-opacity=\".3\" aria-hidden=\"true\"");
            }
            h.r(">").t(text).r("</text>");
        }
    }
    h.r("</g></svg>");
    h.finish()
}

/// A shields.io endpoint response (`https://img.shields.io/endpoint?url=...`).
pub fn shields_endpoint(label: &str, message: &str, color: &str) -> Value {
    json!({ "schemaVersion": 1, "label": label, "message": message, "color": color })
}

/// Badge message and shields colour for a monitor's current state.
pub fn status_badge(status: Option<CheckStatus>, slow: bool) -> (&'static str, &'static str) {
    match status {
        Some(CheckStatus::Up) if slow => ("slow", "yellowgreen"),
        Some(CheckStatus::Up) => ("up", "brightgreen"),
        Some(CheckStatus::Down) => ("down", "red"),
        Some(CheckStatus::Timeout) => ("timeout", "red"),
        Some(CheckStatus::BotDetected) => ("bot wall", "orange"),
        None => ("no data", "lightgrey"),
    }
}

/// Badge message and shields colour for an uptime ratio.
pub fn uptime_badge(uptime: Option<f64>) -> (String, &'static str) {
    let color = match uptime {
        None => "lightgrey",
        Some(v) if v >= 0.999 => "brightgreen",
        Some(v) if v >= 0.99 => "green",
        Some(v) if v >= 0.95 => "yellow",
        Some(v) if v >= 0.90 => "orange",
        Some(_) => "red",
    };
    let text = if uptime.is_none() { "no data".to_string() } else { uptime_text(uptime) };
    (text, color)
}
