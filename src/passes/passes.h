/*
 * passes.h -- the graph passes run at load (src/passes/): IR in, IR out. They
 * know the IR only (not the runtime that runs them, nor the kernels).
 */
#ifndef BD_PASSES_H
#define BD_PASSES_H

#include "ir/ir.h"

bd_status bd_pass_fold_constants(bd_graph *g, bd_err *err);
bd_status bd_pass_fuse(bd_graph *g, bd_err *err);
/* Converter idioms (pattern.c): x * (clip(x + 3, 0, 6) * (1/6)) -> HARDSWISH, and
 * conv(x) + constant per-channel c -> conv with bias + c. */
bd_status bd_pass_match_patterns(bd_graph *g, bd_err *err);
/* conv(x) * per-channel constant -> conv with scaled weights and bias (bn_fold.c;
 * the multiply half of a BatchNormalization, whose add pattern.c folds). */
bd_status bd_pass_fold_batchnorm(bd_graph *g, bd_err *err);

/* Drops the taps of dense convolutions that only ever read padding (trim_taps.c:
 * DeepLabV3's ASPP with dilation >= the feature map becomes a 1x1 conv). */
bd_status bd_pass_trim_conv_taps(bd_graph *g, bd_err *err);

/* Dense k x k convolutions on a channel CONCAT as one convolution per part,
 * summed through the residual input (split_concat.c; for INT8, whose per-tensor
 * activation scale then fits each part): where some part has >= min_part_c
 * channels, and not the graph's first dense convolution. */
bd_status bd_pass_split_concat_convs(bd_graph *g, int min_part_c, bd_err *err);

#endif /* BD_PASSES_H */
