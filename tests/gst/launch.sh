#!/usr/bin/env bash
# launch.sh -- the loadable plugin (build/gst/libgstbackdrop.so) as users meet it:
# GST_PLUGIN_PATH, gst-inspect-1.0 and gst-launch-1.0 pipelines.
#  - gst-inspect-1.0 backdrop finds the element and documents every property;
#  - videotestsrc ! backdrop ! fakevideosink runs for every raw format at odd sizes
#    and with each background kind;
#  - a bad model or background fails the pipeline with an error naming the file
#    (exit non-zero, no crash); a YUV input with background=transparent fails to
#    negotiate instead of producing garbage.
# Exits 77 (skipped) when gst-launch-1.0 is missing, or in a sanitizer build (an
# ASan-built module cannot be loaded into the uninstrumented gst-launch-1.0; the
# element's own tests, test_element, run there instead).
set -u
if [ "${BD_SANITIZE:-OFF}" = "ON" ]; then
    echo "skipped: sanitizer build (test_element covers the element here)"
    exit 77
fi
command -v gst-launch-1.0 >/dev/null || { echo "skipped: no gst-launch-1.0"; exit 77; }
[ -n "${BD_GST_PLUGIN_DIR:-}" ] && [ -f "$BD_GST_PLUGIN_DIR/libgstbackdrop.so" ] ||
    { echo "FAIL: no libgstbackdrop.so in '${BD_GST_PLUGIN_DIR:-}'"; exit 1; }
MODEL="${BD_MODELS_DIR:-}/selfie_segmentation.tflite"
[ -f "$MODEL" ] || { echo "skipped: no model at $MODEL (scripts/fetch-models.sh)"; exit 77; }

N_PASS=0 N_FAIL=0
pass() { echo "PASS: $*"; N_PASS=$((N_PASS + 1)); }
fail() { echo "FAIL: $*"; N_FAIL=$((N_FAIL + 1)); }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bdgst.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
export GST_PLUGIN_PATH="$BD_GST_PLUGIN_DIR" GST_REGISTRY="$TMP/registry.bin"
unset BACKDROP_MODEL

# gst-inspect-1.0 documents the element and every property.
if gst-inspect-1.0 backdrop >"$TMP/inspect.txt" 2>&1; then
    pass "gst-inspect-1.0 backdrop"
    for p in model background refine refine-radius feather threshold softness light-wrap threads fit \
        temporal temporal-strength reuse qos; do
        if grep -Eq "^  $p +: [A-Z]" "$TMP/inspect.txt"; then pass "property $p is documented"
        else fail "property $p is missing from gst-inspect-1.0"; fi
    done
else
    fail "gst-inspect-1.0 backdrop: $(tail -n 3 "$TMP/inspect.txt")"
fi

run() { # run DESC PIPELINE...: expects success
    local desc=$1; shift
    if timeout 120 gst-launch-1.0 -q "$@" >"$TMP/out.txt" 2>&1; then pass "$desc"
    else fail "$desc: $(tail -n 4 "$TMP/out.txt")"; fi
}
run_fails() { # run_fails DESC NEEDLE PIPELINE...: expects failure with NEEDLE in the output
    local desc=$1 needle=$2; shift 2
    timeout 120 gst-launch-1.0 "$@" >"$TMP/out.txt" 2>&1
    local rc=$?
    # a failure, not a timeout (124) or a signal (abort 134, SIGFPE 136, SIGSEGV 139)
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 134 ] && [ "$rc" -ne 136 ] &&
        [ "$rc" -ne 139 ] && grep -qF -- "$needle" "$TMP/out.txt"; then
        pass "$desc (exit $rc)"
    else
        fail "$desc: exit $rc, output: $(tail -n 4 "$TMP/out.txt")"
    fi
}

for f in RGB BGR RGBA BGRA RGBx BGRx YUY2 NV12 I420; do
    for size in 161x97 2x2 1x1 642x361; do
        w=${size%x*} h=${size#*x}
        run "$f $size" videotestsrc num-buffers=3 pattern=ball ! \
            "video/x-raw,format=$f,width=$w,height=$h" ! \
            backdrop model="$MODEL" background=blur:5 refine=true ! fakevideosink
    done
done
run "colour background, letterbox fit" videotestsrc num-buffers=3 ! video/x-raw,format=NV12 ! \
    backdrop model="$MODEL" background=color:#00b140 fit=letterbox ! fakevideosink
BG="${BD_SOURCE_DIR:-}/samples/camera.png"
if [ -f "$BG" ]; then
    run "image background" videotestsrc num-buffers=3 ! video/x-raw,format=I420,width=320,height=240 ! \
        backdrop model="$MODEL" background="$BG" light-wrap=0.3 ! fakevideosink
fi
run "transparent: RGB in, RGBA out" videotestsrc num-buffers=3 ! video/x-raw,format=RGB ! \
    backdrop model="$MODEL" background=transparent ! video/x-raw,format=RGBA ! fakevideosink
run "transparent behind videoconvert from I420" videotestsrc num-buffers=3 ! video/x-raw,format=I420 ! \
    videoconvert ! backdrop model="$MODEL" background=transparent ! videoconvert ! \
    video/x-raw,format=AYUV ! fakevideosink
run "a live source into fakevideosink (QoS on)" videotestsrc is-live=true num-buffers=20 ! \
    video/x-raw,format=YUY2,width=1280,height=720,framerate=30/1 ! \
    backdrop model="$MODEL" ! fakevideosink

run_fails "missing model" "/nonexistent/m.tflite" videotestsrc num-buffers=3 ! \
    backdrop model=/nonexistent/m.tflite ! fakevideosink
run_fails "a PNG as the model" "camera.png" videotestsrc num-buffers=3 ! \
    backdrop model="$BG" ! fakevideosink
run_fails "unreadable background" "/nonexistent/beach.jpg" videotestsrc num-buffers=3 ! \
    backdrop model="$MODEL" background=/nonexistent/beach.jpg ! fakevideosink
run_fails "malformed colour" "color:#12345" videotestsrc num-buffers=3 ! \
    backdrop model="$MODEL" background=color:#12345 ! fakevideosink
run_fails "transparent from I420 does not negotiate" "can't handle caps" videotestsrc num-buffers=3 ! \
    video/x-raw,format=I420 ! backdrop model="$MODEL" background=transparent ! fakevideosink

echo "$N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
