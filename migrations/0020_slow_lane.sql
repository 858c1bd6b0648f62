-- vigil schema, part 20: slow monitors stay in the slow lane (DESIGN.md §3).
-- 1 while the monitor's checks are slow: one handed off by the main lane (still open after
-- HANDOFF_AFTER_MS), or one whose answer took longer than that; back to 0 when a check in the
-- slow lane answers within half of it. The tick sends such monitors, like those whose last
-- check timed out, to the slow lane, so a slow site is probed once a minute, not aborted in the
-- main lane and probed again every minute. Written with the state, only when it flips.
ALTER TABLE monitors ADD COLUMN slow_lane INTEGER NOT NULL DEFAULT 0;
