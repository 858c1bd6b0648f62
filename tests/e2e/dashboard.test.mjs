// The web dashboard (issue 12) in a real browser: Debian's chromium driven by playwright-core
// (no browser download), against wrangler dev. The new user's journey with and without
// JavaScript, CSRF refusals that write nothing, other users' ids answering 404, hostile names
// rendered as text, axe-core on every page (no serious or critical violations), and no console
// errors anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

import { startVigil, startTarget } from './harness.mjs';
import { startReceivers } from '../fixtures/receivers.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORDS = { carol: 'carol-password-1', dave: 'dave-password-22', erin: 'erin-password-333', root: 'root-password-4444' };

let vigil;
let target;
let receivers;
let browser;

before(async () => {
  target = await startTarget();
  receivers = await startReceivers();
  vigil = await startVigil({ browser: true });
  for (const [username, password] of Object.entries(PASSWORDS)) {
    const r = await vigil.api('POST', '/api/users', { username, password, is_admin: username === 'root' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await vigil?.stop();
  await receivers?.close();
  await target?.close();
});

/** A token for checking through the API what the browser did. */
async function apiAs(username) {
  const r = await vigil.api('POST', '/api/auth/token', { username, password: PASSWORDS[username] }, { token: null });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (method, path, body) => vigil.api(method, path, body, { token: r.body.token });
}

/**
 * A browser context and page that record console errors. `allow(status)` forgives the
 * "Failed to load resource: ... status of N" line a page answered with N on purpose.
 */
async function open({ js = true } = {}) {
  // bypassCSP only so axe-core can be injected; the CSP itself is checked over HTTP below.
  const context = await browser.newContext({ javaScriptEnabled: js, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => d.accept());
  return {
    context,
    page,
    allow(status) {
      const pattern = new RegExp(`status of ${status}\\b`);
      for (let i = errors.length - 1; i >= 0; i--) if (pattern.test(errors[i])) errors.splice(i, 1);
    },
    assertNoErrors(what) { assert.deepEqual(errors, [], `console errors (${what})`); },
    js,
  };
}

/** axe-core on the current page: no serious or critical violations. Needs JavaScript. */
async function axe(b, what) {
  if (!b.js) return;
  await b.page.addScriptTag({ content: AXE });
  const violations = await b.page.evaluate(async () => (await window.axe.run()).violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })));
  assert.deepEqual(violations, [], `axe on ${what} (${b.page.url()})`);
}

async function login(b, username) {
  const { page } = b;
  const r = await page.goto(vigil.base + '/app');
  assert.match(page.url(), /\/app\/login\?next=%2Fapp$/, 'an anonymous visit goes to the login form');
  assert.equal(r.status(), 200);
  await axe(b, 'login');
  // A wrong password: one message, the username kept, no session.
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Wrong username or password.').waitFor();
  b.allow(401);
  assert.equal(await page.getByLabel('Username').inputValue(), username);
  await page.getByLabel('Password').fill(PASSWORDS[username]);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(vigil.base + '/app');
  const cookie = (await b.context.cookies()).find((c) => c.name === 'vigil_session');
  assert.ok(cookie, 'session cookie set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(cookie.path, '/app');
  assert.equal(cookie.secure, false, 'not Secure on localhost (the browser would drop it)');
  return cookie.value;
}

function nav(page, name) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

async function journey(js, username) {
  const b = await open({ js });
  const { page } = b;
  const api = await apiAs(username);
  const oldCookie = await login(b, username);
  await page.getByText('Create your first project').waitFor();
  await axe(b, 'empty overview');

  // A project.
  await nav(page, 'Projects');
  await axe(b, 'projects (empty)');
  await page.getByLabel('Name', { exact: true }).fill(`${username} shop`);
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForURL(/\/app\/projects\?done=created$/);
  await page.getByRole('cell', { name: `${username} shop`, exact: true }).waitFor();
  await axe(b, 'projects');

  // A monitor with a mistake: the error inline next to the field, the input kept.
  await nav(page, 'Monitors');
  await page.getByRole('link', { name: 'Add monitor' }).click();
  await page.waitForURL(/\/app\/monitors\/new/);
  await axe(b, 'new monitor form');
  await page.getByLabel('Name', { exact: true }).fill('Homepage');
  await page.getByLabel('URL', { exact: true }).fill('ftp://example.com/');
  await page.getByLabel('Check every (seconds)').fill('60');
  await page.getByRole('button', { name: 'Add monitor' }).click();
  await page.locator('#e-url').waitFor();
  b.allow(400);
  assert.match(await page.locator('#e-url').textContent(), /http/i, 'the API\'s message about the URL');
  assert.equal(await page.locator('#f-url').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Homepage', 'input kept');
  assert.equal(await page.getByLabel('URL', { exact: true }).inputValue(), 'ftp://example.com/');
  assert.equal((await api('GET', '/api/monitors')).body.items.length, 0, 'nothing written');
  await axe(b, 'monitor form with an error');
  await page.getByLabel('URL', { exact: true }).fill(target.url('/ok'));
  await page.getByRole('button', { name: 'Add monitor' }).click();
  await page.waitForURL(/\/app\/monitors\/\d+\?done=created$/);
  const monitorId = Number(new URL(page.url()).pathname.split('/').pop());
  const stored = await api('GET', `/api/monitors/${monitorId}`);
  assert.equal(stored.status, 200);
  assert.equal(stored.body.name, 'Homepage');
  assert.equal(stored.body.check_interval_seconds, 60);
  assert.equal(stored.body.url, target.url('/ok'));

  // Checked after a tick.
  await vigil.tick();
  await vigil.waitFor(async () => {
    await page.reload();
    return (await page.locator('table').getByText('UP', { exact: true }).count()) > 0;
  }, { what: 'the first check on the detail page' });
  await page.getByText('Latency, last 4 hours: median').waitFor();
  await axe(b, 'monitor detail');
  await nav(page, 'Monitors');
  await page.locator('.ov .st.u', { hasText: 'Up' }).waitFor();
  assert.match(await page.locator('.ov tbody tr').first().textContent(), /Homepage.*Up.*ms.*ago.*100 %/);
  await axe(b, 'overview');
  // Filters are a GET form: they work without JavaScript and a filtered view is a link.
  await page.getByLabel('State').selectOption('paused');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/state=paused/);
  await page.getByText('No monitor matches this filter.').waitFor();
  await page.getByLabel('State').selectOption('up');
  await page.getByLabel('Project').selectOption({ label: `${username} shop` });
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/project=\d+&state=up/);
  await page.getByRole('link', { name: 'Homepage' }).waitFor();

  // Edit, pause and resume, run now.
  await page.getByRole('link', { name: 'Homepage' }).click();
  await page.getByRole('link', { name: 'Edit' }).click();
  await axe(b, 'edit monitor');
  await page.getByLabel('Check every (seconds)').fill('120');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.waitForURL(/done=saved$/);
  assert.equal((await api('GET', `/api/monitors/${monitorId}`)).body.check_interval_seconds, 120);
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.waitForURL(/done=paused$/);
  assert.equal((await api('GET', `/api/monitors/${monitorId}`)).body.is_active, false);
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.waitForURL(/done=resumed$/);
  assert.equal((await api('GET', `/api/monitors/${monitorId}`)).body.is_active, true);
  await page.getByRole('button', { name: 'Run now' }).click();
  await page.waitForURL(/done=queued$/);
  await vigil.waitFor(async () => (await api('GET', `/api/checks?monitor=${monitorId}`)).body.items.some((c) => c.kind === 'manual'), { what: 'the manual check' });

  // A webhook endpoint: the secret once, a test send, its delivery in the log.
  const hook = `/hook/${username}`;
  await nav(page, 'Alerts');
  await axe(b, 'endpoints (empty)');
  await page.getByRole('link', { name: 'Add endpoint' }).click();
  await axe(b, 'new endpoint');
  await page.getByLabel('Name', { exact: true }).fill('Ops hook');
  await page.getByLabel('URL', { exact: true }).fill(receivers.url(hook));
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = (await page.locator('#secret').textContent()).trim();
  assert.match(secret, /^whsec_/);
  await axe(b, 'endpoint with its secret');
  await page.getByRole('button', { name: 'Send test' }).click();
  await page.waitForURL(/done=test$/);
  await vigil.waitFor(async () => {
    await page.reload();
    return (await page.getByRole('cell', { name: 'delivered' }).count()) > 0;
  }, { what: 'the test delivery in the log' });
  assert.ok(receivers.requests(hook).length >= 1, 'the receiver got the test');
  assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
  await axe(b, 'endpoint with deliveries');
  await nav(page, 'Alerts');
  await page.getByRole('cell', { name: 'Ops hook', exact: true }).waitFor();
  await axe(b, 'endpoints');

  // An ntfy endpoint from the same form: its own fields (with script, only the chosen kind's
  // are shown), its token kept through an edit that leaves the box empty, and a test that
  // reaches the loopback server as ntfy's JSON publish with the token.
  const ntfy = `/ntfy-${username}/`;
  await page.getByRole('link', { name: 'Add endpoint' }).click();
  await page.getByLabel('Kind').selectOption('ntfy');
  if (js) {
    assert.equal(await page.getByLabel('Bot token').isVisible(), false, 'the telegram group is hidden for ntfy');
    assert.equal(await page.getByLabel('Email recipients').isVisible(), false, 'the email group is hidden for ntfy');
    await axe(b, 'new endpoint, ntfy chosen');
  }
  await page.getByLabel('Name', { exact: true }).fill('Phones');
  await page.getByLabel('URL', { exact: true }).fill(receivers.url(ntfy));
  await page.getByLabel('Topic', { exact: true }).fill(`ops-${username}`);
  await page.getByLabel('Access token').fill('tk_e2etoken1');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await page.waitForURL(/\/app\/endpoints\/\d+\?done=created$/);
  const ntfyId = Number(new URL(page.url()).pathname.split('/').pop());
  let ep = (await api('GET', `/api/notification-endpoints/${ntfyId}`)).body;
  assert.deepEqual([ep.kind, ep.topic, ep.has_secret], ['ntfy', `ops-${username}`, true]);
  assert.ok(!(await page.content()).includes('tk_e2etoken1'), 'the token is never shown');
  await page.getByLabel('Topic', { exact: true }).fill(`oncall-${username}`);
  await page.getByRole('button', { name: 'Save endpoint' }).click();
  await page.waitForURL(/done=saved$/);
  ep = (await api('GET', `/api/notification-endpoints/${ntfyId}`)).body;
  assert.deepEqual([ep.topic, ep.has_secret], [`oncall-${username}`, true], 'an empty token box keeps the token');
  await page.getByRole('button', { name: 'Send test' }).click();
  await page.waitForURL(/done=test$/);
  await vigil.waitFor(async () => receivers.requests(ntfy).length > 0, { what: 'the ntfy test publish' });
  const publish = receivers.requests(ntfy)[0];
  assert.equal(publish.headers.authorization, 'Bearer tk_e2etoken1');
  assert.equal(JSON.parse(publish.body).topic, `oncall-${username}`);
  await nav(page, 'Alerts');
  await page.getByRole('cell', { name: `${receivers.url(ntfy)} (topic oncall-${username})` }).waitFor();

  // A maintenance window.
  await nav(page, 'Maintenance');
  await axe(b, 'maintenance (empty)');
  const local = (ms) => new Date(ms).toISOString().slice(0, 16);
  await page.getByLabel('Title').fill('Database upgrade');
  await page.getByLabel('Starts (UTC)').fill(local(Date.now() + 3_600_000));
  await page.getByLabel('Ends (UTC)').fill(local(Date.now() + 7_200_000));
  await page.getByRole('button', { name: 'Create window' }).click();
  await page.waitForURL(/done=created$/);
  await page.getByRole('cell', { name: 'Database upgrade', exact: true }).waitFor();
  await page.getByRole('cell', { name: 'Upcoming' }).waitFor();
  assert.equal((await api('GET', '/api/maintenance-windows')).body.items.length, 1);
  await axe(b, 'maintenance');

  // A token: shown once, works, revoked, then refused.
  await nav(page, 'API tokens');
  await page.getByLabel('Name', { exact: true }).fill('deploy script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.locator('#secret').textContent()).trim();
  assert.match(token, /^vgl_/);
  await axe(b, 'tokens');
  assert.equal((await vigil.api('GET', '/api/me', undefined, { token })).status, 200);
  await page.getByRole('row', { name: /deploy script/ }).getByRole('button', { name: 'Revoke' }).click();
  await page.waitForURL(/done=revoked$/);
  assert.equal((await vigil.api('GET', '/api/me', undefined, { token })).status, 401);
  assert.ok(!(await page.content()).includes(token));

  // Export downloads the API's document; importing it again (a multipart upload) adds nothing.
  await nav(page, 'Export/import');
  await axe(b, 'export/import');
  const exported = await b.context.request.get(vigil.base + '/app/export');
  assert.equal(exported.status(), 200);
  assert.match(exported.headers()['content-disposition'], /attachment/);
  const doc = await exported.json();
  assert.equal(doc.vigil_export, 1);
  assert.equal(doc.projects[0].monitors[0].name, 'Homepage');
  await page.locator('#f-file').setInputFiles({ name: 'vigil-export.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText('Imported: projects: 0 created, 1 updated; monitors: 0 created, 1 updated; notification endpoints: 0 created, 2 updated').waitFor();
  await axe(b, 'import report');
  // A file that is not an export: the API's error, nothing imported.
  await page.locator('#f-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"projects": 3}') });
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText('Nothing was imported.').waitFor();
  b.allow(400);
  assert.equal((await api('GET', '/api/monitors')).body.items.length, 1);
  // A heartbeat monitor imported without its token gets a new ping URL, and the report says so.
  const { name: pname, slug } = doc.projects[0];
  const hb = { projects: [{ name: pname, slug, monitors: [{ name: 'nightly backup', monitor_type: 'heartbeat', check_interval_seconds: 86400 }] }] };
  await page.locator('#f-file').setInputFiles({ name: 'jobs.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(hb)) });
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText('New ping URLs.').waitFor();
  const backup = (await api('GET', '/api/monitors')).body.items.find((m) => m.name === 'nightly backup');
  assert.match(backup.ping_url, /\/ping\/[A-Za-z0-9_-]{22}$/);
  assert.equal((await page.getByRole('listitem').filter({ hasText: 'nightly backup' }).locator('code').textContent()).trim(), backup.ping_url);
  await axe(b, 'import report with new ping URLs');
  assert.equal((await api('DELETE', `/api/monitors/${backup.id}`)).status, 204);
  await nav(page, 'Account');
  await axe(b, 'account');

  // Log out: the session row is gone, so the old cookie no longer works.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByText('You are logged out.').waitFor();
  const again = await fetch(vigil.base + '/app', { headers: { cookie: `vigil_session=${oldCookie}` }, redirect: 'manual' });
  assert.equal(again.status, 303);
  assert.match(again.headers.get('location'), /^\/app\/login/);
  b.assertNoErrors(`journey, JavaScript ${js ? 'on' : 'off'}`);
  await b.context.close();
  return monitorId;
}

test('a new user\'s journey with JavaScript', async () => {
  await journey(true, 'carol');
});

test('the same journey without JavaScript', async () => {
  await journey(false, 'dave');
});

test('security headers, static assets, and / linking to /app', async () => {
  const login = await fetch(vigil.base + '/app/login');
  const csp = login.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(login.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(login.headers.get('referrer-policy'), 'same-origin');
  const html = await login.text();
  assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, 'no inline script');
  const css = html.match(/href="(\/app\/static\/app\.css\?v=\d+)"/)[1];
  const asset = await fetch(vigil.base + css);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control'), /max-age=31536000/);
  assert.match(asset.headers.get('content-type'), /text\/css/);
  const root = await fetch(vigil.base + '/', { headers: { accept: 'text/html' }, redirect: 'manual' });
  assert.equal(root.status, 303);
  assert.equal(root.headers.get('location'), '/app');
  const json = await vigil.api('GET', '/', undefined, { token: null });
  assert.equal(json.body.links.app, '/app');
});

test('a POST without the CSRF token, or with a wrong one, or from another site, is refused and writes nothing', async () => {
  const b = await open();
  await login(b, 'erin');
  const api = await apiAs('erin');
  const request = b.context.request;
  const base = vigil.base;
  const token = await b.page.locator('input[name=csrf]').first().getAttribute('value');
  assert.ok(token && token.length >= 40);
  const attempts = [
    ['no token', '/app/projects', { name: 'Evil one' }, {}],
    ['wrong token', '/app/projects', { name: 'Evil two', csrf: token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A') }, {}],
    ['empty token', '/app/projects', { name: 'Evil three', csrf: '' }, {}],
    ['another site', '/app/projects', { name: 'Evil four', csrf: token }, { origin: 'https://evil.example' }],
    ['monitor, no token', '/app/monitors', { url: target.url('/ok') }, {}],
    ['token, no token', '/app/tokens', { name: 'stolen' }, {}],
    ['logout, no token', '/app/logout', {}, {}],
  ];
  for (const [what, path, form, headers] of attempts) {
    const r = await request.post(base + path, { form, headers, maxRedirects: 0 });
    assert.equal(r.status(), 403, what);
    assert.match(await r.text(), /Nothing was changed/, what);
  }
  assert.equal((await api('GET', '/api/projects')).body.items.length, 0, 'no project written');
  assert.equal((await api('GET', '/api/monitors')).body.items.length, 0, 'no monitor written');
  assert.equal((await api('GET', '/api/tokens')).body.items.length, 1, 'only the checking token');
  // The session survived the refused logout, and the right token works.
  const ok = await request.post(base + '/app/projects', { form: { name: 'Erin real', csrf: token, public: 'true' }, maxRedirects: 0 });
  assert.equal(ok.status(), 303);
  assert.equal((await api('GET', '/api/projects')).body.items.length, 1);
  // Without a session at all: to the login form, nothing written.
  const anon = await fetch(base + '/app/projects', { method: 'POST', body: new URLSearchParams({ name: 'anon', csrf: token }), redirect: 'manual' });
  assert.equal(anon.status, 303);
  assert.match(anon.headers.get('location'), /^\/app\/login/);
  assert.equal((await api('GET', '/api/projects')).body.items.length, 1);
  b.assertNoErrors('csrf');
  await b.context.close();
});

test('another user\'s ids answer 404 and a hostile name renders as text', async () => {
  const carol = await apiAs('carol');
  const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  const p = await carol('POST', '/api/projects', { name: `Evil ${hostile}`, slug: 'evil-names' });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const m = await carol('POST', '/api/monitors', { project: p.body.id, name: hostile, url: target.url('/ok'), check_interval_seconds: 60 });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const e = await carol('POST', '/api/notification-endpoints', { project: p.body.id, name: hostile, kind: 'webhook', url: receivers.url('/hook/x') });
  assert.equal(e.status, 201, JSON.stringify(e.body));
  await vigil.tick();

  // Carol sees her hostile names as text on every page that shows them.
  const c = await open();
  await login(c, 'carol');
  for (const path of ['/app', `/app/monitors/${m.body.id}`, `/app/monitors/${m.body.id}/edit`, `/app/monitors/${m.body.id}/delete`, '/app/projects', `/app/projects/${p.body.id}`, '/app/endpoints', `/app/endpoints/${e.body.id}`, '/app/maintenance']) {
    const r = await c.page.goto(vigil.base + path);
    assert.equal(r.status(), 200, path);
    assert.equal(await c.page.evaluate(() => window.__xss), undefined, `script ran on ${path}`);
    assert.equal(await c.page.locator('main img').count(), 0, `an img element on ${path}`);
    assert.ok((await c.page.locator('main').textContent()).includes('<img src=x'), `the name as text on ${path}`);
    await axe(c, path);
  }
  c.assertNoErrors('hostile names');
  await c.context.close();

  // Dave gets 404 for each of Carol's ids, reading or writing, and nothing changes.
  const d = await open();
  await login(d, 'dave');
  const token = await d.page.locator('input[name=csrf]').first().getAttribute('value');
  for (const path of [`/app/monitors/${m.body.id}`, `/app/monitors/${m.body.id}/edit`, `/app/monitors/${m.body.id}/delete`, `/app/projects/${p.body.id}`, `/app/endpoints/${e.body.id}`]) {
    const r = await d.page.goto(vigil.base + path);
    assert.equal(r.status(), 404, path);
    d.allow(404);
  }
  for (const path of [`/app/monitors/${m.body.id}/delete`, `/app/monitors/${m.body.id}/pause`, `/app/monitors/${m.body.id}`, `/app/projects/${p.body.id}`, `/app/endpoints/${e.body.id}/delete`, `/app/endpoints/${e.body.id}/test`]) {
    const r = await d.context.request.post(vigil.base + path, { form: { csrf: token, name: 'taken over' }, maxRedirects: 0 });
    assert.equal(r.status(), 404, `POST ${path}`);
  }
  const after = await carol('GET', `/api/monitors/${m.body.id}`);
  assert.equal(after.body.name, hostile);
  assert.equal(after.body.is_active, true);
  assert.equal((await carol('GET', `/api/notification-endpoints/${e.body.id}`)).status, 200);
  // Users is for admins only: the same 404 for everyone else.
  assert.equal((await d.page.goto(vigil.base + '/app/users')).status(), 404);
  d.allow(404);
  d.assertNoErrors('isolation');
  await d.context.close();
});

test('an admin manages users; the monitor can be deleted after a confirmation', async () => {
  const b = await open();
  await login(b, 'root');
  await nav(b.page, 'Users');
  await axe(b, 'users');
  await b.page.getByLabel('Username').fill('frank');
  await b.page.getByLabel('Password').fill('short');
  await b.page.getByRole('button', { name: 'Create user' }).click();
  await b.page.locator('#e-password').waitFor();
  b.allow(400);
  await b.page.getByLabel('Password').fill('frank-password-1');
  await b.page.getByRole('button', { name: 'Create user' }).click();
  await b.page.waitForURL(/done=created$/);
  await b.page.getByRole('cell', { name: 'frank', exact: true }).waitFor();
  // Delete with its confirmation page (the no-JavaScript path of every delete).
  const api = await apiAs('root');
  const p = await api('POST', '/api/projects', { name: 'Root things' });
  const m = await api('POST', '/api/monitors', { project: p.body.id, name: 'Doomed', url: target.url('/ok') });
  await b.page.goto(`${vigil.base}/app/monitors/${m.body.id}`);
  await b.page.getByRole('link', { name: 'Delete' }).click();
  await b.page.getByText('This cannot be undone').waitFor();
  await axe(b, 'delete confirmation');
  await b.page.getByRole('button', { name: 'Delete monitor' }).click();
  await b.page.waitForURL(/\/app\?done=deleted$/);
  assert.equal((await api('GET', `/api/monitors/${m.body.id}`)).status, 404);
  // A password change ends the user's other sessions, not this one.
  const other = await open();
  await login(other, 'root');
  await nav(b.page, 'Account');
  await b.page.getByLabel('Current password').fill('wrong-password-0');
  await b.page.getByLabel('New password').fill('root-password-55555');
  await b.page.getByRole('button', { name: 'Change password' }).click();
  await b.page.locator('#e-current_password').waitFor();
  b.allow(400);
  assert.equal(await b.page.getByLabel('Current password').inputValue(), '', 'passwords are not echoed');
  await b.page.getByLabel('Current password').fill(PASSWORDS.root);
  await b.page.getByLabel('New password').fill('root-password-55555');
  await b.page.getByRole('button', { name: 'Change password' }).click();
  await b.page.getByText('Password changed.').waitFor();
  PASSWORDS.root = 'root-password-55555';
  await other.page.goto(vigil.base + '/app');
  assert.match(other.page.url(), /\/app\/login/, 'the other session ended');
  await b.page.goto(vigil.base + '/app');
  assert.equal(b.page.url(), vigil.base + '/app', 'this session goes on');
  other.assertNoErrors('other session');
  await other.context.close();
  b.assertNoErrors('admin');
  await b.context.close();
});
