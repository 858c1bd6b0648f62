import { startVigil } from '../tests/e2e/harness.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
const results = [];
for (let k = 0; k < 3; k++) {
  const v = await startVigil({ logLevel: 'debug' });
  const healthyAt = v.logs().length;
  await sleep(4000);
  const all = v.logs();
  const after = all.slice(healthyAt);
  results.push({ completes: (all.match(/reloadComplete/g) || []).length, completesAfter: (after.match(/reloadComplete/g) || []).length, pauseAfter: (after.match(/ProxyWorker\/pause/g) || []).length, beforeHealthy: /src changed/.test(all.slice(0, healthyAt)), afterHealthy: /src changed/.test(after), reloadsAfter: (after.match(/Reloading local server|Starting local server/g) || []).length });
  await v.stop();
}
console.log(JSON.stringify(results));
