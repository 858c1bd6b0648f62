-- vigil schema, part 18: email subscriptions to public status pages (DESIGN.md §6, §9).

-- One row per (page, address). Created unconfirmed by the subscribe form; confirmed through the
-- signed link in the confirmation email (double opt-in). Unsubscribing deletes the row, and with
-- it every send still waiting for it (ON DELETE CASCADE), so an unsubscribed address gets
-- nothing more. `email_key` is the address ASCII-lowercased: one row per address and page
-- whatever the case it is typed in.
CREATE TABLE subscribers (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  email           TEXT NOT NULL,
  email_key       TEXT NOT NULL,
  monitors        TEXT,               -- JSON array of monitor ids; NULL: every monitor of the page
  confirmed_at    TEXT,               -- NULL until the link in the confirmation email is used
  confirm_sent_ms INTEGER,            -- epoch ms of the last confirmation email (one per 15 min)
  created_at      TEXT NOT NULL,
  UNIQUE (project_id, email_key)
);
-- Fan-out reads only a page's confirmed subscribers; the pruning of unconfirmed ones reads only those.
CREATE INDEX subscribers_confirmed ON subscribers (project_id) WHERE confirmed_at IS NOT NULL;
CREATE INDEX subscribers_unconfirmed ON subscribers (created_at) WHERE confirmed_at IS NULL;

-- What is said to subscribers, rendered once per message (not per subscriber): a confirmation,
-- an incident opened or resolved, an update posted. The per-subscriber part (the unsubscribe
-- link and headers) is derived at send time from the subscriber's id and the signing secret,
-- so every attempt is byte-identical and N subscribers cost one payload, not N.
CREATE TABLE subscriber_messages (
  id          TEXT PRIMARY KEY,        -- sub_<incident>_<opened ms>_<event> | sub_update_<n> | sub_confirm_<subscriber>_<ms>
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  event       TEXT NOT NULL,           -- subscription.confirm | incident.opened | incident.resolved | incident.update
  incident_id INTEGER,
  payload     TEXT NOT NULL,           -- {subject, text, html, category}, without the unsubscribe footer
  created_at  TEXT NOT NULL
) WITHOUT ROWID;

-- The once-only claim per (message, subscriber), the same states, lease and backoff as
-- alert_sends (0005), which is keyed by notification endpoint and so cannot hold these.
CREATE TABLE subscriber_sends (
  message_id      TEXT NOT NULL REFERENCES subscriber_messages(id) ON DELETE CASCADE,
  subscriber_id   INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'delivered', 'failed', 'disabled')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,   -- epoch ms
  lease_until     INTEGER,            -- epoch ms
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  PRIMARY KEY (message_id, subscriber_id)
) WITHOUT ROWID;
CREATE INDEX subscriber_sends_open ON subscriber_sends (state, next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX subscriber_sends_subscriber ON subscriber_sends (subscriber_id);

-- One row per attempt (and per held event), as `deliveries` is for endpoints. The address is
-- not copied here: the row goes with its subscriber.
CREATE TABLE subscriber_deliveries (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  subscriber_id INTEGER REFERENCES subscribers(id) ON DELETE CASCADE,
  message_id    TEXT NOT NULL,
  event         TEXT NOT NULL,
  attempt       INTEGER NOT NULL,
  outcome       TEXT NOT NULL,
  http_status   INTEGER,
  error         TEXT,
  latency_ms    INTEGER,
  created_at    TEXT NOT NULL
);
CREATE INDEX subscriber_deliveries_project ON subscriber_deliveries (project_id, id);
CREATE INDEX subscriber_deliveries_subscriber ON subscriber_deliveries (subscriber_id);

-- The outbox of posted incident updates and notices: the update-posting batch writes one row
-- (store::subscribers::update_posted), the alerts consumer fans it out and sets received_at in
-- the batch that creates its sends (or its maintenance hold), the cron resends it until then.
CREATE TABLE subscriber_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  incident_id INTEGER,                 -- NULL: a notice not tied to an incident
  monitor_id  INTEGER,                 -- the incident's monitor (routing and maintenance), or NULL
  update_ref  TEXT,                    -- the poster's id for the update, for reading logs
  status      TEXT NOT NULL,           -- investigating | identified | monitoring | resolved
  title       TEXT NOT NULL,
  message     TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  enqueued_at TEXT,
  received_at TEXT,
  held_at     TEXT
);
CREATE INDEX subscriber_events_unreceived ON subscriber_events (created_at) WHERE received_at IS NULL;

-- Fixed-window counters for the subscribe form (per page, per client address). A row per key
-- and window; the form's own batch deletes a few expired rows each time.
CREATE TABLE subscribe_limits (
  key             TEXT PRIMARY KEY,
  window_start_ms INTEGER NOT NULL,
  count           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX subscribe_limits_window ON subscribe_limits (window_start_ms);
CREATE INDEX subscriber_events_held ON subscriber_events (held_at) WHERE held_at IS NOT NULL;
