-- vigil schema, part 12: chat and pager endpoint kinds (DESIGN.md §6) and per-monitor routing.
--
-- New kinds: slack, discord, teams, google_chat (a webhook `url` that holds its own secret),
-- telegram (bot token in `secret`, chat in `config`), pagerduty (routing key in `secret`), ntfy
-- (server `url`, topic in `config`, optional access token in `secret`), pushover (app token in
-- `secret`, user key in `config`).
--   config   TEXT: JSON object of the kind's non-secret settings (chat_id, message_thread_id,
--            topic, user_key); NULL for kinds without any.
--   monitors TEXT: JSON array of monitor ids this endpoint alerts for; NULL = every monitor of
--            the project (the default).
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt: new table, copy,
-- drop, rename (the procedure of sqlite.org/lang_altertable.html, section 7). Two things need
-- care on D1, where foreign keys are always on:
-- - DROP TABLE runs an implicit DELETE, and alert_sends and deliveries reference this table
--   ON DELETE CASCADE, so dropping it would delete every send and the whole delivery log. Both
--   are copied aside first and put back after the rename (SELECT * keeps any columns later
--   migrations added). `defer_foreign_keys` lets the references dangle until the end of the
--   migration's transaction, where every one points at an id again.
--   Every table that references notification_endpoints must be copied aside like this: today
--   alert_sends and deliveries. A migration numbered below 0012 that adds such a table must add
--   it here, or databases that apply both at once lose its rows.
-- - Ids are copied as they are, so sends, deliveries and API clients keep pointing at the same
--   endpoints; AUTOINCREMENT carries on after the largest copied id.
PRAGMA defer_foreign_keys = true;

CREATE TABLE notification_endpoints_new (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id       INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('webhook', 'email', 'slack', 'discord', 'telegram', 'teams',
                                                 'pagerduty', 'ntfy', 'pushover', 'google_chat')),
  url              TEXT,
  secret           TEXT,
  recipients       TEXT,
  provider         TEXT,
  events           TEXT NOT NULL DEFAULT '["incident.opened","incident.resolved"]',  -- JSON array
  reminder_minutes INTEGER,            -- NULL: no reminders while an incident stays open
  is_active        INTEGER NOT NULL DEFAULT 1,
  disabled_reason  TEXT,               -- set when delivery disabled it (the target is gone)
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  config           TEXT,               -- JSON object: the kind's non-secret settings
  monitors         TEXT,               -- JSON array of monitor ids; NULL = all of the project
  UNIQUE (project_id, name),
  CHECK ((kind = 'webhook' AND url IS NOT NULL AND secret IS NOT NULL)
      OR (kind = 'email' AND recipients IS NOT NULL)
      OR (kind IN ('slack', 'discord', 'teams', 'google_chat') AND url IS NOT NULL)
      OR (kind = 'telegram' AND secret IS NOT NULL AND config IS NOT NULL)
      OR (kind = 'pagerduty' AND secret IS NOT NULL)
      OR (kind = 'ntfy' AND url IS NOT NULL AND config IS NOT NULL)
      OR (kind = 'pushover' AND secret IS NOT NULL AND config IS NOT NULL))
);

INSERT INTO notification_endpoints_new (id, project_id, name, kind, url, secret, recipients, provider, events,
                                        reminder_minutes, is_active, disabled_reason, created_at, updated_at)
SELECT id, project_id, name, kind, url, secret, recipients, provider, events,
       reminder_minutes, is_active, disabled_reason, created_at, updated_at
FROM notification_endpoints;

CREATE TABLE keep_alert_sends AS SELECT * FROM alert_sends;
CREATE TABLE keep_deliveries AS SELECT * FROM deliveries;

DROP TABLE notification_endpoints;
ALTER TABLE notification_endpoints_new RENAME TO notification_endpoints;

INSERT INTO alert_sends SELECT * FROM keep_alert_sends;
INSERT INTO deliveries SELECT * FROM keep_deliveries;
DROP TABLE keep_alert_sends;
DROP TABLE keep_deliveries;

-- The index 0004 made, which went with the old table.
CREATE INDEX notification_endpoints_project ON notification_endpoints (project_id) WHERE is_active = 1;
