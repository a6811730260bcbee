#!/usr/bin/env bash
# bench/video/run.sh -- the video benchmark of issue 10, three figures on one run:
#
#  (a) the GStreamer element's cost per 720p I420 frame inside
#        videotestsrc num-buffers=N ! video/x-raw,format=I420,width=1280,height=720
#          ! backdrop ! fakesink
#      minus the same pipeline without the element, against the library's own
#      `backdrop bench --frame 1280x720 --frame-format i420` figure (same threads).
#      Start-up (registry, model load) cancels out: each pipeline runs with
#      N = WARM + FRAMES and N = WARM buffers and only the difference is used.
#  (b) `backdrop video` throughput on samples/video/bigbuckbunny.mp4 (720p H.264 +
#      AAC): fps, multiple of real time, and the ratio to a plain transcode of the
#      same file through the same pipeline without the element (--no-process: same
#      decoder, same x264 settings, same muxer, audio copied).
#  (c) the latency the element adds per live frame at 720p30:
#        backdrop cam --source 'videotestsrc is-live=true ! 720p30' --sink fakevideosink
#          --frames 300 --stats
#      median and p99 (the cam command's own sink-pad -> src-pad measurement),
#      against the frame interval (33.3 ms).
#
# Every measurement has a warm-up run, then REPEAT runs; min and median are printed.
# A script, not a ctest test: it takes a couple of minutes and its figures depend
# on the machine. Usage (from the repository root, after building):
#   bench/video/run.sh [BUILD_DIR]          default BUILD_DIR: build
# Environment: REPEAT (default 5), FRAMES (default 300), THREADS (default: the
# element's own default, one per core up to 4), CLIP (default
# samples/video/bigbuckbunny.mp4, fetched by scripts/fetch-videos.sh).
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
CLI="$BUILD/backdrop"
PLUGIN_DIR="$BUILD/gst"
REPEAT=${REPEAT:-5}
FRAMES=${FRAMES:-300}
WARM=30
NCPU=$(nproc 2>/dev/null || echo 1)
THREADS=${THREADS:-$((NCPU < 4 ? NCPU : 4))}
CLIP=${CLIP:-$ROOT/samples/video/bigbuckbunny.mp4}
MODEL=${BACKDROP_MODEL:-$ROOT/models/selfie_segmentation.tflite}

die() { echo "bench/video: $*" >&2; exit 1; }
[ -x "$CLI" ] || die "no $CLI (build first: cmake -S . -B build && cmake --build build)"
[ -f "$PLUGIN_DIR/libgstbackdrop.so" ] || die "no $PLUGIN_DIR/libgstbackdrop.so (GStreamer element not built)"
[ -f "$MODEL" ] || die "no model $MODEL (scripts/fetch-models.sh)"
command -v gst-launch-1.0 >/dev/null || die "no gst-launch-1.0 (gstreamer1.0-tools)"
export GST_PLUGIN_PATH="$PLUGIN_DIR${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export BACKDROP_MODEL="$MODEL"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/bdbench.XXXXXX") || die "mktemp"
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
# stats: reads numbers (one a line), prints "min median".
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print v[1], m }'; }
# timed CMD...: seconds the command took (fails the bench if it fails).
timed() {
    local t0 t1
    t0=$(now)
    "$@" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/err" >&2; die "failed: $*"; }
    t1=$(now)
    echo "$t1 - $t0" | bc -l
}

echo "bench/video: $(uname -m), $NCPU cores, element threads $THREADS, $REPEAT runs each"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/^model name\s*: /cpu: /'
gst-launch-1.0 --version | head -1

# --- (a) the element per 720p frame --------------------------------------------------
src() { echo "videotestsrc num-buffers=$1 ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1"; }
pipe_ms() { # pipe_ms WITH_ELEMENT(0/1) PROPS: ms per frame over FRAMES frames, one run
    local with=$1 props=$2 long short el=""
    [ "$with" = 1 ] && el="backdrop threads=$THREADS $props !"
    # shellcheck disable=SC2086,SC2046 # word splitting of the pipeline is intended
    long=$(timed gst-launch-1.0 -q $(src $((WARM + FRAMES))) ! $el fakesink)
    # shellcheck disable=SC2086,SC2046
    short=$(timed gst-launch-1.0 -q $(src $WARM) ! $el fakesink)
    echo "($long - $short) * 1000 / $FRAMES" | bc -l
}
element_ms() { # element_ms PROPS: "min median" of the element's ms per frame
    local e p
    pipe_ms 1 "$1" >/dev/null # warm-up (page cache, registry)
    for _ in $(seq "$REPEAT"); do
        e=$(pipe_ms 1 "$1")
        p=$(pipe_ms 0 "")
        echo "$e - $p" | bc -l
    done | stats
}
echo
echo "(a) element cost per 1280x720 I420 frame (pipeline with the element minus without)"
# Like for like with `backdrop bench --frame`: a still frame-sized image background
# and no temporal smoothing (the library figure has neither).
BG="$TMP/bg.png"
gst-launch-1.0 -q videotestsrc num-buffers=1 pattern=circular ! \
    video/x-raw,format=RGB,width=1280,height=720 ! pngenc ! filesink location="$BG" ||
    die "cannot make the background image"
read -r a_min a_med < <(element_ms "background=$BG temporal=false")
read -r t_min t_med < <(element_ms "")
"$CLI" bench --model "$MODEL" --frame 1280x720 --frame-format i420 --threads "$THREADS" \
    --warmup 10 --runs 100 >"$TMP/bench" 2>&1 || { cat "$TMP/bench"; die "backdrop bench failed"; }
lib_line=$(grep -m1 'replace (frame in, composite out)' "$TMP/bench")
lib_min=$(echo "$lib_line" | sed -n 's/.* min \([0-9.]*\) ms.*/\1/p')
lib_med=$(echo "$lib_line" | sed -n 's/.* median \([0-9.]*\) ms.*/\1/p')
printf '    element, image background, temporal=false: min %.2f ms, median %.2f ms per frame\n' \
    "$a_min" "$a_med"
printf '    element, defaults (blur, temporal smoothing on): min %.2f ms, median %.2f ms\n' \
    "$t_min" "$t_med"
printf '    library, backdrop bench --frame 1280x720 --frame-format i420 --threads %s:\n' "$THREADS"
printf '                              min %.2f ms, median %.2f ms per frame\n' "$lib_min" "$lib_med"
printf '    element (image, temporal=false) / library: %.2fx (min), %.2fx (median); target <= 1.10x\n' \
    "$(echo "$a_min / $lib_min" | bc -l)" "$(echo "$a_med / $lib_med" | bc -l)"

# --- (b) backdrop video on a 720p H.264 file ------------------------------------------
echo
if [ ! -f "$CLIP" ]; then
    echo "(b) skipped: no $CLIP (scripts/fetch-videos.sh)"
else
    # one_video OPTS...: "fps realtime" from the -v total line of one run.
    one_video() {
        "$CLI" video "$CLIP" -b blur -o "$TMP/out.mp4" -v "$@" >"$TMP/out" 2>"$TMP/err" ||
            { cat "$TMP/err" >&2; die "backdrop video failed"; }
        sed -n 's/.*total .*(\([0-9]*\) frames, \([0-9.]*\) fps, \([0-9.]*\)x real time).*/\2 \3 \1/p' \
            "$TMP/err"
    }
    one_video >/dev/null
    one_video --no-process >/dev/null
    for _ in $(seq "$REPEAT"); do
        one_video >>"$TMP/proc"
        one_video --no-process >>"$TMP/plain"
    done
    n_frames=$(awk 'NR == 1 { print $3 }' "$TMP/proc")
    read -r _ p_fps_med < <(awk '{ print $1 }' "$TMP/proc" | stats)
    read -r _ p_rt_med < <(awk '{ print $2 }' "$TMP/proc" | stats)
    read -r _ q_fps_med < <(awk '{ print $1 }' "$TMP/plain" | stats)
    p_fps_max=$(awk '{ print $1 }' "$TMP/proc" | sort -g | tail -1)
    q_fps_max=$(awk '{ print $1 }' "$TMP/plain" | sort -g | tail -1)
    p_rt_max=$(awk '{ print $2 }' "$TMP/proc" | sort -g | tail -1)
    echo "(b) backdrop video $(basename "$CLIP") -b blur -o out.mp4 ($n_frames frames, 1280x720;"
    echo "    H.264 x264 veryfast, quality 23, audio copied)"
    printf '    with background replacement: best %.1f fps (%.2fx real time), median %.1f fps (%.2fx)\n' \
        "$p_fps_max" "$p_rt_max" "$p_fps_med" "$p_rt_med"
    printf '    plain transcode (--no-process): best %.1f fps, median %.1f fps\n' "$q_fps_max" "$q_fps_med"
    printf '    ratio to the plain transcode: %.2fx (best), %.2fx (median); target >= 0.75x\n' \
        "$(echo "$p_fps_max / $q_fps_max" | bc -l)" "$(echo "$p_fps_med / $q_fps_med" | bc -l)"
fi

# --- (c) added latency per live frame at 720p30 ---------------------------------------
echo
one_cam() { # one_cam: "median p99 dropped" of one 300-frame run
    "$CLI" cam --source 'videotestsrc is-live=true ! video/x-raw,width=1280,height=720,framerate=30/1' \
        --sink fakevideosink --frames 300 --stats --threads "$THREADS" >"$TMP/out" 2>"$TMP/err" ||
        { cat "$TMP/err" >&2; die "backdrop cam failed"; }
    sed -n 's/.*stats total: .* \([0-9]*\) dropped .*latency \([0-9.]*\) ms median, \([0-9.]*\) ms p99.*/\2 \3 \1/p' \
        "$TMP/err"
}
one_cam >/dev/null
for _ in $(seq "$REPEAT"); do one_cam >>"$TMP/cam"; done
read -r l_min l_med < <(awk '{ print $1 }' "$TMP/cam" | stats)
read -r l99_min l99_med < <(awk '{ print $2 }' "$TMP/cam" | stats)
drops=$(awk '{ s += $3 } END { print s }' "$TMP/cam")
echo "(c) latency added per live 1280x720 frame at 30 fps (element sink pad -> src pad, 300 frames)"
printf '    median %.1f ms (min over runs %.1f), p99 %.1f ms (min over runs %.1f); %s frames dropped\n' \
    "$l_med" "$l_min" "$l99_med" "$l99_min" "$drops"
printf '    vs the frame interval 33.3 ms: median %.2f, p99 %.2f of a frame; target <= 1\n' \
    "$(echo "$l_med / 33.333" | bc -l)" "$(echo "$l99_med / 33.333" | bc -l)"
