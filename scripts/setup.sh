#!/usr/bin/env bash
# Usage: scripts/setup.sh
#
# Fresh machine -> working tool, in one command: installs the Debian packages,
# builds (Release, build/), fetches the default models and a sample photo
# (checked by SHA-256), then runs the main job: replace the background of
# samples/astronaut.png, writing out/astronaut_blur.png and out/astronaut_color.png, and
# of the clip samples/video/carphone_pristine.mp4, writing out/carphone_blur.mp4.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBD_SANITIZE=OFF >&2
cmake --build build -j"$(nproc)" >&2
scripts/fetch-models.sh
scripts/fetch-samples.sh
scripts/fetch-videos.sh

mkdir -p out
./build/backdrop replace samples/astronaut.png -b blur -o out/astronaut_blur.png -v
./build/backdrop replace samples/astronaut.png -b 'color:#2e7d32' -o out/astronaut_color.png
./build/backdrop mask samples/astronaut.png -o out/astronaut_mask.png
# The video job: a clip of a person, background blurred, re-encoded to H.264.
./build/backdrop video samples/video/carphone_pristine.mp4 -b blur -o out/carphone_blur.mp4
echo "setup: done; see out/astronaut_blur.png, out/astronaut_color.png, out/astronaut_mask.png," \
    "out/carphone_blur.mp4" >&2
