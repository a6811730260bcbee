#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) and the
fixed models of the sidecar and pipeline targets (tests/fuzz/data/), all of our own
making, from nothing but the Python standard library.

- onnx:    ~170 small ONNX models (hand-encoded protobuf): one to a dozen ops each,
           every op family the importer lowers, varied kernel sizes, strides, pads,
           dilations, groups, attributes, layouts, free dims and state pairs.
- tflite:  ~120 small TFLite models (a minimal flatbuffer writer): every builtin the
           importer reads, fused activations, SAME/VALID padding, float16 weights
           behind DEQUANTIZE, the MediaPipe transpose-conv custom op.
- image:   PNGs of every colour type and bit depth, interlaced or not, with and
           without eXIf; JPEGs (via GStreamer's jpegenc when gst-launch-1.0 is on
           PATH) with EXIF APP1 orientations 1..8. The fuzz target reads the last
           byte as its options, so each seed has one byte appended.
- sidecar: sidecar texts using every key.
- pipeline: headers for the pipeline target (frame format, size, options).

Deterministic (seeded). Usage: python3 scripts/make_fuzz_corpus.py  (rewrites the files)
"""
import os
import random
import shutil
import struct
import subprocess
import tempfile
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
DATA = os.path.join(ROOT, "tests", "fuzz", "data")
rng = random.Random(20261203)

# ----------------------------------------------------------------------------- protobuf


def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def f_varint(field, v):
    return varint(field << 3) + varint(v)


def f_bytes(field, b):
    if isinstance(b, str):
        b = b.encode()
    return varint(field << 3 | 2) + varint(len(b)) + b


def f_float(field, x):
    return varint(field << 3 | 5) + struct.pack("<f", x)


FLOAT, INT64, INT32 = 1, 7, 6


def tensor(name, dims, values, dtype=FLOAT):
    b = b"".join(f_varint(1, d) for d in dims) + f_varint(2, dtype) + f_bytes(8, name)
    fmt = {FLOAT: "<f", INT64: "<q", INT32: "<i"}[dtype]
    return b + f_bytes(9, b"".join(struct.pack(fmt, v) for v in values))


def attr(name, v):
    b = f_bytes(1, name)
    if isinstance(v, float):
        return b + f_float(2, v) + f_varint(20, 1)
    if isinstance(v, int):
        return b + f_varint(3, v) + f_varint(20, 2)
    if isinstance(v, str):
        return b + f_bytes(4, v) + f_varint(20, 3)
    if isinstance(v, list) and v and isinstance(v[0], float):
        return b + b"".join(f_float(7, x) for x in v) + f_varint(20, 6)
    if isinstance(v, list):
        return b + b"".join(f_varint(8, x) for x in v) + f_varint(20, 7)
    if isinstance(v, bytes):  # a tensor (Constant's value)
        return b + f_bytes(5, v) + f_varint(20, 4)
    raise ValueError(v)


def node(op, ins, outs, **attrs):
    b = b"".join(f_bytes(1, i) for i in ins) + b"".join(f_bytes(2, o) for o in outs)
    b += f_bytes(3, outs[0] + "_" + op) + f_bytes(4, op)
    return b + b"".join(f_bytes(5, attr(k, v)) for k, v in attrs.items())


def value_info(name, dims, dtype=FLOAT):
    shape = b"".join(
        f_bytes(1, f_bytes(2, d) if isinstance(d, str) else f_varint(1, d)) for d in dims)
    ttype = f_varint(1, dtype) + f_bytes(2, shape)
    return f_bytes(1, name) + f_bytes(2, f_bytes(1, ttype))


def onnx_model(nodes, inputs, outputs, inits, opset=14, meta=None):
    g = b"".join(f_bytes(1, n) for n in nodes) + f_bytes(2, "g")
    g += b"".join(f_bytes(5, t) for t in inits)
    g += b"".join(f_bytes(11, value_info(*i)) for i in inputs)
    g += b"".join(f_bytes(12, value_info(*o)) for o in outputs)
    m = f_varint(1, 7) + f_bytes(2, "backdrop-fuzz") + f_bytes(7, g)
    m += f_bytes(8, f_bytes(1, "") + f_varint(2, opset))
    for k, v in (meta or {}).items():
        m += f_bytes(14, f_bytes(1, k) + f_bytes(2, v))
    return m


def w(n, scale=0.5):
    return [round(rng.uniform(-scale, scale), 3) for _ in range(n)]


# ------------------------------------------------------------------------ ONNX seeds


def conv_out(i, k, s, p, d):
    return (i + p - d * (k - 1) - 1) // s + 1


def onnx_seeds():
    out = {}
    # The fixed models of the sidecar and pipeline targets.
    out["data/seg_nchw.onnx"] = onnx_model(
        [node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[1, 1]),
         node("Sigmoid", ["c"], ["y"])],
        [("x", [1, 3, 8, 12])], [("y", [1, 1, 8, 12])],
        [tensor("w", [1, 3, 1, 1], [0.5, -0.25, 0.3]), tensor("b", [1], [0.1])])
    out["data/seg_state.onnx"] = onnx_model(
        [node("Transpose", ["src"], ["t"], perm=[0, 3, 1, 2]),
         node("Conv", ["t", "w", "b"], ["c"], kernel_shape=[1, 1]),
         node("Add", ["c", "r1i"], ["r1o"]),
         node("Sigmoid", ["r1o"], ["pha"])],
        [("src", [1, 6, 10, 3]), ("r1i", [1, 1, 6, 10])],
        [("pha", [1, 1, 6, 10]), ("r1o", [1, 1, 6, 10])],
        [tensor("w", [1, 3, 1, 1], [0.2, 0.4, -0.1]), tensor("b", [1], [0.0])])
    n = 0

    def add(name, m):
        nonlocal n
        out["onnx/%03d_%s.onnx" % (n, name)] = m
        n += 1

    # Convolutions: kernel, stride, pad, dilation, group, activation.
    acts = [None, "Relu", "Sigmoid", "Clip", "HardSwish", "HardSigmoid", "LeakyRelu", "Tanh"]
    for k in range(60):
        c = rng.choice([1, 2, 3, 4])
        o = rng.choice([1, 2, 4, 6])
        kh = rng.choice([1, 3, 5])
        kw = rng.choice([kh, 1, 3])
        s = rng.choice([1, 1, 2])
        d = rng.choice([1, 1, 2])
        group = 1
        if k % 4 == 1:  # depthwise
            o, group = c * rng.choice([1, 2]), c
        h, wd = rng.randint(3, 12), rng.randint(3, 12)
        ph, pw = rng.randint(0, kh // 2 * d), rng.randint(0, kw // 2 * d)
        oh, ow = conv_out(h, kh, s, 2 * ph, d), conv_out(wd, kw, s, 2 * pw, d)
        if oh < 1 or ow < 1:
            continue
        attrs = dict(kernel_shape=[kh, kw], strides=[s, s], dilations=[d, d],
                     pads=[ph, pw, ph, pw], group=group)
        if k % 7 == 3:
            attrs = dict(kernel_shape=[kh, kw], strides=[s, s], auto_pad="SAME_UPPER",
                         group=group)
            oh, ow = (h + s - 1) // s, (wd + s - 1) // s
        ins = ["x", "w"] + (["b"] if k % 3 else [])
        nodes = [node("Conv", ins, ["c"], **attrs)]
        inits = [tensor("w", [o, c // group, kh, kw], w(o * (c // group) * kh * kw))]
        if k % 3:
            inits.append(tensor("b", [o], w(o)))
        last = "c"
        if k % 5 == 2:  # BatchNormalization after the conv
            nodes.append(node("BatchNormalization", ["c", "g", "be", "mu", "var"], ["bn"],
                              epsilon=1e-5))
            inits += [tensor("g", [o], w(o)), tensor("be", [o], w(o)), tensor("mu", [o], w(o)),
                      tensor("var", [o], [abs(v) + 0.5 for v in w(o)])]
            last = "bn"
        a = acts[k % len(acts)]
        if a:
            kw_ = {}
            if a == "Clip":
                nodes.append(node("Clip", [last, "lo", "hi"], ["y"]))
                inits += [tensor("lo", [], [0.0]), tensor("hi", [], [6.0])]
            else:
                if a == "LeakyRelu":
                    kw_["alpha"] = 0.1
                if a == "HardSigmoid":
                    kw_["alpha"], kw_["beta"] = 0.2, 0.5
                nodes.append(node(a, [last], ["y"], **kw_))
        else:
            nodes.append(node("Identity", [last], ["y"]))
        add("conv", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, o, oh, ow])], inits))

    # Pools, global pool, squeeze-excite gate.
    for k in range(14):
        c, h, wd = rng.randint(1, 4), rng.randint(4, 12), rng.randint(4, 12)
        kk, s = rng.choice([2, 3]), rng.choice([1, 2])
        p = rng.randint(0, kk // 2)
        op = "MaxPool" if k % 2 else "AveragePool"
        oh, ow = conv_out(h, kk, s, 2 * p, 1), conv_out(wd, kk, s, 2 * p, 1)
        extra = dict(count_include_pad=k % 3 == 0) if op == "AveragePool" else {}
        extra = {kk_: int(v) for kk_, v in extra.items()}
        nodes = [node(op, ["x"], ["p"], kernel_shape=[kk, kk], strides=[s, s],
                      pads=[p, p, p, p], **extra),
                 node("GlobalAveragePool", ["p"], ["g"]),
                 node("HardSigmoid", ["g"], ["gs"], alpha=0.2, beta=0.5),
                 node("Mul", ["p", "gs"], ["y"])]
        add("pool_se", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c, oh, ow])], []))

    # Resize / Upsample.
    for k in range(12):
        c, h, wd, f = rng.randint(1, 3), rng.randint(2, 8), rng.randint(2, 8), rng.choice([2, 3])
        mode = rng.choice(["nearest", "linear"])
        ctm = rng.choice(["half_pixel", "align_corners", "asymmetric", "pytorch_half_pixel"])
        if k % 4 == 3:
            nodes = [node("Upsample", ["x", "sc"], ["y"], mode=mode)]
            inits = [tensor("sc", [4], [1.0, 1.0, float(f), float(f)])]
            m = onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c, h * f, wd * f])], inits,
                           opset=9)
        else:
            nodes = [node("Resize", ["x", "roi", "sc"], ["y"], mode=mode,
                          coordinate_transformation_mode=ctm)]
            inits = [tensor("roi", [0], []), tensor("sc", [4], [1.0, 1.0, float(f), float(f)])]
            m = onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c, h * f, wd * f])], inits)
        add("resize", m)

    # ConvTranspose.
    for k in range(10):
        c, o, kk, s = rng.randint(1, 3), rng.randint(1, 3), rng.choice([2, 3, 4]), rng.choice([1, 2])
        h, wd, p = rng.randint(2, 6), rng.randint(2, 6), rng.randint(0, 1)
        op_ = rng.randint(0, s - 1)
        oh, ow = (h - 1) * s - 2 * p + kk + op_, (wd - 1) * s - 2 * p + kk + op_
        nodes = [node("ConvTranspose", ["x", "w", "b"], ["y"], kernel_shape=[kk, kk],
                      strides=[s, s], pads=[p, p, p, p], output_padding=[op_, op_])]
        inits = [tensor("w", [c, o, kk, kk], w(c * o * kk * kk)), tensor("b", [o], w(o))]
        add("tconv", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, o, oh, ow])], inits))

    # Elementwise with broadcasting, Concat, PRelu, Softmax, Split.
    for k in range(20):
        c, h, wd = rng.randint(1, 4), rng.randint(1, 8), rng.randint(1, 8)
        op = ["Add", "Sub", "Mul", "Div", "PRelu"][k % 5]
        bshape = rng.choice([[1, c, 1, 1], [1, 1, h, wd], [c, 1, 1], [1]])
        vals = [abs(v) + 0.5 for v in w(int_prod(bshape))]
        nodes = [node(op, ["x", "k"], ["e"]),
                 node("Concat", ["e", "x"], ["cc"], axis=1),
                 node("Softmax", ["cc"], ["y"], axis=1)]
        add("elem", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, 2 * c, h, wd])],
                               [tensor("k", bshape, vals)]))
    for k in range(6):
        c, h, wd = 2 * rng.randint(1, 3), rng.randint(2, 6), rng.randint(2, 6)
        nodes = [node("Split", ["x"], ["a", "b"], axis=1),
                 node("Mul", ["a", "b"], ["m"]),
                 node("Sigmoid", ["m"], ["y"])]
        add("split", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c // 2, h, wd])], [],
                                opset=11))

    # Shapes: Pad, Slice, Transpose, Reshape, Flatten, Gemm, MatMul, Squeeze/Unsqueeze.
    for k in range(10):
        c, h, wd = rng.randint(1, 3), rng.randint(3, 8), rng.randint(3, 8)
        p = [0, 0, rng.randint(0, 2), rng.randint(0, 2), 0, 0, rng.randint(0, 2), rng.randint(0, 2)]
        if k % 3 == 1:  # reflect: each pad below the axis size
            p = [min(v, 1) for v in p]
        mode = ["constant", "reflect", "edge"][k % 3]
        nodes = [node("Pad", ["x", "pads"], ["p"], mode=mode),
                 node("Slice", ["p", "st", "en", "ax"], ["y"])]
        hp, wp = h + p[2] + p[6], wd + p[3] + p[7]
        inits = [tensor("pads", [8], p, INT64), tensor("st", [2], [0, 1], INT64),
                 tensor("en", [2], [hp, wp], INT64), tensor("ax", [2], [2, 3], INT64)]
        add("pad_slice", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c, hp, wp - 1])],
                                    inits))
    for k in range(10):
        h, wd, c, o = rng.randint(2, 6), rng.randint(2, 6), rng.randint(1, 4), rng.randint(1, 4)
        nodes = [node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
                 node("MatMul", ["t", "m"], ["mm"]),
                 node("Transpose", ["mm"], ["y0"], perm=[0, 3, 1, 2]),
                 node("Reshape", ["y0", "shp"], ["y"])]
        inits = [tensor("m", [c, o], w(c * o)), tensor("shp", [4], [1, o, h, wd], INT64)]
        add("matmul", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, o, h, wd])], inits))
    for k in range(6):
        c, h, wd, o = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 5)
        nodes = [node("Flatten", ["x"], ["f"], axis=1),
                 node("Gemm", ["f", "gw", "gb"], ["y"], transB=1, alpha=1.0, beta=1.0)]
        inits = [tensor("gw", [o, c * h * wd], w(o * c * h * wd)), tensor("gb", [o], w(o))]
        add("gemm", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, o])], inits))
    for k in range(6):
        c, h, wd = rng.randint(1, 3), rng.randint(2, 6), rng.randint(2, 6)
        nodes = [node("Shape", ["x"], ["s"]),
                 node("Gather", ["s", "i"], ["hw"], axis=0),
                 node("Concat", ["one", "cc", "hw"], ["ns"], axis=0),
                 node("Reshape", ["x", "ns"], ["r"]),
                 node("ReduceMean", ["r"], ["m"], axes=[2, 3], keepdims=1),
                 node("Sub", ["r", "m"], ["d"]),
                 node("InstanceNormalization", ["d", "sc", "bi"], ["y"], epsilon=1e-5)]
        inits = [tensor("i", [2], [2, 3], INT64), tensor("one", [1], [1], INT64),
                 tensor("cc", [1], [c], INT64), tensor("sc", [c], w(c)), tensor("bi", [c], w(c))]
        add("shape_arith", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c, h, wd])],
                                      inits))
    for k in range(4):
        c, h, wd = rng.randint(1, 3), rng.randint(2, 6), rng.randint(2, 6)
        nodes = [node("Unsqueeze", ["x", "a0"], ["u"]),
                 node("Squeeze", ["u", "a0"], ["sq"]),
                 node("Constant", [], ["k"], value=tensor("kv", [1], [0.5])),
                 node("Mul", ["sq", "k"], ["y"])]
        add("squeeze", onnx_model(nodes, [("x", [1, c, h, wd])], [("y", [1, c, h, wd])],
                                  [tensor("a0", [1], [0], INT64)]))
    # Free spatial dims, NHWC input, metadata conventions, state pairs.
    for k in range(4):
        c = rng.randint(1, 3)
        nodes = [node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                 node("Sigmoid", ["c"], ["y"])]
        add("free_dims", onnx_model(nodes, [("x", [1, 3, "height", "width"])],
                                    [("y", [1, 1, "height", "width"])],
                                    [tensor("w", [1, 3, 3, 3], w(27))],
                                    meta={"backdrop.range": "-1..1", "backdrop.color": "bgr"}))
    for k in range(4):
        h, wd = rng.randint(3, 9), rng.randint(3, 9)
        nodes = [node("Transpose", ["src"], ["t"], perm=[0, 3, 1, 2]),
                 node("Conv", ["t", "w"], ["c"], kernel_shape=[1, 1]),
                 node("Add", ["c", "r1i"], ["r1o"]),
                 node("Tanh", ["r1o"], ["th"]),
                 node("Relu", ["th"], ["pha"])]
        add("state", onnx_model(nodes, [("src", [1, h, wd, 3]), ("r1i", [1, 2, h, wd])],
                                [("pha", [1, 2, h, wd]), ("r1o", [1, 2, h, wd])],
                                [tensor("w", [2, 3, 1, 1], w(6))]))
    return out


def int_prod(xs):
    p = 1
    for x in xs:
        p *= x
    return p


# ------------------------------------------------------------------------ flatbuffers


class Table:
    def __init__(self, *fields):  # (slot, kind, value); kind: u8 i8 i32 u32 f32 off
        self.fields = [f for f in fields if f[2] is not None]


class Vec:
    def __init__(self, kind, items, align=4):  # kind: i32, u8, or off
        self.kind, self.items, self.align = kind, items, align


class Str:
    def __init__(self, s):
        self.s = s.encode() if isinstance(s, str) else s


SIZES = {"u8": 1, "i8": 1, "i32": 4, "u32": 4, "f32": 4, "off": 4}
FMT = {"u8": "<B", "i8": "<b", "i32": "<i", "u32": "<I", "f32": "<f"}


class FB:
    """Writes front to back: each child lies after its parent (uoffsets point forward)."""

    def __init__(self):
        self.b = bytearray()

    def pad(self, a):
        while len(self.b) % a:
            self.b.append(0)

    def patch(self, at, target):
        struct.pack_into("<I", self.b, at, target - at)

    def write(self, obj):
        if isinstance(obj, Str):
            self.pad(4)
            pos = len(self.b)
            self.b += struct.pack("<I", len(obj.s)) + obj.s + b"\0"
            return pos
        if isinstance(obj, Vec):
            # the data (after the 4-byte length) is aligned to obj.align
            while (len(self.b) + 4) % obj.align:
                self.b.append(0)
            pos = len(self.b)
            self.b += struct.pack("<I", len(obj.items))
            if obj.kind == "off":
                slots = []
                for _ in obj.items:
                    slots.append(len(self.b))
                    self.b += b"\0\0\0\0"
                for at, item in zip(slots, obj.items):
                    self.patch(at, self.write(item))
            else:
                for v in obj.items:
                    self.b += struct.pack(FMT[obj.kind], v)
            return pos
        # a table: vtable first, then the table, then its children
        fields = sorted(obj.fields, key=lambda f: -SIZES[f[1]])
        layout, off = {}, 4
        for slot, kind, _ in fields:
            sz = SIZES[kind]
            off = (off + sz - 1) // sz * sz
            layout[slot] = off
            off += sz
        tsize = (off + 3) // 4 * 4
        nslots = max([f[0] for f in fields], default=-1) + 1
        self.pad(2)
        vpos = len(self.b)
        vt = [4 + 2 * nslots, tsize] + [layout.get(s, 0) for s in range(nslots)]
        self.b += struct.pack("<%dH" % len(vt), *vt)
        self.pad(4)
        tpos = len(self.b)
        self.b += bytearray(tsize)
        struct.pack_into("<i", self.b, tpos, tpos - vpos)
        kids = []
        for slot, kind, v in fields:
            at = tpos + layout[slot]
            if kind == "off":
                kids.append((at, v))
            else:
                struct.pack_into(FMT[kind], self.b, at, v)
        for at, v in kids:
            self.patch(at, self.write(v))
        return tpos


def tflite_model(tensors, ops, inputs, outputs, buffers):
    """tensors: (shape, type, buffer, name); ops: (opcode, custom, ins, outs, opt_type, opt,
    custom_options); buffers: list of bytes (buffer 0 is always the empty one)."""
    codes, code_index = [], {}
    for op in ops:
        key = (op[0], op[1])
        if key not in code_index:
            code_index[key] = len(codes)
            codes.append(key)
    oc = [Table((0, "i8", min(c, 127)), (3, "i32", c), (2, "i32", 1),
                (1, "off", Str(cu) if cu else None)) for c, cu in codes]
    ts = [Table((0, "off", Vec("i32", shape)), (1, "u8", ty), (2, "u32", buf), (3, "off", Str(nm)))
          for shape, ty, buf, nm in tensors]
    os_ = []
    for code, cu, ins, outs, ot, opt, copt in ops:
        os_.append(Table((0, "u32", code_index[(code, cu)]), (1, "off", Vec("i32", ins)),
                         (2, "off", Vec("i32", outs)), (3, "u8", ot if opt else None),
                         (4, "off", opt), (5, "off", Vec("u8", list(copt)) if copt else None)))
    sg = Table((0, "off", Vec("off", ts)), (1, "off", Vec("i32", inputs)),
               (2, "off", Vec("i32", outputs)), (3, "off", Vec("off", os_)), (4, "off", Str("main")))
    bufs = [Table((0, "off", Vec("u8", list(b), align=16) if b else None)) for b in [b""] + buffers]
    model = Table((0, "u32", 3), (1, "off", Vec("off", oc)), (2, "off", Vec("off", [sg])),
                  (3, "off", Str("backdrop fuzz seed")), (4, "off", Vec("off", bufs)))
    fb = FB()
    fb.b += b"\0\0\0\0TFL3"
    fb.patch(0, fb.write(model))
    return bytes(fb.b)


F32, F16, I32 = 0, 1, 2
ADD, AVG, CONCAT, CONV, DW, DEQ, LOGISTIC, MAXP, MUL, RELU, RELU1, RELU6, RESHAPE, RESIZE, TANH, \
    CUSTOM, MEAN, HSWISH = 0, 1, 2, 3, 4, 6, 14, 17, 18, 19, 20, 21, 22, 23, 28, 32, 40, 117


def f16(x):
    return struct.pack("<e", x)


class TB:
    """Accumulates tensors and buffers of one TFLite graph."""

    def __init__(self):
        self.tensors, self.buffers, self.ops = [], [], []

    def t(self, shape, ty=F32, data=None, name=None):
        buf = 0
        if data is not None:
            self.buffers.append(data)
            buf = len(self.buffers)
        self.tensors.append((shape, ty, buf, name or "t%d" % len(self.tensors)))
        return len(self.tensors) - 1

    def const(self, shape, vals, half=False):
        if half:  # float16 weights behind a DEQUANTIZE, as in the MediaPipe models
            h = self.t(shape, F16, b"".join(f16(v) for v in vals))
            o = self.t(shape)
            self.ops.append((DEQ, None, [h], [o], 0, None, None))
            return o
        return self.t(shape, F32, b"".join(struct.pack("<f", v) for v in vals))

    def op(self, code, ins, outs, ot=0, opt=None, custom=None, copt=None):
        self.ops.append((code, custom, ins, outs, ot, opt, copt))

    def model(self, inputs, outputs):
        return tflite_model(self.tensors, self.ops, inputs, outputs, self.buffers)


def same_out(i, s):
    return (i + s - 1) // s


def tflite_seeds():
    out = {}
    n = 0

    def add(name, m):
        nonlocal n
        out["tflite/%03d_%s.tflite" % (n, name)] = m
        n += 1

    for k in range(50):
        g = TB()
        h, wd, c = rng.randint(3, 12), rng.randint(3, 12), rng.choice([1, 2, 3, 4])
        dw = k % 3 == 1
        kk, s = rng.choice([1, 3, 5]), rng.choice([1, 2])
        pad = rng.choice([0, 1])  # SAME, VALID
        fa = rng.choice([0, 1, 2, 3])
        d = rng.choice([1, 1, 2]) if s == 1 else 1
        o = c * rng.choice([1, 2]) if dw else rng.choice([1, 2, 4])
        ek = d * (kk - 1) + 1
        oh = same_out(h, s) if pad == 0 else (h - ek) // s + 1
        ow = same_out(wd, s) if pad == 0 else (wd - ek) // s + 1
        if oh < 1 or ow < 1:
            continue
        x = g.t([1, h, wd, c], name="input")
        half = k % 4 == 0
        if dw:
            wt = g.const([1, kk, kk, o], w(kk * kk * o), half)
            opt = Table((0, "i8", pad), (1, "i32", s), (2, "i32", s), (3, "i32", o // c),
                        (4, "i8", fa), (5, "i32", d), (6, "i32", d))
        else:
            wt = g.const([o, kk, kk, c], w(o * kk * kk * c), half)
            opt = Table((0, "i8", pad), (1, "i32", s), (2, "i32", s), (3, "i8", fa),
                        (4, "i32", d), (5, "i32", d))
        b = g.const([o], w(o))
        y = g.t([1, oh, ow, o])
        g.op(DW if dw else CONV, [x, wt, b], [y], 2 if dw else 1, opt)
        last = y
        tail = k % 6
        if tail == 1:
            z = g.t([1, oh, ow, o])
            g.op(LOGISTIC, [last], [z])
            last = z
        elif tail == 2:
            z = g.t([1, oh, ow, o])
            g.op(HSWISH, [last], [z])
            last = z
        elif tail == 3:  # squeeze-excite: MEAN -> MUL
            ax = g.t([2], I32, struct.pack("<2i", 1, 2))
            m = g.t([1, 1, 1, o])
            g.op(MEAN, [last, ax], [m], 27, Table((0, "u8", 1)))
            z = g.t([1, oh, ow, o])
            g.op(MUL, [last, m], [z], 21, Table((0, "i8", 0)))
            last = z
        elif tail == 4:  # residual ADD with fused activation
            z = g.t([1, oh, ow, o])
            g.op(ADD, [last, last], [z], 11, Table((0, "i8", rng.choice([0, 1, 3]))))
            last = z
        elif tail == 5:
            z = g.t([1, oh, ow, o])
            g.op(rng.choice([RELU, RELU6, RELU1, TANH]), [last], [z])
            last = z
        add("dwconv" if dw else "conv", g.model([x], [last]))

    for k in range(16):  # pools
        g = TB()
        h, wd, c = rng.randint(2, 12), rng.randint(2, 12), rng.randint(1, 4)
        f, s, pad = rng.choice([2, 3]), rng.choice([1, 2]), rng.choice([0, 1])
        oh = same_out(h, s) if pad == 0 else (h - f) // s + 1
        ow = same_out(wd, s) if pad == 0 else (wd - f) // s + 1
        if oh < 1 or ow < 1:
            continue
        x = g.t([1, h, wd, c], name="input")
        y = g.t([1, oh, ow, c])
        g.op(AVG if k % 2 else MAXP, [x], [y], 5,
             Table((0, "i8", pad), (1, "i32", s), (2, "i32", s), (3, "i32", f), (4, "i32", f),
                   (5, "i8", k % 4)))
        add("pool", g.model([x], [y]))

    for k in range(14):  # resize, concat, reshape
        g = TB()
        h, wd, c = rng.randint(1, 8), rng.randint(1, 8), rng.randint(1, 3)
        fh, fw = rng.choice([1, 2, 3]), rng.choice([1, 2, 3])
        x = g.t([1, h, wd, c], name="input")
        sz = g.t([2], I32, struct.pack("<2i", h * fh, wd * fw))
        r = g.t([1, h * fh, wd * fw, c])
        g.op(RESIZE, [x, sz], [r], 15, Table((2, "u8", k % 2), (3, "u8", (k // 2) % 2 if k % 2 == 0 else 0)))
        cc = g.t([1, h * fh, wd * fw, 2 * c])
        g.op(CONCAT, [r, r], [cc], 10, Table((0, "i32", 3 if k % 2 else -1), (1, "i8", 0)))
        y = g.t([1, h * fh, wd * fw * 2 * c])
        g.op(RESHAPE, [cc], [y], 17, Table((0, "off", Vec("i32", [1, h * fh, wd * fw * 2 * c]))))
        add("resize_concat", g.model([x], [y]))

    for k in range(10):  # MediaPipe's Convolution2DTransposeBias
        g = TB()
        h, wd, c, o = rng.randint(2, 6), rng.randint(2, 6), rng.randint(1, 3), rng.randint(1, 3)
        kk, s, padding = rng.choice([2, 3, 4]), rng.choice([1, 2]), rng.choice([1, 2])
        def tout(i):  # the importer's SAME rule: total pad max(0, k - (i-1) % s - 1)
            return (i - 1) * s + kk - (max(0, kk - (i - 1) % s - 1) if padding == 1 else 0)
        oh, ow = tout(h), tout(wd)
        x = g.t([1, h, wd, c], name="input")
        wt = g.const([o, kk, kk, c], w(o * kk * kk * c), k % 2 == 0)
        b = g.const([o], w(o))
        y = g.t([1, oh, ow, o])
        g.op(CUSTOM, [x, wt, b], [y], custom="Convolution2DTransposeBias",
             copt=struct.pack("<3i", padding, s, s))
        z = g.t([1, oh, ow, o])
        g.op(LOGISTIC, [y], [z])
        add("tconv_bias", g.model([x], [z]))

    for k in range(20):  # small chains of 4..12 ops
        g = TB()
        h, wd, c = rng.randint(4, 10), rng.randint(4, 10), 3
        x = g.t([1, h, wd, c], name="input")
        last, lc = x, c
        for j in range(rng.randint(3, 11)):
            o = rng.choice([2, 4])
            wt = g.const([o, 3, 3, lc], w(o * 9 * lc), j % 2 == 0)
            b = g.const([o], w(o))
            y = g.t([1, h, wd, o])
            g.op(CONV, [last, wt, b], [y], 1,
                 Table((0, "i8", 0), (1, "i32", 1), (2, "i32", 1), (3, "i8", rng.choice([0, 1, 3]))))
            last, lc = y, o
        wt = g.const([1, 1, 1, lc], w(lc))
        b = g.const([1], [0.0])
        y = g.t([1, h, wd, 1])
        g.op(CONV, [last, wt, b], [y], 1, Table((0, "i8", 1), (1, "i32", 1), (2, "i32", 1)))
        z = g.t([1, h, wd, 1], name="segment")
        g.op(LOGISTIC, [y], [z])
        add("chain", g.model([x], [z]))
    return out


# ------------------------------------------------------------------------------ images


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiff_orientation(o, le=True):
    e = "<" if le else ">"
    hdr = (b"II" if le else b"MM") + struct.pack(e + "HI", 42, 8)
    ifd = struct.pack(e + "H", 1) + struct.pack(e + "HHIHH", 0x0112, 3, 1, o, 0) + b"\0\0\0\0"
    return hdr + ifd


def make_png(wd, h, color, depth, interlace=0, exif=None):
    chans = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    bits = chans * depth
    row = (wd * bits + 7) // 8
    raw = b"".join(bytes([y % 5]) + bytes(rng.randrange(256) for _ in range(row))
                   for y in range(h))
    if interlace:  # good enough as a seed: libpng decodes or rejects it, both are fine
        pass
    ihdr = struct.pack(">IIBBBBB", wd, h, depth, color, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    if color == 3:
        out += png_chunk(b"PLTE", bytes(rng.randrange(256) for _ in range(3 * (1 << depth))))
        out += png_chunk(b"tRNS", bytes([0, 128]))
    if exif:
        out += png_chunk(b"eXIf", exif)
    out += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    return out


def image_seeds():
    out = {}
    n = 0

    def add(name, b, sel):
        nonlocal n
        out["image/%03d_%s" % (n, name)] = b + bytes([sel])
        n += 1

    for color, depths in ((0, [1, 2, 4, 8, 16]), (2, [8, 16]), (3, [1, 2, 4, 8]), (4, [8, 16]),
                          (6, [8, 16])):
        for depth in depths:
            wd, h = rng.randint(1, 13), rng.randint(1, 9)
            add("png_c%d_d%d.png" % (color, depth), make_png(wd, h, color, depth), n % 8)
    for o in range(1, 9):
        add("png_exif%d.png" % o, make_png(5, 3, 2, 8, exif=tiff_orientation(o, o % 2 == 1)),
            n % 8)
    add("png_interlaced.png", make_png(7, 5, 2, 8, interlace=1), 1)
    if shutil.which("gst-launch-1.0"):
        tmp = tempfile.mkdtemp()
        for k, (wd, h, fmt) in enumerate([(13, 7, "I420"), (8, 8, "GRAY8"), (17, 3, "Y42B"),
                                          (5, 11, "Y444")]):
            path = os.path.join(tmp, "x.jpg")
            r = subprocess.run(
                ["gst-launch-1.0", "-q", "videotestsrc", "num-buffers=1", "pattern=%d" % k, "!",
                 "video/x-raw,format=%s,width=%d,height=%d" % (fmt, wd, h), "!", "jpegenc",
                 "quality=60", "!", "filesink", "location=" + path],
                capture_output=True)
            if r.returncode != 0 or not os.path.exists(path):
                continue
            jpg = open(path, "rb").read()
            add("jpeg_%s.jpg" % fmt.lower(), jpg, k % 8)
            for o in (3, 6, 8) if k == 0 else ():
                t = b"Exif\0\0" + tiff_orientation(o, o != 6)
                seg = b"\xff\xe1" + struct.pack(">H", len(t) + 2) + t
                add("jpeg_exif%d.jpg" % o, jpg[:2] + seg + jpg[2:], o)
        shutil.rmtree(tmp)
    return out


def sidecar_seeds():
    texts = [
        "layout = nchw\ncolor = rgb\nrange = 0..1\noutput = prob\n",
        "# a comment\nmean = 0.485, 0.456, 0.406\nstd = 0.229, 0.224, 0.225\ncolor = bgr\n",
        "range = -1..1\noutput = logits\nperson_class = 0\n",
        "image_input = 0\nmask_output = 0\noutput_layout = nchw\n",
        "image_input = src\nmask_output = pha\nstate = r1i r1o\noutput = alpha\n",
        "layout = nhwc\nrange = 0..255\nstd = 0.5\n\n\n",
        "state = 1 1\nimage_input = 0\n",
        "output_layout = nhwc\nmean = 1, 2, 3\n",
    ]
    out = {}
    for i, t in enumerate(texts):
        for m in (0, 1):
            out["sidecar/%03d_m%d.txt" % (2 * i + m, m)] = bytes([m]) + t.encode()
    return out


def pipeline_seeds():
    out = {}
    for k in range(24):
        hdr = bytes([k % 10, rng.randrange(256), rng.randrange(256), k % 16, k % 4,
                     0x80 if k % 3 == 0 else rng.randrange(10), (k * 37) & 0xFF,
                     rng.randrange(32), rng.randrange(32), k % 3, rng.randrange(256),
                     rng.randrange(256)])
        out["pipeline/%03d" % k] = hdr + bytes(rng.randrange(256) for _ in range(64))
    return out


def main():
    files = {}
    for gen in (onnx_seeds, tflite_seeds, image_seeds, sidecar_seeds, pipeline_seeds):
        files.update(gen())
    for sub in ("onnx", "tflite", "image", "sidecar", "pipeline"):
        d = os.path.join(CORPUS, sub)
        if os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d)
    os.makedirs(DATA, exist_ok=True)
    total = 0
    for rel, b in sorted(files.items()):
        path = os.path.join(DATA, rel[5:]) if rel.startswith("data/") else os.path.join(CORPUS, rel)
        with open(path, "wb") as f:
            f.write(b)
        total += len(b)
    print("make_fuzz_corpus: %d files, %d bytes" % (len(files), total))


if __name__ == "__main__":
    main()
