// Hand-offs survive a crash (DESIGN.md §6): wrangler dev is SIGKILLed (its whole process group)
// while a batch of failing checks is recording, then restarted on the same --persist-to state.
// Whatever was in flight on the local queues died with it: incident events the alerts consumer
// had not yet recorded, confirmation re-checks waiting as delayed messages, delivery messages.
// The cron must find each again, so every incident alerts exactly once (as the receiver sees
// it: one webhook-id) and every monitor gets its confirmation re-check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil, startTarget } from './harness.mjs';
import { startReceivers, verifyWebhook } from '../fixtures/receivers.mjs';

const MONITORS = 25;
let vigil;
let target;
let rx;

before(async () => {
  target = await startTarget();
  rx = await startReceivers();
  vigil = await startVigil({
    vars: {
      // The re-check waits on the queue as a delayed message: long enough to be lost at the kill.
      RECHECK_DELAY_SECONDS: '4',
      ALERT_BACKOFF_BASE_SECONDS: '1',
      ALERT_TIMEOUT_SECONDS: '2',
      // Test-only: the cron treats a hand-off as lost after 5 s instead of 2 min.
      HANDOFF_GRACE_SECONDS: '5',
    },
  });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
  await rx?.close();
});

test('killed while failing checks record: after a restart every incident alerts once and every monitor is re-checked', async () => {
  rx.program('/hook/crash', [200]);
  const hook = await vigil.api('POST', '/api/notification-endpoints', { project: 1, name: 'crash hook', kind: 'webhook', url: rx.url('/hook/crash'), events: ['incident.opened'] });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const ids = [];
  for (let i = 0; i < MONITORS; i++) {
    // /hang with a 1 s timeout: every check is a slow TIMEOUT, so the batch records for seconds.
    // Two failures open an incident: the scheduled check, then its confirmation re-check.
    const r = await vigil.api('POST', '/api/monitors', {
      name: `crash ${i}`, url: target.url(`/hang?m=${i}`), timeout_seconds: 1, retries: 0,
      failure_threshold: 2, check_interval_seconds: 3600,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.id);
  }
  const checksOf = async () => (await vigil.api('GET', '/api/checks?limit=200')).body.items.filter((c) => ids.includes(c.monitor_id));
  const openIncidents = async () => (await vigil.api('GET', '/api/incidents?state=open&limit=200')).body.items.filter((i) => ids.includes(i.monitor_id));

  await vigil.tick();
  // Kill once every scheduled check has recorded and the first incidents are opening: re-checks
  // are then waiting or running, and the newest incident events are still on the alerts queue.
  await vigil.waitFor(async () => {
    const checks = await checksOf();
    return checks.filter((c) => c.kind === 'scheduled').length === MONITORS && (await openIncidents()).length >= 3;
  }, { what: 'all scheduled checks recorded and the first incidents open', timeoutMs: 60_000, intervalMs: 100 });
  const atKill = (await openIncidents()).length;
  await vigil.kill();
  const killedAt = Date.now();

  await vigil.restart();
  const restartedAt = Date.now();
  // Tick until every monitor has its incident and every incident reached the receiver.
  const opened = () => rx.requests('/hook/crash').filter((r) => JSON.parse(r.body).type === 'incident.opened');
  const alertedIncidents = () => new Set(opened().map((r) => JSON.parse(r.body).data.incident.id));
  let progress = {};
  await vigil.waitFor(async () => {
    await vigil.tick();
    const incidents = await openIncidents();
    progress = { incidents: incidents.length, alerted: incidents.filter((i) => alertedIncidents().has(i.id)).length };
    return incidents.length === MONITORS && progress.alerted === MONITORS;
  }, { what: 'every monitor re-checked, its incident open and alerted', timeoutMs: 120_000, intervalMs: 2000 })
    .catch((e) => { throw new Error(`${e.message}; of ${MONITORS} monitors: ${JSON.stringify(progress)}`); });
  // Anything duplicated would arrive within a few more ticks.
  for (let i = 0; i < 3; i++) {
    await vigil.tick();
    await new Promise((r) => setTimeout(r, 2000));
  }

  const incidents = await openIncidents();
  assert.equal(incidents.length, MONITORS, 'one incident per monitor');
  assert.deepEqual(new Set(incidents.map((i) => i.monitor_id)), new Set(ids));
  const byIncident = new Map();
  for (const r of opened()) {
    const id = JSON.parse(r.body).data.incident.id;
    byIncident.set(id, [...(byIncident.get(id) ?? []), r]);
    assert.equal(verifyWebhook(r, hook.body.secret).standard, true);
  }
  for (const i of incidents) {
    const got = byIncident.get(i.id) ?? [];
    // Exactly once as the receiver sees it: one webhook-id. A send that was in flight at the
    // kill may arrive twice with that same id (README "Delivery guarantees").
    assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, 1, `incident ${i.id}: one webhook-id`);
    assert.ok(got.length >= 1 && got.length <= 2, `incident ${i.id}: ${got.length} requests`);
  }
  const duplicates = [...byIncident.values()].filter((l) => l.length > 1).length;
  // Every monitor was checked again: its confirmation re-check ran (before or after the kill).
  const checks = await checksOf();
  for (const id of ids) {
    const kinds = checks.filter((c) => c.monitor_id === id).map((c) => c.kind).sort();
    assert.deepEqual(kinds, ['recheck', 'scheduled'], `monitor ${id}: ${kinds}`);
  }
  const lateIncidents = incidents.filter((i) => Date.parse(i.opened_at) >= killedAt).length;
  const alertedBeforeKill = new Set(opened().filter((r) => r.at < killedAt).map((r) => JSON.parse(r.body).data.incident.id)).size;
  console.log(`killed with ${atKill} incidents open (${alertedBeforeKill} alerted); ${lateIncidents} opened after the restart; ` +
    `${duplicates} sends in flight at the kill went out twice; all alerted ${Date.now() - restartedAt} ms after the restart`);
});
