#!/usr/bin/env bash
# Builds a clean Release libbackdrop.so for benchmarking into bench/peers/.build
# (private to the peer benchmark: the shared build/ may be configured with sanitizers
# or debug flags by whoever used it last). Prints the library's path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/.build"
cmake -S "$root" -B "$out" -DCMAKE_BUILD_TYPE=Release -DBD_SANITIZE=OFF \
      -DBD_BUILD_TESTS=OFF -DBD_BUILD_BENCH=OFF -DBD_WERROR=OFF >/dev/null
cmake --build "$out" -j2 --target backdrop_shared >/dev/null
echo "$out/libbackdrop.so"
