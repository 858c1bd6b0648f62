// What a heartbeat ping and the cron's sweep cost in D1 rows, measured under wrangler dev from
// the worker's own counters (D1's meta.rows_read/rows_written): CHECK_LOG=true logs one
// `vigil-ping {...}` line per ping, and every tick logs its usage line (`{"event":"tick",...}`).
//   node bench/heartbeat-cost.mjs [--extra 100]
import { startVigil } from '../tests/e2e/harness.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

const vigil = await startVigil({ logLevel: 'log', vars: { CHECK_LOG: 'true', HEARTBEAT_SECOND_MS: '20' } });
try {
  const create = async (name, period = 60) => (await vigil.api('POST', '/api/monitors', { name, monitor_type: 'heartbeat', check_interval_seconds: period, grace_seconds: 60 })).body;
  const m = await create('cost');
  const ping = (suffix = '', init = {}) => fetch(m.ping_url + suffix, init).then((r) => r.text());
  const steps = [
    ['first success (new -> UP)', () => ping()],
    ['success (UP, streak growing)', () => ping()],
    // The success streak saturates at 10 (core::incident): from then on a success changes
    // nothing of the monitor's status or streaks, as for a steady HTTP check.
    ...Array.from({ length: 9 }, (_, i) => [`success ${i + 3}`, () => ping()]),
    ['success (UP, steady: streak saturated)', () => ping()],
    ['start', () => ping('/start?rid=r1')],
    ['success closing a run, with a body', () => ping('?rid=r1', { method: 'POST', body: 'done' })],
    ['log', () => ping('/log', { method: 'POST', body: 'note' })],
    ['fail (opens an incident)', () => ping('/fail')],
    ['success (resolves it)', () => ping()],
    ['unknown token', () => fetch(`${vigil.base}/ping/AAAAAAAAAAAAAAAAAAAAAA`).then((r) => r.text())],
  ];
  for (const [, run] of steps) {
    await run();
    await sleep(1100); // one check per second per monitor
  }
  await vigil.tick(); // nothing overdue
  await vigil.tick();
  await sleep(2600); // period + grace (60 s + 60 s at 20 ms a second) passes
  await vigil.tick(); // one overdue: DOWN, incident opened
  await sleep(1500);
  // What the sweep reads grows with the heartbeat monitors (their rows, not the others'): 100
  // more, pinged once each so they have deadlines, and 100 HTTP monitors it must not read.
  const extra = Number(process.argv[process.argv.indexOf('--extra') + 1]) || 100;
  for (let i = 0; i < extra; i++) {
    const hb = await create(`hb-${i}`, 86_400); // a daily job: not due during the run
    await fetch(hb.ping_url).then((r) => r.text());
    await vigil.api('POST', '/api/monitors', { name: `web-${i}`, url: `https://web-${i}.example`, is_active: false });
  }
  await vigil.tick(); // nothing overdue, 1 + extra heartbeat monitors
  await sleep(1500);
  const lines = vigil.logs().split('\n');
  const pings = lines.filter((l) => l.includes('vigil-ping {')).map((l) => JSON.parse(l.slice(l.indexOf('{'))));
  steps.forEach(([what], i) => console.log(`${what.padEnd(40)} ${JSON.stringify(pings[i])}`));
  const ticks = lines.filter((l) => l.includes('"event":"tick"')).map((l) => JSON.parse(l.slice(l.indexOf('{'))));
  for (const t of ticks) console.log(`tick ${JSON.stringify(t)}`);
  const sweeps = lines.filter((l) => l.includes('vigil-sweep {')).map((l) => JSON.parse(l.slice(l.indexOf('{'))));
  for (const s of sweeps) console.log(`sweep ${JSON.stringify(s)}`);
} finally {
  await vigil.stop();
}
