// Delivery decisions end to end (DESIGN.md §6): what each channel's answers settle to, as the
// delivery log shows them. Loopback fakes play the email providers (tests/fixtures/receivers.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil } from './harness.mjs';
import { startReceivers } from '../fixtures/receivers.mjs';

let vigil;
let rx;

before(async () => {
  rx = await startReceivers();
  vigil = await startVigil({
    vars: {
      VIGIL_TEST_HOOKS: 'true',
      ALERT_BACKOFF_BASE_SECONDS: '1',
      ALERT_TIMEOUT_SECONDS: '2',
      ALERT_MAX_ATTEMPTS: '3',
      EMAIL_PROVIDER: 'mailtrap',
      EMAIL_FROM: 'Vigil Alerts <alerts@example.com>',
      EMAIL_API_KEY: 'generic-mail-key',
      EMAIL_BASE_URL: rx.url('/mail'),
    },
  });
});

after(async () => {
  await vigil?.stop();
  await rx?.close();
});

async function endpoint(body) {
  const r = await vigil.api('POST', '/api/notification-endpoints', { project: 1, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function deliveriesOf(id) {
  const r = await vigil.api('GET', `/api/notification-endpoints/${id}/deliveries?limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

test("an email provider's retryable answer on the last attempt is dead-lettered, not failed", async () => {
  // Resend answers 409 while an earlier request with the same Idempotency-Key is in flight: a
  // retryable answer for email (not for a webhook). Every attempt gets one here.
  rx.program('/mail/emails', [409]);
  const mail = await endpoint({ name: 'resend 409', kind: 'email', provider: 'resend', recipients: ['ops@example.com'] });
  const t = await vigil.api('POST', `/api/notification-endpoints/${mail.id}/test`);
  assert.equal(t.status, 202, JSON.stringify(t.body));
  const log = await vigil.waitFor(async () => {
    const l = await deliveriesOf(mail.id);
    return l.length >= 3 && l;
  }, { what: 'three attempts logged', timeoutMs: 30_000 });
  assert.deepEqual(log.map((d) => [d.attempt, d.outcome, d.http_status]).reverse(),
    [[1, 'retry', 409], [2, 'retry', 409], [3, 'dead_lettered', 409]]);
  const sent = rx.requests('/mail/emails');
  assert.equal(sent.length, 3);
  assert.equal(new Set(sent.map((r) => r.headers['idempotency-key'])).size, 1, 'one Idempotency-Key for every attempt');
  assert.equal((await vigil.api('DELETE', `/api/notification-endpoints/${mail.id}`)).status, 204);
});

test("GET /emails sends only the caller's due emails and reports only the caller's counts", async () => {
  // Both providers answer 503 with Retry-After: 600, so after its first attempt each send waits
  // ten minutes; nothing may attempt it before that, and one tenant's call never touches the other's.
  const busy = [{ status: 503, headers: { 'retry-after': '600' } }];
  rx.program('/mail/email', busy); // Postmark: the admin's
  rx.program('/mail/v3/mail/send', busy); // SendGrid: bob's
  const mine = await endpoint({ name: 'pm busy', kind: 'email', provider: 'postmark', recipients: ['ops@example.com'] });
  assert.equal((await vigil.api('POST', '/api/users', { username: 'bob', password: 'bob-password-123' })).status, 201);
  const login = await vigil.api('POST', '/api/auth/token', { username: 'bob', password: 'bob-password-123' }, { token: null });
  assert.equal(login.status, 201, JSON.stringify(login.body));
  const bob = (method, path, body) => vigil.api(method, path, body, { token: login.body.token });
  const project = await bob('POST', '/api/projects', { name: 'Bob shop' });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const his = await bob('POST', '/api/notification-endpoints', { project: project.body.id, name: 'sg busy', kind: 'email', provider: 'sendgrid', recipients: ['bob@example.com'] });
  assert.equal(his.status, 201, JSON.stringify(his.body));
  assert.equal((await vigil.api('POST', `/api/notification-endpoints/${mine.id}/test`)).status, 202);
  assert.equal((await bob('POST', `/api/notification-endpoints/${his.body.id}/test`)).status, 202);
  const firstAttempt = (who, id) => vigil.waitFor(async () => {
    const r = await who('GET', `/api/notification-endpoints/${id}/deliveries`);
    return r.body.items.length === 1 && r.body.items;
  }, { what: `first attempt of endpoint ${id}` });
  const admin = (method, path, body) => vigil.api(method, path, body);
  const [m1] = await firstAttempt(admin, mine.id);
  const [h1] = await firstAttempt(bob, his.body.id);
  assert.deepEqual([m1.outcome, m1.http_status, h1.outcome, h1.http_status], ['retry', 503, 'retry', 503]);

  // Five calls in a row by the admin: nothing is due, so nothing is sent, theirs or bob's.
  for (let i = 0; i < 5; i++) {
    const r = await vigil.api('GET', '/emails');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.data, { events_fanned_out: 0, emails_attempted: 0, emails_delivered: 0, emails_failed: 0, emails_pending: 1 },
      "only the caller's one waiting email, not bob's");
  }
  const theirs = await bob('GET', '/emails');
  assert.deepEqual(theirs.body.data, { events_fanned_out: 0, emails_attempted: 0, emails_delivered: 0, emails_failed: 0, emails_pending: 1 });
  assert.equal(rx.requests('/mail/email').length, 1, "the caller's send waits out its Retry-After");
  assert.equal(rx.requests('/mail/v3/mail/send').length, 1, "bob's send is untouched");
  assert.deepEqual((await bob('GET', `/api/notification-endpoints/${his.body.id}/deliveries`)).body.items, [h1], "bob's attempts unchanged");
  assert.deepEqual((await admin('GET', `/api/notification-endpoints/${mine.id}/deliveries`)).body.items, [m1]);
  assert.equal((await bob('DELETE', `/api/notification-endpoints/${his.body.id}`)).status, 204);
  assert.equal((await admin('DELETE', `/api/notification-endpoints/${mine.id}`)).status, 204);
});
