// Alert delivery end to end (SPEC section 4): a monitored fixture goes down and recovers, and
// loopback receivers (webhooks, email provider APIs) see exactly what a real one would: each
// (incident, event, endpoint) once, signed, retried on failure, never duplicated.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, startTarget } from './harness.mjs';
import { startReceivers, verifyWebhook } from '../fixtures/receivers.mjs';

let vigil;
let target;
let rx;

before(async () => {
  target = await startTarget();
  rx = await startReceivers();
  vigil = await startVigil({
    vars: {
      RECHECK_DELAY_SECONDS: '1',
      VIGIL_TEST_HOOKS: 'true',
      // Seconds, not minutes: 1 s, 2 s, 4 s, 8 s between attempts.
      ALERT_BACKOFF_BASE_SECONDS: '1',
      ALERT_TIMEOUT_SECONDS: '2',
      ALERT_MAX_ATTEMPTS: '5',
      // Test-only: a reminder "minute" lasts 1 s, so reminder_minutes: 5 reminds every 5 s.
      ALERT_REMINDER_UNIT_SECONDS: '1',
      PUBLIC_BASE_URL: 'https://status.example.com',
      EMAIL_PROVIDER: 'mailtrap',
      EMAIL_FROM: 'Vigil Alerts <alerts@example.com>',
      EMAIL_API_KEY: 'generic-mail-key',
      RESEND_API_KEY: 're_test_key',
      EMAIL_BASE_URL: rx.url('/mail'),
    },
  });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
  await rx?.close();
});

// What each test created. A test that fails part way leaves its endpoints and monitors behind,
// and an open incident of its monitor would alert (and remind) the next test's receivers, so
// whatever a test did not remove itself is removed after it.
const created = { endpoints: new Set(), monitors: new Set() };
afterEach(async () => {
  for (const id of created.endpoints) await vigil.api('DELETE', `/api/notification-endpoints/${id}`);
  for (const id of created.monitors) await vigil.api('DELETE', `/api/monitors/${id}`);
  created.endpoints.clear();
  created.monitors.clear();
});

async function setSwitch(key, status) {
  const r = await fetch(target.url(`/_control/switch/${key}`), { method: 'POST', body: JSON.stringify({ status }) });
  assert.equal(r.status, 204);
}

async function endpoint(body) {
  const r = await vigil.api('POST', '/api/notification-endpoints', { project: 1, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  created.endpoints.add(r.body.id);
  return r.body;
}

async function deliveriesOf(id) {
  const r = await vigil.api('GET', `/api/notification-endpoints/${id}/deliveries?limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

async function monitor(name, key) {
  const r = await vigil.api('POST', '/api/monitors', {
    name, url: target.url(`/switch/${key}`), check_interval_seconds: 3600, failure_threshold: 1, retries: 0,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  created.monitors.add(r.body.id);
  return r.body;
}

const incidentsOf = (id) => vigil.incidentsOf(id);

/** Takes the monitor down, waits for its incident to open; returns the incident. */
async function goDown(m, key) {
  await setSwitch(key, 500);
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  const [incident] = await vigil.waitFor(async () => {
    const list = await incidentsOf(m.id);
    return list.length > 0 && list;
  }, { what: `incident of ${m.name} opened` });
  return incident;
}

async function recover(m, key) {
  await setSwitch(key, 200);
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  return vigil.waitFor(async () => {
    const [i] = await incidentsOf(m.id);
    return i && !i.open && i;
  }, { what: `incident of ${m.name} resolved` });
}

const typeOf = (r) => JSON.parse(r.body).type;

async function removeAll(...ids) {
  for (const id of ids) assert.equal((await vigil.api('DELETE', `/api/notification-endpoints/${id}`)).status, 204);
}

test('an outage and its recovery reach a webhook once per event, signed, and each email recipient once', async () => {
  rx.program('/hook/main', [200]);
  rx.program('/mail/api/send', [200]);
  const hook = await endpoint({ name: 'main hook', kind: 'webhook', url: rx.url('/hook/main') });
  assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a whsec_ secret of 32 random bytes, shown at creation');
  const mail = await endpoint({ name: 'ops mail', kind: 'email', recipients: ['ops@example.com', 'oncall@example.com'] });
  assert.equal(mail.secret, undefined);

  const m = await monitor('checkout', 'checkout');
  const incident = await goDown(m, 'checkout');
  await vigil.waitFor(() => rx.requests('/hook/main').length >= 1, { what: 'opened webhook' });
  await recover(m, 'checkout');
  await vigil.waitFor(() => rx.requests('/hook/main').length >= 2, { what: 'resolved webhook' });
  await vigil.waitFor(() => rx.requests('/mail/api/send').length >= 4, { what: 'four emails (2 events x 2 recipients)' });
  await sleep(2500); // anything duplicated would arrive within this

  const hooks = rx.requests('/hook/main');
  assert.deepEqual(hooks.map(typeOf), ['incident.opened', 'incident.resolved']);
  for (const r of hooks) {
    assert.deepEqual(verifyWebhook(r, hook.secret), { standard: true, seed003: true, fresh: true }, `${typeOf(r)} verifies`);
    assert.equal(r.method, 'POST');
    assert.equal(r.headers['content-type'], 'application/json');
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body), ['type', 'timestamp', 'data']);
    assert.deepEqual(Object.keys(body.data), ['project', 'monitor', 'incident', 'check']);
    assert.equal(body.data.incident.id, incident.id);
    assert.equal(body.data.monitor.name, 'checkout');
    assert.equal(body.data.project.slug, 'default');
  }
  const [opened, resolved] = hooks.map((r) => JSON.parse(r.body));
  assert.equal(opened.data.check.status, 'DOWN');
  assert.equal(opened.data.check.http_status, 500);
  assert.equal(opened.data.incident.resolved_at, null);
  assert.equal(resolved.data.check.status, 'UP');
  assert.ok(resolved.data.incident.resolved_at);
  // The stable failure code rides along: on the failing check, and on the incident (so the
  // resolved event still says what opened it).
  assert.equal(opened.data.check.failure_kind, 'status');
  assert.equal(opened.data.incident.failure_kind, 'status');
  assert.equal(resolved.data.check.failure_kind, null);
  assert.equal(resolved.data.incident.failure_kind, 'status');
  assert.notEqual(hooks[0].headers['webhook-id'], hooks[1].headers['webhook-id']);

  const mails = rx.requests('/mail/api/send');
  for (const r of mails) {
    assert.equal(r.headers.authorization, 'Bearer generic-mail-key', "Mailtrap's documented auth header");
    const body = JSON.parse(r.body);
    assert.deepEqual(body.from, { email: 'alerts@example.com', name: 'Vigil Alerts' });
    assert.equal(body.to.length, 1, 'one request per recipient');
    assert.ok(body.subject && body.text && body.html && body.category);
  }
  const perRecipient = (addr) => mails.filter((r) => JSON.parse(r.body).to[0].email === addr).map((r) => JSON.parse(r.body).category);
  assert.deepEqual(perRecipient('ops@example.com'), ['vigil-incident-opened', 'vigil-incident-resolved']);
  assert.deepEqual(perRecipient('oncall@example.com'), ['vigil-incident-opened', 'vigil-incident-resolved']);
  const down = JSON.parse(mails.find((r) => JSON.parse(r.body).category === 'vigil-incident-opened').body);
  assert.match(down.text, /checkout/);
  assert.match(down.text, /500/, 'says the last status');
  assert.match(down.text, /https:\/\/status\.example\.com\/status\/default/, 'links the status page');
  assert.match(down.html, /https:\/\/status\.example\.com\/status\/default/);

  // The delivery log: one delivered attempt per (event, endpoint, recipient).
  const hookLog = await deliveriesOf(hook.id);
  assert.deepEqual(hookLog.map((d) => [d.event, d.attempt, d.outcome, d.http_status]),
    [['incident.resolved', 1, 'delivered', 200], ['incident.opened', 1, 'delivered', 200]], 'newest first');
  assert.ok(hookLog.every((d) => d.incident_id === incident.id && d.latency_ms >= 0));
  const mailLog = await deliveriesOf(mail.id);
  assert.equal(mailLog.length, 4);
  assert.ok(mailLog.every((d) => d.outcome === 'delivered' && d.recipient));

  // The same incident events delivered to the alerts queue again (twice, and concurrently):
  // the receivers get nothing more.
  const events = (await incidentsOf(m.id))[0].events.map((e) => ({ incident_id: incident.id, event: e.event, monitor_id: m.id, check_slot: 0 }));
  assert.equal(events.length, 2);
  const r = await vigil.api('POST', '/__test/alert-events', [...events, ...events]);
  assert.equal(r.status, 202);
  await vigil.waitFor(async () => {
    const [i] = await incidentsOf(m.id);
    return i.events.every((e) => e.received_count === 3);
  }, { what: 'the duplicates were consumed' });
  await sleep(2500);
  assert.equal(rx.requests('/hook/main').length, 2, 'no duplicate webhook');
  assert.equal(rx.requests('/mail/api/send').length, 4, 'no duplicate email');
  assert.equal((await deliveriesOf(hook.id)).length, 2);

  // Seed 000's GET /emails: nothing is pending any more.
  const flush = await vigil.api('GET', '/emails');
  assert.equal(flush.status, 200, JSON.stringify(flush.body));
  assert.equal(flush.body.category, 'email_sent_success');
  assert.deepEqual(flush.body.data, { events_fanned_out: 0, emails_attempted: 0, emails_delivered: 0, emails_failed: 0, emails_pending: 0 });
  assert.equal(rx.requests('/mail/api/send').length, 4);
  await removeAll(hook.id, mail.id);
});

test('faults: 500s then 200, 410, a hanging receiver, and a failing email API; nothing lost or duplicated', async () => {
  rx.program('/hook/flaky', [500, 500, 500, 200]);
  rx.program('/hook/gone', [410]);
  rx.program('/hook/slow', ['hang', 200]);
  rx.program('/mail/email', [500]); // Postmark's send path
  const flaky = await endpoint({ name: 'flaky', kind: 'webhook', url: rx.url('/hook/flaky') });
  const gone = await endpoint({ name: 'gone', kind: 'webhook', url: rx.url('/hook/gone') });
  const slow = await endpoint({ name: 'slow', kind: 'webhook', url: rx.url('/hook/slow'), events: ['incident.opened'] });
  const mail = await endpoint({ name: 'pm', kind: 'email', provider: 'postmark', recipients: ['ops@example.com'], events: ['incident.opened'] });

  const started = Date.now();
  const m = await monitor('payments', 'payments');
  await goDown(m, 'payments');

  // 500 x3 then 200: delivered once, after four attempts with the same id, all signed.
  await vigil.waitFor(() => rx.requests('/hook/flaky').length >= 4, { what: 'four attempts at the flaky receiver', timeoutMs: 40_000 });
  const tries = rx.requests('/hook/flaky');
  assert.equal(new Set(tries.map((r) => r.headers['webhook-id'])).size, 1, 'the same webhook-id on every retry');
  assert.equal(new Set(tries.map((r) => r.body)).size, 1, 'byte-identical body on every retry');
  for (const r of tries) assert.equal(verifyWebhook(r, flaky.secret).standard, true);
  const gaps = tries.slice(1).map((r, i) => r.at - tries[i].at);
  assert.ok(gaps[2] > gaps[0], `backoff grows: ${gaps}`);
  const flakyLog = await vigil.waitFor(async () => {
    const log = await deliveriesOf(flaky.id);
    return log.length === 4 && log;
  }, { what: 'four delivery rows' });
  assert.deepEqual(flakyLog.map((d) => [d.attempt, d.outcome, d.http_status]).reverse(),
    [[1, 'retry', 500], [2, 'retry', 500], [3, 'retry', 500], [4, 'delivered', 200]]);

  // 410: the endpoint is disabled after one attempt.
  const goneState = (await vigil.api('GET', `/api/notification-endpoints/${gone.id}`)).body;
  assert.equal(goneState.is_active, false);
  assert.match(goneState.disabled_reason, /410/);
  assert.deepEqual((await deliveriesOf(gone.id)).map((d) => [d.outcome, d.http_status]), [['disabled', 410]]);

  // A receiver that hangs past the timeout is retried, and then delivered to.
  await vigil.waitFor(async () => (await deliveriesOf(slow.id)).some((d) => d.outcome === 'delivered'), { what: 'slow receiver delivered' });
  const slowLog = (await deliveriesOf(slow.id)).reverse();
  assert.deepEqual(slowLog.map((d) => [d.outcome, d.http_status]), [['retry', null], ['delivered', 200]]);
  assert.match(slowLog[0].error, /timeout after 2s/);
  assert.ok(slowLog[0].latency_ms >= 1900, `aborted at the timeout: ${slowLog[0].latency_ms}`);

  // The email API answering 500: retried until the attempts run out, then dead-lettered, visible.
  const mailLog = await vigil.waitFor(async () => {
    const log = await deliveriesOf(mail.id);
    return log.some((d) => d.outcome === 'dead_lettered') && log;
  }, { what: 'email dead-lettered', timeoutMs: 60_000 });
  assert.deepEqual(mailLog.map((d) => d.outcome).reverse(), ['retry', 'retry', 'retry', 'retry', 'dead_lettered']);
  assert.ok(mailLog.every((d) => d.http_status === 500 && d.recipient === 'ops@example.com'), JSON.stringify(mailLog));
  const pm = rx.requests('/mail/email');
  assert.equal(pm.length, 5);
  assert.equal(pm[0].headers['x-postmark-server-token'], 'generic-mail-key', "Postmark's documented auth header");
  // GET /emails has nothing left to send: the dead-lettered email is final.
  assert.equal((await vigil.api('GET', '/emails')).body.data.emails_attempted, 0);

  // Recovery: the disabled endpoint gets nothing more; the others get the resolved event once.
  await recover(m, 'payments');
  await vigil.waitFor(() => rx.requests('/hook/flaky').length >= 5, { what: 'resolved at the flaky receiver' });
  await sleep(3000);
  assert.equal(rx.requests('/hook/gone').length, 1, 'no attempts after 410');
  assert.deepEqual(rx.requests('/hook/flaky').map(typeOf), ['incident.opened', 'incident.opened', 'incident.opened', 'incident.opened', 'incident.resolved']);
  assert.equal(rx.requests('/hook/slow').length, 2, 'slow wants opened only');
  assert.equal(rx.requests('/mail/email').length, 5);
  assert.ok(Date.now() - started < 90_000);
  await removeAll(flaky.id, gone.id, slow.id, mail.id);
});

test('test events reach each email provider in its documented shape and auth header', async () => {
  for (const p of ['/mail/api/send', '/mail/emails', '/mail/email', '/mail/v3/mail/send']) rx.program(p, [200]);
  const before = rx.requests().length;
  const made = {};
  for (const provider of ['mailtrap', 'resend', 'postmark', 'sendgrid']) {
    made[provider] = await endpoint({ name: `mail ${provider}`, kind: 'email', provider, recipients: [`${provider}@example.com`] });
    const r = await vigil.api('POST', `/api/notification-endpoints/${made[provider].id}/test`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.sends, 1);
    assert.match(r.body.message_id, /^msg_test_[0-9a-f]{32}$/);
  }
  await vigil.waitFor(() => rx.requests().length - before >= 4, { what: 'four provider requests' });
  const by = (path) => {
    const list = rx.requests(path).slice(-1);
    assert.equal(list.length, 1, path);
    return { headers: list[0].headers, body: JSON.parse(list[0].body) };
  };
  const mt = by('/mail/api/send');
  assert.equal(mt.headers.authorization, 'Bearer generic-mail-key');
  assert.deepEqual(mt.body.to, [{ email: 'mailtrap@example.com' }]);
  assert.equal(mt.body.category, 'vigil-test');
  const rs = by('/mail/emails');
  assert.equal(rs.headers.authorization, 'Bearer re_test_key', 'the per-provider key wins');
  assert.match(rs.headers['idempotency-key'], /^vigil\/msg_test_[0-9a-f]{32}\/[0-9a-f]{32}$/);
  assert.deepEqual(rs.body.to, ['resend@example.com']);
  assert.equal(rs.body.from, 'Vigil Alerts <alerts@example.com>');
  assert.ok(rs.body.text && rs.body.html && rs.body.subject);
  const pm = by('/mail/email');
  assert.equal(pm.headers['x-postmark-server-token'], 'generic-mail-key');
  assert.equal(pm.body.To, 'postmark@example.com');
  assert.equal(pm.body.MessageStream, 'outbound');
  assert.ok(pm.body.TextBody && pm.body.HtmlBody);
  const sg = by('/mail/v3/mail/send');
  assert.equal(sg.headers.authorization, 'Bearer generic-mail-key');
  assert.deepEqual(sg.body.personalizations, [{ to: [{ email: 'sendgrid@example.com' }] }]);
  assert.deepEqual(sg.body.content.map((c) => c.type), ['text/plain', 'text/html']);
  for (const e of Object.values(made)) {
    const log = await vigil.waitFor(async () => {
      const l = await deliveriesOf(e.id);
      return l.length > 0 && l;
    }, { what: 'test delivery logged' });
    assert.deepEqual(log.map((d) => [d.event, d.outcome, d.incident_id]), [['test', 'delivered', null]]);
  }
  await removeAll(...Object.values(made).map((e) => e.id));
});

test('the endpoints API validates, never shows a secret twice, rotates, paginates and 404s', async () => {
  const bad = [
    [{ name: 'x', kind: 'webhook' }, 'url'],
    [{ name: 'x', kind: 'webhook', url: 'ftp://example.com/' }, 'url'],
    [{ name: 'x', kind: 'email', recipients: ['nope'] }, 'recipients[0]'],
    [{ name: 'x', kind: 'email', recipients: ['a@example.com'], provider: 'pigeon' }, 'provider'],
    [{ name: 'x', kind: 'sms' }, 'kind'],
    [{ name: 'x', kind: 'email', recipients: ['a@example.com'], events: ['incident.exploded'] }, 'events[0]'],
    [{ name: 'x', kind: 'email', recipients: ['a@example.com'], colour: 'red' }, 'colour'],
    [{ name: 'x', kind: 'email', recipients: ['a@example.com'], project: 999 }, 'project'],
  ];
  for (const [body, field] of bad) {
    const r = await vigil.api('POST', '/api/notification-endpoints', { project: 1, ...body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal(r.body.field, field, JSON.stringify(body));
  }
  const a = await endpoint({ name: 'a', kind: 'webhook', url: rx.url('/hook/a') });
  const dup = await vigil.api('POST', '/api/notification-endpoints', { project: 1, name: 'a', kind: 'webhook', url: rx.url('/hook/a') });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.field, 'name');
  const b = await endpoint({ name: 'b', kind: 'email', recipients: ['b@example.com'], reminder_minutes: 30 });

  const got = await vigil.api('GET', `/api/notification-endpoints/${a.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.secret, undefined);
  assert.equal(got.body.has_secret, true);
  assert.ok(!JSON.stringify(got.body).includes(a.secret.slice(6, 20)));
  const page1 = await vigil.api('GET', '/api/notification-endpoints?project=1&limit=1');
  assert.deepEqual(page1.body.items.map((e) => e.id), [a.id]);
  const page2 = await vigil.api('GET', `/api/notification-endpoints?project=1&limit=1&cursor=${page1.body.next_cursor}`);
  assert.deepEqual(page2.body.items.map((e) => e.id), [b.id]);
  assert.ok(!JSON.stringify(page1.body).includes('whsec_'));

  const rotated = await vigil.api('PATCH', `/api/notification-endpoints/${a.id}`, { rotate_secret: true, name: 'a2' });
  assert.equal(rotated.status, 200);
  assert.match(rotated.body.secret, /^whsec_/);
  assert.notEqual(rotated.body.secret, a.secret);
  assert.equal(rotated.body.name, 'a2');
  const patched = await vigil.api('PATCH', `/api/notification-endpoints/${b.id}`, { events: ['incident.resolved'], is_active: false });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.secret, undefined);
  assert.deepEqual([patched.body.events, patched.body.is_active], [['incident.resolved'], false]);
  assert.equal((await vigil.api('PATCH', `/api/notification-endpoints/${b.id}`, { kind: 'webhook' })).body.field, 'kind');
  assert.equal((await vigil.api('PATCH', `/api/notification-endpoints/${b.id}`, { rotate_secret: true })).body.field, 'rotate_secret');

  // The rotated secret signs the next delivery.
  rx.program('/hook/a', [200]);
  assert.equal((await vigil.api('POST', `/api/notification-endpoints/${a.id}/test`)).status, 202);
  const [req] = await vigil.waitFor(() => rx.requests('/hook/a').length >= 1 && rx.requests('/hook/a'), { what: 'test webhook' });
  assert.equal(typeOf(req), 'test');
  assert.equal(verifyWebhook(req, rotated.body.secret).standard, true);
  assert.equal(verifyWebhook(req, a.secret).standard, false);

  for (const [method, path] of [['GET', '/api/notification-endpoints/99999'], ['PATCH', '/api/notification-endpoints/99999'],
    ['DELETE', '/api/notification-endpoints/99999'], ['POST', '/api/notification-endpoints/99999/test'],
    ['GET', '/api/notification-endpoints/99999/deliveries']]) {
    const r = await vigil.api(method, path, method === 'PATCH' ? { name: 'x' } : undefined);
    assert.equal(r.status, 404, `${method} ${path}`);
  }
  assert.equal((await vigil.api('GET', '/api/notification-endpoints', undefined, { token: 'wrong' })).status, 401);
  assert.equal((await vigil.api('GET', '/emails', undefined, { token: null })).status, 401);
  await removeAll(a.id, b.id);
  assert.ok(!vigil.logs().includes(a.secret) && !vigil.logs().includes(rotated.body.secret) && !vigil.logs().includes('re_test_key'), 'no secret in the logs');
});

test('the same delivery message handled three times at once sends one request', async () => {
  rx.program('/hook/race', [{ status: 200, delayMs: 800 }]); // a slow answer widens the race
  const hook = await endpoint({ name: 'race', kind: 'webhook', url: rx.url('/hook/race') });
  const t = await vigil.api('POST', `/api/notification-endpoints/${hook.id}/test`);
  assert.equal(t.status, 202);
  const send = { message_id: t.body.message_id, endpoint_id: hook.id, recipient: '' };
  // One batch: the consumer handles these concurrently, racing the queued original for the claim.
  assert.equal((await vigil.api('POST', '/__test/alert-events', [send, send, send])).status, 202);
  await vigil.waitFor(() => rx.requests('/hook/race').length >= 1, { what: 'the test webhook' });
  await sleep(3000);
  assert.equal(rx.requests('/hook/race').length, 1, 'one request for four copies of the message');
  assert.deepEqual((await deliveriesOf(hook.id)).map((d) => d.outcome), ['delivered']);
  await removeAll(hook.id);
});

test('maintenance windows: alerts held; an incident still open when the window ends alerts then, once', async () => {
  rx.program('/hook/maint', [200]);
  const hook = await endpoint({ name: 'maint hook', kind: 'webhook', url: rx.url('/hook/maint') });
  const window = async (m, endsInMs) => {
    const r = await vigil.api('POST', '/api/maintenance-windows', {
      monitor: m.id, title: 'deploy', starts_at: new Date(Date.now() - 60_000).toISOString(), ends_at: new Date(Date.now() + endsInMs).toISOString(),
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  // Opened and resolved inside a long window: nothing is sent at all.
  const quiet = await monitor('quiet', 'quiet');
  await window(quiet, 600_000);
  await goDown(quiet, 'quiet');
  await recover(quiet, 'quiet');
  // Opened inside a short window, still open after it: alerts when the window ends.
  const late = await monitor('late', 'late');
  const w = await window(late, 6_000);
  const incident = await goDown(late, 'late');
  const suppressed = await vigil.waitFor(async () => {
    const log = await deliveriesOf(hook.id);
    return log.length >= 3 && log;
  }, { what: 'three suppressed events logged' });
  assert.ok(suppressed.every((d) => d.outcome === 'suppressed' && d.attempt === 0), JSON.stringify(suppressed));
  assert.deepEqual(suppressed.map((d) => d.event).sort(), ['incident.opened', 'incident.opened', 'incident.resolved']);
  await vigil.tick(); // the window is still on: nothing released
  await sleep(1500);
  assert.equal(rx.requests('/hook/maint').length, 0, 'nothing sent during maintenance');

  await sleep(Math.max(0, Date.parse(w.ends_at) - Date.now()) + 200);
  await vigil.tick();
  const [req] = await vigil.waitFor(() => rx.requests('/hook/maint').length >= 1 && rx.requests('/hook/maint'), { what: 'released alert' });
  const body = JSON.parse(req.body);
  assert.equal(body.type, 'incident.opened');
  assert.equal(body.data.incident.id, incident.id);
  assert.equal(verifyWebhook(req, hook.secret).standard, true);
  await vigil.tick(); // a second sweep releases nothing more
  await recover(late, 'late');
  await vigil.waitFor(() => rx.requests('/hook/maint').length >= 2, { what: 'resolved after the window' });
  await sleep(2000);
  assert.deepEqual(rx.requests('/hook/maint').map(typeOf), ['incident.opened', 'incident.resolved'], 'quiet sent nothing; late once each');
  await removeAll(hook.id);
});

test('reminders: every N (scaled) minutes while open, once per period however often the cron fires, none after resolve', async () => {
  rx.program('/hook/remind', [200]);
  rx.program('/hook/quiet', [200]);
  rx.program('/mail/api/send', [200]);
  const unit = 1000; // ALERT_REMINDER_UNIT_SECONDS above
  const hook = await endpoint({ name: 'remind hook', kind: 'webhook', url: rx.url('/hook/remind'), reminder_minutes: 5 });
  const quiet = await endpoint({ name: 'no reminders', kind: 'webhook', url: rx.url('/hook/quiet') });
  const mail = await endpoint({ name: 'remind mail', kind: 'email', recipients: ['remind@example.com'], reminder_minutes: 5 });
  // Wants reminders but not openings: by the rule it gets none.
  const closedOnly = await endpoint({ name: 'resolved only', kind: 'webhook', url: rx.url('/hook/resolved-only'), events: ['incident.resolved'], reminder_minutes: 5 });
  const mailsTo = () => rx.requests('/mail/api/send').filter((r) => JSON.parse(r.body).to[0].email === 'remind@example.com');
  const reminders = (path) => rx.requests(path).filter((r) => typeOf(r) === 'incident.reminder');

  const m = await monitor('reminded', 'reminded');
  const incident = await goDown(m, 'reminded');
  const opened = Date.parse(incident.opened_at);
  await vigil.waitFor(async () => (await deliveriesOf(hook.id)).some((d) => d.outcome === 'delivered')
    && (await deliveriesOf(mail.id)).some((d) => d.outcome === 'delivered'), { what: 'opened alerts delivered' });
  const until = (k) => sleep(Math.max(0, opened + k * 5 * unit + 300 - Date.now()));

  // Period 1, then period 2: two ticks at once and one after, each time.
  for (const k of [1, 2]) {
    await until(k);
    // Three ticks in the same period, two of them at once (overlapping crons): the
    // deterministic reminder id is what makes repeats harmless.
    await Promise.all([vigil.tick(), vigil.tick()]);
    await vigil.tick();
    await vigil.waitFor(() => reminders('/hook/remind').length >= k && mailsTo().filter((r) => JSON.parse(r.body).category === 'vigil-incident-reminder').length >= k,
      { what: `reminder ${k} at the webhook and the mailbox` });
    await sleep(1500); // a duplicate would arrive within this
    assert.equal(reminders('/hook/remind').length, k, `one reminder per period (after period ${k})`);
  }
  const got = reminders('/hook/remind');
  assert.deepEqual(got.map((r) => r.headers['webhook-id']), [1, 2].map((k) => `msg_${incident.id}_${opened}_incident_reminder_${k}`));
  for (const [i, r] of got.entries()) {
    assert.deepEqual(verifyWebhook(r, hook.secret), { standard: true, seed003: true, fresh: true });
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body), ['type', 'timestamp', 'data']);
    assert.deepEqual(Object.keys(body.data), ['project', 'monitor', 'incident', 'check']);
    assert.equal(body.type, 'incident.reminder');
    assert.equal(Date.parse(body.timestamp), opened + (i + 1) * 5 * unit, 'timestamp: when the reminder fell due');
    assert.equal(body.data.incident.id, incident.id);
    assert.equal(body.data.incident.resolved_at, null);
    assert.equal(body.data.check.status, 'DOWN');
    assert.equal(body.data.check.http_status, 500);
    assert.ok(r.at >= opened + (i + 1) * 5 * unit, 'not before it was due');
  }
  const mails = mailsTo().filter((r) => JSON.parse(r.body).category === 'vigil-incident-reminder').map((r) => JSON.parse(r.body));
  assert.equal(mails.length, 2);
  assert.match(mails[0].subject, /^\[vigil\] STILL DOWN: reminded for \d+s$/);
  assert.match(mails[0].text, /Down since:/);
  assert.match(mails[0].text, /Reminder: +#1 \(every 5 min/);
  assert.match(mails[0].text, /HTTP status: +500/);
  assert.match(mails[0].text, /Latency: +\d+ ms/);
  assert.equal(rx.requests('/hook/quiet').map(typeOf).join(), 'incident.opened', 'no reminders without reminder_minutes');
  assert.equal(reminders('/hook/resolved-only').length, 0, 'no reminders without incident.opened');
  const log = await deliveriesOf(hook.id);
  assert.deepEqual(log.filter((d) => d.event === 'incident.reminder').map((d) => [d.outcome, d.incident_id]),
    [['delivered', incident.id], ['delivered', incident.id]]);

  // Resolved: nothing more, however many periods pass and ticks fire.
  await recover(m, 'reminded');
  await vigil.waitFor(() => rx.requests('/hook/remind').some((r) => typeOf(r) === 'incident.resolved'), { what: 'resolved webhook' });
  await until(4);
  await vigil.tick();
  await vigil.tick();
  await sleep(2000);
  assert.equal(reminders('/hook/remind').length, 2, 'no reminder after resolve');
  assert.equal(mailsTo().filter((r) => JSON.parse(r.body).category === 'vigil-incident-reminder').length, 2);
  assert.deepEqual(rx.requests('/hook/remind').map(typeOf), ['incident.opened', 'incident.reminder', 'incident.reminder', 'incident.resolved']);
  await removeAll(hook.id, quiet.id, mail.id, closedOnly.id);
});

test("another user's endpoints answer 404 and cannot be listed, tested or written", async () => {
  const mine = await endpoint({ name: 'private', kind: 'webhook', url: rx.url('/hook/private') });
  assert.equal((await vigil.api('POST', '/api/users', { username: 'eve', password: 'eve-password-123' })).status, 201);
  const login = await vigil.api('POST', '/api/auth/token', { username: 'eve', password: 'eve-password-123' }, { token: null });
  assert.equal(login.status, 201, JSON.stringify(login.body));
  const eve = (method, path, body) => vigil.api(method, path, body, { token: login.body.token });
  for (const [method, path, body] of [['GET', `/api/notification-endpoints/${mine.id}`], ['PATCH', `/api/notification-endpoints/${mine.id}`, { name: 'x' }],
    ['DELETE', `/api/notification-endpoints/${mine.id}`], ['POST', `/api/notification-endpoints/${mine.id}/test`],
    ['GET', `/api/notification-endpoints/${mine.id}/deliveries`]]) {
    assert.equal((await eve(method, path, body)).status, 404, `${method} ${path}`);
  }
  assert.deepEqual((await eve('GET', '/api/notification-endpoints')).body.items, []);
  const steal = await eve('POST', '/api/notification-endpoints', { project: 1, name: 'steal', kind: 'webhook', url: rx.url('/hook/x') });
  assert.equal(steal.status, 400);
  assert.equal(steal.body.field, 'project');
  assert.equal(rx.requests('/hook/private').length, 0);
  assert.equal((await vigil.api('GET', `/api/notification-endpoints/${mine.id}`)).body.name, 'private', 'untouched');
  await removeAll(mine.id);
});
