/*
 * orient.c -- turns an image stored with an EXIF orientation (1..8) into the
 * upright image a viewer shows. The output pixel (x, y) of the upright image is
 * the stored pixel (sx, sy) given, for a stored image of w x h, by:
 *
 *   1: (x, y)            as stored
 *   2: (w-1-x, y)        mirrored left-right
 *   3: (w-1-x, h-1-y)    rotated 180
 *   4: (x, h-1-y)        mirrored top-bottom
 *   5: (y, x)            transposed                    (output h x w)
 *   6: (y, h-1-x)        rotate 90 clockwise to view   (output h x w)
 *   7: (w-1-y, h-1-x)    transversed                   (output h x w)
 *   8: (w-1-y, x)        rotate 90 counter-clockwise   (output h x w)
 *
 * One pass over the output; still images only (a copy per photo, not per frame).
 */
#include <string.h>

#include "image/image.h"

bd_status bd_image_orient(const bd_image *src, int orientation, bd_image_buf **out) {
    if (!src || !out || orientation < 1 || orientation > 8 || bd_format_is_yuv(src->format))
        return BD_ERR_INVALID_ARG;
    const int w = src->width, h = src->height;
    const int swap = orientation >= 5;
    const int ow = swap ? h : w, oh = swap ? w : h;
    bd_image_buf *dst = NULL;
    bd_status st = bd_image_alloc(ow, oh, src->format, &dst);
    if (st != BD_OK) return st;
    const size_t bpp = (size_t)bd_pixel_format_bpp(src->format);
    /* sx = ax*x + bx*y + cx, sy = ay*x + by*y + cy */
    int ax = 0, bx = 0, cx = 0, ay = 0, by = 0, cy = 0;
    switch (orientation) {
    case 1: ax = 1; by = 1; break;
    case 2: ax = -1; cx = w - 1; by = 1; break;
    case 3: ax = -1; cx = w - 1; by = -1; cy = h - 1; break;
    case 4: ax = 1; by = -1; cy = h - 1; break;
    case 5: bx = 1; ay = 1; break;
    case 6: bx = 1; ay = -1; cy = h - 1; break;
    case 7: bx = -1; cx = w - 1; ay = -1; cy = h - 1; break;
    default: bx = -1; cx = w - 1; ay = 1; break; /* 8 */
    }
    for (int y = 0; y < oh; y++) {
        uint8_t *d = dst->view.data + (size_t)y * dst->view.stride_bytes;
        for (int x = 0; x < ow; x++) {
            const int sx = ax * x + bx * y + cx, sy = ay * x + by * y + cy;
            memcpy(d + (size_t)x * bpp,
                   src->data + (size_t)sy * src->stride_bytes + (size_t)sx * bpp, bpp);
        }
    }
    *out = dst;
    return BD_OK;
}
