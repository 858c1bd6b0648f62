-- vigil schema, part 11: run-time settings of the check engine that seed 000's
-- `POST /status/queue` sets (admin only), and what the last cron tick did, which
-- `GET /status/queue` reports. One row (id = 1): the consumer reads it once per invocation
-- by primary key (1 row read), the cron writes the tick columns once per tick (1 row written).
CREATE TABLE engine_settings (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  worker_thread        INTEGER CHECK (worker_thread BETWEEN 1 AND 6), -- NULL: CHECK_CONCURRENCY
  queue_size           INTEGER CHECK (queue_size >= 1),               -- NULL: 1 job per message
  updated_at           INTEGER,  -- epoch ms of the last POST /status/queue
  last_tick_at         INTEGER,  -- epoch ms when the last cron tick started
  last_tick_slot       INTEGER,  -- its slot (epoch s)
  last_tick_dispatched INTEGER,  -- check jobs it sent to the queue
  last_tick_ms         INTEGER   -- how long it ran, ms
);
INSERT INTO engine_settings (id) VALUES (1);
