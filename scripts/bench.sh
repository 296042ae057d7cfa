#!/usr/bin/env bash
# Runs the benchmark scenarios in release mode on SQLite and on a throwaway Postgres, and
# prints Markdown table rows for BENCHMARKS.md. Arguments: scenario names to run
# (default: all). Takes several minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cargo build --release --locked -p agentline-bench
bin=target/release/agentline-bench
pg_dir=target/bench-pg
bash scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true
AGENTLINE_TEST_PG_URL=$(bash scripts/pg.sh start "$pg_dir")
export AGENTLINE_TEST_PG_URL
trap 'bash scripts/pg.sh stop "$pg_dir" >/dev/null 2>&1 || true' EXIT
scenarios=("${@:-webhooks api list sip turns}")
for scenario in ${scenarios[@]}; do
  if [[ "$scenario" == sip ]]; then
    # SIP calls against SIPp; the database is SQLite only (it plays no part in the media path).
    "$bin" sip --calls 10,100,250,500 --seconds 15
    continue
  fi
  if [[ "$scenario" == streams ]]; then
    # Twilio Media Streams calls against agentline's development streams (bench/pipecat/ runs
    # the same load against Pipecat: bench/pipecat/setup.sh, then bench/pipecat/series.sh).
    cargo build --release --locked -p agentline-streams-load -p agentline
    RUN=bench/agentline/run.sh bench/pipecat/series.sh target/bench-streams 60 1 100 200 400 600 800
    continue
  fi
  if [[ "$scenario" == turns ]]; then
    # Real-time sandbox conversations (SQLite): each takes about 35 s.
    "$bin" turns --calls 1 --rounds 2
    "$bin" turns --calls 4 --rounds 2
    continue
  fi
  for engine in sqlite postgres; do
    case "$scenario" in
      webhooks) "$bin" webhooks --engine "$engine" --calls 500 ;;
      api) "$bin" api --engine "$engine" --rates 100,500,2000 --seconds 10 ;;
      list) "$bin" list --engine "$engine" --calls 1000000 ;;
      *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
  done
done
