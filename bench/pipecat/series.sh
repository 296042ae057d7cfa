#!/usr/bin/env bash
# Usage: bench/pipecat/series.sh OUT_DIR SECONDS N1 N2 ...
#
# RUN=bench/agentline/run.sh runs the same series against agentline instead of Pipecat.
# One run.sh per N (in order), each saved as OUT_DIR/N.json, then one Markdown row per run.
# Before each run it waits (up to 5 minutes) for the machine to be quiet: under 0.15 busy
# cores over 3 s, so other work on the machine does not skew the figures. A run whose steady
# window still saw more than 0.15 cores of other work is repeated, up to twice (the JSON's
# machine.other_cores_steady says how much there was).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
run="${RUN:-$here/run.sh}"
out="${1:?usage: series.sh OUT_DIR SECONDS N...}"
seconds="${2:?usage: series.sh OUT_DIR SECONDS N...}"
shift 2
mkdir -p "$out"

busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }

wait_quiet() {
  for _ in $(seq 1 100); do
    local a b
    a=$(busy_ticks)
    sleep 3
    b=$(busy_ticks)
    # USER_HZ is 100: 0.15 cores over 3 s is 45 ticks.
    if (( b - a < 45 )); then
      return 0
    fi
  done
  echo "machine still busy; running anyway" >&2
}

others() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["machine"]["other_cores_steady"] or 0)' "$1"
}

for n in "$@"; do
  for attempt in 1 2 3; do
    wait_quiet
    "$run" "$n" "$seconds" --json >"$out/$n.json"
    if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 0.15 else 1)' "$(others "$out/$n.json")"; then
      break
    fi
    echo "N=$n: $(others "$out/$n.json") cores of other work during the run (attempt $attempt)" >&2
  done
  echo "N=$n done" >&2
done

python3 "$here/table.py" "$out"/*.json
