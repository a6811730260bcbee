#!/usr/bin/env python3
"""ONNX Runtime references for the matting models (tests/models/test_matting_models.c).

Usage: make_matting_refs.py MODELS_DIR OUTDIR [PHOTO]
For each case whose model is in MODELS_DIR: a deterministic input tensor (a smooth
pseudo-image in MODNet's range -1..1, NCHW float32), ORT's output (CPU EP, 1 thread),
written as OUTDIR/<case>.in.f32 / .out.f32 (raw little-endian float32), and a line
"<case> <model file> <width> <height>" in OUTDIR/manifest.tsv.

Recurrent cases (RVM): a sequence of frames (PHOTO, a picture of a person, default
samples/astronaut.png from scripts/fetch-samples.sh: a window of it that pans a few
pixels per frame, scaled to the case's size, RGB in 0..1),
run as RVM's authors do (states fed back, the first frame's states [1,1,1,1] zeros,
downsample_ratio given); per frame OUTDIR/<case>.fN.in.f32 / .pha.f32 / .fgr.f32 and a
manifest line "<case> <model file> <width> <height> <ratio> <frames>".
Needs numpy and onnxruntime (the venv of scripts/make-torch-models.sh has both).
"""
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

CASES = [  # name, model file, width, height (small: CI time; multiples of 32)
    ("modnet_256x160", "modnet.onnx", 256, 160),
    ("modnet_192x192", "modnet.onnx", 192, 192),
    ("modnet_512x288", "modnet.onnx", 512, 288),
    ("modnet_320x320", "modnet.onnx", 320, 320),
]

RVM = "rvm_mobilenetv3_fp32.onnx"
RVM_CASES = [  # name, width, height, downsample_ratio, frames
    ("rvm_256x144_r1", 256, 144, 1.0, 10),   # state over 10 frames
    ("rvm_480x272_r05", 480, 272, 0.5, 3),
    ("rvm_330x250_r03", 330, 250, 0.3, 2),   # sizes that the ratio does not divide
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


def rvm_frame(photo, w, h, t):
    """Frame t of a clip: the largest w:h window of the photo, less 8 px per frame
    of width, panned right 4 px per frame (a camera moving), scaled to w x h."""
    pw, ph = photo.size
    cw = min(pw, ph * w / h) - 8 * t
    ch = cw * h / w
    x0, y0 = (pw - cw) / 2 + 4 * t, (ph - ch) / 2
    img = photo.resize((w, h), Image.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
    a = np.asarray(img, np.float32)[:, :, :3] / 255.0
    return np.ascontiguousarray(a.transpose(2, 0, 1)[None])


def rvm_cases(models, out, so, lines, photo_path):
    path = os.path.join(models, RVM)
    if not os.path.exists(path):
        return
    if not os.path.exists(photo_path):
        print(f"make_matting_refs: no photo {photo_path}: RVM cases left out", file=sys.stderr)
        return
    photo = Image.open(photo_path).convert("RGB")
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    for name, w, h, ratio, frames in RVM_CASES:
        rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
        for t in range(frames):
            x = rvm_frame(photo, w, h, t)
            fgr, pha, *rec = sess.run(None, {"src": x, "r1i": rec[0], "r2i": rec[1],
                                             "r3i": rec[2], "r4i": rec[3],
                                             "downsample_ratio": np.array([ratio], np.float32)})
            base = os.path.join(out, f"{name}.f{t}")
            x.tofile(base + ".in.f32")
            pha.astype(np.float32).tofile(base + ".pha.f32")
            fgr.astype(np.float32).tofile(base + ".fgr.f32")
        lines.append(f"{name}\t{RVM}\t{w}\t{h}\t{ratio}\t{frames}\n")


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
    photo = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "samples", "astronaut.png")
    rvm_cases(models, out, so, lines, photo)
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("# name model width height [ratio frames] (scripts/make_matting_refs.py)\n")
        f.writelines(lines)


if __name__ == "__main__":
    main()
