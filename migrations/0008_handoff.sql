-- vigil schema, part 8: hand-offs the cron can find again after a crash (DESIGN.md §6, §4).

-- An incident event counts as handed over only once the alerts consumer has recorded its sends
-- (or its maintenance hold), in the same batch: received_at. Enqueueing is not enough: a queue
-- message can die with the process that was about to consume it. The cron re-enqueues events
-- not received a grace period after they were written or last enqueued (fan-out is idempotent).
ALTER TABLE incident_events ADD COLUMN received_at TEXT;
-- Events the consumer has seen before this migration were fanned out (or held) then.
UPDATE incident_events SET received_at = COALESCE(enqueued_at, created_at) WHERE received_count > 0 OR held_at IS NOT NULL;
DROP INDEX incident_events_unsent;
-- Only events not yet received: normally the few in flight, so the cron's scan reads ~0 rows.
CREATE INDEX incident_events_unreceived ON incident_events (created_at) WHERE received_at IS NULL;

-- A confirmation re-check waits on the checks queue as a delayed message. Its slot and the time
-- after which it counts as lost (epoch seconds) are written with the check that asked for it,
-- and cleared by the check that records that slot (or a later one), so the cron can send it
-- again with the same slot (a late original then hits the check's primary key).
ALTER TABLE monitors ADD COLUMN recheck_slot INTEGER;
ALTER TABLE monitors ADD COLUMN recheck_due INTEGER;
CREATE INDEX monitors_recheck ON monitors (recheck_due) WHERE recheck_due IS NOT NULL;
