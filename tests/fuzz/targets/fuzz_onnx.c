/*
 * fuzz_onnx.c -- libFuzzer target: an ONNX model from memory through
 * bd_model_load_memory, then (when it loads) conventions, one session and two
 * runs (fuzz_model.h). Built with libFuzzer it also has a structure-aware
 * mutator (pb_mutator.h): most mutations edit the parsed protobuf (a dim, an
 * attribute, a node's input name, a repeated field) and re-serialise it with
 * the lengths recomputed, so the result still parses and mostly still loads,
 * reaching shape inference, the passes, the planner and the kernels.
 * Seeds: tests/fuzz/corpus/onnx (scripts/make_fuzz_corpus.py).
 */
#include <string.h>

#include "fuzz_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 8 && memcmp(data + 4, "TFL3", 4) == 0) return 0; /* fuzz_tflite's */
    fuzz_model_input(data, size);
    return 0;
}

#ifdef BD_LIBFUZZER
#include "pb_mutator.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    /* One in eight: plain byte-level mutation, so the reader's own error paths
     * (bad varints, lengths past the end) are still explored. */
    if (seed % 8 == 0) return LLVMFuzzerMutate(data, size, max_size);
    size_t n = bd_pb_mutate(data, size, max_size, seed);
    return n ? n : LLVMFuzzerMutate(data, size, max_size);
}
#endif
