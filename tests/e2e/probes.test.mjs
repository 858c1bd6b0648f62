// Monitor kinds end to end (DESIGN.md §3): TCP ports through Workers' connect(), DNS records
// through a DNS-over-HTTPS JSON resolver (a loopback fake set by DNS_RESOLVER_URL), response
// assertions on HTTP monitors, and Cloudflare's own edge errors. Each feeds the same checks,
// incidents and alerts as HTTP does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startVigil } from './harness.mjs';
import { startReceivers } from '../fixtures/receivers.mjs';
import { startDohFake, startSiteFake } from '../fixtures/probe_fakes.mjs';

let vigil;
let rx;
let doh; // the fake resolver
let site; // JSON and edge-error answers
const dohAnswers = new Map(); // "name type" -> JSON answer (or { httpStatus })
const dohQueries = [];
const siteAnswers = new Map(); // path -> { status, headers, body }

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

before(async () => {
  doh = await startDohFake(dohAnswers, dohQueries);
  site = await startSiteFake(siteAnswers);
  rx = await startReceivers();
  vigil = await startVigil({
    vars: { DNS_RESOLVER_URL: doh.url, RECHECK_DELAY_SECONDS: '1', ALERT_BACKOFF_BASE_SECONDS: '1' },
  });
});

after(async () => {
  await vigil?.stop();
  await rx?.close();
  await doh?.close();
  await site?.close();
});

const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 3600, retries: 0, failure_threshold: 1, timeout_seconds: 5 });

/** Runs one check of `m` now and returns it once recorded (newer than `after` checks). */
async function runCheck(m, seen = 0) {
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  return vigil.waitFor(async () => {
    const items = (await vigil.api('GET', `/api/checks?monitor=${m.id}&limit=100`)).body.items;
    return items.length > seen && items[0];
  }, { what: `check ${seen + 1} of ${m.name}`, timeoutMs: 30_000 });
}

const incidentsOf = (m) => vigil.incidentsOf(m.id);

test('the API validates each kind and names the field', async () => {
  const cases = [
    [{ monitor_type: 'heartbeat', name: 'nightly', url: 'https://example.com' }, 400, 'url'],
    [{ monitor_type: 'ftp', url: 'https://example.com' }, 400, 'monitor_type'],
    [{ monitor_type: 'tcp', url: 'tcp://mail.example.com:25' }, 400, 'url'],
    [{ monitor_type: 'tcp', url: 'https://example.com/' }, 400, 'url'],
    [{ monitor_type: 'dns', hostname: 'not a host' }, 400, 'hostname'],
    [{ monitor_type: 'dns', hostname: 'example.com', record_type: 'SRV' }, 400, 'record_type'],
    [{ monitor_type: 'dns', hostname: 'example.com', expected_values: ['1.2.3.4', 'nope'] }, 400, 'expected_values[1]'],
    [{ url: 'https://example.com', assertions: [{ source: 'status', op: '==', value: 200 }, { source: 'json', path: '$.a', op: '~', value: 1 }] }, 400, 'assertions[1].op'],
    [{ url: 'https://example.com', assertions: [{ source: 'json', op: 'exists' }] }, 400, 'assertions[0].path'],
  ];
  for (const [body, status, field] of cases) {
    const r = await vigil.api('POST', '/api/monitors', body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.match(r.headers.get('content-type'), /application\/problem\+json/);
    assert.equal(r.body.field, field, JSON.stringify(r.body));
  }
});

test('TCP: a loopback server up, then closed: DOWN with a connection kind, the incident opens and alerts arrive', async () => {
  const server = net.createServer((socket) => socket.end());
  const port = await listen(server);
  const m = await create({ name: 'tcp port', monitor_type: 'tcp', url: `tcp://127.0.0.1:${port}` });
  assert.equal(m.monitor_type, 'tcp');
  assert.equal(m.url, `tcp://127.0.0.1:${port}`);
  rx.program('/hook/tcp', [200]);
  const hook = await vigil.api('POST', '/api/notification-endpoints', { project: 1, name: 'tcp hook', kind: 'webhook', url: rx.url('/hook/tcp'), monitors: [m.id] });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));

  const up = await runCheck(m);
  assert.equal(up.status, 'UP', JSON.stringify(up));
  assert.equal(up.failure_kind, null);
  assert.ok(Number.isInteger(up.latency_ms) && up.latency_ms >= 0, JSON.stringify(up));
  assert.equal(up.http_status, null);

  await new Promise((r) => server.close(r));
  const down = await runCheck(m, 1);
  assert.equal(down.status, 'DOWN', JSON.stringify(down));
  assert.equal(down.failure_kind, 'connection', JSON.stringify(down));
  const [incident] = await vigil.waitFor(async () => {
    const list = await incidentsOf(m);
    return list.length > 0 && list;
  }, { what: 'tcp incident opened' });
  assert.equal(incident.failure_kind, 'connection');
  const [opened] = await vigil.waitFor(() => rx.requests('/hook/tcp').length >= 1 && rx.requests('/hook/tcp'), { what: 'opened webhook' });
  const body = JSON.parse(opened.body);
  assert.equal(body.type, 'incident.opened');
  assert.equal(body.data.monitor.name, 'tcp port');
  assert.equal(body.data.check.status, 'DOWN');
});

test('DNS: answering, then NXDOMAIN, then a wrong value, then SERVFAIL and a broken resolver', async () => {
  dohAnswers.set('www.example.com A', { Status: 0, Answer: [{ name: 'www.example.com', type: 5, TTL: 60, data: 'example.com.' }, { name: 'example.com', type: 1, TTL: 60, data: '93.184.216.34' }] });
  const m = await create({ name: 'dns a', monitor_type: 'dns', hostname: 'WWW.Example.com.', expected_values: ['93.184.216.34'] });
  assert.equal(m.hostname, 'www.example.com');
  assert.equal(m.record_type, 'A');
  assert.equal(m.url, undefined);
  const up = await runCheck(m);
  assert.equal(up.status, 'UP', JSON.stringify(up));
  const q = dohQueries.at(-1);
  assert.deepEqual(q, { key: 'www.example.com A', accept: 'application/dns-json', path: '/dns-query' });

  dohAnswers.set('www.example.com A', { Status: 3 });
  const nx = await runCheck(m, 1);
  assert.equal(nx.status, 'DOWN');
  assert.equal(nx.failure_kind, 'dns_nxdomain', JSON.stringify(nx));
  assert.match(nx.failure_type, /NXDOMAIN/);

  dohAnswers.set('www.example.com A', { Status: 0, Answer: [{ name: 'www.example.com', type: 1, TTL: 60, data: '10.1.2.3' }] });
  const wrong = await runCheck(m, 2);
  assert.equal(wrong.failure_kind, 'dns_mismatch', JSON.stringify(wrong));
  assert.match(wrong.failure_type, /lacks \["93\.184\.216\.34"\]/);

  dohAnswers.set('www.example.com A', { Status: 2 });
  assert.equal((await runCheck(m, 3)).failure_kind, 'dns_servfail');
  dohAnswers.set('www.example.com A', { httpStatus: 502 });
  const broken = await runCheck(m, 4);
  assert.equal(broken.failure_kind, 'dns_error', JSON.stringify(broken));
  const [incident] = await incidentsOf(m);
  assert.equal(incident.failure_kind, 'dns_nxdomain', 'the incident keeps the kind that opened it');

  // Other record types: MX by host name, TXT as quoted strings joined.
  dohAnswers.set('example.com MX', { Status: 0, Answer: [{ name: 'example.com', type: 15, TTL: 60, data: '10 mail.example.com.' }] });
  const mx = await create({ name: 'dns mx', monitor_type: 'dns', hostname: 'example.com', record_type: 'MX', expected_values: ['mail.example.com'] });
  assert.equal((await runCheck(mx)).status, 'UP');
  dohAnswers.set('example.com TXT', { Status: 0, Answer: [{ name: 'example.com', type: 16, TTL: 60, data: '"v=spf1 include:_spf.example.com" " -all"' }] });
  const txt = await create({ name: 'dns txt', monitor_type: 'dns', hostname: 'example.com', record_type: 'TXT', expected_values: ['v=spf1 include:_spf.example.com -all'] });
  assert.equal((await runCheck(txt)).status, 'UP');
});

test('assertions: a JSON fixture passing, then failing; the failure names each failed assertion', async () => {
  siteAnswers.set('/health', { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'ok', db: { connections: 3 } }) });
  const assertions = [
    { source: 'json', path: '$.status', op: '==', value: 'ok' },
    { source: 'header', name: 'content-type', op: 'contains', value: 'json' },
    { source: 'json', path: '$.db.connections', op: '<', value: 10 },
    { source: 'latency_ms', op: '<', value: 5000 },
  ];
  const m = await create({ name: 'json health', url: `http://127.0.0.1:${site.port}/health`, assertions });
  assert.deepEqual(m.assertions, assertions);
  const up = await runCheck(m);
  assert.equal(up.status, 'UP', JSON.stringify(up));

  siteAnswers.set('/health', { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'degraded', db: { connections: 30 } }) });
  const down = await runCheck(m, 1);
  assert.equal(down.status, 'DOWN');
  assert.equal(down.failure_kind, 'assertion', JSON.stringify(down));
  assert.equal(down.failure_type, 'assertions failed: [0] $.status == "ok" (got "degraded"); [2] $.db.connections < 10 (got 30)');
  assert.equal(down.http_status, 200);

  // Export and import carry the kinds and their fields.
  const exported = (await vigil.api('GET', '/api/export')).body;
  const monitors = exported.projects.find((p) => p.slug === 'default').monitors;
  const byName = new Map(monitors.map((x) => [x.name, x]));
  assert.deepEqual(byName.get('json health').assertions, assertions);
  assert.equal(byName.get('dns mx').record_type, 'MX');
  assert.equal(byName.get('tcp port').monitor_type, 'tcp');
  const again = await vigil.api('POST', '/api/import', exported);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.monitors.created, 0, JSON.stringify(again.body));
  assert.equal(again.body.unchanged.monitors, monitors.length, JSON.stringify(again.body));
});

test("Cloudflare's edge errors get their own kind; the origin's 5xx through Cloudflare stays a status", async () => {
  const edge = { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-AMS' };
  siteAnswers.set('/edge/522', { status: 522, headers: { ...edge, 'content-type': 'text/html' }, body: '<title>example.com | 522: Connection timed out</title>' });
  siteAnswers.set('/edge/1003', { status: 403, headers: { ...edge, 'content-type': 'text/plain' }, body: 'error code: 1003' });
  siteAnswers.set('/edge/origin', { status: 500, headers: edge, body: 'origin broke' });
  const cases = [
    ['/edge/522', 'cloudflare_edge', /cloudflare edge error 522/],
    ['/edge/1003', 'cloudflare_edge', /cloudflare edge error 1003: direct IP access is not allowed \(status 403\)/],
    ['/edge/origin', 'status', /status 500 not in \[200\]/],
  ];
  for (const [path, kind, text] of cases) {
    const m = await create({ name: `edge ${path}`, url: `http://127.0.0.1:${site.port}${path}` });
    const c = await runCheck(m);
    assert.equal(c.failure_kind, kind, `${path}: ${JSON.stringify(c)}`);
    assert.match(c.failure_type, text);
  }
  // The public page says which: Cloudflare's edge, not the site.
  const page = await vigil.api('GET', '/status/default.json', undefined, { token: null });
  const causes = new Map(page.body.incidents.map((i) => [i.monitor, i.cause]));
  assert.equal(causes.get('edge /edge/522'), 'Cloudflare edge error');
  assert.equal(causes.get('dns a'), 'DNS error');
  assert.equal(causes.get('json health'), 'content check failed');
});
