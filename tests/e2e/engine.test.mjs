// The check engine end to end: classification of real HTTP behaviour, retries, redirects,
// incidents opening and resolving, and idempotency under repeated ticks and redelivery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil, startTarget } from './harness.mjs';

let vigil;
let target;

before(async () => {
  target = await startTarget();
  // Rechecks 1 s after a failure instead of 20 s, so an outage is confirmed quickly here.
  vigil = await startVigil({ vars: { RECHECK_DELAY_SECONDS: '1', VIGIL_TEST_HOOKS: 'true' } });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 3600 });

const checksOf = (id, query) => vigil.checksOf(id, query);

const incidentsOf = (id) => vigil.incidentsOf(id);

async function setSwitch(key, status) {
  const r = await fetch(target.url(`/_control/switch/${key}`), { method: 'POST', body: JSON.stringify({ status }) });
  assert.equal(r.status, 204);
}

test('each kind of site behaviour is classified as a user would expect', async () => {
  const cases = [
    { name: 'retry succeeds', url: '/flaky/a/2', extra: { retries: 3, backoff_factor: 0.1 },
      want: { status: 'UP', http_status: 200, attempts: 3 } },
    { name: 'retries exhausted', url: '/flaky/b/10', extra: { retries: 2, backoff_factor: 0 },
      want: { status: 'DOWN', http_status: 503, attempts: 3, failure_type: 'status 503 not in [200]' } },
    { name: 'slower than the timeout', url: '/delay/4000', extra: { timeout_seconds: 1 },
      want: { status: 'TIMEOUT', http_status: null, latency_ms: null, failure_type: 'timeout after 1s' } },
    { name: 'keyword missing', url: '/ok', extra: { body_contains: 'healthy' },
      want: { status: 'DOWN', http_status: 200, failure_type: 'body missing "healthy"' } },
    { name: 'keyword present', url: '/body/all%20healthy', extra: { body_contains: 'healthy' },
      want: { status: 'UP', http_status: 200 } },
    { name: 'bot wall by header', url: '/bot/header', extra: {},
      want: { status: 'BOT_DETECTED', http_status: 403, failure_type: 'bot wall: cf-mitigated: challenge' } },
    { name: 'bot wall by challenge page', url: '/bot/page', extra: {},
      want: { status: 'BOT_DETECTED', http_status: 403, failure_type: 'bot wall: Cloudflare challenge page (403)' } },
    { name: 'bot wall by configured string', url: '/bot/string', extra: { bot_protection_string: 'ExampleShield' },
      want: { status: 'BOT_DETECTED', http_status: 200, failure_type: 'bot wall: "ExampleShield" found' } },
    { name: 'redirect chain followed', url: '/redirect/3', extra: {},
      want: { status: 'UP', http_status: 200 } },
    { name: 'too many redirects', url: '/redirect/7', extra: {},
      want: { status: 'DOWN', http_status: null, failure_type: 'refused: more than 5 redirects' } },
    { name: 'redirect to a forbidden scheme', url: `/redirect-to?url=${encodeURIComponent('file:///etc/passwd')}`, extra: {},
      want: { status: 'DOWN', http_status: null } },
    { name: 'expected 302 is not followed', url: '/redirect/1', extra: { expected_status_codes: [302] },
      want: { status: 'UP', http_status: 302 } },
    { name: 'slow but up', url: '/delay/300', extra: { expected_response_time_ms: 100 },
      want: { status: 'UP', http_status: 200, slow: true } },
    { name: 'POST with headers and body', url: '/echo', extra: { method: 'POST', body: '{"ping":1}', headers: { 'X-Probe': 'vigil-e2e' }, body_contains: 'vigil-e2e' },
      want: { status: 'UP', http_status: 200 } },
  ];
  const monitors = [];
  for (const c of cases) monitors.push(await create({ name: c.name, url: target.url(c.url), ...c.extra }));
  await vigil.tick();
  const results = await vigil.waitFor(async () => {
    const all = await Promise.all(monitors.map(async (m) => (await checksOf(m.id))[0]));
    return all.every(Boolean) && all;
  }, { what: 'every case checked', timeoutMs: 60_000 });
  cases.forEach((c, i) => {
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual(results[i][k], v, `${c.name}: ${k}`);
    if (c.want.status !== 'UP' && !c.want.failure_type) assert.ok(results[i].failure_type, `${c.name}: has a reason`);
  });
  const redirect = results[cases.findIndex((c) => c.name === 'redirect to a forbidden scheme')];
  assert.match(redirect.failure_type, /redirect to a forbidden target: .*file/);
  // Every hop of the chain was really fetched, once.
  const hits = target.stats().byPath;
  for (const hop of ['/redirect/3', '/redirect/2', '/redirect/1', '/redirect/0']) assert.ok(hits[hop] >= 1, hop);
  assert.equal(hits['/flaky/a/2'], 3, 'two 503s then the 200');
});

test('an outage opens exactly one incident, confirmed by a quick re-check, and resolves once', async () => {
  await setSwitch('outage', 500);
  const m = await create({ name: 'outage', url: target.url('/switch/outage'), failure_threshold: 2, retries: 0 });
  await vigil.tick();
  const [incident] = await vigil.waitFor(async () => {
    const list = await incidentsOf(m.id);
    return list.length > 0 && list;
  }, { what: 'incident opened', timeoutMs: 30_000 });
  assert.equal(incident.open, true);
  assert.equal(incident.cause, 'status 500 not in [200]');
  const checks = await checksOf(m.id);
  assert.deepEqual(checks.map((c) => c.kind).sort(), ['recheck', 'scheduled'], 'confirmed by one re-check');
  assert.ok(checks.every((c) => c.status === 'DOWN'));

  await setSwitch('outage', 200);
  const run = await vigil.api('POST', `/api/monitors/${m.id}/run`);
  assert.equal(run.status, 202);
  const resolved = await vigil.waitFor(async () => {
    const [i] = await incidentsOf(m.id);
    return i && !i.open && i;
  }, { what: 'incident resolved' });
  assert.equal(resolved.id, incident.id);
  // Each transition was handed to the alerts queue exactly once.
  const events = await vigil.waitFor(async () => {
    const [i] = await incidentsOf(m.id);
    return i.events.length === 2 && i.events.every((e) => e.received_count >= 1) && i.events;
  }, { what: 'both events received by the alerts consumer' });
  assert.deepEqual(events.map((e) => e.event), ['incident.opened', 'incident.resolved']);
  for (const e of events) {
    assert.equal(e.received_count, 1, `${e.event} received once`);
    assert.ok(e.enqueued_at, `${e.event} marked enqueued`);
  }
  assert.equal((await incidentsOf(m.id)).length, 1);
  const state = (await vigil.api('GET', `/api/monitors/${m.id}`)).body.state;
  assert.equal(state.status, 'UP');
  assert.equal(state.incident_open, false);
});

test('flapping below the threshold never opens an incident', async () => {
  await setSwitch('flap', 500);
  const m = await create({ name: 'flap', url: target.url('/switch/flap'), failure_threshold: 3, retries: 0 });
  for (const status of [500, 200, 500, 200]) {
    await setSwitch('flap', status);
    const before = (await checksOf(m.id)).length;
    assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
    await vigil.waitFor(async () => (await checksOf(m.id)).length > before, { what: 'run recorded' });
    await new Promise((r) => setTimeout(r, 1100)); // distinct slots (one per second)
  }
  assert.equal((await incidentsOf(m.id)).length, 0);
});

test('a tick fired twice in the same minute dispatches each monitor once', async () => {
  const m = await create({ name: 'twice', url: target.url('/ok'), check_interval_seconds: 300 });
  await vigil.tick();
  await vigil.tick();
  await vigil.waitFor(async () => (await checksOf(m.id)).length >= 1, { what: 'first check' });
  await new Promise((r) => setTimeout(r, 2500)); // time for a second one to show up, if any
  assert.equal((await checksOf(m.id)).length, 1);
});

test('overlapping crons: 20 runs of 3 simultaneous ticks all answer, and each monitor is checked once per minute', async () => {
  // Cloudflare overlaps cron invocations when one runs past the minute; none may wait on another.
  const monitors = [];
  for (const path of ['/ok', '/delay/300', '/status/500']) monitors.push(await create({ name: `overlap ${path}`, url: target.url(path), check_interval_seconds: 60 }));
  const slots = new Set();
  for (let run = 0; run < 20; run++) {
    slots.add(Math.floor(Date.now() / 60_000));
    const answers = await Promise.all([0, 1, 2].map(() => Promise.race([
      vigil.tick().then((r) => r.status),
      new Promise((resolve) => { setTimeout(resolve, 30_000, 'no answer in 30 s').unref(); }),
    ])));
    slots.add(Math.floor(Date.now() / 60_000));
    assert.deepEqual(answers, [200, 200, 200], `run ${run}: ${answers}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // Every tick dispatched only what was due in its minute: one check per monitor per minute.
  for (const m of monitors) {
    const checks = await vigil.waitFor(async () => {
      const list = (await checksOf(m.id)).filter((c) => c.kind === 'scheduled'); // not re-checks
      return list.length >= 1 && list;
    }, { what: `${m.name} checked` });
    assert.ok(checks.length <= slots.size, `${m.name}: ${checks.length} checks in ${slots.size} minute(s)`);
    assert.equal(new Set(checks.map((c) => c.id)).size, checks.length, 'no slot checked twice');
  }
});

test('the same check message delivered twice has the effect of one', async () => {
  await setSwitch('dup', 503);
  const m = await create({ name: 'dup', url: target.url('/switch/dup'), failure_threshold: 1, retries: 0 });
  const job = { monitor_id: m.id, slot: 1_000_000, kind: 'manual' };
  // Two identical messages in one batch (processed concurrently), then a third one later.
  assert.equal((await vigil.api('POST', '/__test/check-jobs', [job, job])).status, 202);
  await vigil.waitFor(async () => (await checksOf(m.id)).length >= 1, { what: 'duplicate recorded' });
  assert.equal((await vigil.api('POST', '/__test/check-jobs', [job])).status, 202);
  await vigil.waitFor(() => (target.stats().byPath['/switch/dup'] ?? 0) >= 3, { what: 'all three deliveries probed' });
  await new Promise((r) => setTimeout(r, 1500));
  const checks = await checksOf(m.id);
  assert.equal(checks.filter((c) => c.id === `${m.id}-1000000`).length, 1, 'one check row');
  const incidents = await incidentsOf(m.id);
  assert.equal(incidents.length, 1, 'one incident');
  const opened = await vigil.waitFor(async () => {
    const [i] = await incidentsOf(m.id);
    return i.events.length === 1 && i.events[0].received_count >= 1 && i.events[0];
  }, { what: 'opened event received' });
  // A concurrent duplicate may hand the event on a second time before the first marks it sent
  // (at-least-once); the alerts side dedupes, and tests/e2e/alerts.test.mjs proves the receiver
  // sees it once. Here: handed on, and only one outbox row exists.
  assert.ok(opened.received_count >= 1 && opened.received_count <= 2, `received ${opened.received_count} times`);
  const state = (await vigil.api('GET', `/api/monitors/${m.id}`)).body.state;
  assert.equal(state.consecutive_failures, 1, 'streak counted once');
});

test('the test hook validates its body', async () => {
  const r = await vigil.api('POST', '/__test/check-jobs', { not: 'an array' });
  assert.equal(r.status, 400);
});
