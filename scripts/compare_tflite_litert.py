#!/usr/bin/env python3
"""Runs .tflite files through backdrop and LiteRT on the same input and prints the
error of every output.

Usage: bench/peers/.venv/bin/python scripts/compare_tflite_litert.py \
           [--lib build/libbackdrop.so] [--threads N] MODEL.tflite...

The input is seeded uniform [0, 1) noise (an image-like range) in each model
input's own shape; LiteRT runs with one thread and its default XNNPACK delegate.
For each model it prints whether backdrop loads it (else the engine's message)
and, per output, max |backdrop - LiteRT| and that relative to LiteRT's range
(or largest magnitude, if larger; at least 1e-3).
Exit status 0 even when models fail: this is a survey, not a test.
"""
import argparse
import ctypes as C
import sys
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench" / "peers"))
import run as peers  # noqa: E402 (the ctypes bindings of the peer benchmark)


def backdrop_run(lib, path, inputs, threads):
    model, sess = C.c_void_p(), C.c_void_p()
    mo = peers.BdModelOptions()
    lib.bd_model_options_default(C.byref(mo))
    mo.struct_size = C.sizeof(peers.BdModelOptions)
    lib.bd_model_create(C.byref(mo), C.byref(model))
    try:
        rc = lib.bd_model_load_file(model, str(path).encode())
        if rc:
            return None, lib.bd_model_last_error(model).decode()
        so = peers.BdSessionOptions()
        lib.bd_session_options_default(C.byref(so))
        so.struct_size = C.sizeof(peers.BdSessionOptions)
        so.n_threads = threads
        if lib.bd_session_create(model, C.byref(so), C.byref(sess)):
            return None, "bd_session_create failed"
        for i, x in enumerate(inputs):
            p, n = C.POINTER(C.c_float)(), C.c_size_t()
            if lib.bd_session_input(sess, i, C.byref(p), C.byref(n)) or n.value != x.size:
                return None, f"input {i}: size mismatch"
            np.ctypeslib.as_array(p, shape=(n.value,))[:] = x.ravel()
        if lib.bd_session_run(sess):
            return None, lib.bd_session_last_error(sess).decode()
        outs = []
        i = 0
        while True:
            p, n = C.POINTER(C.c_float)(), C.c_size_t()
            if lib.bd_session_output(sess, i, C.byref(p), C.byref(n)):
                break
            outs.append(np.ctypeslib.as_array(p, shape=(n.value,)).copy())
            i += 1
        return outs, None
    finally:
        if sess:
            lib.bd_session_free(sess)
        lib.bd_model_free(model)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lib", default=str(ROOT / "build" / "libbackdrop.so"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("models", nargs="+")
    a = ap.parse_args()
    lib = peers.load_backdrop(a.lib)
    for path in a.models:
        name = Path(path).name
        try:
            it = Interpreter(model_path=str(path), num_threads=1)
            it.allocate_tensors()
        except (RuntimeError, ValueError) as e:
            print(f"{name}: LiteRT cannot run it: {str(e).splitlines()[0]}")
            continue
        rng = np.random.default_rng(0)
        xs = []
        for d in it.get_input_details():
            x = rng.random(d["shape"], dtype=np.float32)
            it.set_tensor(d["index"], x)
            xs.append(x)
        it.invoke()
        refs = [it.get_tensor(d["index"]) for d in it.get_output_details()]
        ours, err = backdrop_run(lib, path, xs, a.threads)
        if ours is None:
            print(f"{name}: does not load: {err}")
            continue
        worst = 0.0
        parts = []
        for k, (r, y) in enumerate(zip(refs, ours)):
            r = r.astype(np.float32).ravel()
            if r.size != y.size:
                parts.append(f"out{k} size {y.size} vs {r.size}")
                worst = float("inf")
                continue
            e = float(np.abs(r - y).max())
            rel = e / max(float(r.max() - r.min()), float(np.abs(r).max()), 1e-3)
            worst = max(worst, rel)
            shape = [int(d) for d in it.get_output_details()[k]["shape"]]
            parts.append(f"out{k} {shape} max abs {e:.3g} (rel {rel:.2g})")
        print(f"{name}: worst rel {worst:.2g}; " + "; ".join(parts))


if __name__ == "__main__":
    main()
