// The walking skeleton, end to end: REST API -> D1 -> cron -> checks queue -> consumer ->
// fetch to loopback fixtures -> D1 -> REST API. Against a real `wrangler dev`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil, startTarget } from './harness.mjs';

let vigil;
let target;

before(async () => {
  target = await startTarget();
  vigil = await startVigil();
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

const monitorBody = (name, path, extra = {}) => ({
  name,
  url: target.url(path),
  check_interval_seconds: 60,
  ...extra,
});

const create = (body) => vigil.createMonitor(body);

async function latestCheck(id) {
  const r = await vigil.api('GET', `/api/monitors/${id}`);
  assert.equal(r.status, 200);
  return r.body.latest_check;
}

test('health answers 200 when D1 is reachable', async () => {
  const r = await vigil.api('GET', '/health', undefined, { token: null });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'ok', d1: 'ok' });
});

test('the API needs the token', async () => {
  for (const token of [null, 'wrong-token']) {
    const r = await vigil.api('GET', '/api/monitors', undefined, { token });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
  }
});

test('cron -> queue -> consumer records UP, DOWN and TIMEOUT with status and latency', async () => {
  const up = await create(monitorBody('up', '/delay/200'));
  const down = await create(monitorBody('down', '/status/500', { retries: 0 }));
  const hang = await create(monitorBody('hang', '/hang', { timeout_seconds: 2 }));
  assert.equal(up.state.status, null, 'no check before the first tick');

  await vigil.tick();
  const checks = await vigil.waitFor(async () => {
    const all = await Promise.all([up, down, hang].map((m) => latestCheck(m.id)));
    return all.every(Boolean) && all;
  }, { what: 'three checks recorded', timeoutMs: 60_000 });
  const [u, d, h] = checks;

  assert.equal(u.status, 'UP');
  assert.equal(u.http_status, 200);
  assert.ok(u.latency_ms >= 195 && u.latency_ms < 700, `latency ${u.latency_ms} for a 200 ms site`);
  assert.equal(u.failure_type, null);

  assert.equal(d.status, 'DOWN');
  assert.equal(d.http_status, 500);
  assert.ok(Number.isInteger(d.latency_ms) && d.latency_ms < 1000, `latency ${d.latency_ms}`);
  assert.equal(d.failure_type, 'status 500 not in [200]');

  assert.equal(h.status, 'TIMEOUT');
  assert.equal(h.http_status, null);
  assert.equal(h.latency_ms, null);
  assert.equal(h.failure_type, 'timeout after 2s');

  for (const c of checks) assert.match(c.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const stats = target.stats();
  assert.equal(stats.byPath['/delay/200'], 1);
  assert.equal(stats.byPath['/status/500'], 1);

  // The monitor's own state follows its latest check.
  const m = (await vigil.api('GET', `/api/monitors/${down.id}`)).body;
  assert.equal(m.state.status, 'DOWN');
  assert.equal(m.state.consecutive_failures, 1);
});

test('bad input to create is a 400 problem naming the field, and writes nothing', async () => {
  const before = (await vigil.api('GET', '/api/monitors?limit=200')).body.items.length;
  const cases = [
    ['missing url', { name: 'x' }, 'url'],
    ['non-http scheme', { url: 'ftp://example.com/' }, 'url'],
    ['javascript scheme', { url: 'javascript:alert(1)' }, 'url'],
    ['interval below 60', { url: 'https://example.com/', check_interval_seconds: 59 }, 'check_interval_seconds'],
    ['interval not a number', { url: 'https://example.com/', check_interval_seconds: 'often' }, 'check_interval_seconds'],
    ['unknown field', { url: 'https://example.com/', colour: 'red' }, 'colour'],
    ['timeout too long', { url: 'https://example.com/', timeout_seconds: 31 }, 'timeout_seconds'],
  ];
  for (const [name, body, field] of cases) {
    const r = await vigil.api('POST', '/api/monitors', body);
    assert.equal(r.status, 400, name);
    assert.equal(r.headers.get('content-type'), 'application/problem+json', name);
    assert.equal(r.body.field, field, name);
    assert.equal(r.body.status, 400, name);
    assert.ok(r.body.title && r.body.detail, name);
  }
  const notJson = await vigil.api('POST', '/api/monitors', undefined, { headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400);
  const wrongType = await fetch(`${vigil.base}/api/monitors`, {
    method: 'POST',
    headers: { authorization: `Bearer ${vigil.token}`, 'content-type': 'text/plain' },
    body: 'url=https://example.com',
  });
  assert.equal(wrongType.status, 415);
  const after = (await vigil.api('GET', '/api/monitors?limit=200')).body.items.length;
  assert.equal(after, before, 'no monitor was written');
});

test('unknown routes and ids are 404, wrong methods 405', async () => {
  assert.equal((await vigil.api('GET', '/api/monitors/999999')).status, 404);
  assert.equal((await vigil.api('GET', '/api/monitors/abc')).status, 404);
  assert.equal((await vigil.api('GET', '/nope', undefined, { token: null })).status, 404);
  const r = await vigil.api('PUT', '/api/monitors', {});
  assert.equal(r.status, 405);
  assert.match(r.headers.get('allow'), /GET/);
  // A method the runtime does not know is not served as a GET.
  const odd = await vigil.api('QUERY', '/api/monitors');
  assert.equal(odd.status, 405);
  assert.match(odd.headers.get('allow'), /GET/);
});

test('test hooks answer 404 unless VIGIL_TEST_HOOKS is set', async () => {
  const r = await vigil.api('POST', '/__test/check-jobs', []);
  assert.equal(r.status, 404);
});
