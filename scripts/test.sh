#!/usr/bin/env bash
# The test command: installs what is missing, then runs every layer: host unit tests, wasm tests
# under Node, and the end-to-end suite against `wrangler dev` with loopback fixtures.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Seconds per phase, printed as each one ends, so a slow CI run says where its time went.
phase_start=$SECONDS
phase_name=""
phase() {
  if [ -n "$phase_name" ]; then log "$phase_name: $((SECONDS - phase_start)) s"; fi
  phase_name="$1"; phase_start=$SECONDS
  [ -z "$1" ] || log "$1"
}
trap 'phase ""; log "total: $SECONDS s"' EXIT

phase "setup"
bash scripts/setup.sh

phase "lints (clippy, warnings are errors; host and wasm32, whose glue host builds never compile)"
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --lib --target wasm32-unknown-unknown -- -D warnings

phase "host tests (cargo test)"
cargo test --lib --quiet

phase "wasm tests under Node (wasm-bindgen-test)"
# The library links workers-rs's Socket, which imports `cloudflare:sockets`: Node gets a stub.
NODE_OPTIONS="--require $ROOT/tests/wasm-shims/cloudflare-modules.cjs" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test wasm  # no --quiet: the runner rejects it

phase "building the worker once for the end-to-end suite"
bash scripts/build.sh > /dev/null

phase "size guard: what \`wrangler deploy\` would upload (dry run, offline, no login)"
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

phase "end-to-end tests (node --test against wrangler dev)"
# Files run VIGIL_E2E_CONCURRENCY at a time (default 2), each with its own wrangler dev: most of a
# file's time is spent waiting on retries, backoffs and receivers, not on the CPU.
# alerts.test.mjs runs alone, after the others: in two of three CI runs on 2026-12-01/02 its alert
# deliveries stalled for a minute or more ("maintenance windows", "reminders") while another file
# ran beside it, and it has passed every time alone. The cause is not found yet; a timed-out wait
# now prints the instance's last output (tests/e2e/harness.mjs) so the next one can be read.
# Each wrangler dev's debug log (timestamped: the worker's output, errors, reloads) is kept in
# $TMPDIR/vigil-e2e-logs until the next run, so a failure can be read after the run.
rm -rf "${TMPDIR:-/tmp}/vigil-e2e-logs"
mapfile -t files < <(ls tests/e2e/*.test.mjs | grep -v '/alerts\.test\.mjs$')
node --test --test-concurrency="${VIGIL_E2E_CONCURRENCY:-2}" "${files[@]}"
node --test tests/e2e/alerts.test.mjs
