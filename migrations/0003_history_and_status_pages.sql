-- vigil schema, part 3: rollups that keep long windows cheap, and maintenance windows the
-- status page shows.

-- Hourly and daily aggregates per monitor. Sums and counts only (never averages), so they
-- merge: a day is the merge of its hours, a 90-day window the merge of its days.
CREATE TABLE rollups (
  monitor_id      INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  period          TEXT NOT NULL CHECK (period IN ('hour', 'day')),
  start_ms        INTEGER NOT NULL,   -- UTC hour or day start, epoch milliseconds
  up              INTEGER NOT NULL,
  down            INTEGER NOT NULL,
  timeout         INTEGER NOT NULL,
  bot             INTEGER NOT NULL,
  slow            INTEGER NOT NULL,
  unknown_minutes INTEGER NOT NULL,
  known_minutes   INTEGER NOT NULL,
  up_minutes      INTEGER NOT NULL,
  bot_minutes     INTEGER NOT NULL,
  latency_count   INTEGER NOT NULL,
  latency_sum_ms  INTEGER NOT NULL,
  latency_min_ms  INTEGER,
  latency_max_ms  INTEGER,
  latency_hist    TEXT NOT NULL,      -- sparse "index:count" pairs (core::uptime)
  PRIMARY KEY (monitor_id, period, start_ms)
) WITHOUT ROWID;

-- Hours before this (epoch ms, an hour start) have final hourly rollups. The cron advances it.
ALTER TABLE monitors ADD COLUMN rolled_up_until INTEGER NOT NULL DEFAULT 0;

CREATE TABLE maintenance_windows (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  monitor_id INTEGER REFERENCES monitors(id) ON DELETE CASCADE,  -- NULL: the whole project
  title      TEXT NOT NULL,
  starts_at  TEXT NOT NULL,
  ends_at    TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX maintenance_project ON maintenance_windows (project_id, ends_at);
