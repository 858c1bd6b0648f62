// The bill, as the worker reports it (DESIGN.md §12): one JSON line per cron tick and per queue
// consumer invocation, with D1's own rows read and written, queue messages sent, subrequests and
// checks, every key in every line, read here from wrangler dev's output as a user reads Workers Logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { startVigil, startTarget, usageLines } from './harness.mjs';

const KEYS = ['event', 'checks', 'messages', 'retried', 'handed_off', 'ms', 'peak_connections', 'd1_statements',
  'd1_rows_read', 'd1_rows_written', 'queue_messages', 'subrequests'].sort();

let vigil;
let target;

before(async () => {
  target = await startTarget();
  vigil = await startVigil({ logLevel: 'log' });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
});

test('a tick and the checks it dispatched each log one cost line with plausible counts', async () => {
  const N = 4;
  for (let i = 0; i < N; i++) {
    const r = await vigil.api('POST', '/api/monitors', { name: `cost ${i}`, url: target.url(`/ok?i=${i}`), check_interval_seconds: 3600, retries: 0 });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  const from = vigil.logs().length;
  await vigil.tick();
  const lines = await vigil.waitFor(() => {
    const ls = usageLines(vigil.logs().slice(from));
    const checked = ls.filter((l) => l.event === 'consumer').reduce((s, l) => s + l.checks, 0);
    return checked >= N && ls.some((l) => l.event === 'tick') ? ls : null;
  }, { what: `consumer lines covering ${N} checks`, timeoutMs: 60_000 });

  for (const line of lines) assert.deepEqual(Object.keys(line).sort(), KEYS, JSON.stringify(line));
  const ticks = lines.filter((l) => l.event === 'tick');
  const consumers = lines.filter((l) => l.event === 'consumer');
  const sum = (ls, k) => ls.reduce((s, l) => s + l[k], 0);

  // The tick: it read the due monitors and queued their checks.
  assert.equal(ticks.length, 1, JSON.stringify(ticks));
  const [tick] = ticks;
  assert.equal(tick.checks, N);
  assert.ok(tick.d1_statements >= 1 && tick.d1_rows_read >= 1, JSON.stringify(tick));
  assert.ok(tick.queue_messages >= 1 && tick.queue_messages <= N, JSON.stringify(tick));
  assert.equal(tick.subrequests, 0);

  // The consumer: one fetch per check (retries 0, the target answers 200), each recorded in D1.
  assert.equal(sum(consumers, 'checks'), N);
  assert.equal(sum(consumers, 'subrequests'), N);
  assert.equal(sum(consumers, 'retried'), 0);
  const written = sum(consumers, 'd1_rows_written');
  assert.ok(written >= 1 && written <= 20 * N, `rows written by the consumer: ${written}`);
  assert.ok(sum(consumers, 'd1_rows_read') >= 1);
  // Steady UP checks ask for no re-check and open no incident: nothing more is queued.
  assert.equal(sum(consumers, 'queue_messages'), 0);
  for (const c of consumers) assert.ok(c.peak_connections >= 1 && c.peak_connections <= 6, JSON.stringify(c));
});

test('a password hash above WebCrypto\'s 100,000 iterations still logs in, and is stored again at 100,000', async () => {
  const created = await vigil.api('POST', '/api/users', { username: 'legacy', password: 'placeholder-1' });
  assert.equal(created.status, 201);
  // As if written by an older vigil with a higher count: only the wasm derivation can check it.
  const salt = Buffer.alloc(16, 5);
  const key = pbkdf2Sync('old-password-1', salt, 200_000, 32, 'sha256');
  const heavy = `pbkdf2-sha256$200000$${salt.toString('base64')}$${key.toString('base64')}`;
  await vigil.d1(`UPDATE users SET password_hash = '${heavy}' WHERE username = 'legacy'`);
  const wrong = await vigil.api('POST', '/api/auth/token', { username: 'legacy', password: 'old-password-2' }, { token: null });
  assert.equal(wrong.status, 401);
  const hashOf = async () => (await vigil.d1("SELECT password_hash AS h FROM users WHERE username = 'legacy'")).match(/pbkdf2-sha256\$\d+\$[^"\s]+/)?.[0];
  assert.equal(await hashOf(), heavy, 'a wrong password rewrites nothing');
  const ok = await vigil.api('POST', '/api/auth/token', { username: 'legacy', password: 'old-password-1' }, { token: null });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  const rehashed = await hashOf();
  assert.match(rehashed, /^pbkdf2-sha256\$100000\$/);
  assert.notEqual(rehashed, heavy);
  const again = await vigil.api('POST', '/api/auth/token', { username: 'legacy', password: 'old-password-1' }, { token: null });
  assert.equal(again.status, 201, 'the rehashed password logs in (natively now)');
});
