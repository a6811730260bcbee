#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds the libFuzzer targets with clang in build-fuzz/ (-DBD_FUZZ=ON: ASan + UBSan,
# -O1, the AVX2 kernels but not the AVX-512 ones, which take longest to compile; see
# docs/FUZZING.md) and runs each TARGET (default: all six) for SECONDS (default 30)
# from a scratch copy of its committed seeds (tests/fuzz/corpus/<target>/, never
# written to), with its dictionary. A crash, sanitizer report, leak, timeout (10 s)
# or out-of-memory (2 GiB) stops with exit 1 and leaves the input in
# build-fuzz/crashers/<target>/: fix it and commit the file to
# tests/fuzz/crashers/<target>/, where ctest replays it. scripts/test.sh calls this.
#
# BD_FUZZ_SEED (default: random) fixes libFuzzer's seed. scripts/test.sh sets it to 1
# so the test command replays one known mutation sequence (on a faster machine a
# longer stretch of it) instead of a new random one per run; campaigns that look for
# new bugs leave it unset or vary it.
#
# video (the CLI's GStreamer video reader) is built when GStreamer's -dev packages are
# there (-DBD_WITH_GST=ON; only the reader and the target are compiled for it) and
# skipped with a message when not. It runs with GStreamer's registry in
# build-fuzz/gst-registry.bin (scanned in-process, GST_REGISTRY_FORK=no) and LSan
# reading tests/lsan.supp (GLib's constructor allocations; the slow unwinder is
# needed to match them), as ctest runs the GStreamer tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
secs="${1:-30}"
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tflite onnx image sidecar pipeline video)
command -v clang >/dev/null || { echo "fuzz.sh: no clang (scripts/install-deps.sh --test)" >&2; exit 1; }

echo "== libFuzzer targets (clang, ASan + UBSan, -O1, no AVX-512) ==" >&2
CC=clang cmake -S . -B build-fuzz -DBD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_C_FLAGS_DEBUG=-O1 -g" -DBD_ENABLE_AVX512=OFF -DBD_BUILD_BENCH=OFF \
    -DBD_WITH_GST=ON -DBD_WERROR=OFF >&2
cmake --build build-fuzz -j"$(nproc)" --target fuzz_all >&2
for t in "${targets[@]}"; do
    env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1)
    if [ "$t" = video ]; then
        [ -x build-fuzz/tests/fuzz/targets/fuzz_video ] || {
            echo "fuzz.sh: no fuzz_video (built without GStreamer): skipped" >&2
            continue
        }
        env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
            UBSAN_OPTIONS=print_stacktrace=1
            "LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0"
            GST_REGISTRY="$root/build-fuzz/gst-registry.bin" GST_REGISTRY_FORK=no)
        # Scan the plugins once outside the fuzzer: on a fresh machine the first
        # gst_init loads every plugin, whose registration data lives until exit
        # (LSan would call it leaked; tests/lsan.supp also names the scan).
        GST_REGISTRY="$root/build-fuzz/gst-registry.bin" gst-inspect-1.0 >/dev/null 2>&1 || true
    fi
    work="build-fuzz/corpus/$t" crash="build-fuzz/crashers/$t" log="build-fuzz/fuzz_$t.log"
    rm -rf "$work" && mkdir -p "$work" "$crash"
    cp tests/fuzz/corpus/"$t"/* "$work"/
    dict=() seed=()
    [ -n "${BD_FUZZ_SEED:-}" ] && seed=(-seed="$BD_FUZZ_SEED")
    [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
    echo "fuzz.sh: fuzz_$t for $secs s" >&2
    env "${env[@]}" "build-fuzz/tests/fuzz/targets/fuzz_$t" -max_total_time="$secs" -timeout=10 \
        -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 -artifact_prefix="$crash/" \
        "${dict[@]}" "${seed[@]}" "$work" 2>"$log" || {
        tail -n 60 "$log" >&2
        echo "fuzz.sh: fuzz_$t FAILED; the input is in $crash/" >&2
        exit 1
    }
    grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units' "$log" >&2 || true
done
