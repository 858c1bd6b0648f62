-- vigil schema, part 4: accounts (users, API tokens), project ownership, and the notification
-- endpoints alerts are delivered to (SPEC section 1).

-- password_hash is "pbkdf2-sha256$<iterations>$<salt b64>$<key b64>" (core::auth). NULL means
-- the user cannot log in with a password (the built-in admin until one is set).
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT,
  is_admin      INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);

-- The built-in admin. The ADMIN_TOKEN secret authenticates as this user; it owns the default
-- project from migration 0001, so everything created before accounts existed stays reachable.
INSERT INTO users (id, username, password_hash, is_admin, created_at)
VALUES (1, 'admin', NULL, 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Only a SHA-256 of each secret is kept (hex), plus its first characters so a user can tell
-- tokens apart in a list. The secret itself is shown once, in the creation response.
CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,
  scopes       TEXT NOT NULL,            -- space separated: "read" or "read write"
  created_at   TEXT NOT NULL,
  last_used_at TEXT,
  expires_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- SQLite cannot add a REFERENCES column with a non-NULL default; ownership is kept by the API
-- (users are never deleted), and every tenant query filters on it.
ALTER TABLE projects ADD COLUMN owner_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX projects_owner ON projects (owner_id);

-- Where a project's alerts go. A webhook has url + secret (whsec_..., used to sign); an email
-- endpoint has recipients (JSON array) and optionally a provider (NULL: the configured one).
CREATE TABLE notification_endpoints (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  project_id       INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('webhook', 'email')),
  url              TEXT,
  secret           TEXT,
  recipients       TEXT,
  provider         TEXT,
  events           TEXT NOT NULL DEFAULT '["incident.opened","incident.resolved"]',  -- JSON array
  reminder_minutes INTEGER,            -- NULL: no reminders while an incident stays open
  is_active        INTEGER NOT NULL DEFAULT 1,
  disabled_reason  TEXT,               -- set when delivery disabled it (a 410 from the receiver)
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (project_id, name),
  CHECK ((kind = 'webhook' AND url IS NOT NULL AND secret IS NOT NULL) OR (kind = 'email' AND recipients IS NOT NULL))
);
CREATE INDEX notification_endpoints_project ON notification_endpoints (project_id) WHERE is_active = 1;
