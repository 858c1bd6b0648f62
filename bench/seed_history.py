#!/usr/bin/env python3
"""Seeds a local D1 SQLite file with realistic status-page history (benchmark data, not a test).

    python3 bench/seed_history.py DB_FILE [--monitors 50] [--days 90] [--now-ms N] [--seed 1] [--reset]

DB_FILE is the .sqlite that `wrangler d1 migrations apply vigil --local --persist-to DIR` creates
under DIR/v3/d1/miniflare-D1DatabaseObject/. The worker must not be running while this writes.

What it writes, all in project 1 (`default`, public), in one transaction:
  * N monitors, check_interval_seconds 60, created 91 days ago, rolled_up_until_ms = the current
    hour start (so the cron has nothing to recompute), current state = their last raw check;
  * hourly rollups for days x 24 hours before the current hour, and daily rollups for the last
    `days` UTC days (today partial), each day the exact merge of its hours, as the cron makes them;
  * raw checks for the last 4 h 2 min, one per minute (plus confirmation re-checks 20 s after a
    failure starts), so the page's live part and timeline come from raw rows;
  * incidents (resolved ones, and an open one for a monitor failing now) derived from the same
    simulated history, with their outbox events; one upcoming maintenance window.

The history is one simulated minute timeline per monitor: mostly UP, with occasional outages
(DOWN 503, TIMEOUT, connection refused), single-check blips caught by the re-check, bot-wall
spells on a few monitors, slow spells, and two checker gaps that hit every monitor. Hour rollups
count checks and timeline minutes exactly as core::uptime::rollup_hour would (one bucket per
minute, forward-filled for 2 x interval), and latency_hist uses core::uptime::hist_to_text's
sparse "index:count" form with HIST_LOWER's buckets. Deterministic for a given
(--seed, --monitors, --days, --now-ms); the history relative to `now` depends only on the first
three. Rows are inserted in time order, as the cron and the consumer write them, so pages fill
the way a real database's would.
"""
import argparse
import bisect
import json
import math
import random
import re
import sqlite3
import sys
import time
from pathlib import Path
from collections import Counter, defaultdict
from datetime import datetime, timezone

MIN_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
RAW_MINUTES = 4 * 60 + 2  # 4 h + 2 min before the current minute (which is added when it has run)

# core::uptime::HIST_LOWER: inclusive lower bound (ms) of each of the 48 latency buckets.
HIST_LOWER = [
    0, 3, 6, 9, 12, 15, 18, 22, 27, 33, 41, 51, 63, 77, 94, 115, 141, 173, 212, 259, 316, 386, 472,
    577, 705, 862, 1054, 1288, 1574, 1924, 2352, 2875, 3514, 4295, 5249, 6415, 7841, 9584, 11714,
    14317, 17498, 21386, 26138, 31946, 39045, 47722, 58327, 71288,
]
assert len(HIST_LOWER) == 48


def hist_index(ms):
    """core::uptime::hist_index."""
    return bisect.bisect_right(HIST_LOWER, ms) - 1


def hist_to_text(hist):
    """core::uptime::hist_to_text: non-zero buckets as index:count, ascending, comma-separated."""
    return ",".join(f"{i}:{c}" for i, c in sorted(hist.items()) if c)


def convert_statements():
    """The statements between `-- convert:begin` and `-- convert:end` in migration 0014."""
    path = Path(__file__).resolve().parent.parent / "migrations" / "0014_compact_checks.sql"
    out, on, cur = [], False, []
    for line in path.read_text().splitlines():
        if line.startswith("-- convert:begin"):
            on = True
        elif line.startswith("-- convert:end"):
            on = False
        elif on and not line.startswith("--"):
            cur.append(line)
            if line.rstrip().endswith(";"):
                out.append("\n".join(cur))
                cur = []
    return out


def iso(ms):
    """core::time::iso: 2026-11-21T05:25:00.123Z."""
    t = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


# Check codes on the simulated minute timeline (one scheduled check per minute).
UP, BLIP, D503, TIMEOUT, REFUSED, BOT, GAP = b"U", b"b", b"5", b"T", b"C", b"B", b"G"
FAIL_RUN = re.compile(rb"[5TC]+")
GAP_RUN = re.compile(rb"G+")
# Minute states (core::buckets::BucketState as rollups count them): up, down, bot, unknown.
MINUTE_OF = bytes.maketrans(b"Ub5TCBG", b"uudddon")

FAILURE = {
    D503: ("DOWN", 503, "status 503 not in [200]", 4),
    TIMEOUT: ("TIMEOUT", None, "timeout after 20s", 1),
    REFUSED: ("DOWN", None, "connect: connection refused", 4),
}


class Rollup:
    __slots__ = ("up", "down", "timeout", "bot", "slow", "unknown", "known", "up_min", "bot_min",
                 "lat_n", "lat_sum", "lat_min", "lat_max", "hist")

    def __init__(self):
        self.up = self.down = self.timeout = self.bot = self.slow = 0
        self.unknown = self.known = self.up_min = self.bot_min = 0
        self.lat_n = self.lat_sum = 0
        self.lat_min = self.lat_max = None
        self.hist = Counter()

    def add_latencies(self, xs):
        if not xs:
            return
        self.lat_n += len(xs)
        self.lat_sum += sum(xs)
        lo, hi = min(xs), max(xs)
        self.lat_min = lo if self.lat_min is None else min(self.lat_min, lo)
        self.lat_max = hi if self.lat_max is None else max(self.lat_max, hi)
        self.hist.update(map(HIDX.__getitem__, xs))

    def add_minutes(self, states):
        u, d, o, n = states.count(b"u"), states.count(b"d"), states.count(b"o"), states.count(b"n")
        self.up_min += u
        self.known += u + d
        self.bot_min += o
        self.unknown += n

    def merge(self, r):
        for f in ("up", "down", "timeout", "bot", "slow", "unknown", "known", "up_min", "bot_min", "lat_n", "lat_sum"):
            setattr(self, f, getattr(self, f) + getattr(r, f))
        if r.lat_min is not None:
            self.lat_min = r.lat_min if self.lat_min is None else min(self.lat_min, r.lat_min)
            self.lat_max = r.lat_max if self.lat_max is None else max(self.lat_max, r.lat_max)
        self.hist.update(r.hist)

    def row(self, monitor_id, period, start_ms):
        return (monitor_id, period, start_ms, self.up, self.down, self.timeout, self.bot, self.slow,
                self.unknown, self.known, self.up_min, self.bot_min, self.lat_n, self.lat_sum,
                self.lat_min, self.lat_max, hist_to_text(self.hist))


HIDX = []  # latency -> histogram bucket, filled up to the largest pooled latency


def ensure_hidx(max_ms):
    for ms in range(len(HIDX), max_ms + 1):
        HIDX.append(hist_index(ms))


NAMES = ["Website", "API", "Checkout", "Login", "Search", "CDN", "Webhooks", "Docs", "Dashboard", "Billing"]
REGIONS = ["", " (EU)", " (US)", " (Asia)", " v2", " (staging)"]


class Monitor:
    """One monitor's simulated history: a check code per minute plus latency pools."""

    def __init__(self, k, rng, minutes, start_minute_ms):
        self.id = k + 1
        self.name = f"{NAMES[k % len(NAMES)]}{REGIONS[(k // len(NAMES)) % len(REGIONS)]}"
        if k >= len(NAMES) * len(REGIONS):
            self.name += f" #{k + 1}"
        self.role = "supplementary" if k % 5 == 4 else "core"
        base = rng.uniform(40, 200)  # median latency, ms
        sigma = rng.uniform(0.12, 0.35)
        self.pool = [max(20, int(rng.lognormvariate(math.log(base), sigma))) for _ in range(4000)]
        for i in rng.sample(range(4000), 40):  # 1 % spikes
            self.pool[i] = int(self.pool[i] * rng.uniform(3, 8))
        self.slow_pool = [int(x * rng.uniform(4, 6)) for x in self.pool[:1000]]
        self.err_pool = [max(5, x // 3) for x in self.pool[:1000]]  # a 503 comes back fast
        self.limit = int(base * 3) if k % 4 == 3 else None  # expected_response_time_ms
        ensure_hidx(max(max(self.pool), max(self.slow_pool)))
        self.chk = bytearray(UP * minutes)
        self.slow_hours = set()
        hours = minutes // 60 + 1
        # Outages: ~1 in 500 monitor-hours, mostly short, kind by cause.
        for h in range(hours):
            if rng.random() < 0.002:
                s = h * 60 + rng.randrange(60)
                n = min(180, int(rng.expovariate(1 / 8)) + 1)
                self.chk[s:s + n] = rng.choice([D503, D503, TIMEOUT, REFUSED]) * len(self.chk[s:s + n])
            if rng.random() < 0.01:  # a single failed check that the re-check clears
                m = h * 60 + rng.randrange(60)
                if m < minutes and self.chk[m:m + 1] == UP:
                    self.chk[m:m + 1] = BLIP
            if rng.random() < 0.002:
                self.slow_hours.add(h)
            if k % 17 == 7 and rng.random() < 0.004:  # a few monitors sit behind a bot wall at times
                s = h * 60 + rng.randrange(60)
                n = rng.randrange(20, 240)
                self.chk[s:s + n] = BOT * len(self.chk[s:s + n])
        self.start_minute_ms = start_minute_ms

    def script_now(self, k, minutes, rng):
        """The last 4 hours: one clear outage and one monitor failing right now."""
        if k == 1:  # a 15-minute 503 outage about two hours ago (resolved)
            s = minutes - 125
            self.chk[s:s + 15] = D503 * 15
        if k == 4:  # timing out for the last 9 minutes (incident open)
            self.chk[minutes - 9:] = TIMEOUT * 9
        elif FAIL_RUN.fullmatch(bytes(self.chk[-1:])):  # nobody else is failing at `now`
            self.chk[-1:] = UP
        if k == 2:
            self.slow_hours.add((minutes - 90) // 60)

    def minute_states(self):
        st = bytearray(bytes(self.chk).translate(MINUTE_OF))
        for m in GAP_RUN.finditer(self.chk):  # the first missed minute is forward-filled
            if m.start() > 0:
                st[m.start()] = st[m.start() - 1]
        self.st = bytes(st)
        # Failure runs: each start brings a confirmation re-check (same outcome) 20 s later.
        self.runs = [(m.start(), m.end(), bytes(self.chk[m.start():m.start() + 1])) for m in FAIL_RUN.finditer(self.chk)]
        self.run_starts = defaultdict(Counter)
        for s, _, code in self.runs:
            self.run_starts[s // 60][code] += 1

    def hour_fast(self, h, rng):
        """Hour h's rollup from the minute codes, latencies sampled from the pools."""
        c = bytes(self.chk[h * 60:h * 60 + 60])
        r = Rollup()
        rs = self.run_starts.get(h, {})
        n_up, n_blip, n_503 = c.count(UP), c.count(BLIP), c.count(D503)
        n_t, n_c, n_bot = c.count(TIMEOUT), c.count(REFUSED), c.count(BOT)
        r.up = n_up + n_blip
        r.down = n_503 + n_c + n_blip + rs.get(D503, 0) + rs.get(REFUSED, 0)
        r.timeout = n_t + rs.get(TIMEOUT, 0)
        r.bot = n_bot
        ups = rng.choices(self.slow_pool if h in self.slow_hours else self.pool, k=r.up)
        if self.limit is not None:
            r.slow = sum(1 for x in ups if x > self.limit)
        r.add_latencies(ups + rng.choices(self.err_pool, k=n_503 + n_blip + rs.get(D503, 0)) + rng.choices(self.pool, k=n_bot))
        r.add_minutes(self.st[h * 60:h * 60 + 60])
        return r

    def checks_of_hour(self, h, rng):
        """Hour h as raw check rows (monitor_id, slot, kind, started_at, status, slow, http_status,
        latency_ms, failure_type, attempts), ascending."""
        rows = []
        rs_minutes = {s for s, _, _ in self.runs if s // 60 == h}
        slow_hour = h in self.slow_hours
        for m in range(h * 60, min(h * 60 + 60, len(self.chk))):
            code = bytes(self.chk[m:m + 1])
            if code == GAP:
                continue
            slot = (self.start_minute_ms + m * MIN_MS) // 1000
            at = slot * 1000 + rng.randrange(150, 1500)  # queue delay after the tick
            if code == UP:
                lat = rng.choice(self.slow_pool if slow_hour else self.pool)
                slow = int(self.limit is not None and lat > self.limit)
                rows.append((self.id, slot, "scheduled", at, "UP", slow, 200, lat, None, 1))
            elif code == BOT:
                rows.append((self.id, slot, "scheduled", at, "BOT_DETECTED", 0, 403, rng.choice(self.pool), "bot wall: Cloudflare challenge (403)", 1))
            elif code == BLIP:
                rows.append((self.id, slot, "scheduled", at, "DOWN", 0, 503, rng.choice(self.err_pool), FAILURE[D503][2], 4))
                lat = rng.choice(self.pool)
                rows.append((self.id, slot + 20, "recheck", at + 20_000, "UP", int(self.limit is not None and lat > self.limit), 200, lat, None, 1))
            else:
                status, http, why, attempts = FAILURE[code]
                lat = rng.choice(self.err_pool) if code == D503 else None
                rows.append((self.id, slot, "scheduled", at, status, 0, http, lat, why, attempts))
                if m in rs_minutes:
                    lat = rng.choice(self.err_pool) if code == D503 else None
                    rows.append((self.id, slot + 20, "recheck", at + 20_000, status, 0, http, lat, why, attempts))
        return rows


def rollup_of_rows(rows, states):
    """core::uptime::rollup_range for a whole hour of rows (states: the hour's minute states)."""
    r = Rollup()
    lats = []
    for row in rows:
        status, slow, lat = row[4], row[5], row[7]
        if status == "UP":
            r.up += 1
            r.slow += slow
        elif status == "DOWN":
            r.down += 1
        elif status == "TIMEOUT":
            r.timeout += 1
        else:
            r.bot += 1
        if lat is not None:
            lats.append(lat)
    r.add_latencies(lats)
    r.add_minutes(states)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db")
    ap.add_argument("--monitors", type=int, default=50)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--now-ms", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reset", action="store_true", help="delete existing monitors and history first")
    a = ap.parse_args()

    t0 = time.perf_counter()
    now = a.now_ms if a.now_ms is not None else int(time.time() * 1000)
    cur_hour = now // HOUR_MS * HOUR_MS
    today = now // DAY_MS * DAY_MS
    now_minute = now // MIN_MS * MIN_MS
    start = cur_hour - a.days * 24 * HOUR_MS  # first hourly rollup
    minutes = (now_minute - start) // MIN_MS + 1  # minute timeline [start, now_minute]
    raw_from = now_minute - RAW_MINUTES * MIN_MS
    first_day = today - (a.days - 1) * DAY_MS
    created_ms = now - 91 * DAY_MS
    rng = random.Random(f"vigil-seed-{a.seed}-{a.monitors}-{a.days}")

    mons = [Monitor(k, rng, minutes, start) for k in range(a.monitors)]
    # Two checker gaps that hit every monitor (a deploy gone wrong, a stuck queue).
    for _ in range(2):
        s, n = rng.randrange(minutes - 600), rng.randrange(6, 26)
        for m in mons:
            m.chk[s:s + n] = GAP * n
    for k, m in enumerate(mons):
        m.script_now(k, minutes, rng)
        m.minute_states()

    hours_rows, days_rows, check_rows = [], [], []
    detail_from_h = (raw_from // HOUR_MS * HOUR_MS - start) // HOUR_MS
    n_hours = (cur_hour - start) // HOUR_MS
    for m in mons:
        days = defaultdict(Rollup)
        for h in range(n_hours + 1):  # the last one is the current, not rolled up, hour
            hour_ms = start + h * HOUR_MS
            if h >= detail_from_h:
                rows = m.checks_of_hour(h, rng)
                check_rows.extend(r for r in rows if r[1] * 1000 >= raw_from and r[3] <= now)
                r = rollup_of_rows(rows, m.st[h * 60:h * 60 + 60]) if h < n_hours else None
            else:
                r = m.hour_fast(h, rng)
            if r is None:
                continue
            hours_rows.append(r.row(m.id, "hour", hour_ms))
            if hour_ms >= first_day:
                days[hour_ms // DAY_MS * DAY_MS].merge(r)
        days_rows.extend(days[d].row(m.id, "day", d) for d in sorted(days))
    # Time order, as the cron (rollups) and the consumer (checks) write them.
    rollup_rows = sorted(hours_rows + days_rows, key=lambda r: (r[2], r[1] == "hour", r[0]))
    check_rows.sort(key=lambda r: (r[3], r[0]))
    last = {}
    streak = {}
    for r in check_rows:
        last[r[0]] = r
    for m in mons:  # current streaks, from the newest checks back
        ok = last[m.id][4] == "UP"
        n = 0
        for r in reversed([c for c in check_rows if c[0] == m.id]):
            if (r[4] == "UP") != ok:
                break
            n += 1
        streak[m.id] = (0, n) if ok else (n, 0)

    incidents, events = [], []
    iid = 0
    for m in mons:
        for s, e, code in m.runs:
            if e - s < 2:  # scheduled + re-check + next scheduled = failure_threshold 3
                continue
            iid += 1
            status, _, why, _ = FAILURE[code]
            open_slot = (start + (s + 1) * MIN_MS) // 1000
            opened = open_slot * 1000 + rng.randrange(300, 2000)
            if e >= minutes:
                resolved, res_slot = None, None
            else:
                res_slot = (start + e * MIN_MS) // 1000
                resolved = res_slot * 1000 + rng.randrange(300, 2000)
            if opened > now:
                iid -= 1
                continue
            incidents.append((iid, m.id, iso(opened), open_slot, iso(resolved) if resolved else None, why, status))
            events.append((iid, "incident.opened", m.id, open_slot, iso(opened), iso(opened + 150), 1))
            if resolved:
                events.append((iid, "incident.resolved", m.id, res_slot, iso(resolved), iso(resolved + 150), 1))
    maintenance = [(1, 1, None, "Database upgrade (read-only for up to 10 minutes)", iso(now + 6 * HOUR_MS), iso(now + 8 * HOUR_MS), iso(now - DAY_MS))]
    t_gen = time.perf_counter() - t0

    db = sqlite3.connect(a.db, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("BEGIN IMMEDIATE")
    try:
        (existing,) = db.execute("SELECT count(*) FROM monitors").fetchone()
        if existing and not a.reset:
            raise SystemExit(f"{a.db} already has {existing} monitors (pass --reset to replace them)")
        if a.reset:
            for t in ("incident_events", "incidents", "checks", "check_blocks", "history_summaries", "rollups",
                      "maintenance_windows", "monitors"):
                db.execute(f"DELETE FROM {t}")
        db.execute("UPDATE projects SET public = 1, name = 'Acme Cloud' WHERE id = 1")
        mon_rows = []
        for m in mons:
            lr = last[m.id]
            fails, oks = streak[m.id]
            mon_rows.append((
                m.id, 1, m.name, m.role, f"https://{m.name.split()[0].lower()}{m.id}.example.com/health",
                m.limit, 60, 3, 1, iso(created_ms), iso(created_ms), lr[4], lr[5], fails, oks,
                iso(lr[3]), (lr[1] // 60 * 60 + 60) * 1000, sum(1 for c in check_rows if c[0] == m.id), cur_hour,
            ))
        db.executemany(
            "INSERT INTO monitors (id, project_id, name, role, url, expected_response_time_ms, check_interval_seconds, "
            "failure_threshold, recovery_threshold, created_at, updated_at, status, slow, consecutive_failures, "
            "consecutive_successes, last_checked_at, next_check_ms, state_version, rolled_up_until_ms) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", mon_rows)
        db.executemany(
            "INSERT INTO rollups (monitor_id, period, start_ms, up, down, timeout, bot, slow, unknown_minutes, "
            "known_minutes, up_minutes, bot_minutes, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, "
            "latency_hist) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rollup_rows)
        db.executemany(
            "INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, "
            "failure_type, attempts) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(r[0], r[1], r[2], iso(r[3]), *r[4:]) for r in check_rows])
        db.executemany(
            "INSERT INTO incidents (id, monitor_id, opened_at, opened_slot, resolved_at, cause, last_status) "
            "VALUES (?,?,?,?,?,?,?)", sorted(incidents, key=lambda i: i[2]))
        db.executemany(
            "INSERT INTO incident_events (incident_id, event, monitor_id, check_slot, created_at, enqueued_at, "
            "received_count) VALUES (?,?,?,?,?,?,?)", sorted(events, key=lambda e: e[4]))
        db.executemany(
            "INSERT INTO maintenance_windows (id, project_id, monitor_id, title, starts_at, ends_at, created_at) "
            "VALUES (?,?,?,?,?,?,?)", maintenance)
        # The rows above are in the layout before migration 0014; its own statements convert them
        # (checks into hour blocks and full rows, rollups into summaries), so the seeded data is
        # exactly what the migration (and then the recorder and the cron) would hold.
        for sql in convert_statements():
            db.execute(sql)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("monitors", "checks", "check_blocks", "history_summaries", "incidents", "incident_events",
                        "maintenance_windows")}
    counts["rollups_hour"] = db.execute("SELECT count(*) FROM rollups WHERE period = 'hour'").fetchone()[0]
    counts["rollups_day"] = db.execute("SELECT count(*) FROM rollups WHERE period = 'day'").fetchone()[0]
    counts["open_incidents"] = db.execute("SELECT count(*) FROM incidents WHERE resolved_at IS NULL").fetchone()[0]
    db.close()
    print(json.dumps({
        "seeded": a.db,
        "now_ms": now,
        "now": iso(now),
        "rolled_up_until": iso(cur_hour),
        "rows": counts,
        "seconds": round(time.perf_counter() - t0, 2),
        "seconds_generating": round(t_gen, 2),
    }))


if __name__ == "__main__":
    sys.exit(main())
