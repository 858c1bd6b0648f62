#!/usr/bin/env bash
# The run command: installs what is missing, applies local D1 migrations, starts a demo target
# site and the worker under `wrangler dev`, seeds a demo project, and fires the cron every minute
# (wrangler dev does not run cron triggers by itself). Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
PORT="${PORT:-8787}"
DEMO_PORT="${DEMO_PORT:-8790}"

bash scripts/setup.sh
if [ ! -f .dev.vars ]; then
  token="vigil_$(node -e 'process.stdout.write(require("crypto").randomBytes(18).toString("base64url"))')"
  sed "s/^ADMIN_TOKEN=.*/ADMIN_TOKEN=$token/" .dev.vars.example > .dev.vars
  log "wrote .dev.vars with a new ADMIN_TOKEN"
fi
TOKEN="$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)"

log "applying D1 migrations (local)"
CI=true npx wrangler d1 migrations apply vigil --local > /dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# The demo's monitored site: a loopback fixture, so the demo works with no network.
setsid node tests/fixtures/target.mjs --port "$DEMO_PORT" > /dev/null &
pids+=($!)

log "building and starting the worker (the first build takes a minute or two)"
setsid npx wrangler dev --ip 127.0.0.1 --port "$PORT" --test-scheduled --show-interactive-dev-session=false &
pids+=($!)

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 180); do curl -sf "$BASE/health" > /dev/null && break; sleep 1; done
curl -sf "$BASE/health" > /dev/null || { log "the worker did not come up"; exit 1; }

grep -q '^DEMO_PASSWORD=' .dev.vars || echo "DEMO_PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >> .dev.vars
DEMO_PASSWORD="$(sed -n 's/^DEMO_PASSWORD=//p' .dev.vars)"
DEMO_TOKEN="$(node scripts/seed-demo.mjs "$BASE" "$TOKEN" "http://127.0.0.1:$DEMO_PORT" "$DEMO_PASSWORD" | tee /dev/stderr | tail -n 1)"

# Fire the cron at the start of every minute, like Cloudflare does.
(
  while true; do
    curl -sf "$BASE/__scheduled?cron=*+*+*+*+*" > /dev/null || true
    sleep $(( 60 - $(date +%s) % 60 ))
  done
) &
pids+=($!)

cat <<INFO

  vigil is running at $BASE
  Dashboard:   $BASE/app   (log in as demo / $DEMO_PASSWORD)
  Demo user:   demo / $DEMO_PASSWORD   (in .dev.vars)
  Demo token:  $DEMO_TOKEN
  Try:         curl -H "Authorization: Bearer $DEMO_TOKEN" $BASE/api/monitors
  Status page: $BASE/status/demo
  Admin token: $TOKEN   (ADMIN_TOKEN: creates users with POST /api/users)
  Demo target: http://127.0.0.1:$DEMO_PORT (checked every minute)
  Stop:        Ctrl-C

INFO
wait
