import { startVigil } from '../tests/e2e/harness.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
const v = await startVigil({ logLevel: 'debug' });
const t0 = Date.now();
for (let i = 0; i < 40; i++) { await v.api('GET', '/api/monitors'); await sleep(500); }
const all = v.logs().split("\n"); const i = all.findIndex((l) => /src changed/.test(l)); console.log(all.length, i); console.log(all.slice(Math.max(0, i - 30), i + 30).join("\n"));

await v.stop();
