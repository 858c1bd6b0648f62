// Cost benchmark (not a test): what one check is billed for, read from the worker's own
// per-invocation cost lines (DESIGN.md §12, README "What it costs, from the logs").
//
//   node bench/cost.mjs --n 200 --ticks 4 [--failing 10] [--interval 60]
//
// N monitors (interval --interval seconds, retries 0) against a loopback target in its own
// process; --failing P makes P% of them answer 503 (spread evenly), so re-checks, incidents and
// alert events are paid for too. The script fires one cron tick at each minute boundary, --ticks
// times, under wrangler dev, and waits for the queues to drain after each. It sums the cost lines
// (`{"event": "tick"|"consumer"|"alerts", ...}`) and prints per check: D1 rows written and read,
// queue messages and operations (a message is written, read and deleted: 3 operations, plus a
// read per retry), subrequests, and time: the consumer's wall ms per check and the CPU time the
// workerd processes used per check (worker + local D1 + local queues: an upper bound on the
// isolate's own CPU). The first tick of new monitors also pays one-off work, so figures are given
// for it ("first") and for the later ticks ("steady"); with --ticks 13 or more, also for the ticks
// after every success streak has saturated ("saturated": what a long-running monitor costs).
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, usageLines, workerdCpuMs } from '../tests/e2e/harness.mjs';
import { spawnTarget } from './target-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 200);
const TICKS = Math.max(2, arg('ticks', 4));
const FAILING_PCT = arg('failing', 0);
const INTERVAL = arg('interval', 60);
const DELAY_MS = 20;
const target = await spawnTarget();
const targetBase = target.base;
// Re-checks 5 s after a failure (default 20 s), so a tick's work is done well before the next.
const vigil = await startVigil({ logLevel: 'log', vars: { RECHECK_DELAY_SECONDS: '5' } });
try {
  const failing = Math.round((N * FAILING_PCT) / 100);
  const every = failing ? N / failing : Infinity;
  const fails = (i) => failing > 0 && Math.floor(i % every) === 0 && Math.floor(i / every) < failing;
  const bodies = Array.from({ length: N }, (_, i) => ({
    name: `cost ${i}`,
    url: `${targetBase}${fails(i) ? '/status/503' : `/delay/${DELAY_MS}`}?i=${i}`,
    check_interval_seconds: INTERVAL,
    timeout_seconds: 10,
    retries: 0,
  }));
  for (let i = 0; i < N; i += 20) {
    await Promise.all(bodies.slice(i, i + 20).map(async (b) => {
      const r = await vigil.api('POST', '/api/monitors', b);
      if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
    }));
  }
  const perTick = [];
  for (let t = 0; t < TICKS; t++) {
    // Each tick in its own minute (a slot is a minute), 1 s after the boundary.
    const wait = 61_000 - (Date.now() % 60_000);
    if (t > 0 || wait < 50_000) await sleep(wait);
    const from = vigil.logs().length;
    const cpu0 = workerdCpuMs(vigil.pid());
    await vigil.tick();
    // Drained: a consumer line came and then nothing for 8 s (longer than the re-check delay).
    let seen = -1;
    let quietSince = Date.now();
    const deadline = Date.now() + 50_000;
    while (Date.now() < deadline) {
      const n = usageLines(vigil.logs().slice(from)).length;
      if (n !== seen) { seen = n; quietSince = Date.now(); }
      if (n > 1 && Date.now() - quietSince > 8_000) break;
      await sleep(250);
    }
    const cpuMs = workerdCpuMs(vigil.pid()) - cpu0;
    const lines = usageLines(vigil.logs().slice(from));
    perTick.push({ lines, cpuMs });
    const c = lines.filter((l) => l.event === 'consumer').reduce((s, l) => s + l.checks, 0);
    process.stderr.write(`tick ${t + 1}/${TICKS}: ${lines.length} lines, ${c} checks, workerd CPU ${cpuMs.toFixed(0)} ms\n`);
  }

  const summarize = (ticks) => {
    const lines = ticks.flatMap((t) => t.lines);
    const sum = (event, key) => lines.filter((l) => !event || l.event === event).reduce((s, l) => s + l[key], 0);
    const checks = sum('consumer', 'checks');
    const messagesSent = sum(null, 'queue_messages');
    const retried = sum(null, 'retried');
    const per = (x) => +(x / checks).toFixed(3);
    const cpuMs = ticks.reduce((s, t) => s + t.cpuMs, 0);
    return {
      ticks: ticks.length,
      checks,
      per_check: {
        d1_rows_written: per(sum(null, 'd1_rows_written')),
        d1_rows_read: per(sum(null, 'd1_rows_read')),
        d1_statements: per(sum(null, 'd1_statements')),
        queue_messages: per(messagesSent),
        queue_operations: per(3 * messagesSent + retried),
        subrequests: per(sum(null, 'subrequests')),
        consumer_wall_ms: per(sum('consumer', 'ms')),
        workerd_cpu_ms: per(cpuMs),
      },
      by_event: Object.fromEntries(['tick', 'consumer', 'alerts'].map((e) => [e, {
        invocations: lines.filter((l) => l.event === e).length,
        d1_rows_written: per(sum(e, 'd1_rows_written')),
        d1_rows_read: per(sum(e, 'd1_rows_read')),
        queue_messages: per(sum(e, 'queue_messages')),
        ms_per_invocation: Math.round(sum(e, 'ms') / Math.max(1, lines.filter((l) => l.event === e).length)),
      }])),
      max_subrequests_per_invocation: Math.max(0, ...lines.map((l) => l.subrequests)),
      max_d1_statements_per_invocation: Math.max(0, ...lines.map((l) => l.d1_statements)),
    };
  };
  const result = {
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()}, load ${os.loadavg()[0].toFixed(1)}`,
    date: new Date().toISOString(),
    monitors: N,
    failing,
    interval_seconds: INTERVAL,
    target_delay_ms: DELAY_MS,
    first: summarize(perTick.slice(0, 1)),
    steady: summarize(perTick.slice(1)),
  };
  // A monitor's success streak counts up to 10 (core::incident::SUCCESS_STREAK_CAP) and its row is
  // rewritten until then: from the 11th check on, a steady UP check writes only its block entry.
  // `--ticks 13` or more shows that ("saturated": ticks 12 on).
  if (TICKS > 11) result.saturated = summarize(perTick.slice(11));
  result.rows_written_per_check_by_tick = perTick.map((t) => {
    const c = t.lines.filter((l) => l.event === 'consumer').reduce((n, l) => n + l.checks, 0);
    return +(t.lines.reduce((n, l) => n + l.d1_rows_written, 0) / Math.max(1, c)).toFixed(3);
  });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await vigil.stop();
  await target.close();
}
