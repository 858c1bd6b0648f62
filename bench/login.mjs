// Login cost: PBKDF2-HMAC-SHA256 (100k iterations) under wrangler dev, for a known and an
// unknown username (they must match: no username enumeration by timing), and a
// token-authenticated request for comparison. The derivation runs in WebCrypto (native);
// before, it ran in wasm (~130 ms).
//
//   node bench/login.mjs [--n 30]
//
// Known and unknown logins alternate, so load on the machine hits both alike. Prints medians,
// p90 and the unknown/known ratio of the medians.
import os from 'node:os';
import { startVigil } from '../tests/e2e/harness.mjs';

const i = process.argv.indexOf('--n');
const N = i > 0 ? Number(process.argv[i + 1]) : 30;
const v = await startVigil({ logLevel: 'log' });
try {
  await v.api('POST', '/api/users', { username: 'al', password: 'password-123' });
  const login = async (username) => {
    const s = performance.now();
    const r = await v.api('POST', '/api/auth/token', { username, password: 'password-123' }, { token: null });
    return { ms: performance.now() - s, r };
  };
  for (let w = 0; w < 3; w++) { await login('al'); await login('nobody'); } // warm-up (JIT, first D1 pages)
  const known = [];
  const unknown = [];
  for (let k = 0; k < N; k++) {
    const a = await login('al');
    if (a.r.status !== 201) throw new Error(`known user: ${a.r.status}`);
    known.push(a.ms);
    // A wrong guess for an unknown name; the throttle allows 10 a window, so vary the name.
    const b = await login(`nobody${k % 9}`);
    if (b.r.status !== 401) throw new Error(`unknown user: ${b.r.status}`);
    unknown.push(b.ms);
  }
  const token = (await login('al')).r.body.token;
  const me = [];
  for (let k = 0; k < N; k++) { const s = performance.now(); await v.api('GET', '/api/me', undefined, { token }); me.push(performance.now() - s); }
  const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
  const stat = (a) => ({ median_ms: +q(a, 0.5).toFixed(1), p90_ms: +q(a, 0.9).toFixed(1) });
  console.log(JSON.stringify({
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, load ${os.loadavg()[0].toFixed(1)}`,
    date: new Date().toISOString(),
    logins_each: N,
    known_user: stat(known),
    unknown_user: stat(unknown),
    unknown_over_known: +(q(unknown, 0.5) / q(known, 0.5)).toFixed(3),
    get_me_with_token: stat(me),
  }, null, 2));
} finally { await v.stop(); }
