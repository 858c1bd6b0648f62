// The loopback target (tests/fixtures/target.mjs) in a process of its own, for the benchmarks:
// in the benchmark's own process its answers would wait behind the polling and log parsing.
// Resolves once it answers.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, ROOT } from '../tests/e2e/harness.mjs';

export async function spawnTarget() {
  const port = await freePort();
  const proc = spawn('node', [path.join(ROOT, 'tests/fixtures/target.mjs'), '--port', String(port)], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const target = {
    base,
    url: (p) => `${base}${p}`,
    stats: async () => (await fetch(`${base}/_stats`)).json(),
    resetStats: async () => fetch(`${base}/_reset`, { method: 'POST' }),
    close: async () => proc.kill('SIGTERM'),
  };
  for (let i = 0; i < 50; i++) {
    try { await target.stats(); return target; } catch { await sleep(100); }
  }
  proc.kill('SIGKILL');
  throw new Error(`the target on :${port} never answered`);
}
