#!/usr/bin/env bash
# precision.sh -- --precision fp32|fp16|bf16|int8|auto of `bench`, `info` and `mask`:
# bench and info print the precision that ran; bf16 runs bf16 on a CPU with
# AVX512_BF16 (else fp32 with a note), and falls back to fp32 with a note at
# --isa avx2; auto prints no note; an unknown value is a usage error (2).

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

require_model
IMG=$(find_image astronaut.png) || { echo "skipped: no astronaut.png"; exit 77; }

expect 2 "bench --precision bogus" bench "$MODEL" --precision bogus
expect 0 "bench --precision fp32" bench "$MODEL" --runs 2 --warmup 0 --precision fp32
grep -q '^precision: fp32 ran' "$TMP/stdout"
check $? "bench fp32: 'precision: fp32 ran'"
expect 0 "bench --precision bf16" bench "$MODEL" --runs 2 --warmup 0 --precision bf16
if grep -q avx512_bf16 /proc/cpuinfo 2>/dev/null; then
    grep -q '^weights: bf16, .* [1-9][0-9]* ops in BF16' "$TMP/stdout"
    check $? "bench bf16: 'weights: bf16' with ops"
else
    grep -q '^weights: fp32, .*note: BF16 needs' "$TMP/stdout"
    check $? "bench bf16 without AVX512_BF16: fp32 with a note"
fi
# auto picks fp32 until BF16 is measured faster on a CPU (cli.c cli_precision_request).
expect 0 "info --precision auto" info "$MODEL" --precision auto
grep -q '^precision *fp32' "$TMP/stdout"
check $? "info auto: fp32"
expect 0 "bench --precision bf16 --isa avx2" bench "$MODEL" --runs 2 --warmup 0 --precision bf16 --isa avx2
grep -q '^weights: fp32, .*note: BF16 needs' "$TMP/stdout"
check $? "bench bf16 at avx2: fp32 with a note"
expect 0 "bench --precision auto --isa avx2" bench "$MODEL" --runs 2 --warmup 0 --precision auto --isa avx2
grep -q 'note:' "$TMP/stdout"
check $((! $?)) "bench auto: no note"
# int8: the selfie model's only dense k x k convolution is its stem, which the
# accuracy rule keeps fp32 (src/runtime/model.c int8_rule): fp32 with that note
# on a VNNI CPU; RVM (when present) runs some ops in INT8.
expect 0 "bench --precision int8" bench "$MODEL" --runs 2 --warmup 0 --precision int8
if grep -q avx512_vnni /proc/cpuinfo 2>/dev/null; then
    grep -q '^weights: fp32, .*note: no dense convolution passes the INT8 accuracy rule' "$TMP/stdout"
    check $? "bench int8 selfie: fp32 with the accuracy-rule note"
    RVM="$(dirname "$MODEL")/rvm_mobilenetv3_fp32.onnx"
    if [ -f "$RVM" ]; then
        expect 0 "bench rvm --precision int8" bench "$RVM" --input-size 256x144 --runs 1 --warmup 0 --precision int8
        grep -q '^weights: int8, .* [1-9][0-9]* ops in INT8' "$TMP/stdout" &&
            grep -q '^precision: int8 ran (requested int8)' "$TMP/stdout"
        check $? "bench rvm int8: 'weights: int8' with ops"
    fi
else
    grep -q '^weights: fp32, .*note: INT8 needs' "$TMP/stdout"
    check $? "bench int8 without AVX512_VNNI: fp32 with a note"
fi
expect 0 "bench --precision int8 --isa avx2" bench "$MODEL" --runs 2 --warmup 0 --precision int8 --isa avx2
grep -q '^weights: fp32, .*note: INT8 needs' "$TMP/stdout"
check $? "bench int8 at avx2: fp32 with a note"
expect 0 "mask --precision int8" mask "$IMG" -o "$TMP/mi8.png" --model "$MODEL" --precision int8
test -s "$TMP/mi8.png"
check $? "mask int8 wrote a mask"
expect 0 "mask --precision bf16" mask "$IMG" -o "$TMP/mbf.png" --model "$MODEL" --precision bf16
test -s "$TMP/mbf.png"
check $? "mask bf16 wrote a mask"

finish
