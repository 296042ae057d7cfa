#!/usr/bin/env bash
# The console (/console) end to end in headless Chromium against a real agentline server (run by
# scripts/test.sh; about a minute once the binary is built).
#
#   scripts/test-console.sh
#
# It installs Chromium (Debian's package) and playwright-core (tests/console/package-lock.json),
# starts `agentline serve` with a throwaway SQLite database and the sandbox at its real pace (the
# test call talks, with the offline recogniser and voice), bootstraps two accounts, and runs
# tests/console/console.test.mjs with node --test.
#
# Env: AGENTLINE_BIN (default target/debug/agentline, built when absent), PYTHON (default python3),
#      CONSOLE_SCREENSHOTS=DIR to keep the pages' screenshots (docs/console is where the docs take them from).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
step() { echo "==> $*" >&2; }
PYTHON=${PYTHON:-python3}

step "install Chromium"
bash scripts/install-deps.sh --browser
step "install playwright-core (tests/console)"
(cd tests/console && npm ci --no-audit --no-fund --silent)

WORK_PREFIX=agentline-console
# shellcheck source=lib/test-server.sh
source scripts/lib/test-server.sh
start_server

export AGENTLINE_TEST_URL="$URL"
AGENTLINE_TEST_ADMIN_TOKEN=$(account_field "Console A" admin_token)
AGENTLINE_TEST_OTHER_ADMIN_TOKEN=$(account_field "Console B" admin_token)
export AGENTLINE_TEST_ADMIN_TOKEN AGENTLINE_TEST_OTHER_ADMIN_TOKEN
if [[ -n "${CONSOLE_SCREENSHOTS:-}" ]]; then
  CONSOLE_SCREENSHOTS=$(realpath -m "$CONSOLE_SCREENSHOTS")
  export CONSOLE_SCREENSHOTS
fi

step "node --test tests/console"
(cd tests/console && node --test ./*.test.mjs)
step "console tests passed"
