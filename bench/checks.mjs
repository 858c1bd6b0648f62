// Check-engine benchmark (not a test): N monitors against loopback targets that answer in
// 50 ms, one cron tick, and how long until every check is recorded.
//
//   node bench/checks.mjs --n 1000 [--hang 0.1] [--timeout 10]
//
// Prints: seconds from tick to all recorded, checks/s, D1 statements per check, peak
// connections open per consumer invocation (seen by the worker and by the target), and the
// error of recorded latency against the target's known delay.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, freePort, ROOT, usageLines } from '../tests/e2e/harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 100);
const HANG = arg('hang', 0);
const TIMEOUT = arg('timeout', 10);
// --clustered 1: the hanging monitors are the first ones created, so they share queue batches
// (worst case locally, where batches run one at a time); default: spread evenly over batches.
const CLUSTERED = arg('clustered', 0) === 1;
const DELAY_MS = 50;

function sqliteFile(dir) {
  const d1 = path.join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(d1).find((f) => f.endsWith('.sqlite'));
  return path.join(d1, file);
}

// Reads the local D1 file directly (read-only) so polling costs the worker nothing.
async function query(db, sql) {
  const { stdout: out } = await promisify(execFile)('python3', ['-c', `
import sqlite3, json, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
print(json.dumps(c.execute(sys.argv[2]).fetchall()))`, db, sql]);
  return JSON.parse(out);
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// The target runs in its own process: this one polls D1, and must not delay its answers.
const targetPort = await freePort();
const targetProc = spawn('node', [path.join(ROOT, 'tests/fixtures/target.mjs'), '--port', String(targetPort)], { stdio: 'ignore' });
const targetBase = `http://127.0.0.1:${targetPort}`;
const target = {
  url: (p) => `${targetBase}${p}`,
  stats: async () => (await fetch(`${targetBase}/_stats`)).json(),
  resetStats: async () => fetch(`${targetBase}/_reset`, { method: 'POST' }),
  close: async () => targetProc.kill('SIGTERM'),
};
for (let i = 0; i < 50; i++) {
  try { await target.stats(); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
}
const vigil = await startVigil({ logLevel: 'log' });
try {
  const hanging = Math.round(N * HANG);
  const every = hanging ? Math.floor(N / hanging) : 0;
  const hangs = (i) => (CLUSTERED ? i < hanging : every > 0 && i % every === 0 && i / every < hanging);
  const bodies = Array.from({ length: N }, (_, i) => ({
    name: `bench ${i}`,
    url: target.url(hangs(i) ? `/hang?i=${i}` : `/delay/${DELAY_MS}?i=${i}`),
    check_interval_seconds: 3600,
    timeout_seconds: TIMEOUT,
    retries: 0,
  }));
  for (let i = 0; i < N; i += 20) {
    await Promise.all(bodies.slice(i, i + 20).map(async (b) => {
      const r = await vigil.api('POST', '/api/monitors', b);
      if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
    }));
  }
  const db = sqliteFile(vigil.persistDir);
  await target.resetStats();
  const logStart = vigil.logs().length;

  const t0 = performance.now();
  await vigil.tick();
  const tickMs = performance.now() - t0;
  let healthyAt = null;
  let allAt = null;
  const deadline = t0 + (TIMEOUT * 1000 * (hanging + 1) + 120_000);
  while (performance.now() < deadline) {
    const [[total, up]] = await query(db, "SELECT count(*), sum(status = 'UP') FROM checks");
    const now = performance.now();
    if (healthyAt === null && (up ?? 0) >= N - hanging) healthyAt = now;
    if (total >= N) { allAt = now; break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (allAt === null) throw new Error('not every check was recorded before the deadline');

  const latencies = (await query(db, "SELECT latency_ms FROM checks WHERE status = 'UP'")).map(([l]) => l - DELAY_MS).sort((a, b) => a - b);
  if (process.env.VIGIL_BENCH_DUMP) console.log(JSON.stringify(await query(db, "SELECT started_at, latency_ms FROM checks ORDER BY started_at")));
  const runs = usageLines(vigil.logs().slice(logStart)).filter((l) => l.event === 'consumer');
  const statements = runs.reduce((s, r) => s + r.d1_statements, 0);
  const result = {
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()}`,
    monitors: N,
    hanging,
    hanging_placement: CLUSTERED ? 'clustered' : 'spread',
    target_delay_ms: DELAY_MS,
    timeout_seconds: TIMEOUT,
    tick_ms: Math.round(tickMs),
    seconds_to_all_recorded: +((allAt - t0) / 1000).toFixed(2),
    seconds_to_healthy_recorded: +((healthyAt - t0) / 1000).toFixed(2),
    checks_per_second: +(N / ((allAt - t0) / 1000)).toFixed(1),
    consumer_invocations: runs.length,
    consumer_ms_each: runs.map((r) => r.ms),
    d1_statements_per_check: +(statements / N).toFixed(2),
    peak_connections_per_invocation_worker: Math.max(...runs.map((r) => r.peak_connections)),
    peak_connections_seen_by_target: (await target.stats()).peakInFlight,
    latency_error_ms: { p50: pct(latencies, 50), p95: pct(latencies, 95), max: latencies.at(-1), min: latencies[0] },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await vigil.stop();
  await target.close();
}
