/*
 * fuzz_model.h -- what the two model fuzz targets do with one input, through the
 * public API only: load it from memory under tight limits, and when it loads,
 * infer its conventions, create a one-thread session, fill every input with a
 * fixed pattern, run once and read every output.
 *
 * The limits keep one input's work small (a few MB, well under a second), so
 * the fuzzer explores breadth instead of timing out on models of legal but huge
 * size; they are the library's own caps (bd_model_options), which are part of
 * what is being tested. BD_FUZZ_VERBOSE=1 prints "load: ok" or the load error
 * per input (used to measure the share of a corpus that loads).
 */
#ifndef BD_FUZZ_MODEL_H
#define BD_FUZZ_MODEL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "backdrop.h"

/* Multiply-adds above this skip the run (the load and compile still happen). */
#define FUZZ_MAX_MACS ((int64_t)4 * 1000 * 1000)

static void fuzz_model_input(const uint8_t *data, size_t size) {
    bd_model_options o;
    bd_model_options_default(&o);
    o.max_file_bytes = (size_t)4 << 20;
    o.max_tensor_bytes = (size_t)16 << 20;
    o.max_arena_bytes = (size_t)64 << 20;
    o.max_ops = 512;
    o.max_tensors = 4096;
    o.input_width = 17; /* free spatial dims get odd sizes */
    o.input_height = 9;
    bd_model *m = NULL;
    if (bd_model_create(&o, &m) != BD_OK) return;
    bd_status st = bd_model_load_memory(m, data, size);
    if (getenv("BD_FUZZ_VERBOSE"))
        fprintf(stderr, "load: %s%s%s\n",
                st == BD_OK ? "ok" : "error: ", st == BD_OK ? "" : bd_model_last_error(m), "");
    if (st != BD_OK) goto done;

    bd_model_conventions conv = {.struct_size = sizeof conv};
    char err[256];
    (void)bd_model_conventions_infer(m, &conv, err, sizeof err);

    bd_model_stats stats = {.struct_size = sizeof stats};
    if (bd_model_get_stats(m, &stats) != BD_OK || stats.n_macs > FUZZ_MAX_MACS) goto done;
    bd_session_options so;
    bd_session_options_default(&so);
    so.n_threads = 1;
    bd_session *s = NULL;
    if (bd_session_create(m, &so, &s) != BD_OK) goto done;
    for (int i = 0; i < bd_model_n_inputs(m); i++) {
        float *in = NULL;
        size_t n = 0;
        if (bd_session_input(s, i, &in, &n) != BD_OK) continue;
        for (size_t k = 0; k < n; k++) in[k] = (float)((k * 7 + (size_t)i) % 17) / 8.0f - 1.0f;
    }
    if (bd_session_run(s) == BD_OK) {
        volatile float sink = 0;
        for (int i = 0; i < bd_model_n_outputs(m); i++) {
            const float *out = NULL;
            size_t n = 0;
            if (bd_session_output(s, i, &out, &n) != BD_OK) continue;
            for (size_t k = 0; k < n; k++) sink += out[k];
        }
        (void)sink;
        (void)bd_session_run(s); /* twice: recurrent state carried over */
    }
    bd_session_free(s);
done:
    bd_model_free(m);
}

#endif /* BD_FUZZ_MODEL_H */
