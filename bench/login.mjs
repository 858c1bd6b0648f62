// Login cost: PBKDF2-HMAC-SHA256 (100k iterations) under wrangler dev, for a known and an
// unknown username (they must match: no username enumeration by timing), and a
// token-authenticated request for comparison. The derivation runs in WebCrypto (native);
// before, it ran in wasm (~130 ms).
//
//   node bench/login.mjs [--n 30]
//
// A right password, a wrong one for an existing user and one for an unknown name take turns, so
// load on the machine hits all three alike. Prints medians, p90, workerd's CPU per login (worker +
// local D1; /proc, so load barely moves it) and the ratios of the medians. The timing that could
// enumerate users is wrong-password-known vs unknown (the same work); a right password also
// writes a token.
import os from 'node:os';
import { startVigil, workerdCpuMs } from '../tests/e2e/harness.mjs';

const i = process.argv.indexOf('--n');
const N = i > 0 ? Number(process.argv[i + 1]) : 30;
const v = await startVigil({ logLevel: 'log' });
try {
  await v.api('POST', '/api/users', { username: 'al', password: 'password-123' });
  // Wrong guesses go round 10 users (and 10 unknown names): the throttle allows 10 a window each.
  for (let u = 0; u < 10; u++) await v.api('POST', '/api/users', { username: `user${u}`, password: 'password-123' });
  const login = async (username, password = 'password-123') => {
    const [s, cpu] = [performance.now(), workerdCpuMs(v.pid())];
    const r = await v.api('POST', '/api/auth/token', { username, password }, { token: null });
    return { ms: performance.now() - s, cpu: workerdCpuMs(v.pid()) - cpu, r };
  };
  for (let w = 0; w < 3; w++) { await login('al'); await login(`user${w}`, 'wrong-guess'); await login(`nobody${w}`); } // warm-up
  const runs = { known: [], known_wrong: [], unknown: [] };
  const cpu = { known: 0, known_wrong: 0, unknown: 0 };
  const record = (kind, { ms, cpu: c, r }, status) => {
    if (r.status !== status) throw new Error(`${kind}: ${r.status}`);
    runs[kind].push(ms);
    cpu[kind] += c;
  };
  for (let k = 0; k < N; k++) {
    record('known', await login('al'), 201);
    record('known_wrong', await login(`user${k % 10}`, 'wrong-guess'), 401);
    record('unknown', await login(`nobody${k % 10}`), 401);
  }
  const token = (await login('al')).r.body.token;
  const me = [];
  for (let k = 0; k < N; k++) { const s = performance.now(); await v.api('GET', '/api/me', undefined, { token }); me.push(performance.now() - s); }
  const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))];
  const stat = (kind) => ({ median_ms: +q(runs[kind], 0.5).toFixed(1), p90_ms: +q(runs[kind], 0.9).toFixed(1), workerd_cpu_ms: +(cpu[kind] / N).toFixed(1) });
  console.log(JSON.stringify({
    machine: `${os.cpus().length} x ${os.cpus()[0].model}, load ${os.loadavg()[0].toFixed(1)}`,
    date: new Date().toISOString(),
    logins_each: N,
    // 201: PBKDF2, then a token row and the throttle row cleared.
    known_user: stat('known'),
    // 401, what an attacker probing names sees: PBKDF2 and the throttle row, known or not.
    known_user_wrong_password: stat('known_wrong'),
    unknown_user: stat('unknown'),
    unknown_over_known_wrong: +(q(runs.unknown, 0.5) / q(runs.known_wrong, 0.5)).toFixed(3),
    unknown_over_known: +(q(runs.unknown, 0.5) / q(runs.known, 0.5)).toFixed(3),
    get_me_with_token: { median_ms: +q(me, 0.5).toFixed(1), p90_ms: +q(me, 0.9).toFixed(1) },
  }, null, 2));
} finally { await v.stop(); }
