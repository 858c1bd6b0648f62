// Strict input and tenant-scoped test hooks (issue 11), end to end against wrangler dev:
// - bodies that are not what they claim (bad UTF-8, a media type that only starts like JSON, a
//   charset other than UTF-8) are 4xx problems and write nothing; real JSON media types with
//   parameters and any case are accepted;
// - a monitor URL is stored, shown and exported as it is fetched (normalised), whichever way it
//   came in: create, PATCH, import, and for webhook endpoints alike;
// - the test hooks answer 404 for another tenant's monitor, incident or endpoint, queue nothing,
//   and leave that tenant's checks and events as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startVigil, startTarget } from './harness.mjs';

let vigil;
let target;
const tokens = {};

before(async () => {
  target = await startTarget();
  vigil = await startVigil({ vars: { VIGIL_TEST_HOOKS: 'true' } });
  for (const username of ['carol', 'dave']) {
    const password = `${username}-password-1`;
    assert.equal((await vigil.api('POST', '/api/users', { username, password })).status, 201);
    const r = await vigil.api('POST', '/api/auth/token', { username, password }, { token: null });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    tokens[username] = r.body.token;
    const p = await as(username)('POST', '/api/projects', { name: `${username} site` });
    assert.equal(p.status, 201, JSON.stringify(p.body));
  }
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

const as = (username) => (method, path, body, opts = {}) => vigil.api(method, path, body, { token: tokens[username], ...opts });

/** A request with a body given as bytes or text and a content type given verbatim. */
async function raw(username, method, path, body, contentType) {
  const headers = { authorization: `Bearer ${tokens[username]}` };
  if (contentType !== undefined) headers['content-type'] = contentType;
  const r = await fetch(vigil.base + path, { method, body, headers, signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, body: parsed };
}

function problem(r, status, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.headers.get('content-type'), 'application/problem+json', what);
  assert.equal(r.body.status, status, what);
  assert.ok(r.body.title && r.body.detail, what);
}

/** Everything carol could have written through the requests below. */
async function snapshot(username) {
  const api = as(username);
  return JSON.stringify({
    export: (await api('GET', '/api/export?include_secrets=true')).body.projects,
    projects: (await api('GET', '/api/projects')).body.items,
    endpoints: (await api('GET', '/api/notification-endpoints')).body.items,
    tokens: (await api('GET', '/api/tokens')).body.items.map((t) => [t.id, t.name, t.scopes]), // not last_used_at
    me: (await api('GET', '/api/me')).body,
  });
}

test('bodies that are not UTF-8 JSON are refused with 400/415 and write nothing', async () => {
  const carol = as('carol');
  const project = (await carol('GET', '/api/projects')).body.items[0];
  const before = await snapshot('carol');
  const monitor = (url) => Buffer.from(JSON.stringify({ project: project.id, name: 'NAME', url }));
  // {"name":"caf\xff"}: the byte 0xff never occurs in UTF-8. The runtime's text() would turn it
  // into U+FFFD and the project would be created with a name the client never sent.
  const badByte = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xff]), Buffer.from('"}')]);
  const overlong = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]);
  const surrogate = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
  const truncated = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]);
  const goodName = Buffer.from('{"name":"ok"}');
  const cases = [
    // [what, method, path, body, content type, status]
    ['invalid byte', 'POST', '/api/projects', badByte, 'application/json', 400],
    ['overlong encoding', 'POST', '/api/projects', overlong, 'application/json', 400],
    ['encoded surrogate', 'POST', '/api/projects', surrogate, 'application/json', 400],
    ['truncated sequence', 'POST', '/api/projects', truncated, 'application/json', 400],
    ['invalid byte in a PATCH', 'PATCH', `/api/projects/${project.id}`, badByte, 'application/json', 400],
    ['invalid byte in a monitor', 'POST', '/api/monitors', Buffer.concat([monitor(target.url('/ok')).subarray(0, 20), Buffer.from([0xfe]), monitor(target.url('/ok')).subarray(20)]), 'application/json', 400],
    ['invalid byte in an import', 'POST', '/api/import', Buffer.concat([Buffer.from('{"projects":[{"name":"x'), Buffer.from([0xff]), Buffer.from('"}]}')]), 'application/json', 400],
    ['invalid byte in PATCH /api/me', 'PATCH', '/api/me', Buffer.concat([Buffer.from('{"password":"long-enough-'), Buffer.from([0xff]), Buffer.from('"}')]), 'application/json', 400],
    ['media type with a suffix', 'POST', '/api/projects', goodName, 'application/jsonfoo', 415],
    ['json-seq', 'POST', '/api/projects', goodName, 'application/json-seq', 415],
    ['a second subtype', 'POST', '/api/projects', goodName, 'application/json/x', 415],
    ['a list of types', 'POST', '/api/projects', goodName, 'application/json, text/plain', 415],
    ['text/json', 'POST', '/api/projects', goodName, 'text/json', 415],
    ['latin-1 charset', 'POST', '/api/projects', goodName, 'application/json; charset=iso-8859-1', 415],
    ['malformed parameter', 'POST', '/api/projects', goodName, 'application/json; charset', 415],
    ['no content type', 'POST', '/api/projects', goodName, undefined, 415],
    ['spaces around the slash', 'POST', '/api/projects', goodName, 'application / json', 415],
  ];
  for (const [what, method, path, body, type, status] of cases) {
    const r = await raw('carol', method, path, body, type);
    problem(r, status, what);
    if (status === 400) assert.match(r.body.detail, /not valid UTF-8/, what);
    if (status === 415) assert.match(r.body.detail, /application\/json/, what);
  }
  assert.equal(await snapshot('carol'), before, 'nothing was written');
  // Valid UTF-8 beyond ASCII is kept byte for byte.
  const accented = await raw('carol', 'POST', '/api/projects', Buffer.from('{"name":"Caf\u00e9 \u2603 \u{1F600}","slug":"cafe-utf8"}'), 'application/json');
  assert.equal(accented.status, 201, JSON.stringify(accented.body));
  assert.equal(accented.body.name, 'Caf\u00e9 \u2603 \u{1F600}');
  assert.equal((await carol('DELETE', `/api/projects/${accented.body.id}`)).status, 204);
});

test('JSON media types are parsed: any case, parameters, charset=utf-8', async () => {
  const carol = as('carol');
  const types = [
    'application/json',
    'Application/JSON',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json ; charset="utf-8"',
    'APPLICATION/JSON; foo=bar; charset=utf-8',
  ];
  for (const [i, type] of types.entries()) {
    const r = await raw('carol', 'POST', '/api/projects', Buffer.from(JSON.stringify({ name: `typed ${i}`, slug: `typed-${i}` })), type);
    assert.equal(r.status, 201, `${type}: ${JSON.stringify(r.body)}`);
    assert.equal((await carol('DELETE', `/api/projects/${r.body.id}`)).status, 204);
  }
});

test('a monitor URL is stored, shown and exported as it is fetched: create, PATCH, import, endpoints', async () => {
  const carol = as('carol');
  const project = (await carol('GET', '/api/projects')).body.items[0];
  // WHATWG URL parsing (what fetch applies) reads `\` as `/` in http(s) URLs: this URL goes to
  // example.com, path `/@127.0.0.1/`. Stored as typed, it would look like a request to 127.0.0.1.
  const typed = 'http://example.com\\@127.0.0.1/';
  const fetched = 'http://example.com/@127.0.0.1/';
  const created = await carol('POST', '/api/monitors', { project: project.id, name: 'backslash', url: typed, is_active: false });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.url, fetched, 'create answers the normalised URL');
  assert.equal((await carol('GET', `/api/monitors/${created.body.id}`)).body.url, fetched, 'GET shows it');

  const other = await carol('POST', '/api/monitors', { project: project.id, name: 'patched', url: 'https://example.org/', is_active: false });
  const patched = await carol('PATCH', `/api/monitors/${other.body.id}`, { url: 'HTTPS://Example.ORG:443/a/../b c' });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.url, 'https://example.org/b%20c', 'PATCH stores the normalised URL');

  const hook = await carol('POST', '/api/notification-endpoints', { project: project.id, name: 'hook', kind: 'webhook', url: typed });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.equal(hook.body.url, fetched, 'endpoints normalise the same way');

  const imported = await carol('POST', '/api/import', {
    projects: [{ name: 'Imported', slug: 'carol-imported', monitors: [{ name: 'imp', url: 'http://EXAMPLE.net\\@10.0.0.1/x', is_active: false }],
      notification_endpoints: [{ name: 'imp-hook', kind: 'webhook', url: 'http://EXAMPLE.net\\@10.0.0.1/y' }] }],
  });
  assert.equal(imported.status, 200, JSON.stringify(imported.body));
  const doc = (await carol('GET', '/api/export')).body;
  const urls = Object.fromEntries(doc.projects.flatMap((p) => [...p.monitors, ...(p.notification_endpoints ?? [])].map((x) => [x.name, x.url])));
  assert.equal(urls.backslash, fetched);
  assert.equal(urls.patched, 'https://example.org/b%20c');
  assert.equal(urls.hook, fetched);
  assert.equal(urls.imp, 'http://example.net/@10.0.0.1/x', 'import stores the normalised URL');
  assert.equal(urls['imp-hook'], 'http://example.net/@10.0.0.1/y');
  // The export re-imports to the same document: normalising is idempotent.
  assert.equal((await carol('POST', '/api/import', doc)).status, 200);
  assert.deepEqual((await carol('GET', '/api/export')).body.projects, doc.projects);
});

test('test hooks are tenant-scoped: 404 for another tenant\'s ids, nothing queued, nothing changed', async () => {
  const [carol, dave] = [as('carol'), as('dave')];
  const cp = (await carol('GET', '/api/projects')).body.items.find((p) => p.name === 'carol site');
  const dp = (await dave('GET', '/api/projects')).body.items[0];
  const mine = await carol('POST', '/api/monitors', { project: cp.id, name: 'carol down', url: target.url('/status/500'), failure_threshold: 1, retries: 0, is_active: false });
  const theirs = await dave('POST', '/api/monitors', { project: dp.id, name: 'dave ok', url: target.url('/ok'), is_active: false });
  assert.equal(mine.status, 201);
  assert.equal(theirs.status, 201);
  const checksOf = async (api, id) => (await api('GET', `/api/checks?monitor=${id}`)).body.items;
  const incidentsOf = async (api, id) => (await api('GET', `/api/incidents?monitor=${id}`)).body.items;

  // Carol's own hook call records a check and opens an incident on her monitor.
  assert.equal((await carol('POST', '/__test/check-jobs', [{ monitor_id: mine.body.id, slot: 2_000_000, kind: 'manual' }])).status, 202);
  const [incident] = await vigil.waitFor(async () => {
    const list = await incidentsOf(carol, mine.body.id);
    return list.length === 1 && list[0].events.length === 1 && list[0].events[0].received_count >= 1 && list[0].events[0].enqueued_at && list;
  }, { what: 'carol\'s incident, its event handed on' });
  const carolBefore = JSON.stringify({ checks: await checksOf(carol, mine.body.id), incidents: await incidentsOf(carol, mine.body.id) });
  const hookOnMine = (await carol('GET', '/api/notification-endpoints')).body.items.length;

  // Dave names Carol's monitor, alone or next to his own: 404, and not even his own job runs.
  for (const jobs of [[{ monitor_id: mine.body.id, slot: 2_000_060, kind: 'manual' }],
    [{ monitor_id: theirs.body.id, slot: 2_000_060, kind: 'manual' }, { monitor_id: mine.body.id, slot: 2_000_060, kind: 'manual' }]]) {
    const r = await dave('POST', '/__test/check-jobs', jobs);
    problem(r, 404, 'check job for another tenant\'s monitor');
    assert.match(r.body.detail, new RegExp(`monitor ${mine.body.id}\\b`));
  }
  // Carol's incident event, replayed by Dave: 404 (by incident, and by monitor).
  const event = { incident_id: incident.id, event: 'incident.opened', monitor_id: mine.body.id, check_slot: 2_000_000 };
  problem(await dave('POST', '/__test/alert-events', [event]), 404, 'another tenant\'s incident event');
  problem(await dave('POST', '/__test/alert-events', [{ ...event, monitor_id: theirs.body.id }]), 404, 'another tenant\'s incident, own monitor');
  // A delivery message for an endpoint of Carol's.
  const hook = await carol('POST', '/api/notification-endpoints', { project: cp.id, name: 'scoped hook', kind: 'webhook', url: 'https://hooks.example.com/x', is_active: false });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  problem(await dave('POST', '/__test/alert-events', [{ message_id: 'msg-x', endpoint_id: hook.body.id, recipient: '' }]), 404, 'another tenant\'s endpoint');

  // Dave's own job is accepted and recorded; by then a queued job of Carol's would have been too.
  assert.equal((await dave('POST', '/__test/check-jobs', [{ monitor_id: theirs.body.id, slot: 2_000_120, kind: 'manual' }])).status, 202);
  await vigil.waitFor(async () => (await checksOf(dave, theirs.body.id)).length === 1, { what: 'dave\'s own check' });
  assert.deepEqual((await checksOf(dave, theirs.body.id)).map((c) => c.id), [`${theirs.body.id}-2000120`], 'only the job of the accepted call ran');
  // Carol's own replay of her event is accepted (the hook still works for its owner)...
  assert.equal((await carol('POST', '/__test/alert-events', [event])).status, 202);
  await vigil.waitFor(async () => (await incidentsOf(carol, mine.body.id))[0].events[0].received_count === incident.events[0].received_count + 1, { what: 'carol\'s replay consumed' });
  // ...and apart from that one replay, Carol's checks and incident are exactly as before.
  const after = await incidentsOf(carol, mine.body.id);
  after[0].events[0].received_count -= 1;
  assert.equal(JSON.stringify({ checks: await checksOf(carol, mine.body.id), incidents: after }), carolBefore, 'carol\'s data unchanged by dave');
  assert.equal((await carol('GET', '/api/notification-endpoints')).body.items.length, hookOnMine + 1);
  assert.equal((await dave('GET', `/api/checks?monitor=${mine.body.id}`)).body.items.length, 0, 'dave sees none of carol\'s checks');
});
