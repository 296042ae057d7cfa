#!/usr/bin/env bash
# The API driven from its own OpenAPI document by schemathesis (run by scripts/test.sh).
#
#   scripts/test-schema.sh [extra schemathesis run args...]
#
# It installs schemathesis (tests/schema/requirements.txt) into a throwaway venv, starts
# `agentline serve` on a throwaway SQLite database with a fast sandbox, bootstraps an account,
# and runs every check (server errors, responses against the document, status codes, headers,
# authentication, schema-violating requests refused, …) over every `/v1` operation and every seed
# dialect with a fixed seed and a time budget. Any finding fails the run.
#
# One check is left out: `positive_data_acceptance` (every schema-valid request must succeed). The
# API checks meaning that no schema can say — a number valid in its numbering plan, an id that
# exists in this account, a Twilio account SID — so random schema-valid data is rightly refused
# with 400; what is refused is still checked against the document by the other checks.
#
# Env: AGENTLINE_BIN, PYTHON (as scripts/test-clients.sh); SCHEMA_MAX_TIME (seconds, default 240),
#      SCHEMA_EXAMPLES (per operation, default 5), SCHEMA_SEED (default 1).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
step() { echo "==> $*" >&2; }
PYTHON=${PYTHON:-python3}

WORK_PREFIX=agentline-schema
# shellcheck source=lib/test-server.sh
source scripts/lib/test-server.sh

step "install schemathesis (tests/schema/requirements.txt)"
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r tests/schema/requirements.txt

# Budgets large enough that throttling never answers in place of the operation under test.
export AGENTLINE_SANDBOX__SPEED=50
export AGENTLINE_RATE_LIMITS__READ_PER_MINUTE=1000000
export AGENTLINE_RATE_LIMITS__WRITE_PER_MINUTE=1000000
export AGENTLINE_RATE_LIMITS__CALLS_CREATE_PER_MINUTE=1000000
export AGENTLINE_RATE_LIMITS__AUTH_FAILURES_PER_MINUTE=1000000
start_server
ADMIN=$(account_field "Schema" admin_token)

step "schemathesis run $URL/openapi.json"
(cd "$WORK" && "$WORK/venv/bin/schemathesis" run "$URL/openapi.json" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --seed "${SCHEMA_SEED:-1}" \
  --max-examples "${SCHEMA_EXAMPLES:-5}" \
  --max-time "${SCHEMA_MAX_TIME:-240}" \
  --workers 2 \
  --header "Authorization: Bearer $ADMIN" \
  --no-color \
  "$@")
step "the API matches its schema"
