-- Monitor types (DESIGN.md §3): HTTP, TCP, DNS and heartbeat monitors share one table.
-- `monitor_type` exists since 0001 (always 'http' until now); SQLite cannot add a CHECK to an
-- existing column without rebuilding `monitors` (which D1's foreign keys forbid: checks and
-- incidents cascade), so triggers hold it to the known codes instead.
CREATE TRIGGER monitors_type_insert
BEFORE INSERT ON monitors
WHEN NEW.monitor_type NOT IN ('http', 'tcp', 'dns', 'heartbeat')
BEGIN
  SELECT RAISE(ABORT, 'monitor_type must be http, tcp, dns or heartbeat');
END;

CREATE TRIGGER monitors_type_update
BEFORE UPDATE OF monitor_type ON monitors
WHEN NEW.monitor_type NOT IN ('http', 'tcp', 'dns', 'heartbeat')
BEGIN
  SELECT RAISE(ABORT, 'monitor_type must be http, tcp, dns or heartbeat');
END;

-- DNS monitors: the name, the record type and the values the answer must hold (JSON array).
ALTER TABLE monitors ADD COLUMN hostname TEXT;
ALTER TABLE monitors ADD COLUMN record_type TEXT CHECK (record_type IN ('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'));
ALTER TABLE monitors ADD COLUMN expected_values TEXT NOT NULL DEFAULT '[]';
-- HTTP monitors: response assertions (JSON array of {source, path|name, op, value}).
ALTER TABLE monitors ADD COLUMN assertions TEXT NOT NULL DEFAULT '[]';
