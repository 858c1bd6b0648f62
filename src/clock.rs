//! The one place vigil reads the time. Everything else takes `now` as an argument.
//! (`std::time::SystemTime::now()` panics on wasm32; the JS clock is the real one here.)
use crate::core::time::EpochMs;

/// Milliseconds since the Unix epoch. On Workers the clock advances only across I/O, which is
/// exactly what latency measurement around a fetch needs.
pub fn now_ms() -> EpochMs {
    // The offset is 0 unless a test moved the clock (`/__test/clock`, VIGIL_TEST_HOOKS only).
    js_sys_now() as EpochMs + crate::hooks::clock_offset_ms()
}

#[cfg(target_arch = "wasm32")]
fn js_sys_now() -> f64 {
    worker::Date::now().as_millis() as f64
}

/// Host builds (cargo test) have a real system clock.
#[cfg(not(target_arch = "wasm32"))]
fn js_sys_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0)
}
