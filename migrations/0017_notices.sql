-- vigil schema, part 17: what operators say on a status page (DESIGN.md §1, §9).
--
-- A notice is an operator's own announcement, not tied to a detected incident (a planned
-- change, a third-party outage). An update is one dated message with a status, posted to a
-- detected incident or to a notice (exactly one of the two). Instants are epoch ms (§2).
CREATE TABLE notices (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  title       TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  -- The status of its newest update and when a `resolved` one closed it: kept by the same
  -- batch that writes an update, so the page reads open notices without reading updates.
  status      TEXT CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  resolved_ms INTEGER
);
CREATE INDEX notices_project ON notices (project_id, resolved_ms);

CREATE TABLE incident_updates (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  incident_id INTEGER REFERENCES incidents(id) ON DELETE CASCADE,
  notice_id   INTEGER REFERENCES notices(id) ON DELETE CASCADE,
  status      TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  message     TEXT NOT NULL,
  created_ms  INTEGER NOT NULL,
  edited_ms   INTEGER,
  CHECK ((incident_id IS NULL) <> (notice_id IS NULL))
);
CREATE INDEX incident_updates_incident ON incident_updates (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX incident_updates_notice ON incident_updates (notice_id) WHERE notice_id IS NOT NULL;
CREATE INDEX incident_updates_project ON incident_updates (project_id, created_ms);

-- Bumped by every write of a notice or an update, in the same batch: the status page's data
-- version reads this one column instead of counting updates.
ALTER TABLE projects ADD COLUMN notices_version INTEGER NOT NULL DEFAULT 0;

-- A hostname that serves the project's page at `/` (DESIGN.md §9). Lower case, unique.
ALTER TABLE projects ADD COLUMN custom_domain TEXT;
CREATE UNIQUE INDEX projects_custom_domain ON projects (custom_domain) WHERE custom_domain IS NOT NULL;
