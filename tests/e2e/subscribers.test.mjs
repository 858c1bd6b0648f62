// Status page subscriptions end to end (issue 16): a visitor subscribes with the page's form,
// confirms through the link in the email the fake provider received (double opt-in), gets one
// email per incident event and per posted update, with RFC 8058 one-click unsubscribe headers,
// unsubscribes with the one-click POST and gets nothing more. Forged and expired links are
// refused and change nothing in D1; subscribing twice answers the same; a private page has no
// form and refuses; an instance without an email provider shows no form. A real browser
// (Debian's chromium, playwright-core) runs the form with JavaScript off and axe-core on its pages.
//
// The email provider is a loopback fake of Postmark's API (tests/fixtures/mail.mjs), which
// checks requests as Postmark does (its `Headers: [{Name, Value}]` for custom headers).
// Updates are posted through the incident-updates and notices API (`POST /api/incidents/{id}/updates`,
// `POST /api/projects/{id}/notices`), whose batch writes the subscribers' outbox row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

import { startVigil, startTarget, ROOT } from './harness.mjs';
import { startMail } from '../fixtures/mail.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'e2e-subscription-secret-0123456789';
// Links in emails start with PUBLIC_BASE_URL; the test maps it onto wrangler dev's port.
const PUBLIC = 'http://localhost';

let vigil;
let bare;
let target;
let mail;
let browser;

before(async () => {
  target = await startTarget();
  mail = await startMail();
  [vigil, bare] = await Promise.all([
    startVigil({
      browser: true,
      vars: {
        RECHECK_DELAY_SECONDS: '1',
        ALERT_BACKOFF_BASE_SECONDS: '1',
        ALERT_TIMEOUT_SECONDS: '3',
        STATUS_CACHE_SECONDS: '0',
        PUBLIC_BASE_URL: PUBLIC,
        EMAIL_PROVIDER: 'postmark',
        EMAIL_FROM: 'Acme Status <status@example.com>',
        EMAIL_API_KEY: 'mail-key',
        EMAIL_BASE_URL: mail.base('postmark'),
        SUBSCRIPTION_SECRET: SECRET,
        // Every request of this file comes from one client address; the per-page limit is
        // what the rate-limit test runs into.
        SUBSCRIBE_PER_CLIENT_PER_HOUR: '1000',
        SUBSCRIBE_PER_PAGE_PER_HOUR: '8',
      },
    }),
    // No email provider: subscriptions are off.
    startVigil({ browser: true, vars: { PUBLIC_BASE_URL: PUBLIC, SUBSCRIPTION_SECRET: SECRET, STATUS_CACHE_SECONDS: '0' } }),
  ]);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await Promise.all([vigil?.stop(), bare?.stop()]);
  await target?.close();
  await mail?.close();
  assert.deepEqual(mail?.problems ?? [], [], 'every request the fake provider got was one Postmark takes');
});

/** A form post, as a browser without JavaScript sends it. */
async function form(base, path, fields, { headers = {} } = {}) {
  const body = new URLSearchParams();
  for (const [k, v] of fields) body.append(k, v);
  const r = await fetch(base + path, { method: 'POST', body, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

async function get(base, path) {
  const r = await fetch(base + path, { redirect: 'manual' });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** A project's subscribers as D1 has them, through the owner's API (one request, unlike a
 * `wrangler d1 execute`, which takes seconds). */
async function subscribersOf(projectId) {
  const r = await vigil.api('GET', `/api/projects/${projectId}/subscribers?limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}
const byEmail = async (projectId, email) => (await subscribersOf(projectId)).find((s) => s.email.toLowerCase() === email.toLowerCase());

/** Rows of a SELECT, through wrangler d1 execute --json. */
async function rows(sql) {
  const out = await vigil.d1(sql);
  const json = JSON.parse(out.slice(out.indexOf('[')));
  return json[0].results;
}

const local = (link) => link.replace(PUBLIC, vigil.base);
const linkIn = (text, kind) => text.match(new RegExp(`${PUBLIC}/status/[^/\\s]+/${kind}\\?t=[^\\s]+`))?.[0];

async function project(name, slug, pub = true) {
  const r = await vigil.api('POST', '/api/projects', { name, slug, public: pub });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function setSwitch(key, status) {
  const r = await fetch(target.url(`/_control/switch/${key}`), { method: 'POST', body: JSON.stringify({ status }) });
  assert.equal(r.status, 204);
}

async function monitor(projectId, name, key) {
  const r = await vigil.api('POST', '/api/monitors', { project: projectId, name, url: target.url(`/switch/${key}`), check_interval_seconds: 3600, failure_threshold: 1, retries: 0 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function run(m, status, open) {
  await setSwitch(m.name, status);
  assert.equal((await vigil.api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  return vigil.waitFor(async () => {
    const [i] = (await vigil.api('GET', `/api/incidents?monitor=${m.id}`)).body.items;
    return i && i.open === open && i;
  }, { what: `incident of ${m.name} ${open ? 'opened' : 'resolved'}` });
}

/** Subscribes and confirms through the emailed link; returns the subscriber's id. */
async function subscribeAndConfirm(slug, email, fields = []) {
  const before = mail.messagesTo(email).length;
  const r = await form(vigil.base, `/status/${slug}/subscribe`, [['email', email], ...fields]);
  assert.equal(r.status, 200, r.text);
  const msg = await vigil.waitFor(() => mail.messagesTo(email)[before], { what: `confirmation email to ${email}` });
  const link = linkIn(msg.text, 'confirm');
  assert.ok(link, msg.text);
  const confirm = await get(vigil.base, local(link).replace(vigil.base, ''));
  assert.equal(confirm.status, 200);
  const t = new URL(local(link)).searchParams.get('t');
  const done = await form(vigil.base, `/status/${slug}/confirm`, [['t', t]]);
  assert.equal(done.status, 200);
  assert.match(done.text, /You are subscribed/);
  return Number(t.split('.')[0]);
}

/** A link's token signed as vigil signs it (core::subscribers), for forging expired ones. */
function sign(purpose, projectId, subscriberId, emailKey, expiresMs) {
  const text = `vigil-subscription-v1\n${purpose}\n${projectId}\n${subscriberId}\n${emailKey}\n${expiresMs}`;
  const mac = crypto.createHmac('sha256', SECRET).update(text).digest().subarray(0, 16).toString('base64url');
  return `${subscriberId}.${expiresMs}.${mac}`;
}

test('subscribe, confirm, one email per incident event and update, one-click unsubscribe, then nothing', async () => {
  const shop = await project('Acme Shop', 'acme-shop');
  const api = await monitor(shop.id, 'shop-api', 'shop-api');
  const page = await get(vigil.base, '/status/acme-shop');
  assert.match(page.text, /<form method=post action="\/status\/acme-shop\/subscribe">/);

  // Subscribe: the answer page says "check your inbox"; the confirmation email has the link
  // and no unsubscribe headers (nobody is subscribed yet).
  const first = await form(vigil.base, '/status/acme-shop/subscribe', [['email', 'Ada@Example.com']]);
  assert.equal(first.status, 200);
  assert.match(first.text, /Check your inbox/);
  assert.equal(first.headers.get('cache-control'), 'no-store');
  const confirmMail = await vigil.waitFor(() => mail.messagesTo('Ada@Example.com')[0], { what: 'confirmation email' });
  assert.match(confirmMail.subject, /^Confirm your subscription to Acme Shop status$/);
  assert.deepEqual(confirmMail.headers, {});
  const link = linkIn(confirmMail.text, 'confirm');
  assert.ok(link && confirmMail.html.includes(link), confirmMail.text);
  const row = await byEmail(shop.id, 'ada@example.com');
  assert.equal(row.confirmed_at, null);

  // Subscribing again (another case, monitors ticked) answers the same and sends nothing more.
  const again = await form(vigil.base, '/status/acme-shop/subscribe', [['email', 'ada@example.com'], ['monitors', String(api.id)]]);
  assert.deepEqual([again.status, again.text], [first.status, first.text]);

  // The link opens a page with a button; opening it confirms nothing (mail scanners open links).
  const t = new URL(local(link)).searchParams.get('t');
  const open = await get(vigil.base, local(link).replace(vigil.base, ''));
  assert.equal(open.status, 200);
  assert.match(open.text, /Confirm subscription/);
  assert.equal((await byEmail(shop.id, 'ada@example.com')).confirmed, false);
  const confirmed = await form(vigil.base, '/status/acme-shop/confirm', [['t', t]]);
  assert.equal(confirmed.status, 200);
  assert.match(confirmed.text, /You are subscribed/);
  assert.equal((await byEmail(shop.id, 'ada@example.com')).confirmed, true);
  // Confirmed: subscribing again still answers the same, and sends nothing.
  const third = await form(vigil.base, '/status/acme-shop/subscribe', [['email', 'ada@example.com']]);
  assert.deepEqual([third.status, third.text], [first.status, first.text]);
  // An unconfirmed subscriber hears nothing of incidents.
  assert.equal((await form(vigil.base, '/status/acme-shop/subscribe', [['email', 'bob@example.com']])).status, 200);
  await vigil.waitFor(() => mail.messagesTo('bob@example.com').length === 1, { what: "bob's confirmation" });

  // An outage and its recovery: one email each, with the one-click headers and the link.
  const opened = await run(api, 500, true);
  const openMail = await vigil.waitFor(() => mail.messagesTo('Ada@Example.com')[1], { what: 'incident opened email' });
  assert.equal(openMail.subject, '[Acme Shop status] shop-api: incident opened');
  assert.match(openMail.text, /server error \(5xx\)/);
  assert.ok(!openMail.text.includes(target.url('')) && !openMail.html.includes('127.0.0.1'), 'no monitor URL in public email');
  const unsubscribe = openMail.headers['List-Unsubscribe'];
  assert.match(unsubscribe, /^<http:\/\/localhost\/status\/acme-shop\/unsubscribe\?t=[^>]+>$/);
  assert.equal(openMail.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  assert.ok(openMail.text.includes(unsubscribe.slice(1, -1)), 'the same link in the body');

  // An update posted by an operator.
  const posted = await vigil.api('POST', `/api/incidents/${opened.id}/updates`, { status: 'identified', message: 'A bad deploy; rolling back.\n<b>not bold</b>' });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  const updateMail = await vigil.waitFor(() => mail.messagesTo('Ada@Example.com')[2], { what: 'update email' });
  assert.equal(updateMail.subject, '[Acme Shop status] shop-api: identified');
  assert.ok(updateMail.text.includes('A bad deploy; rolling back.\n<b>not bold</b>'));
  assert.ok(updateMail.html.includes('&lt;b&gt;not bold&lt;/b&gt;') && !updateMail.html.includes('<b>not'));
  assert.equal(updateMail.headers['List-Unsubscribe'], unsubscribe, 'one unsubscribe link per subscriber');

  await run(api, 200, false);
  const resolvedMail = await vigil.waitFor(() => mail.messagesTo('Ada@Example.com')[3], { what: 'resolved email' });
  assert.match(resolvedMail.subject, /^\[Acme Shop status\] shop-api: resolved after /);
  // A notice (not tied to an incident) with its first update: one email, under its title.
  const notice = await vigil.api('POST', `/api/projects/${shop.id}/notices`, { title: 'Payment provider outage', status: 'investigating', message: 'Card payments fail at our provider.' });
  assert.equal(notice.status, 201, JSON.stringify(notice.body));
  const noticeMail = await vigil.waitFor(() => mail.messagesTo('Ada@Example.com')[4], { what: 'notice email' });
  assert.equal(noticeMail.subject, '[Acme Shop status] Payment provider outage: investigating');
  await sleep(2000); // a duplicate would arrive within this
  assert.equal(mail.messagesTo('Ada@Example.com').length, 5, 'confirmation, opened, update, resolved, notice: once each');
  assert.equal(mail.messagesTo('bob@example.com').length, 1, 'unconfirmed: only the confirmation');
  const log = await vigil.api('GET', `/api/projects/${shop.id}/subscriber-deliveries`);
  assert.deepEqual(log.body.items.filter((d) => d.subscriber_id === row.id).map((d) => [d.event, d.outcome]).reverse(),
    [['subscription.confirm', 'delivered'], ['incident.opened', 'delivered'], ['incident.update', 'delivered'], ['incident.resolved', 'delivered'], ['incident.update', 'delivered']]);

  // One-click unsubscribe, as a mail client sends it: POST, no cookie, no further step.
  const one = await form(vigil.base, local(unsubscribe.slice(1, -1)).replace(vigil.base, ''), [['List-Unsubscribe', 'One-Click']]);
  assert.equal(one.status, 200);
  assert.match(one.text, /You are unsubscribed/);
  assert.equal(await byEmail(shop.id, 'ada@example.com'), undefined, 'the row is gone');
  const repeat = await form(vigil.base, local(unsubscribe.slice(1, -1)).replace(vigil.base, ''), [['List-Unsubscribe', 'One-Click']]);
  assert.equal(repeat.status, 200, 'repeating it changes nothing and is no error');

  // Another outage: a new confirmed subscriber hears of it, the unsubscribed one does not.
  await subscribeAndConfirm('acme-shop', 'carol@example.com');
  await run(api, 503, true);
  await vigil.waitFor(() => mail.messagesTo('carol@example.com').length === 2, { what: "carol's opened email" });
  await sleep(1000);
  assert.equal(mail.messagesTo('Ada@Example.com').length, 5, 'nothing more after unsubscribing');
  await run(api, 200, false);
});

test('a monitor choice routes notices; forged, expired and wrong-page links are refused and change nothing', async () => {
  const p = await project('Links', 'links');
  const a = await monitor(p.id, 'links-a', 'links-a');
  const b = await monitor(p.id, 'links-b', 'links-b');
  const dana = await subscribeAndConfirm('links', 'dana@example.com', [['monitors', String(b.id)]]);
  assert.deepEqual((await byEmail(p.id, 'dana@example.com')).monitors, [b.id]);
  await run(a, 500, true);
  await run(b, 500, true);
  const mine = await vigil.waitFor(() => mail.messagesTo('dana@example.com')[1], { what: "b's incident email" });
  assert.match(mine.subject, /links-b: incident opened/);
  await sleep(1000);
  assert.equal(mail.messagesTo('dana@example.com').length, 2, "nothing about links-a, which dana did not pick");
  await run(a, 200, false);
  await run(b, 200, false);

  // Erin subscribes but does not confirm; her links are forged in every way.
  assert.equal((await form(vigil.base, '/status/links/subscribe', [['email', 'erin@example.com']])).status, 200);
  const erinMail = await vigil.waitFor(() => mail.messagesTo('erin@example.com')[0], { what: "erin's confirmation" });
  const t = new URL(local(linkIn(erinMail.text, 'confirm'))).searchParams.get('t');
  const [id, exp, mac] = t.split('.');
  const other = await project('Other', 'other-page');
  const snapshot = () => rows('SELECT id, project_id, email_key, monitors, confirmed_at FROM subscribers ORDER BY id');
  const beforeRows = await snapshot();
  const forged = [
    ['a changed signature', 'links', `${id}.${exp}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BA' : 'AA'}`],
    ['a later expiry', 'links', `${id}.${Number(exp) + 86_400_000}.${mac}`],
    ['another subscriber', 'links', `${dana}.${exp}.${mac}`],
    ['expired (signed with the secret)', 'links', sign('confirm', p.id, Number(id), 'erin@example.com', Date.now() - 1000)],
    ['an unsubscribe link used to confirm', 'links', sign('unsubscribe', p.id, Number(id), 'erin@example.com', 0)],
    ['another page', 'other-page', t],
    ['garbage', 'links', 'not-a-token'],
  ];
  for (const [what, slug, token] of forged) {
    const page = await get(vigil.base, `/status/${slug}/confirm?t=${encodeURIComponent(token)}`);
    assert.equal(page.status, 400, `GET: ${what}`);
    assert.match(page.text, /invalid or has expired/);
    const post = await form(vigil.base, `/status/${slug}/confirm`, [['t', token]]);
    assert.equal(post.status, 400, `POST: ${what}`);
  }
  const forgedUnsub = sign('unsubscribe', p.id, dana, 'dana@example.com', 0).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal((await form(vigil.base, `/status/links/unsubscribe?t=${forgedUnsub}`, [['List-Unsubscribe', 'One-Click']])).status, 400);
  // Another page's link names no subscriber of this page: "unsubscribed" (as a repeated click
  // is), and nothing changes.
  assert.equal((await form(vigil.base, `/status/other-page/unsubscribe?t=${sign('unsubscribe', p.id, dana, 'dana@example.com', 0)}`, [['List-Unsubscribe', 'One-Click']])).status, 200);
  assert.deepEqual(await snapshot(), beforeRows, 'no refused link changed a row');
  assert.equal(other.slug, 'other-page');
});

test('owners see the count and remove subscribers; other users get 404', async () => {
  const p = await project('Owned', 'owned');
  await subscribeAndConfirm('owned', 'fay@example.com');
  assert.equal((await form(vigil.base, '/status/owned/subscribe', [['email', 'gus@example.com']])).status, 200);
  const list = await vigil.api('GET', `/api/projects/${p.id}/subscribers`);
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.counts, { confirmed: 1, unconfirmed: 1 });
  assert.deepEqual(list.body.items.map((s) => [s.email, s.confirmed, s.monitors]), [['fay@example.com', true, null], ['gus@example.com', false, null]]);

  assert.equal((await vigil.api('POST', '/api/users', { username: 'mallory', password: 'mallory-password-1' })).status, 201);
  const login = await vigil.api('POST', '/api/auth/token', { username: 'mallory', password: 'mallory-password-1' }, { token: null });
  const mallory = (method, path) => vigil.api(method, path, undefined, { token: login.body.token });
  assert.equal((await mallory('GET', `/api/projects/${p.id}/subscribers`)).status, 404);
  assert.equal((await mallory('GET', `/api/projects/${p.id}/subscriber-deliveries`)).status, 404);
  assert.equal((await mallory('DELETE', `/api/subscribers/${list.body.items[0].id}`)).status, 404);
  assert.equal((await vigil.api('GET', `/api/projects/${p.id}/subscribers`)).body.items.length, 2, "mallory's delete changed nothing");
  assert.equal((await vigil.api('DELETE', `/api/subscribers/${list.body.items[0].id}`)).status, 204);
  assert.equal((await vigil.api('DELETE', `/api/subscribers/${list.body.items[0].id}`)).status, 404);
  assert.deepEqual((await vigil.api('GET', `/api/projects/${p.id}/subscribers`)).body.counts, { confirmed: 0, unconfirmed: 1 });
});

test('subscribing is rate-limited per page: the request over the limit is a 429 with Retry-After and writes nothing', async () => {
  const p = await project('Busy', 'busy');
  for (let i = 1; i <= 8; i++) {
    const r = await form(vigil.base, '/status/busy/subscribe', [['email', `busy${i}@example.com`]]);
    assert.equal(r.status, 200, `request ${i}`);
  }
  const over = await form(vigil.base, '/status/busy/subscribe', [['email', 'busy9@example.com']]);
  assert.equal(over.status, 429);
  assert.ok(Number(over.headers.get('retry-after')) >= 1 && Number(over.headers.get('retry-after')) <= 3600);
  assert.equal(await byEmail(p.id, 'busy9@example.com'), undefined);
  const [counter] = await rows(`SELECT count FROM subscribe_limits WHERE key = 'page:${p.id}'`);
  assert.equal(counter.count, 9, 'one counter row per page and window');
});

test('a private page has no form and refuses; an instance without an email provider shows none', async () => {
  const hidden = await project('Hidden', 'hidden', false);
  assert.equal((await get(vigil.base, '/status/hidden')).status, 404);
  const r = await form(vigil.base, '/status/hidden/subscribe', [['email', 'hal@example.com']]);
  assert.equal(r.status, 404);
  assert.equal((await get(vigil.base, '/status/hidden/confirm?t=1.1.x')).status, 404);
  assert.deepEqual(await subscribersOf(hidden.id), []);

  const made = await bare.api('POST', '/api/projects', { name: 'Bare', slug: 'bare' });
  assert.equal(made.status, 201);
  const page = await get(bare.base, '/status/bare');
  assert.equal(page.status, 200);
  assert.ok(!page.text.includes('/subscribe') && !page.text.includes('type=email'), 'no form');
  assert.equal((await form(bare.base, '/status/bare/subscribe', [['email', 'ivy@example.com']])).status, 404);
  assert.equal(mail.messagesTo('ivy@example.com').length, 0);
});

test('a browser without JavaScript subscribes; the form and its pages pass axe-core', async () => {
  const p = await project('Browser Shop', 'browser-shop');
  await monitor(p.id, 'browser-a', 'browser-a');
  await monitor(p.id, 'browser-b', 'browser-b');
  // axe-core needs JavaScript: the pages are checked with it on, the flow runs with it off.
  // bypassCSP only so axe-core can be injected (the page's CSP allows only its own scripts).
  const withJs = await browser.newContext({ bypassCSP: true });
  const axePage = await withJs.newPage();
  // Every rule on the form and the answer pages; the page around the form is checked for
  // serious and critical violations (its monitor headings skip a level, which axe rates
  // moderate: not part of this change).
  const axe = async (what, within) => {
    await axePage.addScriptTag({ content: AXE });
    const violations = await axePage.evaluate(async (within) => {
      const whole = (await window.axe.run()).violations.filter((v) => within === undefined || v.impact === 'serious' || v.impact === 'critical');
      const part = within === undefined ? [] : (await window.axe.run({ include: [within] })).violations;
      return [...whole, ...part].map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    }, within);
    assert.deepEqual(violations, [], `axe on ${what}`);
  };
  for (const scheme of ['light', 'dark']) {
    await axePage.emulateMedia({ colorScheme: scheme });
    await axePage.goto(`${vigil.base}/status/browser-shop`);
    await axePage.locator('#subscribe summary').click();
    await axe(`status page with the form (${scheme})`, '#subscribe');
  }
  await axePage.emulateMedia({ colorScheme: 'light' });

  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 900, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${vigil.base}/status/browser-shop`);
  const section = page.locator('#subscribe');
  await page.getByLabel('Email address').fill('jo@example.com');
  await section.locator('summary').click();
  await page.getByLabel('browser-b').check();
  const shot = await section.screenshot();
  assert.ok(shot.length > 1000);
  if (process.env.VIGIL_SCREENSHOTS === '1') writeFileSync(`${ROOT}docs/screenshots/status-subscribe-form-light.png`, shot);
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await page.getByText('Check your inbox').waitFor();
  // The answer page, with JavaScript on for axe.
  await axePage.goto(`${vigil.base}/status/browser-shop`);
  await axePage.getByLabel('Email address').fill('kim@example.com');
  await axePage.getByRole('button', { name: 'Subscribe' }).click();
  await axePage.getByText('Check your inbox').waitFor();
  await axe('check-your-inbox page');
  const msg = await vigil.waitFor(() => mail.messagesTo('jo@example.com')[0], { what: "jo's confirmation" });
  const link = local(linkIn(msg.text, 'confirm'));
  await page.goto(link);
  await axePage.goto(link);
  await axe('confirm page');
  await page.getByRole('button', { name: 'Confirm subscription' }).click();
  await page.getByText('You are subscribed').waitFor();
  const jo = await byEmail(p.id, 'jo@example.com');
  assert.equal(jo.confirmed, true);
  assert.equal(jo.monitors.length, 1);
  // The body's unsubscribe link: a page with a button that posts the one-click form.
  const id = Number(new URL(link).searchParams.get('t').split('.')[0]);
  const unsub = `${vigil.base}/status/browser-shop/unsubscribe?t=${sign('unsubscribe', p.id, id, 'jo@example.com', 0)}`;
  await page.goto(unsub);
  await axePage.goto(unsub);
  await axe('unsubscribe page');
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByText('You are unsubscribed').waitFor();
  assert.equal(await byEmail(p.id, 'jo@example.com'), undefined);
  await context.close();
  await withJs.close();
});

test('the dashboard shows a project\'s subscriber count and removes a subscriber', async () => {
  const password = 'olga-password-123';
  assert.equal((await vigil.api('POST', '/api/users', { username: 'olga', password })).status, 201);
  const login = await vigil.api('POST', '/api/auth/token', { username: 'olga', password }, { token: null });
  const olga = (method, path, body) => vigil.api(method, path, body, { token: login.body.token });
  const p = (await olga('POST', '/api/projects', { name: 'Olga Shop', slug: 'olga-shop' })).body;
  await subscribeAndConfirm('olga-shop', 'pat@example.com');
  assert.equal((await form(vigil.base, '/status/olga-shop/subscribe', [['email', 'quinn@example.com']])).status, 200);

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${vigil.base}/app/login`);
  await page.getByLabel('Username').fill('olga');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${vigil.base}/app`);
  await page.goto(`${vigil.base}/app/projects/${p.id}`);
  await page.getByRole('link', { name: 'Status page subscribers' }).click();
  await page.getByText('1 confirmed').waitFor();
  await page.getByText('1 waiting for confirmation', { exact: false }).waitFor();
  await page.getByRole('cell', { name: 'pat@example.com' }).waitFor();
  // axe (with JavaScript, on the same page and session).
  const withJs = await browser.newContext({ storageState: await context.storageState(), bypassCSP: true });
  const axePage = await withJs.newPage();
  await axePage.goto(page.url());
  await axePage.addScriptTag({ content: AXE });
  const violations = await axePage.evaluate(async () => (await window.axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact })));
  assert.deepEqual(violations, [], 'axe on the subscribers page');
  await withJs.close();

  await page.getByRole('row', { name: /pat@example\.com/ }).getByRole('button', { name: 'Remove' }).click();
  await page.waitForURL(/\/app\/projects\/\d+\/subscribers\?done=deleted$/);
  await page.getByText('0 confirmed').waitFor();
  assert.deepEqual((await olga('GET', `/api/projects/${p.id}/subscribers`)).body.counts, { confirmed: 0, unconfirmed: 1 });
  // Another user's project is the same 404 as a missing one.
  await page.goto(`${vigil.base}/app/projects/1/subscribers`);
  assert.match(await page.content(), /not found/i);
  await context.close();
});
