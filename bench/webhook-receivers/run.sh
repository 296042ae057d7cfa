#!/usr/bin/env bash
# A burst of N sandbox calls (default 300, placed 16 at a time, sandbox.speed 10) with one webhook
# endpoint at Python's standard http.server (threaded, HTTP/1.0: a connection per request, closed
# after the answer, listen backlog 5), as a new user's first receiver. Prints, 10 to 90 s after the
# burst, how many distinct events arrived, how many POSTs, and the duplicates.
# Usage: cargo build --release -p agentline && bench/webhook-receivers/run.sh   (N=300 BIN=… to change)
set -euo pipefail
BIN=${BIN:-target/release/agentline}
W=$(mktemp -d); PORT=$((20000 + RANDOM % 10000)); RPORT=$((30000 + RANDOM % 10000))
python3 "$(dirname "$0")/receiver.py" $RPORT & RPID=$!
export AGENTLINE_DATA_DIR=$W/data AGENTLINE_BIND=127.0.0.1:$PORT AGENTLINE_SANDBOX__SPEED=10 AGENTLINE_LOG=warn AGENTLINE_WEBHOOK_ALLOW_PRIVATE=true
export AGENTLINE_RATE_LIMITS__CALLS_CREATE_PER_MINUTE=100000 AGENTLINE_RATE_LIMITS__WRITE_PER_MINUTE=100000 AGENTLINE_RATE_LIMITS__READ_PER_MINUTE=100000
$BIN migrate 2>/dev/null
CREDS=$($BIN bootstrap --account R --json --concurrency-limit 400 2>/dev/null || $BIN bootstrap --account R --json)
KEY=$(echo "$CREDS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["test_api_key"])')
$BIN serve > $W/server.log 2>&1 & SPID=$!
trap 'kill $SPID $RPID 2>/dev/null; rm -rf $W' EXIT
for i in $(seq 1 100); do curl -s http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
AL=http://127.0.0.1:$PORT
curl -s $AL/v1/webhook-endpoints -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d "{\"url\": \"http://127.0.0.1:$RPORT/hook\"}" >/dev/null
AGENT=$(curl -s $AL/v1/agents -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"name":"R"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -s $AL/v1/numbers -H "Authorization: Bearer $KEY" -H 'content-type: application/json' -d "{\"phone_number\":\"+14155550150\",\"agent_id\":\"$AGENT\"}" >/dev/null
N=${N:-300}
start=$(date +%s.%N)
python3 - "$AL" "$KEY" "$AGENT" "$N" <<'PY'
import sys, json, urllib.request, concurrent.futures
al, key, agent, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def place(i):
    req = urllib.request.Request(al + "/v1/calls", data=json.dumps({"agent_id": agent, "to": "+14155550100"}).encode(),
        headers={"Authorization": "Bearer " + key, "content-type": "application/json"})
    return urllib.request.urlopen(req).status
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    codes = list(pool.map(place, range(n)))
print("placed", codes.count(201), "of", n)
PY
for t in 10 20 30 45 60 90; do
  sleep_for=$(python3 -c "import time; print(max(0, $start + $t - time.time()))"); sleep $sleep_for
  echo "t=${t}s $(curl -s http://127.0.0.1:$RPORT/)"
done
