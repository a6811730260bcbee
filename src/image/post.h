/*
 * post.h -- the fused post-process: low-resolution person map -> full-resolution
 * alpha -> composite over a background, in one pass over the frame's rows,
 * split over a persistent thread pool.
 *
 * A frame is handled as one to three planes (packed formats: one; NV12: Y and
 * interleaved UV; I420: Y, U, V). For each output row a thread computes the
 * alpha row from the map (separable bilinear upsampling: each map row is
 * interpolated horizontally once into a per-thread cache, each output row is a
 * vertical interpolation of two cached rows, see bd_f32_mask_row_*), derives the
 * plane's alpha from it (chroma: the mean of the 2 or 4 luma alphas it covers),
 * fetches the background row and blends, all while the row is in L1. Nothing
 * of frame size is written except the output (and the alpha if asked for).
 *
 * The blur background is computed at a reduced resolution (factor f chosen
 * from the radius so that the work does not grow with it): the frame's planes
 * are area-averaged with the weight 256 - alpha (normalized convolution, so the
 * person does not bleed into the blur), box-blurred three times at the reduced
 * size, divided by the blurred weight and upsampled bilinearly inside the
 * composite pass.
 *
 * Results are bit-identical for every thread count and every kernel level:
 * every row (and reduced row) is computed by the same code whatever thread runs
 * it, the kernels are bit-exact with their reference, and the reduced-size
 * blur is portable C compiled once.
 */
#ifndef BD_IMAGE_POST_H
#define BD_IMAGE_POST_H

#include "core/threadpool.h"
#include "image/image.h"
#include "image/hlerp.h"

typedef struct bd_post bd_post;

typedef enum bd_post_bg {
    BD_POST_NONE = 0,        /* alpha only (alpha_out), no composite */
    BD_POST_IMAGE = 1,       /* bg: an image of the out format and frame size */
    BD_POST_COLOR = 2,       /* color[]: one pixel in the out format's bytes */
    BD_POST_BLUR = 3,        /* the frame's own background, blurred */
    BD_POST_TRANSPARENT = 4, /* out: 4-byte format, alpha in byte 3 */
} bd_post_bg;

/* The person map and how it maps onto the frame. */
typedef struct bd_post_map {
    const float *data; /* [h][w], dense */
    int w, h;
    /* alpha * 255 = clamp(k * p + b, 0, 255) after upsampling, p = the map value
     * (after the sigmoid if logits). Threshold/softness fold into k and b. */
    float k, b;
    int logits;
    /* Frame pixel x samples the map at (x + 0.5) * ratio_x + origin_x - 0.5
     * (clamped to the map), and likewise for y: the fit policy's geometry. */
    double ratio_x, origin_x, ratio_y, origin_y;
    /* Box blur radius in map pixels applied to the map before upsampling
     * (feathering); 0 = none. */
    int feather_radius;
} bd_post_map;

/* Guided-filter refinement parameters (0 radius = off). */
typedef struct bd_post_refine {
    int radius; /* in frame pixels */
    float eps;  /* on a 0..1 scale */
} bd_post_refine;

typedef struct bd_post_job {
    const bd_image *frame;     /* any format (validated) */
    const bd_image *alpha_in;  /* GRAY8 frame-size alpha, or NULL: computed from map */
    const bd_post_map *map;    /* used when alpha_in is NULL */
    const bd_image *alpha_out; /* GRAY8 frame-size, or NULL */
    bd_post_bg bg;
    const bd_image *bg_image;  /* BD_POST_IMAGE: same format and size as out */
    uint8_t color[4];          /* BD_POST_COLOR: pixel bytes in out's format (YUV: Y,U,V) */
    int blur_radius;           /* BD_POST_BLUR: >= 1, frame pixels (about a Gaussian sigma) */
    int premultiply;           /* BD_POST_TRANSPARENT */
    float light_wrap;          /* 0..1; 0 = off (image / colour / blur, packed formats,
                                * computed from the map: ignored with alpha_in) */
    const bd_image *bg_light;  /* BD_POST_IMAGE with light wrap: the background blurred,
                                * same format and size as out (cached by the caller) */
    bd_post_refine refine;
    const bd_image *out;       /* same size as frame; format: see bd_post_run */
    const bd_image *fg;        /* the foreground colour to blend instead of the frame's (a
                                * matting model's fgr), in the frame's format and size;
                                * NULL = the frame. The blur is of the frame. */
} bd_post_job;

/* n_threads >= 1 (the caller is one of them); isa caps the kernel level. */
bd_status bd_post_create(int n_threads, bd_isa isa, bd_post **out);
void bd_post_free(bd_post *post);
const bd_img_kernels *bd_post_kernels(const bd_post *post);
/* fn(ctx, ith, nth) on each of the post's threads (the caller is thread 0), for
 * the other per-pixel stages of a frame (model input, foreground colour); returns
 * when all are done. No allocation. */
void bd_post_parallel(bd_post *post, bd_task_fn fn, void *ctx);
/* The post-process's threads (borrowed: they live as long as post). */
bd_threadpool *bd_post_pool(bd_post *post);

/*
 * Runs one job. Preconditions (checked by the caller, pipeline.c): views are
 * valid and of the frame's size; out has the frame's format, or both are packed
 * RGB-family / GRAY8 formats (out not GRAY8), or for TRANSPARENT out is RGBA32 /
 * BGRA32; YUV frames need out of the same format and no TRANSPARENT.
 * Allocates only when the frame is larger than any before (BD_ERR_NO_MEMORY).
 */
bd_status bd_post_run(bd_post *post, const bd_post_job *job);

/* Blur geometry for a radius: reduction factor, box radius at the reduced size
 * and number of box passes per axis (exposed for the tests and docs). */
void bd_post_blur_geometry(int radius, int *factor, int *box_radius, int *passes);

#endif /* BD_IMAGE_POST_H */
