-- vigil schema, part 6: failed logins per username, so password guessing is throttled.
-- Keyed by the lower-cased name whether or not such a user exists: the answer (429) is the
-- same for both, so the throttle does not reveal which usernames exist.
CREATE TABLE login_failures (
  username     TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,   -- epoch ms of the first failure in the current window
  failures     INTEGER NOT NULL
) WITHOUT ROWID;
