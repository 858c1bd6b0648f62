// Life-cost benchmark (not a test): D1 rows written over a steady UP check's whole life, observed
// rather than estimated (DESIGN.md §12, docs/COST.md). A check is paid for when it is recorded
// (its hour-block entry), when its hour is rolled up (hourly and daily rollups, the summary row,
// the monitor's roll-up mark), and when its history is pruned after retention (its block, then
// its hourly and daily rollups). Waiting out days of retention is not possible in a benchmark,
// so this one moves the worker's clock (`POST /__test/clock`, VIGIL_TEST_HOOKS only) one minute
// per tick and shortens every retention to its minimum, 1 day: in steady state each hour then
// records, rolls up and prunes one hour of history, exactly what a long-retention instance does
// per hour, only sooner.
//
//   node bench/life-cost.mjs [--n 20] [--hours 27] [--measure-hours 3]
//
// N one-minute monitors (retries 0) against a loopback target answering in 5 ms. The script
// fires one tick per simulated minute for --hours simulated hours, waits for each tick's checks to
// be recorded, and sums the worker's cost lines. It prints, for the last --measure-hours hours
// (by then raw blocks, hourly and daily rollups are all being pruned every hour):
//  - rows written per check by the consumer (recording) and by the ticks' history upkeep;
//  - the ticks' fixed rows (claim row, last-tick row), which do not grow with monitors, per tick;
//  - the life total per check, with the fixed part spread over N monitors and over 1,000.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, usageLines } from '../tests/e2e/harness.mjs';
import { spawnTarget } from './target-process.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 20);
const HOURS = arg('hours', 27);
const MEASURE_HOURS = Math.min(HOURS - 1, arg('measure-hours', 3));
const HOUR = 3_600_000;

const target = await spawnTarget();
const targetBase = target.base;
const vigil = await startVigil({
  logLevel: 'log',
  vars: { VIGIL_TEST_HOOKS: 'true', RAW_RETENTION_DAYS: '1', HOURLY_RETENTION_DAYS: '1', DAILY_RETENTION_DAYS: '1' },
});
const started = Date.now();
try {
  for (let i = 0; i < N; i += 20) {
    await Promise.all(Array.from({ length: Math.min(20, N - i) }, async (_, k) => {
      const r = await vigil.api('POST', '/api/monitors', {
        name: `life ${i + k}`, url: `${targetBase}/delay/5?i=${i + k}`, check_interval_seconds: 60, timeout_seconds: 10, retries: 0,
      });
      if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
    }));
  }
  // The worker's clock: real time plus the offset this script moves.
  let offset = 0;
  const advanceTo = async (simMs) => {
    const r = await vigil.api('POST', '/__test/clock', { advance_ms: Math.max(0, simMs - (Date.now() + offset)) });
    if (r.status !== 200) throw new Error(`clock: ${r.status} ${JSON.stringify(r.body)}`);
    offset = r.body.offset_ms;
    return r.body.now_ms;
  };
  const ticks = [];
  const total = HOURS * 60;
  let sim = Math.floor((Date.now() + 60_000) / 60_000) * 60_000;
  for (let t = 0; t < total; t++) {
    const now = await advanceTo(sim + 1000); // 1 s into the minute, like the real cron
    const from = vigil.logs().length;
    await vigil.tick();
    let lines = [];
    const deadline = Date.now() + 30_000;
    for (;;) {
      lines = usageLines(vigil.logs().slice(from));
      const tick = lines.find((l) => l.event === 'tick');
      const recorded = lines.filter((l) => l.event === 'consumer').reduce((s, l) => s + l.checks, 0);
      if (tick && recorded >= tick.checks) break;
      if (Date.now() > deadline) throw new Error(`tick ${t}: ${recorded} of ${tick?.checks} checks recorded after 30 s`);
      await sleep(20);
    }
    ticks.push({ sim: now, lines });
    if ((t + 1) % 60 === 0) {
      const hour = ticks.slice(-60).flatMap((x) => x.lines);
      const w = hour.reduce((s, l) => s + l.d1_rows_written, 0);
      const c = hour.filter((l) => l.event === 'consumer').reduce((s, l) => s + l.checks, 0);
      process.stderr.write(`simulated hour ${(t + 1) / 60}/${HOURS} (${new Date(now).toISOString().slice(0, 16)}): ${c} checks, ${w} rows written, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
    sim += 60_000;
  }

  const window = ticks.slice(-MEASURE_HOURS * 60);
  const lines = window.flatMap((x) => x.lines);
  const sum = (event, key) => lines.filter((l) => l.event === event).reduce((s, l) => s + l[key], 0);
  const checks = sum('consumer', 'checks');
  const tickRows = window.map((x) => x.lines.filter((l) => l.event === 'tick').reduce((s, l) => s + l.d1_rows_written, 0));
  // A tick that rolls nothing up (not the first after an hour boundary) writes only its fixed
  // rows; their median is the fixed cost of a tick, and the rest of every tick's rows is upkeep.
  const quiet = tickRows.filter((_, i) => new Date(window[i].sim).getUTCMinutes() !== 0).sort((a, b) => a - b);
  const fixedPerTick = quiet[Math.floor(quiet.length / 2)] ?? 0;
  const upkeep = tickRows.reduce((s, r) => s + Math.max(0, r - fixedPerTick), 0);
  const recording = sum('consumer', 'd1_rows_written');
  const alerts = sum('alerts', 'd1_rows_written');
  const per = (x) => +(x / checks).toFixed(4);
  const life = (monitors) => +((recording + upkeep + alerts) / checks + fixedPerTick / monitors).toFixed(4);
  console.log(JSON.stringify({
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0].toFixed(1)}`,
    date: new Date().toISOString(),
    monitors: N,
    simulated_hours: HOURS,
    measured_hours: MEASURE_HOURS,
    retention_days: { raw: 1, hourly: 1, daily: 1 },
    wall_seconds: Math.round((Date.now() - started) / 1000),
    measured: {
      checks,
      ticks: window.length,
      quiet_ticks: quiet.length,
      rows_written_per_check: {
        recording: per(recording),
        upkeep_rollups_and_pruning: per(upkeep),
        alerts: per(alerts),
      },
      fixed_rows_per_tick: fixedPerTick,
      upkeep_rows_per_monitor_hour: +(upkeep / N / MEASURE_HOURS).toFixed(2),
      life_rows_written_per_check: { [`at ${N} monitors`]: life(N), 'at 1,000 monitors': life(1000) },
      rows_read_per_check: +((sum('consumer', 'd1_rows_read') + sum('tick', 'd1_rows_read')) / checks).toFixed(2),
    },
    rows_written_by_simulated_hour: Array.from({ length: HOURS }, (_, h) => ticks.slice(h * 60, h * 60 + 60).flatMap((x) => x.lines).reduce((s, l) => s + l.d1_rows_written, 0)),
  }, null, 2));
} finally {
  await vigil.stop();
  await target.close();
}
