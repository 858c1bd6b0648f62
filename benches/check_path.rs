//! Per-check core path benchmark (not a test): the pure work the consumer does for every check,
//! natively, as a floor under the isolate's CPU per check (docs/COST.md).
//!
//!   cargo bench --bench check_path [-- --iters 200000]
//!
//! Per check the consumer parses the monitor's config carried in the queue message
//! (`MonitorSpec` from JSON), classifies the probe's outcome, steps the incident state machine
//! and renders the cost line's share (the line is once per invocation; here once per 100 checks).
//! Three cases: a steady UP answer, a DOWN status, and a keyword check reading a 2 KB body.
//! Prints ns per check (mean, p50, p99 over batches of 100). Bench profile = release settings
//! (opt-level "s", LTO), native: wasm in V8 runs the same code somewhat slower.
use std::hint::black_box;
use std::time::Instant;

use vigil::core::classify::{classify, HttpAnswer, ProbeOutcome};
use vigil::core::incident::{self, Effect, Streaks, Thresholds};
use vigil::core::monitor::MonitorSpec;
use vigil::core::ssrf::TargetPolicy;
use vigil::core::usage::{Invocation, Usage, UsageLine};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == &format!("--{name}"))
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * sorted.len() as f64).floor() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Case {
    name: &'static str,
    spec_json: String,
    outcome: ProbeOutcome,
}

fn answer(status: u16, body: &str) -> ProbeOutcome {
    ProbeOutcome::Response(HttpAnswer {
        status,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into()), ("server".into(), "nginx".into())],
        body: body.into(),
        latency_ms: 87,
    })
}

/// One check's pure work; returns something that depends on all of it so nothing is optimised out.
fn one_check(case: &Case, streaks: Streaks) -> Streaks {
    let spec: MonitorSpec = serde_json::from_str(black_box(&case.spec_json)).expect("spec parses");
    let verdict = classify(&spec, black_box(&case.outcome));
    let effect = Effect::of(verdict.status, spec.bot_counts_as_failure);
    let step = incident::step(streaks, effect, Thresholds { failure: spec.failure_threshold, recovery: spec.recovery_threshold });
    black_box(&verdict);
    step.streaks
}

fn main() {
    let iters = arg("iters", 200_000).max(100);
    // Validated as the API would, with the defaults filled in: what the tick carries per job.
    let mut spec = MonitorSpec::create(r#"{"name":"Shop","url":"https://www.example.com/health"}"#, 1, TargetPolicy::default()).expect("valid monitor");
    let plain = serde_json::to_string(&spec).expect("spec serializes");
    spec.body_contains = Some("healthy".into());
    let keyword = serde_json::to_string(&spec).expect("spec serializes");
    let body = format!("<html><body>{}all systems healthy</body></html>", "x".repeat(2000));
    let cases = [
        Case { name: "steady UP (200)", spec_json: plain.clone(), outcome: answer(200, "") },
        Case { name: "DOWN (503)", spec_json: plain, outcome: answer(503, "") },
        Case { name: "UP, keyword in a 2 KB body", spec_json: keyword, outcome: answer(200, &body) },
    ];
    println!("spec JSON carried per check: {} bytes", cases[0].spec_json.len());
    println!("{:<28} {:>10} {:>10} {:>10}", "case", "mean ns", "p50 ns", "p99 ns");
    for case in &cases {
        let mut streaks = Streaks::default();
        for _ in 0..iters / 10 {
            streaks = one_check(case, streaks);
        }
        let batches = iters / 100;
        let mut per_check_ns = Vec::with_capacity(batches);
        let wall = Instant::now();
        for b in 0..batches {
            let t0 = Instant::now();
            for _ in 0..100 {
                streaks = one_check(case, streaks);
            }
            let line = UsageLine { checks: 100, ..UsageLine::new(Invocation::Consumer, Usage { d1_rows_written: b as u64, ..Usage::default() }) };
            black_box(line.render());
            per_check_ns.push(t0.elapsed().as_secs_f64() * 1e9 / 100.0);
        }
        let mean = wall.elapsed().as_secs_f64() * 1e9 / (batches * 100) as f64;
        per_check_ns.sort_by(f64::total_cmp);
        println!("{:<28} {:>10.0} {:>10.0} {:>10.0}", case.name, mean, pct(&per_check_ns, 50.0), pct(&per_check_ns, 99.0));
        black_box(streaks);
    }
}
