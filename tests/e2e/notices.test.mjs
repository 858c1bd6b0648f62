// What operators say on the status page (issue 16, DESIGN.md §9), end to end against wrangler
// dev: updates posted to a real incident (a loopback target that goes down), notices without
// an incident, upcoming maintenance, a custom hostname, input errors as problem+json, and the
// page in a real browser (Debian's chromium through playwright-core): screenshots light and
// dark at phone width, axe-core, the optional local-time script under the page's CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

import { startVigil, startTarget, ROOT } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
// VIGIL_SCREENSHOTS=1 writes the screenshots into docs/screenshots/ (the README shows them).
const SHOTS = process.env.VIGIL_SCREENSHOTS === '1' ? path.join(ROOT, 'docs', 'screenshots') : path.join(os.tmpdir(), 'vigil-notices-shots');
const DOMAIN = 'status.acme-shop.io';

let vigil;
let target;
let project;
let monitor;
let incident;

// A page stays fresh in the edge cache for 1 s, then is revalidated against its data version:
// every change below must reach the page through that version, not through the cache expiring.
before(async () => {
  target = await startTarget();
  vigil = await startVigil({ browser: true, vars: { STATUS_CACHE_SECONDS: '1' } });
  const p = await vigil.api('POST', '/api/projects', { name: 'Acme Shop', slug: 'acme-shop' });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  project = p.body;
  await fetch(target.url('/_control/switch/checkout'), { method: 'POST', body: JSON.stringify({ status: 503 }) });
  const m = await vigil.api('POST', '/api/monitors', {
    project: project.id, name: 'Checkout API', url: target.url('/switch/checkout'), check_interval_seconds: 60, retries: 0, failure_threshold: 1,
  });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  monitor = m.body;
  const web = await vigil.api('POST', '/api/monitors', { project: project.id, name: 'Storefront', url: target.url('/ok'), check_interval_seconds: 60 });
  assert.equal(web.status, 201, JSON.stringify(web.body));
  await vigil.tick();
  incident = await vigil.waitFor(async () => (await vigil.api('GET', `/api/incidents?monitor=${monitor.id}&state=open`)).body.items[0], { what: 'an open incident' });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

const page = () => vigil.api('GET', '/status/acme-shop', undefined, { token: null, headers: HTML });
const pageJson = () => vigil.api('GET', '/status/acme-shop.json', undefined, { token: null });
const feed = () => vigil.api('GET', '/status/acme-shop/feed.atom', undefined, { token: null });
const entryIds = (xml) => [...xml.matchAll(/<entry>\n<id>([^<]+)<\/id>/g)].map((m) => m[1]);

/** GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(host, urlPath, accept = 'text/html') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: vigil.port, path: urlPath, headers: { host, accept } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('three updates to a real incident show in order on the page, in JSON and in the feed; edits and deletes follow', async () => {
  const post = (body) => vigil.api('POST', `/api/incidents/${incident.id}/updates`, body);
  const u1 = await post({ status: 'investigating', message: 'Checkout requests are failing. We are looking into it.' });
  assert.equal(u1.status, 201, JSON.stringify(u1.body));
  assert.equal(u1.headers.get('location'), `/api/incident-updates/${u1.body.id}`);
  const u2 = await post({ status: 'identified', message: 'A **bad deploy** of the payment service.\n<script>alert(1)</script> [x](javascript:alert(1))' });
  const u3 = await post({ status: 'monitoring', message: 'Rolled back. Details:\n- errors back to normal\n- see https://example.com/postmortem' });
  for (const u of [u2, u3]) assert.equal(u.status, 201, JSON.stringify(u.body));
  assert.equal(u2.body.message_html, '<p>A <strong>bad deploy</strong> of the payment service.<br>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>');

  const list = await vigil.api('GET', `/api/incidents/${incident.id}/updates`);
  assert.deepEqual(list.body.items.map((u) => u.status), ['monitoring', 'identified', 'investigating'], 'newest first');

  const ids = [u3.body.id, u2.body.id, u1.body.id];
  const html = await vigil.waitFor(async () => {
    const r = await page();
    return r.body.includes(`id=update-${u3.body.id}`) && r;
  }, { what: 'updates on the page' });
  assert.match(html.headers.get('content-security-policy'), /script-src 'self'/);
  const positions = ids.map((id) => html.body.indexOf(`id=update-${id}`));
  assert.ok(positions[0] > 0 && positions[0] < positions[1] && positions[1] < positions[2], `newest first: ${positions}`);
  assert.ok(html.body.indexOf(`id=incident-${incident.id}`) < html.body.indexOf('aria-label=Monitors'), 'the open incident is at the top');
  assert.ok(html.body.includes('A <strong>bad deploy</strong>'), 'Markdown subset rendered');
  assert.ok(html.body.includes('<ul><li>errors back to normal</li>'));
  assert.ok(!html.body.includes('<script>alert') && !html.body.includes('href="javascript'), 'hostile input is inert');
  assert.ok(html.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));

  const inc = await vigil.waitFor(async () => {
    const i = (await pageJson()).body.incidents.find((x) => x.id === incident.id);
    return i?.updates.length === 3 && i;
  }, { what: 'three updates in the JSON' });
  assert.deepEqual(inc.updates.map((u) => u.id), ids);
  assert.deepEqual(inc.updates.map((u) => u.status_text), ['Monitoring', 'Identified', 'Investigating']);

  const atom = await vigil.waitFor(async () => {
    const r = await feed();
    return r.body.includes(`#update-${u3.body.id}`) && r;
  }, { what: 'the updates in the feed' });
  const entries = entryIds(atom.body);
  for (const id of ids) assert.equal(entries.filter((e) => e.endsWith(`#update-${id}`)).length, 1, `one entry for update ${id}`);
  assert.ok(entries.indexOf(entries.find((e) => e.endsWith(`#update-${ids[0]}`))) < entries.indexOf(entries.find((e) => e.endsWith(`#update-${ids[2]}`))));
  assert.match(atom.body, /<title>Checkout API: Monitoring<\/title>/);

  // Edit: the text and status change, the time and every feed id stay.
  const edited = await vigil.api('PATCH', `/api/incident-updates/${u2.body.id}`, { message: 'A bad *config push* to the payment service.' });
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  assert.equal(edited.body.created_at, u2.body.created_at);
  assert.ok(edited.body.edited_at);
  const afterEdit = await vigil.waitFor(async () => {
    const r = await page();
    return r.body.includes('<em>config push</em>') && r;
  }, { what: 'the edit on the page' });
  assert.ok(afterEdit.body.includes('(edited '));
  const atom2 = await vigil.waitFor(async () => {
    const r = await feed();
    return r.body.includes('config push') && r;
  }, { what: 'the edit in the feed' });
  assert.deepEqual(entryIds(atom2.body).sort(), entries.sort(), 'feed ids unchanged by an edit');

  // Delete: gone everywhere.
  const del = await vigil.api('DELETE', `/api/incident-updates/${u1.body.id}`);
  assert.equal(del.status, 204);
  await vigil.waitFor(async () => !(await page()).body.includes(`id=update-${u1.body.id}`), { what: 'the deleted update gone from the page' });
  // Each representation has its own cache entry with its own 1 s fresh window, so each is awaited.
  const left = await vigil.waitFor(async () => {
    const u = (await pageJson()).body.incidents.find((i) => i.id === incident.id).updates;
    return u.length === 2 && u;
  }, { what: 'the deleted update gone from the JSON' });
  assert.deepEqual(left.map((u) => u.id), [u3.body.id, u2.body.id]);
  await vigil.waitFor(async () => !entryIds((await feed()).body).some((e) => e.endsWith(`#update-${u1.body.id}`)), { what: 'the deleted update gone from the feed' });
  assert.equal((await vigil.api('PATCH', `/api/incident-updates/${u1.body.id}`, { message: 'x' })).status, 404);

  // The monitor's own page shows its incident's timeline too.
  const detail = await vigil.api('GET', `/status/acme-shop/${monitor.id}`, undefined, { token: null, headers: HTML });
  assert.equal(detail.status, 200);
  assert.ok(detail.body.includes(`id=update-${u3.body.id}`) && detail.body.includes('<em>config push</em>'));
});

test('a notice without an incident shows at the top, then below once resolved', async () => {
  const n = await vigil.api('POST', `/api/projects/${project.id}/notices`, {
    title: 'Card payments via our provider', status: 'identified', message: 'Our payment provider reports elevated errors; some card payments fail.',
  });
  assert.equal(n.status, 201, JSON.stringify(n.body));
  assert.equal(n.body.open, true);
  assert.equal(n.body.updates.length, 1);
  const top = await vigil.waitFor(async () => {
    const r = await page();
    return r.body.includes(`id=notice-${n.body.id}`) && r;
  }, { what: 'the notice on the page' });
  const at = top.body.indexOf(`id=notice-${n.body.id}`);
  assert.ok(at < top.body.indexOf('aria-label=Monitors') && at > top.body.indexOf('Active incidents'), 'an open notice is in the active section');
  assert.ok(top.body.includes('Card payments via our provider'));

  const resolved = await vigil.api('POST', `/api/notices/${n.body.id}/updates`, { status: 'resolved', message: 'The provider has recovered.' });
  assert.equal(resolved.status, 201, JSON.stringify(resolved.body));
  const got = await vigil.api('GET', `/api/notices/${n.body.id}`);
  assert.equal(got.body.open, false);
  assert.equal(got.body.status, 'resolved');
  assert.deepEqual(got.body.updates.map((u) => u.status), ['resolved', 'identified']);
  const below = await vigil.waitFor(async () => {
    const r = await page();
    const i = r.body.indexOf(`id=notice-${n.body.id}`);
    return i > r.body.indexOf('Past incidents') && r.body.indexOf('Past incidents') > 0 && r;
  }, { what: 'the resolved notice below' });
  assert.ok(below.body.includes('The provider has recovered.'));
  await vigil.waitFor(async () => (await pageJson()).body.notices.find((x) => x.id === n.body.id)?.open === false, { what: 'the notice closed in the JSON' });
  const list = await vigil.api('GET', `/api/projects/${project.id}/notices`);
  assert.equal(list.body.items[0].id, n.body.id);
  await vigil.waitFor(async () => entryIds((await feed()).body).some((e) => e.endsWith(`#update-${resolved.body.id}`)), { what: 'the resolving update in the feed' });

  // Rename, then delete with its updates.
  assert.equal((await vigil.api('PATCH', `/api/notices/${n.body.id}`, { title: 'Card payments' })).body.title, 'Card payments');
  assert.equal((await vigil.api('DELETE', `/api/notices/${n.body.id}`)).status, 204);
  assert.equal((await vigil.api('GET', `/api/notices/${n.body.id}`)).status, 404);
  assert.equal((await vigil.api('PATCH', `/api/incident-updates/${resolved.body.id}`, { message: 'x' })).status, 404, 'its updates went with it');
  await vigil.waitFor(async () => !(await page()).body.includes(`id=notice-${n.body.id}`), { what: 'the deleted notice gone' });
});

test('a future maintenance window is announced on the page and in the feed before it starts', async () => {
  const start = new Date(Date.now() + 2 * 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  const end = new Date(start.getTime() + 90 * 60_000);
  const w = await vigil.api('POST', '/api/maintenance-windows', { project: project.id, title: 'Database upgrade', starts_at: start.toISOString(), ends_at: end.toISOString() });
  assert.equal(w.status, 201, JSON.stringify(w.body));
  const html = await vigil.waitFor(async () => {
    const r = await page();
    return r.body.includes('Database upgrade') && r;
  }, { what: 'the window on the page' });
  const section = html.body.slice(html.body.indexOf('Scheduled maintenance'));
  assert.ok(section.includes('Upcoming'));
  assert.ok(section.includes(`<time datetime="${start.toISOString()}">`) && section.includes(`<time datetime="${end.toISOString()}">`), 'its time range');
  const atom = await vigil.waitFor(async () => {
    const r = await feed();
    return r.body.includes(`#maintenance-${w.body.id}`) && r;
  }, { what: 'the window in the feed' });
  assert.ok(entryIds(atom.body).some((e) => e.endsWith(`#maintenance-${w.body.id}`)));
  assert.match(atom.body, /<title>Scheduled maintenance: Database upgrade<\/title>/);
});

test('a custom hostname serves its project at / (and its JSON, feed and monitor pages), and nothing else', async () => {
  const bad = await vigil.api('PATCH', `/api/projects/${project.id}`, { custom_domain: 'https://status.acme-shop.io/' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'custom_domain');
  const set = await vigil.api('PATCH', `/api/projects/${project.id}`, { custom_domain: 'Status.Acme-Shop.IO' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.custom_domain, DOMAIN);
  const other = await vigil.api('POST', '/api/projects', { name: 'Other', custom_domain: DOMAIN });
  assert.equal(other.status, 409);
  assert.equal(other.body.field, 'custom_domain');
  assert.equal(other.headers.get('content-type'), 'application/problem+json');

  const root = await getWithHost(DOMAIN, '/');
  assert.equal(root.status, 200, root.body.slice(0, 300));
  assert.match(root.headers['content-type'], /text\/html/);
  assert.ok(root.body.includes('<h1>Acme Shop</h1>') && root.body.includes(`id=incident-${incident.id}`));
  const json = await getWithHost(DOMAIN, '/', 'application/json');
  assert.equal(JSON.parse(json.body).project.slug, 'acme-shop', 'negotiated JSON at / is its own cache entry');
  assert.equal(JSON.parse((await getWithHost(DOMAIN, '/index.json')).body).project.slug, 'acme-shop');
  assert.match((await getWithHost(DOMAIN, '/feed.atom')).body, /<feed xmlns/);
  assert.equal((await getWithHost(DOMAIN, `/${monitor.id}`)).status, 200);
  assert.equal((await getWithHost(DOMAIN, '/assets/local-time.js')).status, 200);
  for (const p of ['/api/monitors', '/app', '/status/default', '/openapi.json']) {
    assert.equal((await getWithHost(DOMAIN, p)).status, 404, `${p} is not served on a status domain`);
  }
  // Any other host is routed as before.
  const plain = await getWithHost('unknown-host.example.org', '/', 'application/json');
  assert.equal(plain.status, 200);
  assert.equal(JSON.parse(plain.body).service, 'vigil');
});

test('bad input is problem+json naming the field; other tenants see 404', async () => {
  const cases = [
    ['POST', `/api/incidents/${incident.id}/updates`, { status: 'fixed', message: 'x' }, 'status'],
    ['POST', `/api/incidents/${incident.id}/updates`, { status: 'resolved' }, 'message'],
    ['POST', `/api/incidents/${incident.id}/updates`, { status: 'resolved', message: 'x', at: 'now' }, 'at'],
    ['POST', `/api/incidents/${incident.id}/updates`, { status: 'resolved', message: 'y'.repeat(5001) }, 'message'],
    ['POST', `/api/projects/${project.id}/notices`, { status: 'identified', message: 'x' }, 'title'],
    ['POST', `/api/projects/${project.id}/notices`, { title: 't', status: 'identified', message: '' }, 'message'],
  ];
  for (const [method, p, body, field] of cases) {
    const r = await vigil.api(method, p, body);
    assert.equal(r.status, 400, `${p} ${JSON.stringify(body).slice(0, 80)}`);
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.equal(r.body.field, field);
  }
  const u = await vigil.api('POST', `/api/incidents/${incident.id}/updates`, { status: 'investigating', message: 'mine' });
  assert.equal((await vigil.api('PATCH', `/api/incident-updates/${u.body.id}`, { status: 'done' })).body.field, 'status');

  const made = await vigil.api('POST', '/api/users', { username: 'mallory', password: 'mallory-password-1' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const login = await vigil.api('POST', '/api/auth/token', { username: 'mallory', password: 'mallory-password-1' }, { token: null });
  const token = login.body.token;
  const as = (method, p, body) => vigil.api(method, p, body, { token });
  for (const [method, p, body] of [
    ['GET', `/api/incidents/${incident.id}/updates`],
    ['POST', `/api/incidents/${incident.id}/updates`, { status: 'resolved', message: 'not yours' }],
    ['PATCH', `/api/incident-updates/${u.body.id}`, { message: 'not yours' }],
    ['DELETE', `/api/incident-updates/${u.body.id}`],
    ['GET', `/api/projects/${project.id}/notices`],
    ['POST', `/api/projects/${project.id}/notices`, { title: 't', status: 'identified', message: 'x' }],
  ]) {
    assert.equal((await as(method, p, body)).status, 404, `${method} ${p}`);
  }
  const still = await vigil.api('GET', `/api/incidents/${incident.id}/updates`);
  assert.ok(still.body.items.some((x) => x.id === u.body.id && x.message === 'mine'), 'nothing changed');
  assert.equal((await vigil.api('DELETE', `/api/incident-updates/${u.body.id}`)).status, 204);
});

test('in a browser: screenshots light and dark at phone width, axe finds nothing, local times under the CSP, and it works without JavaScript', async () => {
  mkdirSync(SHOTS, { recursive: true });
  // A notice as well, so the picture shows both kinds of thread.
  await vigil.api('POST', `/api/projects/${project.id}/notices`, { title: 'Emails delayed', status: 'monitoring', message: 'Our email provider is catching up; receipts may arrive late.' });
  await vigil.waitFor(async () => (await page()).body.includes('Emails delayed'), { what: 'the notice on the page' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    for (const scheme of ['light', 'dark']) {
      // bypassCSP only so axe-core can be injected; the CSP itself is checked below.
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, colorScheme: scheme, bypassCSP: true, timezoneId: 'UTC' });
      const p = await context.newPage();
      const errors = [];
      p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await p.goto(`${vigil.base}/status/acme-shop`);
      await p.addScriptTag({ content: AXE });
      const violations = await p.evaluate(async () => (await window.axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })));
      assert.deepEqual(violations, [], `axe (${scheme})`);
      await p.screenshot({ path: path.join(SHOTS, `notices-phone-${scheme}.png`), fullPage: true });
      assert.deepEqual(errors, [], `console errors (${scheme})`);
      await context.close();
    }
    // The local-time script runs under the page's own CSP and rewrites times into the zone.
    const local = await browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    const lp = await local.newPage();
    const cspErrors = [];
    lp.on('console', (m) => { if (m.type() === 'error') cspErrors.push(m.text()); });
    await lp.goto(`${vigil.base}/status/acme-shop`);
    await lp.waitForFunction(() => document.querySelector('.tz')?.textContent === 'times in your time zone');
    const shown = await lp.locator(`#update-${(await pageJson()).body.incidents[0].updates[0].id} time`).first().textContent();
    assert.match(shown, /\b(EST|EDT)\b/, `a time in the visitor's zone: ${shown}`);
    assert.deepEqual(cspErrors, [], 'no CSP violation');
    await local.close();
    // Without JavaScript: the same page, times in UTC.
    const nojs = await browser.newContext({ javaScriptEnabled: false });
    const np = await nojs.newPage();
    await np.goto(`${vigil.base}/status/acme-shop`);
    assert.equal(await np.locator('.tz').textContent(), 'times in UTC');
    assert.match(await np.locator('time').first().textContent(), /UTC$/);
    assert.ok(await np.getByText('Checkout API').first().isVisible());
    await nojs.close();
  } finally {
    await browser.close();
  }
});

test('the dashboard posts, edits and deletes updates and opens notices, without JavaScript; errors next to the field; CSRF refused', async () => {
  const password = 'olive-password-1';
  assert.equal((await vigil.api('POST', '/api/users', { username: 'olive', password })).status, 201);
  const token = (await vigil.api('POST', '/api/auth/token', { username: 'olive', password }, { token: null })).body.token;
  const as = (method, p, body) => vigil.api(method, p, body, { token });
  const proj = await as('POST', '/api/projects', { name: 'Olive Bakery', slug: 'olive-bakery' });
  await fetch(target.url('/_control/switch/olive'), { method: 'POST', body: JSON.stringify({ status: 500 }) });
  const mon = await as('POST', '/api/monitors', { project: proj.body.id, name: 'Orders', url: target.url('/switch/olive'), check_interval_seconds: 60, retries: 0, failure_threshold: 1 });
  assert.equal(mon.status, 201, JSON.stringify(mon.body));
  await vigil.tick();
  const inc = await vigil.waitFor(async () => (await as('GET', `/api/incidents?monitor=${mon.body.id}&state=open`)).body.items[0], { what: "olive's incident" });

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    for (const js of [false, true]) {
      const context = await browser.newContext({ javaScriptEnabled: js, bypassCSP: true });
      const p = await context.newPage();
      p.setDefaultTimeout(20_000);
      p.on('dialog', (d) => d.accept());
      const axe = async (what) => {
        if (!js) return;
        await p.addScriptTag({ content: AXE });
        const v = await p.evaluate(async () => (await window.axe.run()).violations.filter((x) => x.impact === 'serious' || x.impact === 'critical').map((x) => x.id));
        assert.deepEqual(v, [], `axe on ${what}`);
      };
      await p.goto(`${vigil.base}/app/login`);
      await p.getByLabel('Username').fill('olive');
      await p.getByLabel('Password').fill(password);
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.waitForURL(`${vigil.base}/app`);

      // From the monitor's page to its incident's page.
      await p.goto(`${vigil.base}/app/monitors/${mon.body.id}`);
      await p.getByRole('link', { name: 'Post an update' }).first().click();
      await p.waitForURL(new RegExp(`/app/incidents/${inc.id}$`));
      await axe('incident page');
      // An empty message: the API's error next to the field, the choice kept, nothing written.
      await p.getByLabel('Status').selectOption('identified');
      await p.getByRole('button', { name: 'Post update' }).click();
      await p.locator('#e-message').waitFor();
      assert.match(await p.locator('#e-message').textContent(), /required|characters/);
      assert.equal(await p.getByLabel('Status').inputValue(), 'identified');
      const before = (await as('GET', `/api/incidents/${inc.id}/updates`)).body.items.length;
      await p.getByLabel('Message').fill(`Ovens are **down** (${js ? 'js' : 'no js'}). <b>not bold</b>`);
      await p.getByRole('button', { name: 'Post update' }).click();
      await p.waitForURL(/done=posted$/);
      const items = (await as('GET', `/api/incidents/${inc.id}/updates`)).body.items;
      assert.equal(items.length, before + 1);
      assert.equal(items[0].status, 'identified');
      await p.locator(`#update-${items[0].id} strong`, { hasText: 'down' }).waitFor();
      assert.ok((await p.content()).includes('&lt;b&gt;not bold&lt;/b&gt;'));
      // Edit, then delete.
      await p.locator(`#update-${items[0].id}`).getByRole('link', { name: /Edit/ }).click();
      await axe('edit update');
      await p.getByLabel('Message').fill('Ovens are back.');
      await p.getByLabel('Status').selectOption('monitoring');
      await p.getByRole('button', { name: 'Save update' }).click();
      await p.waitForURL(/done=saved$/);
      const edited = (await as('GET', `/api/incidents/${inc.id}/updates`)).body.items[0];
      assert.equal(edited.message, 'Ovens are back.');
      assert.equal(edited.status, 'monitoring');
      assert.ok(edited.edited_at);
      await p.locator(`#update-${edited.id}`).getByRole('button', { name: 'Delete' }).click();
      await p.waitForURL(/done=deleted$/);
      assert.equal((await as('GET', `/api/incidents/${inc.id}/updates`)).body.items.length, before);

      // A notice.
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notices', exact: true }).click();
      await axe('notices');
      await p.getByLabel('Title').fill(`Flour delivery late ${js}`);
      await p.getByRole('button', { name: 'Post notice' }).click();
      await p.locator('#e-message').waitFor();
      await p.getByLabel('First update').fill('Our supplier is late; fewer loaves today.');
      await p.getByRole('button', { name: 'Post notice' }).click();
      await p.waitForURL(/\/app\/notices\/\d+\?done=created$/);
      await axe('notice page');
      const noticeId = Number(new URL(p.url()).pathname.split('/').pop());
      await p.getByLabel('Status').selectOption('resolved');
      await p.getByLabel('Message').fill('Delivered.');
      await p.getByRole('button', { name: 'Post update' }).click();
      await p.waitForURL(/done=posted$/);
      const n = await as('GET', `/api/notices/${noticeId}`);
      assert.equal(n.body.open, false);
      assert.deepEqual(n.body.updates.map((u) => u.status), ['resolved', 'investigating']);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  // A form post without the session's CSRF token is refused and writes nothing.
  const login = await fetch(`${vigil.base}/app/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=olive&password=${password}` });
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const count = (await as('GET', `/api/incidents/${inc.id}/updates`)).body.items.length;
  const forged = await fetch(`${vigil.base}/app/incidents/${inc.id}/updates`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'status=resolved&message=forged' });
  assert.equal(forged.status, 403);
  assert.equal((await as('GET', `/api/incidents/${inc.id}/updates`)).body.items.length, count);
  // Another user's incident page is the same 404 as a missing one.
  const other = await fetch(`${vigil.base}/app/incidents/${incident.id}`, { headers: { cookie } });
  assert.equal(other.status, 404);
});
