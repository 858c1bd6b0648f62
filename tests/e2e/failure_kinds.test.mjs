// Failure kinds end to end: real probe outcomes get their `failure_kind` code in /api/checks
// beside the unchanged `failure_type` text, the incidents they open carry it too, and the public
// page shows the category the kind maps to (never the raw text). DESIGN.md §3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil, startTarget, freePort } from './harness.mjs';

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

const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 3600, retries: 0, failure_threshold: 1 });

test('each probe outcome is stored and served with its failure kind', async () => {
  // Nothing listens on this port once freePort has closed its probe socket.
  const closed = `http://127.0.0.1:${await freePort()}/`;
  const cases = [
    { name: 'up', url: target.url('/ok'), kind: null, type: null },
    { name: 'server error', url: target.url('/status/503'), kind: 'status', type: 'status 503 not in [200]', page: 'server error (5xx)' },
    { name: 'not found', url: target.url('/status/404'), kind: 'status', type: 'status 404 not in [200]', page: 'client error (4xx)' },
    { name: 'timeout', url: target.url('/delay/4000'), extra: { timeout_seconds: 1 }, kind: 'timeout', type: 'timeout after 1s', page: 'timeout' },
    { name: 'keyword missing', url: target.url('/ok'), extra: { body_contains: 'healthy' }, kind: 'body_missing', type: 'body missing "healthy"', page: 'content check failed' },
    { name: 'bot wall', url: target.url('/bot/header'), kind: 'bot_wall', type: 'bot wall: cf-mitigated: challenge' },
    { name: 'too many redirects', url: target.url('/redirect/7'), kind: 'too_many_redirects', type: 'refused: more than 5 redirects', page: 'request refused' },
    { name: 'forbidden redirect', url: target.url(`/redirect-to?url=${encodeURIComponent('file:///etc/passwd')}`), kind: 'refused_target', page: 'request refused' },
    { name: 'connection refused', url: closed, kind: 'connection', page: 'connection error' },
  ];
  const monitors = [];
  for (const c of cases) monitors.push(await create({ name: c.name, url: c.url, ...c.extra }));
  await vigil.tick();
  const checks = await vigil.waitFor(async () => {
    const all = await Promise.all(monitors.map(async (m) => (await vigil.api('GET', `/api/checks?monitor=${m.id}`)).body.items[0]));
    return all.every(Boolean) && all;
  }, { what: 'every case checked', timeoutMs: 60_000 });
  cases.forEach((c, i) => {
    assert.equal(checks[i].failure_kind, c.kind, `${c.name}: failure_kind (${checks[i].failure_type})`);
    if (c.type !== undefined) assert.equal(checks[i].failure_type, c.type, `${c.name}: failure_type unchanged`);
    else assert.ok(checks[i].failure_type, `${c.name}: has a readable reason`);
  });
  // The monitor's latest check in its own resource carries the kind too.
  const one = await vigil.api('GET', `/api/monitors/${monitors[1].id}`);
  assert.equal(one.body.latest_check.failure_kind, 'status');

  // Incidents (threshold 1; a bot wall is neutral and opens none) carry the opening check's kind.
  const incidents = await vigil.waitFor(async () => {
    const r = await vigil.api('GET', '/api/incidents?state=open&limit=100');
    const mine = new Map(r.body.items.map((i) => [i.monitor_id, i]));
    const want = cases.filter((c) => c.page).length;
    return mine.size >= want && mine;
  }, { what: 'incidents opened' });
  cases.forEach((c, i) => {
    const incident = incidents.get(monitors[i].id);
    if (!c.page) {
      assert.equal(incident, undefined, `${c.name}: no incident`);
      return;
    }
    assert.equal(incident.failure_kind, c.kind, `${c.name}: incident failure_kind`);
    assert.equal(incident.cause, checks[i].failure_type, `${c.name}: cause text is the check's failure_type`);
  });

  // The public page maps each kind to its category and shows no raw reason.
  const page = await vigil.api('GET', '/status/default.json', undefined, { token: null });
  assert.equal(page.status, 200);
  const byName = new Map(page.body.incidents.map((i) => [i.monitor, i.cause]));
  for (const c of cases.filter((x) => x.page)) assert.equal(byName.get(c.name), c.page, `${c.name}: public cause`);
  // Ask for HTML as a browser does: /status/{slug} answers JSON to a JSON-only Accept.
  const html = await vigil.api('GET', '/status/default', undefined, { token: null, headers: { accept: 'text/html' } });
  assert.match(html.headers.get('content-type'), /text\/html/);
  for (const c of cases) {
    if (c.page) assert.ok(html.body.includes(c.page), `${c.name}: page shows "${c.page}"`);
  }
  for (const leak of ['not in [200]', 'refused:', '127.0.0.1', 'etc/passwd', 'body missing']) {
    assert.ok(!html.body.includes(leak), `page leaks ${leak}`);
    assert.ok(!JSON.stringify(page.body).includes(leak), `JSON leaks ${leak}`);
  }
});
