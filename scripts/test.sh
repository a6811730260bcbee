#!/usr/bin/env bash
# Usage: scripts/test.sh [--no-sanitize]
#
# Builds and runs every test: installs the Debian packages, fetches the models
# and samples the tests use (from ../shared when present, else from their
# packages), builds Release in build/ and runs ctest, then builds Debug with
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and runs ctest
# again. Exits non-zero if anything fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

scripts/install-deps.sh
scripts/fetch-models.sh
scripts/fetch-samples.sh

echo "== Release build and tests ==" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBD_SANITIZE=OFF >&2
cmake --build build -j"$jobs" >&2
(cd build && ctest --output-on-failure -j"$jobs")

if [ "${1:-}" != "--no-sanitize" ]; then
    echo "== Debug + ASan + UBSan build and tests ==" >&2
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBD_SANITIZE=ON -DBD_BUILD_BENCH=OFF >&2
    cmake --build build-asan -j"$jobs" >&2
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$jobs")
fi
