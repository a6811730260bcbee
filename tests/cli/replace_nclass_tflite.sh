#!/usr/bin/env bash
# replace_nclass_tflite.sh -- a two-class TFLite model end to end: the generated
# tests/data/tflite-ops/segnet_logits.tflite (output [1,32,32,2] logits from a
# final convolution and bilinear resize, channel 1 = person; random weights, so
# the mask means nothing) through `info`, `mask` and `replace`: `info` calls it
# logits with person class 1, --class 1 is the default, --class 0 gives another
# mask, an out-of-range --class prints the library's reason. Skips without a photo.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

M="${BD_SOURCE_DIR:-/nonexistent}/tests/data/tflite-ops/segnet_logits.tflite"
[ -f "$M" ] || { echo "skipped: $M not found"; exit 77; }
PHOTO=$(find_image astronaut.png) || { echo "skipped: no astronaut.png"; exit 77; }
read -r W H _ _ <<<"$(png_header "$PHOTO")"

expect 0 "info on a 2-class TFLite model" info "$M"
grep -qF "output kind   logits  (inferred)" "$TMP/stdout"
check $? "info: logits inferred"
grep -qF "person class  1  (default)" "$TMP/stdout"
check $? "info: person class 1"

expect 0 "mask with a 2-class TFLite model" mask "$PHOTO" -o "$TMP/m1.png" --model "$M" &&
    expect_png "$TMP/m1.png" "$W" "$H" 0 "2-class mask"
expect 0 "mask --class 1" mask "$PHOTO" -o "$TMP/m1b.png" --model "$M" --class 1 &&
    if cmp -s "$TMP/m1.png" "$TMP/m1b.png"; then pass "--class 1 is the default"; else fail "--class 1 differs from the default"; fi
expect 0 "mask --class 0" mask "$PHOTO" -o "$TMP/m0.png" --model "$M" --class 0 &&
    expect_png "$TMP/m0.png" "$W" "$H" 0 "class-0 mask"
if cmp -s "$TMP/m1.png" "$TMP/m0.png"; then fail "--class 0 gives the same mask"; else pass "--class 0 gives another mask"; fi

expect 0 "replace with a 2-class TFLite model" replace "$PHOTO" -b "color:#00b140" \
    -o "$TMP/r.png" --model "$M" && expect_png "$TMP/r.png" "$W" "$H" 2 "2-class replace"

expect 1 "--class out of range for the model" mask "$PHOTO" -o "$TMP/bad.png" --model "$M" --class 2
stderr_has "person class 2 is out of range" "--class 2: the library's reason"
[ ! -e "$TMP/bad.png" ]
check $? "--class 2: no output written"

finish
