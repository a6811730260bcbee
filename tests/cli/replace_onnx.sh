#!/usr/bin/env bash
# replace_onnx.sh -- `backdrop replace` and `info` end to end with an ONNX model
# (../shared/models/onnx/selfie_segmentation.onnx, a tf2onnx export): the file is
# recognised as ONNX, the composite is written at the photo's size. Numerical
# agreement with ONNX Runtime is tested in tests/models/test_onnx_reference.c.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

ONNX="${BD_SHARED_DIR:-/nonexistent}/models/onnx/selfie_segmentation.onnx"
[ -f "$ONNX" ] || { echo "skipped: $ONNX not found"; exit 77; }
PHOTO=$(find_image astronaut.png) || PHOTO=$(find_image camera.png) || {
    echo "skipped: no astronaut.png or camera.png"
    exit 77
}
read -r W H _ _ <<<"$(png_header "$PHOTO")"

expect 0 "info --model X.onnx" info --model "$ONNX" &&
    if grep -q "onnx" "$TMP/stdout"; then pass "info names the format"; else fail "info: no 'onnx'"; fi

expect 0 "replace --model X.onnx" replace "$PHOTO" -b "color:#00b140" -o "$TMP/onnx.png" \
    --model "$ONNX" && expect_png "$TMP/onnx.png" "$W" "$H" 2 "replace with an ONNX model"

finish
