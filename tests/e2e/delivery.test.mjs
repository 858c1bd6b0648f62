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
