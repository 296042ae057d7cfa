#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers that read what the outside sends (RTP, SDP, RFC 4733,
# the jitter buffer, Twilio stream frames, campaign CSV uploads, model and webhook-brain answers),
# for a bounded time per target, on the stable toolchain (run by scripts/test.sh).
#
#   scripts/test-fuzz.sh [target...]     (default: every target in fuzz/Cargo.toml)
#
# It installs cargo-fuzz (pinned) under target/tools, then runs each target from its committed
# seeds (fuzz/seeds/<target>, minimised corpora) into a throwaway corpus, with AddressSanitizer.
# libFuzzer needs unstable compiler flags; RUSTC_BOOTSTRAP=1 lets the stable compiler take them.
# A crash fails the run and leaves its input in fuzz/artifacts/<target>/ (see fuzz/README.md).
#
# Env: FUZZ_SECONDS (per target, default 10), FUZZ_SEED (libFuzzer's, default 1: CI runs the
# same inputs every time; a long run by hand should set another).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
step() { echo "==> $*" >&2; }

TOOLS="$ROOT/target/tools"
CARGO_FUZZ_VERSION=0.13.2
if ! "$TOOLS/bin/cargo-fuzz" --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  step "cargo install cargo-fuzz $CARGO_FUZZ_VERSION (into target/tools)"
  cargo install --quiet --locked --root "$TOOLS" cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
export PATH="$TOOLS/bin:$PATH"
export RUSTC_BOOTSTRAP=1

TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  mapfile -t TARGETS < <(cd fuzz && cargo fuzz list)
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/agentline-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

step "build the fuzz targets"
(cd fuzz && cargo fuzz build)
for target in "${TARGETS[@]}"; do
  step "fuzz $target for ${FUZZ_SECONDS:-10} s (seeds: fuzz/seeds/$target)"
  mkdir -p "$WORK/$target" "fuzz/seeds/$target" "fuzz/artifacts/$target"
  found_before=$(find "fuzz/artifacts/$target" -type f | wc -l)
  (cd fuzz && cargo fuzz run "$target" "$WORK/$target" "seeds/$target" -- \
    -max_total_time="${FUZZ_SECONDS:-10}" -seed="${FUZZ_SEED:-1}" -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
    grep -E "^(Done|stat::number_of_executed_units|INFO: Seed|==[0-9]+== ERROR|SUMMARY)|panicked" || true)
  # cargo fuzz's own status is lost in the pipe: a crash leaves a new artifact.
  if [[ $(find "fuzz/artifacts/$target" -type f | wc -l) -gt $found_before ]]; then
    echo "fuzz: $target crashed; inputs in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
step "fuzzing found nothing"
