#!/usr/bin/env python3
"""peers.py -- the peers of bench_composite: the same post-process (a 512x256
person map -> full-resolution composite of an RGB frame over a background
image) done with OpenCV and PyTorch, each next to a numpy memcpy of the bytes
the stage must touch, timed in this one process.

Method (the seed's, as bench_composite): 10 warm-up runs, then 100 timed
runs, min and median; the cases run interleaved (one run of each case per
round) so that a change of this VM's speed level moves them alike. Each
result line also carries the median of a libc memcpy of the same bytes timed
in the same rounds (it runs cache-cold after the PyTorch cases, so it is
slower here than in bench_composite, where it runs among lighter cases).

Cases (one thread and two threads each):
  opencv-u8       cv2.resize of the u8 mask, then multiply/multiply/add on u8
                  frames (the best OpenCV pipeline on u8 in the issue)
  opencv-f32      cv2.resize of the f32 mask, cv2.blendLinear on float32 frames
  torch-seed      the seed's code: threshold, blend at 512x256, nearest
                  interpolate of the composite (throws the resolution away)
  torch-mask-f32  upsample the mask only (bilinear), blend float32 frames
  torch-mask-u8   the same on uint8 frames (convert, blend, convert back)

Output: "peer NAME WxH t=N: median X ms, min Y ms, memcpy median Z ms".
Missing modules are reported on stderr and their cases skipped.
Usage: peers.py [--runs N] [--warmup N] [--quick]
"""
import argparse
import ctypes
import sys
import time

import numpy as np

try:
    import cv2
except ImportError:  # pragma: no cover - depends on the machine
    cv2 = None
    print("peers.py: OpenCV (cv2) not found; skipping its cases", file=sys.stderr)
try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    torch = None
    print("peers.py: PyTorch not found; skipping its cases", file=sys.stderr)

MAP_W, MAP_H = 512, 256


def make_map():
    """The person-like map of bench_composite.c (a soft disc and a body)."""
    y, x = np.mgrid[0:MAP_H, 0:MAP_W].astype(np.float64)
    dx = (x - MAP_W * 0.5) / (MAP_H * 0.22)
    dy = (y - MAP_H * 0.35) / (MAP_H * 0.22)
    head = 1.0 - np.sqrt(dx * dx + dy * dy)
    body = np.where(y > MAP_H * 0.55, 1.0 - np.abs(x - MAP_W * 0.5) / (MAP_H * 0.45), -1.0)
    v = np.maximum(head, body)
    return (1.0 / (1.0 + np.exp(-12.0 * v))).astype(np.float32)


def cases_for(w, h, threads, prob):
    """Returns [(name, fn)] for one frame size; fn() runs the post-process once."""
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    bg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    out = []
    if cv2 is not None:
        mask_u8 = (prob * 255.0 + 0.5).astype(np.uint8)
        frame_f = frame.astype(np.float32)
        bg_f = bg.astype(np.float32)

        def opencv_u8():
            a = cv2.resize(mask_u8, (w, h), interpolation=cv2.INTER_LINEAR)
            a3 = cv2.cvtColor(a, cv2.COLOR_GRAY2BGR)
            fg_part = cv2.multiply(frame, a3, scale=1.0 / 255.0)
            bg_part = cv2.multiply(bg, cv2.bitwise_not(a3), scale=1.0 / 255.0)
            return cv2.add(fg_part, bg_part)

        def opencv_f32():
            a = cv2.resize(prob, (w, h), interpolation=cv2.INTER_LINEAR)
            return cv2.blendLinear(frame_f, bg_f, a, 1.0 - a)

        out += [("opencv-u8", opencv_u8), ("opencv-f32", opencv_f32)]
    if torch is not None:
        logits = torch.from_numpy(prob).view(1, 1, MAP_H, MAP_W)
        img_small = torch.rand(1, 3, MAP_H, MAP_W)
        overlay_small = torch.rand(1, 3, MAP_H, MAP_W)
        frame_t = torch.from_numpy(frame).permute(2, 0, 1).unsqueeze(0).float().contiguous()
        bg_t = torch.from_numpy(bg).permute(2, 0, 1).unsqueeze(0).float().contiguous()
        frame_u8 = torch.from_numpy(frame).permute(2, 0, 1).unsqueeze(0).contiguous()
        bg_u8 = torch.from_numpy(bg).permute(2, 0, 1).unsqueeze(0).contiguous()

        def torch_seed():
            # the seed's forward(): alpha[logits > 0.5] = 0, blend, interpolate
            alpha = torch.ones(1, 1, MAP_H, MAP_W)
            alpha[logits > 0.5] = 0
            blended = overlay_small * alpha + img_small * (1 - alpha)
            return F.interpolate(blended, (h, w), mode="nearest")

        def torch_mask_f32():
            a = F.interpolate(logits, (h, w), mode="bilinear", align_corners=False)
            return bg_t + (frame_t - bg_t) * a

        def torch_mask_u8():
            a = F.interpolate(logits, (h, w), mode="bilinear", align_corners=False)
            f = frame_u8.float()
            b = bg_u8.float()
            return (b + (f - b) * a + 0.5).to(torch.uint8)

        out += [("torch-seed", torch_seed), ("torch-mask-f32", torch_mask_f32),
                ("torch-mask-u8", torch_mask_u8)]
    return out


def set_threads(n):
    if cv2 is not None:
        cv2.setNumThreads(n)
    if torch is not None:
        torch.set_num_threads(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="720p/1080p at one thread only")
    args = ap.parse_args()
    prob = make_map()
    versions = []
    if cv2 is not None:
        versions.append("opencv " + cv2.__version__)
    if torch is not None:
        versions.append("torch " + torch.__version__)
    print("# peers.py: %s, numpy %s" % (", ".join(versions) or "no peers", np.__version__))
    for threads in ([1] if args.quick else [1, 2]):
        set_threads(threads)
        for w, h in [(1280, 720), (1920, 1080)]:
            cases = cases_for(w, h, threads, prob)
            if not cases:
                continue
            # memcpy of (read + write) / 2 bytes: frame + background in, frame out
            n = int(1.5 * w * h * 3)
            src = np.ones(n, dtype=np.uint8)
            dst = np.zeros(n, dtype=np.uint8)
            cases.append(("memcpy", lambda: ctypes.memmove(dst.ctypes.data, src.ctypes.data, n)))
            times = {name: [] for name, _ in cases}
            for _ in range(args.warmup):
                for _, fn in cases:
                    fn()
            for _ in range(args.runs):
                for name, fn in cases:
                    t0 = time.perf_counter()
                    fn()
                    times[name].append((time.perf_counter() - t0) * 1e3)
            memcpy_med = float(np.median(times["memcpy"]))
            for name, _ in cases:
                if name == "memcpy":
                    continue
                t = times[name]
                print("peer %s %dx%d t=%d: median %.3f ms, min %.3f ms, memcpy median %.3f ms"
                      % (name, w, h, threads, float(np.median(t)), min(t), memcpy_med))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
