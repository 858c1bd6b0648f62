//! Status page render benchmark (not a test): the pure core's `view()` + `render_html()` for the
//! 50-monitor sample page, natively.
//!
//!   cargo bench --bench render [-- --iters 2000 --monitors 50]
//!
//! `sample_data` exists only in test builds and with the crate's `bench` feature, which the
//! crate's dev-dependency on itself turns on for benches: the worker never carries it.
//!
//! Builds `sample_data(monitors, now)` once (outside the timed loop), then times each
//! `view(&input) + render_html(&view)` separately with `Instant` and prints mean, p50, p99 and
//! max per render in microseconds, the view/render split, and the HTML size. Runs under the
//! `bench` profile (release settings from Cargo.toml: opt-level "s", LTO), i.e. the same
//! optimisation the wasm worker ships with, but native: wasm in V8 is somewhat slower.
use std::hint::black_box;
use std::time::Instant;

use vigil::core::status_page::{render_html, sample_data, view};

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

fn main() {
    let iters = arg("iters", 2_000).max(1);
    let monitors = arg("monitors", 50);
    let warmup = (iters / 10).max(10);
    // A fixed instant (2026-11-21T06:00:00.123Z) so every run renders the same page.
    let now: i64 = 1_795_240_800_123;

    let data = sample_data(monitors, now);
    let input = data.input();

    let html = render_html(&view(&input));
    let size = html.len();
    for _ in 0..warmup {
        black_box(render_html(&view(black_box(&input))));
    }

    let mut total_us = Vec::with_capacity(iters);
    let mut view_us = Vec::with_capacity(iters);
    let mut render_us = Vec::with_capacity(iters);
    let wall = Instant::now();
    for _ in 0..iters {
        let t0 = Instant::now();
        let v = view(black_box(&input));
        let t1 = Instant::now();
        let out = render_html(&v);
        let t2 = Instant::now();
        assert_eq!(black_box(out).len(), size, "render is not deterministic");
        view_us.push((t1 - t0).as_secs_f64() * 1e6);
        render_us.push((t2 - t1).as_secs_f64() * 1e6);
        total_us.push((t2 - t0).as_secs_f64() * 1e6);
    }
    let wall_s = wall.elapsed().as_secs_f64();
    for xs in [&mut total_us, &mut view_us, &mut render_us] {
        xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;

    println!("status page render (view + render_html), {monitors} monitors, {iters} iterations after {warmup} warm-up");
    println!("  html bytes       {size}");
    println!(
        "  per render (us)  mean {:.1}  p50 {:.1}  p99 {:.1}  max {:.1}  min {:.1}",
        mean(&total_us),
        pct(&total_us, 50.0),
        pct(&total_us, 99.0),
        total_us[total_us.len() - 1],
        total_us[0]
    );
    println!("  view() (us)      mean {:.1}  p99 {:.1}", mean(&view_us), pct(&view_us, 99.0));
    println!("  render_html (us) mean {:.1}  p99 {:.1}", mean(&render_us), pct(&render_us, 99.0));
    println!("  renders/s        {:.0} (one thread)", iters as f64 / wall_s);
    println!(
        "{{\"bench\":\"render\",\"monitors\":{monitors},\"iterations\":{iters},\"html_bytes\":{size},\"mean_us\":{:.1},\"p50_us\":{:.1},\"p99_us\":{:.1},\"max_us\":{:.1},\"view_mean_us\":{:.1},\"render_html_mean_us\":{:.1}}}",
        mean(&total_us),
        pct(&total_us, 50.0),
        pct(&total_us, 99.0),
        total_us[total_us.len() - 1],
        mean(&view_us),
        mean(&render_us)
    );
}
