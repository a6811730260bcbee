/*
 * model.c -- bd_model: load (read, import, verify), compile (passes, kernel
 * choice, memory plan) and the read-only queries of backdrop.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/onnx/onnx.h"
#include "import/tflite/tflite.h"
#include "kernels/wino.h"
#include "runtime/runtime.h"

/* INT8: convolutions with fewer input channels keep fp32 (int8_rule) */
#define INT8_MIN_IN_C 8

void bd_model_options_default(bd_model_options *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->isa = BD_ISA_AUTO;
    o->max_file_bytes = (size_t)512 << 20;
    o->max_tensor_bytes = (size_t)1 << 30;
    o->max_ops = 100000;
    o->max_tensors = 100000;
    o->max_arena_bytes = (size_t)1 << 30;
}

bd_status bd_model_create(const bd_model_options *opts, bd_model **out) {
    if (!out) return BD_ERR_INVALID_ARG;
    if (opts && (opts->struct_size < offsetof(bd_model_options, isa) + sizeof(bd_isa)))
        return BD_ERR_INVALID_ARG;
    bd_model *m = calloc(1, sizeof *m);
    if (!m) return BD_ERR_NO_MEMORY;
    bd_model_options_default(&m->opts);
    if (opts) { /* copy what the caller's (possibly older, smaller) struct has */
        size_t n = opts->struct_size < sizeof *opts ? opts->struct_size : sizeof *opts;
        memcpy(&m->opts, opts, n);
        m->opts.struct_size = sizeof m->opts;
        if (m->opts.max_arena_bytes == 0) m->opts.max_arena_bytes = (size_t)1 << 30;
    }
    if (m->opts.n_extra_outputs < 0 || (m->opts.n_extra_outputs > 0 && !m->opts.extra_outputs) ||
        (m->opts.precision != BD_PRECISION_FP32 && m->opts.precision != BD_PRECISION_FP16 &&
         m->opts.precision != BD_PRECISION_BF16 && m->opts.precision != BD_PRECISION_INT8 &&
         m->opts.precision != BD_PRECISION_AUTO) ||
        m->opts.input_width < 0 || m->opts.input_width > BD_MAX_INPUT_SIDE ||
        m->opts.input_height < 0 || m->opts.input_height > BD_MAX_INPUT_SIDE ||
        m->opts.frame_width < 0 || m->opts.frame_width > BD_MAX_INPUT_SIDE ||
        m->opts.frame_height < 0 || m->opts.frame_height > BD_MAX_INPUT_SIDE ||
        !(m->opts.downsample_ratio >= 0.0f && m->opts.downsample_ratio <= 1.0f) ||
        (m->opts.conv_algo != BD_CONV_ALGO_AUTO && m->opts.conv_algo != BD_CONV_ALGO_DIRECT)) {
        free(m);
        return BD_ERR_INVALID_ARG;
    }
    *out = m;
    return BD_OK;
}

void bd_model_free(bd_model *m) {
    if (!m) return;
    bd_graph_free(&m->graph);
    free(m);
}

const char *bd_model_last_error(const bd_model *m) { return m ? m->err.msg : ""; }

/* Marks the named intermediate tensors as extra graph outputs. */
static bd_status add_extra_outputs(bd_model *m) {
    bd_graph *g = &m->graph;
    for (int i = 0; i < m->opts.n_extra_outputs; i++) {
        const char *name = m->opts.extra_outputs[i];
        int found = -1;
        for (int v = 0; v < g->n_values && found < 0 && name; v++)
            if (!g->values[v].is_const && strcmp(g->values[v].name, name) == 0) found = v;
        if (found < 0)
            return bd_err_set(&m->err, BD_ERR_INVALID_ARG,
                              "extra output '%s' is not a tensor of the model", name ? name : "");
        if (g->values[found].is_output) continue;
        int *o = realloc(g->outputs, sizeof(int) * ((size_t)g->n_outputs + 1));
        if (!o) return bd_err_set(&m->err, BD_ERR_NO_MEMORY, "out of memory");
        g->outputs = o;
        g->outputs[g->n_outputs++] = found;
        g->values[found].is_output = true;
    }
    return BD_OK;
}

/* Import -> fold constants -> verify -> passes -> verify -> plan -> kernels. */
static bd_status load(bd_model *m, const uint8_t *data, size_t size, const char *base_dir) {
    bd_status st;
    bd_graph *g = &m->graph;
    bd_graph_init(g, m->opts.max_tensor_bytes);
    if (size >= 8 && memcmp(data + 4, "TFL3", 4) == 0) {
        m->format = "tflite";
        st = bd_tflite_import(data, size, &m->opts, g, &m->err);
    } else if (bd_onnx_probe(data, size)) {
        /* A serialized ONNX ModelProto has no magic number; its first record is a
         * ModelProto field (exporters write ir_version, tag 0x08, first). */
        m->format = "onnx";
        st = bd_onnx_import(data, size, &m->opts, base_dir, g, &m->err);
    } else {
        st = bd_err_set(&m->err, BD_ERR_FORMAT,
                        "not a model file that backdrop reads (expected TFLite or ONNX)");
    }
    if (st) return st;
    if ((st = add_extra_outputs(m))) return st;
    if ((st = bd_pass_fold_constants(g, &m->err))) return st;
    if ((st = bd_graph_compact(g, &m->err))) return st;
    if ((st = bd_graph_verify(g, &m->err))) return st;
    if ((st = bd_pass_fold_batchnorm(g, &m->err))) return st;
    if ((st = bd_pass_match_patterns(g, &m->err))) return st;
    if ((st = bd_pass_trim_conv_taps(g, &m->err))) return st;
    if ((st = bd_pass_fuse(g, &m->err))) return st;
    bd_kernels_init(&m->kernels, bd_isa_resolve(m->opts.isa));
    /* INT8 quantises per tensor: a concatenation's parts each need their own scale */
    if (m->opts.precision == BD_PRECISION_INT8 && m->kernels.conv2d_int8 &&
        (st = bd_pass_split_concat_convs(g, INT8_MIN_IN_C, &m->err)))
        return st;
    if ((st = bd_graph_verify(g, &m->err))) return st; /* passes must keep it valid */
    bd_graph_analyse(g);
    if ((st = bd_plan_memory(g, &m->arena_bytes, &m->err))) return st;
    if (m->arena_bytes > m->opts.max_arena_bytes)
        return bd_err_set(&m->err, BD_ERR_LIMIT,
                          "model needs an activation arena of %zu bytes, more than the limit "
                          "of %zu (bd_model_options.max_arena_bytes)",
                          m->arena_bytes, m->opts.max_arena_bytes);
    m->n_macs = 0;
    for (int i = 0; i < g->n_nodes; i++) m->n_macs += bd_node_macs(g, &g->nodes[i]);
    m->precision = m->opts.precision;
    if (m->precision == BD_PRECISION_AUTO) bd_precision_auto(m);
    if ((st = bd_pack_weights(m))) return st;
    if (m->arena_bytes > m->opts.max_arena_bytes) /* BF16: grew by the input scratch */
        return bd_err_set(&m->err, BD_ERR_LIMIT,
                          "model needs an activation arena of %zu bytes with its BF16 input "
                          "scratch, more than the limit of %zu (bd_model_options.max_arena_bytes)",
                          m->arena_bytes, m->opts.max_arena_bytes);
    return BD_OK;
}

/* Loads from memory; base_dir (may be NULL) is where ONNX external data lives. */
static bd_status load_memory(bd_model *m, const void *data, size_t size, const char *base_dir) {
    if (!m) return BD_ERR_INVALID_ARG;
    if (m->loaded || m->failed)
        return bd_err_set(&m->err, BD_ERR_BAD_STATE, "the model handle was already used");
    bd_status st;
    if (!data) {
        st = bd_err_set(&m->err, BD_ERR_INVALID_ARG, "no model data");
    } else if (size > m->opts.max_file_bytes) {
        st = bd_err_set(&m->err, BD_ERR_LIMIT, "model is %zu bytes, larger than the limit %zu",
                        size, m->opts.max_file_bytes);
    } else {
        st = load(m, data, size, base_dir);
    }
    if (st) {
        m->failed = true;
        bd_graph_free(&m->graph);
        return st;
    }
    m->loaded = true;
    return BD_OK;
}

bd_status bd_model_load_memory(bd_model *m, const void *data, size_t size) {
    return load_memory(m, data, size, NULL);
}

bd_status bd_model_load_file(bd_model *m, const char *path) {
    if (!m) return BD_ERR_INVALID_ARG;
    if (m->loaded || m->failed)
        return bd_err_set(&m->err, BD_ERR_BAD_STATE, "the model handle was already used");
    if (!path) {
        m->failed = true;
        return bd_err_set(&m->err, BD_ERR_INVALID_ARG, "no model path");
    }
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    bd_status st = BD_OK;
    if (!f) {
        st = bd_err_set(&m->err, BD_ERR_IO, "cannot open model '%s': %s", path, strerror(errno));
        goto fail;
    }
    /* Read in chunks up to the limit: works for pipes and never trusts a size. */
    size_t cap = 1 << 16, len = 0;
    buf = malloc(cap);
    if (!buf) {
        st = bd_err_set(&m->err, BD_ERR_NO_MEMORY, "out of memory reading '%s'", path);
        goto fail;
    }
    for (;;) {
        if (len == cap) {
            if (cap > m->opts.max_file_bytes) {
                st = bd_err_set(&m->err, BD_ERR_LIMIT,
                                "model '%s' is larger than the limit of %zu bytes", path,
                                m->opts.max_file_bytes);
                goto fail;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                st = bd_err_set(&m->err, BD_ERR_NO_MEMORY, "out of memory reading '%s'", path);
                goto fail;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        st = bd_err_set(&m->err, BD_ERR_IO, "cannot read model '%s': %s", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    f = NULL;
    {
        /* External data files are named relative to the model's directory. */
        char dir[1024];
        const char *slash = strrchr(path, '/');
        size_t dl = slash ? (size_t)(slash - path) : 0;
        if (!slash) snprintf(dir, sizeof dir, ".");
        else if (dl == 0) snprintf(dir, sizeof dir, "/");
        else snprintf(dir, sizeof dir, "%.*s", (int)(dl < sizeof dir - 1 ? dl : sizeof dir - 1),
                      path);
        st = load_memory(m, buf, len, dir);
    }
    if (st) {
        /* prefix the file name to the importer's message */
        char msg[BD_ERR_MSG_SIZE];
        int k = snprintf(msg, sizeof msg, "model '%.200s': ", path);
        if (k > 0 && (size_t)k < sizeof msg) {
            size_t room = sizeof msg - (size_t)k - 1, mlen = strlen(m->err.msg);
            if (mlen > room) mlen = room;
            memcpy(msg + k, m->err.msg, mlen);
            msg[(size_t)k + mlen] = '\0';
            memcpy(m->err.msg, msg, sizeof msg);
        }
    }
    free(buf);
    return st;
fail:
    if (f) fclose(f);
    free(buf);
    m->failed = true;
    return st;
}

/* Allocates and fills one node's packed weights: n elements of `elem` bytes. */
static void *pack_alloc(bd_model *m, const bd_node *n, size_t n_elems, size_t elem) {
    size_t bytes;
    if (!bd_size_mul(n_elems, elem, &bytes)) {
        bd_err_set(&m->err, BD_ERR_LIMIT, "op %d: packed weights too large", n->src_index);
        return NULL;
    }
    void *p = bd_aligned_alloc(bytes);
    if (!p) bd_err_set(&m->err, BD_ERR_NO_MEMORY, "out of memory");
    else m->packed_bytes += bytes;
    return p;
}

/* BF16: packs node n's weights for conv2d_bf16 when the table has it and the
 * kernel takes the geometry, and grows the input scratch to fit its input.
 * Returns 1 if packed, 0 if not (the node keeps fp32), -1 on error. */
static int pack_bf16(bd_model *m, bd_node *n, const bd_conv_params *p, const float *w,
                     const float *b, size_t *scratch_bytes) {
    const bd_kernels *k = &m->kernels;
    size_t n_u16 = k->pack_conv2d_bf16 ? k->pack_conv2d_bf16(p, w, b, NULL) : 0;
    if (!n_u16) return 0;
    /* The converted input: every pixel of the (batched) input at the even
     * channel stride, 2 bytes each. */
    const bd_value *in = &m->graph.values[n->inputs[0]];
    size_t pix = in->n_elems / (size_t)p->in_c, bytes;
    if (!bd_size_mul(pix, (size_t)bd_bf16_stride(p->in_c) * 2, &bytes)) {
        bd_err_set(&m->err, BD_ERR_LIMIT, "op %d: bf16 input too large", n->src_index);
        return -1;
    }
    n->packed_bf16 = pack_alloc(m, n, n_u16, sizeof(uint16_t));
    if (!n->packed_bf16) return -1;
    k->pack_conv2d_bf16(p, w, b, n->packed_bf16);
    if (bytes > *scratch_bytes) *scratch_bytes = bytes;
    return 1;
}

/* INT8: which dense convolutions get it (the others keep fp32), measured on
 * RVM, MODNet and the selfie models against issue 14's budget (mean |d alpha|
 * <= 1/255, IoU >= 0.99; tests/models/test_int8.c, docs/NOTES.md):
 *   - only k x k ones (k_h * k_w > 1): 1x1 convolutions are memory-bound at
 *     these sizes (int8 gained nothing there) and in int8 they took the selfie
 *     models to 2.4/255 and IoU 0.96;
 *   - not the first dense convolution of the graph (the stem, on the
 *     normalised image: alone 1.5/255 on RVM at ratio 0.25);
 *   - not one of < 8 input channels (the 3-channel image parts of RVM's and
 *     MODNet's decoders once split, below: MODNet's at 512x288 ran 3.6 ms in
 *     int8 against 3.0 in fp32, measured on a loaded machine, and fp32 keeps
 *     the image exact);
 *   - not one whose input is a CONCAT: one scale per tensor cannot serve parts
 *     of different ranges (RVM's decoder concatenates features with the
 *     3-channel downsampled image; two of those convolutions alone cost 0.5
 *     and 0.95/255; MODNet's unequal concatenations took a photo's IoU to
 *     0.985). In INT8 mode the k x k ones were split by part before
 *     (passes/split_concat.c), so each part is a tensor of its own scale; what
 *     still reads a CONCAT here is left fp32. */
static bool int8_rule(const bd_graph *g, const bd_node *n, const bd_conv_params *p, bool first) {
    if (n->op != BD_OP_CONV2D || p->k_h * p->k_w < 2 || first || p->in_c < INT8_MIN_IN_C)
        return false;
    const int prod = g->values[n->inputs[0]].producer;
    if (prod < 0 || g->nodes[prod].op != BD_OP_CONCAT) return true;
    /* Measured and not taken: "unless the parts have equal channel counts"
     * (RVM's ConvGRU [x, h]: 9 int8 ops, 0.50/255, IoU 0.995) broke MODNet
     * (a photo's IoU 0.985): the split by part replaced it. */
    return false;
}

/* INT8: the same for conv2d_int8; the scratch holds the quantisation header
 * (bd_int8_scratch_header bytes: per-tile min/max and the chosen parameters)
 * and the u8 input at channel stride bd_int8_stride(in_c). */
static int pack_int8(bd_model *m, bd_node *n, const bd_conv_params *p, const float *w,
                     const float *b, size_t *scratch_bytes) {
    const bd_kernels *k = &m->kernels;
    size_t n_bytes = k->pack_conv2d_int8 ? k->pack_conv2d_int8(p, w, b, NULL) : 0;
    if (!n_bytes) return 0;
    const bd_value *in = &m->graph.values[n->inputs[0]];
    size_t pix = in->n_elems / (size_t)p->in_c, bytes;
    if (!bd_size_mul(pix, (size_t)bd_int8_stride(p->in_c), &bytes) ||
        !bd_size_add(bytes, BD_INT8_SCRATCH_HEADER, &bytes)) {
        bd_err_set(&m->err, BD_ERR_LIMIT, "op %d: int8 input too large", n->src_index);
        return -1;
    }
    n->packed_int8 = pack_alloc(m, n, n_bytes, 1);
    if (!n->packed_int8) return -1;
    k->pack_conv2d_int8(p, w, b, n->packed_int8);
    if (bytes > *scratch_bytes) *scratch_bytes = bytes;
    return 1;
}

/* A channel CONCAT whose only consumer is the BF16 or Winograd conv right after it
 * need not be written: the BF16 conv converts its input to bf16 anyway, and the
 * conversion can read each part into its channels (exec.c convert_input); the
 * Winograd input transform reads each part into its channels of V (exec.c
 * skipped_parts). The conv must come next, and the parts then live until it has
 * run (replan_for_parts: Winograd writes while it reads); the concat's own output
 * gets no memory. Not when the planner placed the parts inside
 * the output already (then the copy is skipped anyway) or the output is read
 * elsewhere (a graph output, a residual input). */
static int fold_concats(bd_graph *g) {
    int n_skipped = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        if (!(n->packed_bf16 || n->wino) || n->n_inputs < 1) continue;
        const int v = n->inputs[0];
        const bd_value *cv = &g->values[v];
        const int c = cv->producer;
        if (c < 0 || c >= i || cv->n_consumers != 1 || cv->is_output || cv->is_input ||
            cv->alias_of >= 0 || cv->n_dims < 1)
            continue;
        bd_node *cn = &g->nodes[c];
        if (cn->op != BD_OP_CONCAT || cn->axis != cv->n_dims - 1) continue;
        bool ok = true;
        for (int j = c + 1; j < i && ok; j++) ok = g->nodes[j].op == BD_OP_NONE;
        for (int k = 1; k < n->n_inputs && ok; k++) ok = n->inputs[k] != v;
        /* a last part of cp - 1 channels (cp = the bf16 stride of the whole: an even
         * total) would be converted with the kernel's pad after it, over the next
         * pixel's channel 0 (an earlier part's pad is overwritten by the part after) */
        const int cp = bd_bf16_stride((int)cv->dims[cv->n_dims - 1]);
        ok = ok && (n->packed_bf16 || cn->n_inputs <= BD_CONV_MAX_PARTS);
        for (int k = 0; k < cn->n_inputs && ok; k++) {
            const bd_value *p = &g->values[cn->inputs[k]];
            ok = p->alias_of != v && p->n_dims == cv->n_dims && p->n_elems > 0 &&
                 (!n->packed_bf16 || k + 1 < cn->n_inputs || p->dims[p->n_dims - 1] + 1 != cp);
        }
        for (int u = 0; u < g->n_values && ok; u++) ok = g->values[u].alias_of != v;
        if (!ok) continue;
        cn->concat_skipped = true;
        n_skipped++;
    }
    return n_skipped;
}

/* After fold_concats: the parts of every skipped concat live until its conv has
 * run (Winograd writes its output while it reads them), the concat's output is
 * not placed (its offset is 0, never dereferenced), and the arena is planned again
 * with those lives. */
static bd_status replan_for_parts(bd_model *m) {
    bd_graph *g = &m->graph;
    bd_graph_analyse(g);
    for (int i = 0; i < g->n_nodes; i++) {
        const bd_node *n = &g->nodes[i];
        const int c = n->n_inputs > 0 ? g->values[n->inputs[0]].producer : -1;
        if (c < 0 || g->nodes[c].op != BD_OP_CONCAT || !g->nodes[c].concat_skipped) continue;
        for (int k = 0; k < g->nodes[c].n_inputs; k++) {
            bd_value *p = &g->values[g->nodes[c].inputs[k]];
            if (p->last_use < i) p->last_use = i;
        }
        bd_value *cv = &g->values[g->nodes[c].output]; /* never written nor read: no room */
        cv->first_use = cv->last_use = -1;
    }
    bd_status st = bd_plan_memory(g, &m->arena_bytes, &m->err);
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == BD_OP_CONCAT && g->nodes[i].concat_skipped)
            g->values[g->nodes[i].output].arena_offset = 0;
    return st;
}

bd_status bd_pack_weights(bd_model *m) {
    bd_graph *g = &m->graph;
    const bd_kernels *k = &m->kernels;
    const bool fp16 = m->precision == BD_PRECISION_FP16;
    const bool bf16 = m->precision == BD_PRECISION_BF16;
    const bool int8 = m->precision == BD_PRECISION_INT8;
    int kept_fp32 = 0; /* dense convolutions left in fp32 in BF16/INT8 mode, any in FP16 */
    size_t scratch = 0; /* bytes of the scratch region: BF16/INT8 input, INSTANCE_NORM sums */
    m->packed_bytes = 0;
    m->n_ops_f16 = 0;
    m->n_ops_bf16 = 0;
    m->n_ops_int8 = 0;
    m->n_ops_wino = 0;
    m->thread_scratch_bytes = 0;
    m->precision_note = "";
    const int stem = bd_graph_first_dense(g); /* INT8: the first dense convolution stays fp32 */
    for (int i = 0; i < g->n_nodes; i++) {
        bd_node *n = &g->nodes[i];
        const bool dense = n->op == BD_OP_CONV2D || n->op == BD_OP_FULLY_CONNECTED;
        n->wino = false;
        bd_pack_fn pack = dense                     ? k->pack_conv2d
                          : n->op == BD_OP_DWCONV2D ? k->pack_dwconv2d
                          : n->op == BD_OP_TCONV2D  ? k->pack_tconv2d
                                                    : NULL;
        if (n->op == BD_OP_INSTANCE_NORM) {
            const size_t need = bd_exec_norm_scratch(g, n);
            if (need > scratch) scratch = need;
        }
        if (!pack) continue;
        bd_conv_params p = bd_node_conv_params(g, n);
        const float *w = g->values[n->inputs[1]].data, *b = g->values[n->inputs[2]].data;
        const bool wino = n->op == BD_OP_CONV2D && k->conv2d_wino &&
                          m->opts.conv_algo == BD_CONV_ALGO_AUTO && bd_wino_worth(&p);
        if (bf16 && dense && !wino) {
            /* bf16 weights and activations where the table has the kernel; the
             * depthwise and transposed convolutions stay fp32. */
            int r = pack_bf16(m, n, &p, w, b, &scratch);
            if (r < 0) return m->err.status;
            if (r > 0) {
                m->n_ops_bf16++;
                continue;
            }
            kept_fp32++;
        }
        const bool int8_ok = int8_rule(g, n, &p, i == stem);
        if (int8 && dense) {
            /* s8 weights and u8 activations where the table has the kernel and
             * the accuracy rule (int8_rule) allows; the others stay fp32. */
            int r = int8_ok ? pack_int8(m, n, &p, w, b, &scratch) : 0;
            if (r < 0) return m->err.status;
            if (r > 0) {
                m->n_ops_int8++;
                continue;
            }
            kept_fp32++;
        }
        if (fp16) {
            /* Half weights where the level has an _f16 kernel for this geometry
             * (its pack function returns 0 otherwise). */
            bd_pack_f16_fn pack16 = dense                     ? k->pack_conv2d_f16
                                    : n->op == BD_OP_DWCONV2D ? k->pack_dwconv2d_f16
                                                              : NULL;
            size_t n_half = pack16 ? pack16(&p, w, b, NULL) : 0;
            if (n_half) {
                n->packed_f16 = pack_alloc(m, n, n_half, sizeof(uint16_t));
                if (!n->packed_f16) return m->err.status;
                pack16(&p, w, b, n->packed_f16);
                m->n_ops_f16++;
                continue;
            }
            kept_fp32++;
        }
        if (wino) {
            /* Winograd F(4x4, 3x3); each thread of a session gets the scratch */
            n->packed = pack_alloc(m, n, k->pack_conv2d_wino(&p, w, b, NULL), sizeof(float));
            if (!n->packed) return m->err.status;
            k->pack_conv2d_wino(&p, w, b, n->packed);
            const size_t need = (k->conv2d_wino_scratch(&p) * sizeof(float) + 63) / 64 * 64;
            if (need > m->thread_scratch_bytes) m->thread_scratch_bytes = need;
            n->wino = true;
            m->n_ops_wino++;
            continue;
        }
        n->packed = pack_alloc(m, n, pack(&p, w, b, NULL), sizeof(float));
        if (!n->packed) return m->err.status;
        pack(&p, w, b, n->packed);
    }
    if (fp16 && !m->n_ops_f16 && kept_fp32)
        m->precision_note = "FP16 needs the avx2 or avx512 kernel level (F16C); this level "
                            "has no FP16 kernels, so the weights stay FP32";
    else if (fp16 && kept_fp32)
        m->precision_note = "transposed convolutions and depthwise ones with a depth "
                            "multiplier > 1 keep FP32 weights";
    else if (bf16 && !m->n_ops_bf16 && kept_fp32)
        m->precision_note = !k->pack_conv2d_bf16 && k->isa < BD_ISA_AVX512
                                ? "BF16 needs the avx512 kernel level and a CPU with "
                                  "AVX512_BF16; the kernel level is capped below avx512 "
                                  "(BD_ISA or --isa), so everything runs FP32"
                                : "BF16 needs a CPU with AVX512_BF16 (and a build with "
                                  "-mavx512bf16); this one has none, so everything runs FP32";
    else if (int8 && !m->n_ops_int8 && kept_fp32 && k->pack_conv2d_int8)
        m->precision_note = "no dense convolution passes the INT8 accuracy rule (k x k, not the "
                            "first, >= 8 input channels), so everything runs FP32";
    else if (int8 && !m->n_ops_int8 && kept_fp32)
        m->precision_note = !k->pack_conv2d_int8 && k->isa < BD_ISA_AVX512
                                ? "INT8 needs the avx512 kernel level and a CPU with "
                                  "AVX512_VNNI; the kernel level is capped below avx512 "
                                  "(BD_ISA or --isa), so everything runs FP32"
                                : "INT8 needs a CPU with AVX512_VNNI (and a build with "
                                  "-mavx512vnni); this one has none, so everything runs FP32";
    else if (int8 && kept_fp32)
        m->precision_note = "1x1 convolutions, the first dense one and those on < 8 "
                            "channels or an unsplit concatenation keep FP32 (the INT8 "
                            "accuracy rule)";
    else if (bf16 && kept_fp32)
        m->precision_note = "some dense convolutions keep FP32 (geometry the BF16 kernel "
                            "does not take)";
    if (fold_concats(g) > 0) {
        bd_status st = replan_for_parts(m);
        if (st) return st;
    }
    if (m->opts.precision == BD_PRECISION_AUTO) { /* the choice, then why ops kept fp32 */
        size_t len = strlen(m->precision_text);
        if (m->precision_note[0] && len + 2 < sizeof m->precision_text)
            snprintf(m->precision_text + len, sizeof m->precision_text - len, "; %s",
                     m->precision_note);
        m->precision_note = m->precision_text;
    }
    /* The scratch goes after the planned tensors, 64-byte aligned. */
    m->bf16_offset = 0;
    if (scratch) {
        size_t off, end;
        if (!bd_size_align(m->arena_bytes, &off) || !bd_size_add(off, scratch, &end) ||
            !bd_size_align(end, &end))
            return bd_err_set(&m->err, BD_ERR_LIMIT, "scratch region too large");
        m->bf16_offset = off;
        m->arena_bytes = end;
    }
    return BD_OK;
}

int bd_model_n_inputs(const bd_model *m) { return m && m->loaded ? m->graph.n_inputs : 0; }
int bd_model_n_outputs(const bd_model *m) { return m && m->loaded ? m->graph.n_outputs : 0; }

static bd_status info(const bd_model *m, int v, bd_tensor_info *out) {
    const bd_value *val = &m->graph.values[v];
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", val->name);
    out->dtype = val->dtype;
    out->n_dims = val->n_dims;
    for (int i = 0; i < val->n_dims; i++) out->dims[i] = val->dims[i];
    return BD_OK;
}

bd_status bd_model_input_info(const bd_model *m, int i, bd_tensor_info *out) {
    if (!m || !out || !m->loaded || i < 0 || i >= m->graph.n_inputs) return BD_ERR_INVALID_ARG;
    return info(m, m->graph.inputs[i], out);
}

unsigned bd_model_input_free_dims(const bd_model *m, int i) {
    if (!m || !m->loaded || i < 0 || i >= m->graph.n_inputs) return 0;
    return m->graph.values[m->graph.inputs[i]].free_dims;
}

bd_status bd_model_output_info(const bd_model *m, int i, bd_tensor_info *out) {
    if (!m || !out || !m->loaded || i < 0 || i >= m->graph.n_outputs) return BD_ERR_INVALID_ARG;
    return info(m, m->graph.outputs[i], out);
}

bd_status bd_model_get_stats(const bd_model *m, bd_model_stats *out) {
    if (!m || !out || out->struct_size < sizeof(size_t)) return BD_ERR_INVALID_ARG;
    if (!m->loaded) return BD_ERR_BAD_STATE;
    bd_model_stats s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.format = m->format;
    s.description = m->graph.description ? m->graph.description : "";
    s.n_ops_imported = m->graph.n_src_ops;
    s.n_ops_compiled = m->graph.n_nodes;
    s.n_params = m->graph.n_params;
    s.n_macs = m->n_macs;
    /* What the kernels read: the packed weights, plus constants used other than
     * as the weight or bias of a packed node (the originals of packed weights
     * stay in the graph but are not read at run time). */
    s.weight_bytes = m->packed_bytes;
    const bd_graph *g = &m->graph;
    for (int v = 0; v < g->n_values; v++) {
        if (!g->values[v].is_const) continue;
        bool read = false;
        for (int i = 0; i < g->n_nodes && !read; i++) {
            const bd_node *n = &g->nodes[i];
            if (n->op == BD_OP_NONE) continue; /* fused away */
            const bool packed = n->packed || n->packed_f16 || n->packed_bf16 || n->packed_int8;
            for (int j = 0; j < n->n_inputs && !read; j++)
                read = n->inputs[j] == v && !(packed && (j == 1 || j == 2));
        }
        if (read) s.weight_bytes += g->values[v].n_bytes;
    }
    s.arena_bytes = m->arena_bytes;
    s.isa = m->kernels.isa;
    s.precision = m->n_ops_int8 > 0   ? BD_PRECISION_INT8
                  : m->n_ops_bf16 > 0 ? BD_PRECISION_BF16
                  : m->n_ops_f16 > 0 ? BD_PRECISION_FP16
                                     : BD_PRECISION_FP32;
    s.n_ops_fp16 = m->n_ops_f16;
    s.n_ops_bf16 = m->n_ops_bf16;
    s.n_ops_int8 = m->n_ops_int8;
    s.n_ops_winograd = m->n_ops_wino;
    s.precision_note = m->precision_note ? m->precision_note : "";
    s.downsample_ratio = m->graph.downsample_ratio;
    size_t n = out->struct_size < sizeof s ? out->struct_size : sizeof s;
    memcpy(out, &s, n);
    out->struct_size = n;
    return BD_OK;
}

bd_status bd_model_op_counts(const bd_model *m, void (*cb)(const char *, int, void *),
                             void *user) {
    if (!m || !cb) return BD_ERR_INVALID_ARG;
    if (!m->loaded) return BD_ERR_BAD_STATE;
    for (int i = 0; i < m->graph.n_hist; i++) cb(m->graph.hist[i].name, m->graph.hist[i].count, user);
    return BD_OK;
}
