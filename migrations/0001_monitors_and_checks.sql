-- vigil schema, part 1: projects, monitors and their checks (SPEC section 1).
-- Times: *_at columns are ISO 8601 UTC text with milliseconds (fixed width, so text order is
-- time order); scheduling columns (next_check_at, slot) are integer epoch seconds.

CREATE TABLE projects (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  slug       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  public     INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

-- Monitors created without a project land here until accounts and projects arrive.
INSERT INTO projects (id, slug, name, public, created_at)
VALUES (1, 'default', 'Default', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE monitors (
  id                        INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id                INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name                      TEXT NOT NULL,
  monitor_type              TEXT NOT NULL DEFAULT 'http',
  role                      TEXT NOT NULL DEFAULT 'core' CHECK (role IN ('core', 'supplementary')),
  method                    TEXT NOT NULL DEFAULT 'GET',
  url                       TEXT NOT NULL,
  headers                   TEXT NOT NULL DEFAULT '{}',     -- JSON object
  body                      TEXT,
  expected_status_codes     TEXT NOT NULL DEFAULT '[200]',  -- JSON array
  body_contains             TEXT,
  bot_protection_string     TEXT,
  bot_counts_as_failure     INTEGER NOT NULL DEFAULT 0,
  expected_response_time_ms INTEGER,
  timeout_seconds           INTEGER NOT NULL DEFAULT 20,
  check_interval_seconds    INTEGER NOT NULL DEFAULT 300,
  failure_threshold         INTEGER NOT NULL DEFAULT 3,
  recovery_threshold        INTEGER NOT NULL DEFAULT 1,
  retries                   INTEGER NOT NULL DEFAULT 3,
  backoff_factor            REAL NOT NULL DEFAULT 0.3,
  retry_status_codes        TEXT NOT NULL DEFAULT '[502,503,504]', -- JSON array
  is_active                 INTEGER NOT NULL DEFAULT 1,
  created_at                TEXT NOT NULL,
  updated_at                TEXT NOT NULL,
  -- Current state, written only by the check recorder.
  status                    TEXT CHECK (status IN ('UP', 'DOWN', 'TIMEOUT', 'BOT_DETECTED')),
  slow                      INTEGER NOT NULL DEFAULT 0,
  consecutive_failures      INTEGER NOT NULL DEFAULT 0,
  consecutive_successes     INTEGER NOT NULL DEFAULT 0,
  last_checked_at           TEXT,
  next_check_at             INTEGER NOT NULL DEFAULT 0,
  -- Optimistic lock for the state above: every recorder write sets it to the value it read + 1.
  state_version             INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX monitors_due ON monitors (next_check_at) WHERE is_active = 1;
CREATE INDEX monitors_project ON monitors (project_id);

-- A recorder that read stale state aborts its whole D1 batch (check row included), re-reads
-- and recomputes, so two checks of one monitor can never interleave their streak updates.
CREATE TRIGGER monitors_state_version_guard
BEFORE UPDATE OF state_version ON monitors
WHEN NEW.state_version != OLD.state_version + 1
BEGIN
  SELECT RAISE(ABORT, 'stale monitor state');
END;

-- One row per executed check. The key is (monitor, slot): a redelivered queue message maps to
-- the same key, its INSERT fails, and its whole batch rolls back, so it has no second effect.
CREATE TABLE checks (
  monitor_id   INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  slot         INTEGER NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('scheduled', 'recheck', 'manual')),
  started_at   TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('UP', 'DOWN', 'TIMEOUT', 'BOT_DETECTED')),
  slow         INTEGER NOT NULL DEFAULT 0,
  http_status  INTEGER,
  latency_ms   INTEGER,
  failure_type TEXT,
  attempts     INTEGER NOT NULL,
  PRIMARY KEY (monitor_id, slot)
) WITHOUT ROWID;

-- Listing across monitors and pruning both go by slot (epoch seconds).
CREATE INDEX checks_slot ON checks (slot);
