#!/usr/bin/env bash
# Usage: bench/agentline/run.sh N SECONDS [more agentline-streams-load options, e.g. --json]
#
# The agentline side of the Twilio Media Streams benchmark (bench/pipecat/ is the Pipecat side,
# driven by the same load generator): starts a release `agentline serve` on a fresh data
# directory with development streams on, creates an agent with the same stand-ins as the Pipecat
# peer (transcript at once, fixed reply at once, 2.0 s of 440 Hz tone 350 ms after it is asked
# for; turns end after 700 ms of silence, as Pipecat's VAD stop_secs), gives it a number, runs
# agentline-streams-load with N calls for SECONDS against
# ws://127.0.0.1:$PORT/twilio/dev/agents/{agent}/stream measuring the server (--pid), then stops it.
# Recording stays on (every call writes its stereo WAV), as a user would run it.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
calls="${1:?usage: run.sh N SECONDS [options]}"
seconds="${2:?usage: run.sh N SECONDS [options]}"
shift 2
port="${PORT:-8766}"
loadgen="${LOADGEN:-$root/target/release/agentline-streams-load}"
agentline="${AGENTLINE:-$root/target/release/agentline}"
[[ -x "$loadgen" ]] || (cd "$root" && cargo build --release -p agentline-streams-load)
[[ -x "$agentline" ]] || (cd "$root" && cargo build --release --bin agentline)

data="$(mktemp -d -t agentline-bench.XXXXXX)"
export AGENTLINE_DATA_DIR="$data" AGENTLINE_BIND="127.0.0.1:$port" AGENTLINE_TWILIO__DEV_STREAMS=true \
  AGENTLINE_CONVERSATION__ENDPOINT_SILENCE_MS=700 AGENTLINE_LOG=warn
key="$("$agentline" bootstrap --account Bench --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])')"
"$agentline" serve >"$data/server.log" 2>&1 &
server=$!
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap stop_server EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done

api() { curl -sf "http://127.0.0.1:$port$1" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$2"; }
agent="$(api /v1/agents '{"name": "Bench", "instructions": "Book appointments.",
  "brain": {"type": "stand_in", "reply": "Sure, I can help you with that.", "delay_ms": 0},
  "speech": {"stt": {"type": "stand_in", "transcript": "I would like to book an appointment", "delay_ms": 0},
             "tts": {"type": "stand_in", "audio_ms": 2000, "delay_ms": 350}}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
api /v1/numbers "{\"phone_number\": \"+14155550177\", \"agent_id\": \"$agent\"}" >/dev/null

"$loadgen" --url "ws://127.0.0.1:$port/twilio/dev/agents/$agent/stream" --calls "$calls" --seconds "$seconds" \
  --pid "$server" "$@"
