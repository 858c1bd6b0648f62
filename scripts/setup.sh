#!/usr/bin/env bash
# Installs everything vigil needs on a fresh machine. Idempotent: each step is skipped when its
# result is already there, so a warm run takes a second or two.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -f Cargo.lock ]; then cargo generate-lockfile; fi
WB_VERSION="$(wasm_bindgen_version)"
if [ "$("$WASM_BINDGEN_BIN" --version 2>/dev/null | awk '{print $NF}')" != "$WB_VERSION" ]; then
  log "installing wasm-bindgen-cli $WB_VERSION (takes ~6 min once)"
  # --locked has failed on these machines; a plain install works.
  cargo install wasm-bindgen-cli --version "=$WB_VERSION" --force
fi

if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  log "installing worker-build $WORKER_BUILD_VERSION (takes ~3 min once)"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --force
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing pinned npm tools (wrangler, binaryen, esbuild)"
  npm ci --no-audit --no-fund
fi

# The browser of the dashboard's end-to-end tests (tests/e2e/dashboard.test.mjs): Debian's
# chromium, driven by playwright-core through executablePath (it downloads no browser itself).
if [ ! -x /usr/bin/chromium ]; then
  log "installing Debian's chromium for the browser tests (once)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq > /dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium > /dev/null
fi
