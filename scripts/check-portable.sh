#!/usr/bin/env bash
# Check that the offline recogniser (crates/moonshine) runs on an x86-64 CPU without AVX-512.
#
#   scripts/check-portable.sh [TEST_NAME...]
#
# The wheel's libmoonshine.so, which the crate used to call, is built with AVX-512 and died with SIGILL on
# CPUs without it (AMD Zen 3, most desktops). This script checks two things:
#   1. The crate's test binary (our code, the ort crate and std) has no AVX-512 instruction: objdump finds no
#      EVEX prefix (byte 0x62 after legacy prefixes, which in 64-bit mode is always EVEX).
#   2. The recogniser test passes under `qemu-x86_64 -cpu Haswell` (AVX2, no AVX-512), which makes ONNX Runtime
#      choose its kernels for that CPU and would trap any AVX-512 instruction. Under this emulation the old
#      libmoonshine.so died with SIGILL at once.
# Emulation is slow (ONNX Runtime's floating-point SIMD runs some 250 times slower than on the CPU itself),
# so the default test is one phrase, trailing_silence_does_not_swallow_the_phrase (loading the model and
# recognising "Could you call me back tomorrow morning?"): 14 minutes on a shared 2-vCPU box. The full
# recognises_telephone_speech (8 phrases) would take well over an hour.
#
# Needs the model (scripts/install-moonshine.sh, or AGENTLINE_MOONSHINE_DIR), espeak-ng and sox
# (scripts/install-deps.sh), objdump (binutils) and qemu-user, which it installs with apt-get when missing
# (as root, or through sudo).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tests=("${@:-trailing_silence_does_not_swallow_the_phrase}")

need_package() { # command package
  command -v "$1" >/dev/null && return
  echo "check-portable: installing $2 (for $1)"
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get install -y --no-install-recommends "$2" >/dev/null
}
need_package objdump binutils
need_package qemu-x86_64 qemu-user

echo "check-portable: building the recogniser test"
bin=$(cargo test -p agentline-moonshine --test recognises_speech --no-run --message-format=json |
  sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
[[ -x "$bin" ]] || { echo "check-portable: cargo did not report the test binary" >&2; exit 1; }

# Instruction lines of `objdump -d -w` are "address:<TAB>bytes<TAB>mnemonic operands".
read -r total evex < <(objdump -d -w "$bin" | awk -F'\t' '
  /^ *[0-9a-f]+:\t/ && NF >= 3 {
    n = split($2, b, " "); i = 1
    while (i <= n && b[i] ~ /^(66|67|f2|f3|2e|3e|26|64|65|36|f0)$/) i++
    total++; if (b[i] == "62") evex++
  }
  END { print total + 0, evex + 0 }')
echo "check-portable: $bin: $total instructions, $evex with an EVEX (AVX-512) prefix"
[[ $total -gt 0 && $evex -eq 0 ]] || { echo "check-portable: FAILED: AVX-512 code in our binary" >&2; exit 1; }

echo "check-portable: running ${tests[*]} under qemu-x86_64 -cpu Haswell (slow)"
started=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# qemu warns about every Haswell feature its emulator lacks (TSX, x2apic…): none matters here.
qemu-x86_64 -cpu Haswell "$bin" --exact "${tests[@]}" --test-threads 1 2> >(grep -v "TCG doesn't support" >&2) |
  tee "$log"
grep -qE "ok\. [1-9][0-9]* passed" "$log" || { echo "check-portable: FAILED: no test ran" >&2; exit 1; }
echo "check-portable: passed without AVX-512 in $((SECONDS - started)) s"
