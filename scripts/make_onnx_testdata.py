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


if __name__ == "__main__":
    sys.exit(main())
