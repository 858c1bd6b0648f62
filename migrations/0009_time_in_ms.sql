-- vigil schema, part 9: one time convention (DESIGN.md §2).
-- Instants are epoch milliseconds everywhere: the clock (Date.now()), the history buckets
-- (rollups.start_ms), alert retry times and leases already are, and SQLite/D1 integers are
-- 64-bit, so milliseconds cost nothing (they stay below 2^53 and cross to JS exactly). Integer
-- time columns say their unit in their name (`_ms`); text times (`*_at`) are ISO 8601 UTC with
-- milliseconds, which is what the API shows. The one integer kept in seconds is a check's slot
-- (checks.slot, incidents.opened_slot, incident_events.check_slot): it is the check's identity
-- (primary key and public id `{monitor}-{slot}`), not a reading of the clock, and rewriting it
-- would touch every check row and change every id and cursor clients hold.
--
-- RENAME COLUMN carries indexes along (monitors_due stays on the due column).
ALTER TABLE monitors RENAME COLUMN next_check_at TO next_check_ms;
UPDATE monitors SET next_check_ms = next_check_ms * 1000;
ALTER TABLE monitors RENAME COLUMN rolled_up_until TO rolled_up_until_ms;
ALTER TABLE login_failures RENAME COLUMN window_start TO window_start_ms;
