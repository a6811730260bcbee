/*
 * foreground.c -- a matting model's foreground colour output (RVM's fgr: three
 * float planes or an interleaved [h][w][3] map in 0..1, at the frame's size) written
 * as a frame of a packed RGB-family format, so that the composite blends it instead
 * of the frame: C = fgr * a + bg * (1 - a) takes the old background's colour out of
 * hair and see-through edges. The 4th byte of a 4-byte format is the frame's; YUV
 * frames (what decoders and cameras give) get the BT.601 limited-range conversion
 * of bd_rgb_to_yuv, chroma averaged over the 2 (YUYV) or 4 (NV12, I420) pixels of
 * each sample.
 */
#include <math.h>

#include "image/image.h"
#include "kernels/img_kernels.h"

static inline uint8_t to_u8(float v) {
    /* NaN and out-of-range values clamp (a model output is not trusted) */
    if (!(v > 0.0f)) return 0;
    if (!(v < 1.0f)) return 255;
    return (uint8_t)(v * 255.0f + 0.5f);
}

/* Pixel (x, y) of the map as u8 RGB. */
static inline void rgb_at(const float *fgr, int planar, size_t plane, size_t k, uint8_t rgb[3]) {
    for (int c = 0; c < 3; c++)
        rgb[c] = to_u8(planar ? fgr[(size_t)c * plane + k] : fgr[k * 3 + (size_t)c]);
}

/* YUV: Y per pixel, U and V the mean over the sx x sy pixels of each sample. */
static void to_yuv(const float *fgr, int planar, const bd_image *out, const bd_img_kernels *k,
                   int ya, int yb) {
    const int w = out->width, h = out->height;
    const size_t plane = (size_t)w * (size_t)h;
    const int yuyv = out->format == BD_PIXEL_YUYV, nv12 = out->format == BD_PIXEL_NV12;
    const int sy = yuyv ? 1 : 2;
    if (k && planar && !yuyv) { /* the row kernel, a chroma row at a time */
        for (int y0 = ya; y0 < yb; y0 += 2) {
            const float *f0[3], *f1[3];
            for (int c = 0; c < 3; c++) {
                f0[c] = fgr + (size_t)c * plane + (size_t)y0 * (size_t)w;
                f1[c] = f0[c] + w;
            }
            uint8_t *r0 = out->data + (size_t)y0 * out->stride_bytes;
            uint8_t *u = out->plane[0] + (size_t)(y0 / 2) * out->plane_stride_bytes[0];
            uint8_t *v = nv12 ? u + 1
                              : out->plane[1] + (size_t)(y0 / 2) * out->plane_stride_bytes[1];
            k->tensor_yuv420_rows(f0, y0 + 1 < h ? f1 : NULL, r0, r0 + out->stride_bytes, u, v,
                                  nv12 ? 2 : 1, w);
        }
        return;
    }
    for (int y0 = ya; y0 < yb; y0 += sy)
        for (int x0 = 0; x0 < w; x0 += 2) {
            int su = 0, sv = 0, n = 0;
            for (int y = y0; y < y0 + sy && y < h; y++)
                for (int x = x0; x < x0 + 2 && x < w; x++) {
                    uint8_t rgb[3], yuv[3];
                    rgb_at(fgr, planar, plane, (size_t)y * (size_t)w + (size_t)x, rgb);
                    bd_rgb_to_yuv(rgb, yuv);
                    uint8_t *row = out->data + (size_t)y * out->stride_bytes;
                    if (yuyv) row[(size_t)x * 2] = yuv[0];
                    else row[x] = yuv[0];
                    su += yuv[1], sv += yuv[2], n++;
                }
            const uint8_t u = (uint8_t)((su + n / 2) / n), v = (uint8_t)((sv + n / 2) / n);
            if (yuyv) {
                uint8_t *p = out->data + (size_t)y0 * out->stride_bytes + (size_t)x0 * 2;
                p[1] = u;
                p[3] = v; /* YUYV widths are even (bd_image_check) */
            } else if (nv12) {
                uint8_t *p = out->plane[0] + (size_t)(y0 / 2) * out->plane_stride_bytes[0] +
                             (size_t)x0;
                p[0] = u;
                p[1] = v;
            } else {
                out->plane[0][(size_t)(y0 / 2) * out->plane_stride_bytes[0] + (size_t)x0 / 2] = u;
                out->plane[1][(size_t)(y0 / 2) * out->plane_stride_bytes[1] + (size_t)x0 / 2] = v;
            }
        }
}

void bd_foreground_from_tensor(const float *fgr, int planar, const bd_image *frame,
                               const bd_image *out) {
    bd_foreground_rows(fgr, planar, frame, out, NULL, 0, out->height);
}

void bd_foreground_rows(const float *fgr, int planar, const bd_image *frame, const bd_image *out,
                        const bd_img_kernels *k, int ya, int yb) {
    if (bd_format_is_yuv(out->format)) {
        to_yuv(fgr, planar, out, k, ya, yb);
        return;
    }
    const int w = out->width, h = out->height, bpp = bd_pixel_format_bpp(out->format);
    const size_t plane = (size_t)w * (size_t)h;
    int off[4];
    bd_format_rgba_offsets(out->format, off);
    for (int y = ya; y < yb; y++) {
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
