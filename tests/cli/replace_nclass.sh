#!/usr/bin/env bash
# replace_nclass.sh -- a two-class model end to end: mediapipe.onnx (output
# [1,144,256,2] logits, channel 1 = person) through `mask` and `replace`; the
# person class can be chosen with --class (0 gives the complement mask), an
# out-of-range --class prints the library's reason (bd_pipeline_options.error_buf).
# Skips without ../shared.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

MP="${BD_SHARED_DIR:-/nonexistent}/models/onnx/mediapipe.onnx"
[ -f "$MP" ] || { echo "skipped: $MP not found"; exit 77; }
PHOTO=$(find_image astronaut.png) || { echo "skipped: no astronaut.png"; exit 77; }
read -r W H _ _ <<<"$(png_header "$PHOTO")"

expect 0 "mask with a 2-class model" mask "$PHOTO" -o "$TMP/m1.png" --model "$MP" &&
    expect_png "$TMP/m1.png" "$W" "$H" 0 "2-class mask"
expect 0 "mask --class 1 (explicit default)" mask "$PHOTO" -o "$TMP/m1b.png" --model "$MP" --class 1 &&
    if cmp -s "$TMP/m1.png" "$TMP/m1b.png"; then pass "--class 1 is the default"; else fail "--class 1 differs from the default"; fi
expect 0 "mask --class 0" mask "$PHOTO" -o "$TMP/m0.png" --model "$MP" --class 0 &&
    expect_png "$TMP/m0.png" "$W" "$H" 0 "class-0 mask"

if cmp -s "$TMP/m1.png" "$TMP/m0.png"; then fail "--class 0 gives the same mask"; else pass "--class 0 gives another mask"; fi

expect 0 "replace with a 2-class model" replace "$PHOTO" -b "color:#00b140" -o "$TMP/r.png" \
    --model "$MP" && expect_png "$TMP/r.png" "$W" "$H" 2 "2-class replace"
expect 0 "replace transparent with a 2-class model" replace "$PHOTO" -b transparent \
    -o "$TMP/t.png" --model "$MP" && expect_png "$TMP/t.png" "$W" "$H" 6 "2-class transparent"

expect 1 "--class out of range for the model" mask "$PHOTO" -o "$TMP/bad.png" --model "$MP" --class 2
stderr_one_line "--class 2"
stderr_has "person class 2 is out of range" "--class 2: the library's reason"
[ ! -e "$TMP/bad.png" ]
check $? "--class 2: no output written"

finish
