#!/usr/bin/env bash
# The newcomer's demo: builds agentline and runs `agentline demo` on the embedded default
# (SQLite in ./data). Extra arguments go to the demo, e.g. --keep-serving.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --locked --bin agentline
exec target/debug/agentline demo "$@"
