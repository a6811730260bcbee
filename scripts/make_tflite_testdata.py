#!/usr/bin/env python3
"""Writes the TFLite op fixtures of tests/data/tflite-ops/ and LiteRT's outputs.

Usage: bench/peers/.venv/bin/python scripts/make_tflite_testdata.py [OUTDIR]
(bench/peers/setup.sh makes that venv: ai-edge-litert, tflite, flatbuffers, numpy).

Each case is a tiny float32 model written with the flatbuffers builder and the
`tflite` schema package (no TensorFlow), with seeded random weights, one input and
one output. For each, OUTDIR gets NAME.tflite, NAME.input.f32 (a seeded random
input, raw little-endian float32 in the model's NHWC layout) and NAME.litert.f32
(ai_edge_litert.interpreter's output, one thread, XNNPACK delegate; the
builtin kernels without it must agree within 1e-5 of the range). The segnet inputs are
u8 / 255 values, so that the test can also feed them to the pipeline as an image.
The bad_*.tflite files are malformed on purpose (negative pads, a wrong
output_shape, a non-permutation, an out-of-range sparse index, ...): the test
checks that each fails to load with its message. The script also checks that
every tensor shape it declares is the one LiteRT computes. tests/models/
test_tflite_ops.c lists the cases and compares backdrop against these outputs.
"""
import importlib
import os
import sys

import flatbuffers
import numpy as np
import tflite
from tflite.BuiltinOperator import BuiltinOperator as Op
from tflite.BuiltinOptions import BuiltinOptions as Opt
from ai_edge_litert.interpreter import Interpreter, OpResolverType



def T(name):
    """The generated module tflite.NAME (the package exports the classes instead)."""
    return importlib.import_module("tflite." + name)


# ActivationFunctionType, Padding
NONE, RELU, RELU_N1_TO_1, RELU6 = 0, 1, 2, 3
SAME, VALID = 0, 1


class Model:
    """Collects tensors and operators; build() writes the FlatBuffer."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.tensors = []  # (name, shape, type, buffer index)
        self.buffers = [b""]  # buffer 0: the empty sentinel
        self.ops = []  # (opcode index, inputs, outputs, options type, options dict)
        self.codes = []  # (builtin code, version)

    def tensor(self, shape, name, data=None, ttype=0, sparsity=None):
        buf = 0
        if data is not None:
            self.buffers.append(np.ascontiguousarray(data).tobytes())
            buf = len(self.buffers) - 1
        self.tensors.append((name, list(shape), ttype, buf, sparsity))
        return len(self.tensors) - 1

    def sparse_weight(self, shape, name, csr_levels, index_type):
        """A float32 constant with about half its values zero, stored compressed:
        levels in csr_levels are SPARSE_CSR (segments and indices as index_type:
        1 Int32Vector, 2 Uint16Vector, 3 Uint8Vector), the others DENSE; identity
        traversal order, no blocks. Returns the tensor (feed it to DENSIFY)."""
        w = (self.rng.standard_normal(shape) * 0.5).astype(np.float32)
        w[self.rng.random(shape) < 0.5] = 0.0
        levels, positions, values = [], [()], None
        for lvl, d in enumerate(shape):
            if lvl not in csr_levels:
                levels.append(("dense", d))
                positions = [p + (i,) for p in positions for i in range(d)]
                continue
            segs, idx, nxt = [0], [], []
            for p in positions:
                sub = w[p] if p else w
                for i in range(d):
                    if np.any(sub[i] != 0):
                        idx.append(i)
                        nxt.append(p + (i,))
                segs.append(len(idx))
            levels.append(("csr", segs, idx))
            positions = nxt
        values = np.array([w[p] for p in positions], np.float32)
        t = self.tensor(shape, name, values, sparsity=(levels, index_type))
        return t, w

    def act(self, shape, name):
        return self.tensor(shape, name)

    def weight(self, shape, name, scale=0.5):
        w = (self.rng.standard_normal(shape) * scale).astype(np.float32)
        return self.tensor(shape, name, w)

    def const_f32(self, values, name, shape=None):
        a = np.asarray(values, np.float32)
        return self.tensor(a.shape if shape is None else shape, name, a)

    def const_i32(self, values, name, shape=None):
        a = np.asarray(values, np.int32)
        return self.tensor(a.shape if shape is None else shape, name, a, ttype=2)

    def op(self, code, inputs, outputs, opt_type=0, opts=None, version=1):
        key = (code, version)
        if key not in self.codes:
            self.codes.append(key)
        self.ops.append((self.codes.index(key), list(inputs), list(outputs), opt_type, opts))
        return outputs[0] if len(outputs) == 1 else outputs

    def build(self, inputs, outputs):
        b = flatbuffers.Builder(1024)

        def ivec(start, values):
            start(b, len(values))
            for v in reversed(values):
                b.PrependInt32(v)
            return b.EndVector()

        def bytes_vec(data):
            b.StartVector(1, len(data), 16)  # constants 16-byte aligned
            b.head -= len(data)
            b.Bytes[b.head:b.head + len(data)] = data
            return b.EndVector()

        def table_vec(start, offsets):
            start(b, len(offsets))
            for o in reversed(offsets):
                b.PrependUOffsetTRelative(o)
            return b.EndVector()

        buf_offs = []
        for data in self.buffers:
            d = bytes_vec(data) if data else None
            T("Buffer").BufferStart(b)
            if d is not None:
                T("Buffer").BufferAddData(b, d)
            buf_offs.append(T("Buffer").BufferEnd(b))
        t_offs = []
        for name, shape, ttype, buf, sparsity in self.tensors:
            sp = sparsity_table(b, sparsity, ivec) if sparsity else None
            nm = b.CreateString(name)
            sh = ivec(T("Tensor").TensorStartShapeVector, shape)
            T("Tensor").TensorStart(b)
            if sp is not None:
                T("Tensor").TensorAddSparsity(b, sp)
            T("Tensor").TensorAddShape(b, sh)
            T("Tensor").TensorAddType(b, ttype)
            T("Tensor").TensorAddBuffer(b, buf)
            T("Tensor").TensorAddName(b, nm)
            t_offs.append(T("Tensor").TensorEnd(b))
        op_offs = []
        for ci, ins, outs, opt_type, opts in self.ops:
            opt_off = None
            if opt_type:
                cls = next(k for k, v in vars(Opt).items() if v == opt_type)
                mod = T(cls)
                getattr(mod, cls + "Start")(b)
                for field, value in (opts or {}).items():
                    getattr(mod, cls + "Add" + field)(b, value)
                opt_off = getattr(mod, cls + "End")(b)
            iv = ivec(T("Operator").OperatorStartInputsVector, ins)
            ov = ivec(T("Operator").OperatorStartOutputsVector, outs)
            T("Operator").OperatorStart(b)
            T("Operator").OperatorAddOpcodeIndex(b, ci)
            T("Operator").OperatorAddInputs(b, iv)
            T("Operator").OperatorAddOutputs(b, ov)
            if opt_type:
                T("Operator").OperatorAddBuiltinOptionsType(b, opt_type)
                T("Operator").OperatorAddBuiltinOptions(b, opt_off)
            op_offs.append(T("Operator").OperatorEnd(b))
        tv = table_vec(T("SubGraph").SubGraphStartTensorsVector, t_offs)
        iv = ivec(T("SubGraph").SubGraphStartInputsVector, inputs)
        ov = ivec(T("SubGraph").SubGraphStartOutputsVector, outputs)
        opv = table_vec(T("SubGraph").SubGraphStartOperatorsVector, op_offs)
        nm = b.CreateString("main")
        T("SubGraph").SubGraphStart(b)
        T("SubGraph").SubGraphAddTensors(b, tv)
        T("SubGraph").SubGraphAddInputs(b, iv)
        T("SubGraph").SubGraphAddOutputs(b, ov)
        T("SubGraph").SubGraphAddOperators(b, opv)
        T("SubGraph").SubGraphAddName(b, nm)
        sg = T("SubGraph").SubGraphEnd(b)
        code_offs = []
        for code, version in self.codes:
            T("OperatorCode").OperatorCodeStart(b)
            T("OperatorCode").OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            T("OperatorCode").OperatorCodeAddBuiltinCode(b, code)
            T("OperatorCode").OperatorCodeAddVersion(b, version)
            code_offs.append(T("OperatorCode").OperatorCodeEnd(b))
        cv = table_vec(T("Model").ModelStartOperatorCodesVector, code_offs)
        sv = table_vec(T("Model").ModelStartSubgraphsVector, [sg])
        bv = table_vec(T("Model").ModelStartBuffersVector, buf_offs)
        desc = b.CreateString("backdrop test model")
        T("Model").ModelStart(b)
        T("Model").ModelAddVersion(b, 3)
        T("Model").ModelAddOperatorCodes(b, cv)
        T("Model").ModelAddSubgraphs(b, sv)
        T("Model").ModelAddDescription(b, desc)
        T("Model").ModelAddBuffers(b, bv)
        b.Finish(T("Model").ModelEnd(b), file_identifier=b"TFL3")
        return bytes(b.Output())


def sparsity_table(b, sparsity, ivec):
    """SparsityParameters for Model.sparse_weight's levels."""
    levels, index_type = sparsity
    vec_mod = {1: "Int32Vector", 2: "Uint16Vector", 3: "Uint8Vector"}[index_type]
    prepend = {1: b.PrependInt32, 2: b.PrependUint16, 3: b.PrependUint8}[index_type]
    size = {1: 4, 2: 2, 3: 1}[index_type]

    def index_vec(values):
        b.StartVector(size, len(values), size)
        for v in reversed(values):
            prepend(v)
        vec = b.EndVector()
        mod = T(vec_mod)
        getattr(mod, vec_mod + "Start")(b)
        getattr(mod, vec_mod + "AddValues")(b, vec)
        return getattr(mod, vec_mod + "End")(b)

    dm = T("DimensionMetadata")
    offs = []
    for lv in levels:
        if lv[0] == "dense":
            dm.DimensionMetadataStart(b)
            dm.DimensionMetadataAddFormat(b, 0)
            dm.DimensionMetadataAddDenseSize(b, lv[1])
        else:
            seg, idx = index_vec(lv[1]), index_vec(lv[2])
            dm.DimensionMetadataStart(b)
            dm.DimensionMetadataAddFormat(b, 1)
            dm.DimensionMetadataAddArraySegmentsType(b, index_type)
            dm.DimensionMetadataAddArraySegments(b, seg)
            dm.DimensionMetadataAddArrayIndicesType(b, index_type)
            dm.DimensionMetadataAddArrayIndices(b, idx)
        offs.append(dm.DimensionMetadataEnd(b))
    spm = T("SparsityParameters")
    order = ivec(spm.SparsityParametersStartTraversalOrderVector, list(range(len(levels))))
    spm.SparsityParametersStartDimMetadataVector(b, len(offs))
    for o in reversed(offs):
        b.PrependUOffsetTRelative(o)
    dms = b.EndVector()
    spm.SparsityParametersStart(b)
    spm.SparsityParametersAddTraversalOrder(b, order)
    spm.SparsityParametersAddDimMetadata(b, dms)
    return spm.SparsityParametersEnd(b)


# ---- the cases ------------------------------------------------------------------------

def conv(m, x, in_c, out_c, k, name, stride=1, padding=SAME, act=NONE):
    w = m.weight([out_c, k, k, in_c], name + "/w")
    bias = m.weight([out_c], name + "/b", 0.1)
    return w, bias, dict(Padding=padding, StrideW=stride, StrideH=stride,
                         FusedActivationFunction=act)


def add_conv(m, x, in_c, out_c, k, out_shape, name, stride=1, padding=SAME, act=NONE):
    w, bias, o = conv(m, x, in_c, out_c, k, name, stride, padding, act)
    y = m.act(out_shape, name)
    return m.op(Op.CONV_2D, [x, w, bias], [y], Opt.Conv2DOptions, o)


def case_fc():
    """FULLY_CONNECTED: keep_num_dims on a 4-D input with RELU; rows of the last axis
    without keep_num_dims and RELU_N1_TO_1; a flattening one without bias, then SOFTMAX."""
    m = Model(1)
    x = m.act([1, 4, 4, 8], "input")
    y1 = m.op(Op.FULLY_CONNECTED, [x, m.weight([6, 8], "fc1/w"), m.weight([6], "fc1/b")],
              [m.act([1, 4, 4, 6], "fc1")], Opt.FullyConnectedOptions,
              dict(FusedActivationFunction=RELU, KeepNumDims=True), version=5)
    y2 = m.op(Op.FULLY_CONNECTED, [y1, m.weight([5, 6], "fc2/w"), m.weight([5], "fc2/b")],
              [m.act([16, 5], "fc2")], Opt.FullyConnectedOptions,
              dict(FusedActivationFunction=RELU_N1_TO_1))
    y3 = m.op(Op.FULLY_CONNECTED, [y2, m.weight([7, 80], "fc3/w", 0.2), -1],
              [m.act([1, 7], "fc3")], Opt.FullyConnectedOptions, {})
    y = m.op(Op.SOFTMAX, [y3], [m.act([1, 7], "prob")], Opt.SoftmaxOptions, dict(Beta=1.0))
    return m, [x], [y]


def case_relu6_hswish():
    """RELU6 and HARD_SWISH ops of their own after a convolution."""
    m = Model(2)
    x = m.act([1, 7, 9, 3], "input")
    c = add_conv(m, x, 3, 8, 3, [1, 7, 9, 8], "conv", 1, SAME)
    s = m.op(Op.MUL, [c, m.const_f32([3.0], "three")], [m.act([1, 7, 9, 8], "scaled")],
             Opt.MulOptions, {})
    r = m.op(Op.RELU6, [s], [m.act([1, 7, 9, 8], "relu6")])
    h = m.op(Op.HARD_SWISH, [s], [m.act([1, 7, 9, 8], "hswish")])
    y = m.op(Op.ADD, [r, h], [m.act([1, 7, 9, 8], "out")], Opt.AddOptions, {})
    return m, [x], [y]


def case_concat():
    """CONCATENATION along channels (axis -1) and along H (axis 1), one input twice.
    (A fused activation is refused by TFLite's float kernel and ignored by XNNPACK.)"""
    m = Model(3)
    x = m.act([1, 4, 5, 3], "input")
    c = add_conv(m, x, 3, 4, 3, [1, 4, 5, 4], "conv")
    a = m.op(Op.CONCATENATION, [x, c], [m.act([1, 4, 5, 7], "cat_c")],
             Opt.ConcatenationOptions, dict(Axis=-1))
    y = m.op(Op.CONCATENATION, [a, a, m.weight([1, 2, 5, 7], "extra")],
             [m.act([1, 10, 5, 7], "cat_h")], Opt.ConcatenationOptions, dict(Axis=1))
    return m, [x], [y]


def case_pad():
    """PAD (every axis, channels too), PADV2 with constant -0.5, MIRROR_PAD reflect."""
    m = Model(4)
    x = m.act([1, 5, 6, 3], "input")
    p = m.op(Op.PAD, [x, m.const_i32([[0, 0], [1, 2], [2, 1], [0, 1]], "pads")],
             [m.act([1, 8, 9, 4], "pad")], Opt.PadOptions, {})
    p2 = m.op(Op.PADV2, [p, m.const_i32([[0, 0], [1, 0], [0, 2], [0, 0]], "pads2"),
                         m.const_f32([-0.5], "value", [])],
              [m.act([1, 9, 11, 4], "padv2")], Opt.PadV2Options, {})
    r = m.op(Op.MIRROR_PAD, [p2, m.const_i32([[0, 0], [2, 1], [1, 3], [0, 0]], "pads3")],
             [m.act([1, 12, 15, 4], "mirror")], Opt.MirrorPadOptions, dict(Mode=0), version=2)
    y = add_conv(m, r, 4, 3, 3, [1, 10, 13, 3], "conv", 1, VALID)
    return m, [x], [y]


def case_pool():
    """MAX_POOL_2D SAME 3x3 stride 2 on odd sizes, VALID 2x2 with fused RELU,
    AVERAGE_POOL_2D SAME (edge windows count only valid taps)."""
    m = Model(5)
    x = m.act([1, 9, 10, 4], "input")
    c = add_conv(m, x, 4, 4, 1, [1, 9, 10, 4], "conv")
    p1 = m.op(Op.MAX_POOL_2D, [c], [m.act([1, 5, 5, 4], "max_same")], Opt.Pool2DOptions,
              dict(Padding=SAME, StrideW=2, StrideH=2, FilterWidth=3, FilterHeight=3))
    p2 = m.op(Op.MAX_POOL_2D, [p1], [m.act([1, 2, 2, 4], "max_valid")], Opt.Pool2DOptions,
              dict(Padding=VALID, StrideW=2, StrideH=2, FilterWidth=2, FilterHeight=2,
                   FusedActivationFunction=RELU))
    y = m.op(Op.AVERAGE_POOL_2D, [p2], [m.act([1, 2, 2, 4], "avg_same")], Opt.Pool2DOptions,
             dict(Padding=SAME, StrideW=1, StrideH=1, FilterWidth=3, FilterHeight=2))
    return m, [x], [y]


def case_reshape_transpose():
    """RESHAPE (shape input and new_shape option), TRANSPOSE of 3-D and 4-D tensors,
    SQUEEZE and EXPAND_DIMS."""
    m = Model(6)
    x = m.act([1, 4, 6, 2], "input")
    r = m.op(Op.RESHAPE, [x, m.const_i32([1, 8, 6], "shape")], [m.act([1, 8, 6], "reshape")],
             Opt.ReshapeOptions, {})
    t = m.op(Op.TRANSPOSE, [r, m.const_i32([0, 2, 1], "perm")], [m.act([1, 6, 8], "transpose")],
             Opt.TransposeOptions, {})
    s = m.op(Op.SQUEEZE, [t], [m.act([6, 8], "squeeze")], Opt.SqueezeOptions, {})
    e = m.op(Op.EXPAND_DIMS, [s, m.const_i32([1], "axis", [])], [m.act([6, 1, 8], "expand")],
             Opt.ExpandDimsOptions, {})
    r2 = m.op(Op.RESHAPE, [e, m.const_i32([1, 3, 2, 8], "shape2")],
              [m.act([1, 3, 2, 8], "reshape2")], Opt.ReshapeOptions, {})
    y = m.op(Op.TRANSPOSE, [r2, m.const_i32([0, 3, 1, 2], "perm2")],
             [m.act([1, 8, 3, 2], "nchw")], Opt.TransposeOptions, {})
    return m, [x], [y]


def case_softmax():
    """SOFTMAX over channels with beta 1 and beta 0.5."""
    m = Model(7)
    x = m.act([1, 6, 7, 5], "input")
    c = add_conv(m, x, 5, 5, 1, [1, 6, 7, 5], "conv")
    s1 = m.op(Op.SOFTMAX, [c], [m.act([1, 6, 7, 5], "sm1")], Opt.SoftmaxOptions, dict(Beta=1.0))
    s2 = m.op(Op.SOFTMAX, [c], [m.act([1, 6, 7, 5], "sm05")], Opt.SoftmaxOptions, dict(Beta=0.5))
    y = m.op(Op.SUB, [s1, s2], [m.act([1, 6, 7, 5], "diff")], Opt.SubOptions, {})
    return m, [x], [y]


def case_mean():
    """MEAN over H,W with keep_dims (a squeeze-excite gate), and without (-> [1,C])
    into FULLY_CONNECTED."""
    m = Model(8)
    x = m.act([1, 6, 5, 8], "input")
    g = m.op(Op.MEAN, [x, m.const_i32([1, 2], "axes")], [m.act([1, 1, 1, 8], "mean_keep")],
             Opt.ReducerOptions, dict(KeepDims=True))
    s = m.op(Op.LOGISTIC, [g], [m.act([1, 1, 1, 8], "gate")])
    xg = m.op(Op.MUL, [x, s], [m.act([1, 6, 5, 8], "gated")], Opt.MulOptions, {})
    v = m.op(Op.MEAN, [xg, m.const_i32([2, 1], "axes2")], [m.act([1, 8], "mean")],
             Opt.ReducerOptions, dict(KeepDims=False))
    y = m.op(Op.FULLY_CONNECTED, [v, m.weight([3, 8], "fc/w"), m.weight([3], "fc/b")],
             [m.act([1, 3], "fc")], Opt.FullyConnectedOptions, {})
    return m, [x], [y]


def tconv(m, x, in_c, out_c, k, stride, padding, out_shape, name, bias=True, act=NONE):
    w = m.weight([out_c, k, k, in_c], name + "/w", 0.3)
    ins = [m.const_i32(out_shape, name + "/shape"), w, x]
    if bias:
        ins.append(m.weight([out_c], name + "/b", 0.1))
    return m.op(Op.TRANSPOSE_CONV, ins, [m.act(out_shape, name)], Opt.TransposeConvOptions,
                dict(Padding=padding, StrideW=stride, StrideH=stride,
                     FusedActivationFunction=act), version=4 if act else 3)


def case_tconv():
    """TRANSPOSE_CONV: SAME k3 s2 with bias and RELU, VALID k3 s2, SAME k4 s2 and
    SAME k2 s2 without bias, SAME k3 s1."""
    m = Model(9)
    x = m.act([1, 5, 6, 4], "input")
    a = tconv(m, x, 4, 3, 3, 2, SAME, [1, 10, 12, 3], "t_same3", act=RELU)
    b = tconv(m, a, 3, 4, 3, 2, VALID, [1, 21, 25, 4], "t_valid3")
    c = tconv(m, b, 4, 2, 4, 2, SAME, [1, 42, 50, 2], "t_same4")
    d = tconv(m, c, 2, 3, 3, 1, SAME, [1, 42, 50, 3], "t_same3s1")
    y = tconv(m, d, 3, 2, 2, 2, SAME, [1, 84, 100, 2], "t_same2", bias=False)
    return m, [x], [y]


def case_prelu():
    """PRELU with a [1,1,C] slope and with a [C] slope, LEAKY_RELU."""
    m = Model(10)
    x = m.act([1, 6, 7, 4], "input")
    c = add_conv(m, x, 4, 6, 3, [1, 6, 7, 6], "conv")
    p1 = m.op(Op.PRELU, [c, m.weight([1, 1, 6], "alpha")], [m.act([1, 6, 7, 6], "prelu1")])
    c2 = add_conv(m, p1, 6, 6, 1, [1, 6, 7, 6], "conv2")
    p2 = m.op(Op.PRELU, [c2, m.weight([6], "alpha2")], [m.act([1, 6, 7, 6], "prelu2")])
    y = m.op(Op.LEAKY_RELU, [p2], [m.act([1, 6, 7, 6], "leaky")], Opt.LeakyReluOptions,
             dict(Alpha=0.2))
    return m, [x], [y]


def case_segnet(softmax):
    """A tiny encoder-decoder with two-class output (background, person): strided
    conv, PRELU, MAX_POOL, TRANSPOSE_CONV, CONCATENATION skip, RESIZE_BILINEAR;
    logits (conv last) or SOFTMAX probabilities."""
    m = Model(11 + softmax)
    x = m.act([1, 32, 32, 3], "input")
    e1 = add_conv(m, x, 3, 8, 3, [1, 16, 16, 8], "enc1", 2, SAME, RELU6)
    e2 = m.op(Op.MAX_POOL_2D, [e1], [m.act([1, 8, 8, 8], "pool")], Opt.Pool2DOptions,
              dict(Padding=SAME, StrideW=2, StrideH=2, FilterWidth=2, FilterHeight=2))
    e3 = add_conv(m, e2, 8, 12, 3, [1, 8, 8, 12], "enc3")
    e3 = m.op(Op.PRELU, [e3, m.weight([1, 1, 12], "alpha", 0.2)], [m.act([1, 8, 8, 12], "prelu")])
    d1 = tconv(m, e3, 12, 8, 3, 2, SAME, [1, 16, 16, 8], "up")
    cat = m.op(Op.CONCATENATION, [d1, e1], [m.act([1, 16, 16, 16], "skip")],
               Opt.ConcatenationOptions, dict(Axis=3))
    h = m.op(Op.HARD_SWISH, [cat], [m.act([1, 16, 16, 16], "hswish")])
    lg = add_conv(m, h, 16, 2, 1, [1, 16, 16, 2], "logits16")
    y = m.op(Op.RESIZE_BILINEAR, [lg, m.const_i32([32, 32], "size")],
             [m.act([1, 32, 32, 2], "logits")], Opt.ResizeBilinearOptions,
             dict(HalfPixelCenters=True), version=3)
    if softmax:
        y = m.op(Op.SOFTMAX, [y], [m.act([1, 32, 32, 2], "prob")], Opt.SoftmaxOptions,
                 dict(Beta=1.0))
    return m, [x], [y]


def case_slice_d2s():
    """STRIDED_SLICE (begin/end masks, negative indices, stride 2, shrink_axis) and
    DEPTH_TO_SPACE block 2."""
    m = Model(13)
    x = m.act([1, 6, 7, 8], "input")
    a = m.op(Op.STRIDED_SLICE, [x, m.const_i32([0, 1, -6, 0], "b"), m.const_i32([1, -1, 7, 8], "e"),
                                m.const_i32([1, 2, 1, 1], "s")],
             [m.act([1, 2, 6, 8], "ss")], Opt.StridedSliceOptions, dict(BeginMask=1, EndMask=8))
    d = m.op(Op.DEPTH_TO_SPACE, [a], [m.act([1, 4, 12, 2], "d2s")], Opt.DepthToSpaceOptions,
             dict(BlockSize=2))
    y = m.op(Op.STRIDED_SLICE, [d, m.const_i32([0, 3, 11, 1], "b2"),
                                m.const_i32([1, 0, 0, 2], "e2"),
                                m.const_i32([1, -1, -3, 1], "s2")],
             [m.act([1, 4, 4], "ss2")], Opt.StridedSliceOptions,
             dict(EndMask=2 | 4, ShrinkAxisMask=8))
    return m, [x], [y]


def case_sparse():
    """Sparse constants through DENSIFY: a conv weight CSR in its last axis (Uint8
    indices, MediaPipe's layout), an FC weight CSR in both axes (Int32)."""
    m = Model(14)
    x = m.act([1, 5, 6, 6], "input")
    sw, _ = m.sparse_weight([4, 1, 1, 6], "conv/w_sparse", {3}, 3)
    w = m.op(Op.DENSIFY, [sw], [m.act([4, 1, 1, 6], "conv/w")], 0, None)
    c = m.op(Op.CONV_2D, [x, w, m.weight([4], "conv/b", 0.1)], [m.act([1, 5, 6, 4], "conv")],
             Opt.Conv2DOptions, dict(Padding=SAME, StrideW=1, StrideH=1))
    sf, _ = m.sparse_weight([5, 4], "fc/w_sparse", {0, 1}, 1)
    f = m.op(Op.DENSIFY, [sf], [m.act([5, 4], "fc/w")], 0, None)
    y = m.op(Op.FULLY_CONNECTED, [c, f, m.weight([5], "fc/b", 0.1)], [m.act([1, 5, 6, 5], "fc")],
             Opt.FullyConnectedOptions, dict(KeepNumDims=True), version=5)
    return m, [x], [y]


CASES = {
    "fc": case_fc,
    "relu6_hswish": case_relu6_hswish,
    "concat": case_concat,
    "pad": case_pad,
    "pool": case_pool,
    "reshape_transpose": case_reshape_transpose,
    "softmax": case_softmax,
    "mean": case_mean,
    "tconv": case_tconv,
    "prelu": case_prelu,
    "segnet_logits": lambda: case_segnet(0),
    "segnet_softmax": lambda: case_segnet(1),
    "slice_d2s": case_slice_d2s,
    "sparse": case_sparse,
}


# ---- malformed models: each must fail to load with the message the test names ---------

def bad_one_op(code, opt_type, opts, in_shape, out_shape, extra_inputs, version=1):
    m = Model(20)
    x = m.act(in_shape, "input")
    ins = [x] + [f(m) for f in extra_inputs]
    y = m.op(code, ins, [m.act(out_shape, "out")], opt_type, opts, version)
    return m, [x], [y]


def bad_sparse_index():
    m = Model(21)
    x = m.act([1, 3, 3, 4], "input")
    sw, _ = m.sparse_weight([2, 1, 1, 4], "w_sparse", {3}, 3)
    name, shape, ttype, buf, (levels, it) = m.tensors[sw]
    levels[3][2][0] = 9  # an index beyond the axis of 4
    w = m.op(Op.DENSIFY, [sw], [m.act([2, 1, 1, 4], "w")], 0, None)
    y = m.op(Op.CONV_2D, [x, w, m.weight([2], "b")], [m.act([1, 3, 3, 2], "out")],
             Opt.Conv2DOptions, dict(Padding=SAME, StrideW=1, StrideH=1))
    return m, [x], [y]


BAD_CASES = {
    "bad_pad_negative": lambda: bad_one_op(
        Op.PAD, Opt.PadOptions, {}, [1, 4, 4, 2], [1, 4, 4, 2],
        [lambda m: m.const_i32([[0, 0], [1, -1], [0, 0], [0, 0]], "pads")]),
    "bad_pad_rank": lambda: bad_one_op(
        Op.PAD, Opt.PadOptions, {}, [1, 4, 4, 2], [1, 4, 4, 2],
        [lambda m: m.const_i32([[0, 0], [1, 1]], "pads")]),
    "bad_tconv_shape": lambda: bad_tconv_shape(),
    "bad_transpose_perm": lambda: bad_one_op(
        Op.TRANSPOSE, Opt.TransposeOptions, {}, [1, 4, 5], [1, 4, 5],
        [lambda m: m.const_i32([0, 2, 2], "perm")]),
    "bad_concat_act": lambda: bad_one_op(
        Op.CONCATENATION, Opt.ConcatenationOptions, dict(Axis=3, FusedActivationFunction=RELU),
        [1, 2, 2, 3], [1, 2, 2, 6], [lambda m: m.weight([1, 2, 2, 3], "other")]),
    "bad_concat_axis": lambda: bad_one_op(
        Op.CONCATENATION, Opt.ConcatenationOptions, dict(Axis=4),
        [1, 2, 2, 3], [1, 2, 2, 6], [lambda m: m.weight([1, 2, 2, 3], "other")]),
    "bad_fc_rows": lambda: bad_one_op(
        Op.FULLY_CONNECTED, Opt.FullyConnectedOptions, {}, [1, 7], [1, 3],
        [lambda m: m.weight([3, 4], "w"), lambda m: m.weight([3], "b")]),
    "bad_mean_axes": lambda: bad_one_op(
        Op.MEAN, Opt.ReducerOptions, dict(KeepDims=True), [1, 4, 4, 2], [1, 4, 4, 1],
        [lambda m: m.const_i32([3], "axes")]),
    "bad_slice_ellipsis": lambda: bad_one_op(
        Op.STRIDED_SLICE, Opt.StridedSliceOptions, dict(EllipsisMask=1), [1, 4, 4], [1, 4, 4],
        [lambda m: m.const_i32([0, 0, 0], "b"), lambda m: m.const_i32([1, 4, 4], "e"),
         lambda m: m.const_i32([1, 1, 1], "s")]),
    "bad_slice_stride0": lambda: bad_one_op(
        Op.STRIDED_SLICE, Opt.StridedSliceOptions, {}, [1, 4, 4], [1, 4, 4],
        [lambda m: m.const_i32([0, 0, 0], "b"), lambda m: m.const_i32([1, 4, 4], "e"),
         lambda m: m.const_i32([1, 0, 1], "s")]),
    "bad_d2s_block": lambda: bad_one_op(
        Op.DEPTH_TO_SPACE, Opt.DepthToSpaceOptions, dict(BlockSize=3), [1, 2, 2, 8],
        [1, 6, 6, 1], []),
    "bad_sparse_index": bad_sparse_index,
}


def bad_tconv_shape():
    """output_shape [1,6,6,2] but the output tensor is declared [1,7,7,2]."""
    m = Model(22)
    x = m.act([1, 3, 3, 2], "input")
    y = m.op(Op.TRANSPOSE_CONV,
             [m.const_i32([1, 6, 6, 2], "shape"), m.weight([2, 3, 3, 2], "w"), x],
             [m.act([1, 7, 7, 2], "out")], Opt.TransposeConvOptions,
             dict(Padding=SAME, StrideW=2, StrideH=2))
    return m, [x], [y]


def litert_run(model_bytes, inputs, declared):
    it = Interpreter(model_content=model_bytes, num_threads=1)
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x)
    it.invoke()
    for d in it.get_tensor_details():  # every declared shape is LiteRT's
        i = d["index"]
        if i < len(declared) and list(d["shape"]) != declared[i]:
            raise SystemExit(f"tensor {i} '{d['name']}': declared {declared[i]}, "
                             f"LiteRT computes {list(d['shape'])}")
    ys = [it.get_tensor(d["index"]) for d in it.get_output_details()]
    # LiteRT's own kernels (no XNNPACK delegate) must agree with the delegate
    ref = Interpreter(
        model_content=model_bytes, num_threads=1,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    ref.allocate_tensors()
    for d, x in zip(ref.get_input_details(), inputs):
        ref.set_tensor(d["index"], x)
    ref.invoke()
    for d, y in zip(ref.get_output_details(), ys):
        z = ref.get_tensor(d["index"])
        err = float(np.abs(z - y).max()) / max(float(y.max() - y.min()), 1e-3)
        if err > 1e-5:
            raise SystemExit(f"LiteRT with and without XNNPACK differ by {err:.3g} of the range")
    return ys


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "tests", "data",
                                                              "tflite-ops")
    os.makedirs(out, exist_ok=True)
    for name, make in CASES.items():
        m, ins, outs = make()
        data = m.build(ins, outs)
        rng = np.random.default_rng(100)
        if name.startswith("segnet"):  # an RGB image as the pipeline gives it: u8 / 255
            xs = [(rng.integers(0, 256, m.tensors[i][1]) / 255.0).astype(np.float32) for i in ins]
        else:
            xs = [rng.standard_normal(m.tensors[i][1]).astype(np.float32) for i in ins]
        ys = litert_run(data, xs, [t[1] for t in m.tensors])
        with open(os.path.join(out, name + ".tflite"), "wb") as f:
            f.write(data)
        xs[0].tofile(os.path.join(out, name + ".input.f32"))
        ys[0].astype(np.float32).tofile(os.path.join(out, name + ".litert.f32"))
        print(f"{name:20s} {len(data):7d} bytes, output {list(ys[0].shape)}, "
              f"range {ys[0].min():.3g}..{ys[0].max():.3g}")
    for name, make in BAD_CASES.items():  # no reference: the importer must refuse them
        m, ins, outs = make()
        with open(os.path.join(out, name + ".tflite"), "wb") as f:
            f.write(m.build(ins, outs))


if __name__ == "__main__":
    main()
