-- vigil schema, part 7: why a check failed, as a code (DESIGN.md §3).
-- `failure_type` stays the readable text; `failure_kind` is the stable code that code branches
-- on (core::failure::FailureKind::as_str: timeout, dns, connection, tls, status, body_missing,
-- bot_wall, refused_target, too_many_redirects, invalid_request). No CHECK list of codes: a
-- new kind must not need a table rebuild. NULL means "no failure" on checks, and "unknown"
-- where old text matches no pattern.

ALTER TABLE checks ADD COLUMN failure_kind TEXT;

-- An incident's cause: the kind of the check that opened it, and that check's HTTP status
-- (the public category of a `status` failure depends on its class, and the opening check row
-- is pruned after RAW_RETENTION_DAYS while the incident can stay open).
ALTER TABLE incidents ADD COLUMN failure_kind TEXT;
ALTER TABLE incidents ADD COLUMN cause_http_status INTEGER;

-- Backfill from the text. Every pattern core::classify has ever written, first match wins
-- (rank). A host test (core::failure) runs this file on sqlite against every classifier text.
CREATE TABLE failure_kind_patterns (rank INTEGER PRIMARY KEY, pattern TEXT NOT NULL, kind TEXT NOT NULL);
INSERT INTO failure_kind_patterns (rank, pattern, kind) VALUES
  (1, 'timeout after %', 'timeout'),
  (2, 'dns', 'dns'),
  (3, 'dns: %', 'dns'),
  (4, 'connection', 'connection'),
  (5, 'connection: %', 'connection'),
  (6, 'tls', 'tls'),
  (7, 'tls: %', 'tls'),
  (8, 'status % not in [%]', 'status'),
  (9, 'body missing "%"', 'body_missing'),
  (10, 'bot wall: %', 'bot_wall'),
  (11, 'refused: more than % redirects', 'too_many_redirects'),
  (12, 'refused: could not build the request: %', 'invalid_request'),
  (13, 'refused: %', 'refused_target');

UPDATE checks SET failure_kind =
  (SELECT kind FROM failure_kind_patterns WHERE checks.failure_type LIKE pattern ORDER BY rank LIMIT 1)
WHERE failure_type IS NOT NULL AND failure_kind IS NULL;

UPDATE incidents SET failure_kind =
  (SELECT kind FROM failure_kind_patterns WHERE incidents.cause LIKE pattern ORDER BY rank LIMIT 1)
WHERE failure_kind IS NULL;

-- The opening check's status while its row exists; otherwise, for a `status` cause, the code
-- the text begins with ("status 503 not in [200]" -> 503).
UPDATE incidents SET cause_http_status = COALESCE(
  (SELECT c.http_status FROM checks c WHERE c.monitor_id = incidents.monitor_id AND c.slot = incidents.opened_slot),
  CASE WHEN failure_kind = 'status' THEN CAST(substr(cause, 8) AS INTEGER) END)
WHERE cause_http_status IS NULL;

DROP TABLE failure_kind_patterns;
