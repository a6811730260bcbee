#!/usr/bin/env bash
# Usage: scripts/make-matting-refs.sh [MODELS_DIR]   (default <repo>/models)
# Writes MODELS_DIR/matting-refs/ (ONNX Runtime references for test_matting_models)
# from the models of scripts/fetch-models.sh --matting. Python: $BD_TORCH_VENV/bin/python,
# else the venv of scripts/make-torch-models.sh in $BD_TORCH_MODELS_DIR, else python3;
# it needs numpy, onnxruntime and pillow (scripts/torch-models-requirements.txt).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
models="${1:-$root/models}"
py=python3
for cand in "${BD_TORCH_VENV:-}/bin/python" "${BD_TORCH_MODELS_DIR:-}/.venv/bin/python"; do
    [ -x "$cand" ] && { py=$cand; break; }
done
"$py" -c 'import numpy, onnxruntime, PIL' 2>/dev/null ||
    { echo "make-matting-refs: ERROR: $py lacks numpy/onnxruntime/pillow (see scripts/make-torch-models.sh)" >&2; exit 1; }
"$py" "$root/scripts/make_matting_refs.py" "$models" "$models/matting-refs"
echo "make-matting-refs: wrote $models/matting-refs/manifest.tsv" >&2
