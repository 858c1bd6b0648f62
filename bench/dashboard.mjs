// Dashboard overview benchmark (not a test): `GET /app` for a user with 200 monitors, served by
// `wrangler dev` from a local D1 seeded by bench/seed_history.py (checks every minute).
//
//   node bench/dashboard.mjs [--monitors 200] [--n 30] [--days 1,90]
//
// For each history length in --days (default: 1 day and 90 days, to show the reads do not grow
// with history): fresh persist dir, migrations, seed while no worker runs, start wrangler dev,
// give the admin (who owns the seeded project) a password, log in through the form, then N
// sequential views of the overview. Reports per history length:
//   * server time per view: the response time of wrangler dev on loopback (p50/p95/max);
//   * D1 rows read per view (`x-vigil-d1-rows-read`, summed from D1's result meta, plus 2 for
//     the session lookup before the handler);
//   * HTML bytes, gzip bytes, and the number of 4-hour raw checks in the database.
// Prints one JSON object. The machine has 2 cores shared by wrangler, workerd and this script.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startVigil, ROOT } from '../tests/e2e/harness.mjs';

const run = promisify(execFile);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const MONITORS = Number(arg('monitors', 200));
const N = Number(arg('n', 30));
const DAYS = String(arg('days', '1,90')).split(',').map(Number);
const ADMIN_TOKEN = 'test-admin-token'; // the harness's ADMIN_TOKEN
const PASSWORD = 'bench-password-1';
const SESSION_ROWS = 2; // sessions + users, by primary key, in dashboard::authorize

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const r1 = (x) => Math.round(x * 10) / 10;

function sqliteFile(dir) {
  const d1 = path.join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  return path.join(d1, readdirSync(d1).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite'));
}

async function npx(args) {
  const env = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' };
  return run('npx', args, { cwd: ROOT, env, maxBuffer: 64 << 20 });
}

async function once(days) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-bench-dash-'));
  let vigil;
  try {
    await npx(['wrangler', 'd1', 'migrations', 'apply', 'vigil', '--local', '--persist-to', dir]);
    const db = sqliteFile(dir);
    await run('python3', [path.join(ROOT, 'bench/seed_history.py'), db, '--monitors', String(MONITORS), '--days', String(days)], { maxBuffer: 64 << 20 });
    const { stdout } = await run('python3', ['-c', `
import json, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
print(json.dumps({
  # Every check is an entry (';') of its hour block (migration 0014).
  'checks_total': c.execute("SELECT coalesce(sum(length(data) - length(replace(data, ';', ''))), 0) FROM check_blocks").fetchone()[0],
  'blocks_last_4h': c.execute('SELECT count(*) FROM check_blocks WHERE start >= ?', (now // 3600 * 3600 - 4 * 3600,)).fetchone()[0],
  'full_rows': c.execute('SELECT count(*) FROM checks').fetchone()[0],
  'hour_rollups': c.execute("SELECT count(*) FROM rollups WHERE period = 'hour'").fetchone()[0],
  'day_rollups': c.execute("SELECT count(*) FROM rollups WHERE period = 'day'").fetchone()[0],
}))`, db]);
    const data = JSON.parse(stdout);
    vigil = await startVigil({ persistDir: dir });
    const set = await vigil.api('PATCH', '/api/me', { password: PASSWORD }, { token: ADMIN_TOKEN });
    if (set.status !== 200) throw new Error(`setting the admin password: ${set.status} ${JSON.stringify(set.body)}`);
    const login = await fetch(vigil.base + '/app/login', {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ username: 'admin', password: PASSWORD, next: '/app' }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    if (login.status !== 303 || !cookie.startsWith('vigil_session=')) throw new Error(`login: ${login.status}`);
    const views = [];
    let html = '';
    for (let i = 0; i < N + 2; i++) {
      const t0 = performance.now();
      const res = await fetch(vigil.base + '/app', { headers: { cookie } });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`GET /app: ${res.status} ${body.slice(0, 300)}`);
      if (i >= 2) views.push({ ms, rows: Number(res.headers.get('x-vigil-d1-rows-read')) + SESSION_ROWS }); // 2 warm-ups
      html = body;
    }
    const ms = views.map((v) => v.ms).sort((a, b) => a - b);
    const rows = [...new Set(views.map((v) => v.rows))];
    return {
      history_days: days,
      data,
      monitors_listed: (html.match(/<tr><td><a href="\/app\/monitors\//g) ?? []).length,
      views: N,
      server_ms: { p50: r1(pct(ms, 50)), p95: r1(pct(ms, 95)), max: r1(ms.at(-1)), mean: r1(ms.reduce((a, b) => a + b, 0) / ms.length) },
      d1_rows_read_per_view: rows.length === 1 ? rows[0] : rows,
      html_bytes: Buffer.byteLength(html),
      html_gzip_bytes: zlib.gzipSync(html).length,
    };
  } finally {
    await vigil?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await run('bash', [path.join(ROOT, 'scripts/build.sh')], { cwd: ROOT, maxBuffer: 64 << 20 });
const results = [];
for (const days of DAYS) results.push(await once(days));
console.log(JSON.stringify({ monitors: MONITORS, node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, results }, null, 2));
