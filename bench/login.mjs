// Login cost: PBKDF2-HMAC-SHA256 (100k iterations) in wasm under wrangler dev, for a known and an
// unknown username (they should match: no username enumeration by timing), and a token-authenticated
// request for comparison. Usage: node bench/login.mjs
import { startVigil } from '../tests/e2e/harness.mjs';
const v = await startVigil({ logLevel: 'log' });
try {
  await v.api('POST', '/api/users', { username: 'al', password: 'password-123' });
  const times = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    const r = await v.api('POST', '/api/auth/token', { username: 'al', password: 'password-123' }, { token: null });
    times.push(performance.now() - s);
    if (r.status !== 201) throw new Error(r.status);
  }
  const bad = [];
  for (let i = 0; i < 10; i++) { const s = performance.now(); await v.api('POST', '/api/auth/token', { username: 'nobody', password: 'password-123' }, { token: null }); bad.push(performance.now() - s); }
  const tokTimes = [];
  const t = (await v.api('POST', '/api/auth/token', { username: 'al', password: 'password-123' }, { token: null })).body.token;
  for (let i = 0; i < 20; i++) { const s = performance.now(); await v.api('GET', '/api/me', undefined, { token: t }); tokTimes.push(performance.now() - s); }
  const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(0);
  console.log(`login ok median ${med(times)} ms; unknown user median ${med(bad)} ms; GET /api/me with token median ${med(tokTimes)} ms`);
} finally { await v.stop(); }
