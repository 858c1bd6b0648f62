// Seeds the demo account through the REST API, the way a user would, and prints a ready token.
// Idempotent: an existing user, project or monitor of the same name is reused.
// Usage: node scripts/seed-demo.mjs BASE ADMIN_TOKEN TARGET_BASE DEMO_PASSWORD
const [base, adminToken, target, password] = process.argv.slice(2);
const username = 'demo';

async function call(method, path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

// 1. The admin (ADMIN_TOKEN) creates the demo user; 409 means it exists from an earlier run.
const user = await call('POST', '/api/users', { username, password }, adminToken);
if (user.status !== 201 && user.status !== 409) throw new Error(`creating user: ${user.status} ${JSON.stringify(user.body)}`);

// 2. The demo user logs in: this token is what the README's curl examples use.
const login = await call('POST', '/api/auth/token', { username, password, name: 'dev.sh' });
if (login.status !== 201) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
const token = login.body.token;

// 3. A public project with a status page at /status/demo.
const projects = (await call('GET', '/api/projects', undefined, token)).body.items;
let project = projects.find((p) => p.slug === 'demo');
if (!project) {
  const r = await call('POST', '/api/projects', { name: 'Demo', slug: 'demo', public: true }, token);
  if (r.status !== 201) throw new Error(`creating project: ${r.status} ${JSON.stringify(r.body)}`);
  project = r.body;
}

const demo = [
  { name: 'Demo homepage', url: `${target}/ok`, check_interval_seconds: 60, body_contains: 'ok' },
  { name: 'Demo API (slow)', url: `${target}/delay/300`, check_interval_seconds: 60, expected_response_time_ms: 200 },
  { name: 'Demo flaky service', url: `${target}/status/503`, check_interval_seconds: 60, role: 'supplementary', retries: 1 },
  { name: 'Demo bot wall', url: `${target}/bot/header`, check_interval_seconds: 120, role: 'supplementary' },
];
const existing = new Set((await call('GET', `/api/monitors?project=${project.id}&limit=200`, undefined, token)).body.items.map((m) => m.name));
for (const monitor of demo) {
  if (existing.has(monitor.name)) continue;
  const r = await call('POST', '/api/monitors', { ...monitor, project: project.id }, token);
  if (r.status !== 201) throw new Error(`creating ${monitor.name}: ${r.status} ${JSON.stringify(r.body)}`);
  console.log(`[vigil] demo monitor created: ${monitor.name}`);
}
// The last line is the token: dev.sh reads it.
console.log(token);
