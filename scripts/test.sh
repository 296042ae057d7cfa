#!/usr/bin/env bash
# The project's whole test command (also what CI runs).
#
#   scripts/test.sh [extra cargo test args...]
#
# Env:
#   AGENTLINE_TEST_QUICK=1   skip cargo fmt and cargo clippy
#   AGENTLINE_TEST_CLIENTS=0 skip the client libraries' tests (scripts/test-clients.sh)
#   AGENTLINE_TEST_CONSOLE=0 skip the console's browser tests (scripts/test-console.sh)
#   AGENTLINE_TEST_SCHEMA=0  skip driving the API from its OpenAPI document (scripts/test-schema.sh)
#   AGENTLINE_TEST_FUZZ=0    skip the bounded fuzzing of the parsers (scripts/test-fuzz.sh)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo "==> [$((SECONDS / 60))m$((SECONDS % 60))s] $*" >&2; }

PG_DIR=target/test-pg

step "install system deps"
bash scripts/install-deps.sh

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  bash scripts/pg.sh stop "$PG_DIR" || true
  exit "$rc"
}

step "start PostgreSQL ($PG_DIR)"
bash scripts/pg.sh stop "$PG_DIR" # stale cluster from an earlier (killed) run
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
AGENTLINE_TEST_PG_URL=$(bash scripts/pg.sh start "$PG_DIR")
export AGENTLINE_TEST_PG_URL
echo "    AGENTLINE_TEST_PG_URL=$AGENTLINE_TEST_PG_URL" >&2

if [[ "${AGENTLINE_TEST_QUICK:-0}" == "1" ]]; then
  step "skip cargo fmt / clippy (AGENTLINE_TEST_QUICK=1)"
else
  step "cargo fmt --check"
  cargo fmt --all -- --check

  step "cargo clippy"
  cargo clippy --workspace --all-targets --locked -- -D warnings
fi

step "cargo test"
cargo test --workspace --locked "$@"

if [[ "${AGENTLINE_TEST_CLIENTS:-1}" == "0" ]]; then
  step "skip the client libraries' tests (AGENTLINE_TEST_CLIENTS=0)"
else
  step "client libraries against a real server (scripts/test-clients.sh)"
  AGENTLINE_BIN="${CARGO_TARGET_DIR:-target}/debug/agentline" bash scripts/test-clients.sh
fi

if [[ "${AGENTLINE_TEST_CONSOLE:-1}" == "0" ]]; then
  step "skip the console's browser tests (AGENTLINE_TEST_CONSOLE=0)"
else
  step "the console in headless Chromium (scripts/test-console.sh)"
  AGENTLINE_BIN="${CARGO_TARGET_DIR:-target}/debug/agentline" bash scripts/test-console.sh
fi

if [[ "${AGENTLINE_TEST_SCHEMA:-1}" == "0" ]]; then
  step "skip the API-from-its-schema test (AGENTLINE_TEST_SCHEMA=0)"
else
  step "the API from its OpenAPI document (scripts/test-schema.sh, schemathesis)"
  AGENTLINE_BIN="${CARGO_TARGET_DIR:-target}/debug/agentline" SCHEMA_MAX_TIME="${SCHEMA_MAX_TIME:-180}" \
    bash scripts/test-schema.sh
fi

if [[ "${AGENTLINE_TEST_FUZZ:-1}" == "0" ]]; then
  step "skip fuzzing (AGENTLINE_TEST_FUZZ=0)"
else
  step "fuzz the parsers for a bounded time (scripts/test-fuzz.sh)"
  bash scripts/test-fuzz.sh
fi

step "check Cargo.lock has no aws-lc crates"
if grep -q 'name = "aws-lc' Cargo.lock; then
  echo "error: an aws-lc crate is in Cargo.lock:" >&2
  grep -n 'name = "aws-lc' Cargo.lock >&2
  exit 1
fi

step "all checks passed"
