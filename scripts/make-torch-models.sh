#!/usr/bin/env bash
# Usage: scripts/make-torch-models.sh OUTDIR
#
# Generates the PyTorch test models and their ONNX Runtime references into OUTDIR (the torch
# test-model contract, docs/ONNX.md): installs the Debian packages (python3-torch,
# python3-torchvision, python3-venv via scripts/install-deps.sh), exports the models with
# Debian's /usr/bin/python3, then computes the references with onnxruntime from PyPI in a venv
# (OUTDIR/.venv unless BD_TORCH_VENV names another). Cached: does nothing when
# OUTDIR/manifest.tsv was written by the same generator (hash of the script, this wrapper and
# the pinned requirements). Prints OUTDIR's manifest path on success.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf 'make-torch-models: %s\n' "$*" >&2; }
die() { printf 'make-torch-models: ERROR: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 OUTDIR"
mkdir -p "$1"
out=$(cd "$1" && pwd)
gen="$root/scripts/make_torch_models.py"
req="$root/scripts/torch-models-requirements.txt"
hash=$(cat "$gen" "$root/scripts/make-torch-models.sh" "$req" | sha256sum | cut -c1-16)

if [ -f "$out/manifest.tsv" ] && grep -qx "# generator $hash" "$out/manifest.tsv"; then
    log "up to date: $out/manifest.tsv (generator $hash)"
    exit 0
fi

"$root/scripts/install-deps.sh" python3-torch python3-torchvision python3-venv

venv="${BD_TORCH_VENV:-$out/.venv}"
if [ ! -f "$venv/.req-$hash" ]; then
    log "setting up $venv (onnxruntime from PyPI)"
    [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    rm -f "$venv"/.req-*
    touch "$venv/.req-$hash"
fi

# Start clean so no file of an older generator survives; keep the venv.
rm -f "$out/manifest.tsv"
find "$out" -maxdepth 1 -type f \( -name '*.onnx' -o -name '*.f32' -o -name 'cases.json' \) -delete

log "exporting with $(/usr/bin/python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__)')"
/usr/bin/python3 -W ignore "$gen" export "$out"
log "computing ONNX Runtime references"
"$venv/bin/python" "$gen" reference "$out" "$hash"
rm -f "$out/cases.json"
log "wrote $out/manifest.tsv"
