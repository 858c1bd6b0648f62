// Tests for the fixture server itself (no worker needed):
//   node --test tests/e2e/fixture.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTarget, freePort } from './harness.mjs';

// Per-test timeout so a fixture that hangs fails instead of stalling the run.
const T = { timeout: 10_000 };
let t;
before(async () => { t = await startTarget(); });
after(async () => { await t?.close(); });

const get = (path, init = {}) => fetch(t.url(path), { redirect: 'manual', ...init });

async function expectText(path, status, body, init) {
  const res = await get(path, init);
  assert.equal(res.status, status, `${init?.method ?? 'GET'} ${path} status`);
  assert.equal(await res.text(), body, `${init?.method ?? 'GET'} ${path} body`);
  return res;
}

const activeTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function waitUntil(fn, what, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; stats: ${JSON.stringify(t.stats())}`);
    await sleep(10);
  }
}

test('startTarget returns base/port/url on loopback', T, () => {
  assert.ok(t.port > 0);
  assert.equal(t.base, `http://127.0.0.1:${t.port}`);
  assert.equal(t.url('/ok'), `${t.base}/ok`);
  assert.equal(t.url('ok'), `${t.base}/ok`);
});

test('/ok answers 200 text/plain "ok" for GET, HEAD and POST', T, async () => {
  const res = await expectText('/ok', 200, 'ok');
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const head = await expectText('/ok', 200, '', { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), '2');
  await expectText('/ok', 200, 'ok', { method: 'POST', body: 'x' });
});

test('unknown path is 404 "not found"', T, async () => {
  await expectText('/nope', 404, 'not found');
  await expectText('/status', 404, 'not found');
});

test('/status/:code answers that code and validates the range', T, async () => {
  await expectText('/status/500', 500, 'status 500');
  await expectText('/status/418', 418, 'status 418');
  await expectText('/status/200', 200, 'status 200');
  await expectText('/status/599', 599, 'status 599');
  const noContent = await get('/status/204');
  assert.equal(noContent.status, 204);
  for (const bad of ['99', '600', 'abc', '5e2', '-1']) {
    const res = await get(`/status/${bad}`);
    assert.equal(res.status, 400, `/status/${bad}`);
    await res.arrayBuffer();
  }
});

test('/delay/:ms waits before answering', T, async () => {
  const start = Date.now();
  await expectText('/delay/300', 200, 'ok');
  assert.ok(Date.now() - start >= 290, `answered after ${Date.now() - start} ms`);
  const res = await get('/delay/nope');
  assert.equal(res.status, 400);
  await res.arrayBuffer();
});

test('/delay finishes as soon as the client aborts (timer cleared)', T, async () => {
  await waitUntil(() => t.stats().inFlight === 0, 'idle');
  const ac = new AbortController();
  const pending = get('/delay/5000', { signal: ac.signal });
  await waitUntil(() => t.stats().inFlight === 1, 'delay request in flight');
  const timersDuring = activeTimeouts();
  ac.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  await waitUntil(() => t.stats().inFlight === 0, 'inFlight back to 0', 1000);
  // The fixture runs in this process, so its pending 5 s timer would show up here.
  assert.ok(activeTimeouts() < timersDuring, 'delay timer still pending after the client left');
});

test('/hang never answers; inFlight returns to 0 when the client gives up', T, async () => {
  await waitUntil(() => t.stats().inFlight === 0, 'idle');
  const start = Date.now();
  await assert.rejects(get('/hang', { signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
  assert.ok(Date.now() - start >= 190);
  await waitUntil(() => t.stats().inFlight === 0, 'inFlight back to 0 after abort', 2000);
  assert.ok(t.stats().byPath['/hang'] >= 1);
});

test('/flaky/:key/:n fails n times per key, then succeeds; resetStats resets it', T, async () => {
  await expectText('/flaky/a/2', 503, 'unavailable');
  await expectText('/flaky/a/2', 503, 'unavailable');
  await expectText('/flaky/a/2', 200, 'ok');
  await expectText('/flaky/a/2', 200, 'ok');
  // Independent counter per key.
  await expectText('/flaky/b/1', 503, 'unavailable');
  await expectText('/flaky/b/1', 200, 'ok');
  await expectText('/flaky/c/0', 200, 'ok');
  t.resetStats();
  await expectText('/flaky/a/2', 503, 'unavailable');
  // POST /_reset does the same.
  const r = await get('/_reset', { method: 'POST' });
  assert.equal(r.status, 204);
  await expectText('/flaky/a/1', 503, 'unavailable');
  await expectText('/flaky/a/1', 200, 'ok');
});

test('/switch/:key follows the status set via POST /_control/switch/:key', T, async () => {
  const set = (key, body) => get(`/_control/switch/${key}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
  });
  await expectText('/switch/site1', 200, 'ok');
  let r = await set('site1', JSON.stringify({ status: 500 }));
  assert.equal(r.status, 204);
  await expectText('/switch/site1', 500, 'down');
  await expectText('/switch/site1', 500, '', { method: 'HEAD' }); // HEAD: same status, no body
  await expectText('/switch/site2', 200, 'ok'); // other keys unaffected
  r = await set('site1', JSON.stringify({ status: 204 }));
  assert.equal(r.status, 204);
  assert.equal((await get('/switch/site1')).status, 204);
  r = await set('site1', JSON.stringify({ status: 200 }));
  assert.equal(r.status, 204);
  await expectText('/switch/site1', 200, 'ok');
  for (const bad of ['not json', '{"status":700}', '{"status":"500"}', '{}']) {
    r = await set('site1', bad);
    assert.equal(r.status, 400, `body ${bad}`);
    await r.arrayBuffer();
  }
  await expectText('/switch/site1', 200, 'ok'); // bad requests changed nothing
  r = await get('/_control/switch/site1');
  assert.equal(r.status, 405);
  await r.arrayBuffer();
});

test('/bot/header is a 403 with cf-mitigated: challenge', T, async () => {
  const res = await get('/bot/header');
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('cf-mitigated'), 'challenge');
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.match(await res.text(), /<html/i);
});

test('/bot/page is a 403 challenge page without cf-mitigated', T, async () => {
  const res = await get('/bot/page');
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('cf-mitigated'), null);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const body = await res.text();
  assert.ok(body.includes('<title>Just a moment...</title>'));
  assert.ok(body.includes('window._cf_chl_opt'));
});

test('/bot/string is a 200 containing the protection string', T, async () => {
  const res = await get('/bot/string');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cf-mitigated'), null);
  assert.ok((await res.text()).includes('Protected by ExampleShield'));
});

test('/body/:text answers exactly the decoded text', T, async () => {
  await expectText('/body/hello%20world', 200, 'hello world');
  await expectText(`/body/${encodeURIComponent('a/b?c=d&é ✓')}`, 200, 'a/b?c=d&é ✓');
  await expectText('/body/plain', 200, 'plain');
  const bad = await get('/body/%E0%A4%A');
  assert.equal(bad.status, 400);
  await bad.arrayBuffer();
});

test('/redirect/:n is a chain of 302s ending in 200 ok', T, async () => {
  t.resetStats();
  let res = await get('/redirect/3');
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/redirect/2');
  await res.arrayBuffer();
  await expectText('/redirect/0', 200, 'ok');
  res = await fetch(t.url('/redirect/3')); // follow
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.equal(res.url, t.url('/redirect/0'));
  const { byPath } = t.stats();
  assert.deepEqual(byPath, { '/redirect/3': 2, '/redirect/2': 1, '/redirect/1': 1, '/redirect/0': 2 });
});

test('/redirect-to?url= redirects to the given absolute URL', T, async () => {
  const target = t.url('/body/landed');
  const res = await get(`/redirect-to?url=${encodeURIComponent(target)}`);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), target);
  await res.arrayBuffer();
  const followed = await fetch(t.url(`/redirect-to?url=${encodeURIComponent(target)}`));
  assert.equal(await followed.text(), 'landed');
  const missing = await get('/redirect-to');
  assert.equal(missing.status, 400);
  await missing.arrayBuffer();
});

test('/echo reflects method, headers and body', T, async () => {
  const res = await get('/echo', {
    method: 'PUT',
    headers: { 'x-vigil-test': 'yes', 'content-type': 'application/json' },
    body: '{"hello":"world"}',
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const echo = await res.json();
  assert.equal(echo.method, 'PUT');
  assert.equal(echo.headers['x-vigil-test'], 'yes');
  assert.equal(echo.headers['content-type'], 'application/json');
  assert.equal(echo.body, '{"hello":"world"}');
  const plain = await (await get('/echo')).json();
  assert.equal(plain.method, 'GET');
  assert.equal(plain.body, '');
});

test('stats count site requests only, and reset clears them', T, async () => {
  await waitUntil(() => t.stats().inFlight === 0, 'idle');
  t.resetStats();
  assert.deepEqual(t.stats(), { total: 0, byPath: {}, inFlight: 0, peakInFlight: 0, byPathTimes: {} });
  const before = Date.now();
  await expectText('/ok', 200, 'ok');
  await expectText('/ok', 200, 'ok');
  await expectText('/status/503', 503, 'status 503');
  await expectText('/nope', 404, 'not found');
  const after = Date.now();
  // Control routes are not counted.
  const viaHttp = await (await get('/_stats')).json();
  await (await get('/_control/switch/x', { method: 'POST', body: '{"status":200}' })).arrayBuffer();
  const s = t.stats();
  assert.deepEqual(viaHttp, s);
  assert.equal(s.total, 4);
  assert.deepEqual(s.byPath, { '/ok': 2, '/status/503': 1, '/nope': 1 });
  assert.equal(s.inFlight, 0);
  assert.equal(s.peakInFlight, 1);
  assert.equal(s.byPathTimes['/ok'].length, 2);
  for (const ts of Object.values(s.byPathTimes).flat()) assert.ok(ts >= before && ts <= after, `time ${ts}`);
  // stats() is a snapshot, not a live reference.
  s.byPath['/ok'] = 99;
  assert.equal(t.stats().byPath['/ok'], 2);
  // Query strings are not part of the path key.
  await expectText('/ok?x=1', 200, 'ok');
  assert.equal(t.stats().byPath['/ok'], 3);

  const reset = await get('/_reset', { method: 'POST' });
  assert.equal(reset.status, 204);
  assert.deepEqual(t.stats(), { total: 0, byPath: {}, inFlight: 0, peakInFlight: 0, byPathTimes: {} });
  const wrong = await get('/_reset');
  assert.equal(wrong.status, 405);
  await wrong.arrayBuffer();
});

test('peakInFlight measures concurrent requests (5 × /delay/200 → 5)', T, async () => {
  await waitUntil(() => t.stats().inFlight === 0, 'idle');
  t.resetStats();
  const all = Promise.all(Array.from({ length: 5 }, () => get('/delay/200').then((r) => r.text())));
  await waitUntil(() => t.stats().inFlight === 5, '5 requests in flight', 2000);
  assert.deepEqual(await all, ['ok', 'ok', 'ok', 'ok', 'ok']);
  await waitUntil(() => t.stats().inFlight === 0, 'inFlight back to 0', 1000);
  const s = t.stats();
  assert.equal(s.peakInFlight, 5);
  assert.equal(s.total, 5);
  assert.equal(s.byPathTimes['/delay/200'].length, 5);

  // Sequential requests never overlap: peak stays 1 after a reset.
  t.resetStats();
  for (let i = 0; i < 3; i++) await expectText('/delay/20', 200, 'ok');
  await waitUntil(() => t.stats().inFlight === 0, 'idle');
  assert.equal(t.stats().peakInFlight, 1);
});

test('close() destroys open sockets, including hanging requests', T, async () => {
  const t2 = await startTarget();
  const client = new AbortController(); // lets the test clean up even if close() is broken
  const hung = fetch(t2.url('/hang'), { signal: client.signal });
  hung.catch(() => {});
  try {
    const deadline = Date.now() + 2000;
    while (t2.stats().inFlight !== 1) {
      assert.ok(Date.now() < deadline, 'hang request never arrived');
      await sleep(10);
    }
    const closed = await Promise.race([t2.close().then(() => true), sleep(1000, false)]);
    assert.ok(closed, 'close() did not finish within 1 s with a hanging request open');
    await assert.rejects(hung); // the server side dropped the connection
    assert.equal(t2.stats().inFlight, 0);
    await t2.close(); // idempotent
    await assert.rejects(fetch(t2.url('/ok')));
  } finally {
    client.abort();
    await Promise.race([t2.close(), sleep(1000)]); // never leave a listening server behind
  }
});

test('CLI prints its address and stops on SIGTERM', T, async () => {
  const port = await freePort();
  const script = fileURLToPath(new URL('../fixtures/target.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner; got ${JSON.stringify(out)}`)), 5000);
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) { clearTimeout(timer); resolve(); }
      });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}`)); });
    });
    assert.equal(out, `target listening on http://127.0.0.1:${port}\n`);
    const res = await fetch(`http://127.0.0.1:${port}/ok`);
    assert.equal(await res.text(), 'ok');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
