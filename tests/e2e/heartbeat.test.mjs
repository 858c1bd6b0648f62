// Heartbeat (push) monitors end to end (DESIGN.md §3), with healthchecks.io's semantics: a job
// pings /ping/{token}; a late ping records a DOWN check (missed_heartbeat) found by the cron's
// sweep, and incidents and alerts follow exactly as for HTTP monitors.
//
// Test-only unit: HEARTBEAT_SECOND_MS=50 makes one second of a period or grace time last 50 ms,
// so the smallest period (60 s) and grace (60 s) pass in 3 s each. Ticks are driven by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil } from './harness.mjs';
import { startReceivers, verifyWebhook } from '../fixtures/receivers.mjs';

const UNIT_MS = 50;
const PERIOD_MS = 60 * UNIT_MS; // check_interval_seconds: 60
const GRACE_MS = 60 * UNIT_MS; // grace_seconds: 60

let vigil;
let rx;

before(async () => {
  rx = await startReceivers();
  vigil = await startVigil({ vars: { HEARTBEAT_SECOND_MS: String(UNIT_MS), HANDOFF_GRACE_SECONDS: '5' } });
});

after(async () => {
  await vigil?.stop();
  await rx?.close();
});

async function heartbeat(name, extra = {}) {
  const r = await vigil.api('POST', '/api/monitors', { name, monitor_type: 'heartbeat', check_interval_seconds: 60, grace_seconds: 60, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

/** A ping: the path after the monitor's ping URL ('' for success), with optional init. */
async function ping(m, suffix = '', init = {}) {
  const res = await fetch(m.ping_url + suffix, { signal: AbortSignal.timeout(30_000), ...init });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), headers: res.headers };
}

const checksOf = (m) => vigil.checksOf(m.id);
const incidentsOf = (m) => vigil.incidentsOf(m.id);
const detail = async (m) => (await vigil.api('GET', `/api/monitors/${m.id}`)).body;

/** Ticks until `cond()` holds (each tick runs the sweep), with a deadline. */
async function tickUntil(cond, what, timeoutMs = 20_000) {
  return vigil.waitFor(async () => {
    await vigil.tick();
    return cond();
  }, { what, timeoutMs, intervalMs: 300 });
}

/** What D1 holds that a ping could change: checks, pings, every monitor's state. */
async function footprint() {
  const out = await vigil.d1("SELECT 'fp=' || (SELECT count(*) FROM checks) || ',' || (SELECT count(*) FROM pings) || ',' || \
    (SELECT total(state_version) FROM monitors) || ',' || (SELECT group_concat(coalesce(heartbeat_state, '-') || coalesce(deadline_ms, '-'), '|') FROM monitors) || ';' AS fp");
  const m = out.match(/fp=([^;]*);/);
  assert.ok(m, out);
  return m[1];
}

test('a heartbeat monitor: ping URL, no url, waits for its first ping', async () => {
  const m = await heartbeat('waiting job');
  assert.match(m.ping_url, new RegExp(`^${vigil.base}/ping/[A-Za-z0-9_-]{22}$`), 'a 128-bit base64url token');
  assert.equal(m.url, undefined, 'no url');
  assert.equal(m.grace_seconds, 60);
  assert.equal(m.failure_threshold, 1, 'heartbeats go DOWN at the first missed deadline');
  const other = await heartbeat('another job');
  assert.notEqual(other.ping_url, m.ping_url);
  // Never pinged: past any period + grace it is still not DOWN, and nothing is recorded.
  await sleep(PERIOD_MS + GRACE_MS + 300);
  await vigil.tick();
  assert.deepEqual(await checksOf(m), []);
  // The tick never dispatches a heartbeat monitor (it is pinged, not probed): no queue message.
  const queue = (await vigil.api('GET', '/status/queue')).body.data;
  assert.equal(queue.last_tick.dispatched, 0, JSON.stringify(queue));
  assert.equal(queue.due_now, 0, 'a heartbeat monitor is never due');
  const d = await detail(m);
  assert.equal(d.state.status, null);
  assert.equal(d.heartbeat.deadline_at, null);
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 409, 'a heartbeat is not run');
  // Refusals name their field.
  for (const [body, field] of [
    [{ monitor_type: 'heartbeat', name: 'x', url: 'https://example.com/' }, 'url'],
    [{ monitor_type: 'heartbeat', name: 'x', grace_seconds: 10 }, 'grace_seconds'],
    [{ monitor_type: 'heartbeat', name: 'x', schedule: 'sometimes' }, 'schedule'],
    [{ monitor_type: 'heartbeat', name: 'x', schedule: '0 3 * * *', tz: 'Mars/Olympus_Mons' }, 'tz'],
  ]) {
    const r = await vigil.api('POST', '/api/monitors', body);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.field, field, JSON.stringify(r.body));
  }
  const cron = await heartbeat('nightly', { schedule: '30 2 * * *', tz: 'Europe/Berlin' });
  assert.deepEqual([cron.schedule, cron.tz], ['30 2 * * *', 'Europe/Berlin']);
  assert.equal((await ping(cron)).status, 200);
  const next = (await detail(cron)).heartbeat.deadline_at;
  // 02:30 Berlin is 00:30Z or 01:30Z; plus 60 s (scaled) of grace.
  assert.match(next, /T0[01]:30:03\.000Z$/, next);
});

test('pinged on time stays UP; GET, POST and HEAD all count', async () => {
  const m = await heartbeat('on time');
  const first = await ping(m);
  assert.deepEqual([first.status, first.body], [200, 'OK']);
  assert.match(first.type, /^text\/plain/);
  for (const method of ['POST', 'HEAD', 'GET']) {
    await sleep(PERIOD_MS / 2);
    await vigil.tick();
    assert.equal((await ping(m, '', { method })).status, 200, method);
  }
  await vigil.tick();
  const checks = await checksOf(m);
  assert.equal(checks.length, 4);
  assert.ok(checks.every((c) => c.status === 'UP'), JSON.stringify(checks));
  assert.deepEqual(await incidentsOf(m), []);
  assert.equal((await detail(m)).state.status, 'UP');
});

test('silence opens exactly one incident after period + grace, the next ping resolves it, and alerts arrive as for HTTP', async () => {
  const m = await heartbeat('silent job');
  const hook = await vigil.api('POST', '/api/notification-endpoints', { project: 1, name: 'hb hook', kind: 'webhook', url: rx.url('/hook/hb'), monitors: [m.id] });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const pinged = Date.now();
  assert.equal((await ping(m)).status, 200);
  await vigil.tick();
  assert.deepEqual(await incidentsOf(m), [], 'not before the deadline');
  const [incident] = await tickUntil(async () => {
    const list = await incidentsOf(m);
    return list.length > 0 && list;
  }, 'missed heartbeat incident');
  assert.ok(Date.now() - pinged >= PERIOD_MS + GRACE_MS, 'not before period + grace');
  assert.equal(incident.failure_kind, 'missed_heartbeat');
  const down = (await checksOf(m)).find((c) => c.status === 'DOWN');
  assert.equal(down.failure_kind, 'missed_heartbeat');
  assert.match(down.failure_type, /^no ping since /);
  // Another period of silence: still one incident (another DOWN check keeps the timeline red).
  await sleep(PERIOD_MS + 200);
  await tickUntil(async () => (await checksOf(m)).filter((c) => c.status === 'DOWN').length >= 2, 'a second DOWN check');
  assert.equal((await incidentsOf(m)).length, 1);
  // The next ping resolves it.
  assert.equal((await ping(m)).status, 200);
  const [resolved] = await incidentsOf(m);
  assert.equal(resolved.open, false);
  // The webhook saw exactly opened then resolved, signed as for HTTP monitors.
  await vigil.waitFor(() => rx.requests('/hook/hb').length >= 2, { what: 'opened and resolved webhooks' });
  await sleep(1000);
  const hooks = rx.requests('/hook/hb');
  assert.deepEqual(hooks.map((r) => JSON.parse(r.body).type), ['incident.opened', 'incident.resolved']);
  for (const r of hooks) assert.equal(verifyWebhook(r, hook.body.secret).standard, true);
  const opened = JSON.parse(hooks[0].body);
  assert.equal(opened.data.monitor.name, 'silent job');
  assert.equal(opened.data.check.status, 'DOWN');
  assert.equal(JSON.parse(hooks[1].body).data.check.status, 'UP');
});

test('/start then silence goes DOWN after the grace time; a finish measures the run', async () => {
  const m = await heartbeat('hung job');
  assert.equal((await ping(m)).status, 200);
  const started = Date.now();
  assert.equal((await ping(m, '/start')).status, 200);
  const d = await detail(m);
  assert.equal(d.heartbeat.open_runs.length, 1);
  const down = await tickUntil(async () => (await checksOf(m)).find((c) => c.status === 'DOWN'), 'DOWN after start + grace');
  assert.ok(Date.now() - started >= GRACE_MS);
  assert.ok(Date.now() - started < PERIOD_MS + GRACE_MS, 'the start deadline, earlier than the period one');
  assert.equal(down.failure_kind, 'missed_heartbeat');
  assert.match(down.failure_type, /^started at .*no finish within the grace time/);
  // A run that finishes reports its duration, as the check's latency and on the detail.
  const ok = await heartbeat('measured job');
  await ping(ok, '/start');
  await sleep(300);
  assert.equal((await ping(ok)).status, 200);
  const [check] = await checksOf(ok);
  assert.equal(check.status, 'UP');
  assert.ok(check.latency_ms >= 300 && check.latency_ms < 5000, JSON.stringify(check));
  assert.equal((await detail(ok)).heartbeat.last_duration_ms, check.latency_ms);
});

test('/fail and a nonzero exit status go DOWN; exit 0 recovers', async () => {
  const m = await heartbeat('failing job');
  assert.equal((await ping(m, '/fail')).status, 200);
  let [c] = await checksOf(m);
  assert.deepEqual([c.status, c.failure_kind], ['DOWN', 'job_failed']);
  assert.equal((await incidentsOf(m)).length, 1);
  await sleep(1100); // a check per second: its slot is its identity
  assert.equal((await ping(m, '/0')).status, 200);
  assert.equal((await detail(m)).state.status, 'UP');
  await sleep(1100);
  assert.equal((await ping(m, '/1')).status, 200);
  [c] = await checksOf(m);
  assert.deepEqual([c.status, c.failure_kind, c.failure_type], ['DOWN', 'job_failed', 'exit status 1']);
  assert.equal((await incidentsOf(m)).length, 2);
  assert.equal((await ping(m, '/256')).status, 400);
  assert.equal((await ping(m, '/bogus')).status, 404);
});

test('an unknown token is 404 and writes nothing', async () => {
  const m = await heartbeat('known job');
  await ping(m);
  const before = await footprint();
  for (const path of ['/ping/AAAAAAAAAAAAAAAAAAAAAA', '/ping/AAAAAAAAAAAAAAAAAAAAAA/start', '/ping/AAAAAAAAAAAAAAAAAAAAAA/fail', '/ping/not-a-token', '/ping/AAAAAAAAAAAAAAAAAAAAAA/1']) {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(vigil.base + path, { method, body: method === 'POST' ? 'log' : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.match(res.headers.get('content-type'), /^text\/plain/);
      assert.equal(await res.text(), 'not found');
    }
  }
  assert.equal(await footprint(), before, 'no row changed');
});

test('a POST body is kept (capped at 10,000 bytes) and shown with the ping; rid pairs overlapping runs', async () => {
  const m = await heartbeat('logging job');
  assert.equal((await ping(m, '/start?rid=a')).status, 200);
  await sleep(200);
  assert.equal((await ping(m, '/start?rid=b')).status, 200);
  await sleep(200);
  assert.equal((await ping(m, '?rid=b', { method: 'POST', body: 'b done' })).status, 200);
  await sleep(1000);
  const big = 'x'.repeat(9_990) + 'é'.repeat(20); // 10,030 bytes
  assert.equal((await ping(m, '/log', { method: 'POST', body: big })).status, 200);
  assert.equal((await ping(m, '?rid=a', { method: 'POST', body: 'a done', headers: { 'content-type': 'text/plain' } })).status, 200);
  assert.equal((await ping(m, '/start?rid=bad%20rid')).status, 400);
  const { heartbeat: hb } = await detail(m);
  assert.deepEqual(hb.open_runs, []);
  const [a, log, b] = hb.pings.filter((p) => p.kind !== 'start');
  assert.deepEqual([a.kind, a.rid, a.body], ['success', 'a', 'a done']);
  assert.deepEqual([b.kind, b.rid, b.body], ['success', 'b', 'b done']);
  assert.ok(a.duration_ms >= 1400 && b.duration_ms >= 200 && b.duration_ms < a.duration_ms, `a ${a.duration_ms}, b ${b.duration_ms}`);
  assert.match(a.check_id, new RegExp(`^${m.id}-\\d+$`), 'a finish names its check');
  assert.equal(log.kind, 'log');
  assert.equal(log.check_id, null, 'a log records no check');
  assert.equal(Buffer.byteLength(log.body), 10_000, 'cut at 10,000 bytes (on a character boundary)');
  assert.ok(big.startsWith(log.body));
  const checks = await checksOf(m);
  assert.equal(checks.length, 2, 'two finishes, two checks; start and log record none');
});

test('pings are rate-limited per token', async () => {
  const m = await heartbeat('chatty job');
  const other = await heartbeat('quiet job');
  const answers = [];
  for (let i = 0; i < 31; i++) answers.push((await ping(m, '/log')).status);
  assert.deepEqual(answers.slice(0, 30), Array(30).fill(200));
  const limited = await ping(m, '/log');
  assert.equal(limited.status, 429);
  assert.equal(limited.body, 'rate limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal((await ping(other)).status, 200, 'another token is not limited');
});

test('concurrent pings of one token are all counted, none lost to the race', async () => {
  // Ten servers running the same job, finishing at once: every ping is answered and logged.
  const m = await heartbeat('fleet job');
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => fetch(`${m.ping_url}/log`, { method: 'POST', body: `host ${i}` })));
  assert.deepEqual(answers.map((r) => r.status), Array(10).fill(200));
  const logged = (await detail(m)).heartbeat.pings.map((p) => p.body).sort();
  assert.deepEqual(logged, Array.from({ length: 10 }, (_, i) => `host ${i}`).sort());
});

test('pausing disarms the deadline; export and import keep the heartbeat fields', async () => {
  const m = await heartbeat('paused job', { grace_seconds: 120 });
  await ping(m);
  assert.ok((await detail(m)).heartbeat.deadline_at);
  const paused = await vigil.api('PATCH', `/api/monitors/${m.id}`, { is_active: false });
  assert.equal(paused.status, 200, JSON.stringify(paused.body));
  assert.equal((await detail(m)).heartbeat.deadline_at, null);
  const exported = await vigil.api('GET', '/api/export');
  const project = exported.body.projects.find((p) => p.monitors.some((x) => x.name === 'paused job'));
  const doc = project.monitors.find((x) => x.name === 'paused job');
  assert.deepEqual([doc.monitor_type, doc.grace_seconds, doc.check_interval_seconds, doc.url], ['heartbeat', 120, 60, undefined]);
  const again = await vigil.api('POST', '/api/import', { projects: [{ slug: project.slug, name: project.name, monitors: [{ ...doc, grace_seconds: 180 }] }] });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const kept = await detail(m);
  assert.equal(kept.ping_url, m.ping_url, 'the token survives an import');
  assert.equal(kept.grace_seconds, 180);
});

test('export with secrets carries the ping token; an import keeps, takes or issues it and says which', async () => {
  const m = await heartbeat('moved job');
  const token = m.ping_url.split('/').pop();
  const exportOf = async (secrets) => {
    const r = await vigil.api('GET', `/api/export?include_secrets=${secrets}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const project = r.body.projects.find((p) => p.monitors.some((x) => x.name === 'moved job'));
    return { project, doc: project.monitors.find((x) => x.name === 'moved job') };
  };
  assert.equal((await exportOf(false)).doc.ping_token, undefined, 'a credential: only with include_secrets');
  const { project, doc } = await exportOf(true);
  assert.equal(doc.ping_token, token);
  const importing = (monitors) => vigil.api('POST', '/api/import', { projects: [{ slug: project.slug, name: project.name, monitors }] });
  const lineOf = (report, name) => report.heartbeats.find((h) => h.monitor === name);

  // The token is held: another monitor cannot take it, and the refused import writes nothing.
  const clash = await importing([{ ...doc, name: 'copy of moved job' }]);
  assert.equal(clash.status, 409, JSON.stringify(clash.body));
  assert.equal(clash.body.field, 'projects[0].monitors[0].ping_token');
  assert.ok(!(await vigil.api('GET', '/api/monitors?limit=200')).body.items.some((x) => x.name === 'copy of moved job'));

  // Re-imported where it lives: kept, and nothing is written.
  const again = await importing([doc]);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.deepEqual(lineOf(again.body, 'moved job'), { project: project.slug, monitor: 'moved job', ping_url: m.ping_url, ping_token: 'kept' });
  assert.equal(again.body.unchanged.monitors, 1);

  // Moved (here: deleted, then imported): the job's old URL works for the new monitor.
  assert.equal((await vigil.api('DELETE', `/api/monitors/${m.id}`)).status, 204);
  assert.equal((await ping(m)).status, 404, 'no monitor holds it now');
  const moved = await importing([doc]);
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(lineOf(moved.body, 'moved job').ping_token, 'imported');
  assert.equal(lineOf(moved.body, 'moved job').ping_url, m.ping_url);
  const arrived = (await vigil.api('GET', '/api/monitors?limit=200')).body.items.find((x) => x.name === 'moved job');
  assert.equal(arrived.ping_url, m.ping_url);
  assert.equal((await ping(m)).status, 200);
  assert.equal((await checksOf(arrived)).length, 1, 'the old URL records for the imported monitor');

  // Without a token: a new URL, reported as new, which works.
  const fresh = await importing([{ ...doc, name: 'fresh job', ping_token: undefined }]);
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
  const line = lineOf(fresh.body, 'fresh job');
  assert.equal(line.ping_token, 'new');
  assert.match(line.ping_url, /\/ping\/[A-Za-z0-9_-]{22}$/);
  assert.notEqual(line.ping_url, m.ping_url);
  const created = (await vigil.api('GET', '/api/monitors?limit=200')).body.items.find((x) => x.name === 'fresh job');
  assert.equal(created.ping_url, line.ping_url);
  assert.equal((await ping({ ping_url: line.ping_url })).status, 200);
  for (const x of [arrived, created]) assert.equal((await vigil.api('DELETE', `/api/monitors/${x.id}`)).status, 204);
});
