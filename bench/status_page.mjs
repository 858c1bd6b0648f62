// Status page benchmark (not a test): a public page of 50 monitors with 90 days of history,
// served by `wrangler dev` from a local D1 seeded by bench/seed_history.py.
//
//   node bench/status_page.mjs [--monitors 50] [--days 90] [--n 200] [--concurrency 10]
//                              [--connections 50] [--seconds 15] [--max 20000]
//
// Steps: builds the worker (scripts/build.sh, a no-op when build/ is current) so the seed is
// fresh when the worker starts; applies the migrations to a fresh persist dir; seeds it while
// no worker runs; measures D1 storage (dbstat) and the page's SQL run directly in SQLite; starts
// wrangler dev on that dir through the e2e harness; and, with no cron tick fired (the data never
// changes), measures:
//   * HTML bytes (and gzip / brotli) of /status/default;
//   * D1 rows read per page view (`x-vigil-d1-rows-read` on a MISS);
//   * uncached views: distinct `?b=<i>` per request (the handler ignores the query string, the
//     edge cache keys on the full URL, so each is a MISS), N sequential and N at C concurrent;
//   * cached views: 50 keep-alive connections on the plain URL for ~15 s (bounded count), after
//     one warm-up; share of HITs;
//   * bytes per monitor-day and the 10,000-monitor, 1-year projection against D1's 10 GB.
// Prints one JSON object. The machine has few cores and the load generator, wrangler, workerd
// and SQLite share them, so absolute figures are noisy; run it on an otherwise idle machine.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startVigil, ROOT } from '../tests/e2e/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MONITORS = arg('monitors', 50);
const DAYS = arg('days', 90);
const N = arg('n', 200);
const CONCURRENCY = arg('concurrency', 10);
const CONNECTIONS = arg('connections', 50);
const CACHED_SECONDS = arg('seconds', 15);
const CACHED_MAX = arg('max', 20_000);
const SLUG = 'default';
const D1_LIMIT_BYTES = 10e9; // D1's maximum database size (10 GB)
const run = promisify(execFile);

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const r1 = (x) => Math.round(x * 10) / 10;
function summary(ms, wallMs) {
  const s = [...ms].sort((a, b) => a - b);
  return {
    requests: s.length,
    p50_ms: r1(pct(s, 50)),
    p95_ms: r1(pct(s, 95)),
    p99_ms: r1(pct(s, 99)),
    max_ms: r1(s.at(-1)),
    mean_ms: r1(s.reduce((a, b) => a + b, 0) / s.length),
    req_per_s: r1(s.length / (wallMs / 1000)),
  };
}

function sqliteFile(dir) {
  const d1 = path.join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(d1).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  return path.join(d1, file);
}

async function npx(args) {
  const env = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
  return run('npx', args, { cwd: ROOT, env, maxBuffer: 64 << 20 });
}

async function python(code, ...args) {
  const { stdout } = await run('python3', ['-c', code, ...args], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout);
}

// D1 storage by table (dbstat), and per row for each kind of history row. "stored" is what the
// seeded file holds (rows written in time order, as the cron and consumer write them, so pages
// are as full as in real use); "compact" is after VACUUM of a copy holding only that kind.
const STORAGE_PY = `
import json, sqlite3, sys
src = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
def bytes_by_name(c):
    return dict(c.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
stored = bytes_by_name(src)
page_size = src.execute("PRAGMA page_size").fetchone()[0]
def only(sql):
    mem = sqlite3.connect(':memory:')
    src.backup(mem)
    mem.execute(sql); mem.commit(); mem.execute("VACUUM")
    return bytes_by_name(mem)
rows = {
  # Every check is an entry of its hour block (migration 0014); full rows are the non-plain ones.
  'checks': src.execute("SELECT coalesce(sum(length(data) - length(replace(data, ';', ''))), 0) FROM check_blocks").fetchone()[0],
  'full_rows': src.execute("SELECT count(*) FROM checks").fetchone()[0],
  'blocks': src.execute("SELECT count(*) FROM check_blocks").fetchone()[0],
  'hour': src.execute("SELECT count(*) FROM rollups WHERE period = 'hour'").fetchone()[0],
  'day': src.execute("SELECT count(*) FROM rollups WHERE period = 'day'").fetchone()[0],
}
hour_only = only("DELETE FROM rollups WHERE period = 'day'")
day_only = only("DELETE FROM rollups WHERE period = 'hour'")
compact_all = only("SELECT 1")
hist_len = dict(src.execute("SELECT period, AVG(length(latency_hist)) FROM rollups GROUP BY period").fetchall())
print(json.dumps({'stored': stored, 'page_size': page_size, 'rows': rows, 'hour_only': hour_only,
                  'day_only': day_only, 'compact_all': compact_all, 'avg_hist_text_bytes': hist_len}))
`;

// The page's queries (src/store/{pages,monitors,rollups}.rs, as load() runs them), timed in
// SQLite itself: the part of an uncached view that is pure query execution.
const QUERIES_PY = `
import json, sqlite3, sys, time
db = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
now = int(sys.argv[2]); HOUR = 3600000; DAY = 86400000
def iso(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return t.strftime('%Y-%m-%dT%H:%M:%S') + '.%03dZ' % (ms % 1000)
ids = json.dumps([r[0] for r in db.execute("SELECT id FROM monitors WHERE project_id = 1 ORDER BY id")])
hour0 = now // HOUR * HOUR - 23 * HOUR
day0 = now // DAY * DAY - 89 * DAY
raw_from = now - 4 * HOUR - 2 * 60 * 1000
qs = [
  ('project_by_slug', "SELECT id, slug, name, public FROM projects WHERE slug = ?1", ('default',)),
  ('data_version', "SELECT (SELECT max(b.last_at) || '/' || sum(length(b.data)) FROM monitors n JOIN check_blocks b ON b.monitor_id = n.id AND b.start = (SELECT max(start) FROM check_blocks WHERE monitor_id = n.id) WHERE n.project_id = ?1) AS last_checked_at, count(*) AS monitors, max(updated_at) AS changed FROM monitors WHERE project_id = ?1", (1,)),
  ('monitors', "SELECT m.*, EXISTS (SELECT 1 FROM incidents i WHERE i.monitor_id = m.id AND i.resolved_at IS NULL) AS incident_open FROM monitors m WHERE m.id > ?1 AND (?2 IS NULL OR m.project_id = ?2) ORDER BY m.id LIMIT ?3", (0, 1, 200)),
  ('blocks_4h', "SELECT monitor_id, start, data FROM check_blocks WHERE monitor_id IN (SELECT value FROM json_each(?1)) AND start >= ?2 AND start <= ?3 ORDER BY monitor_id, start", (ids, raw_from // 1000 // 3600 * 3600, now // 1000 // 3600 * 3600)),
  ('summaries', "SELECT monitor_id, hours, days FROM history_summaries WHERE monitor_id IN (SELECT value FROM json_each(?1))", (ids,)),
  ('incidents_7d', "SELECT i.id, i.monitor_id, m.name AS monitor_name, i.opened_at, i.resolved_at, i.failure_kind, i.cause_http_status FROM incidents i JOIN monitors m ON m.id = i.monitor_id WHERE m.project_id = ?1 AND (i.resolved_at IS NULL OR i.resolved_at >= ?2) ORDER BY i.opened_at DESC LIMIT ?3", (1, iso(now - 7 * DAY), 25)),
  ('maintenance', "SELECT title, monitor_id, starts_at, ends_at FROM maintenance_windows WHERE project_id = ?1 AND ends_at >= ?2 ORDER BY starts_at LIMIT 20", (1, iso(now))),
]
out = {}
for name, sql, args in qs:
    plan = [r[3] for r in db.execute('EXPLAIN QUERY PLAN ' + sql, args)]
    times = []
    for _ in range(30):
        t = time.perf_counter(); rows = db.execute(sql, args).fetchall(); times.append(time.perf_counter() - t)
    times.sort()
    out[name] = {'rows': len(rows), 'median_ms': round(times[len(times) // 2] * 1000, 3), 'plan': plan}
out['total_median_ms'] = round(sum(v['median_ms'] for v in out.values()), 3)
print(json.dumps(out))
`;

// One GET over a keep-alive agent; resolves with timing, status, cache state and body size.
function get(agent, base, p, { body = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get(`${base}${p}`, { agent, headers: { 'accept-encoding': 'identity' } }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (c) => { size += c.length; if (body) chunks.push(c); });
      res.on('end', () => resolve({
        ms: performance.now() - t0,
        status: res.statusCode,
        cache: res.headers['x-vigil-cache'],
        rowsRead: res.headers['x-vigil-d1-rows-read'] === undefined ? null : Number(res.headers['x-vigil-d1-rows-read']),
        size,
        body: body ? Buffer.concat(chunks) : null,
      }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`timeout: ${p}`)));
    req.on('error', reject);
  });
}

// `count` requests (paths from pathOf(i)) over `workers` parallel loops on one agent.
async function load(agent, base, count, workers, pathOf) {
  const results = new Array(count);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await get(agent, base, pathOf(i));
    }
  }));
  return { results, wallMs: performance.now() - t0 };
}

// `connections` loops each issuing requests back to back for `seconds` (at most `max` in all).
async function closedLoop(agent, base, connections, seconds, max, p) {
  const results = [];
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let issued = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (issued < max && performance.now() < deadline) {
      issued++;
      results.push(await get(agent, base, p));
    }
  }));
  return { results, wallMs: performance.now() - t0 };
}

// CPU time (ms) of wrangler dev's processes (the process group of whatever listens on the dev
// port: wrangler's node process and its workerd instances, the proxy and the worker), so a
// phase's server CPU per request can be told apart from queueing and waiting.
async function listenerPid(port) {
  try {
    const { stdout } = await run('ss', ['-ltnpH', `sport = :${port}`]);
    const m = stdout.match(/pid=(\d+)/);
    return m ? Number(m[1]) : null;
  } catch { return null; }
}
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // f[2] = pgrp; f[11], f[12] = utime, stime in clock ticks (CLK_TCK = 100).
    return { comm, pgrp: Number(f[2]), ms: ((Number(f[11]) + Number(f[12])) * 1000) / 100 };
  } catch { return null; }
}
function groupCpu(pgrp) {
  const out = {};
  if (!pgrp) return out;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = stat(name);
    if (st && st.pgrp === pgrp) out[`${st.comm}(${name})`] = st.ms;
  }
  return out;
}
let serverGroup = null;
async function serverCpu(phase) {
  const c0 = groupCpu(serverGroup);
  const out = await phase();
  const c1 = groupCpu(serverGroup);
  out.serverCpuMs = {};
  for (const [k, v] of Object.entries(c1)) out.serverCpuMs[k] = v - (c0[k] ?? 0);
  return out;
}
// Server CPU per request, by process; ms resolution is 10 ms per phase, so use long phases.
const perReq = (out) => Object.fromEntries(Object.entries(out.serverCpuMs ?? {})
  .filter(([, v]) => v > 0).map(([k, v]) => [k, r1(v / out.results.length)]));

const tally = (results, key) => results.reduce((m, r) => ((m[r[key]] = (m[r[key]] ?? 0) + 1), m), {});

const machine = {
  summary: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
  nproc: (await run('nproc')).stdout.trim(),
  lscpu: (await run('sh', ['-c', 'lscpu | head -20'])).stdout.split('\n').filter((l) => /^(Architecture|CPU\(s\)|Model name|Thread|Core|Socket|Hypervisor|BogoMIPS)/.test(l)).map((l) => l.replace(/\s+/g, ' ').trim()),
  node: process.version,
  loadavg_at_start: os.loadavg().map((x) => +x.toFixed(2)),
};

const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-bench-page-'));
// The harness exits on SIGINT/SIGTERM after killing wrangler; remove our dir on any exit too.
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let vigil;
try {
  // Build first so wrangler dev's own build step is a no-op and the seeded "now" stays fresh.
  let t = performance.now();
  await run('bash', [path.join(ROOT, 'scripts/build.sh')], { cwd: ROOT, maxBuffer: 64 << 20 });
  const buildSeconds = (performance.now() - t) / 1000;

  await npx(['wrangler', 'd1', 'migrations', 'apply', 'vigil', '--local', '--persist-to', dir]);
  const db = sqliteFile(dir);
  const bytesMigrated = statSync(db).size;
  const { stdout: seedOut } = await run('python3', [path.join(ROOT, 'bench/seed_history.py'), db, '--monitors', String(MONITORS), '--days', String(DAYS)]);
  const seed = JSON.parse(seedOut.trim().split('\n').at(-1));
  const bytesSeeded = statSync(db).size;
  const storage = await python(STORAGE_PY, db);
  const sql = await python(QUERIES_PY, db, String(Date.now()));

  t = performance.now();
  // startVigil applies the migrations again: a no-op ("No migrations to apply") on this dir.
  // Uncached phases run on an instance with the page cache off (STATUS_CACHE_SECONDS=0): the
  // cache key ignores unknown query strings, so there is no way to force a MISS per request.
  vigil = await startVigil({ persistDir: dir, vars: { STATUS_CACHE_SECONDS: '0' } });
  const startSeconds = (performance.now() - t) / 1000;
  let base = vigil.base;
  const listener = await listenerPid(vigil.port);
  serverGroup = listener ? stat(listener)?.pgrp : null;
  const serverProcesses = Object.keys(groupCpu(serverGroup));
  const seedAgeAtFirstView = (Date.now() - seed.now_ms) / 1000;
  // Seconds since the newest seeded check when each phase starts: with no ticks, minutes more
  // than 2 x interval (120 s) past the last check render as "no data" (one more run per monitor).
  const ages = {};
  const mark = (phase) => { ages[phase] = +((Date.now() - seed.now_ms) / 1000).toFixed(1); };

  const one = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // First view of the page (cold isolate: wasm instantiation, first D1 queries).
  const first = await get(one, base, `/status/${SLUG}`, { body: true });
  if (first.status !== 200) throw new Error(`GET /status/${SLUG}: ${first.status} ${first.body}`);
  const html = first.body;
  const htmlText = html.toString('utf8');
  const health = await load(one, base, 50, 1, () => '/health');

  // Uncached, sequential.
  mark('uncached_sequential');
  const seq = await serverCpu(() => load(one, base, N, 1, (i) => `/status/${SLUG}?b=s${i}`));
  const rows = seq.results.map((r) => r.rowsRead).filter((x) => x !== null).sort((a, b) => a - b);
  // Uncached, concurrent.
  const many = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  mark('uncached_concurrent');
  const conc = await serverCpu(() => load(many, base, N, CONCURRENCY, (i) => `/status/${SLUG}?b=c${i}`));

  // One monitor's detail page, uncached: the same load() for 1 monitor instead of 50, which
  // separates the per-monitor cost of an uncached view from the fixed cost.
  const detail = await serverCpu(() => load(one, base, 50, 1, (i) => `/status/${SLUG}/1?b=d${i}`));

  // Baselines, the runtime's floor on this machine at CONNECTIONS: `/` (a small JSON document,
  // no D1, no cache) and /health (one `SELECT 1`).
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const rootConc = await serverCpu(() => closedLoop(agent, base, CONNECTIONS, Math.min(5, CACHED_SECONDS), CACHED_MAX, '/'));
  const healthConc = await serverCpu(() => closedLoop(agent, base, CONNECTIONS, Math.min(5, CACHED_SECONDS), CACHED_MAX, '/health'));

  // Restart with the page cache on (the default 30 s) for the cached phases.
  await vigil.stop();
  vigil = await startVigil({ persistDir: dir });
  base = vigil.base;
  const listener2 = await listenerPid(vigil.port);
  serverGroup = listener2 ? stat(listener2)?.pgrp : null;
  // Cached: one warm-up (MISS, stored), a short sequential run (service time of a HIT), then
  // CONNECTIONS loops on the plain URL. The page stays a HIT for 30 s after it was built
  // (FRESH_MS), and both runs together stay inside that.
  mark('cached');
  const warm = await get(agent, base, `/status/${SLUG}`, { body: true });
  // A query string must not bypass the cache: both of these are HITs.
  const probeA1 = await get(one, base, `/status/${SLUG}?b=probe`);
  const probeB = await get(one, base, `/status/${SLUG}?b=probe2`);
  const cachedSeq = await serverCpu(() => load(one, base, 300, 1, () => `/status/${SLUG}`));
  const cpu0 = process.cpuUsage();
  const cachedRun = await serverCpu(() => closedLoop(agent, base, CONNECTIONS, CACHED_SECONDS, CACHED_MAX, `/status/${SLUG}`));
  const cpu = process.cpuUsage(cpu0);
  const cached = cachedRun.results;
  const cachedWall = cachedRun.wallMs;
  const cachedStates = tally(cached, 'cache');

  // Storage per row and per monitor-day.
  const s = storage.stored;
  const rawBytes = (s.check_blocks ?? 0) + (s.checks ?? 0);
  const rollupBytes = s.rollups ?? 0;
  const compactHour = storage.hour_only.rollups;
  const compactDay = storage.day_only.rollups;
  // Split the stored rollups table between periods in the proportion of their compact sizes.
  const hourShare = compactHour / (compactHour + compactDay);
  const perRow = {
    raw_check: r1(rawBytes / storage.rows.checks),
    raw_check_compact: r1(((storage.compact_all.check_blocks ?? 0) + (storage.compact_all.checks ?? 0)) / storage.rows.checks),
    hour_rollup: r1((rollupBytes * hourShare) / storage.rows.hour),
    hour_rollup_compact: r1(compactHour / storage.rows.hour),
    day_rollup: r1((rollupBytes * (1 - hourShare)) / storage.rows.day),
    day_rollup_compact: r1(compactDay / storage.rows.day),
  };
  const rawPerMonitorDay = 1440 * perRow.raw_check;
  const rollupPerMonitorDay = 24 * perRow.hour_rollup + perRow.day_rollup;
  const fleet = 10_000;
  const projection = {
    monitors: fleet,
    interval_seconds: 60,
    retention_days: { raw: 7, hourly: 90, daily: 400 },
    raw_bytes: Math.round(fleet * 7 * rawPerMonitorDay),
    hourly_bytes: Math.round(fleet * 90 * 24 * perRow.hour_rollup),
    daily_bytes_1_year: Math.round(fleet * 365 * perRow.day_rollup),
    daily_bytes_400_days: Math.round(fleet * 400 * perRow.day_rollup),
  };
  projection.total_bytes_1_year = projection.raw_bytes + projection.hourly_bytes + projection.daily_bytes_1_year;
  projection.total_bytes_steady_state = projection.raw_bytes + projection.hourly_bytes + projection.daily_bytes_400_days;
  projection.total_gb_1_year = +(projection.total_bytes_1_year / 1e9).toFixed(3);
  projection.share_of_d1_10gb = +(projection.total_bytes_steady_state / D1_LIMIT_BYTES).toFixed(4);
  projection.fits_d1_10gb = projection.total_bytes_steady_state < D1_LIMIT_BYTES;
  projection.max_monitors_in_10gb_at_this_retention = Math.floor(D1_LIMIT_BYTES / (projection.total_bytes_steady_state / fleet));
  projection.without_raw_pruning_gb_1_year = +((fleet * 365 * (rawPerMonitorDay + rollupPerMonitorDay)) / 1e9).toFixed(2);

  const result = {
    machine,
    setup: {
      monitors: MONITORS,
      days: DAYS,
      build_seconds: +buildSeconds.toFixed(1),
      seed,
      wrangler_start_seconds: +startSeconds.toFixed(1),
      seed_age_at_first_view_s: +seedAgeAtFirstView.toFixed(1),
      cron_ticks_fired: 0,
      seed_age_s_at_phase_start: ages,
      server_processes: serverProcesses, // wrangler dev's process group; CPU per request is reported per phase
    },
    page: {
      url: `/status/${SLUG}`,
      html_bytes: html.length,
      html_gzip_bytes: zlib.gzipSync(html).length,
      html_gzip9_bytes: zlib.gzipSync(html, { level: 9 }).length,
      html_brotli_bytes: zlib.brotliCompressSync(html).length,
      monitors_on_page: (htmlText.match(/<article class=mo>/g) ?? []).length,
      plain_url_html_bytes: warm.size, // built a little later than the first view: the timeline moved on
      first_view: { ms: r1(first.ms), cache: first.cache, d1_rows_read: first.rowsRead },
    },
    d1_rows_read_per_view: { min: rows[0], median: pct(rows, 50), max: rows.at(-1) },
    // Both must be HIT: the cache key ignores query parameters the page does not read.
    query_string_ignored_by_cache: { b_probe: probeA1.cache, b_probe2: probeB.cache, ok: probeA1.cache === 'HIT' && probeB.cache === 'HIT' },
    health_sequential: summary(health.results.map((r) => r.ms), health.wallMs),
    uncached_sequential: { ...summary(seq.results.map((r) => r.ms), seq.wallMs), server_cpu_ms_per_request: perReq(seq), cache: tally(seq.results, 'cache') },
    [`uncached_concurrent_${CONCURRENCY}`]: { ...summary(conc.results.map((r) => r.ms), conc.wallMs), server_cpu_ms_per_request: perReq(conc), cache: tally(conc.results, 'cache') },
    uncached_detail_page_1_monitor_sequential: { ...summary(detail.results.map((r) => r.ms), detail.wallMs), server_cpu_ms_per_request: perReq(detail), cache: tally(detail.results, 'cache'), d1_rows_read: detail.results[0].rowsRead },
    [`root_no_d1_${CONNECTIONS}_connections`]: { ...summary(rootConc.results.map((r) => r.ms), rootConc.wallMs), server_cpu_ms_per_request: perReq(rootConc) },
    [`health_${CONNECTIONS}_connections`]: { ...summary(healthConc.results.map((r) => r.ms), healthConc.wallMs), server_cpu_ms_per_request: perReq(healthConc) },
    cached_sequential: { ...summary(cachedSeq.results.map((r) => r.ms), cachedSeq.wallMs), server_cpu_ms_per_request: perReq(cachedSeq), cache: tally(cachedSeq.results, 'cache') },
    [`cached_${CONNECTIONS}_connections`]: {
      ...summary(cached.map((r) => r.ms), cachedWall),
      seconds: +(cachedWall / 1000).toFixed(1),
      server_cpu_ms_per_request: perReq(cachedRun),
      load_generator_cpu_cores: +((cpu.user + cpu.system) / 1000 / cachedWall).toFixed(2),
      warmup_cache: warm.cache,
      cache: cachedStates,
      hit_share: +((cachedStates.HIT ?? 0) / cached.length).toFixed(4),
      non_200: cached.filter((r) => r.status !== 200).length,
    },
    page_sql_in_sqlite: sql,
    storage: {
      file_bytes_after_migrations: bytesMigrated,
      file_bytes_after_seed: bytesSeeded,
      page_size: storage.page_size,
      bytes_by_table: storage.stored,
      rows: storage.rows,
      avg_latency_hist_text_bytes: storage.avg_hist_text_bytes,
      bytes_per_row: perRow,
      per_monitor_day: {
        raw_bytes_while_retained: Math.round(rawPerMonitorDay),
        rollup_bytes: Math.round(rollupPerMonitorDay),
        note: 'raw = 1440 one-minute checks as hour-block entries plus the full rows of non-plain ones; rollups = 24 hourly + 1 daily row (bench/storage.py measures a week of checks)',
      },
      projection_10000_monitors_1_year: projection,
    },
    targets: {
      render_under_2ms_native: 'see cargo bench --bench render',
      cached_p99_under_20ms: summary(cached.map((r) => r.ms), cachedWall).p99_ms < 20,
      html_under_100kb: html.length < 100_000, // 100 KB = 100,000 bytes (stricter than KiB)
      year_of_10000_monitors_fits_10gb: projection.fits_d1_10gb,
      uncached_rows_read_at_most_2000: rows.at(-1) <= 2000,
      uncached_p50_at_most_20ms: summary(seq.results.map((r) => r.ms), seq.wallMs).p50_ms <= 20,
    },
    loadavg_at_end: os.loadavg().map((x) => +x.toFixed(2)),
  };
  one.destroy(); many.destroy(); agent.destroy();
  console.log(JSON.stringify(result, null, 2));
} finally {
  if (vigil) await vigil.stop();
  await rm(dir, { recursive: true, force: true });
}
