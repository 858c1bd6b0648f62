-- vigil schema, part 14: compact check storage (DESIGN.md §1, §4, §5, §12).
--
-- D1 bills every row and index entry written. A check used to cost 3 (its row, its checks_slot
-- index entry, the monitor's state UPDATE) plus 1 more when pruned. Now:
--   * every check is one entry of its monitor's hour block (core::blocks), appended by one
--     UPSERT: 1 row written, and pruning deletes one block per hour, not one row per check;
--   * only checks that are not plain (not a scheduled UP at the first attempt: failures, bot
--     walls, re-checks, manual runs, retried answers) also keep a full `checks` row;
--   * a check that changes nothing of the monitor's state (core::incident::changes_state) does
--     not rewrite the monitor's row.

CREATE TABLE check_blocks (
  monitor_id INTEGER NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
  start      INTEGER NOT NULL,  -- the hour's first slot, epoch seconds (a multiple of 3600)
  last_at    TEXT NOT NULL,     -- the latest started_at of its checks: the monitor's last check
  data       TEXT NOT NULL,     -- entries ";<slot offset>:<start offset ms>:<latency>[...]"
  PRIMARY KEY (monitor_id, start)
) WITHOUT ROWID;

-- One check per (monitor, slot), as the checks table's key guaranteed: an append whose
-- ";<offset>:" is already in the block aborts its whole batch, with the text that key's
-- violation had (store::Refusal reads it as a duplicate).
CREATE TRIGGER check_blocks_one_per_slot
BEFORE UPDATE OF data ON check_blocks
WHEN length(NEW.data) > length(OLD.data)
  AND instr(OLD.data, substr(NEW.data, length(OLD.data) + 1, instr(substr(NEW.data, length(OLD.data) + 1), ':'))) > 0
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: checks.monitor_id, checks.slot');
END;

-- convert:begin (bench/seed_history.py runs the statements from here to convert:end on the rows
-- it seeds in the old layout, so its data is laid out exactly as this migration lays it out.)
-- Every existing check becomes an entry; plain ones then lose their full row (a monitor with an
-- open incident keeps all of its, as the recorder does while one is open). `plain` and the
-- entry text are written out twice (here and in the DELETE) and must stay identical: a host
-- test (store::checks) runs this file on sqlite and compares every check read back.
INSERT INTO check_blocks (monitor_id, start, last_at, data)
SELECT monitor_id, slot - slot % 3600, max(started_at), group_concat(entry, '')
FROM (
  SELECT monitor_id, slot, started_at,
    ';' || (slot % 3600) || ':'
      || (COALESCE(CASE WHEN started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
                   THEN CAST(strftime('%s', started_at) AS INTEGER) * 1000 + CAST(substr(started_at, 21, 3) AS INTEGER) END, slot * 1000) - slot * 1000)
      || ':' || CASE WHEN latency_ms >= 0 THEN latency_ms ELSE '' END
      || CASE WHEN plain AND http_status IS NOT 200 THEN '/' || COALESCE(http_status, '') ELSE '' END
      || CASE status WHEN 'DOWN' THEN 'd' WHEN 'TIMEOUT' THEN 't' WHEN 'BOT_DETECTED' THEN 'b' ELSE '' END
      || CASE WHEN slow != 0 THEN 's' ELSE '' END
      || CASE WHEN plain THEN '' ELSE 'f' END AS entry
  FROM (
    SELECT *, (kind = 'scheduled' AND status = 'UP' AND attempts = 1 AND failure_type IS NULL AND failure_kind IS NULL
               AND slow IN (0, 1) AND (latency_ms IS NULL OR latency_ms BETWEEN 0 AND 4294967295)
               AND (http_status IS NULL OR http_status BETWEEN 0 AND 65535)
               AND started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
               AND monitor_id NOT IN (SELECT monitor_id FROM incidents WHERE resolved_at IS NULL)) AS plain
    FROM checks
  )
  ORDER BY monitor_id, slot
)
GROUP BY monitor_id, slot - slot % 3600;

DELETE FROM checks
WHERE kind = 'scheduled' AND status = 'UP' AND attempts = 1 AND failure_type IS NULL AND failure_kind IS NULL
  AND slow IN (0, 1) AND (latency_ms IS NULL OR latency_ms BETWEEN 0 AND 4294967295)
  AND (http_status IS NULL OR http_status BETWEEN 0 AND 65535)
  AND started_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
  AND monitor_id NOT IN (SELECT monitor_id FROM incidents WHERE resolved_at IS NULL);

-- convert:end

-- Listing goes through the blocks, and pruning goes per monitor by key range: no query needs
-- the slot index any more, and it cost one more row written per check.
DROP INDEX checks_slot;

-- The cron finds monitors with hours to roll up through this index instead of scanning every
-- monitor each minute (it costs one index entry written per monitor-hour).
CREATE INDEX monitors_rollup_due ON monitors (rolled_up_until_ms);

-- What a status page and the dashboard need of older history, one row per monitor, rewritten by
-- the cron with the rollups (core::summary): the last 25 hourly rollups and the last 91 daily
-- ones, reduced to the counts those pages read. A page view reads this row instead of up to
-- 114 rollup rows per monitor.
CREATE TABLE history_summaries (
  monitor_id INTEGER PRIMARY KEY REFERENCES monitors(id) ON DELETE CASCADE,
  hours      TEXT NOT NULL,  -- ";<start_ms / 3600000>:<up>,<checks>,<up_minutes>,<known_minutes>"...
  days       TEXT NOT NULL   -- ";<start_ms / 86400000>:<up_minutes>,<known_minutes>,<bot_minutes>,<up>,<slow>"...
);

-- convert:begin
INSERT INTO history_summaries (monitor_id, hours, days)
SELECT m.id,
  COALESCE((SELECT group_concat(';' || (h.start_ms / 3600000) || ':' || h.up || ',' || (h.up + h.down + h.timeout + h.bot) || ','
                                || h.up_minutes || ',' || h.known_minutes, '')
            FROM (SELECT * FROM rollups r WHERE r.monitor_id = m.id AND r.period = 'hour' ORDER BY r.start_ms DESC LIMIT 25) h), ''),
  COALESCE((SELECT group_concat(';' || (d.start_ms / 86400000) || ':' || d.up_minutes || ',' || d.known_minutes || ','
                                || d.bot_minutes || ',' || d.up || ',' || d.slow, '')
            FROM (SELECT * FROM rollups r WHERE r.monitor_id = m.id AND r.period = 'day' ORDER BY r.start_ms DESC LIMIT 91) d), '')
FROM monitors m;
-- convert:end
