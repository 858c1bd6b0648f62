#!/usr/bin/env bash
# The test command: installs what is missing, then runs every layer: host unit tests, wasm tests
# under Node, and the end-to-end suite against `wrangler dev` with loopback fixtures.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh

log "lints (clippy, warnings are errors; host and wasm32, whose glue host builds never compile)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings

log "host tests (cargo test)"
cargo test --lib --quiet

log "wasm tests under Node (wasm-bindgen-test)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test wasm  # no --quiet: the runner rejects it

log "building the worker once for the end-to-end suite"
bash scripts/build.sh > /dev/null

log "size guard: what \`wrangler deploy\` would upload (dry run, offline, no login)"
# --dry-run builds (build.sh skips: build/ is fresh), bundles and stops before any network call.
outdir="$(mktemp -d)"
dry="$(npx wrangler deploy --dry-run --outdir "$outdir" 2>&1)" || { printf '%s\n' "$dry" >&2; exit 1; }
rm -rf "$outdir"
upload="$(printf '%s\n' "$dry" | grep -o 'Total Upload: .*' || true)"
gzip_kib="$(printf '%s\n' "$upload" | sed -nE 's/.*gzip: ([0-9.]+) KiB.*/\1/p')"
if [ -z "$gzip_kib" ]; then
  printf '%s\n' "$dry" >&2
  log "size guard: no 'Total Upload: ... gzip: N KiB' line in wrangler's output"; exit 1
fi
log "$upload (limit $MAX_UPLOAD_GZIP_KIB KiB gzipped)"
if awk -v s="$gzip_kib" -v max="$MAX_UPLOAD_GZIP_KIB" 'BEGIN { exit !(s > max) }'; then
  log "size guard: the gzipped upload is $gzip_kib KiB, over $MAX_UPLOAD_GZIP_KIB KiB"; exit 1
fi

log "end-to-end tests (node --test against wrangler dev)"
# One file at a time: each starts its own wrangler dev, and the machine has 2 cores.
node --test --test-concurrency=1 tests/e2e/
