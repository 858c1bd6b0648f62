-- vigil schema, part 5: alert delivery (SPEC section 4).

-- One row per (message, endpoint, recipient): the claim that makes a send happen once as seen by
-- the receiver, however often queue messages repeat. message_id is the webhook-id
-- (core::webhook::message_id / test_message_id); recipient is '' for webhooks and one address
-- per email. The row is inserted with INSERT OR IGNORE at fan-out, and a sender may only fetch
-- after moving it pending -> sending in one UPDATE ... RETURNING (D1 runs each statement
-- atomically; there are no transactions across awaits), so two consumers holding duplicate
-- messages cannot both send. A lease bounds how long a crashed sender blocks the send; the
-- cron re-enqueues sends whose lease or retry time is long past.
CREATE TABLE alert_sends (
  message_id      TEXT NOT NULL,
  endpoint_id     INTEGER NOT NULL REFERENCES notification_endpoints(id) ON DELETE CASCADE,
  recipient       TEXT NOT NULL DEFAULT '',
  event           TEXT NOT NULL,             -- incident.opened | incident.resolved | test
  incident_id     INTEGER,                   -- NULL for test events
  -- The exact bytes to send, fixed at fan-out so every retry is byte-identical: the webhook
  -- JSON body, or for email the rendered {subject, text, html, category}.
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'disabled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,          -- epoch ms: not before (backoff, Retry-After)
  lease_until     INTEGER,                   -- epoch ms: while 'sending', another sender waits
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (message_id, endpoint_id, recipient)
) WITHOUT ROWID;
CREATE INDEX alert_sends_open ON alert_sends (state, next_attempt_at) WHERE state IN ('pending', 'sending');

-- One row per attempt (and per suppressed event), newest listed first by id.
-- outcome: delivered | retry | disabled | failed (not retryable) | dead_lettered (attempts
-- exhausted) | suppressed (maintenance window) | skipped (endpoint inactive or unconfigured).
CREATE TABLE deliveries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id INTEGER NOT NULL REFERENCES notification_endpoints(id) ON DELETE CASCADE,
  message_id  TEXT NOT NULL,
  incident_id INTEGER,
  event       TEXT NOT NULL,
  recipient   TEXT,
  attempt     INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  http_status INTEGER,
  error       TEXT,
  latency_ms  INTEGER,
  created_at  TEXT NOT NULL
);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, id);

-- Maintenance windows: an incident event that arrives while its monitor (or project) is in a
-- window is held here instead of alerting. The cron releases an opened event whose incident is
-- still open once the window has ended, so the alert goes out then, once.
ALTER TABLE incident_events ADD COLUMN held_at TEXT;
ALTER TABLE incident_events ADD COLUMN released_at TEXT;
CREATE INDEX incident_events_held ON incident_events (held_at) WHERE held_at IS NOT NULL AND released_at IS NULL;
