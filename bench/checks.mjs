// Check-engine benchmark (not a test): N monitors against loopback targets that answer in
// 50 ms, and how long from a cron tick until every check is recorded.
//
//   node bench/checks.mjs --n 1000 [--hanging 10] [--timeout 10] [--steady 0] [--handoff MS]
//
// Round 1 is the first tick after the monitors are created (they are new, so the tick takes
// them as pending). Unless `--steady 0`, round 2 waits for the next minute and ticks again: the
// one-minute monitors are then due on the schedule (claim row, due-ness by period and phase),
// and monitors whose round-1 check timed out are known as such, so the slot cap for them
// applies (`--hanging P`: P% of the monitors point at a target that never answers).
//
// Prints per round: seconds from tick to all recorded (and to every healthy one recorded),
// checks/s, the tick's dispatch and total time, consumer invocations, queue messages and
// operations per check, D1 statements per check, peak connections open per consumer invocation
// (seen by the worker and by the target), and the error of recorded latency against the
// target's known delay.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startVigil, usageLines, workerdCpuMs } from '../tests/e2e/harness.mjs';
import { spawnTarget } from './target-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 100);
// --hanging 10 (percent); --hang 0.1 (a fraction) is the older spelling.
const HANG = arg('hanging', arg('hang', 0) * 100) / 100;
const TIMEOUT = arg('timeout', 10);
const STEADY = arg('steady', 1) === 1;
// --clustered 1: the hanging monitors are the first ones created, so they share queue batches
// (worst case locally, where batches run one at a time); default: spread evenly over batches.
const CLUSTERED = arg('clustered', 0) === 1;
const DELAY_MS = 50;

function sqliteFile(dir) {
  const d1 = path.join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const file = readdirSync(d1).find((f) => f.endsWith('.sqlite'));
  return path.join(d1, file);
}

// Reads the local D1 file directly (read-only) so polling costs the worker nothing, through one
// long-lived python3 (a query per line on stdin, its rows as a JSON line on stdout). Spawning a
// python3 per poll, as this script did until 2026-12-02, cost ~25 ms of CPU ten times a second:
// a quarter of one of this machine's two cores, taken from the run it measured.
let poller;
function query(db, sql) {
  if (!poller) {
    const child = spawn('python3', ['-u', '-c', `
import sqlite3, json, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
for line in sys.stdin:
    print(json.dumps(c.execute(json.loads(line)).fetchall()), flush=True)`, db], { stdio: ['pipe', 'pipe', 'inherit'] });
    const waiting = [];
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffer += chunk;
      for (let i; (i = buffer.indexOf('\n')) >= 0; buffer = buffer.slice(i + 1)) waiting.shift()(JSON.parse(buffer.slice(0, i)));
    });
    poller = { child, waiting };
  }
  return new Promise((resolve) => {
    poller.waiting.push(resolve);
    poller.child.stdin.write(`${JSON.stringify(sql)}\n`);
  });
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

// The target runs in its own process: this one polls D1, and must not delay its answers.
const target = await spawnTarget();
// --handoff MS: the worker's HANDOFF_AFTER_MS (default: wrangler.toml's).
const HANDOFF = arg('handoff', NaN);
const vigil = await startVigil({ logLevel: 'log', vars: Number.isNaN(HANDOFF) ? {} : { HANDOFF_AFTER_MS: String(HANDOFF) } });
try {
  const hanging = Math.round(N * HANG);
  const every = hanging ? Math.floor(N / hanging) : 0;
  const hangs = (i) => (CLUSTERED ? i < hanging : every > 0 && i % every === 0 && i / every < hanging);
  const bodies = Array.from({ length: N }, (_, i) => ({
    name: `bench ${i}`,
    url: target.url(hangs(i) ? `/hang?i=${i}` : `/delay/${DELAY_MS}?i=${i}`),
    check_interval_seconds: STEADY ? 60 : 3600,
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

  // One round: a tick, then poll D1 until the round's N checks are in.
  async function round(name, slotFilter) {
    await target.resetStats();
    const logStart = vigil.logs().length;
    const cpu0 = workerdCpuMs(vigil.pid());
    const t0 = performance.now();
    await vigil.tick();
    const tickMs = performance.now() - t0;
    let healthyAt = null;
    let allAt = null;
    const deadline = t0 + (TIMEOUT * 1000 * (hanging + 1) + 120_000);
    while (performance.now() < deadline) {
      const [[total, up]] = await query(db, `SELECT count(*), sum(status = 'UP') FROM checks WHERE ${slotFilter}`);
      // A plain check (a steady UP) has no `checks` row, only its hour block's entry: the
      // consumers' own lines count those (each logged when its invocation has recorded all).
      // A check the main lane handed to the slow lane is counted by both consumers' lines.
      const consumed = usageLines(vigil.logs().slice(logStart)).filter((l) => l.event === 'consumer').reduce((n, l) => n + l.checks - (l.handed_off ?? 0), 0);
      const now = performance.now();
      if (healthyAt === null && ((up ?? 0) >= N - hanging || consumed >= N)) healthyAt = now;
      if (Math.max(total, consumed) >= N) { allAt = now; break; }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (allAt === null) throw new Error(`${name}: not every check was recorded before the deadline`);
    const cpuMs = workerdCpuMs(vigil.pid()) - cpu0;
    const latencies = (await query(db, `SELECT latency_ms FROM checks WHERE status = 'UP' AND ${slotFilter}`)).map(([l]) => l - DELAY_MS).sort((a, b) => a - b);
    const lines = usageLines(vigil.logs().slice(logStart));
    const runs = lines.filter((l) => l.event === 'consumer');
    const [tick] = lines.filter((l) => l.event === 'tick');
    const dispatch = vigil.logs().slice(logStart).match(/checks dispatched in \d+ messages in (\d+) ms \(D1 rows read (\d+), written (\d+)\)/);
    const sum = (k) => runs.reduce((s, r) => s + r[k], 0);
    const messages = (tick?.queue_messages ?? 0) + sum('queue_messages');
    return {
      round: name,
      tick_ms: Math.round(tickMs),
      tick_dispatch_ms: dispatch ? Number(dispatch[1]) : null,
      tick_dispatch_d1_rows_read: dispatch ? Number(dispatch[2]) : null,
      tick_dispatch_d1_rows_written: dispatch ? Number(dispatch[3]) : null,
      tick_d1_rows_written: tick?.d1_rows_written ?? null,
      tick_d1_rows_read: tick?.d1_rows_read ?? null,
      seconds_to_all_recorded: +((allAt - t0) / 1000).toFixed(2),
      seconds_to_healthy_recorded: healthyAt === null ? null : +((healthyAt - t0) / 1000).toFixed(2),
      checks_per_second: +(N / ((allAt - t0) / 1000)).toFixed(1),
      // workerd's CPU (the worker and local D1 alike, from /proc) from the tick to the last record.
      workerd_cpu_ms_per_check: +(cpuMs / N).toFixed(2),
      consumer_invocations: runs.length,
      handed_off: sum('handed_off'),
      consumer_ms_each: runs.map((r) => r.ms),
      queue_messages: messages,
      // A message costs 3 operations (write, read, delete) while under 64 KB.
      queue_operations_per_check: +((3 * (messages + sum('retried'))) / N).toFixed(3),
      d1_statements_per_check: +(sum('d1_statements') / N).toFixed(2),
      consumer_d1_rows_written_per_check: +(sum('d1_rows_written') / N).toFixed(2),
      peak_connections_per_invocation_worker: Math.max(...runs.map((r) => r.peak_connections)),
      peak_connections_seen_by_target: (await target.stats()).peakInFlight,
      latency_error_ms: { p50: pct(latencies, 50), p95: pct(latencies, 95), max: latencies.at(-1), min: latencies[0] },
    };
  }

  // Round 1 counts the first checks only, not the re-checks that confirm a timeout.
  const rounds = [await round('first tick (new monitors)', "kind = 'scheduled'")];
  if (STEADY) {
    // The next minute: every one-minute monitor is due on the schedule.
    const minute = Math.floor(Date.now() / 60_000) + 1;
    while (Math.floor(Date.now() / 60_000) < minute) await new Promise((r) => setTimeout(r, 100));
    rounds.push(await round('steady tick (next minute)', `slot = ${minute * 60}`));
  }
  const result = {
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    monitors: N,
    hanging,
    hanging_placement: CLUSTERED ? 'clustered' : 'spread',
    target_delay_ms: DELAY_MS,
    timeout_seconds: TIMEOUT,
    rounds,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  poller?.child.stdin.end();
  await vigil.stop();
  await target.close();
}
