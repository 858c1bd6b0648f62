//! DNS monitors (DESIGN.md §3): the query a monitor asks, the DNS-over-HTTPS JSON answer it
//! gets back, and the judge that turns that answer into UP or a DNS failure kind.
//!
//! The resolver speaks the JSON API that Cloudflare (`https://cloudflare-dns.com/dns-query`)
//! and Google (`https://dns.google/resolve`) both serve for `?name=&type=` with
//! `accept: application/dns-json`: `{"Status": 0, "Answer": [{"name", "type", "TTL",
//! "data"}]}`, where `Status` is the DNS RCODE (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN).
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::failure::{Failure, FailureKind};
use super::input::FieldError;

/// The record types a DNS monitor may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RecordType {
    #[default]
    A,
    AAAA,
    CNAME,
    MX,
    TXT,
    NS,
}

impl RecordType {
    pub const ALL: [RecordType; 6] = [Self::A, Self::AAAA, Self::CNAME, Self::MX, Self::TXT, Self::NS];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::AAAA => "AAAA",
            Self::CNAME => "CNAME",
            Self::MX => "MX",
            Self::TXT => "TXT",
            Self::NS => "NS",
        }
    }

    /// The type's number in DNS (RFC 1035, 3596), as the JSON answer's `type` gives it.
    pub fn code(self) -> u16 {
        match self {
            Self::A => 1,
            Self::NS => 2,
            Self::CNAME => 5,
            Self::MX => 15,
            Self::TXT => 16,
            Self::AAAA => 28,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

pub mod limits {
    pub const HOSTNAME_MAX: usize = 253;
    pub const LABEL_MAX: usize = 63;
    pub const EXPECTED_VALUES_MAX: usize = 20;
    pub const VALUE_MAX: usize = 500;
}

/// A hostname as it is queried: IDNA-encoded (`bücher.example` -> `xn--bcher-kva.example`),
/// lower case, no trailing dot; labels of letters, digits, `-` and `_` (service names such as
/// `_dmarc.example.com` hold TXT records). IP addresses are refused: they have no records.
pub fn normalise_hostname(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim();
    let name = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if name.is_empty() {
        return Err("must be a host name such as example.com".into());
    }
    if name.len() > limits::HOSTNAME_MAX {
        return Err(format!("must be at most {} characters", limits::HOSTNAME_MAX));
    }
    // Underscores are not host characters to the URL parser, so IDNA goes label by label.
    let mut labels = Vec::new();
    for label in name.split('.') {
        let ascii = if label.is_ascii() {
            label.to_ascii_lowercase()
        } else {
            match url::Host::parse(label) {
                Ok(url::Host::Domain(d)) => d,
                _ => return Err(format!("label {label:?} is not a valid name")),
            }
        };
        let ok = !ascii.is_empty()
            && ascii.len() <= limits::LABEL_MAX
            && ascii.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !ascii.starts_with('-')
            && !ascii.ends_with('-');
        if !ok {
            return Err(format!(
                "label {label:?} must be 1 to {} letters, digits, '-' or '_' (not starting or ending with '-')",
                limits::LABEL_MAX
            ));
        }
        labels.push(ascii);
    }
    let name = labels.join(".");
    if name.len() > limits::HOSTNAME_MAX {
        return Err(format!("must be at most {} characters once encoded", limits::HOSTNAME_MAX));
    }
    if name.parse::<Ipv4Addr>().is_ok() || name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err("is an IP address, which has no DNS records: give a host name".into());
    }
    Ok(name)
}

/// One expected value, checked for its record type and kept in the form it is compared in.
fn normalise_value(record_type: RecordType, raw: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() || v.len() > limits::VALUE_MAX {
        return Err(format!("must be 1 to {} characters", limits::VALUE_MAX));
    }
    match record_type {
        RecordType::A => v.parse::<Ipv4Addr>().map(|a| a.to_string()).map_err(|_| "must be an IPv4 address for an A record".into()),
        RecordType::AAAA => v.parse::<Ipv6Addr>().map(|a| a.to_string()).map_err(|_| "must be an IPv6 address for an AAAA record".into()),
        RecordType::CNAME | RecordType::NS => normalise_hostname(v),
        RecordType::MX => match v.split_once(' ') {
            Some((pref, host)) => {
                let pref: u16 = pref.parse().map_err(|_| "must be `mail.example.com` or `10 mail.example.com`".to_string())?;
                Ok(format!("{pref} {}", normalise_hostname(host.trim())?))
            }
            None => normalise_hostname(v),
        },
        // TXT is compared exactly as written (it is text, case and spaces count).
        RecordType::TXT => Ok(raw.to_string()),
    }
}

/// Checks and normalises a DNS monitor's fields. Errors name `hostname` or
/// `expected_values[i]`.
pub fn validate(hostname: &str, record_type: RecordType, expected: &[String]) -> Result<(String, Vec<String>), FieldError> {
    let host = normalise_hostname(hostname).map_err(|m| FieldError::new("hostname", m))?;
    if expected.len() > limits::EXPECTED_VALUES_MAX {
        return Err(FieldError::new("expected_values", format!("at most {} values", limits::EXPECTED_VALUES_MAX)));
    }
    let values = expected
        .iter()
        .enumerate()
        .map(|(i, v)| normalise_value(record_type, v).map_err(|m| FieldError::new(&format!("expected_values[{i}]"), m)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((host, values))
}

/// A resolver's answer, reduced to what the judge reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnsReply {
    /// The DNS RCODE (`Status` in the JSON answer).
    pub rcode: u16,
    /// (type code, data) of every answer record, CNAME chain included.
    pub records: Vec<(u16, String)>,
    pub latency_ms: u32,
}

#[derive(Deserialize)]
struct DohJson {
    #[serde(rename = "Status")]
    status: u16,
    #[serde(rename = "Answer", default)]
    answer: Vec<DohRecord>,
}

#[derive(Deserialize)]
struct DohRecord {
    #[serde(rename = "type")]
    kind: u16,
    data: String,
}

/// Parses a DNS-over-HTTPS JSON answer. `Err` says why it is not one.
pub fn parse_reply(body: &str, latency_ms: u32) -> Result<DnsReply, String> {
    let json: DohJson = serde_json::from_str(body).map_err(|e| format!("the resolver's answer is not DNS JSON: {e}"))?;
    Ok(DnsReply { rcode: json.status, records: json.answer.into_iter().map(|r| (r.kind, r.data)).collect(), latency_ms })
}

/// RCODE names (RFC 1035 §4.1.1, RFC 2136).
fn rcode_name(rcode: u16) -> String {
    match rcode {
        1 => "FORMERR".into(),
        2 => "SERVFAIL".into(),
        3 => "NXDOMAIN".into(),
        4 => "NOTIMP".into(),
        5 => "REFUSED".into(),
        n => format!("RCODE {n}"),
    }
}

/// One record's data in the form expected values are kept in (`normalise_value`), so an
/// answer of `Mail.Example.com.` matches an expected `mail.example.com`.
fn record_value(record_type: RecordType, data: &str) -> String {
    match record_type {
        RecordType::TXT => txt_text(data),
        _ => normalise_value(record_type, data).unwrap_or_else(|_| data.trim().to_string()),
    }
}

/// TXT data as text: Cloudflare's resolver quotes each character-string (`"v=spf1" " -all"`,
/// split at 255 bytes), Google's gives the text bare. Quoted strings are joined, as a TXT
/// record's strings are one text.
fn txt_text(data: &str) -> String {
    let d = data.trim();
    if !d.starts_with('"') {
        return d.to_string();
    }
    let mut out = String::new();
    let mut chars = d.chars();
    // Characters outside quotes are the spaces between strings.
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        loop {
            match chars.next() {
                None | Some('"') => break,
                Some('\\') => out.extend(chars.next()),
                Some(c) => out.push(c),
            }
        }
    }
    out
}

/// Whether an MX value matches an expected one: `10 mail.example.com` matches exactly, a bare
/// `mail.example.com` matches any preference.
fn mx_matches(record: &str, expected: &str) -> bool {
    record == expected || (!expected.contains(' ') && record.split_once(' ').is_some_and(|(_, host)| host == expected))
}

/// The DNS judge: `Ok(())` is UP. DOWN on NXDOMAIN, SERVFAIL, any other error RCODE, an
/// answer without a record of the type, or one lacking an expected value (every expected value
/// must be among the answer's records; the answer may hold more).
pub fn judge(hostname: &str, record_type: RecordType, expected: &[String], reply: &DnsReply) -> Result<(), Failure> {
    let t = record_type.as_str();
    match reply.rcode {
        0 => {}
        3 => return Err(Failure::new(FailureKind::DnsNxdomain, format!("dns: NXDOMAIN: {hostname} does not exist"))),
        2 => return Err(Failure::new(FailureKind::DnsServfail, format!("dns: SERVFAIL resolving {hostname} {t}"))),
        n => return Err(Failure::new(FailureKind::DnsError, format!("dns: the resolver answered {} for {hostname} {t}", rcode_name(n)))),
    }
    let values: Vec<String> = reply.records.iter().filter(|(kind, _)| *kind == record_type.code()).map(|(_, d)| record_value(record_type, d)).collect();
    if values.is_empty() {
        return Err(Failure::new(FailureKind::DnsMismatch, format!("dns: no {t} records for {hostname}")));
    }
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| !values.iter().any(|v| if record_type == RecordType::MX { mx_matches(v, e) } else { v == *e }))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let list = |items: &mut dyn Iterator<Item = &String>| items.map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
    Err(Failure::new(
        FailureKind::DnsMismatch,
        format!("dns: {hostname} {t} answer [{}] lacks [{}]", list(&mut values.iter()), list(&mut missing.into_iter())),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureKind as FK;
    use RecordType::*;

    #[test]
    fn hostnames_are_normalised_or_refused() {
        let ok = [
            ("example.com", "example.com"),
            ("Example.COM.", "example.com"),
            ("  api.example.com ", "api.example.com"),
            ("_dmarc.example.com", "_dmarc.example.com"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("com", "com"),
        ];
        for (raw, want) in ok {
            assert_eq!(normalise_hostname(raw).as_deref(), Ok(want), "{raw}");
        }
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(26));
        for bad in ["", ".", "exa mple.com", "a..b", "-a.com", "a-.com", "1.2.3.4", "127.1", "http://example.com", "ex/ample", &long_label, &long_name] {
            assert!(normalise_hostname(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn expected_values_are_checked_per_type() {
        let cases: &[(RecordType, &str, Result<&str, ()>)] = &[
            (A, "93.184.216.34", Ok("93.184.216.34")),
            (A, " 10.0.0.1 ", Ok("10.0.0.1")),
            (A, "::1", Err(())),
            (A, "example.com", Err(())),
            (AAAA, "2001:DB8:0:0::1", Ok("2001:db8::1")),
            (AAAA, "1.2.3.4", Err(())),
            (CNAME, "Target.Example.com.", Ok("target.example.com")),
            (NS, "ns1.example.net", Ok("ns1.example.net")),
            (NS, "1.2.3.4", Err(())),
            (MX, "mail.example.com", Ok("mail.example.com")),
            (MX, "10 Mail.example.com.", Ok("10 mail.example.com")),
            (MX, "ten mail.example.com", Err(())),
            (TXT, "v=spf1 -all", Ok("v=spf1 -all")),
            (TXT, "", Err(())),
        ];
        for (t, raw, want) in cases {
            assert_eq!(normalise_value(*t, raw).map_err(|_| ()).as_deref(), want.as_deref().map_err(|_| &()), "{t:?} {raw:?}");
        }
        let err = validate("example.com", A, &["1.2.3.4".into(), "nope".into()]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("expected_values[1]"));
        assert_eq!(validate("bad host", A, &[]).unwrap_err().field.as_deref(), Some("hostname"));
        let many: Vec<String> = (0..21).map(|i| format!("10.0.0.{i}")).collect();
        assert_eq!(validate("example.com", A, &many).unwrap_err().field.as_deref(), Some("expected_values"));
    }

    #[test]
    fn parses_cloudflare_and_google_json() {
        let cloudflare = r#"{"Status":0,"TC":false,"RD":true,"RA":true,"AD":false,"CD":false,
            "Question":[{"name":"www.example.com","type":1}],
            "Answer":[{"name":"www.example.com","type":5,"TTL":300,"data":"example.com."},
                      {"name":"example.com","type":1,"TTL":300,"data":"93.184.216.34"}]}"#;
        let r = parse_reply(cloudflare, 12).unwrap();
        assert_eq!(r.rcode, 0);
        assert_eq!(r.records, vec![(5, "example.com.".to_string()), (1, "93.184.216.34".to_string())]);
        assert_eq!(r.latency_ms, 12);
        let nx = r#"{"Status":3,"TC":false,"RD":true,"RA":true,"Question":[{"name":"nope.example.","type":1}],
            "Authority":[{"name":"example.","type":6,"TTL":900,"data":"a.iana-servers.net. nstld.iana.org. 1 1800 900 604800 86400"}]}"#;
        assert_eq!(parse_reply(nx, 0).unwrap(), DnsReply { rcode: 3, records: vec![], latency_ms: 0 });
        for bad in ["", "<html>", "{}", r#"{"Status":"0"}"#, r#"{"Status":0,"Answer":[{"type":1}]}"#] {
            assert!(parse_reply(bad, 0).is_err(), "{bad:?}");
        }
    }

    fn reply(rcode: u16, records: &[(u16, &str)]) -> DnsReply {
        DnsReply { rcode, records: records.iter().map(|(k, d)| (*k, d.to_string())).collect(), latency_ms: 5 }
    }

    /// The judge's table: (type, expected, answer) -> UP, or the kind and the reason.
    #[test]
    #[allow(clippy::type_complexity)] // one table row per case reads better than a named type
    fn the_dns_answer_judge() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let a = reply(0, &[(5, "example.com."), (1, "93.184.216.34"), (1, "93.184.216.35")]);
        #[rustfmt::skip]
        let cases: Vec<(&str, RecordType, Vec<String>, DnsReply, Result<(), (FailureKind, &str)>)> = vec![
            ("any A is up", A, s(&[]), a.clone(), Ok(())),
            ("expected A present", A, s(&["93.184.216.35"]), a.clone(), Ok(())),
            ("all expected present", A, s(&["93.184.216.34", "93.184.216.35"]), a.clone(), Ok(())),
            ("one expected missing", A, s(&["93.184.216.34", "10.0.0.1"]), a.clone(),
                Err((FK::DnsMismatch, r#"dns: example.com A answer ["93.184.216.34", "93.184.216.35"] lacks ["10.0.0.1"]"#))),
            ("the CNAME of the chain is not an A", A, s(&["example.com"]), a.clone(), Err((FK::DnsMismatch, r#"dns: example.com A answer ["93.184.216.34", "93.184.216.35"] lacks ["example.com"]"#))),
            ("no records of the type", AAAA, s(&[]), a.clone(), Err((FK::DnsMismatch, "dns: no AAAA records for example.com"))),
            ("empty NOERROR", A, s(&[]), reply(0, &[]), Err((FK::DnsMismatch, "dns: no A records for example.com"))),
            ("nxdomain", A, s(&[]), reply(3, &[]), Err((FK::DnsNxdomain, "dns: NXDOMAIN: example.com does not exist"))),
            ("nxdomain beats expected", A, s(&["1.2.3.4"]), reply(3, &[]), Err((FK::DnsNxdomain, "dns: NXDOMAIN: example.com does not exist"))),
            ("servfail", MX, s(&[]), reply(2, &[]), Err((FK::DnsServfail, "dns: SERVFAIL resolving example.com MX"))),
            ("refused", A, s(&[]), reply(5, &[]), Err((FK::DnsError, "dns: the resolver answered REFUSED for example.com A"))),
            ("odd rcode", A, s(&[]), reply(9, &[]), Err((FK::DnsError, "dns: the resolver answered RCODE 9 for example.com A"))),
            ("AAAA compared as addresses", AAAA, s(&["2001:db8::1"]), reply(0, &[(28, "2001:0db8:0000::0001")]), Ok(())),
            ("CNAME case and dot", CNAME, s(&["target.example.net"]), reply(0, &[(5, "Target.Example.NET.")]), Ok(())),
            ("NS", NS, s(&["ns1.example.net", "ns2.example.net"]), reply(0, &[(2, "ns2.example.net."), (2, "ns1.example.net.")]), Ok(())),
            ("MX host matches any preference", MX, s(&["mail.example.com"]), reply(0, &[(15, "10 mail.example.com.")]), Ok(())),
            ("MX with preference matches exactly", MX, s(&["10 mail.example.com"]), reply(0, &[(15, "10 mail.example.com.")]), Ok(())),
            ("MX wrong preference", MX, s(&["20 mail.example.com"]), reply(0, &[(15, "10 mail.example.com.")]),
                Err((FK::DnsMismatch, r#"dns: example.com MX answer ["10 mail.example.com"] lacks ["20 mail.example.com"]"#))),
            ("TXT quoted (Cloudflare)", TXT, s(&["v=spf1 include:_spf.example.com -all"]), reply(0, &[(16, r#""v=spf1 include:_spf.example.com -all""#)]), Ok(())),
            ("TXT split strings joined", TXT, s(&["abcdef"]), reply(0, &[(16, r#""abc" "def""#)]), Ok(())),
            ("TXT escaped quote", TXT, s(&[r#"say "hi""#]), reply(0, &[(16, r#""say \"hi\"""#)]), Ok(())),
            ("TXT bare (Google)", TXT, s(&["google-site-verification=x"]), reply(0, &[(16, "google-site-verification=x")]), Ok(())),
            ("TXT is case-sensitive", TXT, s(&["V=SPF1"]), reply(0, &[(16, "\"v=spf1\"")]), Err((FK::DnsMismatch, r#"dns: example.com TXT answer ["v=spf1"] lacks ["V=SPF1"]"#))),
        ];
        for (name, t, expected, reply, want) in cases {
            let got = judge("example.com", t, &expected, &reply).map_err(|f| (f.kind, f.reason));
            assert_eq!(got.as_ref().map(|_| ()).map_err(|(k, r)| (*k, r.as_str())), want, "{name}");
        }
    }
}
