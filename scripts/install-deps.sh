#!/usr/bin/env bash
# Idempotently install the system packages agentline needs (Debian/Ubuntu).
# Skips apt entirely when everything is already installed.
#
#   scripts/install-deps.sh             what the server, the demo and the Rust tests need
#   scripts/install-deps.sh --browser   and Chromium, for the console's browser tests
set -euo pipefail

PACKAGES=(
  postgresql        # server: /usr/lib/postgresql/<ver>/bin/{initdb,pg_ctl}
  postgresql-client # psql
  sip-tester        # sipp: scripted SIP/RTP peer for the telephony tests
  baresip-core      # baresip: a real softphone peer (auto-answers, records, DTMF)
  espeak-ng         # offline text-to-speech: test prompts and the local TTS engine
  sox               # converts test prompts to 8 kHz G.711
)
if [[ "${1:-}" == "--browser" ]]; then
  PACKAGES+=(chromium) # headless, driven by Playwright in tests/console
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

# The offline speech models are not Debian packages: they come from PyPI. The recogniser's install also
# brings the ONNX Runtime library that the voice runs on.
install_speech_model() {
  bash "$(dirname "$0")/install-moonshine.sh"
  bash "$(dirname "$0")/install-piper.sh"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages already installed, skipping apt"
  install_speech_model
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi

# Keep apt's chatter out of the way; show it only if something fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get update -q &&
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: failed to install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${missing[*]}"
install_speech_model
