// Public status page end to end: real checks plus seeded history (raw checks from hours ago,
// rolled up by the cron), rendered as HTML, JSON, Atom and badges, cached at the edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startVigil, startTarget } from './harness.mjs';

let vigil;
let target;
const HOUR = 3_600_000;
// The page is negotiated (DESIGN.md §8): ask for HTML as a browser does (the harness's default
// Accept is JSON).
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

before(async () => {
  target = await startTarget();
  vigil = await startVigil();
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

// Seeds rows no API writes yet (history from the past, a private project) straight into the
// instance's local D1, the way `wrangler d1 execute` would for an operator.
const sql = (command) => vigil.d1(command);

const iso = (ms) => new Date(ms).toISOString();

const create = (body) => vigil.createMonitor(body, { check_interval_seconds: 60 });

test('seeded history and real checks show up in timeline, uptime, JSON, feed and badges', async () => {
  const up = await create({ name: 'Homepage <script>alert(1)</script>', url: target.url('/ok') });
  const down = await create({ name: 'API', url: target.url('/status/503'), retries: 0, failure_threshold: 1 });

  // The API monitor's past: UP for the hour starting 3 h ago, DOWN for the next hour, then silence.
  const h0 = Math.floor(Date.now() / HOUR) * HOUR;
  // Stored as the recorder stores them (migration 0014): every check an entry of its hour's block
  // (`;<slot offset>:<start offset ms>:<latency>`, `df` for a DOWN with a full row), and the
  // DOWN ones also a full `checks` row.
  const rows = [];
  const blocks = new Map();
  for (let m = 0; m < 120; m++) {
    const at = h0 - 3 * HOUR + m * 60_000;
    const slot = at / 1000;
    const start = slot - (slot % 3600);
    const isUp = m < 60;
    blocks.set(start, { data: (blocks.get(start)?.data ?? '') + `;${slot - start}:0:${isUp ? 40 : '30df'}`, last: iso(at) });
    if (!isUp) rows.push(`(${down.id}, ${slot}, 'scheduled', '${iso(at)}', 'DOWN', 0, 503, 30, 'status 503 not in [200]', 1)`);
  }
  const blockRows = [...blocks].map(([start, b]) => `(${down.id}, ${start}, '${b.last}', '${b.data}')`);
  await sql(`UPDATE monitors SET created_at = '${iso(h0 - 4 * HOUR)}' WHERE id = ${down.id};
       INSERT INTO check_blocks (monitor_id, start, last_at, data) VALUES ${blockRows.join(',')};
       INSERT INTO checks (monitor_id, slot, kind, started_at, status, slow, http_status, latency_ms, failure_type, attempts) VALUES ${rows.join(',')};`);

  await vigil.tick(); // real checks for both, and the cron rolls up the finished hours
  await vigil.waitFor(async () => {
    const [a, b] = await Promise.all([up, down].map(async (m) => (await vigil.api('GET', `/api/monitors/${m.id}`)).body.latest_check));
    return a && b && b.started_at > iso(h0);
  }, { what: 'real checks recorded' });

  const json = await vigil.api('GET', '/status/default.json', undefined, { token: null });
  assert.equal(json.status, 200);
  assert.equal(json.body.status, 'DOWN', 'a core monitor is down');
  const api = json.body.monitors.find((m) => m.id === down.id);
  const home = json.body.monitors.find((m) => m.id === up.id);
  assert.equal(api.status, 'DOWN');
  assert.equal(home.status, 'UP');
  // Timeline: 240 minutes; the seeded DOWN hour ended 1 h ago, so the window holds up, down and
  // an unknown gap (2 x interval forward fill, then gray), then today's real DOWN check.
  assert.equal(api.timeline.reduce((s, r) => s + r.minutes, 0), 240);
  const states = api.timeline.map((r) => r.state);
  for (const s of ['up', 'down', 'unknown']) assert.ok(states.includes(s), `timeline has ${s}: ${states}`);
  const unknownGap = api.timeline.find((r) => r.state === 'unknown' && r.minutes > 30);
  assert.ok(unknownGap, 'a long unknown stretch after the seeded history stops');
  // 24 h uptime from rollups: 60 up minutes, ~62 down minutes (2 forward-filled), unknown never counted as up.
  const u24 = api.uptime.find((u) => u.window === '24h').value;
  assert.ok(u24 > 0.45 && u24 < 0.5, `24h uptime ${u24}`);

  // The HTML says the same, escapes hostile names, and leaks no URL or raw error text.
  const html = await vigil.api('GET', '/status/default', undefined, { token: null, headers: HTML });
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /text\/html/);
  assert.ok(!html.body.includes('<script>alert(1)</script>'), 'monitor name escaped');
  assert.ok(html.body.includes('&lt;script&gt;'), 'escaped form present');
  // The page needs no JavaScript: its one script is the optional local-time one, from its own
  // origin (its CSP allows no other), and nothing else can run.
  const scripts = html.body.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts.map((s) => s.replace(/\?v=\d+/, '')), ['<script src="/assets/local-time.js" defer>'], 'one optional script only');
  assert.ok(!/<script>|javascript:|\son[a-z]+=/i.test(html.body), 'no inline script or handler');
  assert.match(html.headers.get('content-security-policy'), /script-src 'self'/);
  for (const leak of [target.base, '127.0.0.1', 'status 503 not in']) assert.ok(!html.body.includes(leak), `no ${leak}`);
  assert.ok(html.body.includes(api.uptime.find((u) => u.window === '24h').text), 'uptime text on the page');

  // Incidents: the real DOWN check opened one; the feed lists it.
  const feed = await vigil.api('GET', '/status/default/feed.atom', undefined, { token: null });
  assert.equal(feed.status, 200);
  assert.match(feed.headers.get('content-type'), /atom/);
  assert.match(feed.body, /<entry>/);
  // The feed links its own page (this origin), never the monitored target.
  assert.ok(!feed.body.includes(target.base) && !feed.body.includes(`:${target.port}`), 'no target address');

  // Badges agree with the page.
  const badge = await vigil.api('GET', `/badge/default/${down.id}.svg`, undefined, { token: null });
  assert.equal(badge.status, 200);
  assert.match(badge.body, /<svg/);
  assert.match(badge.body, /down/i);
  const shield = await vigil.api('GET', `/badge/default/${up.id}.json`, undefined, { token: null });
  assert.equal(shield.body.schemaVersion, 1);
  assert.equal(shield.body.message.toLowerCase(), 'up');
  const uptimeBadge = await vigil.api('GET', `/badge/default/${down.id}.json?metric=uptime&window=24h`, undefined, { token: null });
  assert.equal(uptimeBadge.body.message, api.uptime.find((u) => u.window === '24h').text);
  const badWindow = await vigil.api('GET', `/badge/default/${down.id}.svg?window=1y`, undefined, { token: null });
  assert.equal(badWindow.status, 400);
  assert.equal(badWindow.body.field, 'window');

  // Detail page.
  const detail = await vigil.api('GET', `/status/default/${down.id}`, undefined, { token: null });
  assert.equal(detail.status, 200);
  assert.ok(detail.body.includes('API'));
  assert.equal((await vigil.api('GET', '/status/default/999999', undefined, { token: null })).status, 404);
});

test('pages are cached: a second view within 30 s is a HIT, and ETags give 304', async () => {
  const first = await vigil.api('GET', '/status/default', undefined, { token: null, headers: HTML });
  const second = await vigil.api('GET', '/status/default', undefined, { token: null, headers: HTML });
  assert.equal(second.headers.get('x-vigil-cache'), 'HIT');
  assert.equal(second.body, first.body);
  assert.match(second.headers.get('cache-control'), /max-age=30/);
  const etag = second.headers.get('etag');
  assert.ok(etag);
  const conditional = await vigil.api('GET', '/status/default', undefined, { token: null, headers: { ...HTML, 'if-none-match': etag } });
  assert.equal(conditional.status, 304);
  // A random query string is not a way around the cache (and so around D1).
  const busted = await vigil.api('GET', `/status/default?x=${Math.random()}`, undefined, { token: null, headers: HTML });
  assert.equal(busted.headers.get('x-vigil-cache'), 'HIT');
  assert.equal(busted.body, first.body);
});

test('private and unknown projects answer 404', async () => {
  await sql(`INSERT INTO projects (slug, name, public, created_at) VALUES ('secret', 'Secret', 0, '${iso(Date.now())}');`);
  for (const path of ['/status/secret', '/status/secret.json', '/status/secret/feed.atom', '/status/nope', '/badge/secret/1.svg']) {
    const r = await vigil.api('GET', path, undefined, { token: null });
    assert.equal(r.status, 404, path);
    assert.equal(r.headers.get('content-type'), 'application/problem+json', path);
  }
});
