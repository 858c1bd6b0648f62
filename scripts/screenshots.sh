#!/usr/bin/env bash
# Renders the status page with 90 days of seeded history in headless Chromium (Debian's
# `chromium` package): light and dark, desktop and phone, into docs/screenshots/, and fails if
# the browser logs a console error. The page has no JavaScript (the e2e suite asserts no <script>).
# Not part of the test command: it needs Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
command -v chromium > /dev/null || { apt-get update -qq && apt-get install -y -qq chromium > /dev/null; }
bash scripts/setup.sh
bash scripts/build.sh
dir="$(mktemp -d)"
port=8797
trap 'kill -- -$wpid 2>/dev/null || true; rm -rf "$dir"' EXIT
CI=true npx wrangler d1 migrations apply vigil --local --persist-to "$dir" > /dev/null
python3 bench/seed_history.py "$(ls "$dir"/v3/d1/miniflare-D1DatabaseObject/*.sqlite | grep -v metadata)" --monitors 6 --days 90 > /dev/null
setsid npx wrangler dev --ip 127.0.0.1 --port $port --persist-to "$dir" --show-interactive-dev-session=false --log-level warn > /dev/null 2>&1 &
wpid=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 1; done
mkdir -p docs/screenshots
shot() { # name width height extra-flags...
  local name=$1 size=$2; shift 2
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
    --enable-logging=stderr --v=0 --window-size="$size" "$@" --screenshot="docs/screenshots/$name.png" \
    "http://127.0.0.1:$port${URL_PATH:-/status/default}" 2> "/tmp/vigil-shot-$name.log" > /dev/null
  if grep -q "CONSOLE" "/tmp/vigil-shot-$name.log"; then
    grep "CONSOLE" "/tmp/vigil-shot-$name.log"; log "console output on $name"; exit 1
  fi
}
shot status-desktop-light 1280,1500
shot status-desktop-dark 1280,1500 --force-dark-mode --blink-settings=preferredColorScheme=0
shot status-phone-light 390,1700
shot status-phone-dark 390,1700 --force-dark-mode --blink-settings=preferredColorScheme=0
URL_PATH=/status/default/1 shot monitor-detail-light 1280,1400
log "screenshots in docs/screenshots/ (no console output)"
