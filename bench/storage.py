#!/usr/bin/env python3
"""Bytes per check and per rollup in the layout of migration 0014, measured on a real local D1
file, and the projection for a fleet (benchmark, not a test).

    python3 bench/storage.py [--monitors 100] [--raw-days 7] [--fleet 10000]

Creates a fresh local D1 (`wrangler d1 migrations apply vigil --local` into a temp dir), then
writes, for N one-minute monitors, what they hold at steady state: `--raw-days` of checks as hour
blocks (core::blocks' entry text, the recorder's: ~0.5 % failures with full rows, 1 % slow,
start offsets 50-3,000 ms, latencies around 40-400 ms), hourly rollups for
HOURLY_RETENTION_DAYS (90) and daily ones for DAILY_RETENTION_DAYS (400) with realistic latency
histograms, and one summary row each. Rows go in time order, as the cron and the consumer write
them. Then dbstat gives each table's bytes (pages in use, indexes included), VACUUMed, and the
per-row figures are projected to `--fleet` monitors for one year: 7 days of raw checks, 90 days
of hourly and 365 of daily rollups. Prints one JSON object.
"""
import argparse
import glob
import json
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOUR = 3600
DAY = 86400
HIST_LOWER = [0, 3, 6, 9, 12, 15, 18, 22, 27, 33, 41, 51, 63, 77, 94, 115, 141, 173, 212, 259, 316, 386, 472,
              577, 705, 862, 1054, 1288, 1574, 1924, 2352, 2875, 3514, 4295, 5249, 6415, 7841, 9584, 11714,
              14317, 17498, 21386, 26138, 31946, 39045, 47722, 58327, 71288]


def entry(offset, dt, latency, http, status, slow, full):
    """core::blocks::Entry::encode."""
    out = f";{offset}:{dt}:{'' if latency is None else latency}"
    if not full and http != 200:
        out += "/" + ("" if http is None else str(http))
    out += {"UP": "", "DOWN": "d", "TIMEOUT": "t", "BOT_DETECTED": "b"}[status]
    if slow:
        out += "s"
    if full:
        out += "f"
    return out


def hist_text(rng, n):
    base = rng.randrange(12, 24)
    counts = {}
    for _ in range(n):
        i = min(47, max(0, base + int(rng.gauss(0, 1.2))))
        counts[i] = counts.get(i, 0) + 1
    return ",".join(f"{i}:{c}" for i, c in sorted(counts.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--monitors", type=int, default=100)
    ap.add_argument("--raw-days", type=int, default=7)
    ap.add_argument("--hourly-days", type=int, default=90)
    ap.add_argument("--daily-days", type=int, default=400)
    ap.add_argument("--fleet", type=int, default=10000)
    a = ap.parse_args()
    rng = random.Random(14)
    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="vigil-bench-storage-")
    try:
        env = {**os.environ, "CI": "true", "WRANGLER_SEND_METRICS": "false", "NO_COLOR": "1"}
        subprocess.run(["npx", "wrangler", "d1", "migrations", "apply", "vigil", "--local", "--persist-to", tmp],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        [path] = [f for f in glob.glob(os.path.join(tmp, "v3/d1/miniflare-D1DatabaseObject/*.sqlite"))
                  if not f.endswith("metadata.sqlite")]
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN")
        now = int(time.time()) // HOUR * HOUR
        created = "2025-01-01T00:00:00.000Z"
        db.executemany(
            "INSERT INTO monitors (id, project_id, name, url, created_at, updated_at, check_interval_seconds, status, "
            "rolled_up_until_ms) VALUES (?, 1, ?, ?, ?, ?, 60, 'UP', ?)",
            [(m, f"monitor {m}", f"https://m{m}.example.com/health", created, created, now * 1000)
             for m in range(1, a.monitors + 1)])
        checks = full_rows = 0
        raw_from = now - a.raw_days * DAY
        for hour in range(raw_from, now, HOUR):  # time order: hour by hour, every monitor
            blocks, fulls = [], []
            for m in range(1, a.monitors + 1):
                data, last = [], 0
                for minute in range(60):
                    slot = hour + minute * 60
                    dt = rng.randrange(50, 3000)
                    r = rng.random()
                    status = "UP" if r > 0.005 else rng.choice(["DOWN", "TIMEOUT"])
                    latency = None if status == "TIMEOUT" else int(rng.lognormvariate(4.5, 0.6))
                    slow = status == "UP" and rng.random() < 0.01
                    full = status != "UP" or slow
                    http = None if status == "TIMEOUT" else (200 if status == "UP" else 503)
                    data.append(entry(slot - hour, dt, latency, http, status, slow, full))
                    last = slot * 1000 + dt
                    checks += 1
                    if full:
                        full_rows += 1
                        fulls.append((m, slot, "scheduled", iso(last), status, int(slow), http, latency,
                                      None if status == "UP" else "status 503 not in [200]", 1,
                                      None if status == "UP" else "status"))
                blocks.append((m, hour, iso(last), "".join(data)))
            db.executemany("INSERT INTO check_blocks (monitor_id, start, last_at, data) VALUES (?, ?, ?, ?)", blocks)
            db.executemany(
                "INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, "
                "failure_type, attempts, failure_kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)", fulls)
        rollups = []
        for day in range(now // DAY * DAY - a.daily_days * DAY, now, DAY):
            for m in range(1, a.monitors + 1):
                rollups.append((m, "day", day * 1000, 1436, 2, 2, 0, 14, 0, 1440, 1436, 0, 1438, 1438 * 90, 20, 900,
                                hist_text(rng, 1438)))
        for hour in range(now - a.hourly_days * DAY, now, HOUR):
            for m in range(1, a.monitors + 1):
                rollups.append((m, "hour", hour * 1000, 60, 0, 0, 0, 1, 0, 60, 60, 0, 60, 60 * 90, 20, 400,
                                hist_text(rng, 60)))
        rollups.sort(key=lambda r: r[2])
        db.executemany("INSERT INTO rollups VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rollups)
        hours = "".join(f";{(now - i * HOUR) // HOUR}:60,60,60,60" for i in range(25, 0, -1))
        days = "".join(f";{(now - i * DAY) // DAY}:1436,1440,0,1436,14" for i in range(91, 0, -1))
        db.executemany("INSERT INTO history_summaries (monitor_id, hours, days) VALUES (?, ?, ?)",
                       [(m, hours, days) for m in range(1, a.monitors + 1)])
        db.execute("COMMIT")
        stored = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        db.execute("VACUUM")
        packed = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        n_hour = db.execute("SELECT count(*) FROM rollups WHERE period = 'hour'").fetchone()[0]
        n_day = db.execute("SELECT count(*) FROM rollups WHERE period = 'day'").fetchone()[0]
        avg_entry = db.execute("SELECT avg(length(data)) / 60.0 FROM check_blocks").fetchone()[0]
        # The rollups table holds both periods; split it by their text sizes (hourly histograms
        # are shorter) measured on a copy with one period only.
        mem = sqlite3.connect(":memory:")
        db.backup(mem)
        mem.execute("DELETE FROM rollups WHERE period = 'day'")
        mem.commit()
        mem.execute("VACUUM")
        hour_only = mem.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'rollups'").fetchone()[0]
        file_bytes = os.path.getsize(path)
        db.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def per(name_bytes, n):
        return round(name_bytes / n, 2) if n else None

    raw_bytes = packed.get("check_blocks", 0) + packed.get("checks", 0)
    per_check = raw_bytes / checks
    per_hour = hour_only / n_hour
    per_day = (packed["rollups"] - hour_only) / n_day
    per_summary = packed["history_summaries"] / a.monitors
    fleet = a.fleet
    proj = {
        "monitors": fleet,
        "interval_seconds": 60,
        "retention_days": {"raw": 7, "hourly": 90, "daily": 365},
        "raw_bytes": round(fleet * 7 * 1440 * per_check),
        "hourly_bytes": round(fleet * 90 * 24 * per_hour),
        "daily_bytes_1_year": round(fleet * 365 * per_day),
        "summaries_bytes": round(fleet * per_summary),
    }
    proj["total_bytes"] = proj["raw_bytes"] + proj["hourly_bytes"] + proj["daily_bytes_1_year"] + proj["summaries_bytes"]
    proj["total_gb"] = round(proj["total_bytes"] / 1e9, 3)
    proj["daily_bytes_400_days"] = round(fleet * 400 * per_day)
    proj["under_5gb"] = proj["total_bytes"] < 5e9
    print(json.dumps({
        "machine": subprocess.run(["sh", "-c", "nproc; lscpu | grep 'Model name'"], capture_output=True, text=True).stdout.split("\n")[:2],
        "setup": {"monitors": a.monitors, "raw_days": a.raw_days, "hourly_days": a.hourly_days, "daily_days": a.daily_days,
                  "checks": checks, "full_rows": full_rows, "hour_rollups": n_hour, "day_rollups": n_day},
        "file_bytes": file_bytes,
        "bytes_by_table_as_written": stored,
        "bytes_by_table_vacuumed": packed,
        "avg_entry_text_bytes": round(avg_entry, 2),
        "bytes_per_check": round(per_check, 2),
        "bytes_per_hour_rollup": round(per_hour, 2),
        "bytes_per_day_rollup": round(per_day, 2),
        "bytes_per_summary": round(per_summary, 2),
        "bytes_per_check_as_written": per(stored.get("check_blocks", 0) + stored.get("checks", 0), checks),
        "projection_1_year": proj,
        "seconds": round(time.time() - t0, 1),
    }, indent=2))


def iso(ms):
    t = time.gmtime(ms // 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ms % 1000:03d}Z"


if __name__ == "__main__":
    main()
