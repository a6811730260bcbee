#!/usr/bin/env python3
"""ONNX Runtime references for the matting models (tests/models/test_matting_models.c).

Usage: make_matting_refs.py MODELS_DIR OUTDIR
For each case whose model is in MODELS_DIR: a deterministic input tensor (a smooth
pseudo-image in MODNet's range -1..1, NCHW float32), ORT's output (CPU EP, 1 thread),
written as OUTDIR/<case>.in.f32 / .out.f32 (raw little-endian float32), and a line
"<case> <model file> <width> <height>" in OUTDIR/manifest.tsv.
Needs numpy and onnxruntime (the venv of scripts/make-torch-models.sh has both).
"""
import os
import sys

import numpy as np
import onnxruntime as ort

CASES = [  # name, model file, width, height (small: CI time; multiples of 32)
    ("modnet_256x160", "modnet.onnx", 256, 160),
    ("modnet_192x192", "modnet.onnx", 192, 192),
    ("modnet_512x288", "modnet.onnx", 512, 288),
    ("modnet_320x320", "modnet.onnx", 320, 320),
]


def pseudo_image(w, h, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((1, 3, h, w), np.float32)
    for c in range(3):
        fx, fy, ph = rng.uniform(0.01, 0.08, 2).tolist() + [rng.uniform(0, 6.28)]
        blob = np.exp(-(((x - w * 0.5) / (0.25 * w)) ** 2 + ((y - h * 0.55) / (0.35 * h)) ** 2))
        img[0, c] = 0.6 * np.sin(fx * x + fy * y + ph) * (1 - blob) + 0.8 * blob - 0.2
    img += rng.normal(0, 0.05, img.shape).astype(np.float32)
    return np.clip(img, -1, 1).astype(np.float32)


def main():
    models, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    lines = []
    for k, (name, model, w, h) in enumerate(CASES):
        path = os.path.join(models, model)
        if not os.path.exists(path):
            continue
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        x = pseudo_image(w, h, 1000 + k)
        (y,) = sess.run(None, {sess.get_inputs()[0].name: x})
        x.tofile(os.path.join(out, name + ".in.f32"))
        y.astype(np.float32).tofile(os.path.join(out, name + ".out.f32"))
        lines.append(f"{name}\t{model}\t{w}\t{h}\n")
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("# name model width height (scripts/make_matting_refs.py)\n")
        f.writelines(lines)


if __name__ == "__main__":
    main()
