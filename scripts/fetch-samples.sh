#!/usr/bin/env bash
# Usage: scripts/fetch-samples.sh [DEST_DIR]     (default DEST_DIR: <repo>/samples)
#
# Puts the sample photos astronaut.png and camera.png in DEST_DIR, each checked against
# scripts/checksums.sha256. For each file, in order:
#   1. DEST_DIR already holds it with the right SHA-256                -> nothing to do
#   2. $BD_SHARED_DIR/testdata/images/<name> has the right SHA-256     -> copy it
#   3. `apt-get download python3-skimage` (Debian bookworm; version not pinned) into a
#      temp dir, `dpkg -x` it, take skimage/data/<name>, check it, install it (temp file + mv).
# Exits non-zero with a message when no source gives a file with the right SHA-256.
#
# Environment:
#   BD_SHARED_DIR   shared data dir (default <repo>/../shared); set to a missing path to force step 3
set -euo pipefail

SAMPLES="astronaut.png camera.png"
DEB_PACKAGE="python3-skimage"
DEB_DATA_DIR="usr/lib/python3/dist-packages/skimage/data"

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
sums_file="$script_dir/checksums.sha256"
shared_dir="${BD_SHARED_DIR:-$repo_root/../shared}"
dest="${1:-$repo_root/samples}"

log() { printf 'fetch-samples: %s\n' "$*" >&2; }
die() { printf 'fetch-samples: ERROR: %s\n' "$*" >&2; exit 1; }

[ -r "$sums_file" ] || die "missing $sums_file"
canonical_sum() { awk -v n="$1" '$1 !~ /^#/ && $2 == n { print $1; exit }' "$sums_file"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

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

# The .deb is unpacked once, on first need, into a temp dir removed on exit.
deb_root=""
ensure_deb() {
    [ -z "$deb_root" ] || return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; cannot fetch $DEB_PACKAGE"
    local work
    work=$(mktemp -d)
    tmp_files+=("$work")
    chmod 0755 "$work"
    # Let apt's sandbox user write here, so apt does not warn about an unsandboxed download.
    if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$work"; fi
    log "downloading Debian package $DEB_PACKAGE with apt-get download"
    if ! (cd "$work" && apt-get download -q "$DEB_PACKAGE" >&2); then
        # A fresh machine may have empty package lists: refresh them once (needs root).
        [ "$(id -u)" -eq 0 ] || die "apt-get download $DEB_PACKAGE failed (run 'sudo apt-get update' and retry)"
        log "apt-get download failed; running apt-get update and retrying"
        apt-get update -q >&2 || die "apt-get update failed"
        (cd "$work" && apt-get download -q "$DEB_PACKAGE" >&2) || die "apt-get download $DEB_PACKAGE failed"
    fi
    local deb
    deb=$(find "$work" -maxdepth 1 -name "${DEB_PACKAGE}_*.deb" | head -n 1)
    [ -n "$deb" ] || die "apt-get download produced no ${DEB_PACKAGE}_*.deb"
    log "unpacking $(basename "$deb")"
    dpkg -x "$deb" "$work/root" || die "dpkg -x $deb failed"
    deb_root="$work/root"
}

mkdir -p "$dest"
for name in $SAMPLES; do
    want=$(canonical_sum "$name")
    [ -n "$want" ] || die "no checksum for $name in $sums_file"
    if [ -f "$dest/$name" ]; then
        have=$(sha_of "$dest/$name")
        if [ "$have" = "$want" ]; then
            log "$name: already present and verified"
            continue
        fi
        log "$name: WARNING: $dest/$name has the wrong SHA-256 ($have), replacing it"
    fi
    shared="$shared_dir/testdata/images/$name"
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
    ensure_deb
    src="$deb_root/$DEB_DATA_DIR/$name"
    [ -f "$src" ] || die "$DEB_PACKAGE does not contain /$DEB_DATA_DIR/$name"
    log "$name: taking it from $DEB_PACKAGE"
    new_tmp "$name"
    cp "$src" "$tmp"
    install_tmp "$tmp" "$name"
done
log "samples ready in $dest"
