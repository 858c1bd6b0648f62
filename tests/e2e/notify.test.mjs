// Chat and pager channels end to end (issue 15, DESIGN.md §6): endpoints of every kind get
// an outage and its recovery through the same fan-out, claim, send, settle and delivery log
// as webhooks, against loopback fakes that check what each real API checks
// (tests/fixtures/providers.mjs). Also: PagerDuty's trigger and resolve share a dedup_key,
// rate limits are honoured, a target that is gone disables its endpoint, Telegram's group
// migration is followed, routing by monitor, test sends, and no secret in any answer or log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startVigil, startTarget } from './harness.mjs';
import { startProviders } from '../fixtures/providers.mjs';

const TG_TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra';
const PD_KEY = 'R0UTINGKEY0123456789abcdefABCDEF';
const PO_APP = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const PO_USER = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const NTFY_TOKEN = 'tk_NTFYSECRET0123456789';
const SLACK_SECRET = 'SLACKSECRETxyz';
const DISCORD_SECRET = 'DISCORDSECRETxyz';

let vigil;
let target;
let fake;

/** Every credential vigil was given; none may come back in an answer or a log line. */
const SECRETS = [TG_TOKEN, 'AAEhBOweik6ad9r', PD_KEY, PO_APP, NTFY_TOKEN, SLACK_SECRET, DISCORD_SECRET, 'TEAMSSIG', 'GCTOKEN'];

before(async () => {
  target = await startTarget();
  fake = await startProviders();
  fake.addTelegramBot(TG_TOKEN);
  fake.addNtfyToken(NTFY_TOKEN);
  vigil = await startVigil({
    vars: {
      RECHECK_DELAY_SECONDS: '1',
      ALERT_BACKOFF_BASE_SECONDS: '1',
      ALERT_TIMEOUT_SECONDS: '2',
      ALERT_MAX_ATTEMPTS: '5',
      PUBLIC_BASE_URL: 'https://status.example.com',
      TELEGRAM_BASE_URL: fake.telegramBase,
      PAGERDUTY_BASE_URL: fake.pagerdutyBase,
      PUSHOVER_BASE_URL: fake.pushoverBase,
    },
    logLevel: 'log',
  });
});

after(async () => {
  await vigil?.stop();
  await target?.close();
  await fake?.close();
});

const answers = []; // every API answer body, checked for secrets at the end

async function api(method, path, body) {
  const r = await vigil.api(method, path, body);
  answers.push(JSON.stringify(r.body ?? ''));
  return r;
}

async function project(name) {
  const r = await api('POST', '/api/projects', { name });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function endpoint(projectId, body) {
  const r = await api('POST', '/api/notification-endpoints', { project: projectId, ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function monitor(projectId, name, key) {
  const r = await api('POST', '/api/monitors', {
    project: projectId, name, url: target.url(`/switch/${key}`), check_interval_seconds: 3600, failure_threshold: 1, retries: 0,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function setSwitch(key, status) {
  const r = await fetch(target.url(`/_control/switch/${key}`), { method: 'POST', body: JSON.stringify({ status }) });
  assert.equal(r.status, 204);
}

async function incidentsOf(id) {
  return (await api('GET', `/api/incidents?monitor=${id}`)).body.items;
}

async function goDown(m, key) {
  await setSwitch(key, 500);
  assert.equal((await api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  return vigil.waitFor(async () => (await incidentsOf(m.id)).find((i) => i.open), { what: `incident of ${m.name} opened` });
}

async function recover(m, key) {
  await setSwitch(key, 200);
  assert.equal((await api('POST', `/api/monitors/${m.id}/run`)).status, 202);
  return vigil.waitFor(async () => {
    const [i] = await incidentsOf(m.id);
    return i && !i.open && i;
  }, { what: `incident of ${m.name} resolved` });
}

async function deliveriesOf(id) {
  const r = await api('GET', `/api/notification-endpoints/${id}/deliveries?limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
}

/** One endpoint of every kind in `projectId`, named with `tag`. */
async function oneOfEach(projectId, tag, extra = {}) {
  const specs = {
    slack: { kind: 'slack', url: fake.slackUrl(`T${tag}/B${tag}/${SLACK_SECRET}`) },
    discord: { kind: 'discord', url: fake.discordUrl(`1${tag.length}00`, `${DISCORD_SECRET}${tag}`) },
    telegram: { kind: 'telegram', bot_token: TG_TOKEN, chat_id: `-100${tag.length}123` },
    teams: { kind: 'teams', url: fake.teamsUrl(`flow${tag}`) },
    pagerduty: { kind: 'pagerduty', routing_key: PD_KEY },
    ntfy: { kind: 'ntfy', url: fake.ntfyServer, topic: `vigil-${tag}`, token: NTFY_TOKEN },
    pushover: { kind: 'pushover', app_token: PO_APP, user_key: PO_USER },
    google_chat: { kind: 'google_chat', url: fake.googleChatUrl(`space${tag}`) },
  };
  const out = {};
  for (const [kind, spec] of Object.entries(specs)) {
    out[kind] = await endpoint(projectId, { name: `${kind} ${tag}`, ...spec, ...(extra[kind] ?? {}) });
  }
  return out;
}

const textOf = (r) => JSON.stringify(r.json ?? r.form ?? r.body);

test('an outage and its recovery reach every kind once per event, in each API\'s shape; PagerDuty resolves what it triggered', async () => {
  const p = await project('Notify shop');
  const eps = await oneOfEach(p.id, 'main');
  // Secrets are write-only: not in the creation answer, views show them redacted.
  for (const [kind, ep] of Object.entries(eps)) {
    assert.equal(ep.kind, kind);
    assert.equal(ep.secret, undefined, `${kind}: no secret in the answer`);
    assert.equal(ep.has_secret, true, kind);
    for (const s of SECRETS) assert.ok(!JSON.stringify(ep).includes(s), `${kind} answer shows a secret`);
  }
  assert.match(eps.slack.url, /\/slack\/\*\*\*$/, 'Slack URL shown redacted');
  assert.equal(eps.telegram.chat_id, '-1004123');
  assert.equal(eps.ntfy.topic, 'vigil-main');

  const m = await monitor(p.id, 'checkout api', 'notify-main');
  const incident = await goDown(m, 'notify-main');
  const kinds = Object.keys(eps);
  await vigil.waitFor(() => kinds.every((k) => fake.messages(k).length >= 1), { what: 'one opened message per kind', timeoutMs: 60_000 });
  await recover(m, 'notify-main');
  await vigil.waitFor(() => kinds.every((k) => fake.messages(k).length >= 2), { what: 'one resolved message per kind', timeoutMs: 60_000 });
  await sleep(2500); // a duplicate would arrive within this

  assert.deepEqual(fake.problems, [], 'every request passed the fake API\'s checks');
  for (const k of kinds) {
    const msgs = fake.messages(k);
    assert.equal(msgs.length, 2, `${k}: exactly one message per event`);
    assert.match(textOf(msgs[0]), /checkout api/, `${k}: opened names the monitor`);
    assert.match(textOf(msgs[0]), /DOWN/, `${k}: opened says DOWN`);
    // A PagerDuty resolve carries only its dedup_key (checked below).
    if (k !== 'pagerduty') assert.match(textOf(msgs[1]), /RECOVERED/, `${k}: resolved says RECOVERED`);
    const d = await deliveriesOf(eps[k].id);
    assert.deepEqual(d.map((x) => x.outcome).sort(), ['delivered', 'delivered'], `${k} deliveries`);
  }
  // Provider specifics the real APIs need.
  const [trigger, resolve] = fake.messages('pagerduty').map((r) => r.json);
  assert.equal(trigger.event_action, 'trigger');
  assert.equal(resolve.event_action, 'resolve');
  assert.equal(trigger.dedup_key, resolve.dedup_key, 'resolve closes the alert the trigger opened');
  assert.match(trigger.dedup_key, new RegExp(`^vigil-incident-${incident.id}-`));
  assert.equal(trigger.payload.severity, 'critical');
  assert.equal(trigger.routing_key, PD_KEY);
  const tg = fake.messages('telegram');
  assert.equal(tg[0].json.chat_id, -1004123);
  assert.match(tg[0].json.text, /<a href="https:\/\/status\.example\.com\/status\//, 'links to the status page');
  assert.equal(fake.messages('pushover')[0].form.priority, '1');
  assert.equal(fake.messages('pushover')[1].form.priority, '0', 'recovery is normal priority');
  assert.equal(fake.messages('ntfy')[0].headers.authorization, `Bearer ${NTFY_TOKEN}`);
  assert.equal(fake.messages('discord')[0].json.embeds[0].color, 0xcf222e);
  assert.deepEqual(fake.messages('discord')[0].json.allowed_mentions, { parse: [] });
  assert.equal(fake.messages('slack')[1].json.attachments[0].color, '#1a7f37');
  // The deliveries log shows where it went, redacted.
  const [slackDelivery] = await deliveriesOf(eps.slack.id);
  assert.match(slackDelivery.target, /slack\/\*\*\*$/);
});

test('a 429 with a wait is retried after it and delivered once (Retry-After header; Discord and Telegram body)', async () => {
  const p = await project('Notify limits');
  const eps = await oneOfEach(p.id, 'rl');
  fake.program('slack', [{ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' }, 'real']);
  fake.program('discord', [{ status: 429, body: { message: 'You are being rate limited.', retry_after: 2.2, global: false } }, 'real']);
  fake.program('telegram', [{ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 2', parameters: { retry_after: 2 } } }, 'real']);
  try {
  const before = Object.fromEntries(['slack', 'discord', 'telegram'].map((k) => [k, fake.messages(k).length]));
  for (const k of ['slack', 'discord', 'telegram']) {
    assert.equal((await api('POST', `/api/notification-endpoints/${eps[k].id}/test`)).status, 202);
  }
  for (const k of ['slack', 'discord', 'telegram']) {
    await vigil.waitFor(() => fake.messages(k).length > before[k], { what: `${k} delivered after the wait`, timeoutMs: 30_000 });
  }
  await sleep(2000);
  for (const k of ['slack', 'discord', 'telegram']) {
    const tries = fake.attempts(k).slice(-2);
    assert.equal(fake.messages(k).length, before[k] + 1, `${k}: delivered once`);
    assert.ok(tries[1].at - tries[0].at >= 1900, `${k}: waited ${tries[1].at - tries[0].at} ms, asked for 2 s`);
    const d = await deliveriesOf(eps[k].id);
    assert.deepEqual(d.map((x) => [x.outcome, x.http_status]), [['delivered', 200], ['retry', 429]], k);
  }
  } finally {
    for (const k of ['slack', 'discord', 'telegram']) fake.program(k, ['real']);
  }
});

test('a target that is gone disables its endpoint with the reason; Telegram follows a group migration', async () => {
  const p = await project('Notify gone');
  const eps = await oneOfEach(p.id, 'gone');
  fake.program('slack', [{ status: 404, body: 'channel_not_found' }]);
  fake.program('discord', [{ status: 404, body: { message: 'Unknown Webhook', code: 10015 } }]);
  fake.moveTelegramChat(eps.telegram.chat_id, -1009876543210);
  try {
  for (const k of ['slack', 'discord', 'telegram']) {
    assert.equal((await api('POST', `/api/notification-endpoints/${eps[k].id}/test`)).status, 202);
  }
  for (const k of ['slack', 'discord']) {
    const ep = await vigil.waitFor(async () => {
      const r = await api('GET', `/api/notification-endpoints/${eps[k].id}`);
      return r.body.is_active === false && r.body;
    }, { what: `${k} disabled` });
    assert.match(ep.disabled_reason, k === 'slack' ? /channel_not_found/ : /Unknown Webhook/);
    assert.deepEqual((await deliveriesOf(eps[k].id)).map((d) => d.outcome), ['disabled']);
  }
  const moved = await vigil.waitFor(() => fake.messages('telegram', (r) => r.json.chat_id === -1009876543210)[0], { what: 'telegram sent to the supergroup' });
  assert.match(moved.json.text, /Test notification/);
  const tg = (await api('GET', `/api/notification-endpoints/${eps.telegram.id}`)).body;
  assert.equal(tg.chat_id, '-1009876543210', 'the stored chat id follows the migration');
  assert.equal(tg.is_active, true);
  assert.deepEqual((await deliveriesOf(eps.telegram.id)).map((d) => d.outcome), ['delivered', 'retry']);
  } finally {
    for (const k of ['slack', 'discord']) fake.program(k, ['real']);
  }
});

test('routing: the pager pages only for the monitors it names; the chat hears about all', async () => {
  const p = await project('Notify routing');
  const api1 = await monitor(p.id, 'payments api', 'route-api');
  const blog = await monitor(p.id, 'blog', 'route-blog');
  const pager = await endpoint(p.id, { name: 'pager', kind: 'pagerduty', routing_key: PD_KEY, monitors: [api1.id] });
  assert.deepEqual(pager.monitors, [api1.id]);
  const chat = await endpoint(p.id, { name: 'chat', kind: 'slack', url: fake.slackUrl(`TR/BR/${SLACK_SECRET}`) });
  // Routing may name only this project's monitors.
  const other = await project('Notify other');
  const foreign = await monitor(other.id, 'elsewhere', 'route-x');
  const bad = await api('POST', '/api/notification-endpoints', { project: p.id, name: 'bad', kind: 'pagerduty', routing_key: PD_KEY, monitors: [api1.id, foreign.id] });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('content-type'), 'application/problem+json');
  assert.match(JSON.stringify(bad.body), /monitors\[1\]/);

  const pdBefore = fake.messages('pagerduty').length;
  const slackFor = (name) => fake.messages('slack', (r) => r.path.includes('/TR/') && textOf(r).includes(name));
  await goDown(blog, 'route-blog');
  await vigil.waitFor(() => slackFor('blog').length >= 1, { what: 'chat told about the blog' });
  await goDown(api1, 'route-api');
  await vigil.waitFor(() => slackFor('payments api').length >= 1, { what: 'chat told about the api' });
  await vigil.waitFor(() => fake.messages('pagerduty').length > pdBefore, { what: 'pager triggered for the api' });
  await sleep(2000);
  const pages = fake.messages('pagerduty').slice(pdBefore);
  assert.equal(pages.length, 1, 'one page: the api, not the blog');
  assert.match(pages[0].json.payload.summary, /payments api/);
  assert.equal((await deliveriesOf(chat.id)).length, 2);
});

test('test sends work for every kind (PagerDuty: a change event, which pages nobody)', async () => {
  const p = await project('Notify tests');
  const eps = await oneOfEach(p.id, 'test');
  const before = Object.fromEntries(Object.keys(eps).map((k) => [k, fake.messages(k).length]));
  for (const ep of Object.values(eps)) {
    const r = await api('POST', `/api/notification-endpoints/${ep.id}/test`);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.equal(r.body.sends, 1);
  }
  for (const k of Object.keys(eps)) {
    await vigil.waitFor(() => fake.messages(k).length > before[k], { what: `${k} test message` });
  }
  assert.deepEqual(fake.problems, []);
  const change = fake.messages('pagerduty').at(-1);
  assert.equal(change.path, '/pagerduty/v2/change/enqueue');
  assert.match(change.json.payload.summary, /Test notification/);
});

test('validation names the field; PATCH keeps or replaces a credential; exports carry secrets only when asked', async () => {
  const p = await project('Notify validate');
  const cases = [
    [{ kind: 'telegram', chat_id: 1 }, 'bot_token'],
    [{ kind: 'telegram', bot_token: 'nope', chat_id: 1 }, 'bot_token'],
    [{ kind: 'telegram', bot_token: TG_TOKEN }, 'chat_id'],
    [{ kind: 'pagerduty', routing_key: 'short' }, 'routing_key'],
    [{ kind: 'pagerduty', routing_key: PD_KEY, reminder_minutes: 10 }, 'reminder_minutes'],
    [{ kind: 'slack' }, 'url'],
    [{ kind: 'slack', url: 'file:///etc/passwd' }, 'url'],
    [{ kind: 'ntfy', topic: 'a/b' }, 'topic'],
    [{ kind: 'pushover', app_token: PO_APP }, 'user_key'],
    [{ kind: 'discord', url: fake.discordUrl('1', 'x'), bot_token: TG_TOKEN }, 'bot_token'],
  ];
  for (const [body, field] of cases) {
    const r = await api('POST', '/api/notification-endpoints', { project: p.id, name: `bad ${field}`, ...body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.headers.get('content-type'), 'application/problem+json');
    assert.ok(JSON.stringify(r.body).includes(field), `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`);
  }
  const tg = await endpoint(p.id, { name: 'tg', kind: 'telegram', bot_token: TG_TOKEN, chat_id: '@vigil_alerts' });
  const patched = await api('PATCH', `/api/notification-endpoints/${tg.id}`, { message_thread_id: 5 });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.message_thread_id, 5);
  assert.equal(patched.body.has_secret, true, 'the token stays when not given');
  await endpoint(p.id, { name: 'chat', kind: 'slack', url: fake.slackUrl(`TV/BV/${SLACK_SECRET}`) });

  const plain = await api('GET', '/api/export');
  assert.equal(plain.status, 200);
  const mine = plain.body.projects.find((x) => x.slug === p.slug);
  const slack = mine.notification_endpoints.find((e) => e.kind === 'slack');
  assert.equal(slack.url, undefined, 'a secret URL leaves only with include_secrets');
  assert.equal(mine.notification_endpoints.find((e) => e.kind === 'telegram').bot_token, undefined);
  const full = await vigil.api('GET', '/api/export?include_secrets=true'); // not in `answers`: it is meant to hold secrets
  const fullMine = full.body.projects.find((x) => x.slug === p.slug);
  assert.equal(fullMine.notification_endpoints.find((e) => e.kind === 'telegram').bot_token, TG_TOKEN);
  assert.match(fullMine.notification_endpoints.find((e) => e.kind === 'slack').url, new RegExp(SLACK_SECRET));
  // Re-importing the export without secrets keeps them (nothing new, nothing lost).
  const again = await api('POST', '/api/import', plain.body);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  const after = await vigil.api('GET', '/api/export?include_secrets=true');
  assert.deepEqual(after.body.projects.find((x) => x.slug === p.slug).notification_endpoints, fullMine.notification_endpoints);
});

test('no secret in any answer or log line', async () => {
  const logs = vigil.logs();
  for (const s of SECRETS) {
    assert.ok(!logs.includes(s), `log holds ${s}`);
    for (const a of answers) assert.ok(!a.includes(s), `an answer holds ${s}: ${a.slice(0, 300)}`);
  }
});
