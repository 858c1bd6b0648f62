#!/usr/bin/env bash
# Builds the worker to build/ with the pinned local tools. wrangler.toml's [build] command runs
# this, so `wrangler dev` and `wrangler deploy` build the same way.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
worker-build --release
