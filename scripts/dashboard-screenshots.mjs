// Renders the dashboard with seeded history in Debian's chromium (playwright-core): the overview,
// a monitor's detail page, the monitor form with an inline error, and an endpoint's page, in
// light and dark, desktop and phone, into docs/screenshots/dashboard-*.png. Fails on a console
// error. Not part of the test command.
//
//   node scripts/dashboard-screenshots.mjs
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startVigil, ROOT } from '../tests/e2e/harness.mjs';

const run = promisify(execFile);
const PASSWORD = 'screenshot-password-1';
const OUT = path.join(ROOT, 'docs/screenshots');

const dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-shots-'));
let vigil;
let browser;
try {
  await run('bash', [path.join(ROOT, 'scripts/build.sh')], { cwd: ROOT, maxBuffer: 64 << 20 });
  const env = { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' };
  await run('npx', ['wrangler', 'd1', 'migrations', 'apply', 'vigil', '--local', '--persist-to', dir], { cwd: ROOT, env });
  const d1 = path.join(dir, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const db = path.join(d1, readdirSync(d1).find((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite'));
  await run('python3', [path.join(ROOT, 'bench/seed_history.py'), db, '--monitors', '8', '--days', '2']);
  vigil = await startVigil({ persistDir: dir });
  const admin = (m, p, b) => vigil.api(m, p, b);
  await admin('PATCH', '/api/me', { password: PASSWORD });
  await admin('PATCH', '/api/projects/1', { name: 'Production' });
  const hook = await admin('POST', '/api/notification-endpoints', { project: 1, name: 'Ops webhook', kind: 'webhook', url: 'http://127.0.0.1:9/hook' });
  await admin('POST', `/api/notification-endpoints/${hook.body.id}/test`);
  await mkdir(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const errors = [];
  for (const scheme of ['light', 'dark']) {
    for (const [device, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
      const context = await browser.newContext({ colorScheme: scheme, viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(`${scheme} ${device}: ${m.text()}`); });
      await page.goto(vigil.base + '/app/login');
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(vigil.base + '/app');
      const variant = `${device}-${scheme}`;
      const shot = (name) => page.screenshot({ path: path.join(OUT, `dashboard-${name}-${variant}.png`), fullPage: true });
      // The overview in all four; the other pages in two each (enough to see both schemes and sizes).
      await shot('overview');
      if (['desktop-light', 'phone-dark'].includes(variant)) {
        await page.goto(vigil.base + '/app/monitors/1');
        await shot('monitor');
      }
      if (['desktop-light', 'phone-light'].includes(variant)) {
        await page.goto(vigil.base + '/app/monitors/new');
        await page.getByLabel('Name', { exact: true }).fill('Checkout');
        await page.getByLabel('URL', { exact: true }).fill('ftp://shop.example/');
        await page.getByRole('button', { name: 'Add monitor' }).click();
        await page.locator('#e-url').waitFor();
        await shot('form-error');
      }
      if (['desktop-dark', 'phone-light'].includes(variant)) {
        await page.goto(`${vigil.base}/app/endpoints/${hook.body.id}`);
        await shot('endpoint');
      }
      await context.close();
    }
  }
  if (errors.length) throw new Error(`console errors:\n${errors.join('\n')}`);
  console.log(`screenshots in ${OUT}`);
} finally {
  await browser?.close();
  await vigil?.stop();
  await rm(dir, { recursive: true, force: true });
}
