#!/usr/bin/env bash
# seg_flags.sh -- the image pipeline v2 flags of `replace` and `mask`: --fit,
# --refine (--refine-radius, --refine-eps), --feather, --class, and for replace
# --light-wrap and --premultiplied. Bad values and combinations are usage errors
# (exit 2, found before any file is read); with a model, each flag runs and writes
# an output of the photo's size.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

IN="$TMP/missing-input.png"
OUT="$TMP/out.png"
M=(--model "$TMP/missing-model.tflite")

# usage_error DESCRIPTION ARGS...: exit 2, the --help hint, no output file.
usage_error() {
    local desc=$1
    shift
    rm -f "$OUT"
    expect 2 "$desc" "$@" || return
    if tail -n 1 "$TMP/stderr" | grep -qF -- "--help'." && [ ! -s "$TMP/stdout" ] &&
        [ ! -e "$OUT" ]; then
        pass "$desc: hint, no output"
    else
        fail "$desc: want a usage error with the --help hint"
    fi
}

for c in replace mask; do
    B=()
    [ "$c" = replace ] && B=(-b blur)
    for v in "" fill STRETCH "crop " letterbox:1; do
        usage_error "$c: bad --fit '$v'" "$c" "$IN" "${B[@]}" -o "$OUT" --fit "$v" "${M[@]}"
    done
    for v in 0 -1 1001 2.5 abc ""; do
        usage_error "$c: bad --refine-radius '$v'" "$c" "$IN" "${B[@]}" -o "$OUT" --refine \
            --refine-radius "$v" "${M[@]}"
    done
    for v in -0.1 1001 nan inf x ""; do
        usage_error "$c: bad --refine-eps '$v'" "$c" "$IN" "${B[@]}" -o "$OUT" --refine \
            --refine-eps "$v" "${M[@]}"
    done
    usage_error "$c: --refine-radius without --refine" "$c" "$IN" "${B[@]}" -o "$OUT" \
        --refine-radius 5 "${M[@]}"
    usage_error "$c: --refine-eps without --refine" "$c" "$IN" "${B[@]}" -o "$OUT" \
        --refine-eps 0.01 "${M[@]}"
    usage_error "$c: --refine given a value" "$c" "$IN" "${B[@]}" -o "$OUT" --refine=yes "${M[@]}"
    for v in -1 1001 nan abc ""; do
        usage_error "$c: bad --feather '$v'" "$c" "$IN" "${B[@]}" -o "$OUT" --feather "$v" "${M[@]}"
    done
    for v in -1 4096 1.0 x ""; do
        usage_error "$c: bad --class '$v'" "$c" "$IN" "${B[@]}" -o "$OUT" --class "$v" "${M[@]}"
    done
done
for v in -0.1 1.5 nan x ""; do
    usage_error "replace: bad --light-wrap '$v'" replace "$IN" -b blur -o "$OUT" --light-wrap "$v" "${M[@]}"
done
usage_error "replace: --light-wrap with transparent" replace "$IN" -b transparent -o "$OUT" \
    --light-wrap 0.5 "${M[@]}"
usage_error "replace: --premultiplied without transparent" replace "$IN" -b blur -o "$OUT" \
    --premultiplied "${M[@]}"
usage_error "mask: --light-wrap is replace only" mask "$IN" -o "$OUT" --light-wrap 0.5 "${M[@]}"
usage_error "mask: --premultiplied is replace only" mask "$IN" -o "$OUT" --premultiplied "${M[@]}"

for c in replace mask; do
    expect 0 "$c --help" "$c" --help
    for f in --fit --refine --refine-radius --refine-eps --feather --class; do
        grep -qF -- "$f" "$TMP/stdout"
        check $? "$c --help mentions $f"
    done
done
expect 0 "replace --help" replace --help
for f in --light-wrap --premultiplied; do
    grep -qF -- "$f" "$TMP/stdout"
    check $? "replace --help mentions $f"
done

# --- with a model: every flag runs and keeps the photo's size --------------------------
require_model
PHOTO=$(find_image astronaut.png) || finish_skip "no astronaut.png"
read -r W H _ _ <<<"$(png_header "$PHOTO")"

i=0
while IFS= read -r line; do
    # shellcheck disable=SC2206
    args=($line)
    i=$((i + 1))
    expect 0 "replace ${args[*]}" replace "$PHOTO" -b "color:#00b140" -o "$TMP/r$i.png" \
        --model "$MODEL" "${args[@]}" && expect_png "$TMP/r$i.png" "$W" "$H" 2 "replace ${args[*]}"
    expect 0 "mask ${args[*]}" mask "$PHOTO" -o "$TMP/m$i.png" --model "$MODEL" "${args[@]}" &&
        expect_png "$TMP/m$i.png" "$W" "$H" 0 "mask ${args[*]}"
done <<'LIST'
--fit stretch
--fit letterbox
--fit crop
--refine
--refine --refine-radius 8 --refine-eps 0.01
--feather 6
--feather 0
--class 0
LIST

# the fit policies differ only on a photo whose aspect is not the model's (square)
if WIDE=$(find_image woman-5883428_1280.jpg); then
    for f in stretch letterbox crop; do
        expect 0 "mask --fit $f (wide photo)" mask "$WIDE" -o "$TMP/w-$f.png" --model "$MODEL" --fit "$f"
    done
    for f in letterbox crop; do
        if cmp -s "$TMP/w-stretch.png" "$TMP/w-$f.png"; then fail "--fit $f changed nothing"; else pass "--fit $f changes the mask"; fi
    done
fi
if cmp -s "$TMP/m1.png" "$TMP/m4.png"; then fail "--refine changed nothing"; else pass "--refine changes the mask"; fi
if cmp -s "$TMP/m1.png" "$TMP/m6.png"; then fail "--feather changed nothing"; else pass "--feather changes the mask"; fi

expect 0 "replace --light-wrap 0.8" replace "$PHOTO" -b "color:#2040ff" -o "$TMP/lw.png" \
    --model "$MODEL" --light-wrap 0.8 && expect_png "$TMP/lw.png" "$W" "$H" 2 "light wrap"
expect 0 "replace without light wrap" replace "$PHOTO" -b "color:#2040ff" -o "$TMP/nolw.png" \
    --model "$MODEL"
if cmp -s "$TMP/lw.png" "$TMP/nolw.png"; then fail "--light-wrap changed nothing"; else pass "--light-wrap changes the output"; fi
expect 0 "replace --premultiplied" replace "$PHOTO" -b transparent -o "$TMP/pm.png" \
    --model "$MODEL" --premultiplied && expect_png "$TMP/pm.png" "$W" "$H" 6 "premultiplied"
expect 0 "replace transparent, straight" replace "$PHOTO" -b transparent -o "$TMP/st.png" \
    --model "$MODEL"
if cmp -s "$TMP/pm.png" "$TMP/st.png"; then fail "--premultiplied changed nothing"; else pass "--premultiplied changes the output"; fi

# the selfie model has one channel: --class 1 is out of range, with the reason
expect 1 "--class 1 on a one-channel model" mask "$PHOTO" -o "$TMP/c1.png" --model "$MODEL" --class 1
stderr_has "person class 1 is out of range" "--class 1: the library's reason"

finish
