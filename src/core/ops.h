/*
 * ops.h -- the op enums that both the IR (ir/ir.h) and the kernels (kernels/)
 * need: the fused activation, the Pad modes and the Resize coordinate
 * conventions. Here, at the bottom floor, so that kernels/ never includes the IR.
 */
#ifndef BD_CORE_OPS_H
#define BD_CORE_OPS_H

/* The activation applied in a kernel's epilogue (fused by import or passes). */
typedef enum bd_act {
    BD_ACT_NONE = 0,
    BD_ACT_RELU,
    BD_ACT_RELU6,
    BD_ACT_CLAMP, /* act_min .. act_max (e.g. TFLite RELU_N1_TO_1) */
    BD_ACT_HARDSWISH,
    BD_ACT_SIGMOID,
    BD_ACT_TANH,
    BD_ACT_COUNT
} bd_act;

/* PAD modes (ONNX Pad). */
enum { BD_PAD_CONSTANT = 0, BD_PAD_REFLECT, BD_PAD_EDGE };

/* RESIZE_NEAREST: ONNX coordinate_transformation_mode and nearest_mode. */
enum {
    BD_COORD_HALF_PIXEL = 0, BD_COORD_PYTORCH_HALF_PIXEL, BD_COORD_ALIGN_CORNERS,
    BD_COORD_ASYMMETRIC, BD_COORD_TF_HALF_PIXEL_FOR_NEAREST
};
enum {
    BD_NEAREST_ROUND_PREFER_FLOOR = 0, BD_NEAREST_ROUND_PREFER_CEIL, BD_NEAREST_FLOOR,
    BD_NEAREST_CEIL,
    BD_NEAREST_SIMPLE /* Upsample and Resize-10: floor, or ceil when downsampling */
};

#endif /* BD_CORE_OPS_H */
