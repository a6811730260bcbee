#!/usr/bin/env bash
# video_mask.sh -- `backdrop mask CLIP -o DIR/%05d.png` and `backdrop replace CLIP -b BG
# -o DIR/%05d.png` on a video file (a build with GStreamer): one 8-bit output per
# decoded frame, numbered from 1, at the clip's size; frame k's mask is the mask of
# frame k taken out as a PNG; a recurrent model carries its state through the clip as
# through a PNG sequence; a plain OUT is a usage error; a file that is not a video, a
# clip cut short before its index and one cut short after it exit 1 with a message.
#
# The frames are counted independently of the CLI: the H.264 access units of the
# clip's track (qtdemux ! h264parse, one buffer per frame at alignment=au).
#
# Skips (77) without a model, without video support in the CLI, without
# gst-launch-1.0, or without samples/video/carphone_pristine.mp4 (scripts/fetch-videos.sh).

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
require_model

"$BD_CLI" mask --help 2>/dev/null | grep -q "CLIP" || {
    echo "skipped: this backdrop has no video support (built without GStreamer)"
    exit 77
}
command -v gst-launch-1.0 >/dev/null 2>&1 || {
    echo "skipped: no gst-launch-1.0 (gstreamer1.0-tools) to count and extract frames"
    exit 77
}
CLIP="${BD_SOURCE_DIR:-.}/samples/video/carphone_pristine.mp4"
[ -f "$CLIP" ] || {
    echo "skipped: no $CLIP (run scripts/fetch-videos.sh)"
    exit 77
}

# gst NAME ARGS...: runs a gst-launch-1.0 pipeline quietly; fails the test on error.
gst() {
    local desc=$1
    shift
    if ! timeout 120 gst-launch-1.0 -q "$@" >"$TMP/gst.log" 2>&1; then
        fail "gst-launch-1.0: $desc"
        sed 's/^/    gst: /' "$TMP/gst.log" | head -10
        return 1
    fi
}

# count_frames FILE: the number of H.264 access units in FILE's video track.
count_frames() {
    local d="$TMP/au"
    rm -rf "$d" && mkdir -p "$d"
    gst "count the frames of $(basename "$1")" filesrc location="$1" ! qtdemux ! h264parse ! \
        video/x-h264,alignment=au ! multifilesink location="$d/%05d" || return 1
    find "$d" -type f | wc -l
}

# extract_png FILE INDEX... : writes frame INDEX (from 1) of FILE as $TMP/frame-INDEX.png,
# decoded and converted to RGB by the same elements the CLI uses (decodebin, videoconvert).
extract_png() {
    local f=$1 d="$TMP/frames" i
    shift
    rm -rf "$d" && mkdir -p "$d"
    gst "extract the frames of $(basename "$f")" filesrc location="$f" ! decodebin ! videoconvert ! \
        video/x-raw,format=RGB ! pngenc ! multifilesink index=1 location="$d/%05d.png" || return 1
    for i in "$@"; do cp "$d/$(printf %05d "$i").png" "$TMP/frame-$i.png" || return 1; done
    rm -rf "$d"
}

# n_files DIR: regular files in DIR, temporaries (.*) included.
n_files() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }

# no_temporaries DIR DESCRIPTION
no_temporaries() {
    [ -z "$(find "$1" -mindepth 1 -maxdepth 1 -name '.*')" ]
    check $? "$2: no temporary files left"
}

# mask_range FILE: "MIN MAX" of an 8-bit gray PNG's pixels (python3), or nothing.
mask_range() {
    command -v python3 >/dev/null 2>&1 || return 1
    python3 - "$1" <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
w, h, depth, ctype = struct.unpack(">IIBB", d[16:26])
assert depth == 8 and ctype == 0
o, idat = 8, b""
while o < len(d):
    n, t = struct.unpack(">I4s", d[o:o + 8])
    if t == b"IDAT":
        idat += d[o + 8:o + 8 + n]
    o += 12 + n
raw, prev, lo, hi = zlib.decompress(idat), bytearray(w), 255, 0
for y in range(h):  # PNG filters, one byte per pixel (RFC 2083 section 6)
    f, line = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
    for i in range(w):
        a, b, c = (line[i - 1] if i else 0), prev[i], (prev[i - 1] if i else 0)
        p = a + b - c
        pred = {0: 0, 1: a, 2: b, 3: (a + b) // 2,
                4: a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c)
                else (b if abs(p - b) <= abs(p - c) else c)}[f]
        line[i] = (line[i] + pred) & 255
    lo, hi, prev = min(lo, min(line)), max(hi, max(line)), line
print(lo, hi)
EOF
}

N=$(count_frames "$CLIP") || N=0
[ "$N" -gt 1 ]
check $? "the clip has frames ($N)"
# Frames 1 and N as PNGs (compared below); the clip's size is frame 1's.
CW="" CH=""
if [ "$N" -gt 1 ] && extract_png "$CLIP" 1 "$N"; then
    read -r CW CH _ _ <<<"$(png_header "$TMP/frame-1.png")"
fi
[ -n "$CW" ] && [ -n "$CH" ]
check $? "the clip's size is known (${CW:-?}x${CH:-?})"
[ -n "$CW" ] || finish
echo "clip: $CLIP (${CW}x${CH}, $N frames), model: $MODEL"

# --- mask: one per frame ------------------------------------------------------------------
M="$TMP/masks"
mkdir -p "$M"
expect 0 "mask CLIP" mask "$CLIP" -o "$M/%05d.png" --model "$MODEL"
[ ! -s "$TMP/stdout" ] && [ ! -s "$TMP/stderr" ]
check $? "mask CLIP: silent when stderr is not a terminal"
got=$(n_files "$M")
[ "$got" -eq "$N" ]
check $? "mask CLIP: one mask per frame ($got files, $N frames)"
[ -f "$M/00001.png" ] && [ -f "$M/$(printf %05d "$N").png" ]
check $? "mask CLIP: numbered 00001..$(printf %05d "$N")"
bad=0
for f in "$M"/*.png; do [ "$(png_header "$f")" = "$CW $CH 8 0" ] || bad=$((bad + 1)); done
[ "$bad" -eq 0 ]
check $? "mask CLIP: every mask is an 8-bit gray PNG of ${CW}x${CH} ($bad are not)"
n_unique=$(md5sum "$M"/*.png | cut -d' ' -f1 | sort -u | wc -l)
[ "$n_unique" -gt 1 ]
check $? "mask CLIP: the masks are not all the same ($n_unique distinct)"
mid=$(printf %05d $(((N + 1) / 2)))
if range=$(mask_range "$M/$mid.png") && [ -n "$range" ]; then
    read -r lo hi <<<"$range"
    [ "$lo" -lt 64 ] && [ "$hi" -gt 192 ]
    check $? "mask CLIP: frame $mid has person and background (pixels $lo..$hi)"
else
    echo "note: no python3, the mask's pixel range is not checked"
fi
no_temporaries "$M" "mask CLIP"

# Frames 1 and N, extracted above as PNGs through the same decodebin + videoconvert as the
# CLI's reader, give the same RGB, so their image-path masks must match byte for byte
# (the selfie model is not recurrent) when the video path's temporal smoothing is off.
# With the default smoothing, frame 1 still matches (nothing to smooth with yet) and
# later frames differ from the per-image masks somewhere.
# A tolerance would only be needed for a PNG from a different converter (e.g. ffmpeg's
# swscale rounds YUV->RGB differently).
MO="$TMP/masks-off"
mkdir -p "$MO"
expect 0 "mask CLIP --temporal off" mask "$CLIP" -o "$MO/%05d.png" --model "$MODEL" --temporal off
for k in 1 "$N"; do
    expect 0 "mask of frame $k as a PNG" mask "$TMP/frame-$k.png" -o "$TMP/frame-$k-mask.png" \
        --model "$MODEL"
    cmp -s "$TMP/frame-$k-mask.png" "$MO/$(printf %05d "$k").png"
    check $? "mask CLIP --temporal off: frame $k's mask = the mask of frame $k as a PNG"
done
cmp -s "$TMP/frame-1-mask.png" "$M/00001.png"
check $? "mask CLIP (temporal on): frame 1's mask = the mask of frame 1 as a PNG"
ndiff=0
for f in "$M"/*.png; do cmp -s "$f" "$MO/$(basename "$f")" || ndiff=$((ndiff + 1)); done
[ "$ndiff" -gt 0 ]
check $? "mask CLIP: the default temporal smoothing changes masks ($ndiff of $N frames differ)"
expect 2 "--temporal with a bad value" mask "$CLIP" -o "$TMP/x%05d.png" --temporal maybe
expect 2 "--reuse with a bad value" mask "$CLIP" -o "$TMP/x%05d.png" --reuse always
mkdir -p "$TMP/reuse"
expect 0 "mask CLIP --reuse auto" mask "$CLIP" -o "$TMP/reuse/%05d.png" --model "$MODEL" --reuse auto
[ "$(find "$TMP/reuse" -name '*.png' | wc -l)" -eq "$N" ]
check $? "mask CLIP --reuse auto: $N masks"

expect 0 "mask CLIP -v" mask "$CLIP" -o "$TMP/v-%03d.png" -v --model "$MODEL" &&
    grep -q "per frame.*$N frames of ${CW}x${CH}" "$TMP/stderr"
check $? "mask CLIP -v: per-frame timing for $N frames on stderr"

# --- replace: one composite per frame -------------------------------------------------------
R="$TMP/replaced"
mkdir -p "$R"
expect 0 "replace CLIP -b color" replace "$CLIP" -b "color:#00ff00" -o "$R/%05d.png" --model "$MODEL"
got=$(n_files "$R")
[ "$got" -eq "$N" ]
check $? "replace CLIP: one output per frame ($got files, $N frames)"
expect_png "$R/00001.png" "$CW" "$CH" 2 "replace CLIP frame 1"
expect_png "$R/$(printf %05d "$N").png" "$CW" "$CH" 2 "replace CLIP frame $N"
no_temporaries "$R" "replace CLIP"

# A recurrent model (the tests/data fixture) carries its state through the clip exactly
# as through the same frames given as PNGs: frames 1..3 of both runs are equal, and
# frame 2 differs from frame 2 alone (it saw frame 1's state).
REC="${BD_SOURCE_DIR:-.}/tests/data/onnx/recurrent_gru.onnx"
if [ -f "$REC" ] && extract_png "$CLIP" 1 2 3; then
    mkdir -p "$TMP/rec"
    expect 0 "replace CLIP with a recurrent model" replace "$CLIP" -b blur -o "$TMP/rec/v%05d.png" \
        --model "$REC" &&
        expect 0 "replace 3 PNG frames with a recurrent model" replace "$TMP/frame-1.png" \
            "$TMP/frame-2.png" "$TMP/frame-3.png" -b blur -o "$TMP/rec/s%05d.png" --model "$REC" &&
        expect 0 "replace frame 2 alone" replace "$TMP/frame-2.png" -b blur -o "$TMP/rec/alone2.png" \
            --model "$REC" && {
        ok=0
        for k in 1 2 3; do cmp -s "$TMP/rec/v0000$k.png" "$TMP/rec/s0000$k.png" || ok=1; done
        check $ok "recurrent: frames 1..3 of the clip = the PNG sequence's"
        cmp -s "$TMP/rec/v00002.png" "$TMP/rec/alone2.png"
        check $((1 - $?)) "recurrent: frame 2 differs from frame 2 alone (the state carried over)"
    }
else
    echo "note: no $REC, the recurrent case is not tested"
fi

# --- usage: a video needs a sequence pattern ---------------------------------------------------
mkdir -p "$TMP/plain"
expect 2 "mask CLIP -o plain.png" mask "$CLIP" -o "$TMP/plain/x.png" --model "$MODEL" &&
    stderr_has "backdrop video" "mask CLIP -o plain.png: suggests 'backdrop video'" &&
    stderr_has "Try 'backdrop mask --help'." "mask CLIP -o plain.png: the --help hint"
expect 2 "replace CLIP -o plain.png" replace "$CLIP" -b blur -o "$TMP/plain/x.png" --model "$MODEL" &&
    stderr_has "%d" "replace CLIP -o plain.png: asks for a %d pattern"
[ "$(n_files "$TMP/plain")" -eq 0 ]
check $? "plain OUT: nothing written"

# --- broken input: exit 1, one message naming the file --------------------------------------
# fails DESCRIPTION FILE: mask and replace both exit 1 with one line naming FILE.
BAD="$TMP/bad-out"
fails() {
    local desc=$1 f=$2 c
    for c in mask replace; do
        rm -rf "$BAD" && mkdir -p "$BAD"
        local b=()
        [ "$c" = replace ] && b=(-b "color:#00ff00")
        expect 1 "$c: $desc" "$c" "$f" "${b[@]}" -o "$BAD/%05d.png" --model "$MODEL" || continue
        stderr_one_line "$c: $desc"
        stderr_has "$(basename "$f")" "$c: $desc: the message names the file"
        sed 's/^/    msg: /' "$TMP/stderr"
    done
}

head -c 200000 /dev/urandom >"$TMP/noise.mp4"
fails "random bytes" "$TMP/noise.mp4"
[ "$(n_files "$BAD")" -eq 0 ]
check $? "random bytes: no output files"
: >"$TMP/empty.mov"
fails "an empty file" "$TMP/empty.mov"
[ "$(n_files "$BAD")" -eq 0 ]
check $? "an empty file: no output files"

# Cut at half: this clip keeps its index ("moov") at the end, so nothing can be decoded.
size=$(wc -c <"$CLIP")
head -c $((size / 2)) "$CLIP" >"$TMP/half.mp4"
fails "the clip cut at half" "$TMP/half.mp4"
[ "$(n_files "$BAD")" -eq 0 ]
check $? "the clip cut at half: no output files"

# The same clip with its index first ("faststart"), then cut at half: the frames before
# the cut decode and are written, then the run fails because the stream ends before the
# duration the index gives (video_reader.h).
if gst-inspect-1.0 mp4mux >/dev/null 2>&1 &&
    gst "remux the clip with its index first" filesrc location="$CLIP" ! qtdemux ! h264parse ! \
        mp4mux faststart=true ! filesink location="$TMP/fast.mp4"; then
    expect 0 "mask of the remuxed clip" mask "$TMP/fast.mp4" -o "$BAD/%05d.png" --model "$MODEL" &&
        check "$([ "$(n_files "$BAD")" -eq "$N" ]; echo $?)" "the remuxed clip: $N masks"
    size=$(wc -c <"$TMP/fast.mp4")
    head -c $((size / 2)) "$TMP/fast.mp4" >"$TMP/fast-half.mp4"
    fails "the index-first clip cut at half" "$TMP/fast-half.mp4"
    stderr_has "truncated" "the index-first clip cut at half: says it is truncated"
    got=$(n_files "$BAD")
    [ "$got" -gt 0 ] && [ "$got" -lt "$N" ]
    check $? "the index-first clip cut at half: the frames before the cut are written ($got of $N)"
    bad=0 # what is left is from the last run, replace: RGB composites (colour type 2)
    for f in "$BAD"/*.png; do [ "$(png_header "$f")" = "$CW $CH 8 2" ] || bad=$((bad + 1)); done
    [ "$bad" -eq 0 ]
    check $? "the index-first clip cut at half: every file written is a whole PNG"
    no_temporaries "$BAD" "the index-first clip cut at half"
else
    echo "note: no mp4mux, the index-first truncation is not tested"
fi

finish
