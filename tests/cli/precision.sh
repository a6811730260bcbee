#!/usr/bin/env bash
# precision.sh -- --precision fp32|fp16|bf16|int8|auto of `bench`, `info` and `mask`:
# bench and info print the precision that ran; bf16 runs bf16 on a CPU with
# AVX512_BF16 (else fp32 with a note), and falls back to fp32 with a note at
# --isa avx2; auto runs what its load-time timing calls for and says so; an unknown
# value is a usage error (2).

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
# auto: the library times vdpbf16ps against the FMA at load (src/runtime/precision.c)
# and says what it measured; the precision that ran must be the one its figures
# call for (bf16 at >= 1.5x the FMA's multiply-adds, else fp32).
expect 0 "bench --precision auto" bench "$MODEL" --runs 2 --warmup 0 --precision auto
AUTO=$(sed -n 's/.*note: auto chose \([a-z0-9]*\).*/\1/p' "$TMP/stdout")
RAN=$(sed -n 's/^precision: \([a-z0-9]*\) ran (requested auto)$/\1/p' "$TMP/stdout")
test -n "$AUTO" && test "$AUTO" = "$RAN"
check $? "bench auto: the note's choice ($AUTO) is what ran ($RAN)"
if grep -q avx512_bf16 /proc/cpuinfo 2>/dev/null; then
    GAIN=$(sed -n 's/.*on this core (\([0-9.]*\)x; bf16 needs >= 1.5x).*/\1/p' "$TMP/stdout")
    WANT=$(awk -v g="$GAIN" 'BEGIN { print (g != "" && g + 0 >= 1.5) ? "bf16" : "fp32" }')
    test -n "$GAIN" && test "$AUTO" = "$WANT"
    check $? "bench auto: ${GAIN}x of the FMA's rate calls for $WANT, chose $AUTO"
else
    grep -q 'note: auto chose fp32 (no BF16 kernels at this level' "$TMP/stdout"
    check $? "bench auto without AVX512_BF16: fp32, no BF16 kernels"
fi
expect 0 "info --precision auto" info "$MODEL" --precision auto
grep -q "^precision *$AUTO" "$TMP/stdout"
check $? "info auto: $AUTO as bench chose"
expect 0 "bench --precision bf16 --isa avx2" bench "$MODEL" --runs 2 --warmup 0 --precision bf16 --isa avx2
grep -q '^weights: fp32, .*note: BF16 needs' "$TMP/stdout"
check $? "bench bf16 at avx2: fp32 with a note"
expect 0 "bench --precision auto --isa avx2" bench "$MODEL" --runs 2 --warmup 0 --precision auto --isa avx2
grep -q '^weights: fp32, .*note: auto chose fp32 (no BF16 kernels at this level: the level is below avx512)' "$TMP/stdout"
check $? "bench auto at avx2: fp32, with why"
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
