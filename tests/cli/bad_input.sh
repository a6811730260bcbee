#!/usr/bin/env bash
# bad_input.sh -- `backdrop` on broken, missing and unwritable files: every case
# must exit 1 with exactly one "backdrop: ..." line on stderr that carries the
# library's message, leave no output file and no temporary (.*) file behind.

# shellcheck source=common.bash
. "$(dirname "$0")/common.bash"
require_model

PHOTO=$(find_image astronaut.png) || PHOTO=$(find_image camera.png) || {
    echo "skipped: no astronaut.png or camera.png in BD_SAMPLES_DIR or BD_SHARED_DIR/testdata/images"
    exit 77
}

OUTDIR="$TMP/out" # every failing run writes here; it must stay empty
mkdir -p "$OUTDIR"
OUT="$OUTDIR/result.png"
IN="$TMP/in"
mkdir -p "$IN"

# fails DESCRIPTION ARGS...: exit 1, one error line, nothing left in $OUTDIR.
fails() {
    local desc=$1
    shift
    expect 1 "$desc" "$@" || return 1
    stderr_one_line "$desc"; sed "s|^|    msg: |" "$TMP/stderr"
    local left
    left=$(ls -A "$OUTDIR")
    if [ -z "$left" ]; then
        pass "$desc: nothing left in the output directory"
    else
        fail "$desc: left behind in the output directory: ${left//$'\n'/ }"
        rm -rf "${OUTDIR:?}"/* "${OUTDIR:?}"/.[!.]* 2>/dev/null
    fi
    return 0
}

# --- inputs -------------------------------------------------------------------------------
fails "nonexistent input" replace "$IN/no-such-photo.png" -b blur -o "$OUT" --model "$MODEL"
stderr_has "no-such-photo.png" "nonexistent input: message names the file"
fails "mask: nonexistent input" mask "$IN/no-such-photo.png" -o "$OUT" --model "$MODEL"

echo "this is not an image" >"$IN/text.png"
fails "text file as image" replace "$IN/text.png" -b blur -o "$OUT" --model "$MODEL"
stderr_has "text.png" "text file as image: message names the file"

: >"$IN/empty.png"
fails "empty file as image" replace "$IN/empty.png" -b blur -o "$OUT" --model "$MODEL"

fails "directory as image" replace "$IN" -b blur -o "$OUT" --model "$MODEL"

size=$(wc -c <"$PHOTO")
head -c 100 "$PHOTO" >"$IN/trunc100.png"
fails "PNG truncated to 100 bytes" replace "$IN/trunc100.png" -b blur -o "$OUT" --model "$MODEL"
head -c $((size / 2)) "$PHOTO" >"$IN/trunc-half.png"
fails "PNG truncated to half" replace "$IN/trunc-half.png" -b blur -o "$OUT" --model "$MODEL"
fails "mask: PNG truncated to half" mask "$IN/trunc-half.png" -o "$OUT" --model "$MODEL"

# A real JPEG: a sample if there is one, else one written by the CLI itself.
JPEG=""
for d in "${BD_SAMPLES_DIR:-}" "${BD_SHARED_DIR:+$BD_SHARED_DIR/testdata/images}" \
    "${BD_SHARED_DIR:+$BD_SHARED_DIR/testdata/backgrounds}"; do
    [ -n "$d" ] || continue
    for f in "$d"/*.jpg; do
        [ -f "$f" ] && { JPEG=$f; break 2; }
    done
done
if [ -z "$JPEG" ]; then
    "$BD_CLI" replace "$PHOTO" -b color:#808080 -o "$IN/made.jpg" --model "$MODEL" 2>/dev/null
    [ -f "$IN/made.jpg" ] && JPEG="$IN/made.jpg"
fi
if [ -n "$JPEG" ]; then
    jsize=$(wc -c <"$JPEG")
    head -c $((jsize / 2)) "$JPEG" >"$IN/trunc-half.jpg"
    fails "JPEG truncated to half" replace "$IN/trunc-half.jpg" -b blur -o "$OUT" --model "$MODEL"
    head -c 300 "$JPEG" >"$IN/trunc300.jpg"
    fails "JPEG truncated to 300 bytes" replace "$IN/trunc300.jpg" -b blur -o "$OUT" --model "$MODEL"
else
    fail "no JPEG to truncate (none in the samples, and the CLI could not write one)"
fi

# --- backgrounds ----------------------------------------------------------------------------
fails "nonexistent background" replace "$PHOTO" -b "$IN/no-such-bg.png" -o "$OUT" --model "$MODEL"
stderr_has "no-such-bg.png" "nonexistent background: message names the file"
fails "text file as background" replace "$PHOTO" -b "$IN/text.png" -o "$OUT" --model "$MODEL"
fails "truncated background" replace "$PHOTO" -b "$IN/trunc-half.png" -o "$OUT" --model "$MODEL"
fails "directory as background" replace "$PHOTO" -b "$IN" -o "$OUT" --model "$MODEL"
if [ "$(id -u)" -ne 0 ]; then
    cp "$PHOTO" "$IN/locked.png"
    chmod 000 "$IN/locked.png"
    fails "unreadable background" replace "$PHOTO" -b "$IN/locked.png" -o "$OUT" --model "$MODEL"
else
    echo "note: running as root, permission-denied cases are not testable"
fi

# --- outputs ------------------------------------------------------------------------------
fails "output in a nonexistent directory" replace "$PHOTO" -b blur -o "$OUTDIR/no/such/dir/x.png" \
    --model "$MODEL"
[ ! -e "$OUTDIR/no" ]
check $? "output in a nonexistent directory: no directory created"
fails "mask: output in a nonexistent directory" mask "$PHOTO" -o "$OUTDIR/no/x.png" --model "$MODEL"

mkdir "$OUTDIR/taken.png"
expect 1 "output path is an existing directory" replace "$PHOTO" -b blur -o "$OUTDIR/taken.png" \
    --model "$MODEL" && stderr_one_line "output path is an existing directory"
left=$(ls -A "$OUTDIR")
[ "$left" = "taken.png" ] && [ -z "$(ls -A "$OUTDIR/taken.png")" ]
check $? "output path is an existing directory: directory untouched, no temporary left (${left//$'\n'/ })"
rmdir "$OUTDIR/taken.png"

if [ "$(id -u)" -ne 0 ]; then
    mkdir "$TMP/readonly"
    chmod 555 "$TMP/readonly"
    expect 1 "output in a read-only directory" replace "$PHOTO" -b blur -o "$TMP/readonly/x.png" \
        --model "$MODEL" && stderr_one_line "output in a read-only directory"
    [ -z "$(ls -A "$TMP/readonly")" ]
    check $? "output in a read-only directory: nothing written"
fi

# An existing output survives a failed run unchanged (the write is atomic).
cp "$PHOTO" "$TMP/keep.png"
expect 1 "failed run over an existing output" replace "$IN/trunc-half.png" -b blur -o "$TMP/keep.png" \
    --model "$MODEL"
cmp -s "$PHOTO" "$TMP/keep.png"
check $? "failed run over an existing output: output unchanged"

# --- models -------------------------------------------------------------------------------
head -c 1000 "$MODEL" >"$IN/trunc.tflite"
fails "truncated model" replace "$PHOTO" -b blur -o "$OUT" --model "$IN/trunc.tflite"
stderr_has "trunc.tflite" "truncated model: message names the file"
fails "info: truncated model" info "$IN/trunc.tflite"
fails "mask: truncated model" mask "$PHOTO" -o "$OUT" --model "$IN/trunc.tflite"
head -c $(($(wc -c <"$MODEL") - 1000)) "$MODEL" >"$IN/short.tflite"
fails "model missing its last 1000 bytes" replace "$PHOTO" -b blur -o "$OUT" --model "$IN/short.tflite"
fails "PNG as model" replace "$PHOTO" -b blur -o "$OUT" --model "$PHOTO"
fails "info: PNG as model" info --model "$PHOTO"
: >"$IN/empty.tflite"
fails "empty model" replace "$PHOTO" -b blur -o "$OUT" --model "$IN/empty.tflite"
fails "directory as model" info "$IN"

fails "nonexistent --model" replace "$PHOTO" -b blur -o "$OUT" --model "$IN/no-such.tflite"
stderr_has "no model found at '$IN/no-such.tflite'" "nonexistent --model: message names the path"
BACKDROP_MODEL="$IN/env-missing.tflite" fails "nonexistent BACKDROP_MODEL" info
stderr_has "no model found at '$IN/env-missing.tflite'" "nonexistent BACKDROP_MODEL: message names the path"
stderr_has "fetch-models.sh" "nonexistent BACKDROP_MODEL: message says how to get models"
BACKDROP_MODEL="$IN/env-missing.tflite" "$BD_CLI" info --model "$MODEL" >/dev/null 2>&1
check $? "--model wins over a broken BACKDROP_MODEL"

finish
