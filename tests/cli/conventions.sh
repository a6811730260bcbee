#!/usr/bin/env bash
# conventions.sh -- `backdrop info` shows a model's conventions and where each came
# from; a sidecar MODEL.backdrop is applied (and a bad one is refused naming its
# line); the convention flags are parsed strictly; `replace` and `mask` run the
# recurrent NCHW fixture (tests/data/onnx/recurrent_gru.onnx) with its own alpha.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

FIX="${BD_SOURCE_DIR:-.}/tests/data/onnx/recurrent_gru.onnx"
[ -f "$FIX" ] || { echo "skipped: $FIX not found"; exit 77; }
cp "$FIX" "$TMP/rec.onnx"

stdout_has() {
    if grep -qF -- "$1" "$TMP/stdout"; then pass "$2"; else
        fail "$2: stdout lacks '$1'"
        sed 's/^/    stdout: /' "$TMP/stdout" | tail -12
    fi
}

expect 0 "info on the recurrent fixture" info "$TMP/rec.onnx" &&
    stdout_has "src: NCHW 12x8  (inferred)" "image layout inferred" &&
    stdout_has "pha: NCHW, 1 channel" "alpha output found" &&
    stdout_has "alpha matte  (inferred)" "output kind inferred" &&
    stdout_has "r1o -> r1i  (inferred)" "state pair inferred" &&
    stdout_has "RGB  (default)" "colour order default" &&
    stdout_has "rec.onnx.backdrop not found" "no sidecar"

printf '# test sidecar\nmean = 0.485, 0.456, 0.406\nstd = 0.229,0.224,0.225\ncolor = bgr\n' \
    >"$TMP/rec.onnx.backdrop"
expect 0 "info with a sidecar" info "$TMP/rec.onnx" &&
    stdout_has "BGR  (sidecar)" "colour from the sidecar" &&
    stdout_has "mean 0.485,0.456,0.406 std 0.229,0.224,0.225  (sidecar)" "normalisation from the sidecar"

printf 'color = bgr\nmean = 1, 2\n' >"$TMP/rec.onnx.backdrop"
expect 1 "info with a bad sidecar" info "$TMP/rec.onnx" &&
    stderr_has "rec.onnx.backdrop:2: mean" "the error names file and line" &&
    stderr_one_line "bad sidecar"
rm -f "$TMP/rec.onnx.backdrop"

PHOTO=$(find_image astronaut.png) || PHOTO=$(find_image camera.png) || PHOTO=""
if [ -n "$PHOTO" ]; then
    read -r W H _ _ <<<"$(png_header "$PHOTO")"
    expect 0 "replace with the recurrent NCHW model" replace "$PHOTO" -b color:#00ff00 \
        -o "$TMP/rec.png" --model "$TMP/rec.onnx" --mean 0.5 --std 0.5 --bgr &&
        read -r W2 H2 _ _ <<<"$(png_header "$TMP/rec.png")" &&
        check "$([ "$W2" = "$W" ] && [ "$H2" = "$H" ]; echo $?)" "output at the photo's size"
    expect 0 "mask with --range and --output-kind" mask "$PHOTO" -o "$TMP/m.png" --model "$TMP/rec.onnx" \
        --range -1..1 --output-kind alpha
    # A sequence: one model load, the recurrent state carried from frame to frame.
    expect 0 "replace on a 2-frame sequence" replace "$PHOTO" "$PHOTO" -b blur \
        -o "$TMP/seq%03d.png" --model "$TMP/rec.onnx" &&
        check "$([ -f "$TMP/seq001.png" ] && [ -f "$TMP/seq002.png" ]; echo $?)" "both frames written"
    expect 0 "the same frame alone" replace "$PHOTO" -b blur -o "$TMP/alone.png" --model "$TMP/rec.onnx"
    check "$(cmp -s "$TMP/alone.png" "$TMP/seq001.png"; echo $?)" "frame 1 of the sequence = the frame alone"
    check "$(cmp -s "$TMP/alone.png" "$TMP/seq002.png" && echo 1 || echo 0)" \
        "frame 2 differs: it saw frame 1's state"
    expect 2 "several inputs need a %d output" replace "$PHOTO" "$PHOTO" -b blur -o "$TMP/x.png" &&
        stderr_has "must hold one %d" "says so"
    printf 'layout = nhwc\n' >"$TMP/bad.backdrop"
    expect 1 "a sidecar that does not fit the model" mask "$PHOTO" -o "$TMP/m.png" \
        --model "$TMP/rec.onnx" --conventions "$TMP/bad.backdrop" &&
        stderr_has "layout asked for" "says why"
    expect 1 "--conventions naming a missing file" mask "$PHOTO" -o "$TMP/m.png" \
        --model "$TMP/rec.onnx" --conventions "$TMP/none.backdrop" && stderr_has "cannot open" "says so"
fi

for bad in "--mean 1,2" "--mean x" "--std 0" "--range 0..2" "--layout chw" "--output-kind odds" \
    "--class -1"; do
    # shellcheck disable=SC2086
    expect 2 "usage error: $bad" replace in.png -b blur -o out.png $bad
done
expect 0 "--help lists the convention flags" replace --help &&
    if grep -q -- "--output-kind" "$TMP/stdout" && grep -q -- "--mean R,G,B" "$TMP/stdout"; then
        pass "help text"
    else fail "help lacks the convention flags"; fi

finish
