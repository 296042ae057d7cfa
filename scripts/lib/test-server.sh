# Sourced by the scripts that test agentline from outside (test-clients.sh, test-console.sh):
# builds the binary when needed, starts `agentline serve` on a free port with a throwaway SQLite
# database, stops it on exit (printing its log's tail on failure), and bootstraps accounts.
#
# Before sourcing: ROOT (the repository), PYTHON, WORK_PREFIX (mktemp name), step().
# Env: AGENTLINE_BIN (default target/debug/agentline, built when absent).
# After `start_server`: URL, WORK (removed on exit), SERVER_PID.

BIN=${AGENTLINE_BIN:-}
if [[ -z "$BIN" ]]; then
  step "cargo build --bin agentline"
  cargo build --bin agentline --locked
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/agentline"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/$WORK_PREFIX.XXXXXX")
SERVER_PID=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$WORK/server.log" ]]; then
    echo "--- server log (last 40 lines) ---" >&2
    tail -40 "$WORK/server.log" >&2 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_server() {
  local port
  port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  export AGENTLINE_DATA_DIR="$WORK/data"
  export AGENTLINE_BIND="127.0.0.1:$port"
  export AGENTLINE_LOG=warn
  unset AGENTLINE_DATABASE_URL AGENTLINE_CONFIG
  URL="http://127.0.0.1:$port"
  step "start agentline serve on $URL"
  "$BIN" migrate 2>>"$WORK/server.log"
  "$BIN" serve >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen('$URL/healthz', timeout=1)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited" >&2; exit 1; }
    sleep 0.2
  done
  echo "the server did not answer /healthz" >&2
  exit 1
}

# account NAME FIELD: bootstraps account NAME and prints one field of what bootstrap returned.
account_field() {
  "$BIN" bootstrap --account "$1" --json 2>>"$WORK/server.log" |
    "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)['$2'])"
}
