#!/usr/bin/env bash
# Builds the worker to build/ with the pinned local tools. wrangler.toml's [build] command runs
# this, so `wrangler dev` and `wrangler deploy` build the same way. Skips the ~15 s of cargo +
# wasm-opt when build/ is newer than every source (each e2e test file starts a wrangler dev).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
out=build/index_bg.wasm
if [ "${VIGIL_FORCE_BUILD:-}" != "1" ] && [ -f "$out" ] && [ -f build/index.js ] \
   && [ -z "$(find src Cargo.toml Cargo.lock -newer "$out" -print -quit)" ]; then
  exit 0
fi
worker-build --release
