// Alerts for every monitor kind (issue 14: "Alerts arrive for each kind exactly as for HTTP"),
// end to end: a DNS monitor (NXDOMAIN, a wrong value), an HTTP monitor whose JSON assertion
// fails, one answered by Cloudflare's own edge error page, a TCP port and a heartbeat each open
// exactly one incident, reach a signed webhook (with the failure kind and the monitor's
// `monitor_type`, `hostname`, `record_type`) and an email through the email-API fake (naming
// what the monitor watches, never an empty URL, never a heartbeat's ping token), then recover
// and send the resolved alerts, once each.
//
// Fakes (loopback): a DNS-over-HTTPS JSON resolver (DNS_RESOLVER_URL), a site answering JSON or
// Cloudflare edge pages, a TCP listener, and tests/fixtures/receivers.mjs for the webhooks and
// Mailtrap's send API (EMAIL_BASE_URL). Each test routes its own endpoints to its own monitor
// (`monitors: [id]`), so the tests share one wrangler dev without seeing each other's alerts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil } from './harness.mjs';
import { startReceivers, verifyWebhook } from '../fixtures/receivers.mjs';
import { startDohFake, startSiteFake } from '../fixtures/probe_fakes.mjs';

let vigil;
let rx;
let doh;
let site;
const dohAnswers = new Map(); // "name type" -> DoH JSON answer
const siteAnswers = new Map(); // path -> { status, headers, body }

const MAIL_PATH = '/mail/api/send'; // Mailtrap's send API under EMAIL_BASE_URL

function listen(server, port = 0) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

const close = (server) => new Promise((r) => (server?.listening ? server.close(() => r()) : r()));

before(async () => {
  doh = await startDohFake(dohAnswers);
  site = await startSiteFake(siteAnswers);
  rx = await startReceivers();
  rx.program(MAIL_PATH, [200]);
  vigil = await startVigil({
    vars: {
      DNS_RESOLVER_URL: doh.url,
      RECHECK_DELAY_SECONDS: '1',
      ALERT_BACKOFF_BASE_SECONDS: '1',
      PUBLIC_BASE_URL: 'https://status.example.com',
      EMAIL_PROVIDER: 'mailtrap',
      EMAIL_FROM: 'Vigil Alerts <alerts@example.com>',
      EMAIL_API_KEY: 'kind-mail-key',
      EMAIL_BASE_URL: rx.url('/mail'),
    },
  });
});

after(async () => {
  await vigil?.stop();
  await rx?.close();
  await doh?.close();
  await site?.close();
});

const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 3600, retries: 0, failure_threshold: 1, recovery_threshold: 1, timeout_seconds: 5 });

async function endpoint(body) {
  const r = await vigil.api('POST', '/api/notification-endpoints', { project: 1, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function run(m) {
  const r = await vigil.api('POST', `/api/monitors/${m.id}/run`);
  assert.equal(r.status, 202, JSON.stringify(r.body));
}

/** The monitor's incidents once `cond(list)` holds. */
const incidentsWhen = (m, cond, what) => vigil.waitFor(async () => {
  const list = await vigil.incidentsOf(m.id);
  return cond(list) && list;
}, { what: `${m.name}: ${what}` });

/**
 * One kind's whole story. `down()` and `up()` make the monitor fail and recover (running a
 * check where one is probed); `want` is what every alert about it must say:
 *   kind     the failure kind of the check and incident
 *   monitor  fields the webhook's `monitor` object must have (beyond id and name)
 *   row      [label, value] of the email row naming what it watches
 *   reason   a pattern the opened email's text must match (the kind's own failure text)
 *   never    strings no alert may contain
 */
async function alertsArriveFor(m, { down, up, want }) {
  const slug = `kind-${m.id}`;
  const hookPath = `/hook/${slug}`;
  const to = `${slug}@example.com`;
  rx.program(hookPath, [200]);
  const hook = await endpoint({ name: `${slug} hook`, kind: 'webhook', url: rx.url(hookPath), monitors: [m.id] });
  await endpoint({ name: `${slug} mail`, kind: 'email', recipients: [to], monitors: [m.id] });
  const hooks = () => rx.requests(hookPath);
  const mails = () => rx.requests(MAIL_PATH).filter((r) => JSON.parse(r.body).to[0].email === to);

  await down();
  const [incident] = await incidentsWhen(m, (l) => l.length === 1, 'incident opened');
  assert.equal(incident.failure_kind, want.kind, JSON.stringify(incident));
  await vigil.waitFor(() => hooks().length >= 1 && mails().length >= 1, { what: `${m.name}: opened webhook and email` });

  await up();
  await incidentsWhen(m, (l) => l.length > 0 && !l[0].open, 'incident resolved');
  await vigil.waitFor(() => hooks().length >= 2 && mails().length >= 2, { what: `${m.name}: resolved webhook and email` });
  await sleep(1500); // a duplicate would arrive within this

  // Exactly one incident, one webhook and one email per event.
  const incidents = await vigil.incidentsOf(m.id);
  assert.equal(incidents.length, 1, `one incident: ${JSON.stringify(incidents)}`);
  assert.equal(incidents[0].id, incident.id);
  const types = (list) => list.map((r) => JSON.parse(r.body).type ?? JSON.parse(r.body).category);
  assert.deepEqual(types(hooks()), ['incident.opened', 'incident.resolved']);
  assert.deepEqual(types(mails()), ['vigil-incident-opened', 'vigil-incident-resolved']);

  // Webhooks: signed as for HTTP, the kind on the check and the incident, the monitor's fields.
  const [opened, resolved] = hooks().map((r) => {
    assert.deepEqual(verifyWebhook(r, hook.secret), { standard: true, seed003: true, fresh: true });
    return JSON.parse(r.body);
  });
  for (const body of [opened, resolved]) {
    assert.deepEqual(Object.keys(body.data.monitor), ['id', 'name', 'url', 'monitor_type', 'hostname', 'record_type'], 'old fields first, the new ones added');
    assert.deepEqual(body.data.monitor, { id: m.id, name: m.name, ...want.monitor });
    assert.equal(body.data.incident.id, incident.id);
    assert.equal(body.data.incident.failure_kind, want.kind, `${body.type}: the incident says what opened it`);
  }
  assert.equal(opened.data.check.status, 'DOWN');
  assert.equal(opened.data.check.failure_kind, want.kind);
  assert.equal(opened.data.incident.resolved_at, null);
  assert.equal(resolved.data.check.status, 'UP');
  assert.equal(resolved.data.check.failure_kind, null);
  assert.ok(resolved.data.incident.resolved_at);

  // Emails: the row under the name says what is watched; no row is empty.
  const [downMail, upMail] = mails().map((r) => JSON.parse(r.body));
  assert.match(downMail.subject, new RegExp(`^\\[vigil\\] DOWN: ${m.name} `));
  assert.match(upMail.subject, new RegExp(`^\\[vigil\\] RECOVERED: ${m.name}`));
  assert.match(downMail.text, want.reason);
  const [label, value] = want.row;
  for (const mail of [downMail, upMail]) {
    const rows = mail.text.split('\n').map((l) => l.match(/^([A-Za-z ]+):\s*(.*)$/)).filter(Boolean);
    assert.ok(rows.some(([, l, v]) => l === label && v === value), `${mail.category}: "${label}: ${value}" in\n${mail.text}`);
    assert.deepEqual(rows.filter(([, , v]) => v.trim() === '').map(([l]) => l), [], `${mail.category}: no empty row in\n${mail.text}`);
    assert.ok(mail.html.includes(`>${label}</th>`), mail.html);
    assert.match(mail.text, /https:\/\/status\.example\.com\/status\/default/);
  }
  const all = [...hooks(), ...rx.requests(MAIL_PATH).filter((r) => JSON.parse(r.body).to[0].email === to)].map((r) => r.body).join('\n');
  for (const secret of want.never ?? []) assert.ok(!all.includes(secret), `no alert contains ${secret}`);
  return { opened, resolved, downMail, upMail };
}

// The tests only wait (on queues, receivers and the fakes) and touch only their own monitor,
// endpoints, fake answers and mailbox, so they run at once.
describe('alerts for every kind', { concurrency: true }, () => {
  it('DNS, NXDOMAIN: one incident, signed webhooks with hostname and record type, emails naming the record', async () => {
    const good = { Status: 0, Answer: [{ name: 'www.example.com', type: 1, TTL: 60, data: '93.184.216.34' }] };
    dohAnswers.set('www.example.com A', good);
    const m = await create({ name: 'dns www', monitor_type: 'dns', hostname: 'www.example.com', expected_values: ['93.184.216.34'] });
    await alertsArriveFor(m, {
      down: async () => { dohAnswers.set('www.example.com A', { Status: 3 }); await run(m); },
      up: async () => { dohAnswers.set('www.example.com A', good); await run(m); },
      want: {
        kind: 'dns_nxdomain',
        monitor: { url: '', monitor_type: 'dns', hostname: 'www.example.com', record_type: 'A' },
        row: ['DNS record', 'www.example.com (A)'],
        reason: /NXDOMAIN/,
      },
    });
  });

  it('DNS, a wrong MX value: dns_mismatch alerts name the MX record', async () => {
    const answer = (host) => ({ Status: 0, Answer: [{ name: 'example.org', type: 15, TTL: 60, data: `10 ${host}.` }] });
    dohAnswers.set('example.org MX', answer('mail.example.org'));
    const m = await create({ name: 'dns mx', monitor_type: 'dns', hostname: 'example.org', record_type: 'MX', expected_values: ['mail.example.org'] });
    await alertsArriveFor(m, {
      down: async () => { dohAnswers.set('example.org MX', answer('spam.example.net')); await run(m); },
      up: async () => { dohAnswers.set('example.org MX', answer('mail.example.org')); await run(m); },
      want: {
        kind: 'dns_mismatch',
        monitor: { url: '', monitor_type: 'dns', hostname: 'example.org', record_type: 'MX' },
        row: ['DNS record', 'example.org (MX)'],
        reason: /lacks \["mail\.example\.org"\]/,
      },
    });
  });

  it('HTTP, a failing JSON assertion: assertion alerts with the URL', async () => {
    const json = (status) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status }) });
    siteAnswers.set('/kind/health', json('ok'));
    const url = `http://127.0.0.1:${site.port}/kind/health`;
    const m = await create({ name: 'json api', url, assertions: [{ source: 'json', path: '$.status', op: '==', value: 'ok' }] });
    await alertsArriveFor(m, {
      down: async () => { siteAnswers.set('/kind/health', json('degraded')); await run(m); },
      up: async () => { siteAnswers.set('/kind/health', json('ok')); await run(m); },
      want: {
        kind: 'assertion',
        monitor: { url, monitor_type: 'http', hostname: null, record_type: null },
        row: ['URL', url],
        reason: /assertion failed: \[0\] \$\.status == "ok" \(got "degraded"\)/,
      },
    });
  });

  it("HTTP, Cloudflare's edge error page: cloudflare_edge alerts with the URL", async () => {
    const edge = { status: 522, headers: { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-AMS', 'content-type': 'text/html' }, body: '<title>example.com | 522: Connection timed out</title>' };
    const fine = { status: 200, headers: { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6979-AMS', 'content-type': 'text/plain' }, body: 'ok' };
    siteAnswers.set('/kind/edge', fine);
    const url = `http://127.0.0.1:${site.port}/kind/edge`;
    const m = await create({ name: 'behind cloudflare', url });
    const { opened } = await alertsArriveFor(m, {
      down: async () => { siteAnswers.set('/kind/edge', edge); await run(m); },
      up: async () => { siteAnswers.set('/kind/edge', fine); await run(m); },
      want: {
        kind: 'cloudflare_edge',
        monitor: { url, monitor_type: 'http', hostname: null, record_type: null },
        row: ['URL', url],
        reason: /cloudflare edge error 522/,
      },
    });
    assert.equal(opened.data.check.http_status, 522);
  });

  it('TCP, the port closes: connection alerts with tcp://host:port', async () => {
    let server = net.createServer((s) => s.end());
    const port = await listen(server);
    const url = `tcp://127.0.0.1:${port}`;
    const m = await create({ name: 'tcp port', monitor_type: 'tcp', url });
    try {
      await alertsArriveFor(m, {
        down: async () => { await close(server); await run(m); },
        up: async () => { server = net.createServer((s) => s.end()); await listen(server, port); await run(m); },
        want: {
          kind: 'connection',
          monitor: { url, monitor_type: 'tcp', hostname: null, record_type: null },
          row: ['URL', url],
          reason: /Reason: +\S/,
        },
      });
    } finally {
      await close(server);
    }
  });

  it('heartbeat, the job pings /fail: job_failed alerts say it is a heartbeat and never carry the ping token', async () => {
    const m = await vigil.createMonitor({ name: 'nightly job', monitor_type: 'heartbeat', check_interval_seconds: 86400, grace_seconds: 3600 });
    const token = m.ping_url.split('/ping/')[1];
    assert.match(token, /^[A-Za-z0-9_-]{22}$/);
    // ping_url is on PUBLIC_BASE_URL; the same path on the local worker.
    const ping = async (suffix) => {
      const res = await fetch(`${vigil.base}/ping/${token}${suffix}`, { signal: AbortSignal.timeout(30_000) });
      assert.equal(res.status, 200, await res.text());
    };
    await alertsArriveFor(m, {
      down: () => ping('/fail'),
      up: () => ping(''),
      want: {
        kind: 'job_failed',
        monitor: { url: '', monitor_type: 'heartbeat', hostname: null, record_type: null },
        row: ['Check', 'heartbeat (pinged by its job)'],
        reason: /Reason: +\S/,
        never: [token, '/ping/'],
      },
    });
  });
});
