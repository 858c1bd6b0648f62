//! Content negotiation: which representation an `Accept` header prefers (RFC 9110 §12.5.1).
//! `GET /status/{slug}` offers HTML and JSON, `GET /api/checks` JSON and CSV (DESIGN.md §8).

/// The index in `offered` (media types, lower case) that `accept` prefers. The first offered
/// is the default: with no header, `*/*`, a tie, or nothing acceptable, it is what a client
/// gets (a browser's `text/html,...,*/*;q=0.8` gets HTML, `curl` gets the default, and
/// `Accept: application/json` gets JSON). A more specific range beats a wildcard at equal q.
pub fn preferred(accept: Option<&str>, offered: &[&str]) -> usize {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else { return 0 };
    let ranges: Vec<(String, String, f32)> = accept.split(',').filter_map(range).collect();
    let mut best = (0usize, 0.0f32, 0u8);
    for (i, offer) in offered.iter().enumerate() {
        let Some((kind, sub)) = offer.split_once('/') else { continue };
        // The most specific range that matches decides this offer's q.
        let matched = ranges
            .iter()
            .filter_map(|(k, s, q)| {
                let specificity = match (k.as_str(), s.as_str()) {
                    (k, s) if k == kind && s == sub => 2,
                    (k, "*") if k == kind => 1,
                    ("*", "*") => 0,
                    _ => return None,
                };
                Some((specificity, *q))
            })
            .max_by_key(|(specificity, _)| *specificity);
        if let Some((specificity, q)) = matched {
            if q > best.1 || (q == best.1 && q > 0.0 && specificity > best.2) {
                best = (i, q, specificity);
            }
        }
    }
    if best.1 > 0.0 {
        best.0
    } else {
        0
    }
}

/// `type/subtype;q=0.5` -> (type, subtype, q), lower-cased; `None` for a malformed range.
fn range(text: &str) -> Option<(String, String, f32)> {
    let mut parts = text.split(';');
    let (kind, sub) = parts.next()?.trim().split_once('/')?;
    if kind.is_empty() || sub.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for p in parts {
        if let Some((name, value)) = p.split_once('=') {
            if name.trim().eq_ignore_ascii_case("q") {
                q = value.trim().parse::<f32>().ok().filter(|q| (0.0..=1.0).contains(q))?;
            }
        }
    }
    Some((kind.to_ascii_lowercase(), sub.to_ascii_lowercase(), q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_what_clients_ask_for() {
        let page = ["text/html", "application/json"];
        let checks = ["application/json", "text/csv"];
        let cases: &[(&[&str], Option<&str>, usize)] = &[
            (&page, None, 0),
            (&page, Some(""), 0),
            (&page, Some("*/*"), 0),
            (&page, Some("application/json"), 1),
            (&page, Some("Application/JSON; charset=utf-8"), 1),
            (&page, Some("application/json, text/plain, */*"), 1), // axios
            (&page, Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), 0), // browsers
            (&page, Some("text/html, application/json"), 0),
            (&page, Some("text/html;q=0.5, application/json"), 1),
            (&page, Some("application/*"), 1),
            (&page, Some("application/json;q=0"), 0),
            (&page, Some("image/png"), 0),
            (&page, Some("garbage"), 0),
            (&page, Some("application/json;q=2"), 0),
            (&checks, Some("text/csv"), 1),
            (&checks, Some("text/csv;q=0.9, application/json"), 0),
            (&checks, Some("text/*"), 1),
            (&checks, Some("*/*"), 0),
        ];
        for (offered, accept, want) in cases {
            assert_eq!(preferred(*accept, offered), *want, "{accept:?} of {offered:?}");
        }
    }
}
