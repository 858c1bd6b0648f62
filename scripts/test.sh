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

log "end-to-end tests (node --test against wrangler dev)"
# One file at a time: each starts its own wrangler dev, and the machine has 2 cores.
node --test --test-concurrency=1 tests/e2e/
