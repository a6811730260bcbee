/*
 * fuzz_sidecar.c -- libFuzzer target: the sidecar / conventions text parser
 * (bd_model_conventions_parse) on top of the inferred conventions of one of
 * two fixed models (the first byte picks: an NCHW probability model, or a
 * recurrent NHWC model with state pairs), then bd_pipeline_create with the
 * result, which validates every field, and one bd_pipeline_replace on a small
 * frame when it is accepted. Seeds: tests/fuzz/corpus/sidecar.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bd_model *models[2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const bd_model *m =
        fuzz_fixed_model(data[0] & 1 ? "seg_state.onnx" : "seg_nchw.onnx", &models[data[0] & 1]);
    bd_model_conventions conv = {.struct_size = sizeof conv};
    char err[256];
    if (bd_model_conventions_infer(m, &conv, err, sizeof err) != BD_OK) return 0;
    if (bd_model_conventions_parse(m, (const char *)data + 1, size - 1, "fuzz.backdrop", &conv, err,
                                   sizeof err) != BD_OK)
        return 0;
    bd_pipeline_options po;
    bd_pipeline_options_default(&po);
    po.conventions = &conv;
    po.error_buf = err;
    po.error_buf_size = sizeof err;
    bd_pipeline *p = NULL;
    if (bd_pipeline_create(m, &po, &p) == BD_OK) {
        uint8_t px[7 * 5 * 3], out[7 * 5 * 3];
        for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 37);
        bd_image frame = {7, 5, BD_PIXEL_RGB24, 7 * 3, px, {0}, {0}};
        bd_image dst = {7, 5, BD_PIXEL_RGB24, 7 * 3, out, {0}, {0}};
        bd_background bg = {.kind = BD_BG_COLOR, .color = {0, 255, 0}};
        (void)bd_pipeline_replace(p, &frame, &bg, &dst);
    }
    bd_pipeline_free(p);
    return 0;
}
