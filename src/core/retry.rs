//! Retries within one check (seed 000's urllib3 settings): which attempt outcomes are worth
//! another try, and how long to wait before it.
use super::classify::ProbeOutcome;
use super::monitor::MonitorSpec;

/// urllib3's `backoff_max` default is 120 s; a check must finish well inside a queue
/// invocation, so ours is lower.
pub const BACKOFF_MAX_MS: u32 = 10_000;

/// Milliseconds to sleep before retry number `retry` (1 = the first retry), exactly as urllib3
/// 2.x `Retry.get_backoff_time`: 0 after the first failure, then
/// `backoff_factor * 2^(consecutive_errors - 1)`, capped. So factor 0.3 sleeps 0, 0.6 s, 1.2 s.
pub fn backoff_ms(backoff_factor: f64, retry: u32) -> u32 {
    if retry <= 1 {
        return 0;
    }
    let seconds = backoff_factor * 2f64.powi(retry as i32 - 1);
    (seconds * 1000.0).round().clamp(0.0, BACKOFF_MAX_MS as f64) as u32
}

/// Whether an attempt's outcome is worth retrying: a connection failure, or a status in
/// `retry_status_codes`. A timeout is not retried: it already spent the whole timeout, and
/// repeating it would hold the check for up to 4x as long.
pub fn should_retry(spec: &MonitorSpec, outcome: &ProbeOutcome) -> bool {
    match outcome {
        // A resolver that could not answer is worth another try, like a connection error.
        ProbeOutcome::NetworkError { .. } | ProbeOutcome::ResolverFailed { .. } => true,
        ProbeOutcome::Response(answer) => spec.retry_status_codes.contains(&answer.status),
        // A connection that opened and a DNS answer (NXDOMAIN included) are final.
        ProbeOutcome::Timeout { .. } | ProbeOutcome::Refused { .. } | ProbeOutcome::Connected { .. } | ProbeOutcome::Resolved(_) => false,
    }
}

/// The sleeps a check with `retries` retries would take if every attempt failed.
pub fn schedule_ms(backoff_factor: f64, retries: u32) -> Vec<u32> {
    (1..=retries).map(|n| backoff_ms(backoff_factor, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::classify::{HttpAnswer, NetworkErrorKind, Refusal};

    #[test]
    fn urllib3_schedule_table() {
        let cases: &[(f64, u32, &[u32])] = &[
            (0.3, 3, &[0, 600, 1200]),
            (0.1, 3, &[0, 200, 400]),
            (0.0, 3, &[0, 0, 0]),
            (1.0, 2, &[0, 2000]),
            (0.3, 0, &[]),
            (5.0, 3, &[0, 10_000, 10_000]), // capped at BACKOFF_MAX_MS
        ];
        for (factor, retries, want) in cases {
            assert_eq!(schedule_ms(*factor, *retries), want.to_vec(), "factor {factor}, retries {retries}");
        }
    }

    #[test]
    fn what_is_retried() {
        let spec = MonitorSpec::default(); // retry_status_codes [502, 503, 504]
        let status = |s| ProbeOutcome::Response(HttpAnswer { status: s, ..Default::default() });
        let cases = [
            ("503 retried", status(503), true),
            ("502 retried", status(502), true),
            ("504 retried", status(504), true),
            ("500 not in list", status(500), false),
            ("501 not in list", status(501), false),
            ("200 is final", status(200), false),
            ("connection error retried", ProbeOutcome::NetworkError { kind: NetworkErrorKind::Connection, message: String::new() }, true),
            ("timeout not retried", ProbeOutcome::Timeout { after_ms: 1 }, false),
            ("refused not retried", ProbeOutcome::Refused { kind: Refusal::Target, reason: String::new() }, false),
            ("tcp connected is final", ProbeOutcome::Connected { latency_ms: 3 }, false),
            ("dns answer is final", ProbeOutcome::Resolved(crate::core::dns::DnsReply { rcode: 3, ..Default::default() }), false),
            ("resolver failure retried", ProbeOutcome::ResolverFailed { reason: String::new() }, true),
        ];
        for (name, outcome, want) in cases {
            assert_eq!(should_retry(&spec, &outcome), want, "{name}");
        }
        let custom = MonitorSpec { retry_status_codes: vec![501], ..MonitorSpec::default() };
        assert!(should_retry(&custom, &status(501)) && !should_retry(&custom, &status(503)));
    }
}
