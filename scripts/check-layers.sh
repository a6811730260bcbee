#!/usr/bin/env bash
# Usage: scripts/check-layers.sh [ROOT]
#
# The source tree's floors (docs/ARCHITECTURE.md), checked with grep: each folder of
# src/ may include only the folders below it, so include arrows point downwards and
# no two folders include each other. tools/ and gst/ see the library only through
# include/backdrop.h. Vector intrinsics appear only under src/kernels/x86_* (CPU
# detection and the spin-wait hint in src/core aside). Exits 1 and lists every
# offending line; run by the test suite (ctest: check_layers).
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

# folder -> the folders of src/ it may include besides itself
declare -A allowed=(
    [core]=""
    [ir]="core"
    [kernels]="core"
    [import]="core ir"
    [passes]="core ir"
    [runtime]="core ir import passes kernels"
    [image]="core kernels"
    [pipeline]="core kernels image runtime"
    [io]="core kernels image"
)
layers="${!allowed[*]}"
bad=0
report() { printf 'check-layers: %s\n' "$*" >&2; bad=1; }

for dir in src/*/; do
    d=$(basename "$dir")
    [ -n "${allowed[$d]+x}" ] || { report "src/$d: a folder with no place in the layer table"; continue; }
    ok=" $d ${allowed[$d]} "
    while IFS=: read -r file line text; do
        inc=$(printf '%s' "$text" | sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p')
        [ -n "$inc" ] || continue
        case " $layers " in *" $inc "*) ;; *) continue ;; esac # not a src/ folder
        case "$ok" in *" $inc "*) ;; *) report "$file:$line: src/$d may not include $inc/ ($text)" ;; esac
    done < <(grep -rn --include='*.c' --include='*.h' --include='*.inc' '#[[:space:]]*include[[:space:]]*"' "$dir")
done

# The CLI, the element and their headers: only the public header of the library.
while IFS=: read -r file line text; do
    inc=$(printf '%s' "$text" | sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z_]*\)\/.*/\1/p')
    case " $layers " in *" $inc "*) report "$file:$line: outside src/, include only backdrop.h ($text)" ;; esac
done < <(grep -rn --include='*.c' --include='*.h' '#[[:space:]]*include[[:space:]]*"' tools gst)

# Intrinsics headers only in the ISA folders (and CPU detection / spin-wait in core).
while IFS=: read -r file line text; do
    case "$file" in
    src/kernels/x86_*|src/core/cpu.c|src/core/threadpool.c) ;;
    *) report "$file:$line: vector intrinsics outside src/kernels/x86_* ($text)" ;;
    esac
done < <(grep -rnE --include='*.c' --include='*.h' --include='*.inc' \
    '#[[:space:]]*include[[:space:]]*<[a-z]*intrin\.h>|#[[:space:]]*include[[:space:]]*<arm_neon\.h>' src tools gst)

if [ "$bad" = 0 ]; then
    echo "check-layers: ok (src/: ${layers// /, })"
fi
exit "$bad"
