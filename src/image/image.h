/*
 * image.h -- the image module's internal interface: owned image buffers, view
 * validation, the bilinear resampling tables shared by every resize in the
 * pipeline, and the pixel operations of the matting pipeline (model input
 * preprocessing, mask upsampling, background generation, compositing).
 *
 * The operations are leaf functions: they take views and caller-owned scratch,
 * never allocate (except bd_linear_axis_set when a table grows) and have no error
 * paths; the caller (pipeline.c, the codecs) validates views first with
 * bd_image_check(). All 8-bit results are bit-exact and deterministic.
 */
#ifndef BD_IMAGE_H
#define BD_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/threadpool.h"

struct bd_img_kernels; /* kernels/img_kernels.h */

/* Hard caps for bd_image_alloc, far above any decode limit: they only stop
 * absurd requests (e.g. from a caller's arithmetic gone wrong). */
#define BD_IMAGE_MAX_DIM (1 << 20)
#if SIZE_MAX > 0xffffffffu
#define BD_IMAGE_MAX_BYTES ((size_t)1 << 34) /* 16 GiB */
#else
#define BD_IMAGE_MAX_BYTES (SIZE_MAX / 2)
#endif

/* An image that owns its pixels. view.data == pixels; rows are view.stride_bytes
 * apart, stride = width * bpp rounded up to 64; the block is 64-byte aligned. */
struct bd_image_buf {
    bd_image view;
    uint8_t *pixels; /* owned, bd_aligned_alloc, stride_bytes * height bytes */
};

/**
 * Checks that `img` is a usable view: non-NULL with non-NULL data, width and
 * height in 1..BD_IMAGE_MAX_DIM, a known format whose bit is set in
 * `allowed_formats` (a mask of 1u << BD_PIXEL_*; 0 = any), stride_bytes >=
 * width * bpp; YUYV widths even; NV12 / I420 chroma planes present with
 * strides of at least their row. On failure writes a one-line reason naming
 * `what` (e.g. "frame") into `err` and returns BD_ERR_INVALID_ARG.
 */
bd_status bd_image_check(const bd_image *img, unsigned allowed_formats, const char *what,
                         bd_err *err);

/**
 * A new upright copy of `src` (RGB family) stored with EXIF orientation 1..8
 * (see orient.c for the mapping); 5..8 swap width and height. BD_OK, or
 * BD_ERR_INVALID_ARG / BD_ERR_NO_MEMORY.
 */
bd_status bd_image_orient(const bd_image *src, int orientation, bd_image_buf **out);

/** Upper-case name of a pixel format ("RGB24", "NV12"; "unknown"). Static string. */
const char *bd_pixel_format_name(bd_pixel_format format);

/* Format families: YUV (YUYV, NV12, I420); "RGB family" = GRAY8 and the packed
 * RGB/BGR formats with or without a 4th byte. */
int bd_format_is_yuv(bd_pixel_format f);
int bd_format_is_rgb_family(bd_pixel_format f);
/* Byte offsets of R, G, B and A (-1: none) in an RGB-family pixel; gray: 0,0,0,-1. */
void bd_format_rgba_offsets(bd_pixel_format f, int off[4]);
/* BT.601 limited-range conversions of one colour (8-bit integer maths). */
void bd_rgb_to_yuv(const uint8_t rgb[3], uint8_t yuv[3]);
/* A foreground colour map (3 planes if `planar`, else [h][w][3]; 0..1, RGB; out's
 * size) into `out`, of frame's format and size (not GRAY8): packed RGB formats
 * take a 4th byte from `frame`; YUV formats (BT.601 limited range, as
 * bd_rgb_to_yuv) take chroma as the mean of the 2 or 4 pixels it covers
 * (foreground.c). */
void bd_foreground_from_tensor(const float *fgr, int planar, const bd_image *frame,
                               const bd_image *out);
/* The same for the rows [y0, y1) of out only (y0 and y1 even for 4:2:0 formats, or
 * y1 = the height), so that threads can share a frame; k: the row kernels of the
 * planar 4:2:0 case (NULL: plain C). Every row is the same whatever the split. */
void bd_foreground_rows(const float *fgr, int planar, const bd_image *frame, const bd_image *out,
                        const struct bd_img_kernels *k, int y0, int y1);
void bd_yuv_to_rgb(int y, int u, int v, uint8_t rgb[3]);

/** Format mask helper for bd_image_check. */
#define BD_FMT_BIT(f) (1u << (unsigned)(f))

/* ---------------------------------------------------------------------------
 * Bilinear sampling tables along one axis.
 *
 * For output index d the source coordinate is
 *     s = (d + 0.5) * ratio + origin - 0.5          (half-pixel centres)
 * clamped to [0, n_in - 1]; lo = floor(s), hi = min(lo + 1, n_in - 1) and the
 * weight of hi is s - lo. A plain stretch uses ratio = n_in / n_out, origin = 0;
 * a centred crop ("cover") uses ratio = 1 / scale and origin = the crop offset.
 * Everything is computed in double; the float and 11-bit fixed-point copies of
 * the weight serve the float and u8 samplers.
 */
#define BD_LERP_BITS 11
#define BD_LERP_ONE (1 << BD_LERP_BITS)

typedef struct bd_linear_axis {
    int n_out;      /* entries in use */
    int capacity;   /* entries allocated */
    int n_in;       /* source size the table was built for; 0 = not built */
    double ratio;   /* parameters it was built for (to skip rebuilding) */
    double origin;
    int32_t *lo;    /* [n_out] lower source index */
    int32_t *hi;    /* [n_out] upper source index */
    double *w;      /* [n_out] weight of hi, in [0, 1) */
    float *wf;      /* [n_out] the same as float */
    uint16_t *wq;   /* [n_out] the same in units of 1/BD_LERP_ONE, rounded */
} bd_linear_axis;

/**
 * (Re)builds `axis` for n_in -> n_out with the given ratio and origin. Allocates
 * only when n_out exceeds the capacity; does nothing when the parameters are
 * unchanged, so calling it every frame is cheap. n_in, n_out >= 1.
 * Returns BD_OK or BD_ERR_NO_MEMORY (the axis is then empty but still freeable).
 */
bd_status bd_linear_axis_set(bd_linear_axis *axis, int n_in, int n_out, double ratio,
                             double origin);
/** Frees the tables and zeroes the struct. Accepts a zeroed struct. */
void bd_linear_axis_free(bd_linear_axis *axis);

/**
 * "Cover" geometry: the scale that makes a bw x bh image cover a w x h frame
 * (max(w/bw, h/bh)), as the ratio and crop origins to pass to bd_linear_axis_set
 * for the x and y axes (centred crop).
 */
void bd_cover_geometry(int bw, int bh, int w, int h, double *ratio, double *origin_x,
                       double *origin_y);

/* ---------------------------------------------------------------------------
 * Pixel operations. Views must have passed bd_image_check; axes must have been
 * built for the sizes involved (stated per function).
 */

/**
 * Model-input preprocessing: stretches `src` (GRAY8, RGB24 or RGBA32; gray is
 * replicated, alpha ignored) to ax->n_out x ay->n_out with bilinear, half-pixel
 * centres in double precision, rounds half up to u8 and writes
 * dst[y][x][c] = lut[u8] for c = R,G,B (NHWC, dense). ax/ay: built for
 * src->width -> out width and src->height -> out height with ratio in/out,
 * origin 0. lut: 256 entries, normally u8 / 255 * scale + offset
 * (bd_tensor_lut). This reproduces the reference preprocessing exactly.
 */
void bd_image_to_tensor(const bd_image *src, const bd_linear_axis *ax, const bd_linear_axis *ay,
                        const float lut[256], float *dst);

/**
 * As bd_image_to_tensor for any format (YUV is converted to RGB per source
 * pixel, BT.601 limited range, before the bilinear blend), but only tensor
 * pixels with x0 <= x < x1 and y0 <= y < y1 are sampled; the others (letterbox
 * bars) are set to `pad`. ax/ay may have any ratio and origin (fit policies).
 */
void bd_image_to_tensor_fit(const bd_image *src, const bd_linear_axis *ax,
                            const bd_linear_axis *ay, int x0, int x1, int y0, int y1, float pad,
                            const float lut[256], float *dst);

/** How model-input pixels are laid out and normalised (bd_image_to_tensor_conv). */
typedef struct bd_tensor_map {
    int planar;           /* 0 = NHWC (interleaved), 1 = NCHW (three planes) */
    int dst_channel[3];   /* tensor channel of source R, G, B (BGR: 2, 1, 0) */
    float lut[3][256];    /* per tensor channel: u8 -> value */
    float pad[3];         /* per tensor channel: letterbox bars */
    /* row kernels for a frame taken at its own size (no resampling: matting models);
     * NULL: plain C. The values are the same either way. */
    const struct bd_img_kernels *rows;
} bd_tensor_map;

/**
 * As bd_image_to_tensor_fit with per-channel normalisation, any channel order
 * and NHWC or NCHW output (ow x oh per plane). Same sampling, bit for bit.
 */
void bd_image_to_tensor_conv(const bd_image *src, const bd_linear_axis *ax,
                             const bd_linear_axis *ay, int x0, int x1, int y0, int y1,
                             const bd_tensor_map *tm, float *dst);
/* The same for the tensor rows [r0, r1) only (threads can share a frame). */
void bd_image_to_tensor_rows(const bd_image *src, const bd_linear_axis *ax,
                             const bd_linear_axis *ay, int x0, int x1, int y0, int y1,
                             const bd_tensor_map *tm, float *dst, int r0, int r1);

/** Fills lut[v] = (float)v / 255 * scale + offset for v = 0..255. */
void bd_tensor_lut(float scale, float offset, float lut[256]);

/** How probabilities become alpha (see bd_pipeline_options). */
typedef struct bd_mask_params {
    float threshold;
    float softness; /* <= 0: alpha = p */
} bd_mask_params;

/* alpha * 255 = k * p + b (before clamping) for these mask parameters. */
void bd_mask_affine(const bd_mask_params *mp, float *k, float *b);

/**
 * The person map of an N-class model output: scores[i * n_classes + c] for
 * pixel i (dense NHWC, n_classes >= 2), cls in 0..n_classes-1. Writes prob[i],
 * the probability of class cls. Unless `force_logits`, the scores are first
 * tested over the whole map: if every value lies in [0, 1] and every pixel's
 * values sum to 1 within 1e-3 they are probabilities already and prob[i] =
 * scores[i][cls]; otherwise they are logits and prob[i] is their softmax,
 * computed stably (two classes: the sigmoid of the difference, its exp()
 * argument always <= 0; more: exp(l - max) / sum exp(l_k - max)). A NaN score
 * gives a NaN probability (the mask upsampler maps it to 0).
 * Returns 1 if the scores were taken as probabilities, 0 if as logits.
 */
int bd_class_probability(const float *scores, size_t n_pixels, int n_classes, int cls,
                         int force_logits, float *prob);

/**
 * As bd_class_probability with the scores of pixel i, class k at
 * scores[i * pixel_stride + k * class_stride] (NHWC: 1 pixel = n_classes, class 1;
 * NCHW: pixel 1, class n_pixels). mode: 0 = decide (as force_logits = 0),
 * 1 = probabilities (taken as is), 2 = logits (as force_logits = 1).
 */
int bd_class_probability_strided(const float *scores, size_t n_pixels, int n_classes, int cls,
                                 size_t pixel_stride, size_t class_stride, int mode,
                                 float *prob);

/**
 * Upsamples a probability map prob[h][w] (dense) to the GRAY8 image `alpha`
 * with bilinear, half-pixel centres, the same maths as the fused post-process:
 * each needed source row is interpolated horizontally and mapped to alpha
 * units through k * p + b (bd_mask_affine: the threshold/softness control,
 * times 255), then two rows vertically, clamped and rounded half up (NaN -> 0)
 * as bd_f32_mask_row_ref does. A plain single-threaded implementation, for
 * tests and as a reference of the pipeline's alpha.
 * ax: built for w -> alpha->width, ay: h -> alpha->height. row_tmp: unused
 * (kept for compatibility). Does nothing if its two row buffers cannot be allocated.
 */
void bd_mask_upsample(const float *prob, int w, int h, const bd_linear_axis *ax,
                      const bd_linear_axis *ay, const bd_mask_params *mp, float *row_tmp,
                      const bd_image *alpha);

/**
 * Bilinear u8 resampling of `src` (any format) into `dst` (RGB24), 11-bit
 * fixed-point weights, gray replicated, alpha dropped. ax: built for
 * src->width -> dst->width, ay: src->height -> dst->height (any ratio/origin;
 * see bd_cover_geometry for backgrounds). No antialiasing prefilter.
 */
void bd_image_resample_rgb(const bd_image *src, const bd_linear_axis *ax,
                           const bd_linear_axis *ay, const bd_image *dst);

/** Radius of the default background blur for a w x h frame: max(w, h) / 40, >= 1.
 * (The blur itself is part of the fused post-process, src/image/post.h.) */
int bd_blur_default_radius(int w, int h);

/**
 * out = (a * frame + (255 - a) * bg + 127) / 255 per channel, exact integer
 * rounding, with the best image kernels (single-threaded; the pipeline uses
 * the threaded post-process). frame: GRAY8 or packed RGB family (converted to
 * out's channel order); alpha: GRAY8; bg: RGB family (converted likewise), or
 * NULL to use the solid `color` (R,G,B); out: a 3- or 4-byte RGB-family format
 * (4th byte 255). All of one size. Does nothing if a row buffer cannot be
 * allocated.
 */
void bd_image_composite(const bd_image *frame, const bd_image *alpha, const bd_image *bg,
                        const uint8_t color[3], const bd_image *out);

/**
 * Transparent output: out (RGBA32 or BGRA32) = frame's colour with A = alpha
 * (straight, or premultiplied if `premultiply`). frame: GRAY8 or RGB family;
 * all of one size.
 */
void bd_image_attach_alpha(const bd_image *frame, const bd_image *alpha, const bd_image *out,
                           int premultiply);

/** Exact floor(x / 255) for 0 <= x < 65535 without a division (the composite
 * passes x = a * f + (255 - a) * b + 127 <= 65152, i.e. rounds to nearest). */
static inline uint32_t bd_div255(uint32_t x) { return (x + 1 + (x >> 8)) >> 8; }

/* ---------------------------------------------------------------------------
 * Temporal stability over a video (temporal.c): the person map smoothed with
 * per-pixel weights that follow the change of the model input, a restart at
 * scene cuts, and reuse of the previous map when the input is still.
 */
typedef struct bd_temporal bd_temporal;

/** For a model input of in_w x in_h x 3 (planar = NCHW) whose values are
 * (u8 / 255 - mean) / std per channel, and a map of map_w x map_h; strength in
 * [0, 1] (0 = off, 1 = strongest); its row kernels at `isa` (as
 * bd_img_kernels_get). pool (borrowed, may be NULL): the threads its passes over
 * a map of 64K pixels or more run on, in row bands; the result does not depend
 * on the number of threads. NULL if out of memory. */
bd_temporal *bd_temporal_create(int in_w, int in_h, int planar, const float std[3], int map_w,
                                int map_h, float strength, bd_isa isa, bd_threadpool *pool);
void bd_temporal_free(bd_temporal *t);
/** Forgets the past (a scene cut the caller knows of, a new frame size). */
void bd_temporal_reset(bd_temporal *t);
/** Counts one frame; returns 1 if `input` is so close to the last frame the model
 * ran on that the model run may be skipped (only if allow), then the previous
 * map (bd_temporal_state) stands for this frame. */
int bd_temporal_can_reuse(bd_temporal *t, const float *input, int allow);
/** The map of frame t (probabilities 0..1; `logits`: map holds logits) smoothed
 * with the past if `smooth`, else as is; returns the map to use (owned by t). */
const float *bd_temporal_update(bd_temporal *t, const float *input, const float *map,
                                int logits, int smooth);
/** The last map bd_temporal_update returned. */
const float *bd_temporal_state(const bd_temporal *t);
void bd_temporal_counts(const bd_temporal *t, int64_t *frames, int64_t *reused);

#endif /* BD_IMAGE_H */
