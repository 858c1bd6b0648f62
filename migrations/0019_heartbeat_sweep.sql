-- vigil schema, part 19: a ping writes the monitor's row and nothing else (DESIGN.md §3).
-- Part 16 indexed deadline_ms, which every ping moves: each ping rewrote that index entry
-- besides the row, a D1 row written per ping. Now the deadline is in no index; the cron's sweep
-- finds the overdue monitors by reading the heartbeat monitors' rows through this partial
-- index, which no ping changes (monitor_type is fixed until an edit), and never the others'.
-- Reads cost a thousandth of what writes cost on D1, so this trades ~2 rows read per heartbeat
-- monitor per tick for one row written per ping.
DROP INDEX monitors_deadline;
CREATE INDEX monitors_heartbeat ON monitors (id) WHERE monitor_type = 'heartbeat';
