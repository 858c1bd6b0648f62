// The scheduler and the checks queue (DESIGN.md §3): due-ness from each monitor's period and
// phase plus one claim row per tick, many jobs per queue message, one-job retries, and the cap
// on connection slots for monitors whose last check timed out. Faults are armed through the
// test hook `POST /__test/faults` (src/hooks.rs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, startTarget, usageLines } from './harness.mjs';

let vigil;
let target;

before(async () => {
  target = await startTarget();
  vigil = await startVigil({ vars: { VIGIL_TEST_HOOKS: 'true' }, logLevel: 'log' });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 300, retries: 0 });

const checksOf = (id, query) => vigil.checksOf(id, query);

async function arm(faults) {
  const r = await vigil.api('POST', '/__test/faults', faults);
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

const hits = (path) => target.stats().byPath[path] ?? 0;
const consumerLines = () => usageLines(vigil.logs()).filter((l) => l.event === 'consumer');

test('new monitors are checked on the next tick; a failed send leaves them for the tick after', async () => {
  const monitors = [];
  for (let i = 0; i < 3; i++) monitors.push(await create({ name: `new ${i}`, url: target.url(`/body/new-${i}`) }));
  await arm({ sends: [true] });
  await vigil.tick();
  await sleep(1500); // time for a check to show up, if one had been sent
  for (const m of monitors) assert.equal((await checksOf(m.id)).length, 0, `${m.name}: nothing sent yet`);

  await vigil.tick();
  for (const m of monitors) {
    const [check, ...more] = await vigil.waitFor(async () => {
      const list = await checksOf(m.id);
      return list.length > 0 && list;
    }, { what: `${m.name} checked` });
    assert.equal(more.length, 0);
    assert.equal(check.kind, 'scheduled');
    assert.equal(check.status, 'UP');
    // Next due one period (5 minutes) after the minute it was checked in.
    const state = (await vigil.api('GET', `/api/monitors/${m.id}`)).body.state;
    const slotMs = Number(check.id.split('-')[1]) * 1000;
    assert.equal(Date.parse(state.next_check_at) - slotMs, 300_000, `${m.name}: ${state.next_check_at}`);
  }
  // Another tick in the same minute sends nothing more.
  await vigil.tick();
  await sleep(1000);
  for (const [i, m] of monitors.entries()) {
    assert.equal((await checksOf(m.id)).length, 1);
    assert.equal(hits(`/body/new-${i}`), 1);
  }
});

test('a packed message with one failing job re-sends only that job', async () => {
  const monitors = [];
  for (const name of ['a', 'b', 'c']) monitors.push(await create({ name: `pack ${name}`, url: target.url(`/body/pack-${name}`) }));
  const linesBefore = consumerLines().length;
  await arm({ fail_jobs: { monitor_id: monitors[1].id, times: 1 } });
  await vigil.tick();
  for (const m of monitors) await vigil.waitFor(async () => (await checksOf(m.id)).length === 1, { what: `${m.name} recorded` });
  await sleep(1000);
  // The failing job ran twice (failed before probing, then on its own); the others once.
  assert.deepEqual(['a', 'b', 'c'].map((n) => hits(`/body/pack-${n}`)), [1, 1, 1]);
  for (const m of monitors) assert.equal((await checksOf(m.id)).length, 1, m.name);
  const lines = consumerLines().slice(linesBefore);
  const packed = lines.find((l) => l.checks === 3);
  assert.ok(packed, `one invocation ran the 3 jobs of one message: ${JSON.stringify(lines)}`);
  assert.equal(packed.messages, 1);
  assert.equal(packed.queue_messages, 1, 'only the failed job was sent again, in a message of its own');
  assert.equal(packed.retried, 0, 'the packed message was acknowledged, not retried');
  assert.ok(lines.some((l) => l.checks === 1 && l.messages === 1), 'the re-sent job came alone');

  // A job that keeps failing is given up after 4 attempts, and its message is not replayed.
  const stubborn = await create({ name: 'pack stubborn', url: target.url('/body/pack-stubborn') });
  await arm({ fail_jobs: { monitor_id: stubborn.id, times: 99 } });
  await vigil.tick();
  await vigil.waitFor(() => vigil.logs().includes(`check ${stubborn.id}-`) && /dead after 4 attempts/.test(vigil.logs()), { what: 'the job given up' });
  assert.equal((await checksOf(stubborn.id)).length, 0);
  assert.equal(hits('/body/pack-stubborn'), 0);
  await arm({ fail_jobs: { monitor_id: stubborn.id, times: 0 } });
});

test('hanging targets hold at most 2 of 6 slots while healthy checks wait', async () => {
  // Six monitors whose last check timed out, queued ahead of three healthy ones in one message.
  const hanging = [];
  for (let i = 0; i < 6; i++) hanging.push(await create({ name: `hang ${i}`, url: target.url(`/delay/4000?h=${i}`), timeout_seconds: 2, check_interval_seconds: 3600 }));
  const healthy = [];
  for (let i = 0; i < 3; i++) healthy.push(await create({ name: `healthy ${i}`, url: target.url(`/body/healthy-${i}`), check_interval_seconds: 3600 }));
  await vigil.tick(); // their first checks (the hanging ones time out)
  for (const m of [...hanging, ...healthy]) await vigil.waitFor(async () => (await checksOf(m.id)).length === 1, { what: `${m.name} first check`, timeoutMs: 60_000 });
  for (const m of hanging) assert.equal((await checksOf(m.id))[0].status, 'TIMEOUT');

  const slot = Math.floor(Date.now() / 1000) + 1000;
  const jobs = [
    ...hanging.map((m) => ({ monitor_id: m.id, slot, kind: 'manual', timed_out: true })),
    ...healthy.map((m) => ({ monitor_id: m.id, slot, kind: 'manual' })),
  ];
  // One packed message, so the nine jobs share one invocation whatever max_batch_size is.
  assert.equal((await vigil.api('POST', '/__test/check-jobs', { packed: jobs })).status, 202);
  const second = async (m) => (await checksOf(m.id)).find((c) => c.id === `${m.id}-${slot}`);
  const all = await vigil.waitFor(async () => {
    const got = await Promise.all([...hanging, ...healthy].map(second));
    return got.every(Boolean) && got;
  }, { what: 'every second check recorded', timeoutMs: 60_000 });
  const [hung, fine] = [all.slice(0, 6), all.slice(6)];
  assert.ok(hung.every((c) => c.status === 'TIMEOUT') && fine.every((c) => c.status === 'UP'), JSON.stringify(all));
  // Without the cap the six hanging checks take all six slots for their 2 s timeout and the
  // healthy ones start after; with it, the healthy ones start at once beside two hanging ones.
  const started = (cs) => cs.map((c) => Date.parse(c.started_at));
  const firstHang = Math.min(...started(hung));
  assert.ok(Math.max(...started(fine)) < firstHang + 1000, `healthy started ${started(fine).map((t) => t - firstHang)} ms after the first hanging one`);
  // Two at a time while healthy checks waited; the rest once no healthy check was left.
  const hangStarts = started(hung).sort((a, b) => a - b);
  assert.ok(hangStarts[2] >= Math.max(...started(fine)), `hanging checks started at ${hangStarts.map((t) => t - firstHang)} ms, healthy at ${started(fine).map((t) => t - firstHang)}`);
});

test('a monitor whose last check timed out is checked in the slow lane, apart from healthy ones', async () => {
  const hanging = await create({ name: 'lane hang', url: target.url('/delay/4000?lane'), timeout_seconds: 2, check_interval_seconds: 60 });
  const healthy = await create({ name: 'lane fine', url: target.url('/body/lane-fine'), check_interval_seconds: 60 });
  await vigil.tick(); // first checks (pending), both in the main lane: nothing has timed out yet
  for (const m of [hanging, healthy]) await vigil.waitFor(async () => (await checksOf(m.id)).length >= 1, { what: `${m.name} first check`, timeoutMs: 30_000 });
  assert.equal((await checksOf(hanging.id))[0].status, 'TIMEOUT');
  const minute = Math.floor(Date.now() / 60_000) + 1;
  await vigil.waitFor(() => Math.floor(Date.now() / 60_000) >= minute, { what: 'the next minute', timeoutMs: 70_000, intervalMs: 100 });
  const slot = minute * 60;
  const mark = vigil.logs().length;
  await vigil.tick();
  const atSlot = async (m) => (await checksOf(m.id)).find((c) => c.id === `${m.id}-${slot}`);
  const [hung, fine] = await vigil.waitFor(async () => {
    const got = await Promise.all([hanging, healthy].map(atSlot));
    return got.every(Boolean) && got;
  }, { what: `both checked at slot ${slot}`, timeoutMs: 30_000 });
  assert.deepEqual([hung.status, fine.status], ['TIMEOUT', 'UP']);
  // wrangler dev logs each queue batch as `QUEUE <name> acked/total (ms)`: the tick's two jobs
  // went one to each queue, so the healthy one did not wait out the hanging one's timeout.
  const batches = [...vigil.logs().slice(mark).matchAll(/QUEUE\S*\s+(vigil-checks(?:-slow)?)\S*\s+\S*(\d+)\/(\d+)\S*\s+\S*\((\d+)ms\)/g)]
    .map(([, queue, , , ms]) => ({ queue, ms: Number(ms) }));
  const slow = batches.filter((b) => b.queue === 'vigil-checks-slow');
  const main = batches.filter((b) => b.queue === 'vigil-checks');
  assert.ok(slow.length >= 1 && slow.some((b) => b.ms >= 2000), `the hanging check ran in the slow lane: ${JSON.stringify(batches)}`);
  assert.ok(main.length >= 1 && main.every((b) => b.ms < 2000), `the main lane never waited out a timeout: ${JSON.stringify(batches)}`);
  // Out of the way of the next test's minute.
  for (const m of [hanging, healthy]) assert.equal((await vigil.api('DELETE', `/api/monitors/${m.id}`)).status, 204);
});

// wrangler dev logs each queue batch as `QUEUE <name> acked/total (ms)`.
const queueBatches = (from) => [...vigil.logs().slice(from).matchAll(/QUEUE\S*\s+(vigil-checks(?:-slow)?)\S*\s+\S*(\d+)\/(\d+)\S*\s+\S*\((\d+)ms\)/g)]
  .map(([, queue, , , ms]) => ({ queue, ms: Number(ms) }));

test('a check still open after the hand-off time is re-run in the slow lane, recorded once, and its monitor stays there while slow', async () => {
  const path = '/delay/2500';
  const m = await create({ name: 'handoff slow', url: target.url(`${path}?handoff`), timeout_seconds: 10 });
  const handedOff = () => consumerLines().reduce((n, l) => n + l.handed_off, 0);
  const before = { hits: hits(path), handedOff: handedOff() };
  let mark = vigil.logs().length;
  await vigil.tick(); // its first check, in the main lane: open past HANDOFF_AFTER_MS (500 ms)
  const [first] = await vigil.waitFor(async () => {
    const list = await checksOf(m.id);
    return list.length > 0 && list;
  }, { what: 'the first check', timeoutMs: 30_000 });
  await sleep(1500); // a second record, if there were one, would be in by now
  assert.equal((await checksOf(m.id)).length, 1, 'recorded once');
  assert.equal(first.status, 'UP', 'the slow lane gave it its whole timeout');
  assert.ok(first.latency_ms >= 2500, `latency ${first.latency_ms}`);
  assert.equal(handedOff() - before.handedOff, 1, 'the main lane handed it off');
  assert.equal(hits(path) - before.hits, 2, 'aborted once in the main lane, answered in the slow lane');
  assert.ok(queueBatches(mark).some((b) => b.queue === 'vigil-checks-slow' && b.ms >= 2500), JSON.stringify(queueBatches(mark)));

  // Slow, so it stays in the slow lane: the next run is probed once, not handed off again.
  mark = vigil.logs().length;
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  await vigil.waitFor(async () => (await checksOf(m.id)).length === 2, { what: 'the second check', timeoutMs: 30_000 });
  assert.equal(hits(path) - before.hits, 3);
  assert.equal(handedOff() - before.handedOff, 1, 'no second hand-off');
  assert.deepEqual([...new Set(queueBatches(mark).map((b) => b.queue))], ['vigil-checks-slow']);

  // Fast again: one answer within half the hand-off time in the slow lane brings it back.
  assert.equal((await vigil.api('PATCH', `/api/monitors/${m.id}`, { url: target.url('/delay/20?handoff-fast') })).status, 200);
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  await vigil.waitFor(async () => (await checksOf(m.id)).length === 3, { what: 'the third check', timeoutMs: 30_000 });
  await sleep(1100); // one check per second per monitor
  mark = vigil.logs().length;
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  await vigil.waitFor(async () => (await checksOf(m.id)).length === 4, { what: 'the fourth check', timeoutMs: 30_000 });
  await vigil.waitFor(() => queueBatches(mark).length > 0, { what: 'its queue batch logged' });
  assert.deepEqual([...new Set(queueBatches(mark).map((b) => b.queue))], ['vigil-checks'], 'back in the main lane');
  assert.equal((await vigil.api('DELETE', `/api/monitors/${m.id}`)).status, 204);
});

test('one invocation\'s hand-offs travel to the slow lane in one message and run there together', async () => {
  const path = '/delay/2500';
  const ms = [];
  for (let i = 0; i < 4; i++) ms.push(await create({ name: `handoff together ${i}`, url: target.url(`${path}?together=${i}`), timeout_seconds: 10 }));
  const mark = vigil.logs().length;
  await vigil.tick(); // new monitors: one packed message, one main-lane invocation
  for (const m of ms) {
    await vigil.waitFor(async () => (await checksOf(m.id)).length > 0, { what: `check of ${m.name}`, timeoutMs: 30_000 });
  }
  await sleep(1500);
  for (const m of ms) {
    const list = await checksOf(m.id);
    assert.equal(list.length, 1, `${m.name} recorded once`);
    assert.equal(list[0].status, 'UP');
  }
  const lines = usageLines(vigil.logs().slice(mark)).filter((l) => l.event === 'consumer');
  const main = lines.find((l) => l.handed_off > 0);
  assert.equal(main?.handed_off, 4, JSON.stringify(lines));
  // The four hand-offs left the main lane as one message (before: four one-job messages).
  assert.equal(main.queue_messages, 1, JSON.stringify(lines));
  // The slow lane probed all four in one invocation. Only invocations that probed count, and
  // only their probes: a job of a monitor an earlier test deleted is skipped without a fetch,
  // and its message may share the window or even the batch.
  const slow = lines.filter((l) => l !== main && l.subrequests > 0);
  assert.deepEqual(slow.map((l) => l.subrequests), [4], JSON.stringify(lines));
  assert.ok(slow[0].ms < 2 * 2500, `run together on the slow lane's slots, not one after another: ${slow[0].ms} ms`);
  for (const m of ms) assert.equal((await vigil.api('DELETE', `/api/monitors/${m.id}`)).status, 204);
});

test('two ticks of one minute dispatch it once, and a dispatch that failed part way is finished by the next tick', async () => {
  const monitors = [];
  for (let i = 0; i < 6; i++) monitors.push(await create({ name: `minute ${i}`, url: target.url(`/body/minute-${i}`), check_interval_seconds: 60 }));
  await vigil.tick(); // first checks (pending)
  for (const m of monitors) await vigil.waitFor(async () => (await checksOf(m.id)).length === 1, { what: `${m.name} first check` });
  // A fresh minute: every monitor is due on the schedule now.
  const minute = Math.floor(Date.now() / 60_000) + 1;
  await vigil.waitFor(() => Math.floor(Date.now() / 60_000) >= minute, { what: 'the next minute', timeoutMs: 70_000, intervalMs: 100 });
  const slot = minute * 60;
  const atSlot = async (m) => (await checksOf(m.id)).filter((c) => c.id === `${m.id}-${slot}`);

  // 2 jobs a message, 1 message a send: the second send fails, after the first 2 monitors.
  await arm({ sends: [false, true], messages_per_send: 1, jobs_per_message: 2 });
  await vigil.tick();
  await vigil.waitFor(async () => (await atSlot(monitors[1])).length === 1, { what: 'the first send recorded' });
  await sleep(1000);
  const partial = await Promise.all(monitors.map(atSlot));
  assert.deepEqual(partial.map((l) => l.length), [1, 1, 0, 0, 0, 0], 'stopped at the failed send');

  // Overlapping ticks of the same minute: one takes the failed claim over from where it
  // stopped; the others find it taken.
  await arm({ messages_per_send: 1, jobs_per_message: 2 });
  await Promise.all([vigil.tick(), vigil.tick(), vigil.tick()]);
  for (const m of monitors) await vigil.waitFor(async () => (await atSlot(m)).length === 1, { what: `${m.name} at slot ${slot}` });
  await vigil.tick();
  await sleep(1500);
  for (const [i, m] of monitors.entries()) {
    const checks = await checksOf(m.id);
    assert.deepEqual(checks.filter((c) => c.kind === 'scheduled').map((c) => c.id).filter((id) => id.endsWith(`-${slot}`)), [`${m.id}-${slot}`]);
    assert.equal(hits(`/body/minute-${i}`), 2, `${m.name}: probed once for its first check and once for minute ${minute}`);
  }
  await arm({});
});
