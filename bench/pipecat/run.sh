#!/usr/bin/env bash
# Usage: bench/pipecat/run.sh N SECONDS [more agentline-streams-load options, e.g. --json]
#
# Starts the Pipecat peer (server.py: uvicorn, one worker, port $PORT or 8765), waits for it
# to accept connections, runs agentline-streams-load with N calls for SECONDS against
# ws://127.0.0.1:$PORT/ws measuring the server's python process (--pid), then stops it.
# The load generator is $LOADGEN, or target/release/agentline-streams-load (built if missing).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
calls="${1:?usage: run.sh N SECONDS [options]}"
seconds="${2:?usage: run.sh N SECONDS [options]}"
shift 2
port="${PORT:-8765}"
loadgen="${LOADGEN:-$root/target/release/agentline-streams-load}"

if [[ ! -x "$here/.venv/bin/python" ]]; then
  echo "no $here/.venv: run $here/setup.sh first" >&2
  exit 1
fi
if [[ ! -x "$loadgen" ]]; then
  (cd "$root" && cargo build --release -p agentline-streams-load)
fi

log="$(mktemp -t pipecat-server.XXXXXX.log)"
PORT="$port" "$here/.venv/bin/python" "$here/server.py" 2>"$log" >&2 &
server=$!
stop_server() {
  if kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
trap stop_server EXIT

for _ in $(seq 1 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "server.py exited; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done

"$loadgen" --url "ws://127.0.0.1:$port/ws" --calls "$calls" --seconds "$seconds" --pid "$server" "$@"

stop_server
if grep -q -E "ERROR|Traceback" "$log"; then
  echo "server.py logged errors (first 20 lines of $log):" >&2
  grep -E -m 20 "ERROR|Traceback" "$log" >&2
else
  rm -f "$log"
fi
