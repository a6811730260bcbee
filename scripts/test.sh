#!/usr/bin/env bash
# Usage: scripts/test.sh [--no-sanitize] [--no-fuzz]
#
# Builds and runs every test: installs the Debian packages, fetches the models
# and samples the tests use (from ../shared when present, else from their
# packages), generates the PyTorch test models (scripts/make-torch-models.sh, into
# build-torch-models/ or $BD_TORCH_MODELS_DIR), builds Release in build/ and runs
# ctest, then builds Debug with AddressSanitizer + UndefinedBehaviorSanitizer in
# build-asan/ and runs ctest again, then builds the libFuzzer targets with clang in
# build-fuzz/ and runs each for $BD_FUZZ_SECONDS (default 30) from its committed seed
# corpus with a fixed seed, $BD_FUZZ_SEED (default 1) (scripts/fuzz.sh; a crash fails
# the run). Each ctest run prints how many tests
# were skipped.
# Exits non-zero if anything fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
sanitize=1 fuzz=1
for arg in "$@"; do
    case "$arg" in
    --no-sanitize) sanitize=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "usage: scripts/test.sh [--no-sanitize] [--no-fuzz]" >&2; exit 2 ;;
    esac
done

# ctest in the current directory (extra environment first); prints the skipped count.
run_ctest() {
    local log
    log=$(mktemp)
    env "$@" ctest --output-on-failure -j"$jobs" | tee "$log"
    echo "test.sh: $(grep -c '(Skipped)' "$log" || true) tests skipped (see 'did not run' above)" >&2
    rm -f "$log"
}

scripts/install-deps.sh --test
scripts/fetch-models.sh
scripts/fetch-samples.sh
scripts/fetch-videos.sh
# The PyTorch test models and their ONNX Runtime references (cached: regenerated only when
# the generator changes). test_torch_models must find and pass them here, in both runs; all
# cases run under ASan too (about 20 s there on this 2-core machine).
torch_models="${BD_TORCH_MODELS_DIR:-$root/build-torch-models}"
scripts/make-torch-models.sh "$torch_models"
export BD_TORCH_MODELS_DIR="$torch_models" BD_REQUIRE_TORCH_MODELS=1
# The published matting models (MODNet, RVM; fetched, never committed) and ONNX Runtime
# references for test_matting_models, which skips (77) when they cannot be had.
if scripts/fetch-models.sh --matting; then
    scripts/make-matting-refs.sh || echo "test.sh: WARNING: no matting references" >&2
else
    echo "test.sh: WARNING: matting models not fetched; test_matting_models will skip" >&2
fi

echo "== Release build and tests ==" >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBD_SANITIZE=OFF >&2
cmake --build build -j"$jobs" >&2
(cd build && run_ctest)

if [ "$sanitize" = 1 ]; then
    echo "== Debug + ASan + UBSan build and tests ==" >&2
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DBD_SANITIZE=ON -DBD_BUILD_BENCH=OFF >&2
    cmake --build build-asan -j"$jobs" >&2
    (cd build-asan && run_ctest ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
fi

if [ "$fuzz" = 1 ]; then
    BD_FUZZ_SEED="${BD_FUZZ_SEED:-1}" scripts/fuzz.sh "${BD_FUZZ_SECONDS:-30}"
fi
