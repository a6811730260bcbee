#!/bin/sh
# run.sh -- the whole composite benchmark: the OpenCV / PyTorch peers
# (peers.py), then bench_composite with their results, back to back.
#   bench/composite/run.sh [BUILD_DIR] [bench_composite options...]
# BUILD_DIR defaults to ./build. The peers need numpy, OpenCV and PyTorch for
# some Python 3 on PATH or /usr/bin/python3 (Debian: python3-opencv
# python3-torch); without them bench_composite runs alone.
set -e
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
bin="$build/bench/composite/bench_composite"
if [ ! -x "$bin" ]; then
    echo "run.sh: $bin not found (build with -DBD_BUILD_BENCH=ON)" >&2
    exit 1
fi
py=""
for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
        "$cand" -c "import numpy, cv2, torch" >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
peers=$(mktemp)
trap 'rm -f "$peers"' EXIT
if [ -n "$py" ]; then
    "$py" "$here/peers.py" | tee "$peers"
    "$bin" --peers "$peers" "$@"
else
    echo "run.sh: no Python with numpy, cv2 and torch: peers skipped" >&2
    "$bin" "$@"
fi
