/*
 * fuzz_tflite.c -- libFuzzer target: a TFLite model from memory through
 * bd_model_load_memory, then (when it loads) conventions, one session and two
 * runs (fuzz_model.h). Inputs without the "TFL3" identifier at byte 4 are left
 * to fuzz_onnx. Built with libFuzzer it also has a structure-aware mutator
 * (fb_mutator.h): most mutations decode the FlatBuffer, edit a dim, a type, an
 * operator's wiring, code or options, a graph input or a buffer, and write it
 * back as a valid FlatBuffer, so the result mostly still loads and reaches
 * shape inference, the passes, the planner and the kernels.
 * Seeds: tests/fuzz/corpus/tflite (scripts/make_fuzz_corpus.py).
 */
#include <string.h>

#include "fuzz_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8 || memcmp(data + 4, "TFL3", 4) != 0) return 0;
    fuzz_model_input(data, size);
    return 0;
}

#ifdef BD_LIBFUZZER
#include "fb_mutator.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    /* One in five: plain byte-level mutation, so the reader's own error paths
     * (offsets and vtables out of bounds, truncated vectors) are still explored. */
    if (seed % 5 == 0) return LLVMFuzzerMutate(data, size, max_size);
    size_t n = bd_fb_mutate(data, size, max_size, seed / 5, -1);
    return n ? n : LLVMFuzzerMutate(data, size, max_size);
}
#endif
