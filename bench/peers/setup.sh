#!/usr/bin/env bash
# Creates bench/peers/.venv and installs the pinned peer-benchmark packages (PyPI).
# Usage: bench/peers/setup.sh            (re-running it is safe)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
if [ ! -x "$here/.venv/bin/python" ]; then
    "$py" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install --quiet --upgrade pip
"$here/.venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
"$here/.venv/bin/python" - <<'PY'
from importlib import metadata
import onnxruntime, ai_edge_litert.interpreter, onnx, tflite, numpy  # noqa: F401 (import check)
print("peers venv ready:", " ".join(f"{p}={metadata.version(p)}" for p in
      ("numpy", "onnxruntime", "ai-edge-litert", "onnx", "tflite")))
PY
