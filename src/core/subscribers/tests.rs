use super::render::{self, Notice, Page};
use super::*;

const SECRET: &[u8] = b"0123456789abcdef-test-secret";
const NOW: EpochMs = 1_795_238_700_000;

fn subject(id: i64) -> Subject<'static> {
    Subject { project_id: 7, subscriber_id: id, email_key: "ada@example.com" }
}

#[test]
fn a_signed_link_verifies_for_its_purpose_page_and_address_only() {
    let s = subject(42);
    let t = sign(SECRET, Purpose::Confirm, &s, NOW + CONFIRM_TTL_MS);
    let parsed = Token::parse(&t).unwrap();
    assert_eq!(parsed.subscriber_id, 42);
    assert_eq!(parsed.verify(SECRET, Purpose::Confirm, &s, NOW), Ok(()));
    let cases: [(&str, Purpose, Subject<'_>, &[u8]); 5] = [
        ("other purpose", Purpose::Unsubscribe, s, SECRET),
        ("other page", Purpose::Confirm, Subject { project_id: 8, ..s }, SECRET),
        ("other address", Purpose::Confirm, Subject { email_key: "eve@example.com", ..s }, SECRET),
        ("other subscriber", Purpose::Confirm, subject(43), SECRET),
        ("other secret", Purpose::Confirm, s, b"another-secret-of-16+"),
    ];
    for (what, purpose, subject, secret) in cases {
        assert_eq!(parsed.verify(secret, purpose, &subject, NOW), Err(LinkError::BadSignature), "{what}");
    }
}

#[test]
fn confirmation_links_expire_unsubscribe_links_do_not() {
    let s = subject(42);
    let exp = NOW + CONFIRM_TTL_MS;
    let t = Token::parse(&sign(SECRET, Purpose::Confirm, &s, exp)).unwrap();
    assert_eq!(t.verify(SECRET, Purpose::Confirm, &s, exp - 1), Ok(()));
    assert_eq!(t.verify(SECRET, Purpose::Confirm, &s, exp), Err(LinkError::Expired));
    // A confirmation signed without an expiry is refused too (never issued, but never trusted).
    let never = Token::parse(&sign(SECRET, Purpose::Confirm, &s, 0)).unwrap();
    assert_eq!(never.verify(SECRET, Purpose::Confirm, &s, NOW), Err(LinkError::Expired));
    let u = Token::parse(&sign(SECRET, Purpose::Unsubscribe, &s, 0)).unwrap();
    assert_eq!(u.verify(SECRET, Purpose::Unsubscribe, &s, NOW + 10 * 365 * 86_400_000), Ok(()));
}

#[test]
fn tampered_tokens_are_refused() {
    let s = subject(42);
    let exp = NOW + CONFIRM_TTL_MS;
    let good = sign(SECRET, Purpose::Confirm, &s, exp);
    let (id, rest) = good.split_once('.').unwrap();
    let (_, mac) = rest.split_once('.').unwrap();
    // A later expiry with the old mac: the expiry is signed.
    let longer = format!("{id}.{}.{mac}", exp + 86_400_000);
    assert_eq!(Token::parse(&longer).unwrap().verify(SECRET, Purpose::Confirm, &s, NOW), Err(LinkError::BadSignature));
    // Every single-character change of the mac is refused.
    for i in 0..mac.len() {
        let mut bytes = mac.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        let t = format!("{id}.{exp}.{}", String::from_utf8(bytes).unwrap());
        let verdict = Token::parse(&t).and_then(|t| t.verify(SECRET, Purpose::Confirm, &s, NOW));
        assert!(verdict.is_err(), "{t}");
    }
    for bad in ["", "42", "42.1", "42.1.x.y", "x.1.AAAAAAAAAAAAAAAAAAAAAA", "0.1.AAAAAAAAAAAAAAAAAAAAAA", "-4.1.AAAAAAAAAAAAAAAAAAAAAA", "42.1.short", "42.+1.AAAAAAAAAAAAAAAAAAAAAA", "42.99999999999999999999.AAAAAAAAAAAAAAAAAAAAAA"] {
        assert_eq!(Token::parse(bad), Err(LinkError::Malformed), "{bad:?}");
    }
}

#[test]
fn addresses() {
    for ok in ["ada@example.com", " Ada.Lovelace+status@Mail.Example.org "] {
        assert!(validate_email(ok).is_ok(), "{ok}");
    }
    assert_eq!(validate_email(" a@b.co ").unwrap(), "a@b.co");
    for bad in ["", "ada", "ada@", "@example.com", "ada@localhost", "Ada <ada@example.com>", "a b@example.com", "ada@example..com", "ada@.example.com", "a@b@c.com", "ada@example.com\r\nBcc: x@y.z", &format!("{}@example.com", "x".repeat(65)), &format!("a@{}.com", "x".repeat(260))] {
        assert!(validate_email(bad).is_err(), "{bad:?}");
    }
    assert_eq!(email_key(" Ada@Example.COM "), "ada@example.com");
}

#[test]
fn rate_limits_count_within_fixed_windows() {
    let cases = [(PER_CLIENT, 5, None), (PER_CLIENT, 6, Some(())), (PER_PAGE, 30, None), (PER_PAGE, 31, Some(()))];
    for (limit, count, over) in cases {
        assert_eq!(limit.exceeded(count, NOW).map(|_| ()), over, "{limit:?} {count}");
    }
    // Retry-After runs to the end of the window, at least a second.
    let start = PER_CLIENT.window(NOW);
    assert_eq!(start % PER_CLIENT.window_ms, 0);
    assert!(start <= NOW && NOW < start + PER_CLIENT.window_ms);
    assert_eq!(PER_CLIENT.exceeded(6, start), Some(3600));
    assert_eq!(PER_CLIENT.exceeded(6, start + PER_CLIENT.window_ms - 1), Some(1));
}

#[test]
fn config_checks() {
    assert!(secret_ok("0123456789abcdef") && !secret_ok("short") && !secret_ok("               x"));
    for (base, ok) in [("https://status.example.com", true), ("http://127.0.0.1:8787", true), ("http://localhost", true), ("http://status.example.com", false), ("http://127.0.0.1.nip.io", false), ("ftp://x", false), ("https://", false)] {
        assert_eq!(base_url_ok(base), ok, "{base}");
    }
}

#[test]
fn message_ids() {
    assert_eq!(incident_message_id(42, 1_795_238_700_123, "incident.opened"), "sub_42_1795238700123_incident_opened");
    assert_eq!(update_message_id(9), "sub_update_9");
    let c = confirm_message_id(5, NOW);
    assert_eq!(confirm_sent_ms(&c), Some(NOW));
    assert_eq!(confirm_sent_ms("sub_update_9"), None);
}

const PAGE: Page<'static> = Page { name: "Acme <b>", url: "https://status.example.com/status/acme" };

#[test]
fn notices_say_what_the_public_may_read_escaped() {
    let opened = render::notice(&PAGE, &Notice::Opened { monitor: "API\r\nBcc: x", opened_ms: NOW, category: "server error (5xx)" });
    assert_eq!(opened.subject, "[Acme <b> status] API  Bcc: x: incident opened");
    assert!(!opened.subject.contains(['\r', '\n']));
    assert!(opened.text.contains("server error (5xx)") && opened.text.contains("Status page: https://status.example.com/status/acme"), "{}", opened.text);
    assert!(opened.html.contains("Acme &lt;b&gt; status page") && !opened.html.contains("<b>"), "{}", opened.html);
    let resolved = render::notice(&PAGE, &Notice::Resolved { monitor: "API", opened_ms: NOW, resolved_ms: NOW + 720_000, category: "timeout" });
    assert!(resolved.subject.ends_with("API: resolved after 12m"), "{}", resolved.subject);
    let update = render::notice(&PAGE, &Notice::Update { title: "Database upgrade", status: "monitoring", message: "<script>x</script>\nline two", at_ms: NOW });
    assert_eq!(update.subject, "[Acme <b> status] Database upgrade: monitoring");
    assert!(update.html.contains("&lt;script&gt;x&lt;/script&gt;\nline two") && !update.html.contains("<script"), "{}", update.html);
    assert!(update.text.contains("<script>x</script>\nline two"), "the text body is plain text");
    // Same input, same bytes.
    assert_eq!(update, render::notice(&PAGE, &Notice::Update { title: "Database upgrade", status: "monitoring", message: "<script>x</script>\nline two", at_ms: NOW }));
}

#[test]
fn finishing_adds_the_unsubscribe_link_and_rfc_8058_headers() {
    let c = render::notice(&PAGE, &Notice::Opened { monitor: "API", opened_ms: NOW, category: "timeout" });
    let url = "https://status.example.com/status/acme/unsubscribe?t=42.0.abc&x=\"1\"";
    let (done, headers) = render::finish_notice(&c, &PAGE, url);
    assert_eq!(headers, vec![("List-Unsubscribe", format!("<{url}>")), ("List-Unsubscribe-Post", String::from("List-Unsubscribe=One-Click"))]);
    assert!(done.text.ends_with(&format!("Unsubscribe: {url}\n")), "{}", done.text);
    assert!(done.html.contains("href=\"https://status.example.com/status/acme/unsubscribe?t=42.0.abc&amp;x=&quot;1&quot;\""), "{}", done.html);
    assert!(done.html.ends_with("</body></html>") && done.html.matches("</body>").count() == 1);
    assert_eq!(done.subject, c.subject);
    assert_eq!(render::finish_notice(&c, &PAGE, url), (done, headers), "deterministic");

    let confirm = render::finish_confirmation(&render::confirmation(&PAGE), "https://s.example/status/acme/confirm?t=1.2.x");
    assert!(confirm.text.contains("https://s.example/status/acme/confirm?t=1.2.x") && confirm.html.contains("href=\"https://s.example/status/acme/confirm?t=1.2.x\""));
    assert!(confirm.subject.starts_with("Confirm your subscription to Acme"));
}
