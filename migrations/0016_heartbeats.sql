-- vigil schema, part 16: heartbeat (push) monitors (DESIGN.md §3, core::heartbeat).
-- ALTER TABLE only: monitors is never rebuilt (a DROP would cascade to checks and incidents).

-- Configuration. grace_seconds: how late a ping may be (healthchecks.io's default, an hour).
-- schedule: a cron expression, or NULL for "every check_interval_seconds"; tz: the schedule's
-- IANA time zone.
ALTER TABLE monitors ADD COLUMN grace_seconds INTEGER NOT NULL DEFAULT 3600;
ALTER TABLE monitors ADD COLUMN schedule TEXT;
ALTER TABLE monitors ADD COLUMN tz TEXT NOT NULL DEFAULT 'UTC';

-- The unguessable ping token (128 random bits, base64url), set when a monitor becomes a
-- heartbeat and kept after. Unique; a ping finds its monitor through this index (1 row read).
ALTER TABLE monitors ADD COLUMN ping_token TEXT;
CREATE UNIQUE INDEX monitors_ping_token ON monitors (ping_token) WHERE ping_token IS NOT NULL;

-- State, written by pings and the cron's sweep: the heartbeat's JSON state (last finish, open
-- runs, the rate window) and the instant the monitor goes DOWN unless pinged. NULL while it
-- waits for its first ping, or when paused. The cron finds every overdue monitor in one range
-- read of this partial index, so monitors with no deadline (all HTTP ones) cost nothing.
ALTER TABLE monitors ADD COLUMN heartbeat_state TEXT;
ALTER TABLE monitors ADD COLUMN deadline_ms INTEGER;
CREATE INDEX monitors_deadline ON monitors (deadline_ms) WHERE deadline_ms IS NOT NULL;

-- The ping log: pings that carry something a check does not (a body, a /start, a /log). A
-- finish's row names the check it recorded (slot). Pruned with raw checks.
CREATE TABLE pings (
  id          INTEGER PRIMARY KEY, -- no AUTOINCREMENT: its sqlite_sequence write would cost a row per ping
  monitor_id  INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  received_ms INTEGER NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('success', 'start', 'fail', 'log', 'exit')),
  exit_status INTEGER,
  rid         TEXT,
  duration_ms INTEGER,
  slot        INTEGER,
  body        TEXT
);
CREATE INDEX pings_monitor ON pings (monitor_id, received_ms);
