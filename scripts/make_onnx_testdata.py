#!/usr/bin/env python3
"""Builds the small ONNX op-coverage models in tests/data/onnx and their ONNX Runtime
reference outputs (used by tests/models/test_onnx_ops.c).

Each case is a tiny graph (a few KB) with seeded random weights exercising ops and
attributes that the two real-world models in ../shared/models/onnx do not: grouped
and depthwise convolutions, auto_pad, dilations, BatchNormalization, pools with
padding, Resize coordinate modes, Upsample, ConvTranspose with output_padding,
Gemm, Flatten, the Shape/Gather/Concat/Reshape arithmetic PyTorch emits, NCHW graph
inputs, initializers stored as float_data / int64_data, and initializers repeated
as graph inputs (IR version 3).

Outputs per case <name>: <name>.onnx, <name>.input.f32 (raw float32, the input in
the model's own layout), <name>.ort.f32 (ONNX Runtime's output 0, CPU, 1 thread).

Usage: pip install onnx onnxruntime numpy; python3 scripts/make_onnx_testdata.py
Run it again only when adding a case: the committed files are the reference.
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "onnx")
rng = np.random.default_rng(20240605)


def w(*shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def init(name, arr, raw=True):
    """An initializer; raw=False stores float_data / int64_data instead of raw_data."""
    if raw:
        return numpy_helper.from_array(arr, name)
    dt = TensorProto.FLOAT if arr.dtype == np.float32 else TensorProto.INT64
    return helper.make_tensor(name, dt, list(arr.shape), arr.flatten().tolist(), raw=False)


def save(name, nodes, inits, in_shape, out_name="y", opset=13, ir_version=None,
         inits_as_inputs=False):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)
    y = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)
    inputs = [x]
    if inits_as_inputs:  # IR < 4: every initializer is also a graph input
        for t in inits:
            inputs.append(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    graph = helper.make_graph(nodes, name, inputs, [y], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="backdrop-testdata")
    model.ir_version = ir_version or 7  # what the exporters of the real models wrote
    xin = rng.uniform(-1, 1, in_shape).astype(np.float32)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    yout = sess.run(None, {"x": xin})[0].astype(np.float32)
    # Declare the output's shape (as exporters do), then validate the model.
    graph.output[0].CopyFrom(helper.make_tensor_value_info(out_name, TensorProto.FLOAT,
                                                           list(yout.shape)))
    model.graph.output[0].CopyFrom(graph.output[0])
    onnx.checker.check_model(model)
    data = model.SerializeToString()
    with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
        f.write(data)
    xin.tofile(os.path.join(OUT, name + ".input.f32"))
    yout.tofile(os.path.join(OUT, name + ".ort.f32"))
    print(f"{name}: {len(data)} bytes, in {list(in_shape)}, out {list(yout.shape)}")


def main():
    os.makedirs(OUT, exist_ok=True)
    N = helper.make_node

    # Grouped conv (group 2) with asymmetric pads, stride and dilation; unfolded
    # BatchNormalization; Relu. NCHW graph input (the first conv needs a transpose).
    save("conv_group_bn", [
        N("Conv", ["x", "w1", "b1"], ["c1"], group=2, pads=[1, 0, 2, 1], strides=[2, 1],
          dilations=[1, 2], kernel_shape=[3, 3]),
        N("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["bn"], epsilon=1e-3),
        N("Relu", ["bn"], ["y"]),
    ], [init("w1", w(6, 2, 3, 3)), init("b1", w(6)), init("s", w(6) + 1.0),
        init("bb", w(6)), init("m", w(6)), init("v", np.abs(w(6)) + 0.1)], [1, 4, 11, 9])

    # auto_pad SAME_UPPER / SAME_LOWER, depthwise with multiplier 2, float_data
    # initializers, HardSwish (opset 14), Clip with only a minimum.
    save("conv_same_dw", [
        N("Conv", ["x", "w1"], ["c1"], auto_pad="SAME_UPPER", strides=[2, 2]),
        N("Conv", ["c1", "w2", "b2"], ["c2"], auto_pad="SAME_LOWER", group=4, strides=[2, 2]),
        N("HardSwish", ["c2"], ["h"]),
        N("Clip", ["h", "lo", ""], ["y"]),
    ], [init("w1", w(4, 3, 3, 3), raw=False), init("w2", w(8, 1, 4, 4), raw=False),
        init("b2", w(8), raw=False), init("lo", np.array(-0.1, np.float32))],
        [1, 3, 13, 10], opset=14)

    # Pools with padding, global pooling, Concat on channels, PyTorch-style
    # flatten through Shape/Gather/Unsqueeze/Concat/Reshape, Gemm, Sigmoid.
    save("pool_gemm", [
        N("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
        N("MaxPool", ["c1"], ["mp"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        N("AveragePool", ["mp"], ["ap"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        N("GlobalAveragePool", ["ap"], ["g1"]),
        N("ReduceMean", ["mp"], ["g2"], axes=[2, 3], keepdims=1),
        N("Concat", ["g1", "g2"], ["cat"], axis=1),
        N("Shape", ["cat"], ["shp"]),
        N("Gather", ["shp", "zero"], ["n0"], axis=0),
        N("Unsqueeze", ["n0", "ax0"], ["n1"]),
        N("Concat", ["n1", "minus1"], ["newshape"], axis=0),
        N("Reshape", ["cat", "newshape"], ["flat"]),
        N("Gemm", ["flat", "gw", "gc"], ["gm"], alpha=0.5, beta=2.0, transB=1),
        N("Sigmoid", ["gm"], ["y"]),
    ], [init("w1", w(5, 3, 3, 3)), init("b1", w(5)), init("zero", np.array(0, np.int64)),
        init("ax0", np.array([0], np.int64), raw=False),
        init("minus1", np.array([-1], np.int64), raw=False), init("gw", w(7, 10)),
        init("gc", w(7))], [1, 3, 12, 10])

    # Resize: linear with align_corners (sizes), asymmetric (scales), and
    # pytorch_half_pixel; Sub and Div by constants.
    save("resize_modes", [
        N("Resize", ["x", "", "", "sz"], ["r1"], mode="linear",
          coordinate_transformation_mode="align_corners"),
        N("Resize", ["r1", "", "sc"], ["r2"], mode="linear",
          coordinate_transformation_mode="asymmetric"),
        N("Resize", ["r2", "", "sc"], ["r3"], mode="linear",
          coordinate_transformation_mode="pytorch_half_pixel"),
        N("Sub", ["r3", "k"], ["s1"]),
        N("Div", ["s1", "k"], ["y"]),
    ], [init("sz", np.array([1, 2, 9, 7], np.int64)),
        init("sc", np.array([1, 1, 2, 2], np.float32)),
        init("k", np.array([0.5, -2.0], np.float32).reshape(1, 2, 1, 1))], [1, 2, 5, 4])

    # Upsample (opset 9, scales input, linear = asymmetric) and ConvTranspose with
    # pads and output_padding; HardSigmoid.
    save("upsample_tconv", [
        N("Upsample", ["x", "sc"], ["u"], mode="linear"),
        N("ConvTranspose", ["u", "tw", "tb"], ["t"], strides=[2, 2], pads=[1, 1, 1, 1],
          output_padding=[1, 1], kernel_shape=[3, 3]),
        N("HardSigmoid", ["t"], ["y"], alpha=0.3, beta=0.4),
    ], [init("sc", np.array([1, 1, 2, 2], np.float32)), init("tw", w(3, 4, 3, 3)),
        init("tb", w(4))], [1, 3, 4, 5], opset=9)

    # NHWC input as tf2onnx exports it, a channels-last MatMul over every pixel
    # ([1, H*W, C] x [C, K]), a Transpose that must move data (NCHW -> NWHC), and
    # initializers repeated as graph inputs (IR version 3).
    save("nhwc_matmul", [
        N("Transpose", ["x"], ["xt"], perm=[0, 3, 1, 2]),
        N("Conv", ["xt", "w1", "b1"], ["c1"], kernel_shape=[1, 1]),
        N("Transpose", ["c1"], ["c1t"], perm=[0, 2, 3, 1]),
        N("Reshape", ["c1t", "s1"], ["r"]),
        N("MatMul", ["r", "mw"], ["mm"]),
        N("Add", ["mm", "mb"], ["ma"]),
        N("Reshape", ["ma", "s2"], ["back"]),
        N("Transpose", ["back"], ["odd"], perm=[0, 2, 1, 3]),
        N("Flatten", ["odd"], ["f"], axis=2),
        N("Tanh", ["f"], ["y"]),
    ], [init("w1", w(6, 3, 1, 1)), init("b1", w(6)), init("s1", np.array([1, 35, 6], np.int64)),
        init("mw", w(6, 4)), init("mb", w(4)), init("s2", np.array([1, 7, 5, 4], np.int64))],
        [1, 7, 5, 3], opset=11, ir_version=3, inits_as_inputs=True)


def more_ops():
    """Cases of issue 5 items 1-2: Softmax, LeakyRelu/PRelu, Pad, Split, Slice of
    computed tensors, nearest Resize/Upsample, Sub/Div of computed tensors, the
    constant shape ops, grouped ConvTranspose, BatchNormalization folding."""
    N = helper.make_node
    I64MAX = np.iinfo(np.int64).max
    i64 = lambda *v: np.array(v, np.int64)
    f32 = lambda *v: np.array(v, np.float32)

    # Softmax over the channel axis and over the last axis (opset 13: one axis).
    save("softmax13", [
        N("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[1, 1]),
        N("Softmax", ["c1"], ["s1"], axis=1),
        N("Softmax", ["c1"], ["s2"], axis=-1),
        N("Softmax", ["c1"], ["s3"], axis=2),
        N("Add", ["s1", "s2"], ["a"]),
        N("Add", ["a", "s3"], ["y"]),
    ], [init("w1", w(6, 3, 1, 1, scale=2.0)), init("b1", w(6))], [1, 3, 5, 7])

    # Softmax before opset 13: coerced to 2-D at axis (1 = over C*H*W; 3 = over W).
    save("softmax11", [
        N("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[1, 1]),
        N("Softmax", ["c1"], ["s1"]),
        N("Softmax", ["c1"], ["s2"], axis=3),
        N("Softmax", ["c1"], ["s3"], axis=2),
        N("Add", ["s1", "s2"], ["a"]),
        N("Add", ["a", "s3"], ["y"]),
    ], [init("w1", w(4, 3, 1, 1, scale=2.0)), init("b1", w(4))], [1, 3, 6, 5], opset=11)

    # LeakyRelu, PRelu (per channel [C,1,1] and scalar), Pad reflect / constant on
    # the channel axis / edge with pads and value as inputs (opset 13).
    save("prelu_pad", [
        N("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3]),
        N("LeakyRelu", ["c1"], ["l1"], alpha=0.2),
        N("PRelu", ["l1", "slope"], ["p1"]),
        N("Pad", ["p1", "pads1"], ["q1"], mode="reflect"),
        N("Pad", ["q1", "pads2", "val"], ["q2"], mode="constant"),
        N("Pad", ["q2", "pads3"], ["q3"], mode="edge"),
        N("PRelu", ["q3", "slope1"], ["y"]),
    ], [init("w1", w(5, 3, 3, 3)), init("b1", w(5)), init("slope", w(5, 1, 1)),
        init("pads1", i64(0, 0, 1, 2, 0, 0, 2, 1)), init("pads2", i64(0, 1, 0, 0, 0, 2, 0, 0)),
        init("val", f32(0.5)), init("pads3", i64(0, 0, 2, 0, 0, 0, 0, 3)),
        init("slope1", f32(-0.3))], [1, 3, 7, 6])

    # Pad before opset 11: pads and value as attributes; Resize-10 nearest.
    save("pad10", [
        N("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[1, 1]),
        N("Pad", ["c1"], ["q1"], pads=[0, 0, 1, 0, 0, 0, 0, 2], mode="constant", value=1.5),
        N("Pad", ["q1"], ["q2"], pads=[0, 0, 0, 1, 0, 0, 2, 0], mode="edge"),
        N("Resize", ["q2", "sc"], ["y"], mode="nearest"),
    ], [init("w1", w(3, 2, 1, 1)), init("b1", w(3)), init("sc", f32(1, 1, 2, 1.5))],
        [1, 2, 4, 5], opset=10)

    # Split (input sizes, opset 13), Slice of computed tensors with negative starts,
    # INT64_MAX ends (as PyTorch writes x[..., a:]) and steps, Sub/Div of two
    # computed tensors with broadcasting.
    save("split_slice", [
        N("Conv", ["x", "w1", "b1"], ["c"], kernel_shape=[1, 1]),
        N("Split", ["c", "sp"], ["a", "b"], axis=1),
        N("Slice", ["b", "st1", "en1", "ax1"], ["bs"]),
        N("Slice", ["a", "st2", "en2", "ax2"], ["as"]),
        N("Sub", ["as", "bs"], ["d"]),
        N("Sigmoid", ["bs"], ["sg"]),
        N("Add", ["sg", "half"], ["den"]),
        N("Div", ["d", "den"], ["q"]),
        N("GlobalAveragePool", ["as"], ["g"]),
        N("Sub", ["q", "g"], ["r"]),
        N("Slice", ["r", "st3", "en3", "ax3", "stp3"], ["y"]),
    ], [init("w1", w(6, 3, 1, 1)), init("b1", w(6)), init("sp", i64(2, 4)),
        init("st1", i64(1, -7)), init("en1", i64(3, I64MAX)), init("ax1", i64(1, 3)),
        init("st2", i64(2)), init("en2", i64(I64MAX)), init("ax2", i64(-1)),
        init("half", f32(0.5)), init("st3", i64(1, 0)), init("en3", i64(I64MAX, 7)),
        init("ax3", i64(2, 3)), init("stp3", i64(2, 3))], [1, 3, 8, 9])

    # Split with the split attribute (opset 11) on the channel axis, and equal parts.
    save("split11", [
        N("Conv", ["x", "w1", "b1"], ["c"], kernel_shape=[1, 1]),
        N("Split", ["c"], ["a", "b", "e"], axis=1, split=[1, 3, 2]),
        N("Split", ["b"], ["p1", "p2", "p3"], axis=2),
        N("Concat", ["p3", "p1"], ["m"], axis=2),
        N("GlobalAveragePool", ["a"], ["ag"]),
        N("Mul", ["m", "ag"], ["m2"]),
        N("Split", ["e"], ["e1", "e2"], axis=1),
        N("Sub", ["e1", "e2"], ["e3"]),
        N("Split", ["e3"], ["f1", "f2"], axis=2, split=[2, 4]),
        N("Add", ["m2", "f2"], ["y"]),
    ], [init("w1", w(6, 3, 1, 1)), init("b1", w(6))], [1, 3, 6, 5], opset=11)

    # Split with num_outputs (opset 18): parts of ceil(5 / 2) = 3 and 2.
    save("split18", [
        N("Split", ["x"], ["a", "b"], axis=3, num_outputs=2),
        N("Slice", ["a", "s0", "s1", "s2"], ["a2"]),
        N("Div", ["a2", "b"], ["y"]),
    ], [init("s0", i64(0)), init("s1", i64(2)), init("s2", i64(3))], [1, 2, 3, 5], opset=18)

    # Nearest Resize: every nearest_mode and coordinate mode, sizes and scales,
    # up and down.
    save("resize_nearest", [
        N("Resize", ["x", "", "sc1"], ["r1"], mode="nearest",
          coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        N("Resize", ["r1", "", "", "sz2"], ["r2"], mode="nearest",
          coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_floor"),
        N("Resize", ["r2", "", "", "sz3"], ["r3"], mode="nearest",
          coordinate_transformation_mode="align_corners", nearest_mode="round_prefer_ceil"),
        N("Resize", ["r3", "", "sc4"], ["r4"], mode="nearest",
          coordinate_transformation_mode="asymmetric", nearest_mode="ceil"),
        N("Resize", ["r4", "", "sc5"], ["r5"], mode="nearest",
          coordinate_transformation_mode="pytorch_half_pixel"),
        N("Resize", ["r5", "", "", "sz6"], ["y"], mode="nearest",
          coordinate_transformation_mode="half_pixel", nearest_mode="round_prefer_ceil"),
    ], [init("sc1", f32(1, 1, 2, 2)), init("sz2", i64(1, 2, 7, 13)),
        init("sz3", i64(1, 2, 15, 9)), init("sc4", f32(1, 1, 0.5, 0.75)),
        init("sc5", f32(1, 1, 3, 2)), init("sz6", i64(1, 2, 9, 10))], [1, 2, 5, 4])

    # Upsample nearest (opset 9: scales input; opset 7: attribute).
    save("upsample9_nearest", [
        N("Upsample", ["x", "sc"], ["y"], mode="nearest"),
    ], [init("sc", f32(1, 1, 2, 3))], [1, 3, 4, 5], opset=9)
    save("upsample7_nearest", [
        N("Upsample", ["x"], ["y"], mode="nearest", scales=[1.0, 1.0, 3.0, 2.0]),
    ], [], [1, 2, 3, 4], opset=7)

    # The shape arithmetic PyTorch emits, folded at load: Shape/Slice/Mul,
    # Max/Min, Greater/Where, Less/Not/Equal, Range/Gather, Expand of a computed
    # tensor, Resize by computed sizes.
    save("shape_ops", [
        N("Conv", ["x", "w1", "b1"], ["c"], kernel_shape=[1, 1]),
        N("Shape", ["c"], ["s"]),
        N("Slice", ["s", "k2", "k4"], ["hw"]),
        N("Mul", ["hw", "k2"], ["hw2"]),
        N("Max", ["hw2", "lo"], ["m1"]),
        N("Min", ["m1", "hi", "hi2"], ["m2"]),
        N("Greater", ["m2", "lo"], ["gt"]),
        N("Where", ["gt", "m2", "lo"], ["sel"]),
        N("Less", ["sel", "lo"], ["lt"]),
        N("Not", ["lt"], ["nlt"]),
        N("Equal", ["nlt", "nlt"], ["eq"]),
        N("Where", ["eq", "sel", "lo"], ["sel2"]),
        N("Range", ["r0", "r2", "r1"], ["idx"]),
        N("Gather", ["s", "idx"], ["nc"]),
        N("Concat", ["nc", "sel2"], ["sizes"], axis=0),
        N("Resize", ["c", "", "", "sizes"], ["up"], mode="nearest"),
        N("GlobalAveragePool", ["up"], ["g"]),
        N("Shape", ["up"], ["su"]),
        N("Expand", ["g", "su"], ["ge"]),
        N("Sub", ["up", "ge"], ["y"]),
    ], [init("w1", w(4, 3, 1, 1)), init("b1", w(4)), init("k2", i64(2)), init("k4", i64(4)),
        init("lo", i64(3, 3)), init("hi", i64(100, 11)), init("hi2", i64(9, 100)),
        init("r0", np.array(0, np.int64)), init("r1", np.array(1, np.int64)),
        init("r2", np.array(2, np.int64))], [1, 3, 5, 6])

    # Grouped ConvTranspose (group 2) and a depthwise one (group = channels).
    save("tconv_group", [
        N("ConvTranspose", ["x", "tw", "tb"], ["t"], group=2, strides=[2, 2], pads=[1, 0, 0, 1],
          kernel_shape=[3, 3]),
        N("ConvTranspose", ["t", "tw2"], ["y"], group=6, kernel_shape=[2, 2], strides=[2, 2]),
    ], [init("tw", w(4, 3, 3, 3)), init("tb", w(6)), init("tw2", w(6, 1, 2, 2))],
        [1, 4, 5, 6], opset=11)

    # Conv -> BN -> Relu, depthwise Conv -> BN, ConvTranspose -> BN: every BN
    # folds into its convolution (tests/models/test_bn_fold.c counts the ops).
    def bn(c, pfx):
        return [init(pfx + "s", w(c) + 1.0), init(pfx + "b", w(c)), init(pfx + "m", w(c)),
                init(pfx + "v", np.abs(w(c)) + 0.1)]
    save("conv_bn_fold", [
        N("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        N("BatchNormalization", ["c1", "1s", "1b", "1m", "1v"], ["n1"], epsilon=1e-3),
        N("Relu", ["n1"], ["r1"]),
        N("Conv", ["r1", "w2"], ["c2"], kernel_shape=[3, 3], group=6, strides=[2, 2]),
        N("BatchNormalization", ["c2", "2s", "2b", "2m", "2v"], ["n2"]),
        N("ConvTranspose", ["n2", "w3", "b3"], ["c3"], kernel_shape=[2, 2], strides=[2, 2]),
        N("BatchNormalization", ["c3", "3s", "3b", "3m", "3v"], ["y"]),
    ], [init("w1", w(6, 3, 3, 3)), init("b1", w(6)), init("w2", w(6, 1, 3, 3))] + bn(6, "1") +
        bn(6, "2") + [init("w3", w(6, 4, 2, 2)), init("b3", w(4))] + bn(4, "3"), [1, 3, 9, 8])


def external_data():
    """A small model whose weights live in an external file (issue 5 item 1), and
    hostile copies of it: offset past the end, a length that disagrees with the
    shape, a missing file, and locations escaping the directory."""
    from onnx.external_data_helper import convert_model_to_external_data
    d = os.path.join(OUT, "external")
    os.makedirs(d, exist_ok=True)
    N = helper.make_node
    nodes = [N("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3]),
             N("Relu", ["c1"], ["y"])]
    inits = [init("w1", w(4, 3, 3, 3)), init("b1", w(4))]
    in_shape = [1, 3, 6, 5]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 3])
    graph = helper.make_graph(nodes, "external", [x], [y], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="backdrop-testdata")
    model.ir_version = 7
    xin = rng.uniform(-1, 1, in_shape).astype(np.float32)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    yout = sess.run(None, {"x": xin})[0].astype(np.float32)
    xin.tofile(os.path.join(d, "ext.input.f32"))
    yout.tofile(os.path.join(d, "ext.ort.f32"))
    onnx.save_model(model, os.path.join(d, "ext.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="ext.weights", size_threshold=0)
    base = onnx.load(os.path.join(d, "ext.onnx"), load_external_data=False)

    def variant(name, fn):
        m = onnx.ModelProto()
        m.CopyFrom(base)
        t = m.graph.initializer[0]
        kv = {e.key: e for e in t.external_data}
        fn(t, kv)
        with open(os.path.join(d, name + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())
        print(f"{name}: {m.ByteSize()} bytes")

    def set_kv(t, kv, key, value):
        if key in kv:
            kv[key].value = value
        else:
            e = t.external_data.add()
            e.key, e.value = key, value

    variant("ext_bad_offset", lambda t, kv: set_kv(t, kv, "offset", "100000"))
    variant("ext_bad_length", lambda t, kv: set_kv(t, kv, "length", "12"))
    variant("ext_missing", lambda t, kv: set_kv(t, kv, "location", "no_such.weights"))
    variant("ext_traversal", lambda t, kv: set_kv(t, kv, "location", "../external/ext.weights"))
    variant("ext_absolute", lambda t, kv: set_kv(t, kv, "location", "/etc/passwd"))
    variant("ext_not_number", lambda t, kv: set_kv(t, kv, "offset", "-4"))


if __name__ == "__main__":
    main()
    more_ops()
    external_data()
