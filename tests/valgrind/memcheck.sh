#!/usr/bin/env bash
# memcheck.sh photo|video -- the CLI under valgrind's memcheck: zero errors (invalid
# reads/writes, uses of uninitialised values, bad frees) and zero definite or indirect
# leaks (issue 15). valgrind's exit code 9 (--error-exitcode) is a failure; so is any
# other non-zero exit of the command.
#
#   photo  `backdrop replace PHOTO -b blur -o out.jpg` (samples/astronaut.png or the
#          shared copy; camera.png else)
#   video  `backdrop replace CLIP -b blur -o DIR/%05d.png` on a 5-frame 64x48 H.264 +
#          Opus Matroska clip (tests/fuzz/corpus/video/h264_opus_64x48.mkv): the video
#          reader (GStreamer's decodebin, the audio track to a fakesink), the pipeline on
#          every frame, a PNG per frame
#
# BD_ISA=avx2: valgrind 3.19 cannot decode AVX-512 (SIGILL); the AVX2 kernels are the
# same templates. One thread (--threads 1): valgrind runs threads one at a time anyway.
# GLib's and GStreamer's own allocations that live until exit are suppressed by
# tests/valgrind.supp (matched by their own frames, never by ours).
#
# Skips (77) without valgrind, without a model, without the photo, or (video) in a
# build without GStreamer. Not registered in the sanitizer builds (valgrind cannot run
# an ASan binary).

# shellcheck source=../cli/common.bash
. "$(dirname "$0")/../cli/common.bash"
mode=${1:-}
case "$mode" in
photo | video) ;;
*) echo "usage: memcheck.sh photo|video"; exit 2 ;;
esac
command -v valgrind >/dev/null 2>&1 || {
    echo "skipped: no valgrind (scripts/install-deps.sh --test installs it)"
    exit 77
}
require_model
SUPP="$(cd "$(dirname "$0")/.." && pwd)/valgrind.supp"

if [ "$mode" = photo ]; then
    IN=$(find_image astronaut.png) || IN=$(find_image camera.png) || {
        echo "skipped: no astronaut.png or camera.png in BD_SAMPLES_DIR or BD_SHARED_DIR/testdata/images"
        exit 77
    }
    OUT="$TMP/out.jpg"
else
    "$BD_CLI" replace --help 2>&1 | grep -q "CLIP" || {
        echo "skipped: this backdrop has no video support (built without GStreamer)"
        exit 77
    }
    IN="$(cd "$(dirname "$0")/.." && pwd)/fuzz/corpus/video/h264_opus_64x48.mkv"
    [ -f "$IN" ] || { fail "no $IN (scripts/make_video_corpus.sh)"; finish; }
    mkdir -p "$TMP/frames"
    OUT="$TMP/frames/%05d.png"
    # GStreamer's plugin registry, scanned outside valgrind (a scan under it loads every
    # plugin at memcheck speed): a scratch one, filled by gst-inspect-1.0 when present.
    export GST_REGISTRY="$TMP/registry.bin"
    command -v gst-inspect-1.0 >/dev/null 2>&1 && gst-inspect-1.0 filesrc >/dev/null 2>&1
fi
echo "memcheck: $mode: $IN, model $MODEL"

start=$(date +%s)
BD_ISA=avx2 valgrind -q --error-exitcode=9 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
    --suppressions="$SUPP" --num-callers=40 --log-file="$TMP/valgrind.log" \
    "$BD_CLI" replace "$IN" --model "$MODEL" -b blur --threads 1 -o "$OUT" >"$TMP/stdout" 2>"$TMP/stderr"
RC=$?
echo "memcheck: exit $RC in $(($(date +%s) - start)) s"
if [ "$RC" -eq 0 ]; then
    pass "$mode: valgrind memcheck clean (no errors, no definite/indirect leaks)"
else
    fail "$mode: exit $RC (9 = valgrind found errors or leaks)"
    sed 's/^/    valgrind: /' "$TMP/valgrind.log" | head -200
    sed 's/^/    stderr: /' "$TMP/stderr" | head -20
fi
if [ "$mode" = photo ]; then
    is_jpeg "$OUT"
    check $? "photo: a JPEG was written"
else
    n=$(find "$TMP/frames" -name '*.png' | wc -l)
    [ "$n" -eq 5 ]
    check $? "video: 5 frames written (got $n)"
fi
finish
