/*
 * foreground.c -- a matting model's foreground colour output (RVM's fgr: three
 * float planes or an interleaved [h][w][3] map in 0..1, at the frame's size) written
 * as a frame of a packed RGB-family format, so that the composite blends it instead
 * of the frame: C = fgr * a + bg * (1 - a) takes the old background's colour out of
 * hair and see-through edges. The 4th byte of a 4-byte format is the frame's.
 */
#include <math.h>

#include "image/image.h"

static inline uint8_t to_u8(float v) {
    /* NaN and out-of-range values clamp (a model output is not trusted) */
    if (!(v > 0.0f)) return 0;
    if (!(v < 1.0f)) return 255;
    return (uint8_t)(v * 255.0f + 0.5f);
}

void bd_foreground_from_tensor(const float *fgr, int planar, const bd_image *frame,
                               const bd_image *out) {
    const int w = out->width, h = out->height, bpp = bd_pixel_format_bpp(out->format);
    const size_t plane = (size_t)w * (size_t)h;
    int off[4];
    bd_format_rgba_offsets(out->format, off);
    for (int y = 0; y < h; y++) {
        uint8_t *o = out->data + (size_t)y * out->stride_bytes;
        const uint8_t *f = frame->data + (size_t)y * frame->stride_bytes;
        const size_t row = (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++) {
            for (int c = 0; c < 3; c++) {
                const float v = planar ? fgr[c * plane + row + (size_t)x]
                                       : fgr[(row + (size_t)x) * 3 + (size_t)c];
                o[(size_t)x * (size_t)bpp + (size_t)off[c]] = to_u8(v);
            }
            if (off[3] >= 0)
                o[(size_t)x * (size_t)bpp + (size_t)off[3]] =
                    f[(size_t)x * (size_t)bpp + (size_t)off[3]];
        }
    }
}
