/*
 * fuzz_data.h -- the fixed models the sidecar and pipeline targets fuzz
 * around: small ONNX files in tests/fuzz/data (scripts/make_fuzz_corpus.py),
 * found through BD_FUZZ_DATA_DIR (set by CMake to the source tree's path).
 * Each is loaded once per process and kept for its life (reachable, so not a
 * leak); a missing file is a set-up error: the process stops with a message.
 */
#ifndef BD_FUZZ_DATA_H
#define BD_FUZZ_DATA_H

#include <stdio.h>
#include <stdlib.h>

#include "backdrop.h"

static const bd_model *fuzz_fixed_model(const char *name, bd_model **slot) {
    if (*slot) return *slot;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", BD_FUZZ_DATA_DIR, name);
    bd_model *m = NULL;
    if (bd_model_create(NULL, &m) != BD_OK || bd_model_load_file(m, path) != BD_OK) {
        fprintf(stderr, "fuzz: cannot load the fixed model '%s': %s\n", path,
                m ? bd_model_last_error(m) : "out of memory");
        exit(1);
    }
    return *slot = m;
}

#endif /* BD_FUZZ_DATA_H */
