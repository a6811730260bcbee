/*
 * img_kernels.h -- the image pipeline's inner loops (row kernels) and their
 * per-ISA dispatch table (filled by kernels/dispatch.c, the same ISA ladder as
 * the network kernels' bd_kernels; the tables the kernels read are built by
 * src/image/hlerp.h).
 *
 * Every kernel works on one row (or one run of bytes): raw pointers, a count,
 * no allocation, no threads, no error paths; the caller (src/image/post.c)
 * has validated everything. Each kernel has a plain C reference in
 * src/kernels/ref/img_*_ref.c (the executable specification) and optional
 * AVX2 / AVX-512 versions in src/kernels/x86_avx2/img_*_avx2.c and
 * src/kernels/x86_avx512/img_*_avx512.c. All kernels are bit-exact with the
 * reference: integer kernels by construction, the float mask kernel because
 * it performs the same IEEE operations in the same order (separate multiply
 * and add, no FMA; the library is built with -std=c11, which turns off
 * floating-point contraction).
 *
 * Any n >= 1 is allowed; pointers need no alignment. Kernels never read or
 * write past the n elements they are given (tails use masked or scalar code),
 * so callers can pass rows of caller-owned images as they are.
 *
 * Blend arithmetic (all blend kernels, a = alpha 0..255, 255 = frame):
 *     out = (a * f + (255 - a) * b + 127) / 255     (integer division)
 * i.e. the exactly rounded mix; a = 255 gives f, a = 0 gives b.
 */
#ifndef BD_IMG_KERNELS_H
#define BD_IMG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

/* Blend n bytes with one alpha per byte: o[i] = mix(f[i], b[i], a[i]). */
typedef void (*bd_u8_blend_c1_fn)(const uint8_t *restrict f, const uint8_t *restrict b,
                                  const uint8_t *restrict a, uint8_t *o, int n);
/* Blend n pixels of 3 bytes with one alpha per pixel: o[3i+c] = mix(f[3i+c], b[3i+c], a[i]). */
typedef void (*bd_u8_blend_c3_fn)(const uint8_t *restrict f, const uint8_t *restrict b,
                                  const uint8_t *restrict a, uint8_t *o, int n);
/* Blend n pixels of 4 bytes with one alpha per pixel, then OR each 32-bit pixel
 * (little-endian load) with or_mask: 0xff000000 forces byte 3 (RGBA, BGRA,
 * RGBx) to 255; 0 leaves it blended. */
typedef void (*bd_u8_blend_c4_fn)(const uint8_t *restrict f, const uint8_t *restrict b,
                                  const uint8_t *restrict a, uint8_t *o, int n,
                                  uint32_t or_mask);

/*
 * Mask row: the vertical step of the separable bilinear mask upsampler.
 * h0, h1 are the horizontally interpolated source rows in alpha units plus
 * one half (so that truncation rounds; any float), wy the vertical weight:
 *     v = h0[i] + (h1[i] - h0[i]) * wy;  v = max(v, 0.5) (NaN -> 0.5);
 *     v = min(v, 255.5);  alpha[i] = (uint8_t)v   (truncation)
 * i.e. alpha = round-half-up(clamp(v - 0.5, 0, 255)).
 */
typedef void (*bd_f32_mask_row_fn)(const float *restrict h0, const float *restrict h1, float wy,
                                   uint8_t *restrict alpha, int n);

/*
 * Horizontal bilinear interpolation of one source row g to t->n outputs, then
 * an affine map (the mask's threshold/softness, in alpha units):
 *     out[x] = (g[lo[x]] + (g[hi[x]] - g[lo[x]]) * w[x]) * k + b
 * (the horizontal step of the mask upsampler, once per source row). The SIMD
 * versions use the block tables (base, rel_lo, rel_hi: outputs in blocks of 16
 * take their sources from the 32 floats g[base .. base + 31]) when they exist,
 * so g must be readable up to base + 31 (callers pad it by 32 floats; the
 * extra values are never used). Bit-exact with the reference.
 */
typedef struct bd_hlerp_table {
    int n;                     /* outputs */
    const int32_t *lo, *hi;    /* [n] source indices */
    const float *w;            /* [n] weight of hi */
    const int32_t *base;       /* [(n + 15) / 16] lo of each block's first output, or NULL
                                * when some block spans 32 sources or more */
    const uint8_t *rel_lo, *rel_hi; /* [n] lo - base, hi - base of the output's block */
} bd_hlerp_table;

typedef void (*bd_f32_hlerp_row_fn)(const float *restrict g, const bd_hlerp_table *t, float k,
                                    float b, float *restrict out);


/*
 * 16-bit fixed-point horizontal interpolation of a row of interleaved
 * channels (the reduced-size blurred background, values u8 * 128): output
 * value j = x * C + c reads source values lo[j] = lo_px[x] * C + c and hi[j]:
 *     out[j] = s[lo[j]] + (((s[hi[j]] - s[lo[j]]) * w[j] + 16384) >> 15)
 * with w[j] in 0..32767 (units of 2^-15). Block form as bd_hlerp_table, in
 * blocks of 32 values reading 64 source values from base (s readable up to
 * base + 63: callers pad by 64 values).
 */
typedef struct bd_hlerp16_table {
    int n;                          /* output values */
    const int32_t *lo, *hi;         /* [n] source value indices */
    const int16_t *w;               /* [n] */
    const int32_t *base;            /* [(n + 31) / 32] or NULL */
    const uint8_t *rel_lo, *rel_hi; /* [n] */
} bd_hlerp16_table;

typedef void (*bd_i16_hlerp_row_fn)(const int16_t *restrict s, const bd_hlerp16_table *t,
                                    int16_t *restrict out);


/*
 * 16-bit fixed-point vertical interpolation (backgrounds upsampled from a
 * reduced resolution): values are u8 * 128 (7 fraction bits), wy in 0..32767
 * (units of 2^-15):
 *     v = h0[i] + (((h1[i] - h0[i]) * wy + 16384) >> 15);  o[i] = (v + 64) >> 7
 * (the rounding multiply of PMULHRSW; v stays in 0..32640 for h0, h1 in it).
 */
typedef void (*bd_i16_lerp_row_fn)(const int16_t *restrict h0, const int16_t *restrict h1,
                                   int16_t wy, uint8_t *restrict o, int n);

/*
 * Blur accumulation (reduced-resolution background blur): for n pixels of
 * bpp (3 or 4) bytes, with weight w = 256 - a[i] (1..256, so that the person
 * keeps a tiny weight and a neighbourhood that is all person still has one):
 *     acc[4*i + c] += f[bpp*i + c] * w   (c = 0, 1, 2; a 4th byte is ignored)
 *     acc[4*i + 3] += w
 * The products fit 16 bits; the sums are 32-bit.
 */
typedef void (*bd_u8_blur_accum_fn)(const uint8_t *restrict f, const uint8_t *restrict a,
                                    uint32_t *restrict acc, int n);

/*
 * Guide luma for the edge refinement: n packed pixels of bpp (3 or 4) bytes
 * with R at byte ri and B at byte 2 - ri (ri = 0 for RGB order, 2 for BGR):
 *     L = (19 R + 37 G + 8 B + 32) >> 6    (weights 0.30, 0.58, 0.125)
 */
typedef void (*bd_u8_luma_fn)(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri);

/*
 * Refined alpha (guided filter output): A and B are the filter's coefficient
 * rows interpolated horizontally (two source rows each), wy the vertical
 * weight, L the guide's luma:
 *     a = a0 + (a1 - a0) * wy;  b = b0 + (b1 - b0) * wy;  v = a * L + b;
 *     alpha = (uint8_t)min(max(v, 0.5), 255.5)     (b carries the + 0.5)
 */
typedef void (*bd_f32_refine_row_fn)(const float *restrict a0, const float *restrict a1,
                                     const float *restrict b0, const float *restrict b1,
                                     float wy, const uint8_t *restrict luma,
                                     uint8_t *restrict alpha, int n);

/*
 * Transparent output: RGB24 (3-byte) pixels + alpha -> 4-byte pixels
 * (c0, c1, c2, a); premultiplied: c = (c * a + 127) / 255.
 */
typedef void (*bd_u8_attach_c3_fn)(const uint8_t *restrict f, const uint8_t *restrict a,
                                   uint8_t *restrict o, int n, int premultiply);

/*
 * YUV planes (kernels/templates/yuv_rows.inc, one definition for every level):
 *
 * Blur accumulation of a plane of C = 1, 2 or 4 (YUYV pairs) interleaved channels,
 * w = 256 - a[i]:
 *     acc[(C+1)*i + c] += f[C*i + c] * w  (c < C);   acc[(C+1)*i + C] += w
 * Chroma alpha of a 4:2:0 frame from two full-resolution alpha rows, n chroma
 * samples whose luma pairs are both inside the row (the caller does an odd
 * last one):  m = (a0[2i] + a0[2i+1] + a1[2i] + a1[2i+1] + 2) >> 2;
 *     o[i] = m (avg2x2), or o[2i] = o[2i+1] = m (avg2x2_dup: NV12's UV bytes).
 * YUYV: n pixel pairs, m = (a[2i] + a[2i+1] + 1) >> 1; o[i] = m (pair_avg) or
 *     (o[4i], o[4i+1], o[4i+2], o[4i+3]) = (a[2i], m, a[2i+1], m) (pair_expand).
 */
typedef void (*bd_u8_avg2x2_fn)(const uint8_t *restrict a0, const uint8_t *restrict a1,
                                uint8_t *restrict o, int n);
typedef void (*bd_u8_pairs_fn)(const uint8_t *restrict a, uint8_t *restrict o, int n);

/*
 * Blur normalisation (kernels/templates/blur_rows.inc): n reduced pixels of 4
 * floats (3 weighted colour sums, then the weight sum, >= 1) -> C = 3 or 4
 * int16 values (u8 * 128): v = s[c] * (128 / s[3]) + 0.5, clamped to
 * [0, 32640] (NaN -> 0), truncated; a 4th value is 32640 (opaque).
 */
typedef void (*bd_f32_blur_norm4_fn)(const float *restrict s, int16_t *restrict d, int n, int C);

/*
 * The temporal smoother (src/image/temporal.c; kernels/templates/temporal_rows.inc):
 *   quant3 / quant1: model input values -> int16 levels, round(clamp(v * q,
 *       +-32000)); quant3 de-interleaves n 3-channel pixels into 3 planes.
 *   change_row: r[x] = min(255, max_c |a_c[x] - b_c[x]|), planes `plane` apart.
 *   hbox5: out[x] = sum of padded[x .. x + 4] (a row padded by 2 on each side).
 *   vbox5: v = sum of rows[0..4][x]; d[x] = v * scale; returns the sum of v and
 *       sets *n_high to the count of v >= hi_sum (exact integers).
 *   clamp_prob: out = in clamped to [0, 1], NaN and values <= 1e-6 -> 0 (in place allowed).
 *   smooth_row: the state update of temporal.c (m from d, weight, deadband).
 */
typedef struct bd_tmp_params {
    float lo, inv_range; /* m = clamp((d - lo) * inv_range, 0, 1) */
    float w_still, dead, leak;
} bd_tmp_params;
typedef void (*bd_tmp_quant3_fn)(const float *restrict in, const float q[3],
                                 int16_t *restrict o0, int16_t *restrict o1,
                                 int16_t *restrict o2, int n);
typedef void (*bd_tmp_quant1_fn)(const float *restrict in, float q, int16_t *restrict o, int n);
typedef void (*bd_tmp_change_row_fn)(const int16_t *restrict a, const int16_t *restrict b,
                                     size_t plane, int16_t *restrict r, int n);
typedef void (*bd_tmp_hbox5_fn)(const int16_t *restrict padded, int16_t *restrict out, int n);
typedef int (*bd_tmp_vbox5_fn)(const int16_t *const rows[5], float scale, int hi_sum,
                               float *restrict d, int *n_high, int n);
typedef void (*bd_tmp_clamp_prob_fn)(const float *in, float *out, int n);
typedef void (*bd_tmp_smooth_row_fn)(const float *restrict d, const float *restrict p,
                                     float *restrict s, const bd_tmp_params *prm, int n);

/*
 * The frame-size tensor kernels (matting models take and give the frame at its own
 * size; kernels/templates/tensor_rows.inc, reference kernels/ref/tensor_rows_ref.c,
 * one pixel's formula in kernels/templates/tensor_px.h). BT.601 limited range, the
 * 8-bit integer forms of bd_yuv_to_rgb and bd_rgb_to_yuv.
 *
 * yuv420_tensor_row: model input from pixels [x0, x1) of one row of a 4:2:0 frame
 * (no resampling): luma y[x], chroma u[(x / 2) * cstep] and v[(x / 2) * cstep]
 * (cstep 1: I420's planes; 2: NV12's UV bytes, v = u + 1) -> R, G, B as
 * bd_yuv_to_rgb -> o[0][x] = lut[0][R], o[1][x] = lut[1][G], o[2][x] = lut[2][B].
 *
 * tensor_yuv420_rows: one chroma row of a 4:2:0 frame from three float planes in
 * 0..1 (a matting model's fgr), pixels [0, n) of rows f0 and f1 (f1 NULL: a last,
 * odd row): each value -> a byte (v * 255 + 0.5 truncated; NaN and v <= 0 -> 0,
 * v >= 1 -> 255), R, G, B -> Y, U, V as bd_rgb_to_yuv; y0[x] (y1[x]) the luma;
 * chroma sample i the rounded mean (sum + count / 2) / count of the U (V) of the
 * pixels 2i, 2i + 1 (those < n) of both rows, at u[i * cstep] and v[i * cstep].
 */
typedef void (*bd_yuv420_tensor_row_fn)(const uint8_t *restrict y, const uint8_t *restrict u,
                                        const uint8_t *restrict v, int cstep,
                                        const float *const lut[3], float *const o[3], int x0,
                                        int x1);
typedef void (*bd_tensor_yuv420_rows_fn)(const float *const f0[3], const float *const f1[3],
                                         uint8_t *y0, uint8_t *y1, uint8_t *u, uint8_t *v,
                                         int cstep, int n);

typedef struct bd_img_kernels {
    bd_isa isa; /* the level these kernels were chosen for */
    bd_u8_blend_c1_fn blend_c1;
    bd_u8_blend_c3_fn blend_c3;
    bd_u8_blend_c4_fn blend_c4;
    bd_f32_mask_row_fn mask_row;
    bd_f32_hlerp_row_fn hlerp_row;
    bd_i16_lerp_row_fn lerp16_row;
    bd_i16_hlerp_row_fn hlerp16_row;
    bd_u8_blur_accum_fn blur_accum_c3;
    bd_u8_blur_accum_fn blur_accum_c4;
    bd_u8_attach_c3_fn attach_c3;
    bd_u8_luma_fn luma_c3;
    bd_u8_luma_fn luma_c4;
    bd_f32_refine_row_fn refine_row;
    /* YUV planes */
    bd_u8_blur_accum_fn blur_accum_y1, blur_accum_y2, blur_accum_y4; /* C = 1, 2, 4 */
    bd_u8_avg2x2_fn avg2x2, avg2x2_dup;
    bd_u8_pairs_fn pair_avg, pair_expand;
    bd_f32_blur_norm4_fn blur_norm4;
    /* the temporal smoother */
    bd_tmp_quant3_fn tmp_quant3;
    bd_tmp_quant1_fn tmp_quant1;
    bd_tmp_change_row_fn tmp_change_row;
    bd_tmp_hbox5_fn tmp_hbox5;
    bd_tmp_vbox5_fn tmp_vbox5;
    bd_tmp_clamp_prob_fn tmp_clamp_prob;
    bd_tmp_smooth_row_fn tmp_smooth_row;
    /* frame-size tensors */
    bd_yuv420_tensor_row_fn yuv420_tensor_row;
    bd_tensor_yuv420_rows_fn tensor_yuv420_rows;
} bd_img_kernels;

/*
 * The kernel table for an ISA level (BD_ISA_AUTO = bd_isa_resolve(AUTO), i.e.
 * the best the CPU supports under the BD_ISA environment cap). A level that was
 * not built or that the CPU lacks falls back to the next lower one. The tables
 * are filled once (kernels/dispatch.c) and immutable; the call is thread-safe.
 */
const bd_img_kernels *bd_img_kernels_get(bd_isa isa);

/* Per-ISA init functions (x86_<isa>/init_<isa>.c): each overrides the entries
 * its directory implements, as bd_kernels_init_<isa> does for bd_kernels. */
void bd_img_kernels_init_avx2(bd_img_kernels *k);
void bd_img_kernels_init_avx512(bd_img_kernels *k);

/* The kernels themselves, for the tests and the benchmark: the set every level
 * has (hand-written per ISA in x86_<isa>/img_blend_<isa>.c), declared once. */
#define BD_DECLARE_IMG_KERNELS(sfx)                                                                \
    void bd_u8_blend_c1_##sfx(const uint8_t *restrict f, const uint8_t *restrict b,                \
                              const uint8_t *restrict a, uint8_t *o, int n);                       \
    void bd_u8_blend_c3_##sfx(const uint8_t *restrict f, const uint8_t *restrict b,                \
                              const uint8_t *restrict a, uint8_t *o, int n);                       \
    void bd_u8_blend_c4_##sfx(const uint8_t *restrict f, const uint8_t *restrict b,                \
                              const uint8_t *restrict a, uint8_t *o, int n, uint32_t or_mask);     \
    void bd_f32_hlerp_row_##sfx(const float *restrict g, const bd_hlerp_table *t, float k,         \
                                float b, float *restrict out);                                     \
    void bd_f32_mask_row_##sfx(const float *restrict h0, const float *restrict h1, float wy,       \
                               uint8_t *restrict alpha, int n);                                    \
    void bd_i16_lerp_row_##sfx(const int16_t *restrict h0, const int16_t *restrict h1, int16_t wy, \
                               uint8_t *restrict o, int n);                                        \
    void bd_i16_hlerp_row_##sfx(const int16_t *restrict s, const bd_hlerp16_table *t,              \
                                int16_t *restrict out);                                            \
    void bd_u8_blur_accum_c3_##sfx(const uint8_t *restrict f, const uint8_t *restrict a,           \
                                   uint32_t *restrict acc, int n);                                 \
    void bd_u8_blur_accum_c4_##sfx(const uint8_t *restrict f, const uint8_t *restrict a,           \
                                   uint32_t *restrict acc, int n);                                 \
    void bd_u8_attach_c3_##sfx(const uint8_t *restrict f, const uint8_t *restrict a,               \
                               uint8_t *restrict o, int n, int premultiply);
/* ... and those only some levels have (AVX2 uses the reference's). */
#define BD_DECLARE_IMG_KERNELS_LUMA(sfx)                                                           \
    void bd_u8_luma_c3_##sfx(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri);    \
    void bd_u8_luma_c4_##sfx(const uint8_t *restrict f, uint8_t *restrict luma, int n, int ri);    \
    void bd_f32_refine_row_##sfx(const float *restrict a0, const float *restrict a1,               \
                                 const float *restrict b0, const float *restrict b1, float wy,     \
                                 const uint8_t *restrict luma, uint8_t *restrict alpha, int n);
BD_DECLARE_IMG_KERNELS(ref)
BD_DECLARE_IMG_KERNELS_LUMA(ref)
#if defined(BD_HAVE_AVX2)
BD_DECLARE_IMG_KERNELS(avx2)
#endif
#if defined(BD_HAVE_AVX512)
BD_DECLARE_IMG_KERNELS(avx512)
BD_DECLARE_IMG_KERNELS_LUMA(avx512)
#endif

/* The template kernels (templates/yuv_rows.inc, templates/temporal_rows.inc), one set per level. */
#define BD_TMPL_KERNELS(sfx)                                                                  \
    void bd_u8_blur_accum_y1_##sfx(const uint8_t *restrict f, const uint8_t *restrict a,     \
                                   uint32_t *restrict acc, int n);                           \
    void bd_u8_blur_accum_y2_##sfx(const uint8_t *restrict f, const uint8_t *restrict a,     \
                                   uint32_t *restrict acc, int n);                           \
    void bd_u8_blur_accum_y4_##sfx(const uint8_t *restrict f, const uint8_t *restrict a,     \
                                   uint32_t *restrict acc, int n);                           \
    void bd_u8_avg2x2_##sfx(const uint8_t *restrict a0, const uint8_t *restrict a1,          \
                            uint8_t *restrict o, int n);                                     \
    void bd_u8_avg2x2_dup_##sfx(const uint8_t *restrict a0, const uint8_t *restrict a1,      \
                                uint8_t *restrict o, int n);                                 \
    void bd_f32_blur_norm4_##sfx(const float *restrict s, int16_t *restrict d, int n, int C); \
    void bd_u8_pair_avg_##sfx(const uint8_t *restrict a, uint8_t *restrict o, int n);        \
    void bd_u8_pair_expand_##sfx(const uint8_t *restrict a, uint8_t *restrict o, int n);     \
    void bd_tmp_quant3_##sfx(const float *restrict in, const float q[3],                     \
                             int16_t *restrict o0, int16_t *restrict o1,                     \
                             int16_t *restrict o2, int n);                                   \
    void bd_tmp_quant1_##sfx(const float *restrict in, float q, int16_t *restrict o, int n); \
    void bd_tmp_change_row_##sfx(const int16_t *restrict a, const int16_t *restrict b,       \
                                 size_t plane, int16_t *restrict r, int n);                  \
    void bd_tmp_hbox5_##sfx(const int16_t *restrict padded, int16_t *restrict out, int n);   \
    int bd_tmp_vbox5_##sfx(const int16_t *const rows[5], float scale, int hi_sum,            \
                           float *restrict d, int *n_high, int n);                           \
    void bd_tmp_clamp_prob_##sfx(const float *in, float *out, int n);      \
    void bd_tmp_smooth_row_##sfx(const float *restrict d, const float *restrict p,           \
                                 float *restrict s, const bd_tmp_params *prm, int n);
BD_TMPL_KERNELS(ref)
#if defined(BD_HAVE_AVX2)
BD_TMPL_KERNELS(avx2)
#endif
#if defined(BD_HAVE_AVX512)
BD_TMPL_KERNELS(avx512)
#endif

/* The frame-size tensor kernels (templates/tensor_rows.inc; the reference is
 * kernels/ref/tensor_rows_ref.c). */
#define BD_TENSOR_KERNELS(sfx)                                                                \
    void bd_u8_yuv420_tensor_row_##sfx(const uint8_t *restrict y, const uint8_t *restrict u,  \
                                       const uint8_t *restrict v, int cstep,                  \
                                       const float *const lut[3], float *const o[3], int x0,  \
                                       int x1);                                               \
    void bd_f32_tensor_yuv420_rows_##sfx(const float *const f0[3], const float *const f1[3],  \
                                         uint8_t *y0, uint8_t *y1, uint8_t *u, uint8_t *v,    \
                                         int cstep, int n);
BD_TENSOR_KERNELS(ref)
#if defined(BD_HAVE_AVX2)
BD_TENSOR_KERNELS(avx2)
#endif
#if defined(BD_HAVE_AVX512)
BD_TENSOR_KERNELS(avx512)
#endif
#define BD_FILL_TENSOR_KERNELS(k, sfx)                                                            \
    do {                                                                                          \
        (k)->yuv420_tensor_row = bd_u8_yuv420_tensor_row_##sfx;                                   \
        (k)->tensor_yuv420_rows = bd_f32_tensor_yuv420_rows_##sfx;                                \
    } while (0)

/* Table filling for an init function: k->blend_c1 = bd_u8_blend_c1_<sfx>, ... */
#define BD_FILL_IMG_KERNELS(k, sfx)                                                                \
    do {                                                                                           \
        (k)->blend_c1 = bd_u8_blend_c1_##sfx;                                                      \
        (k)->blend_c3 = bd_u8_blend_c3_##sfx;                                                      \
        (k)->blend_c4 = bd_u8_blend_c4_##sfx;                                                      \
        (k)->mask_row = bd_f32_mask_row_##sfx;                                                     \
        (k)->hlerp_row = bd_f32_hlerp_row_##sfx;                                                   \
        (k)->lerp16_row = bd_i16_lerp_row_##sfx;                                                   \
        (k)->hlerp16_row = bd_i16_hlerp_row_##sfx;                                                 \
        (k)->blur_accum_c3 = bd_u8_blur_accum_c3_##sfx;                                            \
        (k)->blur_accum_c4 = bd_u8_blur_accum_c4_##sfx;                                            \
        (k)->attach_c3 = bd_u8_attach_c3_##sfx;                                                    \
    } while (0)
#define BD_FILL_IMG_KERNELS_LUMA(k, sfx)                                                           \
    do {                                                                                           \
        (k)->luma_c3 = bd_u8_luma_c3_##sfx;                                                        \
        (k)->luma_c4 = bd_u8_luma_c4_##sfx;                                                        \
        (k)->refine_row = bd_f32_refine_row_##sfx;                                                 \
    } while (0)
#define BD_FILL_TMPL_KERNELS(k, sfx)                                                               \
    do {                                                                                           \
        (k)->blur_accum_y1 = bd_u8_blur_accum_y1_##sfx;                                            \
        (k)->blur_accum_y2 = bd_u8_blur_accum_y2_##sfx;                                            \
        (k)->blur_accum_y4 = bd_u8_blur_accum_y4_##sfx;                                            \
        (k)->avg2x2 = bd_u8_avg2x2_##sfx;                                                          \
        (k)->avg2x2_dup = bd_u8_avg2x2_dup_##sfx;                                                  \
        (k)->pair_avg = bd_u8_pair_avg_##sfx;                                                      \
        (k)->pair_expand = bd_u8_pair_expand_##sfx;                                                \
        (k)->blur_norm4 = bd_f32_blur_norm4_##sfx;                                                 \
        (k)->tmp_quant3 = bd_tmp_quant3_##sfx;                                                     \
        (k)->tmp_quant1 = bd_tmp_quant1_##sfx;                                                     \
        (k)->tmp_change_row = bd_tmp_change_row_##sfx;                                             \
        (k)->tmp_hbox5 = bd_tmp_hbox5_##sfx;                                                       \
        (k)->tmp_vbox5 = bd_tmp_vbox5_##sfx;                                                       \
        (k)->tmp_clamp_prob = bd_tmp_clamp_prob_##sfx;                                             \
        (k)->tmp_smooth_row = bd_tmp_smooth_row_##sfx;                                             \
    } while (0)

#endif /* BD_IMG_KERNELS_H */
