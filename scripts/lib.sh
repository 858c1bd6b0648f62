# Shared settings for vigil's scripts. Sourced, not run.
# Pinned versions: worker-build and wasm-bindgen must match Cargo.toml / Cargo.lock exactly.
WORKER_BUILD_VERSION="0.8.7"
# The size guard: the test command fails when the gzipped upload passes this (KiB). Cloudflare's
# own limits are higher (3 MiB free, 10 MiB paid); this one keeps each added crate weighed.
# Raised from 1,024 on 2026-12-01, when TCP/DNS monitors, response assertions (JSONPath),
# status-page notices, subscriptions and compact check storage took the upload to ~1,040-1,090.
MAX_UPLOAD_GZIP_KIB=1280
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false
# worker-build reads {NAME}_BIN and then never downloads anything (these machines reach no GitHub).
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"

log() { printf '\033[1m[vigil]\033[0m %s\n' "$*" >&2; }

# The wasm-bindgen version Cargo.lock resolved (the CLI must equal it).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}
