//! Time zones for heartbeat schedules (DESIGN.md §3), from the runtime's own ICU data through
//! `Intl.DateTimeFormat`: workerd ships the IANA database, so the wasm carries none (chrono-tz
//! would add ~130 KiB gzipped). The core walks local time through [`ZoneRules`]; this is the
//! worker's implementation, and host tests use chrono-tz's.
use worker::js_sys::{self, Array, Date, Function, Intl, Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};

use crate::core::heartbeat::ZoneRules;
use crate::core::input::FieldError;
use crate::core::monitor::MonitorSpec;
use crate::core::time::EpochMs;

/// A zone the runtime knows, with its formatter built once.
pub struct IntlZone {
    format: Intl::DateTimeFormat,
}

impl IntlZone {
    /// `None` when the runtime does not know the name (the constructor throws a RangeError;
    /// `Reflect.construct` turns that into an error instead of a trap).
    pub fn new(name: &str) -> Option<Self> {
        let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let ctor: Function = Reflect::get(&intl, &JsValue::from_str("DateTimeFormat")).ok()?.dyn_into().ok()?;
        let options = Object::new();
        for (key, value) in [
            ("timeZone", name),
            ("hourCycle", "h23"),
            ("year", "numeric"),
            ("month", "numeric"),
            ("day", "numeric"),
            ("hour", "numeric"),
            ("minute", "numeric"),
            ("second", "numeric"),
        ] {
            Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).ok()?;
        }
        let args = Array::of2(&JsValue::from_str("en-US"), &options);
        let format = Reflect::construct(&ctor, &args).ok()?.dyn_into::<Intl::DateTimeFormat>().ok()?;
        Some(Self { format })
    }
}

impl ZoneRules for IntlZone {
    /// The wall clock at `utc_ms` read back as if it were UTC, minus `utc_ms`: the offset.
    fn offset_seconds(&self, utc_ms: EpochMs) -> i32 {
        let whole_second = utc_ms.div_euclid(1000) * 1000;
        let parts = self.format.format_to_parts(&Date::new(&JsValue::from_f64(whole_second as f64)));
        let mut field = [0i64; 6]; // year, month, day, hour, minute, second
        for part in parts.iter() {
            let get = |k: &str| Reflect::get(&part, &JsValue::from_str(k)).ok().and_then(|v| v.as_string()).unwrap_or_default();
            let slot = match get("type").as_str() {
                "year" => 0,
                "month" => 1,
                "day" => 2,
                "hour" => 3,
                "minute" => 4,
                "second" => 5,
                _ => continue,
            };
            field[slot] = get("value").parse().unwrap_or(0);
        }
        let wall = chrono::NaiveDate::from_ymd_opt(field[0] as i32, field[1] as u32, field[2] as u32)
            .and_then(|d| d.and_hms_opt((field[3] % 24) as u32, field[4] as u32, field[5] as u32))
            .map(|dt| dt.and_utc().timestamp_millis());
        match wall {
            Some(wall_ms) => ((wall_ms - whole_second) / 1000) as i32,
            None => 0,
        }
    }
}

/// Whether the runtime knows a heartbeat monitor's time zone: the core checks the name's form,
/// this its existence, so an unknown zone is a 400 naming `tz` on create, edit and import.
pub fn check(spec: &MonitorSpec) -> Result<(), FieldError> {
    match &spec.tz {
        Some(tz) if IntlZone::new(tz).is_none() => Err(FieldError::new("tz", format!("{tz} is not a time zone this runtime knows (IANA names, e.g. Europe/Berlin)"))),
        _ => Ok(()),
    }
}
