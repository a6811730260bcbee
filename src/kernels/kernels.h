/*
 * kernels.h -- the kernel interface: parameter structs, function types and the
 * per-ISA dispatch table.
 *
 * A kernel is a leaf: raw pointers, sizes and a params struct; no allocation, no
 * threads, no errors (the verifier checked every precondition). Spatial kernels
 * compute output rows [y0, y1) of one image, so the runtime can split rows across
 * threads without the kernel knowing. Activations are NHWC, batch 1 per call.
 *
 * Every kernel has a `_ref` version in kernels/ref/ (the executable
 * specification). Faster versions live in one directory per ISA and are installed
 * into the table by dispatch.c; a kernel test compares each one with `_ref`.
 *
 * The activation enum bd_act comes from ir.h (a plain enum, no graph access).
 */
#ifndef BD_KERNELS_H
#define BD_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"
#include "core/ops.h"

/* The epilogue activation of a kernel. */
typedef struct bd_act_params {
    bd_act act;
    float min, max; /* BD_ACT_CLAMP */
} bd_act_params;

/* Geometry of a convolution-like op on one NHWC image. */
typedef struct bd_conv_params {
    int in_h, in_w, in_c;
    int out_h, out_w, out_c;
    int k_h, k_w;
    int stride_h, stride_w;
    int dil_h, dil_w;
    int pad_top, pad_left;   /* bottom/right padding is implied by out_h/out_w */
    int depth_multiplier;    /* depthwise: out_c = in_c * depth_multiplier */
    bd_act_params act;
    int residual_after_act;  /* dwconv only: out = act(acc + bias) + residual */
    /* conv2d at levels with conv2d_oc_block > 0 (see bd_kernels): compute only
     * output channels [oc_begin, oc_end), both multiples of conv2d_oc_block
     * (oc_end may be out_c); oc_end == 0 means all. Not with BD_ACT_TANH. */
    int oc_begin, oc_end;
} bd_conv_params;

/* Convolutions compute, for output rows [y0, y1),
 *   out = act(conv(in, w) + bias + residual)      (residual may be NULL)
 * or, for dwconv2d with p->residual_after_act set (a residual block whose add
 * follows the activation, `x + relu(dw(x))`),
 *   out = act(conv(in, w) + bias) + residual
 * `packed` is what the same table's pack function produced from the weights and
 * bias at compile time (the reference layout is a plain copy: weights then bias).
 * Source layouts given to the pack functions:
 *   conv2d:   w [out_c, k_h, k_w, in_c], bias [out_c]
 *   dwconv2d: w [k_h, k_w, out_c], bias [out_c]
 *   tconv2d:  w [out_c, k_h, k_w, in_c], bias [out_c]; out[y*s - pad + f] += in[y] * w[f]
 * residual, when present, has the output's shape and layout. */
typedef void (*bd_conv_fn)(const bd_conv_params *p, const float *restrict in,
                           const float *restrict packed, const float *restrict residual,
                           float *restrict out, int y0, int y1);

/* Packs weights and bias for the matching bd_conv_fn. Returns the number of floats
 * needed; writes them to dst when dst is not NULL. Called once per node at compile
 * time (it may be slow; it must not allocate). */
typedef size_t (*bd_pack_fn)(const bd_conv_params *p, const float *w, const float *bias,
                             float *dst);

/* A convolution's input read in place from the parts of a channel concatenation
 * (a CONCAT the runtime does not run, runtime/model.c fold_concats): part k holds
 * c[k] channels per pixel at x[k]; the parts are in channel order and their
 * channels add up to the input's. */
#define BD_CONV_MAX_PARTS 8
typedef struct bd_conv_parts {
    int n;
    const float *x[BD_CONV_MAX_PARTS];
    int c[BD_CONV_MAX_PARTS];
} bd_conv_parts;

/* Winograd F(4x4, 3x3) (kernels/wino.h has the algorithm and bd_wino_ok): the
 * same convolution as conv2d for rows [y0, y1) of one image, y0 a multiple of 4,
 * with `scratch` a private buffer of the table's conv2d_wino_scratch(p) floats
 * (64-byte aligned; its contents on entry do not matter). `packed` is what the
 * table's pack_conv2d_wino produced. The input is `in`, or the parts when parts
 * is not NULL (then in is not read); the result is the same bits either way. */
typedef void (*bd_conv_wino_fn)(const bd_conv_params *p, const float *restrict in,
                                const bd_conv_parts *parts, const float *restrict packed,
                                const float *restrict residual, float *restrict out, int y0,
                                int y1, float *restrict scratch);
typedef size_t (*bd_wino_scratch_fn)(const bd_conv_params *p);

/* FP16 weight storage (bd_model_options.precision): the same convolution with
 * `packed` holding IEEE halves, widened to fp32 in registers (F16C vcvtph2ps);
 * inputs, outputs and accumulation stay fp32. The layout of a conv2d_f16 /
 * dwconv2d_f16 entry is, element for element, the fp32 layout of the same
 * level's pack function, each value (weights and bias) rounded to half with
 * bd_f32_to_f16; so the specification of an _f16 kernel is its fp32 _ref
 * kernel run on the half-rounded weights and bias. */
typedef void (*bd_conv_f16_fn)(const bd_conv_params *p, const float *restrict in,
                               const uint16_t *restrict packed, const float *restrict residual,
                               float *restrict out, int y0, int y1);

/* Packs half weights for the matching bd_conv_f16_fn; returns the number of
 * halves, writes them when dst is not NULL. Returns 0 when the kernel does not
 * handle this geometry (the runtime then keeps the op in fp32). Compile time,
 * no allocation. */
typedef size_t (*bd_pack_f16_fn)(const bd_conv_params *p, const float *w, const float *bias,
                                 uint16_t *dst);

/* BF16 (bd_model_options.precision BD_PRECISION_BF16; AVX512_BF16 CPUs only):
 * the dense convolution with bfloat16 weights AND activations. The products of
 * two bf16 values are exact in fp32 and are accumulated in fp32 (vdpbf16ps);
 * bias, residual, activation and output stay fp32, as in the fp32 kernel.
 * `in` is the op's NHWC input converted by convert_bf16 with a channel stride of
 * bd_bf16_stride(in_c) (in_c rounded up to even, the pad channel 0), so every
 * pair of channels (2c, 2c+1) is one 32-bit word. The specification is the
 * reference kernel bd_bf16_conv2d_ref on the bf16-rounded weights and inputs
 * (bd_f32_to_bf16) with the fp32 bias. */
typedef void (*bd_conv_bf16_fn)(const bd_conv_params *p, const uint16_t *restrict in,
                                const uint16_t *restrict packed, const float *restrict residual,
                                float *restrict out, int y0, int y1);

/* Packs bf16 weights (and the fp32 bias, as pairs of uint16) for the matching
 * bd_conv_bf16_fn; returns the number of uint16 written (dst not NULL) or
 * needed, 0 when the kernel does not handle the geometry (the op then keeps
 * fp32). Compile time, no allocation. */
typedef size_t (*bd_pack_bf16_fn)(const bd_conv_params *p, const float *w, const float *bias,
                                  uint16_t *dst);

/* Activation conversion for the BF16 kernels: for pixels i in [i0, i1) of an
 * image of c channels, out[i * cp + ch] = bd_f32_to_bf16(in[i * c + ch]) for
 * ch < c (cp >= c), and out[i * cp + c] = 0 when cp = c + 1 (the pad of an odd
 * channel count, cp = bd_bf16_stride(c)); nothing else is written, so a wider cp
 * converts one part of a channel concatenation into its channels (exec.c).
 * Bit-exact across levels. */
typedef void (*bd_bf16_convert_fn)(const float *restrict in, uint16_t *restrict out, size_t i0,
                                   size_t i1, int c, int cp);

/* The channel stride of a bf16-converted activation: c rounded up to even. */
static inline int bd_bf16_stride(int c) { return c + (c & 1); }

/* INT8 (bd_model_options.precision BD_PRECISION_INT8; AVX512_VNNI CPUs only):
 * the dense convolution with u8 activations (one scale and zero point per
 * tensor, chosen at run time from the input's min and max: bd_int8_qparams_of)
 * and s8 weights (symmetric, one scale per output channel, max|w| / 127),
 * accumulated exactly in int32 (vpdpbusd). With acc = sum of q_x * q_w over the
 * taps inside the image and wsum = the sum of q_w over the same taps:
 *   out = act(fmaf((float)(acc - zp * wsum), scale * wscale[oc], bias[oc]) + residual)
 * (scale * wscale rounded to float first; residual added in fp32). `in` is the
 * op's input quantised by quantize_int8 at channel stride bd_int8_stride(in_c)
 * (in_c rounded up to 4, the pad channels hold zp and have weight 0). The
 * reference bd_int8_conv2d_ref computes exactly this, so the levels agree bit
 * for bit (up to the activation function's own approximation). */
typedef struct bd_int8_qparams {
    float scale, inv_scale; /* x ~ scale * (q - zero_point); inv_scale = 1 / scale */
    int32_t zero_point;     /* 0..255 */
} bd_int8_qparams;

typedef void (*bd_conv_int8_fn)(const bd_conv_params *p, const uint8_t *restrict in,
                                const bd_int8_qparams *qp, const int8_t *restrict packed,
                                const float *restrict residual, float *restrict out, int y0,
                                int y1);

/* Packs s8 weights, their scales, per-tap sums and the bias for the matching
 * bd_conv_int8_fn; returns the bytes written (dst not NULL, 64-byte aligned) or
 * needed. Compile time, no allocation. */
typedef size_t (*bd_pack_int8_fn)(const bd_conv_params *p, const float *w, const float *bias,
                                  int8_t *dst);

/* Quantises pixels [i0, i1) of an image of c channels: out[i * cp + ch] =
 * clamp(nearbyintf(in[i * c + ch] * inv_scale) + zero_point, 0, 255), the pad
 * channels c..cp-1 = zero_point. Bit-exact across levels. */
typedef void (*bd_int8_quantize_fn)(const float *restrict in, uint8_t *restrict out, size_t i0,
                                    size_t i1, int c, int cp, const bd_int8_qparams *qp);

/* *mn = min(*mn, in[0..n)), *mx = max(*mx, in[0..n)). */
typedef void (*bd_int8_minmax_fn)(const float *restrict in, size_t n, float *mn, float *mx);

/* The channel stride of a quantised activation: c rounded up to 4. */
static inline int bd_int8_stride(int c) { return (c + 3) & ~3; }

/* The weight scale of one output channel's n weights: max|w| / 127 (0 when all
 * are 0). */
static inline float bd_int8_weight_scale(const float *w, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) {
        const float a = w[i] < 0.0f ? -w[i] : w[i];
        if (a > m) m = a;
    }
    return m / 127.0f;
}

static inline int8_t bd_int8_quantize_weight(float w, float scale) {
    if (!(scale > 0.0f)) return 0;
    float q = nearbyintf(w / scale);
    q = q < -127.0f ? -127.0f : (q > 127.0f ? 127.0f : q);
    return (int8_t)q;
}

/* Scale and zero point covering [min(mn, 0), max(mx, 0)] with 0 exact. */
static inline bd_int8_qparams bd_int8_qparams_of(float mn, float mx) {
    bd_int8_qparams q;
    mn = mn < 0.0f ? mn : 0.0f;
    mx = mx > 0.0f ? mx : 0.0f;
    float s = (mx - mn) / 255.0f;
    if (!(s > 1e-30f) || !(s < 1e30f)) s = 1.0f; /* all zero, or not finite */
    float z = nearbyintf(-mn / s);
    q.zero_point = z < 0.0f ? 0 : (z > 255.0f ? 255 : (int32_t)z);
    q.scale = s;
    q.inv_scale = 1.0f / s;
    return q;
}

/* Pooling over k_h x k_w windows (conv params without weights). Average pools
 * divide by the number of in-bounds taps (TFLite rule). Output rows [y0, y1). */
typedef void (*bd_pool_fn)(const bd_conv_params *p, const float *restrict in,
                           float *restrict out, int y0, int y1);

/* Mean over the n_hw pixels of an [n_hw, c] image: out[c]. */
typedef void (*bd_mean_fn)(const float *restrict in, float *restrict out, size_t n_hw, int c);
/* Instance normalisation in two kernels, so that threads can split the pixels
 * (runtime/exec.c combines the sums of every tile):
 * norm_sums: over pixels [p0, p1) of an NHWC image of c channels, for channels
 *   [c0, c1): s1[j] = sum (x - shift[j]) and s2[j] = sum (x - shift[j])^2,
 *   j = ch - c0, written (not accumulated). shift is any value near the data
 *   (the runtime passes the image's first pixel): it keeps the one-pass variance
 *   s2/n - (s1/n)^2 free of cancellation when the mean is large against the spread.
 * channel_affine: out = act((in - sub[ch]) * mul[ch] + add[ch]) over pixels
 *   [p0, p1) of an NHWC image of c channels (in place allowed; not BD_ACT_TANH).
 *   The mean goes in sub rather than in add: x - mean is exact for x near the
 *   mean, where x * mul - mean * mul would cancel. */
typedef void (*bd_norm_sums_fn)(const float *restrict in, size_t p0, size_t p1, int c, int c0,
                                int c1, const float *restrict shift, double *restrict s1,
                                double *restrict s2);
typedef void (*bd_channel_affine_fn)(const float *in, float *out, size_t p0, size_t p1, int c,
                                     const float *restrict sub, const float *restrict mul,
                                     const float *restrict add, const bd_act_params *act);

/* y[i] = act(x[i]) for i < n (in place allowed: x == y). */
typedef void (*bd_unary_fn)(const float *x, float *y, size_t n, const bd_act_params *p);

/* y[i] = act(a[i*sa] op b[i*sb]) for i < n, sa and sb in {0, 1} (0 broadcasts a
 * scalar). y may alias a or b when that operand's stride is 1. */
typedef void (*bd_binary_fn)(const float *a, size_t sa, const float *b, size_t sb, float *y,
                             size_t n, const bd_act_params *p);

/* Channel-broadcast multiply(-add) on [n_pix, c] tensors:
 *   y[p, k] = act(a[p, k] * g[k] + (b ? b[p, k] : 0))
 * (squeeze-excite gating, optionally with the following residual add fused).
 * Multiply and add are rounded separately (no FMA), so every ISA is bit-exact
 * with the reference. y may alias a or b. */
typedef void (*bd_cmul_fn)(const float *a, const float *g, const float *b, float *y,
                           size_t n_pix, int c, const bd_act_params *p);

typedef struct bd_resize_params {
    int in_h, in_w, c;
    int out_h, out_w;
    int align_corners, half_pixel;
} bd_resize_params;

/* Bilinear resize (TFLite RESIZE_BILINEAR semantics). Output rows [y0, y1). */
typedef void (*bd_resize_fn)(const bd_resize_params *p, const float *restrict in,
                             float *restrict out, int y0, int y1);

/* Bilinear upsampling of a per-pixel linear model, applied at the output's size
 * (the last step of a guided filter, Robust Video Matting's refiner):
 *   y = act(resize(a) * x + resize(b) + r)      (+ r only when r is not NULL)
 * a and b: one image [in_h, in_w, c]; x, r and y: [out_h, out_w, c]; output rows
 * [y0, y1). resize() is exactly bd_resize_fn's (the same coordinates and blends of
 * the same level), the multiply and each add are rounded separately (no FMA) and
 * act is bdv_act's, so the result is bit-identical to a resize, a MUL, an ADD, an
 * ADD of r and the activation in turn. */
typedef void (*bd_resize_affine_fn)(const bd_resize_params *p, const float *restrict a,
                                    const float *restrict b, const float *restrict x,
                                    const float *restrict r, const bd_act_params *act,
                                    float *restrict y, int y0, int y1);

/* Softmax along an axis of n elements at stride `inner`: for each of `outer`
 * blocks of n * inner floats and each j < inner,
 *   y[o, i, j] = exp(x[o, i, j] - m) / sum_i exp(x[o, i, j] - m),  m = max_i x[o, i, j].
 * inner = 1 is a softmax over contiguous rows. y may alias x. */
typedef void (*bd_softmax_fn)(const float *x, float *y, size_t outer, size_t n, size_t inner);

/* Geometry of PAD and SLICE on a dense row-major tensor of rank 1..BD_MAX_DIMS.
 * PAD:   out dims = before + in + after; mode BD_PAD_CONSTANT (value), REFLECT
 *        (mirror without repeating the edge; pads < dim), EDGE (repeat the edge).
 * SLICE: out[i] = in[begin + i * step] per axis (the verifier checked that every
 *        index read is inside the input). */
typedef struct bd_copy_params {
    int n_dims;
    int64_t in_dims[BD_MAX_DIMS], out_dims[BD_MAX_DIMS];
    int64_t a[BD_MAX_DIMS], b[BD_MAX_DIMS]; /* PAD: before, after; SLICE: begin, step */
    int mode;
    float value;
} bd_copy_params;

/* Computes output rows [r0, r1) of PAD or SLICE, a row being the last dimension
 * (rows = product of all output dims but the last). in and out do not overlap. */
typedef void (*bd_copy_fn)(const bd_copy_params *p, const float *restrict in,
                           float *restrict out, size_t r0, size_t r1);

/* Output row r of PAD or SLICE -> the multi-index of its leading (all but last)
 * dimensions. */
static inline void bd_copy_row_index(const bd_copy_params *p, size_t r, int64_t *idx) {
    for (int k = p->n_dims - 2; k >= 0; k--) {
        idx[k] = (int64_t)(r % (size_t)p->out_dims[k]);
        r /= (size_t)p->out_dims[k];
    }
}

/* PAD: the source index of output index o along an axis of length n padded by
 * `before`, or -1 for the constant. */
static inline int64_t bd_pad_src(int mode, int64_t o, int64_t before, int64_t n) {
    int64_t i = o - before;
    if (i >= 0 && i < n) return i;
    if (mode == BD_PAD_CONSTANT) return -1;
    if (mode == BD_PAD_EDGE) return i < 0 ? 0 : n - 1;
    /* reflect: -1 -> 1, n -> n - 2 (pads < n, so one reflection suffices) */
    if (n == 1) return 0;
    return i < 0 ? -i : 2 * (n - 1) - i;
}

/* Nearest-neighbour resize of one NHWC image with ONNX Resize semantics
 * (bd_nearest_index). Output rows [y0, y1). */
typedef struct bd_nearest_params {
    int in_h, in_w, c;
    int out_h, out_w;
    int coord_mode, nearest_mode; /* BD_COORD_*, BD_NEAREST_* (ir.h) */
    float scale_h, scale_w;       /* output / input, as ONNX Runtime uses them */
} bd_nearest_params;
typedef void (*bd_nearest_fn)(const bd_nearest_params *p, const float *restrict in,
                              float *restrict out, int y0, int y1);

/* The source index of output index x along one axis, as ONNX Runtime computes it
 * (onnxruntime upsamplebase.h: GetOriginalCoordinate in float, then the nearest
 * mode, then clamped to [0, in_len - 1]). */
static inline int bd_nearest_index(int x, float scale, int in_len, int out_len, int coord_mode,
                                   int nearest_mode) {
    float xf = (float)x, o;
    switch (coord_mode) {
    case BD_COORD_ASYMMETRIC: o = xf / scale; break;
    case BD_COORD_TF_HALF_PIXEL_FOR_NEAREST: o = (xf + 0.5f) / scale; break;
    case BD_COORD_ALIGN_CORNERS:
        o = out_len == 1 ? 0.0f : xf * (float)(in_len - 1) / (float)(out_len - 1);
        break;
    case BD_COORD_PYTORCH_HALF_PIXEL: o = out_len > 1 ? (xf + 0.5f) / scale - 0.5f : 0.0f; break;
    default: o = (xf + 0.5f) / scale - 0.5f; break; /* half_pixel */
    }
    float r;
    switch (nearest_mode) {
    case BD_NEAREST_ROUND_PREFER_CEIL: r = roundf(o); break;
    case BD_NEAREST_FLOOR: r = floorf(o); break;
    case BD_NEAREST_CEIL: r = ceilf(o); break;
    case BD_NEAREST_SIMPLE: r = scale < 1.0f ? ceilf(o) : truncf(o); break;
    default: /* round_prefer_floor: halves go down */
        r = (o == floorf(o) + 0.5f) ? floorf(o) : roundf(o);
        break;
    }
    if (!(r >= 0.0f)) return 0; /* also NaN */
    if (r > (float)(in_len - 1)) return in_len - 1;
    return (int)r;
}
/* 2D transpose of a row-major [rows, cols] matrix, the rectangle r in [r0, r1),
 * c in [c0, c1): out[c * rows + r] = in[r * cols + c] (NHWC <-> NCHW, and every
 * TRANSPOSE whose permutation is a batched 2D one). A pure copy: bit-exact. */
typedef void (*bd_transpose2d_fn)(const float *restrict in, float *restrict out, size_t rows,
                                  size_t cols, size_t r0, size_t r1, size_t c0, size_t c1);

/* The dispatch table, filled once per model at compile time. */
typedef struct bd_kernels {
    bd_isa isa;
    bd_conv_fn conv2d, dwconv2d, tconv2d;
    /* > 0: conv2d honours bd_conv_params.oc_begin/oc_end in blocks of this many
     * channels (threads can then split a short, wide output by channels); 0: not */
    int conv2d_oc_block;
    bd_pack_fn pack_conv2d, pack_dwconv2d, pack_tconv2d;
    bd_pool_fn avgpool, maxpool;
    bd_mean_fn mean_hw;
    bd_norm_sums_fn norm_sums;
    bd_channel_affine_fn channel_affine;
    bd_unary_fn unary[BD_ACT_COUNT]; /* indexed by activation; [BD_ACT_NONE] copies */
    bd_binary_fn add, mul;
    bd_cmul_fn cmul;
    bd_resize_fn resize_bilinear;
    bd_resize_affine_fn resize_affine;
    bd_binary_fn sub, div, prelu; /* prelu: y = a < 0 ? a * b : a */
    bd_softmax_fn softmax;
    bd_copy_fn pad, slice;
    bd_nearest_fn resize_nearest;
    /* FP16 weight storage; NULL where the level has none (ref and scalar: no
     * F16C guaranteed, the runtime then keeps fp32). conv2d_f16 also runs the
     * fully connected op, as conv2d does. A level sets each pair together. */
    bd_conv_f16_fn conv2d_f16, dwconv2d_f16;
    bd_pack_f16_fn pack_conv2d_f16, pack_dwconv2d_f16;
    bd_transpose2d_fn transpose2d;
    /* Winograd F(4x4, 3x3) for the convolutions bd_wino_ok accepts; NULL where
     * the level has none (ref and scalar: the direct convolution is the
     * specification). Set together. */
    bd_conv_wino_fn conv2d_wino;
    bd_pack_fn pack_conv2d_wino;
    bd_wino_scratch_fn conv2d_wino_scratch;
    /* BF16 weights and activations for conv2d and fully connected; NULL unless
     * the level is avx512 and the CPU has AVX512_BF16 (dispatch.c). Set together. */
    bd_conv_bf16_fn conv2d_bf16;
    bd_pack_bf16_fn pack_conv2d_bf16;
    bd_bf16_convert_fn convert_bf16;
    /* INT8 u8 x s8 conv2d and fully connected; NULL unless the level is avx512
     * and the CPU has AVX512_VNNI (dispatch.c). Set together. */
    bd_conv_int8_fn conv2d_int8;
    bd_pack_int8_fn pack_conv2d_int8;
    bd_int8_quantize_fn quantize_int8;
    bd_int8_minmax_fn minmax_int8;
    /* The FMA throughput loop of this level (kernels/peak.h) and the
     * multiply-adds one of its iterations does (bd_measure_peak_gmacs). */
    float (*peak_fma)(int64_t iters);
    int peak_macs_per_iter;
    /* The same for vdpbf16ps and vpdpbusd; NULL (0) where conv2d_bf16 /
     * conv2d_int8 are, set with them (bd_measure_peak_gmacs_precision). */
    float (*peak_bf16)(int64_t iters);
    int peak_bf16_macs_per_iter;
    float (*peak_int8)(int64_t iters);
    int peak_int8_macs_per_iter;
} bd_kernels;

/* Fills k with the best kernels up to `isa` (already resolved by bd_isa_resolve).
 * kernels/dispatch.c holds the one ISA ladder; the image kernels' table
 * (kernels/img_kernels.h, bd_img_kernels_get) is filled by the same ladder. */
void bd_kernels_init(bd_kernels *k, bd_isa isa);

/* Applies an activation to one value (shared by the C kernels). */
static inline float bd_act_apply(float x, const bd_act_params *p) {
    switch (p->act) {
    case BD_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case BD_ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case BD_ACT_CLAMP: return x < p->min ? p->min : (x > p->max ? p->max : x);
    case BD_ACT_HARDSWISH: {
        float r = x + 3.0f;
        r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
        return x * r * (1.0f / 6.0f);
    }
    case BD_ACT_SIGMOID: {
        /* Clamp so expf never overflows: sigmoid(+-88) is 1 and ~6e-39, and the
         * final logits of the selfie models reach -840. */
        float c = x < -88.0f ? -88.0f : (x > 88.0f ? 88.0f : x);
        return 1.0f / (1.0f + expf(-c));
    }
    case BD_ACT_TANH: return tanhf(x);
    default: return x;
    }
}

/* Reference kernels (kernels/ref/). */
size_t bd_f32_conv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                              float *dst);
size_t bd_f32_dwconv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                                float *dst);
void bd_f32_conv2d_ref(const bd_conv_params *p, const float *restrict in,
                       const float *restrict packed, const float *restrict residual,
                       float *restrict out, int y0, int y1);
void bd_f32_dwconv2d_ref(const bd_conv_params *p, const float *restrict in,
                         const float *restrict packed, const float *restrict residual,
                         float *restrict out, int y0, int y1);
void bd_f32_tconv2d_ref(const bd_conv_params *p, const float *restrict in,
                        const float *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1);
void bd_f32_avgpool_ref(const bd_conv_params *p, const float *restrict in, float *restrict out,
                        int y0, int y1);
void bd_f32_maxpool_ref(const bd_conv_params *p, const float *restrict in, float *restrict out,
                        int y0, int y1);
void bd_f32_mean_hw_ref(const float *restrict in, float *restrict out, size_t n_hw, int c);
void bd_f32_norm_sums_ref(const float *restrict in, size_t p0, size_t p1, int c, int c0, int c1,
                          const float *restrict shift, double *restrict s1, double *restrict s2);
void bd_f32_channel_affine_ref(const float *in, float *out, size_t p0, size_t p1, int c,
                               const float *restrict sub, const float *restrict mul,
                               const float *restrict add, const bd_act_params *act);
void bd_f32_unary_ref(const float *x, float *y, size_t n, const bd_act_params *p);
void bd_f32_add_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p);
void bd_f32_mul_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p);
void bd_f32_cmul_ref(const float *a, const float *g, const float *b, float *y, size_t n_pix,
                     int c, const bd_act_params *p);
void bd_f32_resize_bilinear_ref(const bd_resize_params *p, const float *restrict in,
                                float *restrict out, int y0, int y1);
void bd_f32_resize_affine_ref(const bd_resize_params *p, const float *restrict a,
                              const float *restrict b, const float *restrict x,
                              const float *restrict r, const bd_act_params *act,
                              float *restrict y, int y0, int y1);
void bd_f32_transpose2d_ref(const float *restrict in, float *restrict out, size_t rows,
                            size_t cols, size_t r0, size_t r1, size_t c0, size_t c1);

void bd_f32_sub_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p);
void bd_f32_div_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                    const bd_act_params *p);
void bd_f32_prelu_ref(const float *a, size_t sa, const float *b, size_t sb, float *y, size_t n,
                      const bd_act_params *p);
void bd_f32_softmax_ref(const float *x, float *y, size_t outer, size_t n, size_t inner);
void bd_f32_pad_ref(const bd_copy_params *p, const float *restrict in, float *restrict out,
                    size_t r0, size_t r1);
void bd_f32_slice_ref(const bd_copy_params *p, const float *restrict in, float *restrict out,
                      size_t r0, size_t r1);
void bd_f32_resize_nearest_ref(const bd_nearest_params *p, const float *restrict in,
                               float *restrict out, int y0, int y1);
/* BF16 reference (kernels/ref/conv_bf16_ref.c): packed = the bf16 weights
 * [out_c, k_h, k_w, in_c] then the fp32 bias (2 uint16 each); the kernel reads
 * `in` at channel stride bd_bf16_stride(in_c), accumulates in double. */
size_t bd_bf16_conv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                               uint16_t *dst);
void bd_bf16_conv2d_ref(const bd_conv_params *p, const uint16_t *restrict in,
                        const uint16_t *restrict packed, const float *restrict residual,
                        float *restrict out, int y0, int y1);
void bd_bf16_convert_ref(const float *restrict in, uint16_t *restrict out, size_t i0, size_t i1,
                         int c, int cp);
/* INT8 reference (kernels/ref/conv_int8_ref.c): packed = float wscale[out_c],
 * float bias[out_c], the s8 weights [out_c, k_h, k_w, in_c]. */
size_t bd_int8_conv2d_pack_ref(const bd_conv_params *p, const float *w, const float *bias,
                               int8_t *dst);
void bd_int8_conv2d_ref(const bd_conv_params *p, const uint8_t *restrict in,
                        const bd_int8_qparams *qp, const int8_t *restrict packed,
                        const float *restrict residual, float *restrict out, int y0, int y1);
void bd_int8_quantize_ref(const float *restrict in, uint8_t *restrict out, size_t i0, size_t i1,
                          int c, int cp, const bd_int8_qparams *qp);
void bd_int8_minmax_ref(const float *restrict in, size_t n, float *mn, float *mx);

#endif /* BD_KERNELS_H */
