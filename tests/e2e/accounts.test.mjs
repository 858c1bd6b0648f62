// Accounts, tenants and the REST surface (issue 4), end to end against wrangler dev:
// a full user journey, isolation between two users, token scopes, seed 000's routes, a table
// of malformed requests that must each be a 4xx problem and change nothing, and no secret in
// any response after its creation or in the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startVigil, startTarget } from './harness.mjs';

let vigil;
let target;
const PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-22' };
const secretsSeen = new Set(); // every secret we were shown once; none may reappear

before(async () => {
  target = await startTarget();
  // A 1 s page cache, so the status-page test below sees revalidation without long waits.
  vigil = await startVigil({ logLevel: 'log', vars: { STATUS_CACHE_SECONDS: '1' } });
  for (const [username, password] of Object.entries(PASSWORDS)) {
    const r = await vigil.api('POST', '/api/users', { username, password });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.username, username);
    assert.equal(r.body.password_hash, undefined);
    assert.ok(!JSON.stringify(r.body).includes(password));
  }
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

async function login(username, extra = {}) {
  const r = await vigil.api('POST', '/api/auth/token', { username, password: PASSWORDS[username], ...extra }, { token: null });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.token, /^vgl_[A-Za-z0-9_-]{43}$/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  secretsSeen.add(r.body.token);
  return r.body.token;
}

const as = (token) => (method, path, body, opts = {}) => vigil.api(method, path, body, { token, ...opts });

function problem(r, status, field, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.headers.get('content-type'), 'application/problem+json', what);
  assert.equal(r.body.status, status, what);
  assert.ok(r.body.title && r.body.detail, what);
  if (field !== undefined) assert.equal(r.body.field, field, `${what}: ${r.body.detail}`);
}

/** Export minus what legitimately differs between accounts and runs. */
function comparable(doc) {
  return doc.projects.map((p) => ({ ...p, slug: undefined, monitors: p.monitors }));
}

test('login: right password gives a token, wrong ones a 401 that does not say which part was wrong', async () => {
  const token = await login('alice', { name: 'laptop' });
  const me = await as(token)('GET', '/api/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.username, 'alice');
  assert.deepEqual(me.body.scopes, ['read', 'write']);
  const wrong = await vigil.api('POST', '/api/auth/token', { username: 'alice', password: 'not-her-password' }, { token: null });
  const unknown = await vigil.api('POST', '/api/auth/token', { username: 'mallory', password: 'whatever-123' }, { token: null });
  problem(wrong, 401, undefined, 'wrong password');
  problem(unknown, 401, undefined, 'unknown user');
  assert.equal(wrong.body.detail, unknown.body.detail);
  // The built-in admin has no password until one is set: it cannot log in with any.
  problem(await vigil.api('POST', '/api/auth/token', { username: 'admin', password: 'anything-at-all' }, { token: null }), 401, undefined, 'admin without password');
  problem(await vigil.api('GET', '/api/me', undefined, { token: 'vgl_' + 'x'.repeat(43) }), 401, undefined, 'made-up token');
  problem(await vigil.api('GET', '/api/me', undefined, { token: null }), 401, undefined, 'no token');
});

test('a full journey: project, monitors, list, patch, delete, export, import into a second account', async () => {
  const alice = as(await login('alice'));
  const bob = as(await login('bob'));

  const p = await alice('POST', '/api/projects', { name: 'Alice Shop', public: true });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.body.slug, 'alice-shop');
  assert.equal(p.headers.get('location'), `/api/projects/${p.body.id}`);
  problem(await bob('POST', '/api/projects', { name: 'Squatter', slug: 'alice-shop' }), 409, 'slug', 'slug taken by another user');

  const created = [];
  for (const [name, path] of [['home', '/ok'], ['api', '/status/503'], ['doomed', '/ok']]) {
    const r = await alice('POST', '/api/monitors', { name, url: target.url(path), check_interval_seconds: 60, failure_threshold: 1 });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.project, p.body.id, 'her only project is the default');
    created.push(r.body);
  }
  const list = await alice('GET', `/api/monitors?project=${p.body.id}&limit=2`);
  assert.equal(list.body.items.length, 2);
  assert.ok(list.body.next_cursor);
  const rest = await alice('GET', `/api/monitors?project=${p.body.id}&limit=2&cursor=${list.body.next_cursor}`);
  assert.deepEqual([...list.body.items, ...rest.body.items].map((m) => m.name), ['home', 'api', 'doomed']);
  assert.equal(rest.body.next_cursor, null);

  const patched = await alice('PATCH', `/api/monitors/${created[1].id}`, { timeout_seconds: 10, name: 'api v2' });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.timeout_seconds, 10);
  assert.equal(patched.body.name, 'api v2');
  assert.equal(patched.body.url, created[1].url, 'PATCH is partial');
  assert.equal((await alice('DELETE', `/api/monitors/${created[2].id}`)).status, 204);
  assert.equal((await alice('GET', `/api/monitors/${created[2].id}`)).status, 404);

  const hook = await alice('POST', '/api/notification-endpoints', {
    name: 'ops hook', kind: 'webhook', url: target.url('/ok'), events: ['incident.resolved'],
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.match(hook.body.secret, /^whsec_/);
  secretsSeen.add(hook.body.secret); // shown once; later only in an export that asks for it
  const mail = await alice('POST', '/api/notification-endpoints', {
    name: 'ops mail', kind: 'email', recipients: ['ops@example.com'], is_active: false,
  });
  assert.equal(mail.status, 201, JSON.stringify(mail.body));

  const mw = await alice('POST', '/api/maintenance-windows', {
    monitor: created[0].id, title: 'Deploy', starts_at: '2030-01-01T10:00:00Z', ends_at: '2030-01-01T11:00:00Z',
  });
  assert.equal(mw.status, 201, JSON.stringify(mw.body));
  assert.equal(mw.body.project, p.body.id);
  assert.equal((await alice('GET', '/api/maintenance-windows')).body.items.length, 1);

  await vigil.tick();
  await vigil.waitFor(async () => (await alice('GET', '/api/checks')).body.items.length >= 2, { what: 'both checked' });
  const summary = await vigil.waitFor(async () => {
    const s = (await alice('GET', '/api/dashboard/summary')).body;
    return s.open_incidents === 1 && s;
  }, { what: 'the 503 opened an incident' });
  assert.equal(summary.monitors, 2);
  assert.equal(summary.up, 1);
  assert.equal(summary.down, 1);
  assert.equal(summary.open_incidents_list.length, 1);
  assert.equal(summary.uptime_24h, 50);

  const exported = await alice('GET', '/api/export');
  assert.equal(exported.status, 200);
  assert.equal(exported.body.vigil_export, 1);
  const [proj] = exported.body.projects;
  assert.equal(proj.slug, 'alice-shop');
  assert.deepEqual(proj.monitors.map((m) => m.name), ['home', 'api v2']);
  assert.equal(proj.monitors[0].project, undefined);
  assert.deepEqual(proj.notification_endpoints.map((e) => [e.name, e.kind, e.secret]), [['ops hook', 'webhook', undefined], ['ops mail', 'email', undefined]]);
  assert.ok(!JSON.stringify(exported.body).includes(hook.body.secret), 'no signing secret unless asked');
  const withSecrets = (await alice('GET', '/api/export?include_secrets=true')).body;
  assert.equal(withSecrets.projects[0].notification_endpoints[0].secret, hook.body.secret);

  // Bob imports it. The slug is Alice's, so without consent it is a 409 naming it...
  problem(await bob('POST', '/api/import', exported.body), 409, 'projects[0].slug', 'slug taken');
  assert.equal((await bob('GET', '/api/projects')).body.items.length, 0, 'nothing written');
  // ...and with rename it lands under the first free variant.
  const imported = await bob('POST', '/api/import?rename_taken_slugs=true', withSecrets);
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  assert.deepEqual(imported.body.projects, { created: 1, updated: 0 });
  assert.deepEqual(imported.body.monitors, { created: 2, updated: 0 });
  assert.deepEqual(imported.body.notification_endpoints, { created: 2, updated: 0 });
  assert.deepEqual(imported.body.renamed, [['alice-shop', 'alice-shop-2']]);
  const bobsExport = (await bob('GET', '/api/export?include_secrets=true')).body;
  assert.deepEqual(comparable(bobsExport), comparable(withSecrets), 'round trip, signing secret included');
  assert.equal(bobsExport.projects[0].slug, 'alice-shop-2');

  // Importing the same document again changes nothing but says "updated".
  const again = await bob('POST', '/api/import', bobsExport);
  assert.deepEqual(again.body.monitors, { created: 0, updated: 2 });
  assert.deepEqual(again.body.notification_endpoints, { created: 0, updated: 2 });
  assert.deepEqual(comparable((await bob('GET', '/api/export?include_secrets=true')).body), comparable(withSecrets));
  assert.equal((await bob('GET', '/api/monitors')).body.items.length, 2, 'no duplicates');
  assert.equal((await bob('GET', '/api/notification-endpoints')).body.items.length, 2, 'no duplicate endpoints');
  // An export without secrets imports too: existing secrets are kept, not cleared.
  assert.equal((await bob('POST', '/api/import', (await bob('GET', '/api/export')).body)).status, 200);
  assert.equal((await bob('GET', '/api/export?include_secrets=true')).body.projects[0].notification_endpoints[0].secret, hook.body.secret);
});

test('isolation: another user\'s ids answer 404, and lists never show them', async () => {
  const alice = as(await login('alice'));
  const bob = as(await login('bob'));
  const ap = (await alice('GET', '/api/projects')).body.items[0];
  const am = (await alice('GET', '/api/monitors')).body.items[0];
  const bobMonitorIds = new Set((await bob('GET', '/api/monitors')).body.items.map((m) => m.id));
  assert.ok(!bobMonitorIds.has(am.id));

  for (const [method, path, body] of [
    ['GET', `/api/projects/${ap.id}`],
    ['PATCH', `/api/projects/${ap.id}`, { name: 'pwned' }],
    ['DELETE', `/api/projects/${ap.id}`],
    ['GET', `/api/monitors/${am.id}`],
    ['PATCH', `/api/monitors/${am.id}`, { name: 'pwned' }],
    ['DELETE', `/api/monitors/${am.id}`],
    ['POST', `/api/monitors/${am.id}/run`],
  ]) {
    problem(await bob(method, path, body), 404, undefined, `${method} ${path}`);
  }
  problem(await bob('POST', '/api/monitors', { project: ap.id, url: target.url('/ok') }), 400, 'project', 'monitor into her project');
  problem(await bob('POST', '/api/maintenance-windows', { monitor: am.id, title: 'x', starts_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-01T01:00:00Z' }), 400, 'monitor', 'window on her monitor');
  const bobProject = (await bob('GET', '/api/projects')).body.items[0];
  const bm = (await bob('GET', '/api/monitors')).body.items[0];
  problem(await alice('PATCH', `/api/monitors/${am.id}`, { project: bobProject.id }), 400, 'project', 'moving into his project');
  assert.equal((await bob('GET', `/api/checks?monitor=${am.id}`)).body.items.length, 0);
  assert.ok((await alice('GET', `/api/checks?monitor=${am.id}`)).body.items.length >= 1);
  assert.equal((await bob('GET', '/api/incidents')).body.items.filter((i) => i.monitor_id === am.id).length, 0);
  assert.equal((await bob('GET', `/api/incidents?project=${ap.id}`)).body.items.length, 0);
  assert.ok((await bob('GET', '/api/checks')).body.items.every((c) => c.monitor_id !== am.id));
  // Her things are untouched.
  assert.equal((await alice('GET', `/api/monitors/${am.id}`)).body.name, am.name);
  assert.equal((await alice('GET', `/api/monitors/${bm.id}`)).status, 404);
});

test('scopes: a read token reads but cannot write; revoked tokens stop working; lists never show secrets', async () => {
  const alice = as(await login('alice'));
  const created = await alice('POST', '/api/tokens', { name: 'grafana', scopes: ['read'], expires_in_days: 30 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(created.body.scopes, ['read']);
  assert.ok(created.body.expires_at);
  secretsSeen.add(created.body.token);
  const reader = as(created.body.token);
  assert.equal((await reader('GET', '/api/monitors')).status, 200);
  assert.equal((await reader('GET', '/api/export')).status, 200);
  for (const [method, path, body] of [
    ['POST', '/api/monitors', { url: target.url('/ok') }],
    ['POST', '/api/projects', { name: 'nope' }],
    ['POST', '/api/tokens', { name: 'escalate', scopes: ['read', 'write'] }],
    ['POST', '/api/import', { projects: [] }],
    ['POST', '/status', { targets: [{ endpoint: target.url('/ok') }] }],
  ]) {
    problem(await reader(method, path, body), 403, undefined, `read token ${method} ${path}`);
  }
  problem(await alice('POST', '/api/users', { username: 'eve', password: 'eve-password' }), 403, undefined, 'non-admin creates a user');

  const tokens = (await alice('GET', '/api/tokens')).body.items;
  const listed = tokens.find((t) => t.id === created.body.id);
  assert.equal(listed.prefix, created.body.token.slice(0, 12));
  assert.ok(listed.last_used_at, 'last use is tracked');
  assert.equal((await alice('DELETE', `/api/tokens/${created.body.id}`)).status, 204);
  problem(await reader('GET', '/api/monitors'), 401, undefined, 'revoked');
  problem(await as(await login('bob'))('DELETE', `/api/tokens/${tokens[0].id}`), 404, undefined, 'revoking another user\'s token');
});

test('seed 000 routes: every posted target is monitored and reported', async () => {
  const bob = as(await login('bob'));
  const posted = await bob('POST', '/status', { targets: [
    { title: 'Hit the fixture', endpoint: target.url('/ok'), expected_http_code: 200 },
    { title: 'Broken thing', endpoint: target.url('/status/500'), expected_http_code: 200 },
  ] });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  assert.equal(posted.body.category, 'success');
  assert.equal(posted.body.data.length, 2);
  await vigil.tick();
  const status = await vigil.waitFor(async () => {
    const r = await bob('GET', '/status');
    const mine = r.body.data.filter((d) => ['Hit the fixture', 'Broken thing'].includes(d.title));
    return mine.length === 2 && mine.every((d) => d.timestamp) && r.body;
  }, { what: 'both targets checked' });
  assert.equal(status.category, 'success');
  const up = status.data.find((d) => d.title === 'Hit the fixture');
  const down = status.data.find((d) => d.title === 'Broken thing');
  assert.deepEqual([up.is_up, up.is_down, up.actual_response, up.expected_response], [true, false, 200, 200]);
  assert.deepEqual([down.is_up, down.is_down, down.actual_response], [false, true, 500]);
  assert.match(up.elapsed, /^\d+\.\d\d seconds$/);
  assert.match(up.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  const queue = await bob('GET', '/status/queue');
  assert.equal(queue.body.category, 'success');
  // queue_size is jobs per queue message (CHECK_JOBS_PER_MESSAGE); max_batch_size the
  // messages per consumer invocation (wrangler.toml).
  assert.equal(queue.body.data.queue_size, 100);
  assert.equal(queue.body.data.defaults.queue_size, 100);
  assert.equal(queue.body.data.max_batch_size, 3);
  assert.equal(typeof queue.body.data.worker_thread, 'number');
  // Engine settings are the admin's (tests/e2e/seeds.test.mjs sets them).
  problem(await bob('POST', '/status/queue', { worker_thread: 2, queue_size: 4 }), 403, undefined, 'queue settings are admin only');
  problem(await bob('POST', '/status', { targets: [{ title: 'x' }] }), 400, 'targets[0].endpoint', 'target without endpoint');
  problem(await bob('POST', '/status', { targets: [] }), 400, 'targets', 'no targets');
});

test('malformed requests are 4xx problems and change nothing', async () => {
  const aliceToken = await login('alice');
  const alice = as(aliceToken);
  const ap = (await alice('GET', '/api/projects')).body.items[0];
  const am = (await alice('GET', '/api/monitors')).body.items[0];
  const snapshot = async () => JSON.stringify({
    export: (await alice('GET', '/api/export')).body.projects,
    projects: (await alice('GET', '/api/projects')).body.items,
    windows: (await alice('GET', '/api/maintenance-windows')).body.items,
    users: (await vigil.api('GET', '/api/users')).body.items,
    tokens: (await alice('GET', '/api/tokens')).body.items.map((t) => t.id),
  });
  const beforeState = await snapshot();
  const big = 'x'.repeat(70 * 1024);
  const cases = [
    // [what, method, path, body, status, field, opts]
    ['monitor: wrong type', 'POST', '/api/monitors', { url: target.url('/ok'), retries: 'three' }, 400, 'retries'],
    ['monitor: missing url', 'POST', '/api/monitors', { name: 'x' }, 400, 'url'],
    ['monitor: oversized name', 'POST', '/api/monitors', { url: target.url('/ok'), name: 'n'.repeat(500) }, 400, 'name'],
    ['monitor: url too long', 'POST', '/api/monitors', { url: target.url('/ok?') + 'q'.repeat(3000) }, 400, 'url'],
    ['monitor: too many headers', 'POST', '/api/monitors', { url: target.url('/ok'), headers: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`x-h${i}`, 'v'])) }, 400, 'headers'],
    ['monitor: threshold zero', 'POST', '/api/monitors', { url: target.url('/ok'), failure_threshold: 0 }, 400, 'failure_threshold'],
    ['monitor: unknown field', 'POST', '/api/monitors', { url: target.url('/ok'), colour: 'red' }, 400, 'colour'],
    ['monitor: project as string', 'POST', '/api/monitors', { url: target.url('/ok'), project: 'one' }, 400, 'project'],
    ['monitor: patch bad value', 'PATCH', `/api/monitors/${am.id}`, { timeout_seconds: 31 }, 400, 'timeout_seconds'],
    ['monitor: patch url to ftp', 'PATCH', `/api/monitors/${am.id}`, { url: 'ftp://example.com' }, 400, 'url'],
    ['project: missing name', 'POST', '/api/projects', {}, 400, 'name'],
    ['project: bad slug', 'POST', '/api/projects', { name: 'x', slug: 'No Spaces' }, 400, 'slug'],
    ['project: reserved slug', 'POST', '/api/projects', { name: 'x', slug: 'queue' }, 400, 'slug'],
    ['project: public not bool', 'POST', '/api/projects', { name: 'x', public: 'yes' }, 400, 'public'],
    ['project: patch unknown', 'PATCH', `/api/projects/${ap.id}`, { owner: 2 }, 400, 'owner'],
    ['project: taken slug', 'PATCH', `/api/projects/${ap.id}`, { slug: 'alice-shop-2' }, 409, 'slug'],
    ['token: bad scope', 'POST', '/api/tokens', { name: 'x', scopes: ['admin'] }, 400, 'scopes'],
    ['token: empty scopes', 'POST', '/api/tokens', { name: 'x', scopes: [] }, 400, 'scopes'],
    ['token: expiry too far', 'POST', '/api/tokens', { name: 'x', expires_in_days: 99999 }, 400, 'expires_in_days'],
    ['login: missing password', 'POST', '/api/auth/token', { username: 'alice' }, 400, 'password', { token: null }],
    ['login: password not a string', 'POST', '/api/auth/token', { username: 'alice', password: 12345678 }, 400, 'password', { token: null }],
    ['window: ends before start', 'POST', '/api/maintenance-windows', { project: ap.id, title: 'x', starts_at: '2030-01-01T10:00:00Z', ends_at: '2030-01-01T09:00:00Z' }, 400, 'ends_at'],
    ['window: bad time', 'POST', '/api/maintenance-windows', { project: ap.id, title: 'x', starts_at: 'tomorrow', ends_at: '2030-01-01T09:00:00Z' }, 400, 'starts_at'],
    ['import: not a document', 'POST', '/api/import', { projects: 'all' }, 400, 'projects'],
    ['import: bad monitor deep inside', 'POST', '/api/import', { projects: [{ name: 'Z', monitors: [{ url: 'ftp://x' }] }] }, 400, 'projects[0].monitors[0].url'],
    ['list: huge page size', 'GET', '/api/monitors?limit=100000', undefined, 400, 'limit'],
    ['list: zero page size', 'GET', '/api/checks?limit=0', undefined, 400, 'limit'],
    ['list: bad cursor', 'GET', '/api/checks?cursor=banana', undefined, 400, 'cursor'],
    ['list: cursor not an id', 'GET', '/api/monitors?cursor=-5', undefined, 400, 'cursor'],
    ['list: unknown query parameter', 'GET', '/api/incidents?colour=red', undefined, 400, 'colour'],
    ['list: bad status filter', 'GET', '/api/checks?status=SIDEWAYS', undefined, 400, 'status'],
    ['list: bad time filter', 'GET', '/api/checks?since=yesterday', undefined, 400, 'since'],
    ['list: bad state filter', 'GET', '/api/incidents?state=maybe', undefined, 400, 'state'],
    ['admin: user short password', 'POST', '/api/users', { username: 'carol', password: 'short' }, 400, 'password', { token: vigil.token }],
    ['admin: user bad name', 'POST', '/api/users', { username: 'car ol', password: 'long-enough-1' }, 400, 'username', { token: vigil.token }],
    ['admin: user taken', 'POST', '/api/users', { username: 'ALICE', password: 'long-enough-1' }, 409, 'username', { token: vigil.token }],
  ];
  for (const [what, method, path, body, status, field, opts] of cases) {
    problem(await alice(method, path, body, opts), status, field, what);
  }
  // Bodies that are not JSON objects, of the wrong type, or too big.
  const rawAs = (path, body, type, method) => fetch(vigil.base + path, {
    method: method ?? 'POST', body, headers: { authorization: `Bearer ${aliceToken}`, 'content-type': type },
  }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));
  problem(await rawAs('/api/monitors', '{"url": ', 'application/json'), 400, undefined, 'truncated JSON');
  problem(await rawAs('/api/projects', '[1,2]', 'application/json'), 400, undefined, 'array body');
  problem(await rawAs('/api/projects', 'name=x', 'application/x-www-form-urlencoded'), 415, undefined, 'form body');
  problem(await rawAs('/api/import', JSON.stringify({ projects: [{ name: big }] }), 'application/json'), 413, undefined, 'body over 64 KiB');
  problem(await rawAs(`/api/monitors/999999`, '{}', 'application/json', 'PATCH'), 404, undefined, 'patch unknown id');
  assert.equal(await snapshot(), beforeState, 'the database is unchanged');
});

test('API changes reach the cached public status page: a new window, a renamed or hidden project', async () => {
  const alice = as(await login('alice'));
  const p = (await alice('POST', '/api/projects', { name: 'Page Test', slug: 'page-test' })).body;
  await alice('POST', '/api/monitors', { project: p.id, name: 'site', url: target.url('/ok') });
  const view = async () => {
    await new Promise((r) => setTimeout(r, 1200)); // past the 1 s freshness window
    const r = await fetch(`${vigil.base}/status/page-test`);
    return { status: r.status, cache: r.headers.get('x-vigil-cache'), html: await r.text() };
  };
  assert.equal((await view()).status, 200);
  assert.equal((await view()).cache, 'REVALIDATED', 'nothing changed: the cached copy is reused');
  const now = Date.now();
  const w = await alice('POST', '/api/maintenance-windows', {
    project: p.id, title: 'Database upgrade', starts_at: new Date(now - 60_000).toISOString(), ends_at: new Date(now + 3_600_000).toISOString(),
  });
  assert.equal(w.status, 201);
  const withWindow = await view();
  assert.equal(withWindow.cache, 'MISS');
  assert.match(withWindow.html, /Database upgrade/);
  assert.equal((await alice('PATCH', `/api/projects/${p.id}`, { name: 'Renamed Shop' })).status, 200);
  assert.match((await view()).html, /Renamed Shop/);
  assert.equal((await alice('DELETE', `/api/maintenance-windows/${w.body.id}`)).status, 204);
  assert.doesNotMatch((await view()).html, /Database upgrade/);
  assert.equal((await alice('PATCH', `/api/projects/${p.id}`, { public: false })).status, 200);
  assert.equal((await view()).status, 404, 'a private project has no public page');
});

test('passwords change only with the current one; the admin can set its first one with ADMIN_TOKEN', async () => {
  const alice = as(await login('alice'));
  problem(await alice('PATCH', '/api/me', { password: 'new-alice-password' }), 400, 'current_password', 'no current password');
  problem(await alice('PATCH', '/api/me', { password: 'new-alice-password', current_password: 'wrong-one-here' }), 400, 'current_password', 'wrong current password');
  problem(await alice('PATCH', '/api/me', { password: 'short', current_password: PASSWORDS.alice }), 400, 'password', 'too short');
  const changed = await alice('PATCH', '/api/me', { password: 'new-alice-password', current_password: PASSWORDS.alice });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  const old = PASSWORDS.alice;
  PASSWORDS.alice = 'new-alice-password';
  problem(await vigil.api('POST', '/api/auth/token', { username: 'alice', password: old }, { token: null }), 401, undefined, 'old password');
  await login('alice');
  PASSWORDS.alice_old = old; // still checked by the secrets test below
  assert.equal((await vigil.api('PATCH', '/api/me', { password: 'admin-password-1' })).status, 200, 'admin via ADMIN_TOKEN');
  PASSWORDS.admin = 'admin-password-1';
  const adminLogin = await login('admin');
  assert.equal((await as(adminLogin)('GET', '/api/users')).status, 200, 'a logged-in admin manages users');
});

test('password guessing is throttled per username, existing or not', async () => {
  assert.equal((await vigil.api('POST', '/api/users', { username: 'dave', password: 'dave-password-1' })).status, 201);
  for (const username of ['dave', 'no-such-user']) {
    for (let i = 0; i < 10; i++) {
      const r = await vigil.api('POST', '/api/auth/token', { username, password: `guess-${i}-guess` }, { token: null });
      assert.equal(r.status, 401, `${username} guess ${i}`);
    }
    const locked = await vigil.api('POST', '/api/auth/token', { username, password: 'dave-password-1' }, { token: null });
    problem(locked, 429, undefined, `${username} after 10 failures`);
    const after = Number(locked.headers.get('retry-after'));
    assert.ok(after > 800 && after <= 900, `retry-after ${after}`);
  }
  // Another username is unaffected, and a success clears the count.
  await login('bob');
});

test('no secret appears in any later response or in the logs', async () => {
  const alice = as(await login('alice'));
  const everything = [];
  for (const path of ['/api/me', '/api/tokens', '/api/projects', '/api/monitors', '/api/export', '/api/dashboard/summary', '/api/maintenance-windows', '/api/notification-endpoints']) {
    const r = await alice('GET', path);
    assert.equal(r.status, 200, path);
    everything.push(JSON.stringify(r.body));
  }
  everything.push(JSON.stringify((await vigil.api('GET', '/api/users')).body));
  everything.push(await (await fetch(`${vigil.base}/`)).text());
  const text = everything.join('\n');
  for (const secret of [...secretsSeen, vigil.token, ...Object.values(PASSWORDS)]) {
    assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 6)}...) reappeared in a response`);
    assert.ok(!vigil.logs().includes(secret), `a secret (${secret.slice(0, 6)}...) is in the logs`);
  }
  assert.ok(!/pbkdf2-sha256\$/.test(text), 'no password hash in responses');
  assert.ok(!/"token_hash"|"password_hash"/.test(text));
});
