#!/usr/bin/env bash
# fp16.sh -- the --fp16 flag (FP16 weight storage) of `bench`, `replace` and
# `mask`: bench reports fp16 weights at the best level and about half the weight
# bytes, and falls back to fp32 with a note at --isa scalar; replace and mask
# with --fp16 write an output of the photo's size. FP16 on the selfie models is
# lossless (their weights are float16 already), so the mask must equal the FP32 one.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

require_model
IMG=$(find_image astronaut.png) || { echo "skipped: no astronaut.png"; exit 77; }

weights_kib() { sed -n 's/^weights: [a-z0-9]*, \([0-9.]*\) KiB.*/\1/p' "$TMP/stdout"; }

expect 0 "bench fp32" bench "$MODEL" --runs 2 --warmup 0
grep -q '^weights: fp32, ' "$TMP/stdout"
check $? "bench fp32: 'weights: fp32' line"
K32=$(weights_kib)

if grep -q 'avx2\|avx512' <("$BD_CLI" info "$MODEL" 2>/dev/null); then
    expect 0 "bench --fp16" bench "$MODEL" --runs 2 --warmup 0 --fp16
    grep -q '^weights: fp16, .*[1-9][0-9]* ops with FP16 weights' "$TMP/stdout"
    check $? "bench --fp16: 'weights: fp16' with ops"
    K16=$(weights_kib)
    awk -v a="$K16" -v b="$K32" 'BEGIN { exit !(a > 0 && a <= 0.6 * b) }'
    check $? "bench --fp16: weights $K16 KiB <= 60% of fp32's $K32 KiB"
else
    echo "note: no avx2/avx512 here; only the fallback is checked"
fi

expect 0 "bench --fp16 --isa scalar" bench "$MODEL" --runs 2 --warmup 0 --fp16 --isa scalar
grep -q '^weights: fp32, .*note: FP16 needs' "$TMP/stdout"
check $? "bench --fp16 --isa scalar: fp32 with a note"

expect 2 "bench --fp16=x is a usage error" bench "$MODEL" --fp16=x

expect 0 "replace --fp16" replace "$IMG" -b blur -o "$TMP/r16.png" --model "$MODEL" --fp16
read -r W H _ < <(png_header "$IMG")
expect_png "$TMP/r16.png" "$W" "$H" 2 "replace --fp16"

expect 0 "mask --fp16" mask "$IMG" -o "$TMP/m16.png" --model "$MODEL" --fp16
expect 0 "mask fp32" mask "$IMG" -o "$TMP/m32.png" --model "$MODEL"
cmp -s "$TMP/m16.png" "$TMP/m32.png"
check $? "mask --fp16 equals the fp32 mask (float16 weights: lossless)"

finish
