/*
 * fuzz_tflite.c -- libFuzzer target: a TFLite model from memory through
 * bd_model_load_memory, then (when it loads) conventions, one session and two
 * runs (fuzz_model.h). Inputs without the "TFL3" identifier at byte 4 are left
 * to fuzz_onnx. Seeds: tests/fuzz/corpus/tflite (scripts/make_fuzz_corpus.py).
 */
#include <string.h>

#include "fuzz_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8 || memcmp(data + 4, "TFL3", 4) != 0) return 0;
    fuzz_model_input(data, size);
    return 0;
}
