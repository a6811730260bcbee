#!/usr/bin/env bash
# usage.sh -- the command line contract of `backdrop`: help, version, and every
# kind of usage error exiting 2 with "Try 'backdrop CMD --help'." on stderr. The
# input, model and output files named here do not exist, on purpose: usage errors
# must be found before any file is touched, so this test needs no model.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"

IN="$TMP/missing-input.png"
OUT="$TMP/out.png"
NOMODEL="$TMP/missing-model.tflite"

# --- global ---------------------------------------------------------------------------
expect 2 "no arguments"
[ -s "$TMP/stderr" ] && [ ! -s "$TMP/stdout" ]
check $? "no arguments: usage on stderr only"
grep -q "Usage: backdrop" "$TMP/stderr"
check $? "no arguments: stderr shows usage"

for h in --help -h help; do
    expect 0 "backdrop $h" "$h"
    ok=0
    for c in replace mask info; do grep -qw "$c" "$TMP/stdout" || ok=1; done
    check $ok "backdrop $h: stdout mentions replace, mask, info"
    [ ! -s "$TMP/stderr" ]
    check $? "backdrop $h: nothing on stderr"
done

expect 0 "--version" --version
grep -Eqx 'backdrop [0-9]+\.[0-9]+\.[0-9]+' "$TMP/stdout"
check $? "--version prints 'backdrop X.Y.Z' ($(head -c 40 "$TMP/stdout"))"
if [ -n "${BD_SOURCE_DIR:-}" ] && [ -f "$BD_SOURCE_DIR/CMakeLists.txt" ]; then
    v=$(sed -n 's/^project(backdrop VERSION \([0-9.]*\).*/\1/p' "$BD_SOURCE_DIR/CMakeLists.txt")
    grep -qx "backdrop $v" "$TMP/stdout"
    check $? "--version matches the project version $v"
fi

expect 2 "unknown command" frobnicate
stderr_has "frobnicate" "unknown command is named"
stderr_has "Try 'backdrop --help'." "unknown command suggests --help"
expect 2 "unknown global option" --frobnicate

# --- per-command help -----------------------------------------------------------------
for c in replace mask info; do
    expect 0 "$c --help" "$c" --help
    grep -q "^Usage: backdrop $c" "$TMP/stdout"
    check $? "$c --help: usage on stdout"
    expect 0 "$c -h" "$c" -h
    expect 0 "help $c" help "$c"
done

# --- usage errors: exit 2, nothing on stdout, a hint on stderr, no output ----------------
# usage_error DESCRIPTION CMD ARGS...
usage_error() {
    local desc=$1 cmd=$2
    rm -f "$OUT" "$TMP/out.jpg"
    expect 2 "$desc" "$cmd" "${@:3}" || return
    local ok=0
    [ ! -s "$TMP/stdout" ] || ok=1
    tail -n 1 "$TMP/stderr" | grep -qxF "Try 'backdrop $cmd --help'." || ok=1
    head -n 1 "$TMP/stderr" | grep -q "^backdrop $cmd: " || ok=1
    [ ! -e "$OUT" ] && [ ! -e "$TMP/out.jpg" ] || ok=1
    if [ $ok -eq 0 ]; then
        pass "$desc: message + hint, no output"
    else
        fail "$desc: want 'backdrop $cmd: ...' and the --help hint on stderr only"
        sed 's/^/    stderr: /' "$TMP/stderr"
    fi
}

M=(--model "$NOMODEL")
usage_error "replace: unknown option" replace "$IN" -b blur -o "$OUT" --frobnicate "${M[@]}"
usage_error "replace: unknown short option" replace "$IN" -b blur -o "$OUT" -Z "${M[@]}"
usage_error "replace: flag given a value" replace "$IN" -b blur -o "$OUT" --verbose=yes "${M[@]}"
usage_error "replace: missing -o" replace "$IN" -b blur "${M[@]}"
for bad in 512 0x512 512x 512x512x1 -5x5 99999x32 axb; do
    usage_error "replace: --input-size $bad" replace "$IN" -b blur -o "$OUT" --input-size "$bad" "${M[@]}"
done
usage_error "replace: -o without its argument" replace "$IN" -b blur "${M[@]}" -o
usage_error "replace: missing -b" replace "$IN" -o "$OUT" "${M[@]}"
usage_error "replace: missing input" replace -b blur -o "$OUT" "${M[@]}"
usage_error "replace: two inputs" replace "$IN" "$IN" -b blur -o "$OUT" "${M[@]}"
usage_error "replace: empty -b" replace "$IN" -b "" -o "$OUT" "${M[@]}"
for spec in "color:#12345" "color:#1234567" "color:#12345g" "color:" "color:#" "color:green"; do
    usage_error "replace: bad colour '$spec'" replace "$IN" -b "$spec" -o "$OUT" "${M[@]}"
done
for spec in "blur:" "blur:abc" "blur:-3" "blur:0" "blur:2.5" "blur:10x" "blur:99999999999999999999"; do
    usage_error "replace: bad blur '$spec'" replace "$IN" -b "$spec" -o "$OUT" "${M[@]}"
done
usage_error "replace: transparent to .jpg" replace "$IN" -b transparent -o "$TMP/out.jpg" "${M[@]}"
usage_error "replace: transparent to .JPEG" replace "$IN" -b transparent -o "$TMP/out.JPEG" "${M[@]}"
usage_error "replace: unknown output type" replace "$IN" -b blur -o "$TMP/out.gif" "${M[@]}"
for n in abc 0 -1 1x "" " 2" 2.0 99999999999999999999 100000; do
    usage_error "replace: bad --threads '$n'" replace "$IN" -b blur -o "$OUT" --threads "$n" "${M[@]}"
done
for t in 1.5 -0.1 nan inf abc ""; do
    usage_error "replace: bad --threshold '$t'" replace "$IN" -b blur -o "$OUT" --threshold "$t" \
        --softness 0.1 "${M[@]}"
done
usage_error "replace: bad --softness" replace "$IN" -b blur -o "$OUT" --softness x "${M[@]}"
for q in 0 101 abc; do
    usage_error "replace: bad --quality '$q'" replace "$IN" -b blur -o "$TMP/out.jpg" --quality "$q" "${M[@]}"
done

usage_error "mask: missing -o" mask "$IN" "${M[@]}"
usage_error "mask: missing input" mask -o "$OUT" "${M[@]}"
usage_error "mask: unknown option" mask "$IN" -o "$OUT" --frobnicate "${M[@]}"
usage_error "mask: bad --threads" mask "$IN" -o "$OUT" --threads many "${M[@]}"
usage_error "mask: unknown output type" mask "$IN" -o "$TMP/mask.bmp" "${M[@]}"

usage_error "info: unknown option" info --frobnicate
usage_error "info: two models" info "$NOMODEL" "$NOMODEL"
usage_error "info: --model and a positional model" info --model "$NOMODEL" "$NOMODEL"
usage_error "info: --model without its argument" info --model

finish
