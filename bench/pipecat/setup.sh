#!/usr/bin/env bash
# Makes bench/pipecat/.venv and installs the pinned Pipecat peer into it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
"$python" -m venv "$here/.venv"
"$here/.venv/bin/pip" install --quiet -r "$here/requirements.txt"
"$here/.venv/bin/python" -c "import pipecat, onnxruntime; print('pipecat', pipecat.__version__, 'onnxruntime', onnxruntime.__version__)" 2>/dev/null \
  || "$here/.venv/bin/pip" show pipecat-ai onnxruntime | grep -E '^(Name|Version)'
