// Seeds the demo monitors through the REST API (idempotent: skips names that exist).
// Usage: node scripts/seed-demo.mjs BASE TOKEN TARGET_BASE
const [base, token, target] = process.argv.slice(2);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

const demo = [
  { name: 'Demo homepage', url: `${target}/ok`, check_interval_seconds: 60, body_contains: 'ok' },
  { name: 'Demo API (slow)', url: `${target}/delay/300`, check_interval_seconds: 60, expected_response_time_ms: 200 },
  { name: 'Demo flaky service', url: `${target}/status/503`, check_interval_seconds: 60, role: 'supplementary', retries: 1 },
  { name: 'Demo bot wall', url: `${target}/bot/header`, check_interval_seconds: 120, role: 'supplementary' },
];

const res = await fetch(`${base}/api/monitors?limit=200`, { headers });
if (!res.ok) throw new Error(`listing monitors: ${res.status} ${await res.text()}`);
const existing = new Set((await res.json()).items.map((m) => m.name));
for (const monitor of demo) {
  if (existing.has(monitor.name)) continue;
  const r = await fetch(`${base}/api/monitors`, { method: 'POST', headers, body: JSON.stringify(monitor) });
  if (r.status !== 201) throw new Error(`creating ${monitor.name}: ${r.status} ${await r.text()}`);
  console.log(`[vigil] demo monitor created: ${monitor.name}`);
}
