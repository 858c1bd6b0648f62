//! Reminders while an incident stays open (DESIGN.md §6): glue only. Who is due is one query
//! (`store::alerts::due_reminders`), what a reminder is and when it falls due is
//! `core::reminder`, and its sends are created in one `INSERT ... SELECT`.
use worker::{D1Database, Env};

use super::enqueue_sends;
use super::fan_out::{check_info, render};
use crate::bindings::AlertConfig;
use crate::core::endpoint::Kind;
use crate::core::failure::FailureKind;
use crate::core::reminder::{self, ReminderInfo};
use crate::core::time::{parse_iso, EpochMs};
use crate::core::webhook::{EventInfo, EventKind, IncidentInfo, MonitorInfo, ProjectInfo};
use crate::error::AppError;
use crate::store::alerts::{self as store, DueReminder};
use crate::store::deliveries::{NewSend, SendRef};

/// Reminders created per tick at most; the rest are due on the next tick (each candidate row
/// is due and unsent, so the backlog drains).
const REMINDERS_PER_TICK: u32 = 50;

/// Creates the sends of the reminders due now, in one statement, and enqueues the ones it
/// created. Two ticks in one period build the same message ids, so the second creates nothing.
pub async fn remind(env: &Env, db: &D1Database, config: &AlertConfig, now: EpochMs) -> Result<usize, AppError> {
    let unit_ms = i64::from(config.reminder_unit_seconds) * 1000;
    let due = store::due_reminders(db, now, unit_ms, REMINDERS_PER_TICK).await?;
    let mut rows = Vec::new();
    for d in &due {
        let Some(new) = reminder_send(d, config, now) else { continue };
        rows.push(serde_json::json!({ "m": new.send.message_id, "e": new.send.endpoint_id, "r": new.send.recipient, "i": new.incident_id, "p": new.payload }));
    }
    if rows.is_empty() {
        return Ok(0);
    }
    let created: Vec<SendRef> = store::create_reminder_sends(db, serde_json::Value::Array(rows).to_string(), reminder::EVENT, now).await?;
    let n = created.len();
    if n > 0 {
        worker::console_log!("alert reminders: {n} created");
    }
    enqueue_sends(env, created).await?;
    Ok(n)
}

/// The send of the reminder due now for one row, rendered once; `None` if nothing is due
/// (the SQL and `reminder::due` agree, so this is a guard, not a filter).
fn reminder_send(d: &DueReminder, config: &AlertConfig, now: EpochMs) -> Option<NewSend> {
    let opened_at = parse_iso(&d.opened_at)?;
    let every_minutes = u32::try_from(d.reminder_minutes).ok()?;
    let interval = reminder::interval_ms(every_minutes, config.reminder_unit_seconds)?;
    let number = reminder::due(opened_at, interval, now)?;
    let due_at = reminder::due_at(opened_at, interval, number);
    let kind = Kind::parse(&d.endpoint_kind)?;
    let check = check_info(&d.check_status, &d.check_started_at, d.http_status, d.latency_ms, &d.failure_type, &d.check_failure_kind);
    let info = EventInfo {
        kind: EventKind::IncidentReminder,
        project: ProjectInfo { id: d.project_id, slug: d.project_slug.clone(), name: d.project_name.clone() },
        monitor: Some(MonitorInfo::from_columns(
            d.monitor_id,
            &d.monitor_name,
            &d.monitor_url,
            &d.monitor_type,
            d.monitor_hostname.as_deref(),
            d.monitor_record_type.as_deref(),
        )),
        incident: Some(IncidentInfo {
            id: d.incident_id,
            opened_at,
            resolved_at: None,
            cause: Some(d.cause.clone()),
            failure_kind: d.incident_failure_kind.as_deref().and_then(FailureKind::parse),
            reminder: Some(ReminderInfo { number, due_at, every_minutes }),
        }),
        check,
    };
    Some(NewSend {
        send: SendRef { message_id: reminder::message_id(d.incident_id, opened_at, number), endpoint_id: d.endpoint_id, recipient: d.recipient.clone() },
        event: reminder::EVENT.to_string(),
        incident_id: Some(d.incident_id),
        payload: render(kind, &info, config, due_at),
    })
}
