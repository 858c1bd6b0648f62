-- vigil schema, part 13: scheduling without per-monitor writes (DESIGN.md §3, §12).
-- A monitor is due on the tick of minute m when (m - sched_phase) mod sched_period = 0; both
-- columns change only when the monitor is created, edited or resumed, so the tick writes nothing
-- per monitor (it used to UPDATE next_check_ms and its monitors_due index entry for each one:
-- 2 rows per check). next_check_ms stays in the table, unused.
ALTER TABLE monitors ADD COLUMN sched_period INTEGER NOT NULL DEFAULT 1; -- ticks (minutes) between checks
ALTER TABLE monitors ADD COLUMN sched_phase INTEGER NOT NULL DEFAULT 0;  -- 0 .. sched_period - 1
-- Set (epoch ms) when a monitor is created, edited or resumed: the next tick checks it at once and
-- fixes its phase from that tick; NULL otherwise.
ALTER TABLE monitors ADD COLUMN sched_pending_ms INTEGER;
-- Existing monitors keep their schedule: due next on the minute next_check_ms pointed at (or on
-- the next tick if overdue), then every period.
UPDATE monitors SET sched_period = max(1, (check_interval_seconds + 59) / 60);
UPDATE monitors SET sched_phase = max((next_check_ms + 59999) / 60000, CAST(strftime('%s', 'now') AS INTEGER) / 60 + 1) % sched_period;
DROP INDEX monitors_due;
-- The tick reads, per distinct period, only the index entries of monitors due now.
CREATE INDEX monitors_schedule ON monitors (sched_period, sched_phase) WHERE is_active = 1;
-- Normally empty: monitors created or edited since the last tick.
CREATE INDEX monitors_pending ON monitors (sched_pending_ms) WHERE sched_pending_ms IS NOT NULL;

-- One row per tick: the INSERT of a minute's claim fails for a second tick of that minute, so
-- overlapping or repeated ticks never dispatch twice. The row remembers how far dispatch got
-- (monitors in (sched_period, sched_phase, id) order), so a tick that crashed or whose send
-- failed is finished by the next one. Rows older than a day are deleted by the tick.
CREATE TABLE tick_claims (
  slot           INTEGER PRIMARY KEY,       -- the tick's minute, epoch seconds
  window_ticks   INTEGER NOT NULL,          -- minutes it covers, ending at slot (> 1 after missed ticks)
  holder_ms      INTEGER NOT NULL,          -- start of the tick holding it: fences one whose lease ran out
  lease_until_ms INTEGER NOT NULL,          -- a holder not done by then counts as failed
  cursor_period  INTEGER NOT NULL DEFAULT 0,
  cursor_phase   INTEGER NOT NULL DEFAULT 0,
  cursor_id      INTEGER NOT NULL DEFAULT 0, -- dispatched: everything up to (period, phase, id)
  dispatched     INTEGER NOT NULL DEFAULT 0, -- check jobs sent
  done_ms        INTEGER                     -- when dispatch finished
);
-- The schedule above starts at the next tick: this minute counts as dispatched.
INSERT INTO tick_claims (slot, window_ticks, holder_ms, lease_until_ms, done_ms)
VALUES (CAST(strftime('%s', 'now') AS INTEGER) / 60 * 60, 1, 0, 0, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
