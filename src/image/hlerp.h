/*
 * hlerp.h -- the owned block tables of the horizontal interpolation kernels
 * (bd_hlerp_table, bd_hlerp16_table of kernels/img_kernels.h): built, grown and
 * freed here, outside the kernels (which never allocate). Not thread-safe per
 * buffer; distinct buffers are independent.
 */
#ifndef BD_IMAGE_HLERP_H
#define BD_IMAGE_HLERP_H

#include "kernels/img_kernels.h"

/* An owned bd_hlerp_table: lo, hi, w are borrowed (must outlive it), the block
 * tables are built and owned. */
typedef struct bd_hlerp_buf {
    bd_hlerp_table t;
    int32_t *base;
    uint8_t *rel_lo, *rel_hi;
    int cap;
} bd_hlerp_buf;

/* (Re)builds h for n outputs (allocates when n grows: BD_ERR_NO_MEMORY). lo
 * must be non-decreasing within blocks of 16 for the block form to apply. */
bd_status bd_hlerp_build(bd_hlerp_buf *h, const int32_t *lo, const int32_t *hi, const float *w,
                         int n);
void bd_hlerp_free(bd_hlerp_buf *h);

/* An owned bd_hlerp16_table built from a pixel axis (lo, hi, w per pixel) for
 * C interleaved channels: everything is built and owned. */
typedef struct bd_hlerp16_buf {
    bd_hlerp16_table t;
    int32_t *lo, *hi, *base;
    int16_t *w;
    uint8_t *rel_lo, *rel_hi;
    int cap;
} bd_hlerp16_buf;

bd_status bd_hlerp16_build(bd_hlerp16_buf *h, const int32_t *lo_px, const int32_t *hi_px,
                           const double *w_px, int n_px, int C);
void bd_hlerp16_free(bd_hlerp16_buf *h);

#endif
