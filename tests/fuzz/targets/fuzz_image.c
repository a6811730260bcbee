/*
 * fuzz_image.c -- libFuzzer target: PNG and JPEG decoding from memory
 * (bd_image_read_memory), EXIF orientation included. The last byte of the
 * input picks the wanted pixel format and whether the orientation is applied;
 * the rest is the file. A 4 Mpixel limit keeps each input quick (the limit
 * check itself, before decoding, is part of what is tested).
 * Seeds: tests/fuzz/corpus/image (scripts/make_fuzz_corpus.py).
 */
#include <stdint.h>
#include <stdio.h>

#include "backdrop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t sel = data[size - 1];
    static const bd_pixel_format want[3] = {BD_PIXEL_RGB24, BD_PIXEL_RGBA32, BD_PIXEL_GRAY8};
    bd_image_limits lim;
    bd_image_limits_default(&lim);
    lim.max_pixels = (size_t)4 << 20;
    lim.keep_orientation = (sel >> 2) & 1;
    bd_image_buf *img = NULL;
    char err[256];
    if (bd_image_read_memory(data, size - 1, want[(sel & 3) % 3], &lim, &img, err, sizeof err) ==
        BD_OK) {
        const bd_image *v = bd_image_view(img);
        volatile unsigned sink = 0;
        for (int y = 0; y < v->height; y++) sink += v->data[(size_t)y * v->stride_bytes];
        (void)sink;
    }
    bd_image_free(img);
    return 0;
}
