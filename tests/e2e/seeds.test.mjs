// The seeds' clients and files, as they are (issue 17; DESIGN.md §8): each request below is
// sent the way the seed's README shows it (path, headers, body), and the assertions read what
// that seed's client reads. Seed 003 (uptime-guard, Django REST framework), seed 000
// (http-monitoring, Flask), seed 002 (static synthetic monitor: sites YAML and CSV history).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startVigil, startTarget } from './harness.mjs';

let vigil;
let target;
let slowTarget; // its own fixture, so its in-flight peak counts only the concurrency test
const ADMIN = 'test-admin-token';

before(async () => {
  target = await startTarget();
  slowTarget = await startTarget();
  // CHECK_LOG on and worker logs visible: the per-check line is asserted below.
  // HANDOFF_AFTER_MS above the 1.5 s targets of the worker_thread test: it counts the fetches one
  // invocation holds at once, and a hand-off would run them in the slow lane's invocation too.
  vigil = await startVigil({ logLevel: 'log', vars: { CHECK_LOG: 'true', HANDOFF_AFTER_MS: '5000' } });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
  await slowTarget?.close();
});

/** A request with a raw body, as a seed's client sends it (not the harness's JSON). */
async function send(method, path, { body, headers = {} } = {}) {
  const res = await fetch(vigil.base + path, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  let parsed = text;
  if (/[/+]json\b/.test(type) && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed, text };
}

function problem(r, status, field, what) {
  assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
  assert.equal(r.headers.get('content-type'), 'application/problem+json', what);
  if (field !== undefined) assert.equal(r.body.field, field, `${what}: ${r.body.detail}`);
}

async function newUser(username, password) {
  const r = await vigil.api('POST', '/api/users', { username, password });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

/** A minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += c;
  }
  assert.equal(field + row.join(''), '', 'CSV ends with CRLF');
  return rows;
}

test('seed 003: form login, Token auth, trailing slashes, the example monitor payload, a url-only endpoint, the status snapshot as JSON', async () => {
  await newUser('guard', 'guard-password-1');
  // Django REST framework's obtain_auth_token, as `requests.post(url, data={...})` sends it.
  const login = await send('POST', '/api/auth/token/', {
    body: 'username=guard&password=guard-password-1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(login.status, 201, JSON.stringify(login.body));
  assert.match(login.body.token, /^vgl_/);
  problem(await send('POST', '/api/auth/token/', { body: 'username=guard&password=wrong', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 401, undefined, 'wrong password in a form');
  problem(await send('POST', '/api/auth/token/', { body: 'username=guard&pass=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'pass', 'unknown form field');
  const auth = { authorization: `Token ${login.body.token}`, 'content-type': 'application/json', accept: 'application/json' };

  const project = await send('POST', '/api/projects/', { headers: auth, body: JSON.stringify({ name: 'Portfolio monitoring', slug: 'portfolio-monitoring', public: true }) });
  assert.equal(project.status, 201, JSON.stringify(project.body));

  // The README's "Example Monitor Payload", verbatim. `project: 1` is the admin's project, so
  // the admin's token sends it (seed 003 users authenticate with `Token`).
  const payload = `{
  "project": 1,
  "name": "Main API",
  "monitor_type": "http",
  "method": "GET",
  "url": "https://api.example.com/health",
  "headers": {
    "Accept": "application/json"
  },
  "expected_status_codes": [200],
  "expected_keyword": "ok",
  "timeout_seconds": 10,
  "check_interval_seconds": 60,
  "failure_threshold": 3,
  "expected_response_time_ms": 1200,
  "is_active": true
}`;
  const adminAuth = { authorization: `Token ${ADMIN}`, 'content-type': 'application/json' };
  const monitor = await send('POST', '/api/monitors/', { headers: adminAuth, body: payload });
  try {
    assert.equal(monitor.status, 201, JSON.stringify(monitor.body));
    assert.equal(monitor.body.body_contains, 'ok', 'expected_keyword is body_contains');
    assert.equal(monitor.body.expected_keyword, undefined, 'responses speak the canonical name');
    assert.deepEqual([monitor.body.timeout_seconds, monitor.body.check_interval_seconds, monitor.body.expected_response_time_ms], [10, 60, 1200]);
    const exported = await vigil.api('GET', '/api/export');
    const main = exported.body.projects.flatMap((p) => p.monitors).find((m) => m.name === 'Main API');
    assert.equal(main.body_contains, 'ok');
    assert.ok(!('expected_keyword' in main), 'export writes the canonical name');
    const renamed = await send('PATCH', `/api/monitors/${monitor.body.id}/`, { headers: adminAuth, body: '{"expected_keyword": "healthy"}' });
    assert.equal(renamed.body.body_contains, 'healthy');
    problem(await send('PATCH', `/api/monitors/${monitor.body.id}/`, { headers: adminAuth, body: '{"expected_keyword": "a", "body_contains": "b"}' }), 400, 'expected_keyword', 'alias and canonical disagree');
  } finally {
    // Never checked: api.example.com is not ours to fetch.
    if (monitor.body?.id) assert.equal((await send('DELETE', `/api/monitors/${monitor.body.id}/`, { headers: adminAuth })).status, 204);
  }

  // A notification endpoint given only a url is a webhook.
  const hook = await send('POST', '/api/notification-endpoints/', { headers: auth, body: JSON.stringify({ project: project.body.id, name: 'portfolio hook', url: target.url('/hook') }) });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.equal(hook.body.kind, 'webhook');
  assert.match(hook.body.secret, /^whsec_/);

  // The public status snapshot, asked for as JSON (and as HTML by a browser).
  const json = await send('GET', '/status/portfolio-monitoring/', { headers: { accept: 'application/json' } });
  assert.equal(json.status, 200);
  assert.match(json.headers.get('content-type'), /^application\/json/);
  assert.equal(json.headers.get('vary'), 'Accept');
  assert.equal(json.body.project.slug, 'portfolio-monitoring');
  const html = await send('GET', '/status/portfolio-monitoring/', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
  assert.match(html.headers.get('content-type'), /^text\/html/);
  assert.equal(html.headers.get('vary'), 'Accept');
  assert.notEqual(html.headers.get('etag'), json.headers.get('etag'), 'each representation has its own validator');
  // The edge cache is keyed per representation: JSON again, and `.json`, hit the JSON copy.
  const again = await send('GET', '/status/portfolio-monitoring', { headers: { accept: 'application/json' } });
  assert.equal(again.headers.get('x-vigil-cache'), 'HIT');
  assert.equal(again.text, json.text);
  const dotJson = await send('GET', '/status/portfolio-monitoring.json');
  assert.equal(dotJson.headers.get('x-vigil-cache'), 'HIT');
  assert.equal(dotJson.text, json.text);
  const htmlAgain = await send('GET', '/status/portfolio-monitoring');
  assert.match(htmlAgain.headers.get('content-type'), /^text\/html/, 'no Accept (curl): the HTML page');
  assert.equal(htmlAgain.text, html.text);
  assert.equal((await send('GET', '/health/')).status, 200);
});

test('seed 000: POST /status with two projects goes to the oldest; GET /status; the queue settings', async () => {
  await newUser('flask', 'flask-password-1');
  const token = (await vigil.api('POST', '/api/auth/token', { username: 'flask', password: 'flask-password-1' }, { token: null })).body.token;
  const user = (method, path, body) => vigil.api(method, path, body, { token });
  const first = await user('POST', '/api/projects', { name: 'First' });
  const second = await user('POST', '/api/projects', { name: 'Second' });
  assert.ok(first.body.id < second.body.id);

  // The README's request, verbatim: `curl -X POST {base_url}/status -d '...'` with JSON.
  const verbatim = `{
    "targets": [
            {
            "title": "Hit the Google!",
            "endpoint": "https://www.google.com/",
            "expected_http_code": 200
            }
    ]
}`;
  const posted = await send('POST', '/status', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: verbatim });
  try {
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    assert.equal(posted.body.category, 'success');
    assert.equal(posted.body.data[0].title, 'Hit the Google!');
    assert.equal(posted.body.data[0].project, first.body.id, 'the oldest project is the default');
    assert.match(posted.body.message, /monitored/);
  } finally {
    // Never checked: google.com is not ours to fetch.
    for (const d of posted.body.data ?? []) assert.equal((await user('DELETE', `/api/monitors/${d.monitor_id}`)).status, 204);
  }

  const mine = await user('POST', '/status', { targets: [{ title: 'fixture', endpoint: target.url('/ok'), expected_http_code: 200 }] });
  assert.equal(mine.status, 201, JSON.stringify(mine.body));
  const monitorId = mine.body.data[0].monitor_id;
  await vigil.tick();
  const status = await vigil.waitFor(async () => {
    const r = await user('GET', '/status');
    return r.body.data.find((d) => d.title === 'fixture' && d.timestamp) && r.body;
  }, { what: 'the fixture target checked' });
  assert.deepEqual(Object.keys(status).sort(), ['category', 'data', 'message']);
  const row = status.data.find((d) => d.title === 'fixture');
  assert.deepEqual([row.is_up, row.is_down, row.actual_response, row.expected_response, row.endpoint], [true, false, 200, 200, target.url('/ok')]);
  assert.match(row.elapsed, /^\d+\.\d\d seconds$/);

  // CHECK_LOG=true: one structured line per check.
  const line = await vigil.waitFor(() => vigil.logs().split('\n').find((l) => l.includes('vigil-check ') && l.includes(`"monitor_id":${monitorId},`)), { what: 'the check log line' });
  const logged = JSON.parse(line.slice(line.indexOf('vigil-check ') + 'vigil-check '.length));
  assert.deepEqual([logged.event, logged.status, logged.http_status, logged.attempts, logged.kind, logged.failure_kind], ["check", "UP", 200, 1, "scheduled", null]);
  assert.equal(typeof logged.latency_ms, 'number');

  // `POST /status/queue` as the README shows it: queue_size is the CHECK_JOBS_PER_MESSAGE var here, so a 409
  // naming it, and nothing changes.
  const queueBody = `{
    "worker_thread": 2,
    "queue_size": 4
}`;
  const adminJson = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  problem(await send('POST', '/status/queue', { headers: adminJson, body: queueBody }), 409, 'queue_size', 'jobs per message are a var');
  problem(await user('POST', '/status/queue', { worker_thread: 2 }), 403, undefined, 'admin only');
  problem(await send('POST', '/status/queue', { headers: adminJson, body: '{"worker_thread": 7}' }), 400, 'worker_thread', 'over 6');
  const queue = await send('GET', '/status/queue', { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual(Object.keys(queue.body).sort(), ['category', 'data', 'message']);
  assert.equal(queue.body.category, 'success');
  assert.equal(queue.body.data.worker_thread, 6, 'unchanged by the refused request');
  assert.equal(typeof queue.body.data.queue_status, 'boolean');
  assert.match(queue.body.data.start_time, /^\d+\.\d\d seconds$/);
  assert.match(queue.body.data.end_time, /^\d+\.\d\d seconds$/);
  assert.ok(queue.body.data.last_tick.dispatched >= 1, JSON.stringify(queue.body.data));
  assert.equal(typeof queue.body.data.last_tick.duration_ms, 'number');
});

test('seed 000: worker_thread is the checks one consumer invocation runs at once; 0 restores the default', async () => {
  const admin = (method, path, body) => vigil.api(method, path, body);
  const set = await admin('POST', '/status/queue', { worker_thread: 2, queue_size: 0 });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.data.worker_thread, 2);
  const project = (await admin('POST', '/api/projects', { name: 'Slow ones' })).body.id;
  const round = async (tag) => {
    await fetch(slowTarget.url('/_reset'), { method: 'POST' });
    for (let i = 0; i < 6; i++) {
      const r = await admin('POST', '/api/monitors', { project, name: `${tag} ${i}`, url: slowTarget.url('/delay/1500'), retries: 0, check_interval_seconds: 3600 });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    await vigil.tick();
    await vigil.waitFor(async () => (await (await fetch(slowTarget.url('/_stats'))).json()).total >= 6 && (await (await fetch(slowTarget.url('/_stats'))).json()).inFlight === 0, { timeoutMs: 60_000, what: `${tag}: six slow checks done` });
    return (await (await fetch(slowTarget.url('/_stats'))).json()).peakInFlight;
  };
  const peakTwo = await round('two');
  assert.ok(peakTwo <= 2 && peakTwo >= 1, `worker_thread 2: at most 2 fetches at once, saw ${peakTwo}`);
  const reset = await admin('POST', '/status/queue', { worker_thread: 0, queue_size: 0 });
  assert.equal(reset.body.data.worker_thread, 6, 'back to CHECK_CONCURRENCY');
  const peakDefault = await round('default');
  assert.ok(peakDefault > 2, `the default runs more at once (the test above can fail): saw ${peakDefault}`);
});

test('seed 002: the sites YAML imports into projects, monitors and roles, idempotently; its history exports as CSV', async () => {
  await newUser('static', 'static-password-1');
  const token = (await vigil.api('POST', '/api/auth/token', { username: 'static', password: 'static-password-1' }, { token: null })).body.token;
  const user = (method, path, body, opts = {}) => vigil.api(method, path, body, { token, ...opts });
  const yaml = `# sites.yaml, seed 002's format
sites:
  - id: shop
    domains:
      - id: www
        role: core
        url: ${target.url('/ok')}
        interval_seconds: 300
        expect:
          http_status: 200
          body_contains: ok
      - id: api
        role: supplementary
        url: ${target.url('/status/503')}
        interval_seconds: 60
        expect:
          http_status: 200
  - id: blog
    domains:
      - id: home
        role: core
        url: ${target.url('/ok')}
        expect:
          bot_protection_string: "Just a moment"
`;
  const importYaml = (body) => send('POST', '/api/import', { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' }, body });
  const first = await importYaml(yaml);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual([first.body.projects, first.body.monitors], [{ created: 2, updated: 0 }, { created: 3, updated: 0 }]);

  const projects = (await user('GET', '/api/projects')).body.items;
  assert.deepEqual(projects.map((p) => [p.slug, p.public]).sort(), [['blog', true], ['shop', true]]);
  const monitors = (await user('GET', '/api/monitors')).body.items;
  const bySlug = Object.fromEntries(projects.map((p) => [p.id, p.slug]));
  const seen = monitors.map((m) => [bySlug[m.project], m.name, m.role, m.check_interval_seconds, m.expected_status_codes, m.body_contains, m.bot_protection_string]).sort();
  assert.deepEqual(seen, [
    ['blog', 'home', 'core', 300, [200], null, 'Just a moment'],
    ['shop', 'api', 'supplementary', 60, [200], null, null],
    ['shop', 'www', 'core', 300, [200], 'ok', null],
  ]);

  // Applying the same file again changes nothing.
  const exportBefore = (await user('GET', '/api/export')).body.projects;
  const second = await importYaml(yaml);
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.deepEqual([second.body.projects, second.body.monitors], [{ created: 0, updated: 2 }, { created: 0, updated: 3 }]);
  assert.deepEqual(second.body.unchanged, { projects: 2, monitors: 3 });
  assert.deepEqual((await user('GET', '/api/export')).body.projects, exportBefore);
  assert.deepEqual((await user('GET', '/api/monitors')).body.items.map((m) => m.id).sort(), monitors.map((m) => m.id).sort());

  // Bad YAML: a problem naming the YAML field and its line, and nothing written.
  const bad = await importYaml(yaml.replace('interval_seconds: 60', 'interval_seconds: 30'));
  problem(bad, 400, 'sites[0].domains[1].interval_seconds', 'interval below 60');
  assert.match(bad.body.detail, /line 15/);
  const broken = await importYaml('sites:\n  - id: shop\n    domains: [\n');
  problem(broken, 400, undefined, 'syntax error');
  assert.match(broken.body.detail, /line \d+/);
  problem(await importYaml('sites:\n  - id: shop\n    domain: []\n'), 400, 'sites[0].domain', 'unknown field');
  assert.deepEqual((await user('GET', '/api/export')).body.projects, exportBefore);

  // History as seed 002's CSV.
  await vigil.tick();
  await vigil.waitFor(async () => (await user('GET', '/api/checks')).body.items.length >= 3, { timeoutMs: 60_000, what: 'three checks recorded' });
  const csv = await send('GET', '/api/checks', { headers: { authorization: `Bearer ${token}`, accept: 'text/csv' } });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  const rows = parseCsv(csv.text);
  assert.deepEqual(rows[0], ['timestamp', 'site_id', 'domain_id', 'domain_status', 'http_status', 'latency_ms', 'failure_type']);
  const records = rows.slice(1);
  assert.ok(records.every((r) => r.length === 7), JSON.stringify(records));
  const find = (site, domain) => records.find((r) => r[1] === site && r[2] === domain);
  assert.deepEqual(find('shop', 'www').slice(3, 5), ['UP', '200']);
  assert.deepEqual(find('shop', 'api').slice(3, 5), ['DOWN', '503']);
  assert.ok(find('shop', 'api')[6].length > 0, 'a DOWN check says why');
  assert.equal(find('blog', 'home')[3], 'UP');
  assert.match(find('blog', 'home')[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  // Paginated like the JSON list: the next page's URL is in Link (and the cursor in X-Next-Cursor).
  const page1 = await send('GET', '/api/checks?limit=2', { headers: { authorization: `Bearer ${token}`, accept: 'text/csv' } });
  assert.equal(parseCsv(page1.text).length, 3);
  const link = page1.headers.get('link');
  assert.match(link, /^<\/api\/checks\?limit=2&cursor=[^>]+>; rel="next"$/);
  assert.equal(link.slice(1, link.indexOf('>')).split('cursor=')[1], encodeURIComponent(page1.headers.get('x-next-cursor')));
  const page2 = await send('GET', link.slice(1, link.indexOf('>')), { headers: { authorization: `Bearer ${token}`, accept: 'text/csv' } });
  const rest = parseCsv(page2.text).slice(1);
  assert.ok(rest.length >= 1);
  const all = parseCsv(page1.text).slice(1).concat(rest);
  assert.equal(new Set(all.map((r) => r.join(','))).size, all.length, 'pages do not overlap');
  // CHECK_LOG names the failure kind of a DOWN check.
  const apiId = monitors.find((m) => m.name === 'api').id;
  const downLine = vigil.logs().split('\n').find((l) => l.includes('vigil-check ') && l.includes(`"monitor_id":${apiId},`));
  const down = JSON.parse(downLine.slice(downLine.indexOf('vigil-check ') + 'vigil-check '.length));
  assert.deepEqual([down.status, down.http_status, down.failure_kind], ['DOWN', 503, 'status']);
  assert.ok(down.failure_type.length > 0);
  // JSON stays the default.
  assert.ok(Array.isArray((await user('GET', '/api/checks')).body.items));
});
