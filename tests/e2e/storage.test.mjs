// Compact check storage end to end (DESIGN.md §1, §4, §5): checks recorded through the real
// queue consumer as hour blocks plus full rows read back the same through the API (pages,
// filters, cursor, CSV), the monitor's state, the status page's timeline and uptime; a
// redelivered check records once; and a steady UP check writes only its block entry: one D1 row
// (D1's own `meta.rows_written`, summed by the consumer's cost line, DESIGN.md §12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil, startTarget, usageLines } from './harness.mjs';

let vigil;
let target;
const MINUTE = 60_000;

before(async () => {
  target = await startTarget();
  // Test hooks: jobs with chosen slots go straight to the queue (one slot per job, so many
  // checks of one monitor fit in a few seconds). Logs at `log` level carry the cost lines.
  vigil = await startVigil({ vars: { VIGIL_TEST_HOOKS: 'true', RECHECK_DELAY_SECONDS: '3600' }, logLevel: 'log' });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

// An hour's interval and no tick in this file: only the jobs sent here run.
const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 3600, retries: 0 });

async function setSwitch(key, status) {
  const r = await fetch(target.url(`/_control/switch/${key}`), { method: 'POST', body: JSON.stringify({ status }) });
  assert.equal(r.status, 204);
}

const checksOf = (id, query) => vigil.checksOf(id, query);

async function send(jobs) {
  const r = await vigil.api('POST', '/__test/check-jobs', jobs);
  assert.equal(r.status, 202, JSON.stringify(r.body));
}

/** Sends one job and waits until the monitor has `count` checks. */
async function record(job, count) {
  await send([job]);
  await vigil.waitFor(async () => (await checksOf(job.monitor_id)).length >= count, { what: `check ${job.slot} recorded` });
}

test('a mix of outcomes reads back the same through the API, CSV, state and status page', async () => {
  const m = await create({ name: 'mixed', url: target.url('/switch/mixed'), failure_threshold: 2, expected_status_codes: [200, 204] });
  // Slots 5 minutes apart over 115 minutes: the checks fall into two or three hour blocks.
  const base = Math.floor(Date.now() / 300_000) * 300 - 24 * 300;
  const plan = [];
  for (let i = 0; i < 12; i++) plan.push(['scheduled', 200]); // the success streak saturates
  plan.push(['scheduled', 503], ['scheduled', 503]); // opens (threshold 2)
  plan.push(['scheduled', 200]); // resolves
  plan.push(['manual', 200], ['scheduled', 204], ['scheduled', 200], ['scheduled', 200]);
  let n = 0;
  for (const [i, [kind, status]] of plan.entries()) {
    await setSwitch('mixed', status);
    await record({ monitor_id: m.id, slot: base + i * 300 + (kind === 'manual' ? 7 : 0), kind }, ++n);
  }
  // A steady check delivered twice (two identical messages, and a third later) records once.
  const dup = { monitor_id: m.id, slot: base + plan.length * 300, kind: 'scheduled' };
  await setSwitch('mixed', 200);
  await send([dup, dup]);
  await vigil.waitFor(async () => (await checksOf(m.id)).length >= n + 1, { what: 'duplicate recorded' });
  await send([dup]);
  await vigil.waitFor(() => (target.stats().byPath['/switch/mixed'] ?? 0) >= plan.length + 3, { what: 'all three deliveries probed' });
  await new Promise((r) => setTimeout(r, 1500)); // time for a wrong second record to land
  n += 1;

  const all = await checksOf(m.id);
  assert.equal(all.length, n, 'every check once');
  assert.equal(all.filter((c) => c.id === `${m.id}-${dup.slot}`).length, 1, 'the redelivered slot once');
  const slots = all.map((c) => Number(c.id.split('-')[1]));
  assert.deepEqual(slots, [...slots].sort((a, b) => b - a), 'newest first');
  const expected = [...plan, ['scheduled', 200]].map(([kind, status], i) => ({
    id: `${m.id}-${base + i * 300 + (kind === 'manual' ? 7 : 0)}`,
    kind,
    status: status === 503 ? 'DOWN' : 'UP',
    http_status: status,
    failure_kind: status === 503 ? 'status' : null,
    failure_type: status === 503 ? 'status 503 not in [200,204]' : null,
    attempts: 1,
    slow: false,
  })).reverse();
  assert.deepEqual(
    all.map(({ id, kind, status, http_status, failure_kind, failure_type, attempts, slow }) => ({ id, kind, status, http_status, failure_kind, failure_type, attempts, slow })),
    expected,
  );
  for (const c of all) {
    assert.equal(c.monitor_id, m.id);
    assert.match(c.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Number.isInteger(c.latency_ms) && c.latency_ms >= 0, `latency of ${c.id}`);
  }

  // Pages of 4 through the cursor give the same list; filters pick the same checks.
  const paged = [];
  for (let cursor = ''; ;) {
    const r = await vigil.api('GET', `/api/checks?monitor=${m.id}&limit=4${cursor && `&cursor=${cursor}`}`);
    assert.equal(r.status, 200);
    paged.push(...r.body.items);
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  assert.deepEqual(paged, all, 'cursor pages');
  assert.deepEqual(await checksOf(m.id, '&status=DOWN'), all.filter((c) => c.status === 'DOWN'));
  assert.deepEqual(await checksOf(m.id, '&status=up'), all.filter((c) => c.status === 'UP'));
  const since = new Date((base + 5 * 300) * 1000).toISOString();
  const until = new Date((base + 14 * 300) * 1000).toISOString();
  const window = await checksOf(m.id, `&since=${since}&until=${until}`);
  assert.deepEqual(window, all.filter((c) => { const s = Number(c.id.split('-')[1]); return s >= base + 1500 && s <= base + 14 * 300; }));
  // Across monitors too: this monitor's checks in the user's listing, in the same order.
  const everyone = (await vigil.api('GET', '/api/checks?limit=200')).body.items.filter((c) => c.monitor_id === m.id);
  assert.deepEqual(everyone, all);

  // CSV: the same rows in seed 002's shape.
  const csv = await vigil.api('GET', `/api/checks?monitor=${m.id}&limit=200`, undefined, { headers: { accept: 'text/csv' } });
  assert.equal(csv.status, 200);
  const lines = csv.body.trim().split('\n');
  assert.equal(lines.length, n + 1, 'header and one line per check');
  assert.ok(lines[1].startsWith(all[0].started_at), lines[1]);
  assert.equal(lines.filter((l) => l.includes(',DOWN,')).length, 2);

  // The monitor's state and latest check: the last check's time although steady checks do not
  // rewrite the row.
  const got = (await vigil.api('GET', `/api/monitors/${m.id}`)).body;
  const newest = [...all].sort((a, b) => (a.started_at < b.started_at ? 1 : -1))[0];
  assert.equal(got.state.last_checked_at, newest.started_at);
  assert.equal(got.latest_check.id, all[0].id);
  assert.deepEqual([got.state.status, got.state.consecutive_failures, got.state.consecutive_successes, got.state.incident_open], ['UP', 0, 6, false]);
  const incidents = (await vigil.api('GET', `/api/incidents?monitor=${m.id}`)).body.items;
  assert.equal(incidents.length, 1);
  assert.equal(incidents[0].open, false);

  // The status page's timeline from the same checks: every check was probed in the last few
  // minutes, so the last minutes hold them (the latest of each minute, forward-filled).
  const page = await vigil.api('GET', '/status/default.json', undefined, { token: null });
  assert.equal(page.status, 200);
  const pm = page.body.monitors.find((x) => x.id === m.id);
  assert.equal(pm.status, 'UP');
  assert.equal(pm.timeline.reduce((s, r) => s + r.minutes, 0), 240);
  const want = timeline(all, 3600, Date.parse(page.body.updated_at));
  assert.deepEqual(pm.timeline.map((r) => [r.state, r.minutes]), want);
});

/** core::buckets::fill_buckets over 240 minutes, as runs of [state, minutes]. */
function timeline(checks, intervalSeconds, now) {
  const points = checks.map((c) => ({ at: Date.parse(c.started_at), slot: Number(c.id.split('-')[1]), status: c.status, slow: c.slow }))
    .sort((a, b) => a.slot - b.slot);
  const lastStart = Math.floor(now / MINUTE) * MINUTE;
  const runs = [];
  for (let i = 0; i < 240; i++) {
    const start = lastStart - (239 - i) * MINUTE;
    const end = start + MINUTE;
    const reference = i === 239 ? Math.min(now, end) : end;
    let latest = null;
    for (const p of points) if (p.at < end) latest = p;
    let state = 'unknown';
    if (latest && reference - latest.at <= intervalSeconds * 2000) {
      state = latest.status === 'UP' ? (latest.slow ? 'slow' : 'up') : latest.status === 'BOT_DETECTED' ? 'bot' : 'down';
    }
    if (runs.length && runs.at(-1)[0] === state) runs.at(-1)[1] += 1;
    else runs.push([state, 1]);
  }
  return runs;
}

test('a steady UP check writes only its block entry', async () => {
  const m = await create({ name: 'steady', url: target.url('/ok') });
  const base = Math.floor(Date.now() / 60_000) * 60 - 40 * 60;
  // Until the success streak saturates (10), each check also writes the monitor's state.
  for (let i = 0; i < 11; i++) await record({ monitor_id: m.id, slot: base + i * 60, kind: 'scheduled' }, i + 1);
  const stored = async () => (await vigil.d1(`SELECT state_version AS v, last_checked_at AS at,
      (SELECT count(*) FROM checks WHERE monitor_id = ${m.id}) AS full_rows,
      (SELECT count(*) FROM check_blocks WHERE monitor_id = ${m.id}) AS blocks,
      (SELECT sum(length(data)) FROM check_blocks WHERE monitor_id = ${m.id}) AS bytes FROM monitors WHERE id = ${m.id}`, { json: true }))[0].results[0];
  const before = await stored();
  const mark = vigil.logs().length;
  // Ten steady checks at once (one consumer batch, recorded concurrently: they write no state,
  // so they never race on its version).
  const steady = Array.from({ length: 10 }, (_, i) => ({ monitor_id: m.id, slot: base + (11 + i) * 60, kind: 'scheduled' }));
  await send(steady);
  await vigil.waitFor(async () => (await checksOf(m.id)).length >= 21, { what: 'steady checks recorded' });
  const after = await stored();
  // What they wrote: their block entries only (about 13 bytes each when probed within seconds of
  // their slot; these slots are up to 40 minutes old, so the start offset takes 7 digits), not
  // the monitor's row nor full rows.
  assert.equal(after.v, before.v, 'the monitor row was not rewritten');
  assert.equal(after.at, before.at);
  assert.equal(after.full_rows, before.full_rows, 'no full rows');
  assert.ok(after.blocks <= before.blocks + 1, 'at most one new block (an hour boundary)');
  assert.ok(after.bytes - before.bytes <= 10 * 20, `${after.bytes - before.bytes} bytes for 10 checks`);
  const state = (await vigil.api('GET', `/api/monitors/${m.id}`)).body.state;
  assert.equal(state.consecutive_successes, 10);
  const checks = await checksOf(m.id);
  assert.equal(state.last_checked_at, checks.map((c) => c.started_at).sort().at(-1), 'last check time read from the blocks');
  // D1's own count: the consumer invocations that ran them wrote one row per check.
  const lines = await vigil.waitFor(() => {
    const found = usageLines(vigil.logs().slice(mark)).filter((l) => l.event === 'consumer');
    return found.reduce((s, l) => s + l.checks, 0) >= 10 && found;
  }, { what: 'the cost lines of the steady checks' });
  const ran = lines.reduce((s, l) => s + l.checks, 0);
  const written = lines.reduce((s, l) => s + l.d1_rows_written, 0);
  assert.equal(ran, 10);
  assert.equal(written, ran, `${written} D1 rows written for ${ran} steady checks`);
});
