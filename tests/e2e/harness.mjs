// E2E harness: runs the vigil worker under `wrangler dev` (local mode, fresh D1
// state per instance) and gives tests small helpers to drive it.
//
//   const vigil = await startVigil();
//   try { const r = await vigil.api('GET', '/api/monitors'); ... }
//   finally { await vigil.stop(); }
//
// Keeping the suite fast (scripts/test.sh runs VIGIL_E2E_CONCURRENCY files at once, default 2,
// each with its own wrangler dev; budget: the whole test command under 10 min warm):
// - Wait on the event, never a fixed sleep: `await vigil.waitFor(() => cond, { what })` polls
//   with a deadline. Sleep only to prove that something does NOT happen, and then briefly.
// - One `startVigil()` per file in `before()`, shared by the file's tests; give each test its own
//   user, project or names so tests never depend on one another's rows.
// - Seed rows with `await vigil.d1(sql)`, never a blocking spawnSync (see d1()).
// - Ticks are `vigil.tick()` (safe to run concurrently; see tick() for wrangler's proxy quirk).
// - Timing assertions must hold with another file's wrangler dev busy on the second core.
//
// A crash test: `await vigil.kill()` SIGKILLs the running wrangler dev (its whole process group);
// `await vigil.restart()` starts it again on the same D1 state, port and vars (killing it first
// if it still runs).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

export { startTarget } from '../fixtures/target.mjs';

// tests/e2e/harness.mjs -> repo root
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const DEFAULT_TOKEN = 'test-admin-token';
const DEFAULT_VARS = { ADMIN_TOKEN: DEFAULT_TOKEN, ALLOW_PRIVATE_TARGETS: 'true' };
const HEALTH_TIMEOUT_MS = 180_000; // first start may compile the Rust worker
const MIGRATE_TIMEOUT_MS = 120_000;
const NUDGE_EVERY_MS = 3000; // see unparked()

// ---------------------------------------------------------------------------
// Process bookkeeping: every child runs in its own process group (npx -> node
// wrangler -> workerd), so killing -pid takes down the whole tree. Anything
// still alive when this test process exits or is interrupted gets SIGKILLed.
const liveGroups = new Set(); // pids (== pgids) of children not yet exited
const ownedDirs = new Set(); // temp dirs to delete on emergency exit
let handlersInstalled = false;

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); return true; } catch { return false; } // ESRCH: already gone
}

function groupAlive(pid) {
  return killGroup(pid, 0);
}

function emergencyCleanup() {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
  for (const dir of ownedDirs) {
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  ownedDirs.clear();
}

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', emergencyCleanup); // must stay synchronous
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    // Installing a listener disables Node's default "die on signal", so exit ourselves.
    process.once(sig, () => {
      emergencyCleanup();
      process.exit(code);
    });
  }
}

/** Spawn `npx <args>` in its own process group, capturing stdout+stderr. */
function spawnGroup(args, env = {}) {
  installHandlers();
  const child = spawn('npx', args, {
    cwd: ROOT,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', ...env },
    detached: true, // new process group, so the whole tree can be killed at once
    stdio: ['pipe', 'pipe', 'pipe'], // stdin held open (never written) so nothing sees EOF
  });
  let output = '';
  const capture = (chunk) => {
    output += chunk.toString('utf8');
    if (output.length > 4_000_000) output = output.slice(-2_000_000); // bound memory on chatty runs
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  child.stdin.on('error', () => {}); // EPIPE if the child dies first

  const exited = new Promise((resolve) => {
    child.once('error', (err) => { capture(`\n[spawn error] ${err.message}\n`); resolve({ code: null, signal: null }); });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  if (child.pid) liveGroups.add(child.pid);
  // The leader exiting does not mean the group is empty, so liveGroups keeps
  // the pid until killTree() has confirmed the whole group is gone.
  return { child, exited, output: () => output };
}

/** SIGTERM the group, SIGKILL after graceMs, wait until leader and group are gone. */
async function killTree(proc, graceMs = 5000) {
  const pid = proc.child.pid;
  if (!pid) return;
  killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pid)) await sleep(100);
  if (groupAlive(pid)) {
    killGroup(pid, 'SIGKILL');
    // Bounded: an unreaped zombie would keep the group "alive" forever.
    const hardDeadline = Date.now() + 3000;
    while (Date.now() < hardDeadline && groupAlive(pid)) await sleep(100);
  }
  await Promise.race([proc.exited, sleep(2000, undefined, { ref: false })]);
  liveGroups.delete(pid);
}

// ---------------------------------------------------------------------------

/** Ask the OS for a free loopback port. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function runToCompletion(args, timeoutMs) {
  const proc = spawnGroup(args);
  const timedOut = Symbol('timeout');
  // Unref'd: a pending 2-minute timer would keep the test file's process alive long after its
  // tests end (node --test waits for the process to exit).
  const result = await Promise.race([proc.exited, sleep(timeoutMs, timedOut, { ref: false })]);
  if (result === timedOut) {
    await killTree(proc);
    throw new Error(`\`npx ${args.join(' ')}\` timed out after ${timeoutMs} ms:\n${proc.output()}`);
  }
  await killTree(proc, 0); // reap anything it left behind in its group
  if (result.code !== 0) {
    throw new Error(`\`npx ${args.join(' ')}\` exited with ${result.code ?? result.signal}:\n${proc.output()}`);
  }
  return proc.output();
}

/**
 * A wrangler dev of the built worker on a free port, with its own D1 and queues. `browser: true`
 * for a file that drives Chromium: the proxy is nudged every few seconds for the instance's life
 * (see unparked()).
 */
export async function startVigil({ vars = {}, persistDir, logLevel = 'warn', browser = false } = {}) {
  const ownsDir = !persistDir;
  const dir = persistDir ?? (await mkdtemp(path.join(os.tmpdir(), 'vigil-e2e-')));
  if (ownsDir) ownedDirs.add(dir);
  const removeDir = async () => {
    if (!ownsDir) return;
    await rm(dir, { recursive: true, force: true });
    ownedDirs.delete(dir);
  };

  const launch = { dir, vars: { ...DEFAULT_VARS, ...vars }, logLevel };
  let proc;
  try {
    await runToCompletion(['wrangler', 'd1', 'migrations', 'apply', 'vigil', '--local', '--persist-to', dir], MIGRATE_TIMEOUT_MS);
    launch.port = await freePort();
    proc = await launchDev(launch);
    return makeHandle({ launch, proc, removeDir, browser });
  } catch (err) {
    if (proc) await killTree(proc);
    await removeDir();
    throw err;
  }
}

/** Where wrangler dev's debug logs go: `$TMPDIR/vigil-e2e-logs` (scripts/test.sh empties it first). */
export const DEBUG_LOG_DIR = path.join(os.tmpdir(), 'vigil-e2e-logs');

function debugLogPath(port) {
  mkdirSync(DEBUG_LOG_DIR, { recursive: true });
  return path.join(DEBUG_LOG_DIR, `wrangler-dev-${new Date().toISOString().replace(/[:.]/g, '-')}-port-${port}.log`);
}

/** Starts `wrangler dev` for `launch` (its dir, port, vars, log level) and waits for /health. */
async function launchDev(launch) {
  // Explicit inspector port: parallel instances would otherwise all probe 9229.
  const inspectorPort = await freePort();
  const args = [
    'wrangler', 'dev',
    '--ip', '127.0.0.1', '--port', String(launch.port),
    '--inspector-port', String(inspectorPort),
    '--test-scheduled',
    '--persist-to', launch.dir,
    '--show-interactive-dev-session=false',
    '--log-level', launch.logLevel, // 'log' shows the worker's console.log (the benchmark reads it)
  ];
  for (const [k, v] of Object.entries(launch.vars)) args.push('--var', `${k}:${v}`);
  // wrangler writes a timestamped debug log of everything (the worker's output, errors, each
  // reload) whatever --log-level says; one file per instance, kept after it stops.
  const proc = spawnGroup(args, { WRANGLER_LOG_PATH: debugLogPath(launch.port) });
  try {
    await waitHealthy(`http://127.0.0.1:${launch.port}`, proc);
  } catch (err) {
    await killTree(proc);
    throw err;
  }
  return proc;
}

async function waitHealthy(base, proc) {
  let exited = null;
  proc.exited.then((r) => { exited = r; });
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = 'no response yet';
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`wrangler dev exited (${exited.code ?? exited.signal}) before /health answered:\n${proc.output()}`);
    }
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code ?? err.message; // ECONNREFUSED while wrangler boots
    }
    await sleep(500);
  }
  throw new Error(`wrangler dev: /health not 200 after ${HEALTH_TIMEOUT_MS} ms (last: ${last}):\n${proc.output()}`);
}

function makeHandle({ launch, proc, removeDir, browser }) {
  const { dir, port } = launch;
  const base = `http://127.0.0.1:${port}`;
  let stopping;
  let earlierLogs = ''; // output of instances killed by kill()/restart(), so logs() still has it

  async function api(method, apiPath, body, { token = DEFAULT_TOKEN, headers = {} } = {}) {
    // Caller-supplied headers win (lower-cased so they replace, not duplicate, ours).
    const h = { accept: 'application/json' };
    if (token !== null) h.authorization = `Bearer ${token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
    for (let attempt = 1; ; attempt++) {
      const init = { method, headers: h, redirect: 'manual', signal: AbortSignal.timeout(60_000) };
      if (body !== undefined) init.body = JSON.stringify(body);
      const res = await unparked(fetch(base + apiPath, init), method);
      const parsed = await readBody(res);
      // The proxy's answer when its hop to the worker failed before the worker saw the request
      // (see tick()); it asks for the request again.
      if (res.status === 503 && typeof parsed === 'string' && parsed.includes('restarted mid-request') && attempt < 3) {
        handle.proxyRetries += 1;
        handle.proxyEvents.push(`${new Date().toISOString()} ${method} ${apiPath}`);
        continue;
      }
      return { status: res.status, headers: res.headers, body: parsed };
    }
  }

  /**
   * wrangler dev's proxy (wrangler 4.86.0, ProxyWorker.ts) parks a GET or HEAD whose hop to the
   * worker lost its connection ("Network connection lost", a stale pooled connection) in a retry
   * queue, and retries that queue only when the next request arrives (`processQueue` runs per
   * incoming request, parked ones first). It means to do so only while the worker reloads, but its
   * test compares the request's URL (with its path) to the worker's bare origin, so every failed
   * hop takes that branch: the worker's debug logs of CI runs show one reload (at start) and one
   * isolate (one execution context) around such a 503. A test that sends one request at a time would wait for
   * its answer forever (CI saw a status poll hang for the whole 60 s). So while a GET is
   * unanswered, a cheap POST nudges the proxy every few seconds; it is a 404 for the worker.
   */
  async function unparked(pending, method) {
    if (method !== 'GET' && method !== 'HEAD') return pending;
    const nudge = setInterval(() => {
      handle.proxyNudges += 1;
      nudgeOnce();
    }, NUDGE_EVERY_MS);
    try {
      return await pending;
    } finally {
      clearInterval(nudge);
    }
  }

  function nudgeOnce() {
    fetch(`${base}/__nudge`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
      .then((r) => r.arrayBuffer(), () => {})
      .catch(() => {});
  }

  // A browser's navigations do not go through api(), so a file that drives one nudges for the
  // instance's whole life instead (CI saw a page.goto wait out its 20 s on a parked GET).
  const alwaysNudging = browser ? setInterval(nudgeOnce, NUDGE_EVERY_MS).unref() : null;

  /**
   * One cron invocation through wrangler dev's `/__scheduled` (any method runs it). POST, not
   * GET, because of wrangler dev's proxy (wrangler 4.86.0, ProxyWorker.ts): when its hop to the
   * worker fails with "Network connection lost" (a pooled connection gone stale, seen after a few
   * idle seconds and concurrent requests), it parks a GET in a retry queue that only a reload
   * drains, so the request never answers; anything else gets a 503 "Your worker restarted
   * mid-request". That 503 is retried here (a tick is safe to repeat, and ticks that overlap are
   * what the tests exercise), at most twice; `proxyRetries` counts them.
   */
  async function tick() {
    for (let attempt = 1; ; attempt++) {
      // Scheduled handler runs every due check, which may wait on slow targets.
      const res = await fetch(`${base}/__scheduled?cron=*+*+*+*+*`, { method: 'POST', signal: AbortSignal.timeout(120_000) });
      const text = await res.text();
      if (res.status === 503 && text.includes('restarted mid-request') && attempt < 3) {
        handle.proxyRetries += 1;
        handle.proxyEvents.push(`${new Date().toISOString()} POST /__scheduled`);
        continue;
      }
      if (res.status < 200 || res.status > 299) {
        throw new Error(`POST /__scheduled answered ${res.status}: ${text}`);
      }
      return { status: res.status, body: text };
    }
  }

  async function waitFor(fn, { timeoutMs = 30_000, intervalMs = 250, what = 'condition' } = {}) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        const value = await fn();
        if (value) return value;
        last = value;
      } catch (err) {
        last = err; // transient failures are retried; the last one is reported
      }
      if (Date.now() >= deadline) break;
      await sleep(intervalMs);
    }
    // The instance's last output goes with the error: a CI run keeps nothing else of it.
    const tail = handle.logs().split('\n').slice(-40).join('\n');
    throw new Error(`timed out waiting for ${what} after ${timeoutMs} ms; last value: ${inspect(last, { depth: 6 })}\n--- last lines of wrangler dev on :${port} (its whole debug log: ${DEBUG_LOG_DIR}/*-port-${port}.log) ---\n${tail}`);
  }

  /**
   * A crash: SIGKILL to wrangler dev's whole process group (npx, wrangler, workerd) at once, no
   * grace period, so nothing gets to finish or flush. Resolves when the group is gone. The D1
   * state on disk stays; `restart()` brings the worker back on it.
   */
  async function kill() {
    if (!proc) return;
    const dead = proc;
    proc = null;
    killGroup(dead.child.pid, 'SIGKILL');
    await killTree(dead, 0); // waits for the group to be gone and reaps it
    earlierLogs += dead.output();
  }

  /**
   * Starts wrangler dev again on the same `--persist-to` state, port (so `base` and URLs built
   * from it stay valid) and vars. Kills the running one first (SIGKILL, as `kill()`) if there
   * is one. Migrations are not re-applied: the state already has them.
   */
  async function restart() {
    if (stopping) throw new Error('restart() after stop()');
    await kill();
    proc = await launchDev(launch);
  }

  /**
   * Runs SQL against this instance's local D1 (`wrangler d1 execute --local`), for rows no API
   * writes (seeded history, say). Asynchronous on purpose: a blocking spawnSync of a few seconds
   * leaves a keep-alive socket that wrangler dev closed meanwhile in fetch's pool, and the next
   * request fails with "other side closed".
   */
  async function d1(command, { json = false } = {}) {
    const args = ['wrangler', 'd1', 'execute', 'vigil', '--local', '--persist-to', dir, '--command', command];
    if (!json) return runToCompletion(args, MIGRATE_TIMEOUT_MS);
    // `{ json: true }`: the results as wrangler's JSON, one `{results, success, meta}` per statement
    // (meta carries D1's rows_read and rows_written).
    const out = await runToCompletion([...args, '--json'], MIGRATE_TIMEOUT_MS);
    return JSON.parse(out.slice(out.indexOf('[')));
  }

  function stop() {
    stopping ??= (async () => {
      if (alwaysNudging) clearInterval(alwaysNudging);
      if (proc) await killTree(proc);
      if (handle.proxyRetries > 0) process.stderr.write(`wrangler dev's proxy lost ${handle.proxyRetries} request(s) on :${port}; retried: ${handle.proxyEvents.join(', ')}\n`);
      if (handle.proxyNudges > 0) process.stderr.write(`a GET on :${port} waited over 3 s; the proxy was nudged ${handle.proxyNudges} time(s)\n`);
      // VIGIL_E2E_LOGS=1 prints the instance's whole output when it stops (for debugging).
      if (process.env.VIGIL_E2E_LOGS === '1') process.stderr.write(`--- wrangler dev on :${port} ---\n${earlierLogs}${proc ? proc.output() : ''}\n`);
      await removeDir();
    })();
    return stopping;
  }

  /** Answers a GET with 200 or throws with the body, so a helper never returns an error as data. */
  async function ok(apiPath) {
    const r = await api('GET', apiPath);
    if (r.status !== 200) throw new Error(`GET ${apiPath} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Creates a monitor from `defaults` and `body` (the test's file-wide settings first); throws unless 201. */
  async function createMonitor(body, defaults = {}) {
    const r = await api('POST', '/api/monitors', { ...defaults, ...body });
    if (r.status !== 201) throw new Error(`POST /api/monitors answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  const handle = {
    base,
    port,
    proxyRetries: 0,
    proxyEvents: [],
    proxyNudges: 0,
    token: DEFAULT_TOKEN,
    persistDir: dir,
    logs: () => earlierLogs + (proc ? proc.output() : ''),
    /** The running wrangler dev's process group id (its workerd processes are in it), for benchmarks. */
    pid: () => proc?.child.pid,
    stop,
    kill,
    restart,
    d1,
    api,
    tick,
    waitFor,
    createMonitor,
    /** A monitor's checks, newest first (up to 200; `query` adds parameters such as `&status=DOWN`). */
    checksOf: async (id, query = '') => (await ok(`/api/checks?monitor=${id}&limit=200${query}`)).items,
    /** A monitor's incidents, newest first. */
    incidentsOf: async (id) => (await ok(`/api/incidents?monitor=${id}`)).items,
  };
  return handle;
}

/**
 * The per-invocation cost lines (DESIGN.md §12) in a piece of wrangler dev's output: each is a
 * JSON object alone on its line, `{"event": "tick"|"consumer"|"alerts", "checks": N, ...}`.
 * Needs `startVigil({ logLevel: 'log' })` (console.log is hidden at the default 'warn').
 */
export function usageLines(output) {
  return output.split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{"event":'))
    .map((l) => { try { return JSON.parse(l); } catch { return null; } })
    .filter((l) => l && ['tick', 'consumer', 'alerts'].includes(l.event));
}

/**
 * CPU time (user + system, ms) used so far by the workerd processes of wrangler dev's process
 * group `pgid` (`vigil.pid()`): the worker plus local D1 and queues. Linux only (/proc); for
 * benchmarks. Resolution 10 ms (USER_HZ 100): sum over many requests.
 */
export function workerdCpuMs(pgid) {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
      if (comm === 'workerd' && Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited meanwhile */ }
  }
  return ticks * 10;
}

async function readBody(res) {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  if (!/[/+]json\b/i.test(type)) return text;
  if (text === '') return null;
  try { return JSON.parse(text); } catch { return text; }
}
