#!/usr/bin/env bash
# video_file.sh -- `backdrop video IN -b BG -o OUT` (a build with GStreamer): decode,
# replace the background, re-encode, with the audio copied untouched.
#
# The input with an audio track is made here: the H.264 track of
# samples/video/carphone_pristine.mp4 (not re-encoded) muxed with audiotestsrc ! AAC;
# the other outputs use a 30-frame re-encoded cut of it (short.mp4) to keep the test
# quick under ASan.
# Checked, independently of the CLI (gst-launch-1.0, gst-discoverer-1.0):
#   - .mp4 out: same number of H.264 access units, duration within one frame, same
#     width, height and frame rate, and the audio packets byte-identical to the input's;
#   - a VP9/Opus .webm in (made with vp9enc) -> .webm out: VP9, same frame count,
#     the Opus packets byte-identical; .mkv out is H.264 in Matroska;
#   - an input without audio works;
#   - two AAC tracks: both in .mp4 out, the second's packets byte-identical too;
#   - a clip stored 320x240 with a 90-degree rotation in its track matrix (a phone's
#     portrait clip; the matrix written here with python3): .mp4 out is 240x320 with
#     no orientation tag left, and `mask` of it gives 240x320 masks;
#   - odd frame sides (a 333x187 clip made here): .mp4 (H.264 4:2:0) is 332x186 with
#     a note on stderr, .webm keeps 333x187, every frame written;
#   - -b transparent: .mov is ProRes 4444 and .mkv FFV1, both with an alpha channel
#     that is not all 255 once decoded;
#   - random bytes, an MP4 cut short before its index and one cut short after it
#     (moov first) exit 1 with one message, leaving no OUT and no temporary file;
#     -b transparent into .webm is a usage error (2); AAC into .webm exits 1 naming
#     the codec and the container; SIGINT exits 130 and leaves nothing behind;
#   - OUT with %05d runs `replace` (one PNG per frame).
#
# Skips (77) without a model, when the CLI was built without GStreamer, without
# gst-launch-1.0/gst-discoverer-1.0 or an AAC encoder, or without
# samples/video/carphone_pristine.mp4 (scripts/fetch-videos.sh).

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
require_model

run video --help
if grep -q "built without GStreamer" "$TMP/stderr"; then
    echo "skipped: this backdrop was built without GStreamer"
    exit 77
fi
for tool in gst-launch-1.0 gst-discoverer-1.0 gst-inspect-1.0; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "skipped: no $tool (gstreamer1.0-tools)"
        exit 77
    }
done
CLIP="${BD_SOURCE_DIR:-.}/samples/video/carphone_pristine.mp4"
[ -f "$CLIP" ] || {
    echo "skipped: no $CLIP (run scripts/fetch-videos.sh)"
    exit 77
}
AACENC=""
for e in avenc_aac voaacenc faac fdkaacenc; do
    if gst-inspect-1.0 "$e" >/dev/null 2>&1; then AACENC=$e; break; fi
done
[ -n "$AACENC" ] || { echo "skipped: no AAC encoder element"; exit 77; }

# gst DESC ARGS...: runs a gst-launch-1.0 pipeline quietly; fails the test on error.
gst() {
    local desc=$1
    shift
    if ! timeout 120 gst-launch-1.0 -q "$@" >"$TMP/gst.log" 2>&1; then
        fail "gst-launch-1.0: $desc"
        sed 's/^/    gst: /' "$TMP/gst.log" | head -10
        return 1
    fi
}

# demux FILE: the demuxer element for FILE's container.
demux() {
    case "$1" in
    *.mkv | *.webm) echo matroskademux ;;
    *) echo qtdemux ;;
    esac
}

# packets FILE STREAM DIR [PARSER...]: writes every packet of FILE's STREAM (video_0,
# audio_0) to DIR/00000, DIR/00001, ... (the parser elements, if any, in between).
packets() {
    local f=$1 stream=$2 d=$3
    shift 3
    rm -rf "$d" && mkdir -p "$d"
    gst "packets of $stream in $(basename "$f")" filesrc location="$f" ! "$(demux "$f")" name=d \
        d."$stream" ! "$@" multifilesink location="$d/%05d"
}

# count_frames FILE: the number of video frames (H.264 access units or VP9 frames).
count_frames() {
    local d="$TMP/frames.$$"
    if gst-discoverer-1.0 "$1" 2>/dev/null | grep -q "H.264"; then
        packets "$1" video_0 "$d" h264parse ! video/x-h264,alignment=au ! || return 1
    else
        packets "$1" video_0 "$d" queue ! || return 1
    fi
    find "$d" -type f | wc -l
}

# duration_ns FILE: the container's duration from gst-discoverer-1.0, in ns.
duration_ns() {
    gst-discoverer-1.0 "$1" 2>/dev/null | awk '/^  Duration:/ {
        split($2, t, ":"); split(t[3], s, ".");
        printf "%.0f\n", ((t[1] * 60 + t[2]) * 60 + s[1]) * 1000000000 + s[2] }'
}

# video_props FILE: "WIDTH HEIGHT FRAMERATE" of the first video stream.
video_props() {
    gst-discoverer-1.0 "$1" 2>/dev/null | awk '
        /^ *Width:/ && !w { w = $2 } /^ *Height:/ && !h { h = $2 }
        /^ *Frame rate:/ && !r { r = $3 } END { print w, h, r }'
}

# only_files DIR NAME...: DIR holds exactly the NAMEs (hidden files included).
only_files() {
    local d=$1
    shift
    local want got
    want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    got=$(ls -A "$d" | sort | tr '\n' ' ')
    [ "$got" = "$want" ]
}

# has_alpha FILE: decoding the first frames to RGBA gives some alpha below 255 and
# some at 255 (a person over a removed background).
has_alpha() {
    local raw="$TMP/alpha.rgba"
    # Only the video track is linked: decodebin with an unlinked audio pad once hung
    # in CI until the timeout (multiqueue waiting on the not-linked stream).
    gst "decode $(basename "$1") to RGBA" filesrc location="$1" ! "$(demux "$1")" name=d \
        d.video_0 ! queue ! decodebin ! videoconvert ! \
        video/x-raw,format=RGBA ! filesink location="$raw" || return 1
    head -c 304128 "$raw" | od -An -tu1 -v |
        awk '{ for (i = 4; i <= NF; i += 4) { if ($i == 255) o++; else t++ } }
             END { exit !(o > 0 && t > 0) }'
}

W="$TMP/work"
mkdir -p "$W"

# --- The input: the clip's H.264 track (copied) + AAC audio of about its length.
IN="$W/in.mp4"
gst "make in.mp4" filesrc location="$CLIP" ! qtdemux name=d d.video_0 ! queue ! h264parse ! \
    mp4mux name=m ! filesink location="$IN" \
    audiotestsrc num-buffers=170 ! audioconvert ! "$AACENC" ! aacparse ! queue ! m. || finish
FRAMES_IN=$(count_frames "$IN")
[ "${FRAMES_IN:-0}" -gt 0 ] || { fail "count the input's frames"; finish; }

# A 30-frame H.264 + AAC input for the other outputs (quicker, above all under ASan).
SHORT="$W/short.mp4"
gst "make short.mp4" filesrc location="$CLIP" ! qtdemux ! h264parse ! avdec_h264 ! \
    identity eos-after=30 ! videoconvert ! x264enc speed-preset=ultrafast ! queue ! \
    mp4mux name=m ! filesink location="$SHORT" \
    audiotestsrc num-buffers=43 ! audioconvert ! "$AACENC" ! aacparse ! queue ! m. || finish
FRAMES_SHORT=$(count_frames "$SHORT")

# --- .mp4 out: frames, duration, size, rate, audio packets.
OUT="$W/out.mp4"
expect 0 "video in.mp4 -b blur -o out.mp4" video "$IN" -b blur -o "$OUT" --model "$MODEL"
if [ -f "$OUT" ]; then
    n=$(count_frames "$OUT")
    [ "$n" = "$FRAMES_IN" ]
    check $? "out.mp4 has the input's $FRAMES_IN frames (got $n)"
    d_in=$(duration_ns "$IN") d_out=$(duration_ns "$OUT")
    fps=$(video_props "$IN" | awk '{ split($3, f, "/"); print f[1] / f[2] }')
    awk -v a="$d_in" -v b="$d_out" -v fps="$fps" \
        'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e9 / fps) }'
    check $? "out.mp4 lasts as long as in.mp4 within one frame ($d_in vs $d_out ns)"
    [ "$(video_props "$IN")" = "$(video_props "$OUT")" ]
    check $? "out.mp4 keeps width, height and frame rate ($(video_props "$OUT"))"
    gst-discoverer-1.0 "$OUT" 2>/dev/null | grep -q "H.264"
    check $? "out.mp4 is H.264"
    packets "$IN" audio_0 "$TMP/a_in" queue ! && packets "$OUT" audio_0 "$TMP/a_out" queue ! &&
        [ "$(find "$TMP/a_in" -type f | wc -l)" -gt 0 ] && diff -r "$TMP/a_in" "$TMP/a_out" >/dev/null
    check $? "out.mp4's audio packets are byte-identical to in.mp4's ($(find "$TMP/a_in" -type f | wc -l) packets)"
else
    fail "out.mp4 was not written"
fi
only_files "$W" in.mp4 short.mp4 out.mp4
check $? "no temporary file left beside out.mp4"

# --- .mkv out.
expect 0 "video short.mp4 -o out.mkv" video "$SHORT" -b color:#00b140 -o "$W/out.mkv" \
    --model "$MODEL"
gst-discoverer-1.0 "$W/out.mkv" 2>/dev/null | grep -q "H.264" &&
    [ "$(count_frames "$W/out.mkv")" = "$FRAMES_SHORT" ]
check $? "out.mkv is H.264 with $FRAMES_SHORT frames"

# --- VP9 + Opus .webm in and out.
WEBM="$W/in.webm"
gst "make in.webm" filesrc location="$SHORT" ! qtdemux ! h264parse ! avdec_h264 ! videoconvert ! \
    vp9enc deadline=1 cpu-used=8 ! queue ! webmmux name=m ! filesink location="$WEBM" \
    audiotestsrc num-buffers=43 ! audioconvert ! opusenc ! queue ! m. || finish
FRAMES_WEBM=$(count_frames "$WEBM")
expect 0 "video in.webm -o out.webm" video "$WEBM" -b blur:8 -o "$W/out.webm" --model "$MODEL"
gst-discoverer-1.0 "$W/out.webm" 2>/dev/null | grep -q "VP9"
check $? "out.webm is VP9"
n=$(count_frames "$W/out.webm")
[ "$n" = "$FRAMES_WEBM" ]
check $? "out.webm has in.webm's $FRAMES_WEBM frames (got $n)"
packets "$WEBM" audio_0 "$TMP/o_in" queue ! && packets "$W/out.webm" audio_0 "$TMP/o_out" queue ! &&
    diff -r "$TMP/o_in" "$TMP/o_out" >/dev/null
check $? "out.webm's Opus packets are byte-identical to in.webm's"

# --- No audio track at all.
expect 0 "video without audio" video "$CLIP" -b blur -o "$W/noaudio.mp4" --model "$MODEL"
n=$(count_frames "$W/noaudio.mp4")
[ "$n" = "$(count_frames "$CLIP")" ]
check $? "the clip without audio keeps its frame count ($n)"

# --- Two audio tracks.
TWO="$W/two.mp4"
gst "make two.mp4" videotestsrc num-buffers=20 pattern=ball ! \
    video/x-raw,width=320,height=240,framerate=15/1,format=I420 ! x264enc ! mp4mux name=m ! \
    filesink location="$TWO" \
    audiotestsrc num-buffers=30 freq=440 ! audioconvert ! "$AACENC" ! aacparse ! queue ! m. \
    audiotestsrc num-buffers=30 freq=880 ! audioconvert ! "$AACENC" ! aacparse ! queue ! m. ||
    finish
expect 0 "video two.mp4 -o two_out.mp4" video "$TWO" -b blur -o "$W/two_out.mp4" --model "$MODEL"
n=$(gst-discoverer-1.0 "$W/two_out.mp4" 2>/dev/null | grep -c "audio #")
[ "$n" = 2 ]
check $? "two_out.mp4 has both audio tracks (got $n)"
packets "$TWO" audio_1 "$TMP/t_in" queue ! && packets "$W/two_out.mp4" audio_1 "$TMP/t_out" queue ! &&
    [ "$(find "$TMP/t_in" -type f | wc -l)" -gt 0 ] && diff -rq "$TMP/t_in" "$TMP/t_out" >/dev/null
check $? "the second track's AAC packets are byte-identical"

# --- A rotated clip (image-orientation rotate-90 from the track header's matrix).
ROT="$W/rot.mp4"
gst "make rot.mp4" videotestsrc num-buffers=8 ! \
    video/x-raw,width=320,height=240,framerate=15/1,format=I420 ! x264enc ! mp4mux ! \
    filesink location="$ROT" || finish
python3 - "$ROT" <<'EOF_PY' || fail "write the rotation matrix into rot.mp4"
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"tkhd")
off = i + 4 + 4 + (32 if b[i + 4] == 1 else 20) + 16  # version/flags, times, id, reserved
b[off:off + 36] = struct.pack(">9I", 0, 0x10000, 0, 0xFFFF0000, 0, 0, 240 << 16, 0, 0x40000000)
open(sys.argv[1], "wb").write(b)
EOF_PY
gst-discoverer-1.0 -v "$ROT" 2>/dev/null | grep -q "rotate-90"
check $? "rot.mp4 says rotate-90"
expect 0 "video rot.mp4 -o rot_out.mp4" video "$ROT" -b blur -o "$W/rot_out.mp4" --model "$MODEL"
[ "$(video_props "$W/rot_out.mp4" | cut -d' ' -f1-2)" = "240 320" ]
check $? "rot_out.mp4 holds upright 240x320 frames (got $(video_props "$W/rot_out.mp4"))"
! gst-discoverer-1.0 -v "$W/rot_out.mp4" 2>/dev/null | grep -q "image orientation"
check $? "rot_out.mp4 carries no orientation tag (players would turn it twice)"
mkdir -p "$W/rotmask"
expect 0 "mask rot.mp4" mask "$ROT" -o "$W/rotmask/%03d.png" --model "$MODEL"
[ "$(od -An -tu1 -j16 -N8 "$W/rotmask/001.png" 2>/dev/null | tr -s ' ')" = " 0 0 0 240 0 0 1 64" ]
check $? "mask of rot.mp4 is 240x320 (the PNG header's width and height)"

# --- Odd frame sides: libx264 takes only even ones in 4:2:0.
ODD="$W/odd.mp4"
gst "make odd.mp4" videotestsrc num-buffers=12 pattern=ball ! \
    video/x-raw,width=333,height=187,framerate=15/1 ! videoconvert ! x264enc ! mp4mux ! \
    filesink location="$ODD" || finish
expect 0 "video 333x187 -o odd_out.mp4" video "$ODD" -b blur -o "$W/odd_out.mp4" --model "$MODEL"
[ "$(video_props "$W/odd_out.mp4" | cut -d' ' -f1-2)" = "332 186" ]
check $? "odd_out.mp4 is 332x186 (got $(video_props "$W/odd_out.mp4"))"
stderr_has "332x186" "the note says the size written"
n=$(count_frames "$W/odd_out.mp4")
[ "$n" = 12 ]
check $? "odd_out.mp4 has all 12 frames (got $n)"
expect 0 "video 333x187 -o odd_out.webm" video "$ODD" -b blur -o "$W/odd_out.webm" --model "$MODEL"
[ "$(video_props "$W/odd_out.webm" | cut -d' ' -f1-2)" = "333 187" ]
check $? "odd_out.webm keeps 333x187 (got $(video_props "$W/odd_out.webm"))"

# --- Transparent: ProRes 4444 in .mov, FFV1 in .mkv, both with alpha.
expect 0 "-b transparent -o cutout.mov" video "$SHORT" -b transparent -o "$W/cutout.mov" --model "$MODEL"
gst-discoverer-1.0 -v "$W/cutout.mov" 2>/dev/null | grep -q "ProRes 4444"
check $? "cutout.mov is ProRes 4444"
has_alpha "$W/cutout.mov"
check $? "cutout.mov carries alpha (not all 255)"
expect 0 "-b transparent -o cutout.mkv" video "$SHORT" -b transparent -o "$W/cutout.mkv" --model "$MODEL"
gst-discoverer-1.0 -v "$W/cutout.mkv" 2>/dev/null | grep -q "video/x-ffv"
check $? "cutout.mkv is FFV1"
has_alpha "$W/cutout.mkv"
check $? "cutout.mkv carries alpha (not all 255)"

# --- Failures leave nothing behind.
E="$TMP/err"
mkdir -p "$E"
head -c 100000 /dev/urandom >"$E/random.mp4"
head -c "$(($(wc -c <"$IN") / 2))" "$IN" >"$E/cut.mp4"
gst "make a moov-first mp4" filesrc location="$IN" ! qtdemux name=d d.video_0 ! queue ! h264parse ! \
    mp4mux faststart=true name=m ! filesink location="$TMP/fast.mp4" d.audio_0 ! queue ! m.
head -c "$(($(wc -c <"$TMP/fast.mp4") * 2 / 3))" "$TMP/fast.mp4" >"$E/cut_fast.mp4"
for f in random.mp4 cut.mp4 cut_fast.mp4; do
    expect 1 "$f" video "$E/$f" -b blur -o "$E/out.mp4" --model "$MODEL"
    stderr_one_line "$f"
    only_files "$E" random.mp4 cut.mp4 cut_fast.mp4
    check $? "$f: no OUT and no temporary file"
done
stderr_has "truncated" "a moov-first mp4 cut short is called truncated"

expect 2 "-b transparent -o out.webm" video "$SHORT" -b transparent -o "$E/out.webm" --model "$MODEL"
stderr_has "vp9enc cannot encode alpha" "the usage error says why"
expect 1 "AAC audio into .webm" video "$SHORT" -b blur -o "$E/out.webm" --model "$MODEL"
stderr_has "AAC" "the message names the codec" && stderr_has ".webm" "... and the container"
only_files "$E" random.mp4 cut.mp4 cut_fast.mp4
check $? "AAC into .webm: no OUT and no temporary file"

# --- Ctrl-C: exit 130, nothing left (placebo x264 keeps the run long enough).
"$BD_CLI" video "$IN" -b blur -o "$E/int.mp4" --model "$MODEL" --preset placebo \
    >"$TMP/stdout" 2>"$TMP/stderr" &
pid=$!
sleep 1
kill -INT "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" -eq 130 ]; then
    pass "SIGINT exits 130"
    only_files "$E" random.mp4 cut.mp4 cut_fast.mp4
    check $? "SIGINT: no OUT and no temporary file"
elif [ "$rc" -eq 0 ]; then
    echo "note: the run finished before SIGINT arrived; not checked"
else
    fail "SIGINT: exit $rc, want 130"
fi

# --- A %05d OUT is replace's PNG sequence.
mkdir -p "$W/seq"
expect 0 "-o seq/%05d.png" video "$SHORT" -b blur -o "$W/seq/%05d.png" --model "$MODEL"
n=$(find "$W/seq" -name '*.png' | wc -l)
[ "$n" = "$FRAMES_SHORT" ]
check $? "one PNG per frame ($n)"

finish
