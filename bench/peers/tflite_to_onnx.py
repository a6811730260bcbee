#!/usr/bin/env python3
"""Convert the MediaPipe selfie-segmentation TFLite models to ONNX (no TensorFlow needed).

Why this exists: the off-the-shelf converters do not handle these models.
  * tflite2onnx 0.4.1 stops at HARD_SWISH ("Unsupported TFLite OP: 117") and has no
    handler for the MediaPipe custom op Convolution2DTransposeBias either;
  * tf2onnx's --tflite path imports TensorFlow (a full TF install) and has no handler
    for Convolution2DTransposeBias.
This script reads the FlatBuffer with the pure-Python `tflite` package and emits an
ONNX graph with `onnx.helper`. It supports exactly the op set of the two selfie models
(see /work/shared/models/OPS.md) and refuses anything else.

Layout: the ONNX graph keeps the TFLite interface, NHWC input [1,H,W,3] and NHWC output
[1,H,W,1]; inside it runs NCHW (ONNX's native layout). One Transpose at the input and
one at the output, as tf2onnx does. Weights: the fp16 constants behind DEQUANTIZE are
folded to fp32 initializers at conversion time (the same thing XNNPACK and backdrop
do at load time).

Usage: tflite_to_onnx.py IN.tflite OUT.onnx [--opset 17]
"""
import argparse
import struct
import sys

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper
from tflite.utils import BUILTIN_OPCODE2NAME

NP_OF_TFL = {
    tflite.TensorType.FLOAT32: np.float32,
    tflite.TensorType.FLOAT16: np.float16,
    tflite.TensorType.INT32: np.int32,
    tflite.TensorType.INT64: np.int64,
}


def _opts(op, cls):
    t = op.BuiltinOptions()
    o = cls()
    o.Init(t.Bytes, t.Pos)
    return o


def _same_pads(in_size, k, s):
    """TF SAME padding: returns (before, after)."""
    out = -(-in_size // s)
    total = max((out - 1) * s + k - in_size, 0)
    return total // 2, total - total // 2


class Converter:
    def __init__(self, path):
        self.buf = open(path, "rb").read()
        self.model = tflite.Model.GetRootAsModel(self.buf, 0)
        if self.model.SubgraphsLength() != 1:
            raise SystemExit("expected one subgraph")
        self.sg = self.model.Subgraphs(0)
        self.nodes = []
        self.inits = []
        self.consts = {}  # tensor index -> np array (TFLite layout), incl. folded DEQUANTIZE
        self.names = {}  # tensor index -> onnx value name (NCHW for 4-D activations)
        self._uid = 0

    # ---- helpers -------------------------------------------------------------------
    def uid(self, base):
        self._uid += 1
        return f"{base}__{self._uid}"

    def tensor(self, i):
        return self.sg.Tensors(i)

    def shape(self, i):
        return [int(d) for d in self.tensor(i).ShapeAsNumpy()]

    def tname(self, i):
        return self.tensor(i).Name().decode()

    def const(self, i):
        if i in self.consts:
            return self.consts[i]
        t = self.tensor(i)
        b = self.model.Buffers(t.Buffer())
        if b.DataLength() == 0:
            return None
        dt = NP_OF_TFL.get(t.Type())
        if dt is None:
            raise SystemExit(f"tensor {i}: unsupported constant type {t.Type()}")
        a = np.frombuffer(b.DataAsNumpy().tobytes(), dtype=dt).reshape(self.shape(i))
        self.consts[i] = a
        return a

    def add_init(self, arr, base):
        name = self.uid(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def inp(self, i):
        if i in self.names:
            return self.names[i]
        raise SystemExit(f"tensor {i} ({self.tname(i)}) used before it was produced")

    def out(self, i):
        name = self.tname(i) + f"__t{i}"
        self.names[i] = name
        return name

    def node(self, op, ins, outs, **attrs):
        self.nodes.append(helper.make_node(op, ins, outs, name=self.uid(op), **attrs))

    def check_no_fused(self, o, what):
        if o.FusedActivationFunction() != tflite.ActivationFunctionType.NONE:
            raise SystemExit(f"{what}: fused activation {o.FusedActivationFunction()} unsupported")

    # ---- ops -----------------------------------------------------------------------
    def conv(self, op, ins, outs, depthwise):
        x, w, b = ins[0], self.const(ins[1]), self.const(ins[2])
        if w is None or b is None:
            raise SystemExit("conv: non-constant weights")
        ishape = self.shape(x)  # NHWC
        if depthwise:
            o = _opts(op, tflite.DepthwiseConv2DOptions)
            if o.DepthMultiplier() != 1:
                raise SystemExit("depthwise: depth_multiplier != 1")
            c = w.shape[3]
            wt = w.astype(np.float32).transpose(3, 0, 1, 2)  # [1,kh,kw,C] -> [C,1,kh,kw]
            group = c
        else:
            o = _opts(op, tflite.Conv2DOptions)
            wt = w.astype(np.float32).transpose(0, 3, 1, 2)  # OHWI -> OIHW
            group = 1
        self.check_no_fused(o, "conv")
        if o.DilationHFactor() != 1 or o.DilationWFactor() != 1:
            raise SystemExit("conv: dilation unsupported")
        kh, kw = wt.shape[2], wt.shape[3]
        sh, sw = o.StrideH(), o.StrideW()
        if o.Padding() == tflite.Padding.SAME:
            pt, pb = _same_pads(ishape[1], kh, sh)
            pl, pr = _same_pads(ishape[2], kw, sw)
        else:
            pt = pb = pl = pr = 0
        self.node("Conv", [self.inp(x), self.add_init(wt, "W"), self.add_init(b.astype(np.float32), "B")],
                  [self.out(outs[0])], kernel_shape=[kh, kw], strides=[sh, sw],
                  pads=[pt, pl, pb, pr], group=group)

    def transpose_conv_bias(self, op, ins, outs):
        # MediaPipe Convolution2DTransposeBias: custom_options = {int32 padding, stride_w, stride_h}
        raw = op.CustomOptionsAsNumpy().tobytes()
        padding, sw, sh = struct.unpack("<3i", raw[:12])
        x, w, b = ins[0], self.const(ins[1]), self.const(ins[2])
        ishape = self.shape(x)
        oc, kh, kw, ic = w.shape  # OHWI
        if padding == 1:  # SAME (C enum kTfLitePaddingSame)
            ph = max(0, kh - (ishape[1] - 1) % sh - 1)
            pw = max(0, kw - (ishape[2] - 1) % sw - 1)
        elif padding == 2:
            ph = pw = 0
        else:
            raise SystemExit(f"Convolution2DTransposeBias: padding {padding}")
        if ph % 2 or pw % 2:
            raise SystemExit("Convolution2DTransposeBias: odd padding not supported")
        wt = w.astype(np.float32).transpose(3, 0, 1, 2)  # OHWI -> [C_in, C_out, kh, kw]
        self.node("ConvTranspose", [self.inp(x), self.add_init(wt, "W"),
                                    self.add_init(b.astype(np.float32), "B")],
                  [self.out(outs[0])], kernel_shape=[kh, kw], strides=[sh, sw],
                  pads=[ph // 2, pw // 2, ph // 2, pw // 2])

    def convert(self, opset):
        sg = self.sg
        # graph input: NHWC -> NCHW
        graph_inputs, graph_outputs = [], []
        for k in range(sg.InputsLength()):
            i = sg.Inputs(k)
            s = self.shape(i)
            graph_inputs.append(helper.make_tensor_value_info(self.tname(i), TensorProto.FLOAT, s))
            if len(s) == 4:
                self.node("Transpose", [self.tname(i)], [self.out(i)], perm=[0, 3, 1, 2])
            else:
                self.names[i] = self.tname(i)

        for k in range(sg.OperatorsLength()):
            op = sg.Operators(k)
            code = self.model.OperatorCodes(op.OpcodeIndex())
            bc = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
            name = BUILTIN_OPCODE2NAME.get(bc, str(bc))
            if name == "CUSTOM":
                name = "CUSTOM/" + code.CustomCode().decode()
            ins = [int(v) for v in op.InputsAsNumpy()] if op.InputsLength() else []
            outs = [int(v) for v in op.OutputsAsNumpy()]

            if name == "DEQUANTIZE":
                c = self.const(ins[0])
                if c is None or c.dtype != np.float16:
                    raise SystemExit("DEQUANTIZE of a non-constant or non-fp16 tensor")
                self.consts[outs[0]] = c.astype(np.float32)
            elif name == "CONV_2D":
                self.conv(op, ins, outs, depthwise=False)
            elif name == "DEPTHWISE_CONV_2D":
                self.conv(op, ins, outs, depthwise=True)
            elif name in ("RELU", "LOGISTIC", "HARD_SWISH"):
                onnx_op = {"RELU": "Relu", "LOGISTIC": "Sigmoid", "HARD_SWISH": "HardSwish"}[name]
                self.node(onnx_op, [self.inp(ins[0])], [self.out(outs[0])])
            elif name in ("ADD", "MUL"):
                o = _opts(op, tflite.AddOptions if name == "ADD" else tflite.MulOptions)
                self.check_no_fused(o, name)
                a, b = ins
                for t in (a, b):
                    if self.const(t) is not None:
                        raise SystemExit(f"{name}: constant operand unsupported")
                    if len(self.shape(t)) != 4:
                        raise SystemExit(f"{name}: non-4-D operand unsupported")
                self.node(name.capitalize(), [self.inp(a), self.inp(b)], [self.out(outs[0])])
            elif name == "AVERAGE_POOL_2D":
                o = _opts(op, tflite.Pool2DOptions)
                self.check_no_fused(o, name)
                s = self.shape(ins[0])
                if not (o.FilterHeight() == s[1] and o.FilterWidth() == s[2]
                        and o.Padding() == tflite.Padding.VALID):
                    raise SystemExit("AVERAGE_POOL_2D: only global pooling is supported")
                self.node("GlobalAveragePool", [self.inp(ins[0])], [self.out(outs[0])])
            elif name == "MEAN":
                o = _opts(op, tflite.ReducerOptions)
                axes = sorted(int(v) for v in self.const(ins[1]).ravel())
                if axes != [1, 2] or not o.KeepDims():
                    raise SystemExit("MEAN: only axes [1,2] with keep_dims supported")
                # NHWC axes 1,2 = NCHW axes 2,3 (opset 18 takes axes as an input)
                if opset >= 18:
                    ax = self.add_init(np.array([2, 3], np.int64), "axes")
                    self.node("ReduceMean", [self.inp(ins[0]), ax], [self.out(outs[0])], keepdims=1)
                else:
                    self.node("ReduceMean", [self.inp(ins[0])], [self.out(outs[0])],
                              axes=[2, 3], keepdims=1)
            elif name == "RESIZE_BILINEAR":
                o = _opts(op, tflite.ResizeBilinearOptions)
                if o.AlignCorners() or not o.HalfPixelCenters():
                    raise SystemExit("RESIZE_BILINEAR: only half_pixel_centers supported")
                n, h, w, c = self.shape(outs[0])
                sizes = self.add_init(np.array([n, c, h, w], np.int64), "sizes")
                self.node("Resize", [self.inp(ins[0]), "", "", sizes], [self.out(outs[0])],
                          mode="linear", coordinate_transformation_mode="half_pixel")
            elif name == "CUSTOM/Convolution2DTransposeBias":
                self.transpose_conv_bias(op, ins, outs)
            else:
                raise SystemExit(f"op {k}: {name} is not supported by this converter")

        for k in range(sg.OutputsLength()):
            i = sg.Outputs(k)
            s = self.shape(i)
            if len(s) == 4:
                self.node("Transpose", [self.inp(i)], [self.tname(i)], perm=[0, 2, 3, 1])
            else:
                self.node("Identity", [self.inp(i)], [self.tname(i)])
            graph_outputs.append(helper.make_tensor_value_info(self.tname(i), TensorProto.FLOAT, s))

        desc = self.model.Description()
        graph = helper.make_graph(self.nodes, (sg.Name() or b"graph").decode(), graph_inputs,
                                  graph_outputs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="backdrop bench/peers/tflite_to_onnx.py",
                              doc_string=(desc or b"").decode())
        m.ir_version = min(m.ir_version, 8)  # readable by older runtimes too
        onnx.checker.check_model(m, full_check=True)
        return m


def convert_file(src, dst, opset=17):
    m = Converter(src).convert(opset)
    onnx.save(m, dst)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--opset", type=int, default=17)
    a = ap.parse_args()
    m = convert_file(a.src, a.dst, a.opset)
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"wrote {a.dst}: {len(m.graph.node)} nodes {ops}", file=sys.stderr)


if __name__ == "__main__":
    main()
