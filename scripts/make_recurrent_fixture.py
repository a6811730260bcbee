#!/usr/bin/env python3
"""Builds tests/data/onnx/recurrent_gru.onnx, a tiny recurrent matting model with
RVM-style names, and ONNX Runtime references for 3 frames with the state carried
by this script (frame 0: zero state):

    r1o = sigmoid(conv3x3(src) + conv3x3(r1i))      src [1,3,8,12], r1i [1,4,8,12]
    pha = sigmoid(conv1x1(r1o))                     pha [1,1,8,12]

Files: recurrent_gru.onnx, recurrent_gru.f<k>.src.f32 (input image tensor),
recurrent_gru.f<k>.pha.f32 (ORT alpha), raw little-endian float32, NCHW.

Also two RVM-like models with a runtime scalar input `downsample_ratio`, which
backdrop cannot feed: runtime_scale.onnx (it computes a Resize's scales: the
import must fail naming the computed input) and runtime_scalar.onnx (it scales
the image: the model loads, the pipeline must refuse the extra input).

And meta_props.onnx / meta_props_bad.onnx: a 1x1 conv to two class logits whose
metadata_props state its conventions ("backdrop.mean" = ..., read as inferred), the
second with an unknown key (the model must be refused with the line named).
Run with an interpreter that has onnx, onnxruntime and numpy, e.g.
/work/main/bench/peers/.venv/bin/python scripts/make_recurrent_fixture.py
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

H, W, C = 8, 12, 4
out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "tests", "data", "onnx")
rng = np.random.default_rng(1234)
wx = (rng.standard_normal((C, 3, 3, 3)) * 0.5).astype(np.float32)
wh = (rng.standard_normal((C, C, 3, 3)) * 0.5).astype(np.float32)
bx = (rng.standard_normal(C) * 0.1).astype(np.float32)
wp = (rng.standard_normal((1, C, 1, 1))).astype(np.float32)
bp = np.array([-0.5], np.float32)
inits = [numpy_helper.from_array(a, n) for a, n in
         [(wx, "wx"), (wh, "wh"), (bx, "bx"), (wp, "wp"), (bp, "bp")]]
nodes = [
    helper.make_node("Conv", ["src", "wx", "bx"], ["cx"], pads=[1, 1, 1, 1]),
    helper.make_node("Conv", ["r1i", "wh"], ["ch"], pads=[1, 1, 1, 1]),
    helper.make_node("Add", ["cx", "ch"], ["s"]),
    helper.make_node("Sigmoid", ["s"], ["r1o"]),
    helper.make_node("Conv", ["r1o", "wp", "bp"], ["pl"]),
    helper.make_node("Sigmoid", ["pl"], ["pha"]),
]
graph = helper.make_graph(
    nodes, "recurrent_gru",
    [helper.make_tensor_value_info("src", TensorProto.FLOAT, [1, 3, H, W]),
     helper.make_tensor_value_info("r1i", TensorProto.FLOAT, [1, C, H, W])],
    [helper.make_tensor_value_info("pha", TensorProto.FLOAT, [1, 1, H, W]),
     helper.make_tensor_value_info("r1o", TensorProto.FLOAT, [1, C, H, W])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="make_recurrent_fixture")
model.ir_version = 8
onnx.checker.check_model(model)
path = os.path.join(out_dir, "recurrent_gru.onnx")
onnx.save(model, path)

so = ort.SessionOptions()
so.intra_op_num_threads = 1
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
state = np.zeros((1, C, H, W), np.float32)
for k in range(3):
    src = rng.random((1, 3, H, W), dtype=np.float32)
    pha, state = sess.run(["pha", "r1o"], {"src": src, "r1i": state})
    src.astype("<f4").tofile(os.path.join(out_dir, f"recurrent_gru.f{k}.src.f32"))
    pha.astype("<f4").tofile(os.path.join(out_dir, f"recurrent_gru.f{k}.pha.f32"))

def save_small(name, nodes, inputs, outputs, inits=()):
    m = helper.make_model(helper.make_graph(nodes, name, inputs, outputs, list(inits)),
                          opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="make_recurrent_fixture")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out_dir, name + ".onnx"))


img = helper.make_tensor_value_info("src", TensorProto.FLOAT, [1, 3, 8, 8])
ratio = helper.make_tensor_value_info("downsample_ratio", TensorProto.FLOAT, [1])
save_small("runtime_scale",
           [helper.make_node("Concat", ["one", "downsample_ratio", "downsample_ratio"],
                             ["scales"], axis=0),
            helper.make_node("Resize", ["src", "", "scales"], ["small"], mode="linear"),
            helper.make_node("Sigmoid", ["small"], ["pha"])],
           [img, ratio], [helper.make_tensor_value_info("pha", TensorProto.FLOAT, [1, 3, 4, 4])],
           [numpy_helper.from_array(np.array([1, 1], np.float32), "one")])
save_small("runtime_scalar",
           [helper.make_node("Mul", ["src", "downsample_ratio"], ["x"]),
            helper.make_node("Sigmoid", ["x"], ["pha"])],
           [img, ratio], [helper.make_tensor_value_info("pha", TensorProto.FLOAT, [1, 3, 8, 8])])

def save_meta(name, props):
    w = numpy_helper.from_array(rng.standard_normal((2, 3, 1, 1)).astype(np.float32), "w")
    m = helper.make_model(
        helper.make_graph([helper.make_node("Conv", ["src", "w"], ["out"])], name, [img],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, 8, 8])],
                          [w]),
        opset_imports=[helper.make_opsetid("", 13)], producer_name="make_recurrent_fixture")
    m.ir_version = 8
    onnx.helper.set_model_props(m, props)
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out_dir, name + ".onnx"))


save_meta("meta_props", {"author": "nobody", "backdrop.mean": "0.485, 0.456, 0.406",
                         "backdrop.std": "0.229, 0.224, 0.225", "backdrop.color": "bgr",
                         "backdrop.person_class": "0"})
save_meta("meta_props_bad", {"backdrop.color": "bgr", "backdrop.colour": "rgb"})
print("wrote", path)
