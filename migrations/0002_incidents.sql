-- vigil schema, part 2: incidents and the incident events handed to the alerts queue.

CREATE TABLE incidents (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  monitor_id  INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  opened_at   TEXT NOT NULL,
  opened_slot INTEGER NOT NULL,
  resolved_at TEXT,
  cause       TEXT NOT NULL,  -- failure_type of the check that opened it
  last_status TEXT NOT NULL,
  UNIQUE (monitor_id, opened_slot)
);

-- At most one open incident per monitor, enforced by the schema.
CREATE UNIQUE INDEX incidents_one_open ON incidents (monitor_id) WHERE resolved_at IS NULL;
CREATE INDEX incidents_opened ON incidents (opened_at);

-- An outbox: written in the same batch as the transition, sent to the alerts queue after the
-- batch commits, and marked enqueued. Rows left unsent by a crash are resent by the cron.
CREATE TABLE incident_events (
  incident_id    INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  event          TEXT NOT NULL CHECK (event IN ('incident.opened', 'incident.resolved')),
  monitor_id     INTEGER NOT NULL,
  check_slot     INTEGER NOT NULL,
  created_at     TEXT NOT NULL,
  enqueued_at    TEXT,
  -- Times the alerts consumer has seen this event (the alerts work replaces this with deliveries).
  received_count INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (incident_id, event)
);

CREATE INDEX incident_events_unsent ON incident_events (created_at) WHERE enqueued_at IS NULL;
CREATE INDEX incident_events_check ON incident_events (monitor_id, check_slot);
