#!/usr/bin/env bash
# API fuzzing: schemathesis generates requests from /openapi.json and sends them to a local
# `wrangler dev` (fresh D1 under a temp --persist-to dir). Fails on any 5xx. A benchmark-like
# script, not part of scripts/test.sh or CI. See docs/FUZZING.md.
#
#   bash scripts/fuzz.sh                 # ~3,000 requests, seed 1
#   FUZZ_EXAMPLES=200 FUZZ_SEED=7 bash scripts/fuzz.sh
#
# Fuzzed monitors and endpoints point at made-up URLs and POST /api/monitors/{id}/run makes the
# worker fetch them, so the server and schemathesis run in a network namespace of their own that
# has only a loopback interface (`unshare --net`, root): nothing can leave the machine. Where
# unshare is not allowed, the operations that make the worker fetch are left out instead.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

EXAMPLES="${FUZZ_EXAMPLES:-60}"
SEED="${FUZZ_SEED:-1}"
WORKERS="${FUZZ_WORKERS:-2}"
MAX_SECONDS="${FUZZ_MAX_SECONDS:-2400}"
VENV="$ROOT/target/fuzz-venv"
OUT="$ROOT/target/fuzz"
SCHEMATHESIS_SPEC='schemathesis>=4,<5'

if [ "${1:-}" != "--inner" ]; then
  # ---- outside: install and build (these need the package registries), then go offline.
  if ! "$VENV/bin/schemathesis" --version > /dev/null 2>&1; then
    log "creating $VENV and installing schemathesis"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "$SCHEMATHESIS_SPEC"
  fi
  bash scripts/setup.sh
  bash scripts/build.sh
  rm -rf "$OUT" && mkdir -p "$OUT"
  if unshare --net true 2> /dev/null; then
    log "running in a network namespace with loopback only"
    exec unshare --net bash -c 'ip link set lo up && exec bash "$0" --inner' "$0"
  fi
  log "unshare --net is not allowed here: leaving out the operations that make the worker fetch"
  export FUZZ_NO_OUTBOUND=1
  exec bash "$0" --inner
fi

# ---- inside: a fresh vigil, a little data, then schemathesis.
export CI=true NO_COLOR=1
DIR="$(mktemp -d "${TMPDIR:-/tmp}/vigil-fuzz-XXXXXX")"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT="$(free_port)"
INSPECTOR_PORT="$(free_port)"
TOKEN="fuzz-admin-$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
BASE="http://127.0.0.1:$PORT"
WRANGLER_LOG="$OUT/wrangler.log"

server=""
cleanup() {
  if [ -n "$server" ]; then kill -- "-$server" 2> /dev/null || true; sleep 1; kill -9 -- "-$server" 2> /dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Serve a snapshot of build/ with a config that has no [build] step: wrangler dev would otherwise
# rebuild and restart whenever src/ changes during the run.
mkdir -p "$OUT/worker"
cp -r build "$OUT/worker/build"
sed -e '/^\[build\]/,/^$/d' -e "s|^migrations_dir = .*|migrations_dir = \"$ROOT/migrations\"|" wrangler.toml > "$OUT/worker/wrangler.toml"
CONFIG="$OUT/worker/wrangler.toml"

log "applying D1 migrations to $DIR"
npx wrangler d1 migrations apply vigil --local --config "$CONFIG" --persist-to "$DIR" > "$OUT/migrations.log" 2>&1

log "starting wrangler dev on $BASE (log: ${WRANGLER_LOG#$ROOT/})"
setsid npx wrangler dev --config "$CONFIG" --ip 127.0.0.1 --port "$PORT" --inspector-port "$INSPECTOR_PORT" \
  --persist-to "$DIR" --show-interactive-dev-session=false --log-level log \
  --var "ADMIN_TOKEN:$TOKEN" --var ALLOW_PRIVATE_TARGETS:true \
  < /dev/null > "$WRANGLER_LOG" 2>&1 &
server=$!
for _ in $(seq 1 180); do curl -sf "$BASE/health" > /dev/null 2>&1 && break; sleep 1; done
curl -sf "$BASE/health" > /dev/null || { log "vigil did not come up:"; tail -40 "$WRANGLER_LOG" >&2; exit 1; }

# Something for ids and slugs to hit: the document's examples use project `acme` and monitor 1.
api() {
  curl -s -o "$OUT/seed-response.json" -w '%{http_code}' -X "$1" "$BASE$2" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' ${3:+--data "$3"}
  grep -q '"status":[45]' "$OUT/seed-response.json" && { echo >&2; cat "$OUT/seed-response.json" >&2; } || true
}
seeded="$(api POST /api/projects '{"name":"Acme","slug":"acme"}')"
project="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("id", 0))' "$OUT/seed-response.json")"
seeded="$seeded $(api POST /api/monitors "{\"project\":$project,\"name\":\"home\",\"url\":\"http://127.0.0.1:9/\"}")"
seeded="$seeded $(api POST /api/maintenance-windows "{\"project\":$project,\"title\":\"upgrade\",\"starts_at\":\"2030-01-01T00:00:00Z\",\"ends_at\":\"2030-01-01T01:00:00Z\"}")"
[ "$seeded" = "201 201 201" ] || { log "seeding failed: $seeded"; exit 1; }

# Specified-but-unserved operations (x-vigil-pending and not in the route table) are left out,
# and so are the ones that make the worker fetch when there is no network namespace.
curl -sf "$BASE/openapi.json" > "$OUT/openapi.json"
curl -sf "$BASE/" > "$OUT/overview.json"
mapfile -t EXCLUDED < <(NO_OUTBOUND="${FUZZ_NO_OUTBOUND:-}" python3 - "$OUT/openapi.json" "$OUT/overview.json" <<'PY'
import json, os, re, sys
doc = json.load(open(sys.argv[1]))
served = set(json.load(open(sys.argv[2]))["routes"])
outbound = {"runMonitor", "testNotificationEndpoint", "seedSendEmails"}
for path, item in doc["paths"].items():
    route = re.sub(r"\{(\w+)\}", r":\1", path)
    for method, op in item.items():
        if not isinstance(op, dict) or "operationId" not in op:
            continue
        if f"{method.upper()} {route}" not in served or (os.environ["NO_OUTBOUND"] and op["operationId"] in outbound):
            print(op["operationId"])
PY
)
exclude_args=()
for id in "${EXCLUDED[@]}"; do exclude_args+=(--exclude-operation-id "$id"); done
[ ${#EXCLUDED[@]} -eq 0 ] || log "left out (not served yet or outbound): ${EXCLUDED[*]}"

log "schemathesis: $EXAMPLES examples per operation, seed $SEED, $WORKERS workers"
set +e
# From $OUT, so schemathesis keeps its .schemathesis/ cache under target/.
(cd "$OUT" && timeout "$MAX_SECONDS" "$VENV/bin/schemathesis" run "$BASE/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error \
  --max-examples "$EXAMPLES" --seed "$SEED" --workers "$WORKERS" \
  --request-timeout 30 --suppress-health-check all --continue-on-failure \
  --report junit,har --report-dir "$OUT/report" \
  "${exclude_args[@]}") 2>&1 | tee "$OUT/schemathesis.log"
st_status=${PIPESTATUS[0]}
set -e
sleep 2 # let the last log lines land

# wrangler logs one line per request: `[wrangler:info] GET /path 200 OK (3ms)`.
requests_line='^\[wrangler:info\] (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|TRACE|[A-Z]+) .* [1-5][0-9][0-9] '
total="$(grep -Ec "$requests_line" "$WRANGLER_LOG" || true)"
fives="$(grep -E "$requests_line" "$WRANGLER_LOG" | grep -Ec ' 5[0-9][0-9] ' || true)"
echo
echo "requests served: $total (schemathesis exit $st_status)"
echo "5xx responses:   $fives"
if [ "$fives" != "0" ]; then
  echo "--- 5xx lines and internal errors from $WRANGLER_LOG:"
  grep -E "$requests_line" "$WRANGLER_LOG" | grep -E ' 5[0-9][0-9] ' | sort | uniq -c | sort -rn | head -40
  grep -iE 'internal error|panicked|RuntimeError|Uncaught' "$WRANGLER_LOG" | sort | uniq -c | sort -rn | head -40
  exit 1
fi
[ "$st_status" = "0" ] || { echo "schemathesis reported failures (see $OUT/schemathesis.log)"; exit 1; }
echo "no 5xx"
