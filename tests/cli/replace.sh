#!/usr/bin/env bash
# replace.sh -- the working paths of `backdrop`: `replace` with every background
# kind, `mask`, and `info`. Checks exit codes, silence on stdout, and the size
# and pixel type of what was written (from the PNG IHDR chunk). Whether the
# mask is *good* is left to the C tests against the reference masks.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
require_model

PHOTO=$(find_image astronaut.png) || PHOTO=$(find_image camera.png) || {
    echo "skipped: no astronaut.png or camera.png in BD_SAMPLES_DIR or BD_SHARED_DIR/testdata/images"
    exit 77
}
read -r W H _ _ <<<"$(png_header "$PHOTO")"
echo "photo: $PHOTO (${W}x${H}), model: $MODEL"

# A background photo: a shared one (different size and aspect, exercising
# scale-to-cover), else another sample, else the photo itself.
BG=""
for f in "${BD_SHARED_DIR:-/nonexistent}"/testdata/backgrounds/*.jpg; do
    [ -f "$f" ] && { BG=$f; break; }
done
[ -n "$BG" ] || BG=$(find_image camera.png) || BG=$PHOTO

# quiet DESCRIPTION ARGS...: exit 0 with nothing on stdout or stderr.
quiet() {
    local desc=$1
    shift
    expect 0 "$desc" "$@" || return 1
    if [ -s "$TMP/stdout" ] || [ -s "$TMP/stderr" ]; then
        fail "$desc: printed something (want silence)"
        sed 's/^/    out: /' "$TMP/stdout" "$TMP/stderr" | head -10
        return 1
    fi
    return 0
}

# --- replace: each background kind --------------------------------------------------------
i=0
for spec in "$BG" blur blur:25 blur:1 "color:#00ff00" "color:00FF00"; do
    i=$((i + 1))
    out="$TMP/replace-$i.png"
    quiet "replace -b $(basename "$spec")" replace "$PHOTO" -b "$spec" -o "$out" --model "$MODEL" &&
        expect_png "$out" "$W" "$H" 2 "replace -b $(basename "$spec")"
done

quiet "replace -b transparent" replace "$PHOTO" -b transparent -o "$TMP/cutout.png" --model "$MODEL" &&
    expect_png "$TMP/cutout.png" "$W" "$H" 6 "replace -b transparent (RGBA)"

quiet "replace to .jpg" replace "$PHOTO" -b blur:10 -o "$TMP/out.jpg" --quality 80 --model "$MODEL"
is_jpeg "$TMP/out.jpg"
check $? "replace to .jpg: a complete JPEG"
# The JPEG's size, read back through the CLI: its mask has the same size.
quiet "mask of the written JPEG" mask "$TMP/out.jpg" -o "$TMP/out-jpg-mask.png" --model "$MODEL" &&
    expect_png "$TMP/out-jpg-mask.png" "$W" "$H" 0 "JPEG output size"

quiet "replace to .PNG (upper case)" replace "$PHOTO" -b blur -o "$TMP/upper.PNG" --model "$MODEL" &&
    expect_png "$TMP/upper.PNG" "$W" "$H" 2 "replace to .PNG"

# --- mask ---------------------------------------------------------------------------------
quiet "mask" mask "$PHOTO" -o "$TMP/mask.png" --model "$MODEL" &&
    expect_png "$TMP/mask.png" "$W" "$H" 0 "mask (gray)"
quiet "mask to .jpg" mask "$PHOTO" -o "$TMP/mask.jpg" --model "$MODEL"
is_jpeg "$TMP/mask.jpg"
check $? "mask to .jpg: a complete JPEG"
quiet "mask --threshold --softness" mask "$PHOTO" -o "$TMP/mask-hard.png" --threshold 0.5 \
    --softness 0.05 --model "$MODEL" && expect_png "$TMP/mask-hard.png" "$W" "$H" 0 "hard mask"
if cmp -s "$TMP/mask.png" "$TMP/mask-hard.png"; then
    fail "--threshold/--softness change the mask"
else
    pass "--threshold/--softness change the mask"
fi

# --- other frames ---------------------------------------------------------------------------
# A grayscale photo still gives an RGB composite; a non-square one keeps its shape.
for name in camera.png basketball1.png; do
    f=$(find_image "$name") || { echo "note: no $name, not tested"; continue; }
    read -r fw fh _ _ <<<"$(png_header "$f")"
    quiet "replace $name" replace "$f" -b "$BG" -o "$TMP/other-$name" --model "$MODEL" &&
        expect_png "$TMP/other-$name" "$fw" "$fh" 2 "replace $name"
    quiet "mask $name" mask "$f" -o "$TMP/other-mask-$name" --model "$MODEL" &&
        expect_png "$TMP/other-mask-$name" "$fw" "$fh" 0 "mask $name"
done
JPEG_PHOTO=$(find_image woman-5883428_1280.jpg) && {
    quiet "replace a JPEG photo" replace "$JPEG_PHOTO" -b "color:#0000ff" -o "$TMP/woman.png" \
        --model "$MODEL" && [ -n "$(png_header "$TMP/woman.png")" ]
    check $? "replace a JPEG photo: PNG written"
}

# --- options ------------------------------------------------------------------------------
expect 0 "replace -v" replace "$PHOTO" -b blur -o "$TMP/verbose.png" -v --model "$MODEL"
[ ! -s "$TMP/stdout" ] && grep -q "total" "$TMP/stderr" && grep -q " ms" "$TMP/stderr"
check $? "replace -v: timings on stderr, nothing on stdout"
for w in decode model+mask composite encode; do
    grep -q "$w" "$TMP/stderr"
    check $? "replace -v: reports $w"
done

quiet "replace --threads 1" replace "$PHOTO" -b blur -o "$TMP/t1.png" --threads 1 --model "$MODEL"
quiet "replace --threads 4" replace "$PHOTO" -b blur -o "$TMP/t4.png" --threads 4 --model "$MODEL"
cmp -s "$TMP/t1.png" "$TMP/t4.png"
check $? "--threads 1 and --threads 4 give the same bytes"

BACKDROP_MODEL="$MODEL" quiet "model from BACKDROP_MODEL" replace "$PHOTO" -b blur -o "$TMP/env.png"
cmp -s "$TMP/t1.png" "$TMP/env.png"
check $? "BACKDROP_MODEL gives the same result as --model"

quiet "overwrite an existing output" replace "$PHOTO" -b "color:#ff0000" -o "$TMP/t1.png" --model "$MODEL" &&
    expect_png "$TMP/t1.png" "$W" "$H" 2 "overwritten output"
[ -z "$(find "$TMP" -mindepth 1 -maxdepth 1 -name '.*')" ]
check $? "no temporary files left in the output directory"

# --- info ---------------------------------------------------------------------------------
expect 0 "info MODEL" info "$MODEL"
[ ! -s "$TMP/stderr" ]
check $? "info: nothing on stderr"
grep -q "59" "$TMP/stdout"
check $? "info: prints 59 (M multiply-adds)"
grep -Eq '^multiply-adds +59\.[0-9] M' "$TMP/stdout"
check $? "info: multiply-adds as '59.x M'"
for want in "$MODEL" tflite input_1 activation_10 "[1, 256, 256, 3]" "[1, 256, 256, 1]" CONV_2D \
    parameters weights arena kernels; do
    grep -qF -- "$want" "$TMP/stdout"
    check $? "info: mentions '$want'"
done
sed 's/^/    | /' "$TMP/stdout"

expect 0 "info --model" info --model "$MODEL"
BACKDROP_MODEL="$MODEL" expect 0 "info with BACKDROP_MODEL" info
grep -qF "$MODEL" "$TMP/stdout"
check $? "info with BACKDROP_MODEL: names that file"

LANDSCAPE="$(dirname "$MODEL")/selfie_segmentation_landscape.tflite"
if [ -f "$LANDSCAPE" ]; then
    expect 0 "info landscape" info "$LANDSCAPE"
    grep -qF "[1, 144, 256, 3]" "$TMP/stdout"
    check $? "info landscape: input [1, 144, 256, 3]"
    quiet "replace with the landscape model" replace "$PHOTO" -b blur -o "$TMP/landscape.png" \
        --model "$LANDSCAPE" && expect_png "$TMP/landscape.png" "$W" "$H" 2 "landscape replace"
fi

finish
