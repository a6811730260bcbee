/*
 * exec.c -- the executor: turns one IR node into kernel calls on the arena.
 *
 * Shapes were verified at load, so nothing here can fail. A node is cut into nth
 * tiles and bd_exec_node computes tile ith (whichever thread claimed it): output
 * rows [h*ith/nth, h*(ith+1)/nth) of each image for spatial ops, a slice of the
 * elements for element-wise ops. Every output element is computed by exactly the
 * same code whatever the tiling is, so results depend neither on the thread
 * count nor on which thread ran which tile. Small ops (global mean, reshape,
 * transpose) run whole in tile 0; bd_exec_max_tiles says how finely a
 * node can usefully be cut.
 */
#include <math.h>
#include <string.h>

#include "kernels/ref/extra_ref.h"
#include "kernels/wino.h"
#include "runtime/runtime.h"

static float *ptr(const bd_graph *g, uint8_t *arena, int v) {
    const bd_value *val = &g->values[v];
    return val->is_const ? (float *)val->data : (float *)(arena + val->arena_offset);
}

bd_conv_params bd_node_conv_params(const bd_graph *g, const bd_node *n) {
    const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
    bd_conv_params p = {
        .in_h = (int)in->dims[1], .in_w = (int)in->dims[2], .in_c = (int)in->dims[3],
        .out_h = (int)out->dims[1], .out_w = (int)out->dims[2], .out_c = (int)out->dims[3],
        .k_h = n->conv.kernel_h, .k_w = n->conv.kernel_w,
        .stride_h = n->conv.stride_h, .stride_w = n->conv.stride_w,
        .dil_h = n->conv.dilation_h, .dil_w = n->conv.dilation_w,
        .pad_top = n->conv.pad_top, .pad_left = n->conv.pad_left,
        .depth_multiplier = n->conv.depth_multiplier,
        .act = {n->act, n->act_min, n->act_max},
        .residual_after_act = n->residual_after_act,
    };
    if (n->op == BD_OP_CONV2D || n->op == BD_OP_DWCONV2D || n->op == BD_OP_TCONV2D) {
        const bd_value *w = &g->values[n->inputs[1]];
        p.k_h = (int)w->dims[1];
        p.k_w = (int)w->dims[2];
    }
    if (n->op == BD_OP_FULLY_CONNECTED) {
        /* A 1x1 convolution over an image of `rows` x 1 pixels with K channels: the
         * weight [N, K] is the conv weight [N, 1, 1, K]. Rows split across threads. */
        const bd_value *w = &g->values[n->inputs[1]];
        int k = (int)w->dims[1], rows = (int)(in->n_elems / (size_t)k);
        bd_conv_params f = {
            .in_h = rows, .in_w = 1, .in_c = k, .out_h = rows, .out_w = 1,
            .out_c = (int)w->dims[0], .k_h = 1, .k_w = 1, .stride_h = 1, .stride_w = 1,
            .dil_h = 1, .dil_w = 1, .depth_multiplier = 1,
            .act = {n->act, n->act_min, n->act_max},
        };
        p = f;
    }
    return p;
}

/* Broadcast binary op: walks every output index but the innermost dimension,
 * which the kernel does with stride 0 (broadcast) or 1 per operand. */
/* [begin, end) of `total` items for thread ith of nth. */
static void share(size_t total, int ith, int nth, size_t *begin, size_t *end) {
    *begin = total * (size_t)ith / (size_t)nth;
    *end = total * (size_t)(ith + 1) / (size_t)nth;
}

static void binary(const bd_graph *g, const bd_node *n, uint8_t *arena, bd_binary_fn fn,
                   int ith, int nth) {
    const bd_value *va = &g->values[n->inputs[0]], *vb = &g->values[n->inputs[1]];
    const bd_value *vo = &g->values[n->output];
    const float *a = ptr(g, arena, n->inputs[0]), *b = ptr(g, arena, n->inputs[1]);
    float *y = ptr(g, arena, n->output);
    bd_act_params act = {n->act, n->act_min, n->act_max};
    size_t b0, b1;
    if (va->n_elems == vo->n_elems && vb->n_elems == vo->n_elems) {
        share(vo->n_elems / 16, ith, nth, &b0, &b1); /* 16-float chunks keep vectors whole */
        b0 *= 16;
        b1 = ith == nth - 1 ? vo->n_elems : b1 * 16;
        if (b1 > b0) fn(a + b0, 1, b + b0, 1, y + b0, b1 - b0, &act);
        return;
    }
    int nd = vo->n_dims;
    int64_t da[BD_MAX_DIMS], db[BD_MAX_DIMS];
    size_t sa[BD_MAX_DIMS], sb[BD_MAX_DIMS];
    for (int i = 0; i < nd; i++) { /* right-align the operands' dims */
        int ia = va->n_dims - nd + i, ib = vb->n_dims - nd + i;
        da[i] = ia >= 0 ? va->dims[ia] : 1;
        db[i] = ib >= 0 ? vb->dims[ib] : 1;
    }
    size_t ra = 1, rb = 1; /* row-major strides; 0 on broadcast dims */
    for (int i = nd - 1; i >= 0; i--) {
        sa[i] = da[i] == 1 ? 0 : ra;
        sb[i] = db[i] == 1 ? 0 : rb;
        ra *= (size_t)da[i];
        rb *= (size_t)db[i];
    }
    size_t inner = nd ? (size_t)vo->dims[nd - 1] : 1;
    size_t ia_in = nd ? sa[nd - 1] : 1, ib_in = nd ? sb[nd - 1] : 1;
    size_t outer = vo->n_elems / inner;
    int64_t idx[BD_MAX_DIMS] = {0};
    size_t oa = 0, ob = 0;
    share(outer, ith, nth, &b0, &b1);
    size_t rest = b0; /* start the odometer at row b0 */
    for (int i = nd - 2; i >= 0; i--) {
        idx[i] = (int64_t)(rest % (size_t)vo->dims[i]);
        rest /= (size_t)vo->dims[i];
        oa += sa[i] * (size_t)idx[i];
        ob += sb[i] * (size_t)idx[i];
    }
    for (size_t o = b0; o < b1; o++) {
        fn(a + oa, ia_in, b + ob, ib_in, y + o * inner, inner, &act);
        for (int i = nd - 2; i >= 0; i--) { /* odometer increment of the outer index */
            idx[i]++;
            oa += sa[i];
            ob += sb[i];
            if (idx[i] < vo->dims[i]) break;
            oa -= sa[i] * (size_t)vo->dims[i];
            ob -= sb[i] * (size_t)vo->dims[i];
            idx[i] = 0;
        }
    }
}

/* n rows of `chunk` floats from x (packed) to y (rows `row` floats apart): the
 * short chunks of NHWC channel concats (RVM's 3 + 1 and 4 + 4 + 16 channels) as
 * fixed-size copies the compiler keeps in registers, longer ones by memcpy. */
static void copy_rows(float *y, size_t row, const float *x, size_t chunk, size_t n) {
#define BD_COPY_ROWS(W)                                                                   \
    for (size_t o = 0; o < n; o++)                                                       \
        for (size_t j = 0; j < (W); j++) y[o * row + j] = x[o * (W) + j];                \
    return;
    switch (chunk) {
    case 1: BD_COPY_ROWS(1)
    case 2: BD_COPY_ROWS(2)
    case 3: BD_COPY_ROWS(3)
    case 4: BD_COPY_ROWS(4)
    case 8: BD_COPY_ROWS(8)
    case 16: BD_COPY_ROWS(16)
    default: break;
    }
#undef BD_COPY_ROWS
    for (size_t o = 0; o < n; o++) memcpy(y + o * row, x + o * chunk, chunk * 4);
}

/* Tile ith of nth of a concatenation: the output, seen as `outer` rows of
 * `row` floats (each row the inputs' chunks side by side), is cut into equal
 * ranges of floats; each tile copies the pieces of the chunks that fall in its
 * range: a first and a last row in part, the rows between whole. Large chunks
 * (planes, NCHW) and small ones (channels, NHWC) alike. */
static void concat(const bd_graph *g, const bd_node *n, uint8_t *arena, int ith, int nth) {
    const bd_value *vo = &g->values[n->output];
    size_t inner = 1;
    for (int i = n->axis + 1; i < vo->n_dims; i++) inner *= (size_t)vo->dims[i];
    float *y = ptr(g, arena, n->output);
    const size_t row = (size_t)vo->dims[n->axis] * inner;
    size_t e0, e1;
    share(vo->n_elems, ith, nth, &e0, &e1);
    if (e1 <= e0) return;
    const size_t o0 = e0 / row, o1 = (e1 - 1) / row; /* the rows this tile touches */
    size_t at = 0;
    for (int k = 0; k < n->n_inputs; k++) {
        const bd_value *vi = &g->values[n->inputs[k]];
        const float *x = ptr(g, arena, n->inputs[k]);
        const size_t chunk = (size_t)vi->dims[n->axis] * inner;
        size_t o = o0;
        while (o <= o1) {
            size_t b = o * row + at, e = b + chunk; /* this chunk's range in y */
            if (b >= e0 && o < o1 && e <= e1) { /* whole rows up to the last one */
                size_t m = o1 - o; /* rows o .. o1-1 lie inside [e0, e1) */
                if (x + o * chunk != y + b) copy_rows(y + b, row, x + o * chunk, chunk, m);
                o += m;
                continue;
            }
            if (b < e0) b = e0;
            if (e > e1) e = e1;
            const float *src = x + o * chunk + (b - o * row - at);
            if (e > b && src != y + b) memcpy(y + b, src, (e - b) * 4); /* else placed there */
            o++;
        }
        at += chunk;
    }
}

/* PAD and SLICE geometry of node n (pads[] holds before/after or begin/step). */
static bd_copy_params copy_params(const bd_graph *g, const bd_node *n) {
    const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
    bd_copy_params p;
    memset(&p, 0, sizeof p);
    p.n_dims = in->n_dims;
    for (int i = 0; i < in->n_dims; i++) {
        p.in_dims[i] = in->dims[i];
        p.out_dims[i] = out->dims[i];
        p.a[i] = n->pads[i];
        p.b[i] = n->pads[in->n_dims + i];
    }
    p.mode = n->pad_mode;
    p.value = n->pad_value;
    return p;
}

static bd_act op_act(bd_op_type op) {
    switch (op) {
    case BD_OP_RELU: return BD_ACT_RELU;
    case BD_OP_RELU6: return BD_ACT_RELU6;
    case BD_OP_CLAMP: return BD_ACT_CLAMP;
    case BD_OP_HARDSWISH: return BD_ACT_HARDSWISH;
    case BD_OP_SIGMOID: return BD_ACT_SIGMOID;
    case BD_OP_TANH: return BD_ACT_TANH;
    default: return BD_ACT_NONE;
    }
}

/* Is TRANSPOSE node n a batched 2D transpose [B, R, C] -> [B, C, R] (after dropping
 * size-1 axes and merging axes that stay adjacent)? NHWC <-> NCHW are. A plain
 * copy comes out as R = 1. */
static bool transpose_2d(const bd_graph *g, const bd_node *n, size_t *b, size_t *r, size_t *c) {
    const bd_value *in = &g->values[n->inputs[0]];
    int axis[8], m = 0; /* output-order groups, by their first input axis */
    size_t size[8];
    for (int i = 0; i < in->n_dims && i < 8; i++) {
        int a = n->perm[i];
        if (in->dims[a] == 1) continue;
        if (m > 0 && a == axis[m - 1] + 1) {
            size[m - 1] *= (size_t)in->dims[a];
            axis[m - 1] = a; /* the group's last input axis, to extend it */
            continue;
        }
        axis[m] = a;
        size[m++] = (size_t)in->dims[a];
    }
    if (m <= 1) { /* nothing moves */
        *b = 1;
        *r = 1;
        *c = m ? size[0] : 1;
        return true;
    }
    /* groups in output order; the input order is by axis (ascending) */
    if (m == 2 && axis[0] > axis[1]) { /* [R, C] -> [C, R] */
        *b = 1;
        *r = size[1];
        *c = size[0];
        return true;
    }
    if (m == 3 && axis[0] < axis[2] && axis[2] < axis[1]) { /* [B, R, C] -> [B, C, R] */
        *b = size[0];
        *r = size[2];
        *c = size[1];
        return true;
    }
    return false;
}

/* Tile ith of nth of a batched 2D transpose: cuts the longer of R and C. */
static void transpose_tile(const bd_kernels *k, const float *x, float *y, size_t nb, size_t r,
                           size_t c, int ith, int nth) {
    size_t a0, a1;
    share(r >= c ? r : c, ith, nth, &a0, &a1);
    for (size_t bi = 0; bi < nb && a1 > a0; bi++) {
        const float *xb = x + bi * r * c;
        float *yb = y + bi * r * c;
        if (r >= c)
            k->transpose2d(xb, yb, r, c, a0, a1, 0, c);
        else
            k->transpose2d(xb, yb, r, c, 0, r, a0, a1);
    }
}

/* A dense conv whose output has few rows, each of them a lot of work (DeepLabV3's
 * ASPP and head on a 9x16 map: ~10 M MACs a row), splits badly by rows alone;
 * where the kernel takes channel ranges its work units are (channel block, row)
 * pairs instead. Small convs keep the row split: cutting them by channels costs
 * more in re-read activations than it gains (selfie general, 2 threads: 1.19 vs
 * 1.13 ms median when every conv of <= 32 rows was cut). Returns the number of
 * channel blocks, or 0 to split by rows. Any split gives the same bits: every
 * output is computed by the same code whatever range it falls in. */
#define BD_OC_SPLIT_MAX_ROWS 32
#define BD_OC_SPLIT_MIN_ROW_MACS (2 * 1000 * 1000)
static int oc_blocks(const bd_model *m, const bd_node *n) {
    const bd_value *out = &m->graph.values[n->output];
    const int blk = m->kernels.conv2d_oc_block;
    if (n->op != BD_OP_CONV2D || blk <= 0 || n->wino || n->packed_f16 || n->packed_bf16 ||
        n->packed_int8 ||
        n->act == BD_ACT_TANH ||
        out->n_dims != 4 || out->dims[0] != 1 || out->dims[1] > BD_OC_SPLIT_MAX_ROWS ||
        bd_node_macs(&m->graph, n) < BD_OC_SPLIT_MIN_ROW_MACS * out->dims[1])
        return 0;
    int nb = (int)((out->dims[3] + blk - 1) / blk);
    return nb > 1 ? nb : 0;
}

/* INSTANCE_NORM. The scratch region (bd_model.bf16_offset) holds the sub/mul/add
 * of every image ([batch][3][C] floats, padded to 64 bytes), then the sums of each
 * block of pixels ([batch][blocks][2][nc] doubles: s1, then s2, of the nc
 * normalised channels). The blocks are fixed by the image size alone (at most 256
 * of at least 1024 pixels), and their sums are added in order, so the result does
 * not depend on how many tiles ran. Split into tiles, the node gets two prepare
 * phases: 0, the tiles share the blocks and sum them; 1, tile 0 turns the sums
 * into sub/mul/add; then each tile applies them to its share of the pixels
 * (channel_affine, with the activation). */
typedef struct norm_geom {
    size_t batch, n_hw, c;  /* images, pixels per image, channels */
    int c0, c1;             /* normalised channels */
    size_t block, n_blocks; /* pixels per block of sums, blocks per image */
} norm_geom;

static norm_geom norm_geometry(const bd_graph *g, const bd_node *n) {
    const bd_value *in = &g->values[n->inputs[0]];
    norm_geom q = {(size_t)in->dims[0], (size_t)(in->dims[1] * in->dims[2]), (size_t)in->dims[3],
                   n->norm_c1 ? n->norm_c0 : 0, n->norm_c1 ? n->norm_c1 : (int)in->dims[3], 0, 0};
    q.block = (q.n_hw + 255) / 256 > 1024 ? (q.n_hw + 255) / 256 : 1024;
    q.n_blocks = (q.n_hw + q.block - 1) / q.block;
    return q;
}

/* Doubles per block: s1 and s2 of the normalised channels. */
static size_t norm_block_doubles(const norm_geom *q) { return 2 * (size_t)(q->c1 - q->c0); }

static size_t norm_sums_offset(const norm_geom *q) {
    return (q->batch * 3 * q->c * sizeof(float) + 63) / 64 * 64;
}

bool bd_exec_streams_weights(const bd_model *m, const bd_node *n) {
    if (n->op != BD_OP_CONV2D || !n->wino) return false;
    const bd_conv_params p = bd_node_conv_params(&m->graph, n);
    return bd_wino_big(&p);
}

int bd_exec_max_tiles(const bd_model *m, const bd_node *n) {
    const bd_graph *g = &m->graph;
    const bd_value *out = &g->values[n->output];
    size_t most = 1;
    switch (n->op) {
    case BD_OP_CONV2D: {
        if (n->wino) { /* whole rows of tiles */
            const bd_conv_params p = bd_node_conv_params(g, n);
            const size_t mo = (size_t)bd_wino_m(&p);
            most = ((size_t)out->dims[1] + mo - 1) / mo;
            break;
        }
        int nb = oc_blocks(m, n);
        most = (size_t)out->dims[1] * (size_t)(nb ? nb : 1);
        break;
    }
    case BD_OP_DWCONV2D:
    case BD_OP_TCONV2D:
    case BD_OP_AVGPOOL2D:
    case BD_OP_MAXPOOL2D:
    case BD_OP_RESIZE_BILINEAR:
    case BD_OP_RESIZE_NEAREST: most = (size_t)out->dims[1]; break;
    case BD_OP_RELU:
    case BD_OP_RELU6:
    case BD_OP_CLAMP:
    case BD_OP_HARDSWISH:
    case BD_OP_SIGMOID:
    case BD_OP_TANH:
    case BD_OP_ADD:
    case BD_OP_SUB:
    case BD_OP_DIV:
    case BD_OP_PRELU:
    case BD_OP_MUL: {
        /* same-shape element-wise ops cut 16-float chunks; broadcasts and gates cut
         * rows of the last dimension */
        size_t inner = out->n_dims ? (size_t)out->dims[out->n_dims - 1] : 1;
        size_t by_chunk = out->n_elems / 16, by_row = inner ? out->n_elems / inner : 1;
        most = by_chunk < by_row ? by_chunk : by_row;
        break;
    }
    case BD_OP_FULLY_CONNECTED: most = (size_t)bd_node_conv_params(g, n).out_h; break;
    case BD_OP_RESIZE_AFFINE: /* rows of every image */
        most = (size_t)g->values[n->inputs[0]].dims[0] * (size_t)n->out_h;
        break;
    case BD_OP_SOFTMAX: { /* the `outer` count of the softmax case below */
        most = 1;
        for (int a = 0; a < n->axis && a < out->n_dims; a++) most *= (size_t)out->dims[a];
        break;
    }
    case BD_OP_CONCAT: /* ranges of >= 16 KiB; one empty tile when skipped */
        most = n->concat_skipped ? 1 : out->n_elems / 4096;
        break;
    case BD_OP_INSTANCE_NORM: /* blocks of sums; pixel ranges of >= 1024 per image */
        most = norm_geometry(g, n).n_blocks;
        break;
    case BD_OP_PAD:
    case BD_OP_SLICE: /* rows of the last dimension */
        most = out->n_dims ? out->n_elems / (size_t)out->dims[out->n_dims - 1] : 1;
        break;
    case BD_OP_TRANSPOSE: {
        size_t b, r, c;
        if (transpose_2d(g, n, &b, &r, &c)) most = r >= c ? r : c;
        break;
    }
    default: most = 1; break; /* ops that run whole in tile 0 */
    }
    return most < 1 ? 1 : (most > 1024 ? 1024 : (int)most);
}

/* Image bi (of batch) of node n's input as the parts of its CONCAT when that was
 * skipped (model.c fold_concats), in *pp; NULL when the input is written. */
static const bd_conv_parts *skipped_parts(const bd_graph *g, const bd_node *n, uint8_t *arena,
                                          int bi, int batch, bd_conv_parts *pp) {
    const int src = g->values[n->inputs[0]].producer;
    const bd_node *cat = src >= 0 ? &g->nodes[src] : NULL;
    if (!cat || cat->op != BD_OP_CONCAT || !cat->concat_skipped) return NULL;
    pp->n = cat->n_inputs;
    for (int k = 0; k < cat->n_inputs; k++) {
        const bd_value *part = &g->values[cat->inputs[k]];
        pp->c[k] = (int)part->dims[part->n_dims - 1];
        pp->x[k] = ptr(g, arena, cat->inputs[k]) + (size_t)bi * (part->n_elems / (size_t)batch);
    }
    return pp;
}

/* BF16: the input of node n (all its pixels, every image of the batch) as bf16
 * at channel stride bd_bf16_stride(in_c) in the arena's scratch; pixels of tile
 * ith of nth. */
static void convert_input(const bd_model *m, const bd_node *n, uint8_t *arena, int in_c,
                          int ith, int nth) {
    const bd_graph *g = &m->graph;
    const size_t n_pix = g->values[n->inputs[0]].n_elems / (size_t)in_c;
    size_t i0, i1;
    share(n_pix, ith, nth, &i0, &i1);
    uint16_t *xb = (uint16_t *)(arena + m->bf16_offset);
    const int cp = bd_bf16_stride(in_c);
    if (i1 <= i0) return;
    const int src = g->values[n->inputs[0]].producer;
    const bd_node *cat = src >= 0 ? &g->nodes[src] : NULL;
    if (!cat || cat->op != BD_OP_CONCAT || !cat->concat_skipped) {
        m->kernels.convert_bf16(ptr(g, arena, n->inputs[0]), xb, i0, i1, in_c, cp);
        return;
    }
    /* the input's CONCAT was skipped: each part into its channels, then the pad */
    int c0 = 0;
    for (int k = 0; k < cat->n_inputs; k++) {
        const bd_value *part = &g->values[cat->inputs[k]];
        const int pc = (int)part->dims[part->n_dims - 1];
        m->kernels.convert_bf16(ptr(g, arena, cat->inputs[k]), xb + c0, i0, i1, pc, cp);
        c0 += pc;
    }
    if (cp > in_c)
        for (size_t i = i0; i < i1; i++) xb[i * (size_t)cp + (size_t)in_c] = 0;
}

/* INT8: phase 0 (min/max of tile ith's share of the input into part[ith]) and
 * phase 1 (the parameters of all nth parts, tile 0 storing them; tile ith's
 * share quantised) of node n's input; see bd_int8_scratch. */
static void int8_phase(const bd_model *m, const bd_node *n, uint8_t *arena, int in_c, int phase,
                       int ith, int nth) {
    const bd_graph *g = &m->graph;
    const float *x = ptr(g, arena, n->inputs[0]);
    bd_int8_scratch *sc = (bd_int8_scratch *)(void *)(arena + m->bf16_offset);
    const size_t n_pix = g->values[n->inputs[0]].n_elems / (size_t)in_c;
    size_t i0, i1;
    share(n_pix, ith, nth, &i0, &i1);
    if (phase == 0) {
        float mn = INFINITY, mx = -INFINITY;
        if (i1 > i0) m->kernels.minmax_int8(x + i0 * in_c, (i1 - i0) * in_c, &mn, &mx);
        sc->part[ith][0] = mn;
        sc->part[ith][1] = mx;
        return;
    }
    float mn = INFINITY, mx = -INFINITY;
    for (int t = 0; t < nth; t++) {
        mn = sc->part[t][0] < mn ? sc->part[t][0] : mn;
        mx = sc->part[t][1] > mx ? sc->part[t][1] : mx;
    }
    const bd_int8_qparams qp = bd_int8_qparams_of(mn, mx);
    if (ith == 0) sc->qp = qp;
    if (i1 > i0)
        m->kernels.quantize_int8(x, arena + m->bf16_offset + BD_INT8_SCRATCH_HEADER, i0, i1, in_c,
                                 bd_int8_stride(in_c), &qp);
}

size_t bd_exec_norm_scratch(const bd_graph *g, const bd_node *n) {
    const norm_geom q = norm_geometry(g, n);
    return norm_sums_offset(&q) + q.batch * q.n_blocks * norm_block_doubles(&q) * sizeof(double);
}

/* Phase 0: the sums of the blocks [share of tile ith of nth] of every image. */
static void norm_sums_phase(const bd_model *m, const bd_node *n, uint8_t *arena, int ith,
                            int nth) {
    const norm_geom q = norm_geometry(&m->graph, n);
    const size_t nc = (size_t)(q.c1 - q.c0), per = norm_block_doubles(&q);
    double *sums = (double *)(void *)(arena + m->bf16_offset + norm_sums_offset(&q));
    const float *x = ptr(&m->graph, arena, n->inputs[0]);
    size_t k0, k1;
    share(q.n_blocks, ith, nth, &k0, &k1);
    for (size_t b = 0; b < q.batch; b++) {
        const float *xb = x + b * q.n_hw * q.c;
        for (size_t k = k0; k < k1; k++) {
            const size_t p0 = k * q.block, p1 = p0 + q.block < q.n_hw ? p0 + q.block : q.n_hw;
            double *s = sums + (b * q.n_blocks + k) * per;
            /* shift: the image's first pixel, the same for every block */
            m->kernels.norm_sums(xb, p0, p1, (int)q.c, q.c0, q.c1, xb + q.c0, s, s + nc);
        }
    }
}

/* Phase 1 (one tile): sub/mul/add of every image from the blocks' sums, in order. */
static void norm_params(const bd_model *m, const bd_node *n, uint8_t *arena) {
    const bd_graph *g = &m->graph;
    const norm_geom q = norm_geometry(g, n);
    uint8_t *sc = arena + m->bf16_offset;
    const size_t nc = (size_t)(q.c1 - q.c0), per = norm_block_doubles(&q);
    const double *sums = (const double *)(const void *)(sc + norm_sums_offset(&q));
    const float *x = ptr(g, arena, n->inputs[0]);
    const float *scale = ptr(g, arena, n->inputs[1]), *bias = ptr(g, arena, n->inputs[2]);
    for (size_t b = 0; b < q.batch; b++) {
        float *sub = (float *)(void *)sc + b * 3 * q.c, *mul = sub + q.c, *add = mul + q.c;
        for (size_t ch = 0; ch < q.c; ch++) {
            sub[ch] = 0.0f;
            mul[ch] = scale[ch];
            add[ch] = bias[ch];
        }
        for (size_t j = 0; j < nc; j++) {
            double s1 = 0.0, s2 = 0.0;
            for (size_t k = 0; k < q.n_blocks; k++) {
                s1 += sums[(b * q.n_blocks + k) * per + j];
                s2 += sums[(b * q.n_blocks + k) * per + nc + j];
            }
            const double n_hw = (double)q.n_hw, d = s1 / n_hw;
            double var = s2 / n_hw - d * d;
            if (!(var > 0.0)) var = 0.0;
            const size_t ch = (size_t)q.c0 + j;
            sub[ch] = (float)((double)x[b * q.n_hw * q.c + ch] + d); /* the mean */
            mul[ch] = (float)(scale[ch] / sqrt(var + (double)n->epsilon));
        }
    }
}

static void instance_norm(const bd_model *m, const bd_node *n, uint8_t *arena, int ith, int nth) {
    const bd_graph *g = &m->graph;
    const norm_geom q = norm_geometry(g, n);
    if (q.n_hw == 0) return;
    if (nth == 1) {
        norm_sums_phase(m, n, arena, 0, 1);
        norm_params(m, n, arena);
    }
    const float *sub = (const float *)(const void *)(arena + m->bf16_offset);
    const float *x = ptr(g, arena, n->inputs[0]);
    float *y = ptr(g, arena, n->output);
    const bd_act_params act = {n->act, n->act_min, n->act_max};
    size_t p0, p1;
    share(q.n_hw, ith, nth, &p0, &p1);
    for (size_t b = 0; b < q.batch && p1 > p0; b++) {
        const size_t img = b * q.n_hw * q.c;
        const float *sb = sub + b * 3 * q.c;
        m->kernels.channel_affine(x + img, y + img, p0, p1, (int)q.c, sb, sb + q.c, sb + 2 * q.c,
                                  &act);
    }
}

int bd_exec_needs_prepare(const bd_model *m, int i) {
    const bd_node *n = &m->graph.nodes[i];
    if (n->op == BD_OP_INSTANCE_NORM) return 2;
    return n->packed_int8 ? 2 : n->packed_bf16 ? 1 : 0;
}

void bd_exec_node_prepare(const bd_model *m, uint8_t *arena, int i, int phase, int ith, int nth) {
    const bd_node *n = &m->graph.nodes[i];
    if (n->op == BD_OP_INSTANCE_NORM) {
        if (norm_geometry(&m->graph, n).n_hw == 0) return;
        if (phase == 0) norm_sums_phase(m, n, arena, ith, nth);
        else if (ith == 0) norm_params(m, n, arena);
        return;
    }
    if (n->packed_bf16)
        convert_input(m, n, arena, bd_node_conv_params(&m->graph, n).in_c, ith, nth);
    else if (n->packed_int8)
        int8_phase(m, n, arena, bd_node_conv_params(&m->graph, n).in_c, phase, ith, nth);
}

/* Rows [y0, y1) of every image of an INT8 node (conv2d or fully connected),
 * quantising its input first when it runs as one tile. */
static void run_int8(const bd_model *m, const bd_node *n, uint8_t *arena, const bd_conv_params *p,
                     int batch, int y0, int y1, int nth) {
    const bd_graph *g = &m->graph;
    if (nth == 1) {
        int8_phase(m, n, arena, p->in_c, 0, 0, 1);
        int8_phase(m, n, arena, p->in_c, 1, 0, 1);
    }
    const bd_int8_scratch *sc = (const bd_int8_scratch *)(const void *)(arena + m->bf16_offset);
    const uint8_t *xq = arena + m->bf16_offset + BD_INT8_SCRATCH_HEADER;
    const float *r =
        n->n_inputs == 4 && n->op == BD_OP_CONV2D ? ptr(g, arena, n->inputs[3]) : NULL;
    float *y = ptr(g, arena, n->output);
    const size_t in_img = (size_t)p->in_h * p->in_w * bd_int8_stride(p->in_c);
    const size_t out_img = (size_t)p->out_h * p->out_w * p->out_c;
    for (int bi = 0; bi < batch && y1 > y0; bi++)
        m->kernels.conv2d_int8(p, xq + bi * in_img, &sc->qp, n->packed_int8,
                               r ? r + bi * out_img : NULL, y + bi * out_img, y0, y1);
}

/* Rows [y0, y1) of every image of a BF16 node (conv2d or fully connected),
 * converting its input first when it runs as one tile. */
static void run_bf16(const bd_model *m, const bd_node *n, uint8_t *arena, const bd_conv_params *p,
                     int batch, int y0, int y1, int nth) {
    const bd_graph *g = &m->graph;
    if (nth == 1) convert_input(m, n, arena, p->in_c, 0, 1);
    const uint16_t *xb = (const uint16_t *)(arena + m->bf16_offset);
    const float *r =
        n->n_inputs == 4 && n->op == BD_OP_CONV2D ? ptr(g, arena, n->inputs[3]) : NULL;
    float *y = ptr(g, arena, n->output);
    const size_t in_img = (size_t)p->in_h * p->in_w * bd_bf16_stride(p->in_c);
    const size_t out_img = (size_t)p->out_h * p->out_w * p->out_c;
    for (int bi = 0; bi < batch && y1 > y0; bi++)
        m->kernels.conv2d_bf16(p, xb + bi * in_img, n->packed_bf16, r ? r + bi * out_img : NULL,
                               y + bi * out_img, y0, y1);
}

void bd_exec_node(const bd_model *m, uint8_t *arena, int i, int ith, int nth, void *scratch) {
    const bd_graph *g = &m->graph;
    const bd_kernels *k = &m->kernels;
    const bd_node *n = &g->nodes[i];
    const bd_value *in = &g->values[n->inputs[0]], *out = &g->values[n->output];
    const float *x = ptr(g, arena, n->inputs[0]);
    float *y = ptr(g, arena, n->output);
    int batch = in->n_dims == 4 ? (int)in->dims[0] : 1;
    size_t in_img = batch ? in->n_elems / (size_t)batch : 0;
    size_t out_img = batch ? out->n_elems / (size_t)batch : 0;
    size_t r0 = 0, r1 = 0; /* this thread's output rows of each image */
    if (out->n_dims == 4) share((size_t)out->dims[1], ith, nth, &r0, &r1);
    int y0 = (int)r0, y1 = (int)r1;

    switch (n->op) {
    case BD_OP_CONV2D:
    case BD_OP_DWCONV2D:
    case BD_OP_TCONV2D: {
        bd_conv_params p = bd_node_conv_params(g, n);
        bd_conv_fn fn = n->op == BD_OP_CONV2D ? k->conv2d
                        : n->op == BD_OP_DWCONV2D ? k->dwconv2d : k->tconv2d;
        const float *r = n->n_inputs == 4 ? ptr(g, arena, n->inputs[3]) : NULL;
        if (n->packed_bf16) { /* BF16: only conv2d gets it */
            run_bf16(m, n, arena, &p, batch, y0, y1, nth);
            break;
        }
        if (n->packed_int8) { /* INT8: the same */
            run_int8(m, n, arena, &p, batch, y0, y1, nth);
            break;
        }
        if (n->wino) { /* Winograd: this tile's rows of m (its tiles split those) */
            const int mo = bd_wino_m(&p);
            size_t t0, t1;
            share(((size_t)p.out_h + mo - 1) / mo, ith, nth, &t0, &t1);
            const int w0 = (int)t0 * mo;
            const int w1 = (int)t1 * mo < p.out_h ? (int)t1 * mo : p.out_h;
            bd_conv_parts parts;
            for (int bi = 0; bi < batch && w1 > w0; bi++)
                k->conv2d_wino(&p, x + bi * in_img, skipped_parts(g, n, arena, bi, batch, &parts),
                               n->packed, r ? r + bi * out_img : NULL, y + bi * out_img, w0, w1,
                               scratch);
            break;
        }
        if (n->packed_f16) { /* FP16 storage: only conv2d and dwconv2d get it */
            bd_conv_f16_fn f16 = n->op == BD_OP_CONV2D ? k->conv2d_f16 : k->dwconv2d_f16;
            for (int bi = 0; bi < batch && y1 > y0; bi++)
                f16(&p, x + bi * in_img, n->packed_f16, r ? r + bi * out_img : NULL,
                    y + bi * out_img, y0, y1);
            break;
        }
        const int nb = nth > 1 ? oc_blocks(m, n) : 0;
        if (nb) { /* units u = block * rows + row; this tile's [u0, u1) */
            const size_t rows = (size_t)p.out_h;
            size_t u0, u1;
            share(rows * (size_t)nb, ith, nth, &u0, &u1);
            for (size_t u = u0; u < u1;) {
                const size_t b = u / rows, row0 = u % rows;
                const size_t row1 = u1 - b * rows < rows ? u1 - b * rows : rows;
                p.oc_begin = (int)b * k->conv2d_oc_block;
                p.oc_end = p.oc_begin + k->conv2d_oc_block < p.out_c
                               ? p.oc_begin + k->conv2d_oc_block : p.out_c;
                fn(&p, x, n->packed, r, y, (int)row0, (int)row1);
                u = (b + 1) * rows;
            }
            break;
        }
        for (int bi = 0; bi < batch && y1 > y0; bi++)
            fn(&p, x + bi * in_img, n->packed, r ? r + bi * out_img : NULL, y + bi * out_img, y0,
               y1);
        break;
    }
    case BD_OP_AVGPOOL2D:
    case BD_OP_MAXPOOL2D: {
        bd_conv_params p = bd_node_conv_params(g, n);
        bd_pool_fn fn = n->op == BD_OP_AVGPOOL2D ? k->avgpool : k->maxpool;
        for (int bi = 0; bi < batch && y1 > y0; bi++)
            fn(&p, x + bi * in_img, y + bi * out_img, y0, y1);
        break;
    }
    case BD_OP_MEAN_HW:
        for (int bi = 0; bi < batch && ith == 0; bi++)
            k->mean_hw(x + bi * in_img, y + bi * out_img, (size_t)(in->dims[1] * in->dims[2]),
                       (int)in->dims[3]);
        break;
    case BD_OP_INSTANCE_NORM: instance_norm(m, n, arena, ith, nth); break;
    case BD_OP_RESIZE_BILINEAR: {
        bd_resize_params p = {(int)in->dims[1], (int)in->dims[2], (int)in->dims[3],
                              (int)out->dims[1], (int)out->dims[2], n->align_corners,
                              n->half_pixel};
        for (int bi = 0; bi < batch && y1 > y0; bi++)
            k->resize_bilinear(&p, x + bi * in_img, y + bi * out_img, y0, y1);
        break;
    }
    case BD_OP_RESIZE_AFFINE: {
        /* rows of all images in one range, [u0, u1) of batch * out_h */
        const bd_resize_params p = {(int)in->dims[1], (int)in->dims[2], (int)in->dims[3],
                                    (int)n->out_h, (int)n->out_w, n->align_corners,
                                    n->half_pixel};
        const float *xm = ptr(g, arena, n->inputs[1]), *b = ptr(g, arena, n->inputs[2]);
        const size_t rows = (size_t)p.out_h, out_im = (size_t)p.out_h * p.out_w * p.c;
        /* the addend (fuse.c pass 7) covers the leading n_r images */
        const float *r = n->n_inputs > 3 ? ptr(g, arena, n->inputs[3]) : NULL;
        const size_t n_r = r ? g->values[n->inputs[3]].n_elems / out_im : 0;
        const bd_act_params act = {n->act, n->act_min, n->act_max};
        size_t u0, u1;
        share((size_t)in->dims[0] * rows, ith, nth, &u0, &u1);
        for (size_t u = u0; u < u1;) {
            const size_t bi = u / rows, q0 = u % rows;
            const size_t q1 = u1 - bi * rows < rows ? u1 - bi * rows : rows;
            k->resize_affine(&p, x + bi * in_img, b + bi * in_img, xm + bi * out_im,
                             bi < n_r ? r + bi * out_im : NULL, &act, y + bi * out_im, (int)q0,
                             (int)q1);
            u = bi * rows + q1;
        }
        break;
    }
    case BD_OP_RESIZE_NEAREST: {
        bd_nearest_params p = {(int)in->dims[1], (int)in->dims[2], (int)in->dims[3],
                               (int)out->dims[1], (int)out->dims[2], n->coord_mode,
                               n->nearest_mode, n->scale_h, n->scale_w};
        for (int bi = 0; bi < batch && y1 > y0; bi++)
            k->resize_nearest(&p, x + bi * in_img, y + bi * out_img, y0, y1);
        break;
    }
    case BD_OP_ADD: binary(g, n, arena, k->add, ith, nth); break;
    case BD_OP_SUB: binary(g, n, arena, k->sub, ith, nth); break;
    case BD_OP_DIV: binary(g, n, arena, k->div, ith, nth); break;
    case BD_OP_PRELU: binary(g, n, arena, k->prelu, ith, nth); break;
    case BD_OP_SOFTMAX: {
        /* [outer, n, inner] with the softmax over n; threads split outer. */
        size_t outer = 1, len = 1, inner = 1, o0, o1;
        for (int a = 0; a < out->n_dims; a++) {
            size_t d = (size_t)out->dims[a];
            if (a < n->axis) outer *= d;
            else if (a < n->axis + n->axis_n) len *= d;
            else inner *= d;
        }
        share(outer, ith, nth, &o0, &o1);
        if (o1 > o0) k->softmax(x + o0 * len * inner, y + o0 * len * inner, o1 - o0, len, inner);
        break;
    }
    case BD_OP_PAD:
    case BD_OP_SLICE: {
        size_t view;
        if (bd_slice_view(g, n, &view) && (const uint8_t *)x + view == (const uint8_t *)y)
            break; /* the planner made the output a view: nothing to copy */
        bd_copy_params p = copy_params(g, n);
        size_t rows = out->n_elems / (size_t)out->dims[out->n_dims - 1], q0, q1;
        share(rows, ith, nth, &q0, &q1);
        if (q1 > q0) (n->op == BD_OP_PAD ? k->pad : k->slice)(&p, x, y, q0, q1);
        break;
    }
    case BD_OP_MUL: {
        int full, gate;
        if (bd_mul_is_channel_gate(g, n, &full, &gate)) {
            /* squeeze-excite gating (+ fused addend): rows of pixels per thread */
            int c = (int)out->dims[out->n_dims - 1];
            size_t n_pix = out->n_elems / (size_t)c, p0, p1;
            share(n_pix, ith, nth, &p0, &p1);
            bd_act_params act = {n->act, n->act_min, n->act_max};
            const float *a = ptr(g, arena, n->inputs[full]), *gv = ptr(g, arena, n->inputs[gate]);
            const float *b = n->n_inputs == 3 ? ptr(g, arena, n->inputs[2]) : NULL;
            size_t o = p0 * (size_t)c;
            if (p1 > p0) k->cmul(a + o, gv, b ? b + o : NULL, y + o, p1 - p0, c, &act);
        } else {
            binary(g, n, arena, k->mul, ith, nth);
        }
        break;
    }
    case BD_OP_RELU:
    case BD_OP_RELU6:
    case BD_OP_CLAMP:
    case BD_OP_HARDSWISH:
    case BD_OP_SIGMOID:
    case BD_OP_TANH: {
        bd_act_params p = {op_act(n->op), n->act_min, n->act_max};
        size_t e0, e1;
        share(out->n_elems / 16, ith, nth, &e0, &e1);
        e0 *= 16;
        e1 = ith == nth - 1 ? out->n_elems : e1 * 16;
        if (e1 > e0) k->unary[p.act](x + e0, y + e0, e1 - e0, &p);
        break;
    }
    case BD_OP_CONCAT:
        if (!n->concat_skipped) concat(g, n, arena, ith, nth);
        break;
    case BD_OP_RESHAPE:
        if (ith == 0 && x != y) memmove(y, x, out->n_bytes);
        break;
    case BD_OP_TRANSPOSE: {
        size_t tb, tr, tc;
        if (transpose_2d(g, n, &tb, &tr, &tc))
            transpose_tile(k, x, y, tb, tr, tc, ith, nth);
        else if (ith == 0)
            bd_f32_transpose_ref(x, y, in->n_dims, in->dims, n->perm);
        break;
    }
    case BD_OP_FULLY_CONNECTED: {
        bd_conv_params p = bd_node_conv_params(g, n);
        size_t f0, f1;
        share((size_t)p.out_h, ith, nth, &f0, &f1);
        if (n->packed_bf16) /* converts even when this tile has no rows (nth == 1) */
            run_bf16(m, n, arena, &p, 1, (int)f0, (int)f1, nth);
        else if (n->packed_int8) /* the same */
            run_int8(m, n, arena, &p, 1, (int)f0, (int)f1, nth);
        else if (f1 > f0 && n->packed_f16)
            k->conv2d_f16(&p, x, n->packed_f16, NULL, y, (int)f0, (int)f1);
        else if (f1 > f0)
            k->conv2d(&p, x, n->packed, NULL, y, (int)f0, (int)f1);
        break;
    }
    default: break; /* DEQUANTIZE and NONE never reach the executor */
    }
}
