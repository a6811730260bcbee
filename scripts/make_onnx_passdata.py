#!/usr/bin/env python3
"""Builds the ONNX models of tests/models/test_onnx_passes.c in tests/data/onnx (prefix
pass_) with ONNX Runtime's outputs, in the format of make_onnx_testdata.py:
PyTorch's pre-opset-14 hardswish and squeeze-excite gate (HardSigmoid + Mul), ASPP
convolutions whose dilation reaches past the feature map, and depthwise
convolutions with dilation 2 (torchvision MobileNetV3's last stage), and MODNet's
IBNorm (BatchNorm and InstanceNorm on the two halves of a conv's channels),
Slices that are contiguous runs of their input (views) beside one that is not, and
the layouts of RVM's refiner (a concat and a product made NHWC, no transposes) and
its split-and-rejoin (a concat of a value's slices in order is the value) and its
fused tail (an add and the clips folded into the resized linear model).

Usage: python3 scripts/make_onnx_passdata.py (needs onnx, onnxruntime, numpy).
"""
import numpy as np
from onnx import helper

import make_onnx_testdata as t

t.rng = np.random.default_rng(20261122)
w, init, N = t.w, t.init, helper.make_node


def main():
    # hardswish = x * HardSigmoid(x; 1/6, 1/2) after a conv; SE block whose gate is
    # HardSigmoid(conv(relu(conv(mean)))) (folded into the conv, then clipped).
    hs = dict(alpha=1.0 / 6.0, beta=0.5)
    t.save("pass_hswish_se", [
        N("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        N("HardSigmoid", ["c1"], ["h1"], **hs),
        N("Mul", ["c1", "h1"], ["a1"]),
        N("GlobalAveragePool", ["a1"], ["g"]),
        N("Conv", ["g", "w2", "b2"], ["c2"]),
        N("Relu", ["c2"], ["r2"]),
        N("Conv", ["r2", "w3", "b3"], ["c3"]),
        N("HardSigmoid", ["c3"], ["gate"], **hs),
        N("Mul", ["a1", "gate"], ["y"]),
    ], [init("w1", w(16, 8, 3, 3)), init("b1", w(16)), init("w2", w(4, 16, 1, 1)),
        init("b2", w(4)), init("w3", w(16, 4, 1, 1)), init("b3", w(16))], [1, 8, 9, 11])

    # ASPP-like dense convs: dilation 6 on 5 rows (tap rows trimmed), dilation 24 on
    # 5x7 (a 1x1 conv); depthwise 3x3 and 5x5 with dilation 2.
    t.save("pass_dilated", [
        N("Conv", ["x", "w1", "b1"], ["c1"], pads=[6, 6, 6, 6], dilations=[6, 6]),
        N("Conv", ["c1", "w2", "b2"], ["c2"], pads=[24, 24, 24, 24], dilations=[24, 24]),
        N("Relu", ["c2"], ["r2"]),
        N("Conv", ["r2", "w3", "b3"], ["c3"], pads=[2, 2, 2, 2], dilations=[2, 2], group=20),
        N("Conv", ["c3", "w4", "b4"], ["y"], pads=[4, 4, 4, 4], dilations=[2, 2], group=20),
    ], [init("w1", w(20, 16, 3, 3)), init("b1", w(20)), init("w2", w(20, 20, 3, 3)),
        init("b2", w(20)), init("w3", w(20, 1, 3, 3)), init("b3", w(20)),
        init("w4", w(20, 1, 5, 5)), init("b4", w(20))], [1, 16, 5, 23])

    # MODNet's IBNorm twice: a conv's channels split by Slice, BatchNormalization on
    # one part and InstanceNormalization on the other, Concat (then Relu): each
    # becomes one INSTANCE_NORM over a channel range. Block one: BN on channels
    # 0..11 of 24, IN on 12..23, Relu; its conv bias is +40 so the instance means
    # are large against the spread. Block two: IN first (channels 0..12 of 20), then
    # Mul by a per-channel constant on 13..19, no Relu. 40x64 pixels (3 blocks of
    # sums, exec.c), so the norm splits across threads.
    i64 = lambda *v: np.array(v, np.int64)
    t.save("pass_ibnorm", [
        N("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        N("Slice", ["c1", "s0", "s12", "ax1"], ["lo1"]),
        N("BatchNormalization", ["lo1", "g1", "be1", "mu1", "va1"], ["bn1"], epsilon=1e-5),
        N("Slice", ["c1", "s12", "s24", "ax1"], ["hi1"]),
        N("InstanceNormalization", ["hi1", "ig1", "ib1"], ["in1"], epsilon=1e-5),
        N("Concat", ["bn1", "in1"], ["cat1"], axis=1),
        N("Relu", ["cat1"], ["r1"]),
        N("Conv", ["r1", "w2", "b2"], ["c2"], pads=[1, 1, 1, 1]),
        N("Slice", ["c2", "s0", "s13", "ax1"], ["lo2"]),
        N("InstanceNormalization", ["lo2", "ig2", "ib2"], ["in2"], epsilon=1e-3),
        N("Slice", ["c2", "s13", "s20", "ax1"], ["hi2"]),
        N("Mul", ["hi2", "m2"], ["mu2"]),
        N("Concat", ["in2", "mu2"], ["y"], axis=1),
    ], [init("w1", w(24, 8, 3, 3)), init("b1", w(24) + 40.0), init("s0", i64(0)),
        init("s12", i64(12)), init("s24", i64(24)), init("ax1", i64(1)),
        init("g1", w(12)), init("be1", w(12)), init("mu1", w(12)),
        init("va1", np.abs(w(12)) + 0.5), init("ig1", w(12)), init("ib1", w(12)),
        init("w2", w(20, 24, 3, 3)), init("b2", w(20)), init("s13", i64(13)),
        init("s20", i64(20)), init("ig2", w(13)), init("ib2", w(13)),
        init("m2", w(1, 7, 1, 1))], [1, 8, 40, 64])

    # Slices that are one contiguous run of their input (rows of an NHWC feature
    # map: the planner makes them views, no copy), one of them of another view, and
    # one that is not (a window of columns: copied), nor one of whole rows with the
    # columns reversed (step -1 keeps the size); a relu and a 1x1 conv read the views,
    # a concat along the width joins them all.
    t.save("pass_slice_view", [
        N("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        N("Slice", ["c1", "s2", "s10", "ax2"], ["v1"]),
        N("Slice", ["v1", "s1", "s5", "ax2"], ["v2"]),
        N("Relu", ["v2"], ["a"]),
        N("Conv", ["v2", "w2", "b2"], ["c2"]),
        N("Slice", ["c1", "s37", "e37", "ax23"], ["win"]),
        N("Slice", ["c1", "rs", "re", "ax23", "st"], ["rev"]),
        N("Concat", ["a", "win", "c2", "rev"], ["y"], axis=3),
    ], [init("w1", w(6, 8, 3, 3)), init("b1", w(6)), init("s2", i64(2)),
        init("s10", i64(10)), init("ax2", i64(2)), init("s1", i64(1)), init("s5", i64(5)),
        init("w2", w(6, 6, 1, 1)), init("b2", w(6)), init("s37", i64(3, 2)),
        init("e37", i64(7, 7)), init("ax23", i64(2, 3)), init("rs", i64(3, 9)),
        init("re", i64(7, -1000)), init("st", i64(1, -1))], [1, 8, 12, 10])

    # The layout choice of element-wise ops and Concat (RVM's refiner): the NCHW
    # input x and its channel mean are concatenated, multiplied by a conv's output
    # and box-filtered. x is transposed to NHWC once, for the first conv; the concat
    # and the product are then made NHWC (the cached NHWC x, the mean plane's memory
    # order is NHWC's), so no further TRANSPOSE is needed before the filters, and one
    # after them for the NCHW output.
    t.save("pass_layout", [
        N("ReduceMean", ["x"], ["m"], axes=[1], keepdims=1),
        N("Conv", ["x", "w1", "b1"], ["e"], pads=[1, 1, 1, 1]),
        N("Concat", ["x", "m"], ["c"], axis=1),
        N("Mul", ["c", "e"], ["f"]),
        N("Conv", ["f", "wb"], ["g"], pads=[1, 1, 1, 1], group=4),
        N("Conv", ["c", "wb"], ["h"], pads=[1, 1, 1, 1], group=4),
        N("Sub", ["g", "h"], ["y"]),
    ], [init("w1", w(4, 3, 3, 3)), init("b1", w(4)),
        init("wb", np.full((4, 1, 3, 3), 1.0 / 9.0, np.float32))], [1, 3, 11, 13])

    # A conv's output split into 3 + 1 channels and concatenated again in order
    # (RVM's projection, fgr residual and alpha): the concat is the conv's output
    # (a RESHAPE, the slices go). A second split's parts in the other order stay a
    # concat of slices.
    t.save("pass_rejoin", [
        N("Conv", ["x", "w1", "b1"], ["c"], pads=[1, 1, 1, 1]),
        N("Split", ["c"], ["p", "q"], axis=1, split=[3, 1]),
        N("Concat", ["p", "q"], ["j"], axis=1),
        N("Split", ["c"], ["p2", "q2"], axis=1, split=[3, 1]),
        N("Concat", ["q2", "p2"], ["k"], axis=1),
        N("Conv", ["j", "wb"], ["g"], pads=[1, 1, 1, 1], group=4),
        N("Add", ["g", "k"], ["y"]),
    ], [init("w1", w(4, 3, 3, 3)), init("b1", w(4)),
        init("wb", np.full((4, 1, 3, 3), 1.0 / 9.0, np.float32))], [1, 3, 9, 14],
        opset=12)

    # RVM's last step and tail: two half-size coefficient maps upsampled, y = A * x + B
    # (one RESIZE_AFFINE), split into 3 + 1 channels, the 3 plus the input's first 3
    # channels, each clipped to [0, 1]: the add and both clips go into the fused op.
    ones = np.array([1.0, 1.0, 2.0, 2.0], np.float32)
    lin = dict(mode="linear", coordinate_transformation_mode="pytorch_half_pixel")
    t.save("pass_affine_tail", [
        N("Slice", ["x", "s0", "s3", "ax1"], ["x3"]),  # before the fused op: ready
        N("Conv", ["x", "wa", "ba"], ["a"], pads=[1, 1, 1, 1], strides=[2, 2]),
        N("Conv", ["x", "wb", "bb"], ["b"], pads=[1, 1, 1, 1], strides=[2, 2]),
        N("Resize", ["a", "", "sc"], ["ra"], **lin),
        N("Resize", ["b", "", "sc"], ["rb"], **lin),
        N("Mul", ["ra", "x"], ["m"]),
        N("Add", ["m", "rb"], ["z"]),
        N("Split", ["z", "sp"], ["p", "q"], axis=1),
        N("Add", ["p", "x3"], ["f"]),
        N("Clip", ["f", "lo", "hi"], ["fc"]),
        N("Clip", ["q", "lo", "hi"], ["qc"]),
        N("Concat", ["fc", "qc"], ["y"], axis=1),
    ], [init("wa", w(4, 4, 3, 3)), init("ba", w(4)), init("wb", w(4, 4, 3, 3)),
        init("bb", w(4)), init("sc", ones), init("s0", i64(0)), init("s3", i64(3)),
        init("ax1", i64(1)), init("lo", np.array(0.0, np.float32)),
        init("hi", np.array(1.0, np.float32)), init("sp", i64(3, 1))], [1, 4, 10, 16])


if __name__ == "__main__":
    main()
