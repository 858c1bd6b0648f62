//! Checks-queue messages (DESIGN.md §3): a tick packs many check jobs into one message, because
//! a message costs three queue operations (write, read, delete) whatever it carries. A job that
//! fails is sent again on its own ([`CheckJob`] with its attempt number); re-checks and manual
//! runs are one-job messages too.
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::schedule::{CheckJob, JobKind};
use super::status::CheckStatus;

/// Queues bill each 64 KB of a message as one operation, and refuse messages over 128 KB: a
/// packed message stays under 60,000 bytes (estimated, see [`job_bytes`]).
pub const MESSAGE_BYTES_MAX: usize = 60_000;
/// `send_batch` takes at most 100 messages and 256 KB per call.
pub const SEND_BATCH_MESSAGES_MAX: usize = 100;
pub const SEND_BATCH_BYTES_MAX: usize = 240_000;
/// Jobs per packed message unless `CHECK_JOBS_PER_MESSAGE` says otherwise: at three operations
/// a message, 100 jobs cost 0.03 operations per check.
pub const JOBS_PER_MESSAGE_DEFAULT: u32 = 100;
/// Messages a checks-queue consumer invocation takes: `max_batch_size` of both checks queues
/// in wrangler.toml (a host test keeps them equal).
pub const CONSUMER_BATCH_MESSAGES: usize = 3;
/// What a message costs besides its jobs' specs: the envelope and each job's id and keys.
const ENVELOPE_BYTES: usize = 64;
const JOB_OVERHEAD_BYTES: usize = 40;

/// One checks-queue message: many jobs of one slot and kind, or a single job. Untagged, so a
/// one-job message is exactly a [`CheckJob`] (what re-checks, manual runs and messages queued
/// before packing look like).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CheckMessage {
    Packed(PackedJobs),
    One(CheckJob),
}

/// Jobs that share a slot and kind: a tick's scheduled checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedJobs {
    pub slot: i64,
    pub kind: JobKind,
    pub jobs: Vec<PackedJob>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedJob {
    pub monitor_id: i64,
    /// The monitor's config as JSON (see [`CheckJob::spec`]); left out when it alone would
    /// not fit a message, and the consumer reads it from D1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// Its last check timed out: it may hold only a few connection slots (`src/pool.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
}

impl CheckMessage {
    /// The message's jobs, each with its slot, kind and attempt.
    pub fn jobs(&self) -> Vec<CheckJob> {
        match self {
            Self::Packed(p) => p.jobs.iter().map(|j| CheckJob { timed_out: j.timed_out, ..CheckJob::new(j.monitor_id, p.slot, p.kind, j.spec.clone()) }).collect(),
            Self::One(job) => vec![job.clone()],
        }
    }

    /// Estimated bytes on the queue.
    pub fn bytes(&self) -> usize {
        match self {
            Self::Packed(p) => ENVELOPE_BYTES + p.jobs.iter().map(|j| job_bytes(j.spec.as_deref())).sum::<usize>(),
            Self::One(job) => ENVELOPE_BYTES + job_bytes(job.spec.as_deref()),
        }
    }
}

/// A job's estimated size in a message. Queues carry messages in V8's serialization, where a
/// string with any non-Latin-1 character takes 2 bytes per character, so non-ASCII text counts
/// double (an over-estimate for Latin-1, never an under-estimate).
pub fn job_bytes(spec: Option<&str>) -> usize {
    JOB_OVERHEAD_BYTES + spec.map_or(0, |s| if s.is_ascii() { s.len() } else { 2 * s.len() })
}

/// Packs one slot's jobs, in order, into messages of at most `max_jobs` jobs and
/// [`MESSAGE_BYTES_MAX`] bytes. A job whose spec alone would overflow a message goes without
/// it (the consumer then reads the config from D1).
pub fn pack(slot: i64, kind: JobKind, jobs: Vec<PackedJob>, max_jobs: usize) -> Vec<PackedJobs> {
    let max_jobs = max_jobs.max(1);
    let mut messages: Vec<PackedJobs> = Vec::new();
    let mut bytes = 0;
    for mut job in jobs {
        if ENVELOPE_BYTES + job_bytes(job.spec.as_deref()) > MESSAGE_BYTES_MAX {
            job.spec = None;
        }
        let size = job_bytes(job.spec.as_deref());
        match messages.last_mut() {
            Some(m) if m.jobs.len() < max_jobs && bytes + size <= MESSAGE_BYTES_MAX => {
                bytes += size;
                m.jobs.push(job);
            }
            _ => {
                bytes = ENVELOPE_BYTES + size;
                messages.push(PackedJobs { slot, kind, jobs: vec![job] });
            }
        }
    }
    messages
}

/// Jobs per message for a tick of `jobs` jobs: at most `max_jobs`, and when more than one
/// message is needed, spread so that the messages fill whole consumer batches of `batch`. A
/// batch with room left is delivered only after `max_batch_timeout` (1 s), locally and on
/// Cloudflare, and locally batches run one after another: 10 messages of 100 jobs made three
/// invocations of 300 checks and a fourth of 100 that first waited a second. 12 messages of
/// 84 make four even ones that start at once, for 2 more messages (0.036 operations a check).
pub fn balanced_jobs_per_message(jobs: usize, max_jobs: usize, batch: usize) -> usize {
    let (max_jobs, batch) = (max_jobs.max(1), batch.max(1));
    let messages = jobs.div_ceil(max_jobs);
    if messages <= 1 {
        return max_jobs;
    }
    jobs.div_ceil(messages.div_ceil(batch) * batch).max(1)
}

/// Splits messages of these sizes, in order, into `send_batch` calls within the platform's
/// limits (100 messages, 256 KB per call).
pub fn send_groups(sizes: &[usize], max_messages: usize) -> Vec<Range<usize>> {
    let max_messages = max_messages.clamp(1, SEND_BATCH_MESSAGES_MAX);
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, &size) in sizes.iter().enumerate() {
        if i > start && (i - start >= max_messages || bytes + size > SEND_BATCH_BYTES_MAX) {
            groups.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < sizes.len() {
        groups.push(start..sizes.len());
    }
    groups
}

/// Which checks queue carries a job (DESIGN.md §3). Monitors whose last check timed out, or
/// whose checks are slow ([`slow_lane_after`]), go to the slow lane, its own queue and
/// consumer: a hanging target holds its connection for its whole timeout, and in the main lane
/// it would hold the invocation (and the messages queued behind it) as long, while every
/// healthy check waits. A main-lane check still open after `HANDOFF_AFTER_MS` is handed to
/// the slow lane (`probe::run`), so a target that starts hanging costs the main lane that
/// long, not its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Main,
    Slow,
}

impl Lane {
    pub fn of(timed_out: bool) -> Self {
        if timed_out {
            Self::Slow
        } else {
            Self::Main
        }
    }
}

/// Whether a monitor's jobs go to the slow lane, from its stored state: its last check timed
/// out, or its checks are slow (`monitors.slow_lane`, set by [`slow_lane_after`]). The tick,
/// manual runs and (in SQL, `store::checks::LOST_RECHECKS`) lost re-checks all ask this.
pub fn in_slow_lane(status: Option<CheckStatus>, slow_lane: bool) -> bool {
    slow_lane || status == Some(CheckStatus::Timeout)
}

/// Whether a monitor's checks belong in the slow lane after a check that answered in
/// `latency_ms` (`None`: no answer to time, such as a refused connection; a timeout sends the
/// monitor there by its status) in the slow lane or not (`ran_slow`), for a hand-off time of
/// `handoff_after_ms` (0: hand-offs off, lanes by status alone). Slower than the hand-off time
/// is slow; back in the main lane only when a check answers within half of it, so a site
/// hovering at the hand-off time does not flip lanes every minute.
pub fn slow_lane_after(ran_slow: bool, latency_ms: Option<u32>, handoff_after_ms: u32) -> bool {
    let Some(latency) = latency_ms else { return false };
    if handoff_after_ms == 0 {
        return false;
    }
    let limit = if ran_slow { handoff_after_ms / 2 } else { handoff_after_ms };
    latency > limit
}

/// Items split by lane, each lane in order, the main lane first; an empty lane is left out.
/// Every sender of check jobs (the tick, per-job retries, lost re-checks) goes through it.
pub fn by_lane<T>(items: Vec<T>, timed_out: impl Fn(&T) -> bool) -> Vec<(Lane, Vec<T>)> {
    let (slow, main): (Vec<T>, Vec<T>) = items.into_iter().partition(|i| timed_out(i));
    [(Lane::Main, main), (Lane::Slow, slow)].into_iter().filter(|(_, items)| !items.is_empty()).collect()
}

/// One `send_batch` group's jobs, in order, packed per lane: the main lane's messages first.
/// Each lane gets no more messages than the group had, so each send stays within its limits.
pub fn pack_lanes(slot: i64, kind: JobKind, jobs: &[PackedJob], max_jobs: usize) -> Vec<(Lane, Vec<PackedJobs>)> {
    by_lane(jobs.to_vec(), |j| j.timed_out).into_iter().map(|(lane, jobs)| (lane, pack(slot, kind, jobs, max_jobs))).collect()
}

/// The checks one invocation handed to the slow lane (DESIGN.md §3), as the messages that
/// carry them there: first attempts packed per (slot, kind) like a tick's jobs, marked slow; a
/// later attempt (a retried job) in a message of its own, since a packed job has no attempt
/// number. One message for a whole invocation's hand-offs instead of one each saves queue
/// operations, and lets the slow lane run them in one invocation on all its slots.
pub fn pack_handoffs(jobs: &[CheckJob], max_jobs: usize) -> Vec<CheckMessage> {
    let mut groups: Vec<((i64, JobKind), Vec<PackedJob>)> = Vec::new();
    let mut alone = Vec::new();
    for job in jobs {
        if job.attempt > 1 {
            alone.push(CheckMessage::One(CheckJob { timed_out: true, ..job.clone() }));
            continue;
        }
        let packed = PackedJob { monitor_id: job.monitor_id, spec: job.spec.clone(), timed_out: true };
        match groups.iter_mut().find(|(key, _)| *key == (job.slot, job.kind)) {
            Some((_, group)) => group.push(packed),
            None => groups.push(((job.slot, job.kind), vec![packed])),
        }
    }
    let packed = groups.into_iter().flat_map(|((slot, kind), jobs)| pack(slot, kind, jobs, max_jobs)).map(CheckMessage::Packed);
    packed.chain(alone).collect()
}

/// What becomes of a job that failed in the consumer: sent again on its own with the next
/// attempt number, or given up (logged dead) after [`super::schedule::JOB_MAX_ATTEMPTS`].
pub fn retry_of(job: &CheckJob, max_attempts: u32) -> Option<CheckJob> {
    (job.attempt < max_attempts).then(|| CheckJob { attempt: job.attempt + 1, ..job.clone() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whole batches: the message count is a multiple of the batch size once there is more
    /// than one message, never more jobs than `max_jobs` in one, and one message when one will do.
    #[test]
    fn a_ticks_messages_fill_whole_consumer_batches() {
        let cases: &[(usize, usize, usize, usize, usize)] = &[
            // jobs, max per message, batch, jobs per message, messages
            (0, 100, 3, 100, 0),
            (40, 100, 3, 100, 1),
            (100, 100, 3, 100, 1),
            (101, 100, 3, 34, 3),
            (250, 100, 3, 84, 3),
            (301, 100, 3, 51, 6),
            (1000, 100, 3, 84, 12),
            (10_000, 100, 3, 99, 102),
            (10_001, 100, 3, 99, 102),
            (1000, 100, 1, 100, 10),
        ];
        for &(jobs, max, batch, per, messages) in cases {
            let got = balanced_jobs_per_message(jobs, max, batch);
            assert_eq!((got, jobs.div_ceil(got)), (per, messages), "{jobs} jobs, {max} per message, batches of {batch}");
            assert!(got <= max);
        }
    }

    /// The constant the scheduler balances by is what wrangler.toml gives both checks queues.
    #[test]
    fn the_batch_size_matches_wrangler_toml() {
        let toml = include_str!("../../wrangler.toml");
        let mut sizes = Vec::new();
        for consumer in toml.split("[[queues.consumers]]").skip(1) {
            let block = consumer.split("\n[").next().unwrap();
            let queue = block.lines().find_map(|l| l.trim().strip_prefix("queue = ")).unwrap().trim_matches('"');
            if queue.starts_with("vigil-checks") && !queue.ends_with("dlq") {
                let size = block.lines().find_map(|l| l.trim().strip_prefix("max_batch_size = ")).unwrap();
                sizes.push((queue.to_string(), size.trim().parse::<usize>().unwrap()));
            }
        }
        assert_eq!(sizes.len(), 2, "{sizes:?}");
        for (queue, size) in sizes {
            assert_eq!(size, CONSUMER_BATCH_MESSAGES, "{queue}'s max_batch_size");
        }
    }

    /// Hand-offs: first attempts packed per (slot, kind), all slow; retried ones alone, keeping
    /// their attempt; every job carried exactly once.
    #[test]
    fn an_invocations_hand_offs_travel_packed_per_slot_and_kind() {
        let job = |id: i64, slot: i64, kind: JobKind, attempt: u32| CheckJob { attempt, ..CheckJob::new(id, slot, kind, None) };
        let jobs = [
            job(1, 600, JobKind::Scheduled, 1),
            job(2, 600, JobKind::Scheduled, 1),
            job(3, 605, JobKind::Recheck, 1),
            job(4, 600, JobKind::Scheduled, 2),
            job(5, 600, JobKind::Scheduled, 1),
        ];
        let messages = pack_handoffs(&jobs, 100);
        assert_eq!(messages.len(), 3, "{messages:?}");
        let carried: Vec<CheckJob> = messages.iter().flat_map(CheckMessage::jobs).collect();
        let mut ids: Vec<i64> = carried.iter().map(|j| j.monitor_id).collect();
        ids.sort();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        assert!(carried.iter().all(|j| j.timed_out), "every hand-off runs as a slow job");
        let retried = carried.iter().find(|j| j.monitor_id == 4).unwrap();
        assert_eq!((retried.attempt, retried.slot, retried.kind), (2, 600, JobKind::Scheduled));
        let recheck = carried.iter().find(|j| j.monitor_id == 3).unwrap();
        assert_eq!((recheck.slot, recheck.kind), (605, JobKind::Recheck));
        match &messages[0] {
            CheckMessage::Packed(p) => assert_eq!(p.jobs.iter().map(|j| j.monitor_id).collect::<Vec<_>>(), [1, 2, 5]),
            other => panic!("expected the slot-600 jobs packed, got {other:?}"),
        }
        // The message size bound still holds: 250 hand-offs of one slot in 3 messages of <= 100.
        let many: Vec<CheckJob> = (0..250).map(|i| job(i, 600, JobKind::Scheduled, 1)).collect();
        let sizes: Vec<usize> = pack_handoffs(&many, 100).iter().map(|m| m.jobs().len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
        assert!(pack_handoffs(&[], 100).is_empty());
    }

    /// Slow is slower than the hand-off time; back in the main lane only within half of it.
    #[test]
    fn slow_checks_stay_in_the_slow_lane_until_they_answer_fast() {
        let cases: &[(&str, bool, Option<u32>, u32, bool)] = &[
            ("fast, main lane", false, Some(80), 1000, false),
            ("at the hand-off time, main lane", false, Some(1000), 1000, false),
            ("past it (a later attempt, never handed off)", false, Some(1500), 1000, true),
            ("handed off, slow in the slow lane", true, Some(2500), 1000, true),
            ("slow lane, between half and the whole: stays", true, Some(700), 1000, true),
            ("slow lane, at half: back", true, Some(500), 1000, false),
            ("slow lane, fast: back", true, Some(90), 1000, false),
            ("no answer to time (refused, timeout)", true, None, 1000, false),
            ("hand-offs off", true, Some(9000), 0, false),
        ];
        for (name, ran_slow, latency, after, want) in cases {
            assert_eq!(slow_lane_after(*ran_slow, *latency, *after), *want, "{name}");
        }
    }

    /// The slow lane takes a monitor whose last check timed out or whose checks are slow.
    #[test]
    fn the_slow_lane_takes_timed_out_and_slow_monitors() {
        use CheckStatus::*;
        let cases = [(None, false, false), (Some(Up), false, false), (Some(Down), false, false), (Some(Timeout), false, true), (Some(Up), true, true), (None, true, true)];
        for (status, slow, want) in cases {
            assert_eq!(in_slow_lane(status, slow), want, "{status:?}, slow_lane {slow}");
        }
    }
    use crate::core::schedule::JOB_MAX_ATTEMPTS;

    fn job(id: i64, spec_len: usize) -> PackedJob {
        PackedJob { monitor_id: id, spec: (spec_len > 0).then(|| "x".repeat(spec_len)), timed_out: false }
    }

    #[test]
    fn packs_by_count_and_by_size_in_order() {
        // (jobs, spec bytes each, max jobs) -> jobs per message
        let cases: &[(usize, usize, usize, &[usize])] = &[
            (0, 500, 100, &[]),
            (1, 500, 100, &[1]),
            (250, 500, 100, &[100, 100, 50]),
            (1000, 500, 100, &[100; 10]),
            // 2,000-byte specs: 29 fit 60,000 bytes.
            (60, 2_000, 100, &[29, 29, 2]),
            (5, 500, 2, &[2, 2, 1]),
            (3, 500, 0, &[1, 1, 1]),
        ];
        for &(n, spec, max, want) in cases {
            let messages = pack(60, JobKind::Scheduled, (1..=n as i64).map(|i| job(i, spec)).collect(), max);
            assert_eq!(messages.iter().map(|m| m.jobs.len()).collect::<Vec<_>>(), want, "{n} x {spec} B, max {max}");
            let ids: Vec<i64> = messages.iter().flat_map(|m| m.jobs.iter().map(|j| j.monitor_id)).collect();
            assert_eq!(ids, (1..=n as i64).collect::<Vec<_>>(), "order kept");
            for m in &messages {
                assert!(CheckMessage::Packed(m.clone()).bytes() <= MESSAGE_BYTES_MAX);
                let json = serde_json::to_string(&CheckMessage::Packed(m.clone())).unwrap();
                assert!(json.len() <= CheckMessage::Packed(m.clone()).bytes(), "the estimate covers the JSON: {} > est", json.len());
            }
        }
    }

    #[test]
    fn a_spec_too_big_for_any_message_travels_without_it() {
        let messages = pack(60, JobKind::Scheduled, vec![job(1, 100), job(2, MESSAGE_BYTES_MAX), job(3, 100)], 100);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].jobs.iter().map(|j| j.spec.is_some()).collect::<Vec<_>>(), vec![true, false, true]);
        // Non-ASCII counts double: 40,000 bytes of 'é' is estimated at 80,000.
        let wide = PackedJob { monitor_id: 4, spec: Some("é".repeat(20_000)), timed_out: false };
        assert_eq!(pack(60, JobKind::Scheduled, vec![wide], 100)[0].jobs[0].spec, None);
    }

    #[test]
    fn sends_stay_within_the_batch_limits() {
        type Case<'a> = (&'a [usize], usize, &'a [Range<usize>]);
        let cases: &[Case] = &[
            (&[], 100, &[]),
            (&[55_000; 10], 100, &[0..4, 4..8, 8..10]),
            (&[100; 250], 100, &[0..100, 100..200, 200..250]),
            (&[100; 5], 2, &[0..2, 2..4, 4..5]),
            (&[239_000, 239_000], 100, &[0..1, 1..2]),
        ];
        for &(sizes, max, want) in cases {
            assert_eq!(send_groups(sizes, max), want, "{sizes:?}");
        }
    }

    #[test]
    fn messages_decode_packed_or_single() {
        let packed = CheckMessage::Packed(PackedJobs { slot: 120, kind: JobKind::Scheduled, jobs: vec![job(7, 0), PackedJob { monitor_id: 8, spec: Some("{}".into()), timed_out: true }] });
        let json = serde_json::to_string(&packed).unwrap();
        assert_eq!(json, r#"{"slot":120,"kind":"scheduled","jobs":[{"monitor_id":7},{"monitor_id":8,"spec":"{}","timed_out":true}]}"#);
        assert_eq!(serde_json::from_str::<CheckMessage>(&json).unwrap(), packed);
        let jobs = packed.jobs();
        assert_eq!(jobs, vec![CheckJob::new(7, 120, JobKind::Scheduled, None), CheckJob { timed_out: true, ..CheckJob::new(8, 120, JobKind::Scheduled, Some("{}".into())) }]);
        // A one-job message is a plain CheckJob, as before packing (and from the test hook).
        let one: CheckMessage = serde_json::from_str(r#"{"monitor_id":1,"slot":60,"kind":"recheck"}"#).unwrap();
        assert_eq!(one.jobs(), vec![CheckJob::new(1, 60, JobKind::Recheck, None)]);
        let retried: CheckMessage = serde_json::from_str(r#"{"monitor_id":1,"slot":60,"kind":"manual","attempt":3}"#).unwrap();
        assert_eq!(retried.jobs()[0].attempt, 3);
        assert!(serde_json::from_str::<CheckMessage>(r#"{"slot":60}"#).is_err());
    }

    #[test]
    fn timed_out_jobs_go_to_the_slow_lane_in_order() {
        let j = |id: i64, timed_out: bool| PackedJob { monitor_id: id, spec: None, timed_out };
        // (jobs as (id, timed out), max jobs) -> per lane, the ids of each message
        type Case<'a> = (&'a [(i64, bool)], usize, &'a [(Lane, &'a [&'a [i64]])]);
        let cases: &[Case] = &[
            (&[], 100, &[]),
            (&[(1, false), (2, false)], 100, &[(Lane::Main, &[&[1, 2]])]),
            (&[(1, true)], 100, &[(Lane::Slow, &[&[1]])]),
            (&[(1, false), (2, true), (3, false), (4, true), (5, false)], 2, &[(Lane::Main, &[&[1, 3], &[5]]), (Lane::Slow, &[&[2, 4]])]),
        ];
        for &(jobs, max, want) in cases {
            let jobs: Vec<PackedJob> = jobs.iter().map(|&(id, t)| j(id, t)).collect();
            let got = pack_lanes(60, JobKind::Scheduled, &jobs, max);
            let got: Vec<(Lane, Vec<Vec<i64>>)> = got.into_iter().map(|(lane, ms)| (lane, ms.iter().map(|m| m.jobs.iter().map(|j| j.monitor_id).collect()).collect())).collect();
            let want: Vec<(Lane, Vec<Vec<i64>>)> = want.iter().map(|&(lane, ms)| (lane, ms.iter().map(|m| m.to_vec()).collect())).collect();
            assert_eq!(got, want, "{jobs:?}");
        }
        assert_eq!((Lane::of(false), Lane::of(true)), (Lane::Main, Lane::Slow));
    }

    #[test]
    fn a_failed_job_is_retried_alone_until_its_attempts_run_out() {
        let first = CheckJob::new(5, 60, JobKind::Scheduled, Some("{}".into()));
        let mut attempts = vec![first.attempt];
        let mut job = first.clone();
        while let Some(next) = retry_of(&job, JOB_MAX_ATTEMPTS) {
            assert_eq!((next.monitor_id, next.slot, next.kind, next.spec.as_deref()), (5, 60, JobKind::Scheduled, Some("{}")));
            attempts.push(next.attempt);
            job = next;
        }
        assert_eq!(attempts, vec![1, 2, 3, 4]);
    }
}
