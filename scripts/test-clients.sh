#!/usr/bin/env bash
# The client libraries' tests against a real agentline server (run by scripts/test.sh after the
# Rust tests; about a minute once the binary is built).
#
#   scripts/test-clients.sh [python|typescript]...   (default: both)
#
# It builds `agentline` (debug), starts `agentline serve` on a free port with a throwaway SQLite
# database and a fast sandbox, bootstraps one account per client (test keys: sandbox calls,
# never charged), checks that each client's generated models match docs/openapi.json, installs
# each client as a user would (pip into a throwaway venv; npm into a throwaway project, offline),
# runs its tests (pytest; node --test; tsc on the declarations), then stops the server.
#
# Env: AGENTLINE_BIN (default target/debug/agentline, built when absent or stale),
#      PYTHON (default python3), PIP_INDEX_URL etc. as pip reads them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
step() { echo "==> $*" >&2; }

SUITES=("$@")
[[ ${#SUITES[@]} -eq 0 ]] && SUITES=(python typescript)
PYTHON=${PYTHON:-python3}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "test-clients: $1 is needed ($2)" >&2; exit 1; }
}
need "$PYTHON" "Python 3.8+ with venv"
need node "Node.js 18+"
need npm "npm"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  echo "test-clients: Node.js 18 or newer is needed (found $(node --version))" >&2
  exit 1
fi

step "generated models match docs/openapi.json"
"$PYTHON" clients/python/generate_models.py --check
node clients/typescript/scripts/generate-models.mjs --check

WORK_PREFIX=agentline-clients
# shellcheck source=lib/test-server.sh
source scripts/lib/test-server.sh
export AGENTLINE_SANDBOX__SPEED=10
start_server

account() { # NAME -> exports AGENTLINE_TEST_URL, AGENTLINE_TEST_API_KEY, AGENTLINE_TEST_ADMIN_TOKEN
  local made
  made=$("$BIN" bootstrap --account "$1" --json 2>>"$WORK/server.log")
  export AGENTLINE_TEST_URL="$URL"
  AGENTLINE_TEST_API_KEY=$(printf '%s' "$made" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["test_api_key"])')
  AGENTLINE_TEST_ADMIN_TOKEN=$(printf '%s' "$made" | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["admin_token"])')
  export AGENTLINE_TEST_API_KEY AGENTLINE_TEST_ADMIN_TOKEN
}

for suite in "${SUITES[@]}"; do
  case "$suite" in
    python)
      step "python: pip install ./clients/python into a throwaway venv"
      "$PYTHON" -m venv "$WORK/venv"
      "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check \
        -r clients/python/requirements-test.txt ./clients/python
      account "Python client tests"
      step "python: pytest"
      (cd "$WORK" && "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/clients/python/tests")
      ;;
    typescript)
      step "typescript: npm install ./clients/typescript into a throwaway project (offline)"
      mkdir -p "$WORK/js"
      cp clients/typescript/test/*.test.js "$WORK/js/"
      (cd "$WORK/js" && echo '{"name": "agentline-client-tests", "private": true, "type": "module"}' >package.json &&
        npm install --offline --no-audit --no-fund --silent "$ROOT/clients/typescript")
      account "TypeScript client tests"
      step "typescript: node --test"
      (cd "$WORK/js" && node --test ./*.test.js)
      step "typescript: tsc on the declarations (typescript from clients/typescript/package-lock.json)"
      (cd clients/typescript && npm ci --no-audit --no-fund --silent && npx --no-install tsc -p tsconfig.json)
      ;;
    *)
      echo "test-clients: unknown suite $suite (python, typescript)" >&2
      exit 2
      ;;
  esac
done

step "client tests passed"
