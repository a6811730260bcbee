# common.bash -- helpers sourced by the tests/cli/*.sh scripts. It is not a test
# itself (ctest registers only *.sh). Provides PASS/FAIL accounting, a scratch
# directory removed on exit, model and photo lookup, a runner that captures exit
# code, stdout and stderr, and PNG header parsing.
#
# Environment (set by tests/CMakeLists.txt): BD_CLI (required), BD_MODELS_DIR,
# BD_SHARED_DIR, BD_SAMPLES_DIR (each may be missing).

set -u

if [ -z "${BD_CLI:-}" ] || [ ! -x "$BD_CLI" ]; then
    echo "FAIL: BD_CLI is not set to an executable ('${BD_CLI:-}')"
    echo "0 passed, 1 failed"
    exit 1
fi

# The tests choose the model explicitly; a user's setting must not leak in.
unset BACKDROP_MODEL

N_PASS=0
N_FAIL=0
pass() { echo "PASS: $*"; N_PASS=$((N_PASS + 1)); }
fail() { echo "FAIL: $*"; N_FAIL=$((N_FAIL + 1)); }
# check COND_RESULT DESCRIPTION: pass if the previous command succeeded.
check() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }

# Prints the totals and exits non-zero if anything failed.
finish() {
    echo "$N_PASS passed, $N_FAIL failed"
    [ "$N_FAIL" -eq 0 ] && exit 0
    exit 1
}

# finish_skip WHY: the rest of the test cannot run here (missing data): prints why, and
# exits 1 if a check so far failed, else 77 (skipped, for ctest).
finish_skip() {
    echo "skipped: $1"
    echo "$N_PASS passed, $N_FAIL failed"
    [ "$N_FAIL" -eq 0 ] && exit 77
    exit 1
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bdcli.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
# chmod first: a test may have made a directory read-only.
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

# MODEL: the general selfie model, preferring the fetched copy over the shared one.
MODEL=""
if [ -n "${BD_MODELS_DIR:-}" ] && [ -f "$BD_MODELS_DIR/selfie_segmentation.tflite" ]; then
    MODEL="$BD_MODELS_DIR/selfie_segmentation.tflite"
elif [ -n "${BD_SHARED_DIR:-}" ] && [ -f "$BD_SHARED_DIR/models/selfie_segmentation.tflite" ]; then
    MODEL="$BD_SHARED_DIR/models/selfie_segmentation.tflite"
fi

# Exits 77 (skipped, for ctest) with a "skipped" line when no model is available.
require_model() {
    if [ -z "$MODEL" ]; then
        echo "skipped: no selfie_segmentation.tflite in BD_MODELS_DIR or BD_SHARED_DIR/models"
        echo "(run scripts/fetch-models.sh)"
        exit 77
    fi
}

# find_image NAME: prints the path of a test photo (samples first), or nothing.
find_image() {
    local d
    for d in "${BD_SAMPLES_DIR:-}" "${BD_SHARED_DIR:+$BD_SHARED_DIR/testdata/images}"; do
        if [ -n "$d" ] && [ -f "$d/$1" ]; then
            echo "$d/$1"
            return 0
        fi
    done
    return 1
}

# run ARGS...: runs the CLI; sets RC and leaves its output in $TMP/stdout, $TMP/stderr.
run() {
    "$BD_CLI" "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    RC=$?
}

# expect RC_WANT DESCRIPTION ARGS...: runs the CLI and checks its exit code; on a
# mismatch shows what it printed.
expect() {
    local want=$1 desc=$2
    shift 2
    run "$@"
    if [ "$RC" -eq "$want" ]; then
        pass "$desc (exit $RC)"
        return 0
    fi
    fail "$desc: exit $RC, want $want"
    sed 's/^/    stderr: /' "$TMP/stderr" | head -20
    return 1
}

# stderr_has TEXT DESCRIPTION: the last run's stderr contains TEXT (fixed string).
stderr_has() {
    if grep -qF -- "$1" "$TMP/stderr"; then
        pass "$2"
    else
        fail "$2: stderr lacks '$1'"
        sed 's/^/    stderr: /' "$TMP/stderr" | head -20
    fi
}

# stderr_one_line DESCRIPTION: the last run printed exactly one "backdrop: " line
# on stderr and nothing on stdout.
stderr_one_line() {
    local n
    n=$(wc -l <"$TMP/stderr")
    if [ "$n" -eq 1 ] && grep -q '^backdrop: ' "$TMP/stderr" && [ ! -s "$TMP/stdout" ]; then
        pass "$1: one error line"
    else
        fail "$1: want one 'backdrop: ' line on stderr, got $n lines"
        sed 's/^/    stderr: /' "$TMP/stderr" | head -20
    fi
}

# png_header FILE: prints "WIDTH HEIGHT BIT_DEPTH COLOR_TYPE" from the IHDR chunk,
# or nothing if FILE is not a PNG. Colour types: 0 gray, 2 RGB, 6 RGBA.
png_header() {
    local sig
    sig=$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')
    [ "$sig" = "89504e470d0a1a0a" ] || return 1
    # IHDR data starts at byte 16: width (4, big-endian), height (4), depth, colour type.
    od -An -tu1 -j16 -N10 "$1" |
        awk '{ printf "%d %d %d %d\n", (($1*256+$2)*256+$3)*256+$4, (($5*256+$6)*256+$7)*256+$8, $9, $10 }'
}

# expect_png FILE WIDTH HEIGHT COLOR_TYPE DESCRIPTION
expect_png() {
    local got
    got=$(png_header "$1")
    if [ "$got" = "$2 $3 8 $4" ]; then
        pass "$5: PNG ${2}x${3}, colour type $4"
    else
        fail "$5: want PNG '$2 $3 8 $4' (w h depth type), got '${got:-not a PNG}'"
    fi
}

# is_jpeg FILE: starts with the SOI marker and ends with EOI.
is_jpeg() {
    [ "$(od -An -tx1 -N2 "$1" 2>/dev/null | tr -d ' \n')" = "ffd8" ] &&
        [ "$(tail -c 2 "$1" | od -An -tx1 | tr -d ' \n')" = "ffd9" ]
}
