-- vigil schema, part 10: dashboard sessions (DESIGN.md §10). The browser holds an opaque random
-- id in an HttpOnly cookie; only its SHA-256 is stored, so a copy of this table logs no one in.
-- Each session has its own CSRF token, sent back in every state-changing form.
CREATE TABLE sessions (
  id_hash    TEXT PRIMARY KEY,            -- hex SHA-256 of the cookie value
  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,               -- base64url of 32 random bytes
  created_at INTEGER NOT NULL,            -- epoch ms
  expires_at INTEGER NOT NULL             -- epoch ms; a lookup after this finds nothing
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
