#!/usr/bin/env bash
# matting.sh -- Robust Video Matting from the command line (the published
# rvm_mobilenetv3_fp32.onnx of scripts/fetch-models.sh --matting): `info --frame`
# shows the sizes and the downsample ratio chosen for a frame; `mask` on several
# inputs writes a numbered sequence and carries the recurrent state (frame 1 is the
# single-image mask, frame 2 of the same picture is not; a second frame size is
# compiled for); `replace` composites
# RVM's fgr unless --no-fgr; bad --downsample-ratio values are usage errors.
# Skips (77) without the model or the photo.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

M="${BD_MODELS_DIR:-/nonexistent}/rvm_mobilenetv3_fp32.onnx"
[ -f "$M" ] || { echo "skipped: $M not found (scripts/fetch-models.sh --matting)"; exit 77; }
PHOTO=$(find_image astronaut.png) || { echo "skipped: no astronaut.png"; exit 77; }
read -r W H _ _ <<<"$(png_header "$PHOTO")"

expect 0 "info --frame 1280x720" info "$M" --frame 1280x720
grep -qF "[1, 3, 720*, 1280*]" "$TMP/stdout"
check $? "info: src sized for the frame"
grep -qF "downsample    0.375" "$TMP/stdout"
check $? "info: ratio 0.375 at 720p"
grep -qF "[1, 16*, 135*, 240*]" "$TMP/stdout"
check $? "info: r1i shaped as r1o (half the 480x270 internal size)"
grep -qF "foreground    fgr" "$TMP/stdout"
check $? "info: fgr inferred"
expect 0 "info --downsample-ratio 0.25" info "$M" --frame 1280x720 --downsample-ratio 0.25
grep -qF "downsample    0.25" "$TMP/stdout"
check $? "info: ratio as given"
expect 2 "--downsample-ratio 0" info "$M" --downsample-ratio 0
expect 2 "--downsample-ratio 1.5" mask "$PHOTO" -o "$TMP/x.png" --model "$M" --downsample-ratio 1.5

expect 0 "mask, one image" mask "$PHOTO" -o "$TMP/single.png" --model "$M" &&
    expect_png "$TMP/single.png" "$W" "$H" 0 "RVM mask"
expect 0 "mask, a sequence of 3" mask "$PHOTO" "$PHOTO" "$PHOTO" -o "$TMP/seq_%02d.png" \
    --model "$M" --temporal off
for k in 01 02 03; do [ -f "$TMP/seq_$k.png" ]; check $? "sequence frame $k written"; done
if cmp -s "$TMP/single.png" "$TMP/seq_01.png"; then pass "frame 1 = the single mask"
else fail "frame 1 differs from the single mask"; fi
if cmp -s "$TMP/seq_01.png" "$TMP/seq_02.png"; then fail "frame 2 = frame 1: no state carried"
else pass "frame 2 differs: the recurrent state is carried"; fi
expect 2 "several inputs need a numbered MASK" mask "$PHOTO" "$PHOTO" -o "$TMP/two.png" --model "$M"
[ ! -e "$TMP/two.png" ]
check $? "no output for the usage error"

# Frames of two sizes: the model is compiled again for the second size.
SMALL="$TMP/small.png"
python3 - "$SMALL" <<'PY'
import struct, sys, zlib
w, h = 96, 64
rows = b"".join(b"\0" + b"".join(bytes((x * 2 % 256, y * 4 % 256, 128)) for x in range(w))
                for y in range(h))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
expect 0 "mask of frames of two sizes" mask "$PHOTO" "$SMALL" -o "$TMP/two_%d.png" \
    --model "$M" -v && expect_png "$TMP/two_2.png" 96 64 0 "second size's mask"
[ "$(grep -c 'free model input dims set' "$TMP/stderr")" = 2 ]
check $? "compiled for each size (2 loads)"

expect 0 "replace with fgr" replace "$PHOTO" -b "color:#00ff00" -o "$TMP/fgr.png" --model "$M" &&
    expect_png "$TMP/fgr.png" "$W" "$H" 2 "RVM replace"
expect 0 "replace --no-fgr" replace "$PHOTO" -b "color:#00ff00" -o "$TMP/nofgr.png" \
    --model "$M" --no-fgr
if cmp -s "$TMP/fgr.png" "$TMP/nofgr.png"; then fail "--no-fgr changes nothing"
else pass "fgr and --no-fgr composites differ"; fi

finish
